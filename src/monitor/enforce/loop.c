/* loop.c — see enforce.h.  The flow of one trap exit:
 *
 *   io hook: OUT DX,AL whose byte is an armed trap?  -> complete the I/O
 *   (DESIGN §3), put RIP back on the trap, end any in-place step, then act
 *   on the virtualize reason: resolve / emulate / step in place / #UD.
 *   protected_write hook: complete the writing instruction, run the write
 *   check, invalidate or keep, apply the write.
 *   after_exit hook: end an in-place step that is over, make sure RIP is
 *   scanned (after an invalidation it may not be), check the invariant.
 *
 * This file is the loop itself, its lifecycle and the plugin vexit hook;
 * sys.c computes what system instructions do from CPU state and
 * guest memory, debug.c holds breakpoints and single steps, and
 * enforce_priv.h the state they share. */
#include "monitor/enforce/enforce.h"

#include <Zydis/Zydis.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/dev/dev.h"
#include "monitor/enforce/enforce_priv.h"
#include "monitor/kvm/kvm.h"
#include "monitor/x86/x86.h"

/* ── run-loop hooks ─────────────────────────────────────────────────── */

/* The guest goes on at the trap's own address (an instruction run in
 * place, a branch just resolved, a step's guard reached): the trap byte
 * there has had its instruction-breakpoint check already (a #DB, or RF
 * from an IRET consumed), so the instruction itself runs with RF set, as
 * the CPU would have run it once.  Not a software interrupt (INT3, INT1,
 * INTO, INT n): it is a trap, and should its delivery fail, this host's
 * KVM reports the shutdown with scout's RF still set, where raw has none
 * (an instruction breakpoint on an INT3 is not worth that). */
static void resume_with_rf(struct enf *ef, uint64_t linear)
{
    struct cpu_view c;
    uint8_t op = 0;
    if (enf_cpu_load(ef, &c) != 0 || enf_cpu_linear(&c, c.regs.rip) != linear || (c.regs.rflags & X86_RFLAGS_RF))
        return;
    (void)enf_emul_read(ef, linear, &op, 1);    /* (read only when RF would be set) */
    if (op != 0xcc && op != 0xcd && op != 0xce && op != 0xf1) {
        c.regs.rflags |= X86_RFLAGS_RF;
        ef->rf_rip = linear + 1;
        if (vcpu_set_regs(ef->cpu, &c.regs) != 0)
            enf_fail(ef, "cannot set RFLAGS.RF");
    }
}

/* The run ended in a KVM internal error on the instruction scout resumed
 * with RF: it never ran, and the RF is scout's -- raw shows none. */
static void drop_own_rf(struct enf *ef, const struct vm_stop *stop)
{
    struct cpu_view c;
    if (stop->exit_reason != KVM_EXIT_INTERNAL_ERROR || !ef->rf_rip || enf_cpu_load(ef, &c) != 0 ||
        !(c.regs.rflags & X86_RFLAGS_RF) || enf_cpu_linear(&c, c.regs.rip) + 1 != ef->rf_rip)
        return;
    c.regs.rflags &= ~X86_RFLAGS_RF;
    (void)vcpu_set_regs(ef->cpu, &c.regs);
}

static enum vm_hook_result on_io(void *ctx, struct vcpu *cpu, uint16_t port, int out, int size,
                                 uint32_t count, void *data)
{
    struct enf *ef = ctx;
    struct cpu_view c;
    (void)cpu;
    (void)data;
    if (out && size == 1 && count == 1 && enf_cpu_load(ef, &c) == 0) {
        uint64_t rip_lin = enf_cpu_linear(&c, c.regs.rip);
        uint64_t cand = ef->io_rip_at_out ? rip_lin : rip_lin - 1, gpa;
        if (gmem_translate(ef->vm, cand, 0, &gpa) == 0 && enf_trap_is_armed(ef->tt, gpa)) {
            uint64_t trap_rip = ef->io_rip_at_out ? c.regs.rip : c.regs.rip - 1;
            vcpu_out_handled(ef->cpu, cand);    /* (a completion run only where the host needs one) */
            if (enf_cpu_load(ef, &c) != 0)
                return VM_HOOK_STOP;
            if (enf_set_rip(ef, &c, trap_rip) != 0 || enf_handle_trap(ef, &c, cand, gpa) != 0)
                return VM_HOOK_STOP;
            if (ef->failed || ef->stop_now)
                return VM_HOOK_STOP;
            if (!(ef->injected.state == 2 && ef->injected.linear == cand))
                resume_with_rf(ef, cand);   /* (an exception injected here: nothing runs) */
            return VM_HOOK_HANDLED;
        }
    }
    /* Port I/O is virtualize: only an instruction stepped in place may do
     * its own.  Anything else ran without its trap. */
    if (!(ef->step == ENF_STEP_IN_FLIGHT && ef->step_io)) {
        ef->st.native_io++;
        if (ef->cfg.check_invariant)
            enf_fail(ef, "invariant broken: port 0x%x I/O by an instruction that was not trapped", port);
    }
    if (ef->stepi == ENF_STEPI_IN_FLIGHT && !(out && port >= DEV_EXIT_PORT && port < DEV_EXIT_PORT + 4))
        ef->stepi = ENF_STEPI_AFTER_IO; /* the stepped instruction's own I/O: stop after it */
    ef->io_own = 1;                     /* (an instruction's own I/O: it may not be over) */
    return ef->failed ? VM_HOOK_STOP : VM_HOOK_PASS;
}

