/* run.c — the run loop: KVM exits to hooks, then to the I/O handler
 * (devices); the monitor's exception stubs; stop requests from signal
 * handlers; device time and interrupts around every KVM_RUN (intr.c). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "monitor/events/events.h"
#include "monitor/kvm/kvm_priv.h"
#include "monitor/x86/x86.h"

const char *vm_stop_name(int why)
{
    static const char *const n[] = { "exit-device", "hlt", "shutdown", "exception",
                                     "timeout", "interrupted", "stopped", "error" };
    return why >= 0 && why <= VM_STOP_ERROR ? n[why] : "?";
}

void vcpu_request_stop(struct vcpu *cpu, int why)
{
    cpu->stop_requested = why + 1;
    if (cpu->run)
        cpu->run->immediate_exit = 1;
}

void vcpu_cancel_stop(struct vcpu *cpu, int why)
{
    if (cpu->stop_requested == why + 1) {
        cpu->stop_requested = 0;
        if (cpu->run)
            cpu->run->immediate_exit = 0;
    }
}

void vcpu_complete_io(struct vcpu *cpu)
{
    if (!cpu->io_pending)
        return;
    /* State written before the completion stays pending for the next run
     * (the completion itself moves RIP past the IN/OUT). */
    struct kvm_regs r = cpu->regs;
    struct kvm_sregs s = cpu->sregs;
    int rd = cpu->regs_dirty, sd = cpu->sregs_dirty;
    cpu->regs_dirty = cpu->sregs_dirty = 0;
    if (cpu->sync)
        cpu->run->kvm_dirty_regs = 0;
    cpu->run->immediate_exit = 1;
    int rc = memslot_commit(cpu->vm) < 0 ? -1 : vcpu_ioctl(cpu, KVM_RUN, 0);
    /* (a kick that came meanwhile is found by the clock before the next run) */
    cpu->run->immediate_exit = cpu->stop_requested ? 1 : 0;
    cpu->stats.runs++;
    cpu->stats.completion_runs++;
    cpu->io_pending = 0;
    /* rc == 0: completing it went on to another exit -- the next piece of a
     * store KVM splits, the next iteration of a REP string instruction.
     * The run loop handles it as the next exit. */
    cpu->exit_pending = rc == 0;
    vcpu_after_run(cpu);
    if (rd)
        vcpu_set_regs(cpu, &r);
    if (sd)
        vcpu_set_sregs(cpu, &s);
}

int vcpu_exit_pending(const struct vcpu *cpu) { return cpu->exit_pending; }

void vcpu_set_out_completion(struct vcpu *cpu, enum vcpu_out_completion how) { cpu->out_how = how; }

void vcpu_out_handled(struct vcpu *cpu, uint64_t out_linear)
{
    if (!cpu->io_pending)
        return;
    if (cpu->out_how == VCPU_OUT_COMPLETE_ALWAYS) {
        vcpu_complete_io(cpu);
        return;
    }
    cpu->io_pending = 0;
    cpu->out_lazy = cpu->out_how == VCPU_OUT_COMPLETE_AT_OUT;
    cpu->out_lazy_linear = out_linear;
}

/* Before a KVM_RUN after vcpu_out_handled(): KVM still has the OUT's skip
 * to make, which it makes only if RIP is on the OUT -- then it is made now
 * (and RIP put back where the client wants it). */
static void lazy_out_completion(struct vcpu *cpu)
{
    struct kvm_regs r;
    struct kvm_sregs s;
    cpu->out_lazy = 0;
    if (vcpu_get_regs(cpu, &r) < 0 || vcpu_get_sregs(cpu, &s) < 0)
        return;
    if (x86_cs_linear(&s, x86_code_size(&r, &s), r.rip) != cpu->out_lazy_linear)
        return;
    if (!cpu->regs_dirty)
        vcpu_set_regs(cpu, &r);         /* (kept across the completion) */
    cpu->io_pending = 1;
    vcpu_complete_io(cpu);
}

static uint64_t word(const uint8_t *b, unsigned w, unsigned i)
{
    uint64_t v = 0;
    for (unsigned k = 0; k < w; k++)
        v |= (uint64_t)b[i * w + k] << (8 * k);
    return v;
}

