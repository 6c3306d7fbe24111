/* run.c — the run loop: KVM exits to hooks, then to the devices; the
 * monitor's exception stubs; stop requests from signal handlers. */
#include "monitor/kvm/run.h"
#include "monitor/kvm/vm.h"
#include "monitor/kvm/vm_priv.h"
#include "monitor/kvm/guest_mem.h"
#include "monitor/kvm/memslot.h"
#include "monitor/dev/devices.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

const char *vm_stop_name(int why)
{
    static const char *const n[] = { "exit-device", "hlt", "shutdown", "exception",
                                     "timeout", "interrupted", "stopped", "error" };
    return why >= 0 && why <= VM_STOP_ERROR ? n[why] : "?";
}

void vm_request_stop_why(struct vm *vm, int why)
{
    vm->stop_requested = why + 1;
    if (vm->run) vm->run->immediate_exit = 1;
}

void vm_request_stop(struct vm *vm) { vm_request_stop_why(vm, VM_STOP_INTERRUPTED); }

void vcpu_complete_io(struct vm *vm)
{
    if (!vm->io_pending) return;
    int rd = vm->regs_dirty, sd = vm->sregs_dirty;
    vm->run->immediate_exit = 1;
    (void)ioctl(vm->vcpu_fd, KVM_RUN, 0);
    vm->run->immediate_exit = vm->stop_requested ? 1 : 0;
    vm->stats.runs++;
    vm->stats.completion_runs++;
    vm->io_pending = 0;
    if (!rd) vm->regs_valid = 0;
    if (!sd) vm->sregs_valid = 0;
}

static const char *exc_name(unsigned v)
{
    static const char *const n[32] = { "#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF",
        "#CSO", "#TS", "#NP", "#SS", "#GP", "#PF", "#15", "#MF", "#AC", "#MC", "#XM", "#VE", "#CP",
        "#22", "#23", "#24", "#25", "#26", "#27", "#HV", "#VC", "#SX", "#31" };
    return v < 32 ? n[v] : "interrupt";
}

static int has_error_code(unsigned v)
{
    return v == 8 || (v >= 10 && v <= 14) || v == 17 || v == 21 || v == 29 || v == 30;
}

static int load_seg(struct vm *vm, const struct kvm_sregs *s, uint16_t sel, struct kvm_segment *out)
{
    uint8_t b[8];
    memset(out, 0, sizeof *out);
    out->selector = sel;
    if ((sel & ~3u) == 0) { out->unusable = 1; return 0; }
    if ((sel & 4) || (uint32_t)(sel | 7) > s->gdt.limit) return -1;
    if (gmem_read_linear(vm, s->gdt.base + (sel & ~7u), b, 8) < 0) return -1;
    uint64_t d = 0;
    for (int i = 0; i < 8; i++) d |= (uint64_t)b[i] << (8 * i);
    out->base = ((d >> 16) & 0xffffff) | (((d >> 56) & 0xff) << 24);
    out->limit = (uint32_t)((d & 0xffff) | (((d >> 48) & 0xf) << 16));
    out->g = (d >> 55) & 1;
    if (out->g) out->limit = (out->limit << 12) | 0xfff;
    out->type = (d >> 40) & 0xf; out->s = (d >> 44) & 1; out->dpl = (d >> 45) & 3;
    out->present = (d >> 47) & 1; out->avl = (d >> 52) & 1; out->l = (d >> 53) & 1; out->db = (d >> 54) & 1;
    return out->present ? 0 : -1;
}

static uint64_t word(const uint8_t *b, unsigned w, unsigned i)
{
    uint64_t v = 0;
    for (unsigned k = 0; k < w; k++) v |= (uint64_t)b[i * w + k] << (8 * k);
    return v;
}

/* The guest took an exception through the monitor's IDT; the stub pushed
 * the vector.  Report it and unwind the vCPU to the faulting state. */