static enum vm_hook_result on_protected_write(void *ctx, struct vcpu *cpu, uint64_t gpa,
                                              const void *data, unsigned len)
{
    struct enf *ef = ctx;
    uint8_t copy[8];
    if (len > sizeof(copy))
        len = sizeof(copy);
    memcpy(copy, data, len);            /* the run struct is reused by the completion run */
    vcpu_complete_io(cpu);              /* the writing instruction goes on first */
    if (vcpu_exit_pending(cpu))
        ef->st.mmio_fragments++;        /* ... to its next piece: the step is not over */
    else
        enf_end_step(ef);
    if (enf_apply_write(ef, gpa, copy, len, 0) != 0)
        return VM_HOOK_STOP;
    return ef->stop_now ? VM_HOOK_STOP : VM_HOOK_HANDLED;
}

/* Invariants checked at every exit in debug builds: RIP's instruction is
 * scanned, and no trap byte of scout's sits inside a native instruction of
 * any mode (the CPU would run something else). */
static void check_invariants(struct enf *ef, uint64_t lin, uint64_t gpa, const struct cpu_view *c)
{
    int scanned = (prescan_attr(ef->ps, gpa, enf_pmode(c, lin)) & PRESCAN_ATTR_SCANNED) != 0;
    if (!scanned && !enf_trap_is_armed(ef->tt, gpa) && !ef->invalidated_rip_page) {
        enf_fail(ef, "invariant broken: rip=0x%" PRIx64 " (gpa 0x%" PRIx64 ") is not scanned at an exit", lin, gpa);
        return;
    }
    for (size_t i = 0; i < ef->touched_check.n; i++) {
        uint64_t page = ef->touched_check.v[i];
        for (unsigned off = 0; off < PAGE_SIZE; off++)
            if (enf_trap_is_armed(ef->tt, page + off) && prescan_inside_native(ef->ps, page + off)) {
                enf_fail(ef, "invariant broken: a trap at 0x%" PRIx64 " lies inside a native instruction",
                         page + off);
                return;
            }
    }
    ef->touched_check.n = 0;
    /* every STEP trap belongs to the step in flight, and is in its list */
    size_t listed = 0;
    for (size_t i = 0; i < ef->step_traps.n; i++)
        listed += (enf_trap_kinds(ef->tt, ef->step_traps.v[i]) & ENF_TRAP_STEP) != 0;
    size_t all = enf_trap_count_kind(ef->tt, ENF_TRAP_STEP);
    if (all != listed || (all && ef->step == ENF_STEP_NONE))
        enf_fail(ef, "invariant broken: %zu STEP traps planted, %zu of them in the step's list (step %s)", all,
                 listed, ef->step == ENF_STEP_NONE ? "over" : "in flight");
}