static int load_seg(struct vm *vm, const struct kvm_sregs *s, uint16_t sel, struct kvm_segment *out)
{
    uint8_t b[8];
    memset(out, 0, sizeof *out);
    out->selector = sel;
    if ((sel & ~3u) == 0) {
        out->unusable = 1;
        return 0;
    }
    if ((sel & 4) || (uint32_t)(sel | 7) > s->gdt.limit)
        return -1;
    if (gmem_read_linear(vm, s->gdt.base + (sel & ~7u), b, 8) < 0)
        return -1;
    struct x86_desc d;
    x86_desc_decode(word(b, 8, 0), 0, &d);
    x86_desc_to_seg(&d, sel, out);
    return out->present ? 0 : -1;
}

static void exception_event(struct vm *vm, const struct vm_stop *stop)
{
    if (!events_wanted(vm->events))
        return;
    struct scout_event ev;
    memset(&ev, 0, sizeof(ev));
    ev.type = SCOUT_EV_EXCEPTION;
    ev.u.exception.vector = stop->vector;
    ev.u.exception.rip = stop->rip;
    ev.u.exception.has_addr = stop->vector == X86_VEC_PF;
    ev.u.exception.addr = stop->cr2;
    ev.u.exception.error = stop->error_code;
    events_emit(vm->events, &ev);
}

/* The guest took an exception through the monitor's IDT; the stub pushed
 * the vector.  Report it and unwind the vCPU to the faulting state. */
static void guest_exception(struct vcpu *cpu, struct vm_stop *stop)
{
    struct vm *vm = cpu->vm;
    struct kvm_regs r;
    struct kvm_sregs s;
    uint8_t f[8 * 7];
    vcpu_complete_io(cpu);
    stop->why = VM_STOP_GUEST_EXCEPTION;
    if (vcpu_get_regs(cpu, &r) < 0 || vcpu_get_sregs(cpu, &s) < 0) {
        snprintf(stop->message, sizeof stop->message, "guest exception (vCPU state unreadable: %s)", strerror(errno));
        return;
    }
    unsigned w = x86_code_size(&r, &s) == 64 ? 8 : 4;
    uint64_t sp = w == 8 ? r.rsp : s.ss.base + (uint32_t)r.rsp;
    if (gmem_read_linear(vm, sp, f, w * 7) < 0) {
        snprintf(stop->message, sizeof stop->message, "guest exception (frame at 0x%llx unreadable)",
                 (unsigned long long)sp);
        return;
    }
    unsigned v = (unsigned)word(f, w, 0) & 0xff;
    unsigned i = 1;
    stop->vector = v;
    stop->has_error = x86_vector_has_error(v);
    if (stop->has_error)
        stop->error_code = (uint32_t)word(f, w, i++);
    uint64_t rip = word(f, w, i), rfl = word(f, w, i + 2);
    uint16_t cs = (uint16_t)word(f, w, i + 1), ss;
    uint64_t rsp;
    if (w == 8 || (cs & 3)) {
        rsp = word(f, w, i + 3);
        ss = (uint16_t)word(f, w, i + 4);
    } else {
        rsp = (uint32_t)r.rsp + (i + 3) * 4;
        ss = s.ss.selector;
    }
    stop->rip = rip;
    stop->cr2 = s.cr2;
    struct kvm_segment ncs, nss;
    r.rip = rip;
    r.rsp = rsp;
    r.rflags = rfl;
    if (load_seg(vm, &s, cs, &ncs) == 0)
        s.cs = ncs;
    if (load_seg(vm, &s, ss, &nss) == 0) {
        if (!nss.unusable)
            s.ss = nss;
        else
            s.ss.selector = ss;
    }
    vcpu_set_regs(cpu, &r);
    vcpu_set_sregs(cpu, &s);
    vm_exception_message(stop);
    exception_event(vm, stop);
}

void vm_exception_message(struct vm_stop *stop)
{
    char err[32] = "";
    unsigned v = stop->vector;
    if (stop->has_error)
        snprintf(err, sizeof err, " error=0x%x", stop->error_code);
    if (v == X86_VEC_PF)
        snprintf(stop->message, sizeof stop->message, "guest #PF at rip=0x%llx addr=0x%llx%s",
                 (unsigned long long)stop->rip, (unsigned long long)stop->cr2, err);
    else if (v < 32)
        snprintf(stop->message, sizeof stop->message, "guest %s at rip=0x%llx%s", x86_vector_name(v),
                 (unsigned long long)stop->rip, err);
    else
        snprintf(stop->message, sizeof stop->message, "guest software interrupt 0x%x (return rip=0x%llx)",
                 v, (unsigned long long)stop->rip);
}

