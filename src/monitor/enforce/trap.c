/* trap.c — what happens at a trap: a breakpoint or the end of a debugger
 * step stops; a STEP trap just ends its step; a handler's ENTRY trap says
 * an exception or interrupt arrived; at a virtualize instruction the
 * plugin hook goes first, then the loop resolves a lazy branch, links an
 * out-of-page one (links.c), injects
 * #UD, emulates, or executes the instruction in place, guarded. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "monitor/enforce/enforce_priv.h"

/* ── breakpoints and the end of a debugger step ──────────────────────── */

static void debug_stop(struct enf *ef, enum enf_stop kind, uint64_t gpa)
{
    ef->stop_now = 1;
    ef->stop_kind = kind;
    ef->stop_gpa = gpa;
}

/* From handle_trap: 1 if this trap ends the run (handled), 0 to go on. */
static int debug_trap_hit(struct enf *ef, unsigned kinds, const struct cpu_view *c, uint64_t linear, uint64_t gpa)
{
    if (ef->stepi == ENF_STEPI_IN_FLIGHT || ef->stepi == ENF_STEPI_AFTER_IO) {
        /* Any armed trap reached while the stepped instruction is in flight
         * is at one of its successors: the instruction is done. */
        enf_end_step(ef);
        ef->stepi = ENF_STEPI_NONE;
        if (!(kinds & ENF_TRAP_VIRTUALIZE))
            ef->st.step_trap_hits++;
        enf_ensure_scanned(ef, c, linear);
        debug_stop(ef, ENF_STOP_STEP, gpa);
        return 1;
    }
    if ((kinds & ENF_TRAP_BREAK) && !ef->skip_break) {
        enf_end_step(ef);
        enf_ensure_scanned(ef, c, linear);
        debug_stop(ef, ENF_STOP_BREAK, gpa);
        return 1;
    }
    return 0;
}

/* ── plugin vexit hook ───────────────────────────────────────────────── */

void enf_set_vexit_hook(struct enf *ef, enf_vexit_fn fn, void *ctx)
{
    ef->vexit_hook = fn;
    ef->vexit_hook_ctx = ctx;
}

/* 1 if the hook handled the exit (c reloaded), 0 not, -1 error. */
static int call_vexit_hook(struct enf *ef, struct cpu_view *c, uint64_t linear, uint64_t gpa,
                           const struct x86_insn *in, unsigned len, const char *insn,
                           enum prescan_reason reason)
{
    struct enf_vexit v = { linear, gpa, c->mode, len, in->bytes, in->nbytes, insn, reason };
    if (!ef->vexit_hook || ef->vexit_hook(ef->vexit_hook_ctx, &v) != 1)
        return ef->failed ? -1 : 0;
    if (ef->failed || enf_cpu_load(ef, c) != 0)
        return -1;
    return 1;
}

static void vexit_event(struct enf *ef, uint64_t linear, const char *insn, enum prescan_reason r,
                        const char *how, int has_target, uint64_t target)
{
    if (!events_wanted(ef->events))
        return;
    struct scout_event ev;
    memset(&ev, 0, sizeof(ev));
    ev.type = SCOUT_EV_VEXIT;
    ev.u.vexit.rip = linear;
    ev.u.vexit.insn = insn;
    ev.u.vexit.reason = prescan_reason_name(r);
    ev.u.vexit.how = how;
    ev.u.vexit.has_target = has_target;
    ev.u.vexit.target = target;
    enf_emit(ef, &ev);
}

int enf_set_rip(struct enf *ef, struct cpu_view *c, uint64_t ip)
{
    c->regs.rip = ip;
    if (vcpu_set_regs(ef->cpu, &c->regs) != 0) {
        enf_fail(ef, "cannot set RIP");
        return -1;
    }
    return 0;
}

int enf_decode_at(struct enf *ef, const struct cpu_view *c, uint64_t linear, struct x86_insn *in)
{
    uint8_t bytes[PRESCAN_MAX_INSN_LEN];
    size_t n = enf_read_insn_bytes(ef, linear, bytes);
    return x86_decode(in, c->mode, ef->amd_branches, bytes, n);
}