static void on_after_exit(void *ctx, struct vcpu *cpu, uint32_t exit_reason)
{
    struct enf *ef = ctx;
    struct cpu_view c;
    (void)cpu;
    enf_depriv_exit_begin(ef);
    enf_stepi_after_exit(ef, exit_reason);
    if (ef->step == ENF_STEP_ARMED)
        enf_step_begin(ef);             /* the step runs now */
    else
        enf_end_step(ef);
    /* The retried instruction or delivery got through -- not when this
     * exit is its own port I/O or MMIO, in the middle of it, nor its own
     * trap hit again (an INSB whose store faults with no handler would be
     * retried for ever). */
    int own_io = (exit_reason == KVM_EXIT_IO && ef->io_own) || exit_reason == KVM_EXIT_MMIO;
    ef->io_own = 0;
    if (exit_reason != KVM_EXIT_INTERNAL_ERROR && exit_reason != KVM_EXIT_SHUTDOWN && !own_io && ef->retry_rip &&
        (enf_cpu_load(ef, &c) != 0 || enf_cpu_linear(&c, c.regs.rip) + 1 != ef->retry_rip))
        ef->retry_rip = 0;
    enf_injected_after_exit(ef, exit_reason);
    /* The run ends at these: nothing will execute at RIP, so nothing to scan. */
    if (exit_reason == KVM_EXIT_HLT || exit_reason == KVM_EXIT_SHUTDOWN ||
        exit_reason == KVM_EXIT_SYSTEM_EVENT || exit_reason == KVM_EXIT_FAIL_ENTRY ||
        (exit_reason == KVM_EXIT_INTERNAL_ERROR && ef->step == ENF_STEP_NONE))
        return;
    if (enf_cpu_load(ef, &c) != 0)
        return;
    enf_tables_check(ef, &c);
    uint64_t lin = enf_cpu_linear(&c, c.regs.rip), gpa;
    if (gmem_translate(ef->vm, lin, 0, &gpa) == 0 && !enf_in_monitor(ef, gpa)) {
        if (!enf_trap_is_armed(ef->tt, gpa))
            enf_ensure_scanned(ef, &c, lin);
        enf_paging_guard(ef, &c, lin);
        enf_links_guard(ef, &c, lin, gpa);
        if (ef->cfg.check_invariant)
            check_invariants(ef, lin, gpa, &c);     /* as the guest re-enters */
        ef->st.invariant_checks++;
    }
    ef->invalidated_rip_page = 0;
    if (ef->flush_tlb) {
        /* scout wrote a page table through its own mapping: KVM drops what
         * it built from it (this host's KVM re-reads none of it after a
         * TLB flush alone: test_monitor_kvm) */
        ef->flush_tlb = 0;
        memslot_zap(ef->vm);
        if (vcpu_flush_tlb(ef->cpu) != 0)
            enf_fail(ef, "cannot flush the guest's TLB");
    }
    enf_depriv_settle(ef);              /* --deprivilege: back to CPL 3 where the guest's state allows */
    /* This hook cannot refuse the re-entry itself: ask the loop to stop
     * (a watchpoint hit while a step's stores were diffed, or an error). */
    if (ef->failed || ef->stop_now)
        vcpu_request_stop(ef->cpu, VM_STOP_HOOK);
}

/* A device's write into guest RAM (fw_cfg DMA): the guest's write path. */
static int on_device_write(void *ctx, uint64_t gpa, const void *buf, size_t len)
{
    return enf_apply_write(ctx, gpa, buf, len, 0);
}

/* ── lifecycle ──────────────────────────────────────────────────────── */

static int trap_mem_read(void *ctx, uint64_t gpa, void *buf, size_t len)
{
    return gmem_read_phys(ctx, gpa, buf, len);
}
static int trap_mem_write(void *ctx, uint64_t gpa, const void *buf, size_t len)
{
    return gmem_write_phys(ctx, gpa, buf, len);
}

struct enf *enf_new(struct vm *vm, const struct enf_config *cfg, struct events *events,
                            char *err, size_t errlen)
{
    struct enf *ef = calloc(1, sizeof(*ef));
    if (!ef) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    ef->vm = vm;
    ef->cpu = vm_vcpu(vm);
    ef->cfg = *cfg;
    ef->events = events;
    ef->reserved_base = vm_reserved_base(vm);
    ef->paging_gen = 1;                 /* the first exit computes the walks */
    ef->amd_branches = cfg->amd_branches;
    struct enf_trap_mem tm = { vm, trap_mem_read, trap_mem_write };
    ef->tt = enf_trap_table_new(&tm, ENF_TRAP_OUT);
    struct prescan_config pc = { 0 };
    pc.read = enf_read_page_for_engine;
    pc.read_ctx = ef;
    pc.max_depth = cfg->depth;
    pc.listen = enf_on_engine_event;
    pc.listen_ctx = ef;
    pc.amd_branches = cfg->amd_branches;
    ef->ps = ef->tt ? prescan_new(&pc) : NULL;
    if (!ef->ps) {
        snprintf(err, errlen, "out of memory");
        enf_free(ef);
        return NULL;
    }
    vm_set_device_write_hook(vm, on_device_write, ef);
    return ef;
}

void enf_set_io_rip_at_out(struct enf *ef, int at_out) { ef->io_rip_at_out = at_out; }

void enf_free(struct enf *ef)
{
    if (!ef)
        return;
    vm_set_device_write_hook(ef->vm, NULL, NULL);
    enf_end_step(ef);
    enf_tables_free(ef);
    prescan_free(ef->ps);
    enf_trap_table_free(ef->tt);
    VEC_FREE(&ef->touched);
    VEC_FREE(&ef->touched_check);
    enf_paging_free(ef);
    enf_links_free(ef);
    VEC_FREE(&ef->step_traps);
    VEC_FREE(&ef->unprot);
    free(ef);
}