static int is_stub_rip(struct vm *vm, uint64_t rip)
{
    uint64_t a = vm_reserved_base(vm) + VM_RES_STUBS, b = vm_reserved_base(vm) + VM_RES_STUBS64;
    return (vm->exc_idt_installed && rip >= a && rip < a + 256 * VM_STUB_SIZE) ||
           (vm->stubs64 && rip >= b && rip < b + 256 * VM_STUB_SIZE);
}

static void hook_stop(struct vm_stop *stop, const char *fmt, unsigned long long what)
{
    stop->why = VM_STOP_HOOK;
    snprintf(stop->message, sizeof stop->message, fmt, what);
}

void vcpu_hold_eoi(struct vcpu *cpu) { cpu->eoi_hold = 1; }

/* A kick (a signal: a device timer, the halt poll) is an exit raw KVM
 * would report a held EOI at too -- but it lands at any moment, and under
 * load one between scout's guard on the handler and the handler's own I/O
 * would deliver a level line again that raw, whose window there is a few
 * instructions long, almost never does.  So a kick releases only an EOI
 * held this long: the guest has run on without an exit of its own. */
#define EOI_HOLD_KICK_NS 10000000ull
static void release_eoi(struct vcpu *cpu);

static void release_eoi_at_kick(struct vcpu *cpu)
{
    if (cpu->nheld && vm_now() - cpu->held_at >= EOI_HOLD_KICK_NS)
        release_eoi(cpu);
}

/* The held EOIs (vcpu_hold_eoi) go to the IOAPIC now. */
static void release_eoi(struct vcpu *cpu)
{
    struct vm *vm = cpu->vm;
    for (unsigned i = 0; i < cpu->nheld; i++)
        if (vm->io && vm->io->eoi)
            vm->io->eoi(vm->io_ctx, cpu->held_eoi[i]);
    cpu->nheld = 0;
}

/* returns 1 when the run stops */
static int handle_io(struct vcpu *cpu, const struct vm_hooks *h, struct vm_stop *stop)
{
    struct vm *vm = cpu->vm;
    struct kvm_run *run = cpu->run;
    uint16_t port = run->io.port;
    int out = run->io.direction == KVM_EXIT_IO_OUT, size = run->io.size;
    uint32_t count = run->io.count;
    cpu->io_pending = 1;
    cpu->stats.io_exits++;
    if ((size != 1 && size != 2 && size != 4) || run->io.data_offset > cpu->run_size ||
        (uint64_t)count * (uint64_t)size > cpu->run_size - run->io.data_offset) {
        stop->why = VM_STOP_ERROR;
        snprintf(stop->message, sizeof stop->message, "KVM reported a malformed I/O exit (port 0x%x size %d count %u)",
                 port, size, count);
        return 1;
    }
    uint8_t *data = (uint8_t *)run + run->io.data_offset;
    if (port == VM_EXC_PORT && out && size == 1 && count == 1) {
        struct kvm_regs r;
        if (vcpu_get_regs(cpu, &r) == 0 && is_stub_rip(vm, r.rip)) {
            if (h && h->stub) {
                enum vm_hook_result hr = h->stub(h->ctx, cpu);
                if (hr == VM_HOOK_HANDLED)
                    return 0;
                if (hr == VM_HOOK_STOP) {
                    hook_stop(stop, "stopped by a hook at the monitor's exception stub 0x%llx",
                              (unsigned long long)r.rip);
                    return 1;
                }
            }
            guest_exception(cpu, stop);
            return 1;
        }
    }
    if (h && h->io) {
        enum vm_hook_result hr = h->io(h->ctx, cpu, port, out, size, count, data);
        if (hr == VM_HOOK_HANDLED)
            return 0;
        if (hr == VM_HOOK_STOP) {
            hook_stop(stop, "stopped by a hook at I/O port 0x%llx", port);
            return 1;
        }
    }
    for (uint32_t i = 0; i < count; i++) {
        int status = 0;
        uint8_t *d = data + (size_t)i * (size_t)size;
        if (!vm->io) {
            if (!out)
                memset(d, 0xff, (size_t)size);
            continue;
        }
        if (vm->io->pio(vm->io_ctx, port, out, size, d, &status) == VM_IO_EXIT) {
            release_eoi(cpu);
            vcpu_complete_io(cpu);
            stop->why = VM_STOP_EXIT_DEVICE;
            stop->exit_status = status;
            snprintf(stop->message, sizeof stop->message, "guest wrote 0x%x to the exit device: exit status %d",
                     (unsigned)status >> 1, status);
            return 1;
        }
    }
    release_eoi(cpu);                   /* (the guest's own I/O: raw KVM would report it now) */
    return 0;
}