/* An exception or interrupt arrived at a handler (or code jumped there). */
static void entry_event(struct enf *ef, uint64_t linear, uint64_t gpa)
{
    const struct enf_entry *e = enf_tables_entry(ef, gpa);
    ef->st.entry_hits++;
    if (!events_wanted(ef->events))
        return;
    struct scout_event ev;
    memset(&ev, 0, sizeof(ev));
    ev.type = SCOUT_EV_ENTRY;
    ev.u.entry.addr = linear;
    ev.u.entry.vector = e ? e->vector : 0;
    ev.u.entry.nvectors = e ? e->nvectors : 0;
    enf_emit(ef, &ev);
}

/* An instruction scout completed itself (emulated) that began with
 * RFLAGS.TF set ends in the single-step #DB the CPU would raise after it
 * (DR6.BS), delivered at the next instruction. */
static int single_step_trap(struct enf *ef, const struct cpu_view *c, uint64_t flags_before)
{
    if (!(flags_before & X86_RFLAGS_TF))
        return 0;
    if (vcpu_set_dr6_bits(ef->cpu, 1ull << 14) != 0 ||
        enf_inject_exception(ef, enf_cpu_linear(c, c->regs.rip), X86_VEC_DB, 0, 0) != 0) {
        enf_fail(ef, "cannot raise the single-step #DB after an emulated instruction");
        return -1;
    }
    return 0;
}

/* Emulation first, whatever the reason the instruction is virtualize: 1
 * done (RIP moved, next instruction scanned), 0 not emulated, -1 error. */
static int try_emulate(struct enf *ef, struct cpu_view *c, uint64_t linear, const struct x86_insn *in,
                       const char *insn, enum prescan_reason reason)
{
    struct x86_emul_cpu e;
    struct x86_emul_mem mem = { ef, enf_emul_read, enf_emul_write };
    struct x86_emul_info info;
    if (!in->ok)
        return 0;
    enf_cpu_to_emul(ef, c, &e);
    uint64_t flags_before = c->regs.rflags;
    if (x86_emul_step_insn(&e, &mem, in, &info) != X86_EMUL_DONE)
        return ef->failed ? -1 : 0;
    if (ef->failed || enf_emul_to_cpu(ef, &e, c) != 0)
        return -1;
    /* STI that set IF: no interrupt before the next instruction (sti; hlt) */
    if (in->zi.mnemonic == ZYDIS_MNEMONIC_STI && !(flags_before & X86_RFLAGS_IF) &&
        (c->regs.rflags & X86_RFLAGS_IF))
        vcpu_set_sti_shadow(ef->cpu);
    ef->st.emulated++;
    uint64_t next = enf_cpu_linear(c, c->regs.rip);
    vexit_event(ef, linear, insn, reason, info.how, info.has_target, next);
    if (single_step_trap(ef, c, flags_before) != 0)
        return -1;
    return enf_ensure_scanned(ef, c, next) != 0 ? -1 : 1;
}

/* Runs a native instruction once with its trap (a breakpoint's, a handler
 * entry's) lifted: emulated when it can be, else in place. */
static int run_native_once(struct enf *ef, struct cpu_view *c, uint64_t linear, uint64_t gpa)
{
    struct x86_insn in;
    if (enf_ensure_scanned(ef, c, linear) != 0)
        return -1;
    enf_decode_at(ef, c, linear, &in);
    return enf_step_in_place(ef, c, linear, gpa, &in);
}

