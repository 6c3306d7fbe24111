/* run.c — running a session: run, step, interrupt, the TUI's ticks, how a
 * run stopped, and breakpoints.  See session.h. */
#include "ui/session/session_priv.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "base/base.h"

int session_exit_status(const struct vm_stop *st)
{
    switch (st->why) {
    case VM_STOP_EXIT_DEVICE: return st->exit_status & 0xff;
    case VM_STOP_HLT: return 0;
    case VM_STOP_TIMEOUT: return 124;
    case VM_STOP_INTERRUPTED: return 130;
    case VM_STOP_HOOK: return 0;        /* a breakpoint or step: paused, not failed */
    case VM_STOP_GUEST_EXCEPTION:
    case VM_STOP_SHUTDOWN: return 4;
    default: return 2;
    }
}

/* A tick stop: run the hook, then go on running (1). */
static int tick(struct session_impl *si)
{
    si->tick_requested = 0;
    if (si->tick)
        si->tick(si->tick_ctx);
    return 1;
}

static int refuse(struct vm_stop *stop, const char *fmt, const char *arg)
{
    memset(stop, 0, sizeof(*stop));
    stop->why = VM_STOP_ERROR;
    snprintf(stop->message, sizeof(stop->message), fmt, arg);
    return -1;
}

/* The emulator's view of the vCPU (for the instructions the session
 * finishes itself: branches to themselves). */
static int emul_cpu(struct session *s, struct x86_emul_cpu *e, struct kvm_regs *r, struct kvm_sregs *sr)
{
    if (session_regs(s, r, sr) != 0)
        return -1;
    memset(e, 0, sizeof(*e));
    x86_gprs_get(r, e->gpr);
    e->rip = r->rip;
    e->rflags = r->rflags;
    const struct kvm_segment *seg[6] = { &sr->es, &sr->cs, &sr->ss, &sr->ds, &sr->fs, &sr->gs };
    for (int i = 0; i < 6; i++)
        e->seg_base[i] = seg[i]->base;
    e->cs_sel = sr->cs.selector;
    e->mode = x86_code_size(r, sr);
    e->cs_limit = e->mode == 64 ? 0 : sr->cs.limit;
    e->stack_size = e->mode == 64 ? 64 : sr->ss.db ? 32 : 16;
    e->cpl = x86_cpl(r, sr);
    e->real_mode = !(sr->cr0 & X86_CR0_PE);
    e->amd_branches = s->impl->probe.amd_branches;
    e->lma = x86_long_mode(sr);
    return 0;
}

static int emul_read(void *ctx, uint64_t linear, void *buf, size_t len)
{
    return session_read_linear(ctx, linear, buf, len);
}

static int emul_no_write(void *ctx, uint64_t linear, const void *buf, size_t len)
{
    (void)ctx, (void)linear, (void)buf, (void)len;
    return -1;
}

/* A branch at RIP that goes to itself now (`jmp .`, a taken `loop .`,
 * `jz .` with ZF set) runs forever in the guest without an exit: the
 * session executes it once here, by the emulator.  1 done (RIP unchanged,
 * the rest of the state as the CPU would leave it), 0 not such a branch. */
static int self_branch(struct session *s)
{
    struct x86_emul_cpu e;
    struct kvm_regs r;
    struct kvm_sregs sr;
    struct session_insn in;
    struct x86_insn xi;
    if (emul_cpu(s, &e, &r, &sr) != 0)
        return 0;
    uint64_t lin = x86_cs_linear(&sr, e.mode, r.rip);
    if (session_disasm(s, lin, e.mode, SESSION_DISASM_COMPACT, &in) == 0 ||
        x86_decode(&xi, e.mode, e.amd_branches, in.bytes, in.nbytes) != 0 ||
        (xi.zi.meta.category != ZYDIS_CATEGORY_COND_BR && xi.zi.meta.category != ZYDIS_CATEGORY_UNCOND_BR))
        return 0;
    struct x86_emul_mem mem = { s, emul_read, emul_no_write };
    struct x86_emul_info info;
    if (x86_emul_step(&e, &mem, in.bytes, in.nbytes, &info) != X86_EMUL_DONE || e.rip != r.rip)
        return 0;
    x86_gprs_set(&r, e.gpr);
    r.rflags = e.rflags;
    return vcpu_set_regs(s->impl->cpu, &r) == 0;
}

/* Is a breakpoint at RIP?  Its guest-physical address in *gpa. */
static int break_at_rip(struct session *s, uint64_t *gpa)
{
    return s->impl->ef && session_translate(s, session_rip_linear(s), gpa) == 0 &&
           (session_trap_kinds(s, *gpa) & ENF_TRAP_BREAK);
}