static void guest_exception(struct vm *vm, struct vm_stop *stop)
{
    struct kvm_regs r;
    struct kvm_sregs s;
    uint8_t f[8 * 7];
    vcpu_complete_io(vm);
    stop->why = VM_STOP_GUEST_EXCEPTION;
    if (vcpu_get_regs(vm, &r) < 0 || vcpu_get_sregs(vm, &s) < 0) {
        snprintf(stop->message, sizeof stop->message, "guest exception (vCPU state unreadable: %s)", strerror(errno));
        return;
    }
    unsigned w = vcpu_mode_from_sregs(&s) == 64 ? 8 : 4;
    uint64_t sp = w == 8 ? r.rsp : s.ss.base + (uint32_t)r.rsp;
    if (gmem_read_linear(vm, sp, f, w * 7) < 0) {
        snprintf(stop->message, sizeof stop->message, "guest exception (frame at 0x%llx unreadable)",
                 (unsigned long long)sp);
        return;
    }
    unsigned v = (unsigned)word(f, w, 0) & 0xff;
    unsigned i = 1;
    stop->vector = v;
    stop->has_error = has_error_code(v);
    if (stop->has_error) stop->error_code = (uint32_t)word(f, w, i++);
    uint64_t rip = word(f, w, i), rfl = word(f, w, i + 2);
    uint16_t cs = (uint16_t)word(f, w, i + 1), ss;
    uint64_t rsp;
    if (w == 8 || (cs & 3)) { rsp = word(f, w, i + 3); ss = (uint16_t)word(f, w, i + 4); }
    else { rsp = (uint32_t)r.rsp + (i + 3) * 4; ss = s.ss.selector; }
    stop->rip = rip;
    stop->cr2 = s.cr2;
    struct kvm_segment ncs, nss;
    r.rip = rip; r.rsp = rsp; r.rflags = rfl;
    if (load_seg(vm, &s, cs, &ncs) == 0) s.cs = ncs;
    if (load_seg(vm, &s, ss, &nss) == 0) { if (!nss.unusable) s.ss = nss; else { s.ss.selector = ss; } }
    vcpu_set_regs(vm, &r);
    vcpu_set_sregs(vm, &s);
    char err[32] = "";
    if (stop->has_error) snprintf(err, sizeof err, " error=0x%x", stop->error_code);
    if (v == 14)
        snprintf(stop->message, sizeof stop->message, "guest #PF at rip=0x%llx addr=0x%llx%s",
                 (unsigned long long)rip, (unsigned long long)s.cr2, err);
    else if (v < 32)
        snprintf(stop->message, sizeof stop->message, "guest %s at rip=0x%llx%s", exc_name(v),
                 (unsigned long long)rip, err);
    else
        snprintf(stop->message, sizeof stop->message, "guest software interrupt 0x%x (return rip=0x%llx)",
                 v, (unsigned long long)rip);
}

static int is_stub_rip(struct vm *vm, uint64_t rip)
{
    uint64_t a = vm_reserved_base(vm) + VM_RES_STUBS;
    return vm->exc_idt_installed && rip >= a && rip < a + 256 * VM_STUB_SIZE;
}

/* returns 1 when the run stops */
static int handle_io(struct vm *vm, const struct vm_hooks *h, struct vm_stop *stop)
{
    struct kvm_run *run = vm->run;
    uint16_t port = run->io.port;
    int out = run->io.direction == KVM_EXIT_IO_OUT, size = run->io.size;
    uint32_t count = run->io.count;
    vm->io_pending = 1;
    vm->stats.io_exits++;
    if ((size != 1 && size != 2 && size != 4) || run->io.data_offset > vm->run_size ||
        (uint64_t)count * (uint64_t)size > vm->run_size - run->io.data_offset) {
        stop->why = VM_STOP_ERROR;
        snprintf(stop->message, sizeof stop->message, "KVM reported a malformed I/O exit (port 0x%x size %d count %u)",
                 port, size, count);
        return 1;
    }
    uint8_t *data = (uint8_t *)run + run->io.data_offset;
    if (port == VM_EXC_PORT && out && size == 1 && count == 1) {
        struct kvm_regs r;
        if (vcpu_get_regs(vm, &r) == 0 && is_stub_rip(vm, r.rip)) { guest_exception(vm, stop); return 1; }
    }
    if (h && h->io) {
        enum vm_hook_result hr = h->io(h->ctx, vm, port, out, size, count, data);
        if (hr == VM_HOOK_HANDLED) return 0;
        if (hr == VM_HOOK_STOP) {
            stop->why = VM_STOP_HOOK;
            snprintf(stop->message, sizeof stop->message, "stopped by a hook at I/O port 0x%x", port);
            return 1;
        }
    }
    for (uint32_t i = 0; i < count; i++) {
        int status = 0;
        if (dev_port_io(vm, port, out, size, data + (size_t)i * (size_t)size, &status) == DEV_EXIT) {
            vcpu_complete_io(vm);
            stop->why = VM_STOP_EXIT_DEVICE;
            stop->exit_status = status;
            snprintf(stop->message, sizeof stop->message, "guest wrote 0x%x to the exit device: exit status %d",
                     (unsigned)status >> 1, status);
            return 1;
        }
    }
    return 0;
}

