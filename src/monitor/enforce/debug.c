/* debug.c — debugger support for the enforcement loop (loop.c):
 * breakpoints and single steps built from its 1-byte traps.  The run-loop
 * hooks call in here (debug_trap_hit, stepi_after_exit), enf_run
 * brackets each run with debug_resume/debug_finish, and enf_step,
 * enf_last_stop and enf_break_insert/remove are the public side. */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <Zydis/Zydis.h>

#include "monitor/enforce/enforce_priv.h"
#include "monitor/kvm/kvm.h"
#include "monitor/x86/x86.h"
#include "monitor/enforce/enforce.h"

/* ══ debugger support: breakpoints and single steps, with traps ═════════
 * KVM's own single-step and software breakpoints do not work on every host
 * (DESIGN §3), so both are built from the 1-byte traps:
 *   - a breakpoint is a ENF_TRAP_BREAK trap: reaching it stops the run with RIP
 *     on it.  The engine never sees it (enf_trap_undo), invalidation keeps it
 *     (only VIRTUALIZE and STEP traps go), and it keeps its page read-only.
 *   - resuming on an armed breakpoint handles the instruction there without
 *     entering the guest, as its trap exit would be handled with the
 *     breakpoint ignored: emulated, resolved, or executed in place once.
 *   - enf_step does the same for any instruction, then runs until the
 *     first exit after it: a STEP trap at a successor, or the instruction's
 *     own exit (device I/O, a write to a protected page, HLT, exception). */


void enf_stepi_after_exit(struct enf *ef, uint32_t exit_reason)
{
    if ((ef->stepi != ENF_STEPI_IN_FLIGHT && ef->stepi != ENF_STEPI_AFTER_IO) || ef->step == ENF_STEP_ARMED)
        return;
    if (exit_reason == KVM_EXIT_MMIO || (exit_reason == KVM_EXIT_IO && ef->stepi == ENF_STEPI_AFTER_IO)) {
        uint64_t gpa = 0, lin;
        struct cpu_view c;
        ef->stepi = ENF_STEPI_NONE;
        if (enf_cpu_load(ef, &c) == 0 && (lin = enf_cpu_linear(&c, c.regs.rip), 1))
            gmem_translate(ef->vm, lin, 0, &gpa);
        ef->stop_kind = ENF_STOP_STEP;
        ef->stop_gpa = gpa;
        vcpu_request_stop(ef->cpu, VM_STOP_HOOK);
    }
}

/* Executes the native instruction at RIP once, in place (its own traps,
 * a breakpoint included, suspended).  An instruction that can branch to
 * itself (`jmp .`) would never exit: it is emulated when the emulator can. */
int enf_debug_step_native(struct enf *ef, const struct cpu_view *c, uint64_t linear, uint64_t gpa)
{
    struct x86_insn in;
    if (enf_ensure_scanned(ef, c, linear) != 0)
        return -1;
    enf_decode_at(ef, c, linear, &in);
    if (ef->stepi != ENF_STEPI_NONE && in.ok) {
        struct x86_emul_cpu e;
        struct x86_emul_mem mem = { ef, enf_emul_read, enf_emul_write };
        uint64_t succ[2];
        unsigned len = in.zi.length;
        enf_cpu_to_emul(ef, c, &e);
        int n = x86_emul_successors(&e, &mem, in.bytes, in.nbytes, succ);   /* (-1: none known) */
        int self = 0;
        for (int i = 0; i < n; i++)
            self |= succ[i] >= linear && succ[i] < linear + len;
        struct x86_emul_info info;
        if (self && x86_emul_step(&e, &mem, in.bytes, in.nbytes, &info) == X86_EMUL_DONE) {
            struct cpu_view nc = *c;
            if (enf_emul_to_cpu(ef, &e, &nc) != 0)
                return -1;
            ef->st.emulated++;
            return enf_ensure_scanned(ef, &nc, enf_cpu_linear(&nc, nc.regs.rip));
        }
    }
    return enf_step_in_place(ef, c, linear, gpa, &in);
}