/* A stop the session decides itself, as the monitor words its own. */
static void own_stop(struct session *s, struct vm_stop *stop, enum enf_stop kind)
{
    struct session_impl *si = s->impl;
    memset(stop, 0, sizeof(*stop));
    stop->why = VM_STOP_HOOK;
    stop->rip = session_rip_linear(s);
    snprintf(stop->message, sizeof(stop->message), "%s at rip=0x%" PRIx64,
             kind == ENF_STOP_BREAK ? "breakpoint" : "stepped", stop->rip);
    si->stop_kind = kind;
    si->stop_gpa = 0;
    session_translate(s, stop->rip, &si->stop_gpa);
}

/* A guest INT3 at CPL 0: this host's KVM cannot emulate it and stops with
 * an emulation failure (DESIGN §3) where the CPU would raise #BP.  Do what
 * the CPU does: RIP past the INT3, #BP delivered through the guest's IDT
 * (scout's own reports it as a guest exception).  1 if that was it. */
static int int3_as_guest_bp(struct session *s, const struct vm_stop *stop)
{
    struct kvm_regs r;
    struct kvm_sregs sr;
    uint8_t b;
    if (stop->why != VM_STOP_ERROR || !strstr(stop->message, "emulation failed") || session_regs(s, &r, &sr) != 0 ||
        session_read_linear(s, session_rip_linear(s), &b, 1) != 0 || b != 0xCC)
        return 0;
    r.rip++;
    return vcpu_set_regs(s->impl->cpu, &r) == 0 && vcpu_inject_exception(s->impl->cpu, X86_VEC_BP, 0, 0) == 0;
}

enum { GO_RUN, GO_STEP };

static int go(struct session *s, struct vm_stop *stop, int step, unsigned flags)
{
    struct session_impl *si = s->impl;
    struct scout_event ev;
    int rc;
    if (si->ended)
        return refuse(stop, "the guest has ended (%.200s)", si->last.message);
    if (step && si->raw)
        return refuse(stop, "%s", "stepping needs enforcement (not --raw)");
    if (events_wanted(&si->events)) {
        memset(&ev, 0, sizeof(ev));
        ev.type = SCOUT_EV_RUN_START;
        ev.u.run_start.mode = session_mode_name(s);
        ev.u.run_start.scan = si->raw ? "raw" : enf_depth(si->ef) ? "recursive" : "lazy";
        ev.u.run_start.depth = si->raw ? 0 : enf_depth(si->ef);
        ev.u.run_start.guest = si->guest_name;
        events_emit(&si->events, &ev);
    }
    si->running = step ? 2 : 1;
    si->stop_kind = ENF_STOP_NONE;
    uint64_t gpa;
    if (si->interrupt_pending) {
        /* asked before this run began (between the steps of a loop) */
        vcpu_cancel_stop(si->cpu, VM_STOP_INTERRUPTED);
        memset(stop, 0, sizeof(*stop));
        stop->why = VM_STOP_INTERRUPTED;
        stop->rip = session_rip_linear(s);
        snprintf(stop->message, sizeof(stop->message), "guest interrupted at rip=0x%" PRIx64, stop->rip);
        rc = 0;
    } else if ((flags & SESSION_RUN_BREAK_HERE) && break_at_rip(s, &gpa)) {
        own_stop(s, stop, ENF_STOP_BREAK);          /* before its instruction runs */
        rc = 0;
    } else if (si->ef && self_branch(s)) {
        /* executed once; it arrived at itself: a step ends, and so does a
         * run when a breakpoint is there (the next arrival) */
        if (step || break_at_rip(s, &gpa)) {
            own_stop(s, stop, step ? ENF_STOP_STEP : ENF_STOP_BREAK);
            rc = 0;
        } else {
            goto run;
        }
    } else {
    run:
        for (int bp = 0;; bp++) {
            if (si->raw) {
                do
                    rc = vcpu_run(si->cpu, NULL, stop);
                while (rc == 0 && (int)stop->why == SESSION_STOP_TICK && tick(si));
            } else {
                char err[256];
                rc = session_prepare(s, err, sizeof(err));  /* the entry scanned, then the pokes: in every
                                                               trace after run-start, so traces align */
                if (rc == 0) {
                    if (step)
                        rc = enf_step(si->ef, stop);     /* no ticks while stepping (running == 2) */
                    else
                        do
                            rc = enf_run(si->ef, stop);
                        while (rc == 0 && (int)stop->why == SESSION_STOP_TICK && tick(si));
                } else {
                    refuse(stop, "%s", err);
                }
            }
            if (bp > 0 || !int3_as_guest_bp(s, stop))
                break;
        }
    }
    si->running = 0;
    /* an interrupt asked while a step or run ended for another reason is
     * kept: the next one stops at once (the steps of a loop, a tick) */
    if (stop->why == VM_STOP_INTERRUPTED || stop->why == VM_STOP_TIMEOUT)
        si->interrupt_pending = 0;
    si->last = *stop;
    if (stop->why != VM_STOP_INTERRUPTED && stop->why != VM_STOP_TIMEOUT && stop->why != VM_STOP_HOOK)
        si->ended = 1;
    if (events_wanted(&si->events)) {
        memset(&ev, 0, sizeof(ev));
        ev.type = SCOUT_EV_RUN_STOP;
        ev.u.run_stop.why = vm_stop_name(stop->why);
        ev.u.run_stop.status = session_exit_status(stop);
        events_emit(&si->events, &ev);
    }
    return rc;
}