void enf_set_depth(struct enf *ef, unsigned depth)
{
    ef->cfg.depth = depth;
    prescan_set_depth(ef->ps, depth);
}
unsigned enf_depth(const struct enf *ef) { return ef->cfg.depth; }
struct prescan *enf_engine(struct enf *ef) { return ef->ps; }
struct enf_trap_table *enf_traps(struct enf *ef) { return ef->tt; }
void enf_get_stats(const struct enf *ef, struct enf_stats *out) { *out = ef->st; }


/* A scan requested from outside (prescan/pstart): linear -> gpa, mode 0 =
 * the vCPU's current mode; then a whole scan, or only its start (steppable). */
static int start_requested_scan(struct enf *ef, uint64_t linear, int mode, int whole,
                                char *err, size_t errlen)
{
    struct cpu_view c;
    uint64_t gpa;
    if (enf_cpu_load(ef, &c) != 0)
        return enf_report(ef, err, errlen);
    enum prescan_mode pm = mode == 0 ? enf_pmode(&c, linear)
                         : enf_pmode_for(mode, mode == c.mode ? c.sregs.cs.base : 0, linear);
    if (gmem_translate(ef->vm, linear, 0, &gpa) != 0) {
        snprintf(err, errlen, "0x%" PRIx64 " is not mapped", linear);
        return -1;
    }
    ef->st.scans++;
    int rc = whole ? prescan_scan(ef->ps, gpa, pm) : prescan_start(ef->ps, gpa, pm);
    if (rc != 0) {
        snprintf(err, errlen, "cannot scan at 0x%" PRIx64, linear);
        return -1;
    }
    return 0;
}

int enf_prescan(struct enf *ef, uint64_t linear, int mode, char *err, size_t errlen)
{
    if (start_requested_scan(ef, linear, mode, 1, err, errlen) != 0)
        return -1;
    enf_sync_touched(ef);
    return enf_report(ef, err, errlen);
}

int enf_prescan_start(struct enf *ef, uint64_t linear, int mode, char *err, size_t errlen)
{
    return start_requested_scan(ef, linear, mode, 0, err, errlen);
}

int enf_sync(struct enf *ef, char *err, size_t errlen)
{
    enf_sync_touched(ef);
    return enf_report(ef, err, errlen);
}

int enf_prepare(struct enf *ef, char *err, size_t errlen)
{
    struct cpu_view c;
    if (enf_cpu_load(ef, &c) == 0) {
        enf_tables_check(ef, &c);
        enf_ensure_scanned(ef, &c, enf_cpu_linear(&c, c.regs.rip));
    }
    return enf_report(ef, err, errlen);
}

/* vm_run() with the hooks; stepping: stop after one instruction (stepi). */
int enf_run_guest(struct enf *ef, struct vm_stop *stop, int stepping)
{
    struct vm_hooks hooks = { ef, on_io, on_protected_write, on_after_exit, enf_on_emulation_failure,
                              enf_on_shutdown, enf_depriv_on_stub };
    struct cpu_view c;
    uint64_t gpa;
    ef->failed = 0;
    /* (the registers may have been set since the last exit: links agree first) */
    if (ef->links.n && enf_cpu_load(ef, &c) == 0 &&
        gmem_translate(ef->vm, enf_cpu_linear(&c, c.regs.rip), 0, &gpa) == 0)
        enf_links_guard(ef, &c, enf_cpu_linear(&c, c.regs.rip), gpa);
    int rc = enf_debug_resume(ef, stop, stepping);
    if (rc == 0 && enf_depriv_settle(ef) != 0)
        rc = -1;
    if (rc == 0)
        rc = vcpu_run(ef->cpu, &hooks, stop);
    else if (rc > 0)
        rc = 0;
    enf_end_step(ef);
    vcpu_cancel_stop(ef->cpu, VM_STOP_HOOK);   /* a request of ours the run ended without */
    if (stepping && rc == 0 && stop->why == VM_STOP_HOOK && ef->stop_kind == ENF_STOP_NONE && !ef->failed)
        ef->stop_kind = ENF_STOP_STEP;
    enf_debug_finish(ef, stop);
    enf_depriv_stopped(ef, stop);
    drop_own_rf(ef, stop);
    ef->rf_rip = 0;
    if (ef->failed) {
        stop->why = VM_STOP_ERROR;
        snprintf(stop->message, sizeof(stop->message), "%s", ef->errmsg);
        ef->failed = 0;
        return -1;
    }
    return rc;
}

int enf_step(struct enf *ef, struct vm_stop *stop)
{
    return enf_run_guest(ef, stop, 1);
}

int enf_run(struct enf *ef, struct vm_stop *stop)
{
    return enf_run_guest(ef, stop, 0);
}

