/* trap.c — what happens at a trap: the plugin vexit hook, then resolve a
 * lazy branch, inject #UD, emulate, or step in place. */
#include <Zydis/Zydis.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/enforce/enforce_priv.h"

/* ── plugin vexit hook (plugins branch) ─────────────────────────────── */

void enf_set_vexit_hook(struct enf *ef, enf_vexit_fn fn, void *ctx)
{
    ef->vexit_hook = fn;
    ef->vexit_hook_ctx = ctx;
}

/* 1 if the hook handled the exit (c reloaded), 0 not, -1 error. */
static int call_vexit_hook(struct enf *ef, struct cpu_view *c, uint64_t linear, uint64_t gpa,
                           const uint8_t *bytes, size_t nbytes, unsigned len, const char *insn,
                           enum prescan_reason reason)
{
    struct enf_vexit v = { linear, gpa, c->mode, len, bytes, (unsigned)nbytes, insn, reason };
    if (!ef->vexit_hook || ef->vexit_hook(ef->vexit_hook_ctx, &v) != 1)
        return ef->failed ? -1 : 0;
    if (ef->failed || enf_cpu_load(ef, c) != 0)
        return -1;
    return 1;
}

static const char *mnemonic_of(const struct cpu_view *c, const uint8_t *bytes, size_t n)
{
    ZydisDecodedInstruction in;
    ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
    if (n == 0 || enf_decode_full(c, bytes, n, &in, ops) != 0)
        return "(bad)";
    return ZydisMnemonicGetString(in.mnemonic);
}

static void vexit_event(struct enf *ef, uint64_t linear, const char *insn, enum prescan_reason r,
                        const char *how, int has_target, uint64_t target)
{
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

/* The guest reached an armed trap at (linear, gpa); RIP is on it. */
int enf_handle_trap(struct enf *ef, struct cpu_view *c, uint64_t linear, uint64_t gpa)
{
    unsigned kinds = enf_trap_kinds(ef->tt, gpa);
    if (enf_debug_trap_hit(ef, kinds, linear, gpa, c->mode))
        return ef->failed ? -1 : 0;     /* a breakpoint or the end of a stepi: stop here */
    enf_end_step(ef);
    if (!(kinds & ENF_TRAP_VIRTUALIZE)) {
        if (kinds & ENF_TRAP_BREAK)         /* resuming from a breakpoint: run it in place once */
            return enf_debug_step_native(ef, c, linear, gpa);
        ef->st.step_trap_hits++;
        return enf_ensure_scanned(ef, linear, c->mode);
    }
    if (enf_ensure_scanned(ef, linear, c->mode) != 0)
        return -1;
    uint8_t bytes[PRESCAN_MAX_INSN_LEN];
    size_t nbytes = enf_read_insn_bytes(ef, linear, bytes);
    enum prescan_mode pm = (enum prescan_mode)c->mode;
    uint8_t attr = prescan_attr(ef->ps, gpa, pm);
    unsigned len = attr & PRESCAN_ATTR_LEN_MASK;
    enum prescan_reason reason = prescan_reason_at(ef->ps, gpa, pm);
    const char *insn = mnemonic_of(c, bytes, nbytes);

    ef->st.vexits++;
    ef->st.vexit_reason[reason < PRESCAN_REASON_COUNT ? reason : 0]++;
    switch (call_vexit_hook(ef, c, linear, gpa, bytes, nbytes, len, insn, reason)) {   /* plugins */
    case 1: {
        uint64_t next = enf_cpu_linear(c, c->regs.rip);
        vexit_event(ef, linear, insn, reason, "plugin", 1, next);
        return enf_ensure_scanned(ef, next, c->mode);
    }
    case -1: return -1;
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
    if (virt && reason == PRESCAN_REASON_UNDECODABLE) {
        uint64_t handler;
        ef->st.ud_injected++;
        vexit_event(ef, linear, insn, reason, "inject-ud", 0, 0);
        if (vcpu_inject_exception(ef->cpu, 6, 0, 0) != 0) {
            enf_fail(ef, "cannot inject #UD at 0x%" PRIx64, linear);
            return -1;
        }
        uint64_t hg;
        if (enf_vector_handler(ef, c, 6, &handler) == 0 && gmem_translate(ef->vm, handler, 0, &hg) == 0 &&
            !enf_in_monitor(ef, hg)) {
            if (enf_plant(ef, hg, ENF_TRAP_STEP) != 0 || enf_sync_protection(ef, PAGE_OF(hg)) != 0)
                return -1;
            enf_step_armed(ef);
        }
        return 0;
    }
    if (reason == PRESCAN_REASON_SENSITIVE) {
        const char *how = "";
        int r = enf_emulate_system_store(ef, c, bytes, nbytes, &how);
        if (r == 0 && (r = enf_emulate_cr3_write(ef, c, bytes, nbytes)) == 1)
            how = "mov-cr3";
        if (r < 0)
            return -1;
        if (r == 1) {
            ef->st.emulated++;
            vexit_event(ef, linear, insn, reason, how, 0, 0);
            return enf_ensure_scanned(ef, enf_cpu_linear(c, c->regs.rip), c->mode);
        }
    }
    /* Exact emulation first, whatever the reason (an overlap-forced branch
     * may even target its own bytes, which no in-place step can guard). */
    if (reason != PRESCAN_REASON_UNDECODABLE) {
        struct x86_emul_cpu e;
        struct x86_emul_mem mem = { ef, enf_emul_read, enf_emul_write };
        struct x86_emul_info info;
        enf_cpu_to_emul(c, &e);
        if (x86_emul_step(&e, &mem, bytes, nbytes, &info) == X86_EMUL_DONE) {
            if (ef->failed)
                return -1;
            enf_emul_to_cpu(&e, c);
            if (vcpu_set_regs(ef->cpu, &c->regs) != 0) {
                enf_fail(ef, "cannot set registers");
                return -1;
            }
            ef->st.emulated++;
            uint64_t next = enf_cpu_linear(c, c->regs.rip);
            vexit_event(ef, linear, insn, reason, info.how, info.has_target, next);
            return enf_ensure_scanned(ef, next, c->mode);
        }
    }
    /* Sensitive, far, crossing, overlap, policy, or not emulated: run it in
     * place.  A page-crossing instruction's attribute holds only its bytes
     * in this page: take the whole length from the decoder. */
    ZydisDecodedInstruction in;
    ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
    if (enf_decode_full(c, bytes, nbytes, &in, ops) == 0)
        len = in.length;
    vexit_event(ef, linear, insn, reason, "in-place", 0, 0);
    return enf_step_in_place(ef, c, linear, gpa, bytes, nbytes, len ? len : 1);
}