int session_run(struct session *s, struct vm_stop *stop) { return go(s, stop, GO_RUN, 0); }
int session_run_flags(struct session *s, struct vm_stop *stop, unsigned flags) { return go(s, stop, GO_RUN, flags); }
int session_step(struct session *s, struct vm_stop *stop) { return go(s, stop, GO_STEP, 0); }

void session_interrupt(struct session *s, int why)
{
    if (s && s->impl && s->impl->vm) {
        s->impl->interrupt_pending = 1;
        vcpu_request_stop(s->impl->cpu, why);
    }
}

void session_cancel_interrupt(struct session *s)
{
    if (s && s->impl && s->impl->vm) {
        s->impl->interrupt_pending = 0;
        vcpu_cancel_stop(s->impl->cpu, VM_STOP_INTERRUPTED);
    }
}

int session_interrupt_pending(const struct session *s)
{
    return s && s->impl && s->impl->vm && s->impl->interrupt_pending;
}

void session_set_tick(struct session *s, void (*fn)(void *ctx), void *ctx)
{
    s->impl->tick = fn;
    s->impl->tick_ctx = ctx;
}

void session_request_tick(struct session *s)
{
    struct session_impl *si = s ? s->impl : NULL;
    if (!si || !si->vm || !si->tick || si->interrupt_pending)
        return;
    si->tick_requested = 1;
    if (si->running == 1)
        vcpu_request_stop(si->cpu, SESSION_STOP_TICK);
}

void session_service_tick(struct session *s)
{
    struct session_impl *si = s->impl;
    if (si->tick_requested && si->tick && !si->running) {
        si->tick_requested = 0;
        si->tick(si->tick_ctx);
    }
}

int session_running(const struct session *s) { return s->impl->running; }
int session_ended(const struct session *s) { return s->impl->ended; }
const struct vm_stop *session_last_stop(const struct session *s) { return &s->impl->last; }

enum enf_stop session_stop_kind(const struct session *s, uint64_t *gpa)
{
    const struct session_impl *si = s->impl;
    if (!si->ef || si->last.why != VM_STOP_HOOK || si->ended)
        return ENF_STOP_NONE;
    if (si->stop_kind != ENF_STOP_NONE) {
        if (gpa)
            *gpa = si->stop_gpa;
        return si->stop_kind;
    }
    return enf_last_stop(si->ef, gpa);
}

/* ── breakpoints ────────────────────────────────────────────────────── */

int session_break_insert(struct session *s, uint64_t gpa, char *err, size_t errlen)
{
    if (!s->impl->ef)
        return base_err(err, errlen, "needs enforcement");
    return enf_break_insert(s->impl->ef, gpa, err, errlen);
}

int session_break_remove(struct session *s, uint64_t gpa, char *err, size_t errlen)
{
    if (!s->impl->ef)
        return base_err(err, errlen, "needs enforcement");
    return enf_break_remove(s->impl->ef, gpa, err, errlen);
}

/* ── watchpoints ────────────────────────────────────────────────────── */

int session_watch_insert(struct session *s, uint64_t gpa, unsigned len, char *err, size_t errlen)
{
    if (!s->impl->ef)
        return base_err(err, errlen, "needs enforcement");
    return enf_watch_insert(s->impl->ef, gpa, len, err, errlen);
}

int session_watch_remove(struct session *s, uint64_t gpa, unsigned len, char *err, size_t errlen)
{
    if (!s->impl->ef)
        return base_err(err, errlen, "needs enforcement");
    return enf_watch_remove(s->impl->ef, gpa, len, err, errlen);
}

int session_last_watch(const struct session *s, struct enf_watch_hit *out)
{
    if (!s->impl->ef || session_stop_kind(s, NULL) != ENF_STOP_WATCH)
        return -1;
    return enf_last_watch(s->impl->ef, out);
}