static int handle_mmio(struct vcpu *cpu, const struct vm_hooks *h, struct vm_stop *stop)
{
    struct vm *vm = cpu->vm;
    struct kvm_run *run = cpu->run;
    uint64_t gpa = run->mmio.phys_addr;
    unsigned len = run->mmio.len > 8 ? 8 : run->mmio.len;
    cpu->io_pending = 1;
    /* A write into RAM is one KVM did not make (the page was read-only when
     * the instruction ran; it may not be any more when a later piece of the
     * same store arrives): it goes through the hook.  Everything else is
     * outside RAM: a device's, or nobody's. */
    int ram = gpa < vm->mem_size && len <= vm->mem_size - gpa;
    if (!run->mmio.is_write || !ram) {
        int status = 0;
        if (run->mmio.is_write)
            cpu->stats.mmio_writes++;
        else
            cpu->stats.mmio_reads++;
        if (!vm->io) {
            if (!run->mmio.is_write)
                memset(run->mmio.data, 0xff, sizeof run->mmio.data);
            return 0;
        }
        int rc = vm->io->mmio(vm->io_ctx, gpa, run->mmio.is_write, len, run->mmio.data, &status);
        release_eoi(cpu);
        if (rc == VM_IO_EXIT) {
            vcpu_complete_io(cpu);
            stop->why = VM_STOP_EXIT_DEVICE;
            stop->exit_status = status;
            snprintf(stop->message, sizeof stop->message, "guest wrote to an exit device: exit status %d", status);
            return 1;
        }
        return 0;
    }
    cpu->stats.mmio_writes++;
    cpu->stats.protected_writes++;
    if (h && h->protected_write) {
        enum vm_hook_result hr = h->protected_write(h->ctx, cpu, gpa, run->mmio.data, len);
        if (hr == VM_HOOK_HANDLED)
            return 0;
        if (hr == VM_HOOK_STOP) {
            hook_stop(stop, "stopped by a hook at a write to 0x%llx", (unsigned long long)gpa);
            return 1;
        }
    }
    (void)gmem_write_phys(vm, gpa, run->mmio.data, len);
    return 0;
}