/* Before entering the guest: if RIP is on an armed breakpoint (or stepi),
 * handle the instruction there as its trap exit would be, without the
 * breakpoint.  0: enter the guest; 1: done without entering it (stop
 * filled); -1: error (ef->failed). */
int enf_debug_resume(struct enf *ef, struct vm_stop *stop, int stepi)
{
    struct cpu_view c;
    uint64_t lin, gpa;
    ef->stop_now = 0;
    ef->stop_kind = ENF_STOP_NONE;
    ef->stepi = ENF_STEPI_NONE;
    if (enf_cpu_load(ef, &c) != 0)
        return -1;
    lin = enf_cpu_linear(&c, c.regs.rip);
    if (gmem_translate(ef->vm, lin, 0, &gpa) != 0 || enf_in_monitor(ef, gpa)) {
        ef->stepi = stepi ? ENF_STEPI_IN_FLIGHT : ENF_STEPI_NONE;  /* the guest's own fetch decides */
        return 0;
    }
    int armed = enf_trap_is_armed(ef->tt, gpa);
    unsigned kinds = armed ? enf_trap_kinds(ef->tt, gpa) : 0;
    if (!stepi && !(kinds & ENF_TRAP_BREAK))
        return 0;
    uint64_t resolved = ef->st.resolved;
    for (int round = 0; round < 3; round++) {
        int rc;
        uint64_t rip0 = c.regs.rip;     /* handle_trap updates c when it emulates */
        ef->skip_break = 1;
        ef->stepi = stepi ? ENF_STEPI_PREPARE : ENF_STEPI_NONE;
        if (kinds & ENF_TRAP_VIRTUALIZE)
            rc = enf_handle_trap(ef, &c, lin, gpa);
        else
            rc = enf_debug_step_native(ef, &c, lin, gpa);
        ef->skip_break = 0;
        enf_step_begin(ef);             /* no exit is being handled: the next one ends the step */
        if (rc != 0 || ef->failed)
            return -1;
        ef->stepi = stepi ? ENF_STEPI_IN_FLIGHT : ENF_STEPI_NONE;   /* the next exit ends the step */
        if (ef->step != ENF_STEP_NONE)
            return 0;                   /* in place: enter the guest */
        struct cpu_view now;
        if (enf_cpu_load(ef, &now) != 0)
            return -1;
        if (now.regs.rip != rip0 || !(ef->st.resolved > resolved)) {
            if (now.regs.rip == rip0)
                return 0;               /* e.g. #UD injected: the guest takes it */
            /* emulated: the instruction is done */
            ef->stepi = ENF_STEPI_NONE;
            if (!stepi)
                return 0;
            memset(stop, 0, sizeof(*stop));
            stop->why = VM_STOP_HOOK;
            stop->rip = enf_cpu_linear(&now, now.regs.rip);
            ef->stop_kind = ENF_STOP_STEP;
            gmem_translate(ef->vm, stop->rip, 0, &ef->stop_gpa);
            return 1;
        }
        /* a lazy branch was resolved in place: handle it again, now native */
        ef->stepi = ENF_STEPI_NONE;
        resolved = ef->st.resolved;
        c = now;
        kinds = enf_trap_is_armed(ef->tt, gpa) ? enf_trap_kinds(ef->tt, gpa) : 0;
    }
    return 0;
}

void enf_debug_finish(struct enf *ef, struct vm_stop *stop)
{
    struct cpu_view c;
    int ours = ef->stop_kind != ENF_STOP_NONE && stop->why == VM_STOP_HOOK;
    ef->stepi = ENF_STEPI_NONE;
    ef->stop_now = 0;
    ef->skip_break = 0;
    if (!ours) {
        if (stop->why != VM_STOP_HOOK || !ef->failed)
            ef->stop_kind = ENF_STOP_NONE;
        return;
    }
    if (enf_cpu_load(ef, &c) == 0)
        stop->rip = enf_cpu_linear(&c, c.regs.rip);
    snprintf(stop->message, sizeof(stop->message), "%s at rip=0x%" PRIx64,
             ef->stop_kind == ENF_STOP_BREAK ? "breakpoint" : ef->stop_kind == ENF_STOP_WATCH ? "watchpoint"
                                                                                            : "stepped",
             stop->rip);
}