/* The guest reached an armed trap at (linear, gpa); RIP is on it. */
int enf_handle_trap(struct enf *ef, struct cpu_view *c, uint64_t linear, uint64_t gpa)
{
    unsigned kinds = enf_trap_kinds(ef->tt, gpa);
    if (kinds & ENF_TRAP_ENTRY) {
        int d = enf_denied_trap(ef, c, &linear, &gpa);
        if (d < 0)
            return -1;
        if (d)
            kinds = enf_trap_kinds(ef->tt, gpa);    /* the trap the CPU refused, as if it exited */
    }
    if (debug_trap_hit(ef, kinds, c, linear, gpa))
        return ef->failed ? -1 : 0;     /* a breakpoint or the end of a stepi: stop here */
    enf_end_step(ef);
    if (kinds & ENF_TRAP_ENTRY) {
        entry_event(ef, linear, gpa);
        vcpu_hold_eoi(ef->cpu);         /* this guard is an exit raw KVM would not make */
    }
    if (!(kinds & ENF_TRAP_VIRTUALIZE)) {
        if (kinds & (ENF_TRAP_BREAK | ENF_TRAP_ENTRY))
            return run_native_once(ef, c, linear, gpa);
        ef->st.step_trap_hits++;
        return enf_ensure_scanned(ef, c, linear);
    }
    if (enf_ensure_scanned(ef, c, linear) != 0)
        return -1;
    struct x86_insn in;
    enf_decode_at(ef, c, linear, &in);
    if (enf_depriv_trap(ef, c, linear, &in) != 0)      /* --deprivilege: its virtual CPL 0 */
        return -1;
    enum prescan_mode pm = enf_pmode(c, linear);
    uint8_t attr = prescan_attr(ef->ps, gpa, pm);
    unsigned len = attr & PRESCAN_ATTR_LEN_MASK;
    enum prescan_reason reason = prescan_reason_of(ef->ps, gpa, pm, in.bytes, in.nbytes);
    const char *insn = in.ok ? ZydisMnemonicGetString(in.zi.mnemonic) : "(bad)";

    ef->st.vexits++;
    ef->st.vexit_reason[reason < PRESCAN_REASON_COUNT ? reason : 0]++;
    switch (call_vexit_hook(ef, c, linear, gpa, &in, len, insn, reason)) {   /* plugins */
    case 1: {
        uint64_t next = enf_cpu_linear(c, c->regs.rip);
        vexit_event(ef, linear, insn, reason, "plugin", 1, next);
        return enf_ensure_scanned(ef, c, next);
    }
    case -1:
        return -1;
    }
    /* (Native in this mode: the trap belongs to another mode's view.) */
    int virt = (attr & PRESCAN_ATTR_VIRTUALIZE) != 0;
    if (virt && reason == PRESCAN_REASON_BRANCH_UNSCANNED) {
        ef->st.scans++;
        int r = prescan_resolve_branch(ef->ps, gpa, pm);
        if (enf_sync_touched(ef) != 0)
            return -1;
        if (r == 1) {
            ef->st.resolved++;
            vexit_event(ef, linear, insn, reason, "resolved", 0, 0);
            return 0;                   /* resume on the branch, now native */
        }
    }
    if (virt && reason == PRESCAN_REASON_BRANCH_OUT_OF_PAGE) {
        int r = enf_link_try(ef, c, linear, gpa);
        if (r < 0)
            return -1;
        if (r == 1) {
            vexit_event(ef, linear, insn, reason, "linked", 0, 0);
            return 0;                   /* resume on the branch, now native */
        }
    }
    if (virt && reason == PRESCAN_REASON_UNDECODABLE) {
        /* #UD goes to the guest's handler, whose ENTRY trap guards it */
        ef->st.ud_injected++;
        vexit_event(ef, linear, insn, reason, "inject-ud", 0, 0);
        if (enf_inject_exception(ef, linear, X86_VEC_UD, 0, 0) != 0) {
            enf_fail(ef, "cannot inject #UD at 0x%" PRIx64, linear);
            return -1;
        }
        return 0;
    }
    if (reason == PRESCAN_REASON_SENSITIVE || reason == PRESCAN_REASON_DEPRIVILEGE) {
        const char *how = "";
        uint64_t flags_before = c->regs.rflags;
        int r = enf_emulate_system(ef, c, &in, &how);
        if (r < 0)
            return -1;
        if (r == 1) {
            ef->st.emulated++;
            vexit_event(ef, linear, insn, reason, how, 0, 0);
            if (single_step_trap(ef, c, flags_before) != 0)
                return -1;
            return enf_ensure_scanned(ef, c, enf_cpu_linear(c, c->regs.rip));
        }
    }
    /* Exact emulation first, whatever the reason (an overlap-forced branch
     * may even target its own bytes, which no in-place step can guard). */
    if (reason != PRESCAN_REASON_UNDECODABLE) {
        int r = try_emulate(ef, c, linear, &in, insn, reason);
        if (r != 0)
            return r < 0 ? -1 : 0;
    }
    vexit_event(ef, linear, insn, reason, "in-place", 0, 0);
    return enf_step_in_place(ef, c, linear, gpa, &in);
}