static int handle_mmio(struct vm *vm, const struct vm_hooks *h, struct vm_stop *stop)
{
    struct kvm_run *run = vm->run;
    uint64_t gpa = run->mmio.phys_addr;
    unsigned len = run->mmio.len > 8 ? 8 : run->mmio.len;
    vm->io_pending = 1;
    if (!run->mmio.is_write) {
        vm->stats.mmio_reads++;
        memset(run->mmio.data, 0xff, sizeof run->mmio.data);
        return 0;
    }
    vm->stats.mmio_writes++;
    if (memslot_is_protected(vm, gpa) == 1) {
        vm->stats.protected_writes++;
        if (h && h->protected_write) {
            enum vm_hook_result hr = h->protected_write(h->ctx, vm, gpa, run->mmio.data, len);
            if (hr == VM_HOOK_HANDLED) return 0;
            if (hr == VM_HOOK_STOP) {
                stop->why = VM_STOP_HOOK;
                snprintf(stop->message, sizeof stop->message, "stopped by a hook at a write to 0x%llx",
                         (unsigned long long)gpa);
                return 1;
            }
        }
        (void)gmem_write_phys(vm, gpa, run->mmio.data, len);
    }
    return 0;
}

int vm_run(struct vm *vm, const struct vm_hooks *h, struct vm_stop *stop)
{
    memset(stop, 0, sizeof *stop);
    for (;;) {
        if (vm->stop_requested) {
            stop->why = vm->stop_requested - 1;
            vm->stop_requested = 0;
            vm->run->immediate_exit = 0;
            vcpu_complete_io(vm);
            struct kvm_regs r;
            if (vcpu_get_regs(vm, &r) == 0) stop->rip = r.rip;
            snprintf(stop->message, sizeof stop->message, "guest %s at rip=0x%llx",
                     stop->why == VM_STOP_TIMEOUT ? "timed out" : "interrupted", (unsigned long long)stop->rip);
            return 0;
        }
        if (vcpu_flush(vm) < 0) {
            stop->why = VM_STOP_ERROR;
            snprintf(stop->message, sizeof stop->message, "cannot set vCPU state: %s", strerror(errno));
            return -1;
        }
        int rc = ioctl(vm->vcpu_fd, KVM_RUN, 0);
        int e = errno;
        vcpu_invalidate(vm);
        vm->stats.runs++;
        vm->io_pending = 0;
        if (rc < 0) {
            if (e == EINTR || e == EAGAIN) continue;
            stop->why = VM_STOP_ERROR;
            snprintf(stop->message, sizeof stop->message, "KVM_RUN failed: %s", strerror(e));
            return -1;
        }
        uint32_t reason = vm->run->exit_reason;
        stop->exit_reason = reason;
        vm->stats.exits[reason < VM_STATS_REASONS ? reason : VM_STATS_REASONS - 1]++;
        int stopped = 0;
        struct kvm_regs r;
        switch (reason) {
        case KVM_EXIT_IO: stopped = handle_io(vm, h, stop); break;
        case KVM_EXIT_MMIO: stopped = handle_mmio(vm, h, stop); break;
        case KVM_EXIT_INTR: break;
        case KVM_EXIT_HLT: {
            struct kvm_regs hr;
            stopped = 1;
            stop->why = VM_STOP_HLT;
            if (vcpu_get_regs(vm, &hr) == 0) stop->rip = hr.rip - 1;
            snprintf(stop->message, sizeof stop->message, "guest halted at rip=0x%llx (%s)",
                     (unsigned long long)stop->rip,
                     (hr.rflags & 0x200) ? "interrupts enabled, but scout has no interrupt sources"
                                         : "interrupts disabled");
            break;
        }
        case KVM_EXIT_SHUTDOWN:
        case KVM_EXIT_SYSTEM_EVENT:
            stopped = 1;
            stop->why = VM_STOP_SHUTDOWN;
            if (vcpu_get_regs(vm, &r) == 0) stop->rip = r.rip;
            snprintf(stop->message, sizeof stop->message, "guest triple fault (shutdown) at rip=0x%llx",
                     (unsigned long long)stop->rip);
            break;
        case KVM_EXIT_FAIL_ENTRY:
            stopped = 1;
            stop->why = VM_STOP_ERROR;
            snprintf(stop->message, sizeof stop->message, "KVM could not enter the guest (hardware reason 0x%llx)",
                     (unsigned long long)vm->run->fail_entry.hardware_entry_failure_reason);
            break;
        case KVM_EXIT_INTERNAL_ERROR:
            stopped = 1;
            stop->why = VM_STOP_ERROR;
            if (vcpu_get_regs(vm, &r) == 0) stop->rip = r.rip;
            snprintf(stop->message, sizeof stop->message, "KVM internal error %u%s at rip=0x%llx",
                     vm->run->internal.suberror,
                     vm->run->internal.suberror == KVM_INTERNAL_ERROR_EMULATION ? " (instruction emulation failed)" : "",
                     (unsigned long long)stop->rip);
            break;
        default:
            stopped = 1;
            stop->why = VM_STOP_ERROR;
            snprintf(stop->message, sizeof stop->message, "unhandled KVM exit reason %u", reason);
            break;
        }
        if (h && h->after_exit) h->after_exit(h->ctx, vm, reason);
        if (stopped) return stop->why == VM_STOP_ERROR ? -1 : 0;
    }
}