enum enf_stop enf_last_stop(const struct enf *ef, uint64_t *gpa)
{
    if (gpa)
        *gpa = ef->stop_gpa;
    return ef->stop_kind;
}

static int break_check(struct enf *ef, uint64_t gpa, char *err, size_t errlen)
{
    if (gpa >= vm_mem_size(ef->vm)) {
        snprintf(err, errlen, "physical 0x%" PRIx64 " is outside guest memory (0x%" PRIx64 " bytes)",
                 gpa, vm_mem_size(ef->vm));
        return -1;
    }
    if (enf_in_monitor(ef, gpa)) {
        snprintf(err, errlen, "physical 0x%" PRIx64 " is in scout's reserved region", gpa);
        return -1;
    }
    return 0;
}

int enf_break_insert(struct enf *ef, uint64_t gpa, char *err, size_t errlen)
{
    if (break_check(ef, gpa, err, errlen) != 0)
        return -1;
    ef->failed = 0;
    if (enf_plant(ef, gpa, ENF_TRAP_BREAK) != 0 || enf_sync_protection(ef, PAGE_OF(gpa)) != 0)
        return enf_report(ef, err, errlen);
    return 0;
}

int enf_break_remove(struct enf *ef, uint64_t gpa, char *err, size_t errlen)
{
    if (break_check(ef, gpa, err, errlen) != 0)
        return -1;
    ef->failed = 0;
    enf_unplant(ef, gpa, ENF_TRAP_BREAK);
    enf_sync_protection(ef, PAGE_OF(gpa));
    return enf_report(ef, err, errlen);
}

/* ── watchpoints ─────────────────────────────────────────────────────── */

int enf_watch_insert(struct enf *ef, uint64_t gpa, unsigned len, char *err, size_t errlen)
{
    if (len == 0 || len > PAGE_SIZE || PAGE_OF(gpa) != PAGE_OF(gpa + len - 1))
        return base_err(err, errlen, "a watched range is 1 to 4096 bytes inside one page");
    if (break_check(ef, gpa, err, errlen) != 0)
        return -1;
    for (unsigned i = 0; i < ef->nwatch; i++)
        if (ef->watch[i].gpa == gpa && ef->watch[i].len == len)
            return 0;
    if (ef->nwatch == ENF_MAX_WATCH)
        return base_err(err, errlen, "too many watchpoints (at most %d)", ENF_MAX_WATCH);
    ef->watch[ef->nwatch].gpa = gpa;
    ef->watch[ef->nwatch].len = len;
    ef->nwatch++;
    ef->failed = 0;
    enf_sync_protection(ef, PAGE_OF(gpa));
    return enf_report(ef, err, errlen);
}

int enf_watch_remove(struct enf *ef, uint64_t gpa, unsigned len, char *err, size_t errlen)
{
    for (unsigned i = 0; i < ef->nwatch; i++)
        if (ef->watch[i].gpa == gpa && ef->watch[i].len == len) {
            ef->watch[i] = ef->watch[--ef->nwatch];
            ef->failed = 0;
            enf_sync_protection(ef, PAGE_OF(gpa));
            return enf_report(ef, err, errlen);
        }
    return base_err(err, errlen, "no watchpoint at physical 0x%" PRIx64 "+%u", gpa, len);
}

int enf_last_watch(const struct enf *ef, struct enf_watch_hit *out)
{
    if (!ef->have_watch_hit)
        return -1;
    *out = ef->watch_hit;
    return 0;
}