static int run_loop(struct vcpu *cpu, const struct vm_hooks *h, struct vm_stop *stop)
{
    for (;;) {
        if (cpu->stop_requested) {
            stop->why = cpu->stop_requested - 1;
            cpu->stop_requested = 0;
            cpu->run->immediate_exit = 0;
            vcpu_complete_io(cpu);
            struct kvm_regs r;
            if (vcpu_get_regs(cpu, &r) == 0)
                stop->rip = r.rip;
            snprintf(stop->message, sizeof stop->message, "guest %s at rip=0x%llx",
                     stop->why == VM_STOP_TIMEOUT ? "timed out" : "interrupted", (unsigned long long)stop->rip);
            return 0;
        }
        if (cpu->out_lazy)
            lazy_out_completion(cpu);
        if (cpu->exit_pending) {
            cpu->exit_pending = 0;      /* a completion came back with this exit */
        } else {
            if (vcpu_intr_before_run(cpu, stop))
                return 0;               /* a halt nothing can end */
            if (vcpu_flush(cpu) < 0) {
                stop->why = VM_STOP_ERROR;
                snprintf(stop->message, sizeof stop->message, "cannot set vCPU state: %s", strerror(errno));
                return -1;
            }
            if (memslot_commit(cpu->vm) < 0) {
                stop->why = VM_STOP_ERROR;
                snprintf(stop->message, sizeof stop->message, "cannot change KVM memory slots: %s", strerror(errno));
                return -1;
            }
            int rc = vcpu_ioctl(cpu, KVM_RUN, 0);
            int e = errno;
            vcpu_after_run(cpu);
            cpu->stats.runs++;
            cpu->io_pending = 0;
            if (rc < 0) {
                if (e == EINTR || e == EAGAIN) {
                    release_eoi_at_kick(cpu);
                    vcpu_intr_after_kick(cpu);
                    continue;
                }
                stop->why = VM_STOP_ERROR;
                snprintf(stop->message, sizeof stop->message, "KVM_RUN failed: %s", strerror(e));
                return -1;
            }
            cpu->halted = cpu->halt_idle = 0;   /* it ran */
            vcpu_intr_after_exit(cpu);
        }
        uint32_t reason = cpu->run->exit_reason;
        stop->exit_reason = reason;
        cpu->stats.exits[reason < VCPU_STATS_REASONS ? reason : VCPU_STATS_REASONS - 1]++;
        int stopped = 0, hold = cpu->eoi_hold;
        cpu->eoi_hold = 0;
        struct kvm_regs r = { 0 };
        switch (reason) {
        case KVM_EXIT_IO:
            stopped = handle_io(cpu, h, stop);
            break;
        case KVM_EXIT_MMIO:
            stopped = handle_mmio(cpu, h, stop);
            break;
        case KVM_EXIT_INTR:
            release_eoi_at_kick(cpu);
            break;
        /* Not the guest's doing, nothing ran: no hooks (an in-place step
         * goes on; an interrupt arriving now lands on a handler's guard). */
        case KVM_EXIT_IRQ_WINDOW_OPEN:
            continue;                   /* the PIC's vector goes in before the next run */
        case KVM_EXIT_IOAPIC_EOI:
            if (hold && cpu->nheld < sizeof cpu->held_eoi) {
                if (cpu->nheld == 0)
                    cpu->held_at = vm_now();
                cpu->held_eoi[cpu->nheld++] = cpu->run->eoi.vector;     /* vcpu_hold_eoi */
                continue;
            }
            if (cpu->vm->io && cpu->vm->io->eoi)
                cpu->vm->io->eoi(cpu->vm->io_ctx, cpu->run->eoi.vector);
            continue;
        case KVM_EXIT_SHUTDOWN:
            if (h && h->shutdown && h->shutdown(h->ctx, cpu) == VM_HOOK_HANDLED) {
                if (h->after_exit)
                    h->after_exit(h->ctx, cpu, reason);
                continue;
            }
            /* fall through */
        case KVM_EXIT_SYSTEM_EVENT:
            stopped = 1;
            stop->why = VM_STOP_SHUTDOWN;
            if (vcpu_get_regs(cpu, &r) == 0)
                stop->rip = r.rip;
            snprintf(stop->message, sizeof stop->message, "guest triple fault (shutdown) at rip=0x%llx",
                     (unsigned long long)stop->rip);
            break;
        case KVM_EXIT_FAIL_ENTRY:
            stopped = 1;
            stop->why = VM_STOP_ERROR;
            snprintf(stop->message, sizeof stop->message, "KVM could not enter the guest (hardware reason 0x%llx)",
                     (unsigned long long)cpu->run->fail_entry.hardware_entry_failure_reason);
            break;
        case KVM_EXIT_INTERNAL_ERROR:
            if (cpu->run->internal.suberror == KVM_INTERNAL_ERROR_EMULATION && h && h->emulation_failure &&
                h->emulation_failure(h->ctx, cpu) == VM_HOOK_HANDLED) {
                if (h->after_exit && !cpu->exit_pending)
                    h->after_exit(h->ctx, cpu, reason);
                continue;
            }
            stopped = 1;
            stop->why = VM_STOP_ERROR;
            if (vcpu_get_regs(cpu, &r) == 0)
                stop->rip = r.rip;
            snprintf(stop->message, sizeof stop->message, "KVM internal error %u%s at rip=0x%llx",
                     cpu->run->internal.suberror,
                     cpu->run->internal.suberror == KVM_INTERNAL_ERROR_EMULATION ? " (instruction emulation failed)" : "",
                     (unsigned long long)stop->rip);
            break;
        default:
            stopped = 1;
            stop->why = VM_STOP_ERROR;
            snprintf(stop->message, sizeof stop->message, "unhandled KVM exit reason %u", reason);
            break;
        }
        /* (an instruction still in the middle of its exits is not over:
         * after_exit waits for its last one) */
        if (h && h->after_exit && !cpu->exit_pending)
            h->after_exit(h->ctx, cpu, reason);
        if (stopped)
            return stop->why == VM_STOP_ERROR ? -1 : 0;
    }
}

int vcpu_run(struct vcpu *cpu, const struct vm_hooks *h, struct vm_stop *stop)
{
    memset(stop, 0, sizeof *stop);
    vcpu_intr_run_begin(cpu);
    int rc = run_loop(cpu, h, stop);
    vcpu_intr_run_end(cpu);
    return rc;
}
