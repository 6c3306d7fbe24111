/* vcpu.c — the vCPU: its fd and kvm_run, the register cache, MSRs,
 * exception injection.  With KVM_CAP_SYNC_REGS the cache is filled from
 * kvm_run at every exit and written back through kvm_dirty_regs, so an
 * exit costs one ioctl (KVM_RUN) instead of a GET and a SET per register
 * set. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "monitor/kvm/kvm_priv.h"
#include "monitor/x86/x86.h"

#define SYNC_ALL (KVM_SYNC_X86_REGS | KVM_SYNC_X86_SREGS | KVM_SYNC_X86_EVENTS)

int vcpu_ioctl(struct vcpu *cpu, unsigned long req, void *arg)
{
    cpu->stats.ioctls++;
    if (req != KVM_RUN)
        cpu->stats.reg_ioctls++;
    return ioctl(cpu->fd, req, arg);
}

int vcpu_open(struct vm *vm, char *err, size_t errlen)
{
    struct vcpu *cpu = &vm->cpu;
    cpu->vm = vm;
    cpu->fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, 0);
    if (cpu->fd < 0) {
        snprintf(err, errlen, "KVM_CREATE_VCPU: %s", strerror(errno));
        return -1;
    }
    int rs = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
    if (rs < (int)sizeof(struct kvm_run)) {
        snprintf(err, errlen, "KVM_GET_VCPU_MMAP_SIZE: %s", strerror(errno));
        return -1;
    }
    cpu->run_size = (size_t)rs;
    cpu->run = mmap(NULL, cpu->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, cpu->fd, 0);
    if (cpu->run == MAP_FAILED) {
        cpu->run = NULL;
        snprintf(err, errlen, "mmap kvm_run: %s", strerror(errno));
        return -1;
    }
    cpu->injected = cpu->lost = cpu->redeliver = -1;
    int caps = ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_SYNC_REGS);
    cpu->sync = caps > 0 && (caps & SYNC_ALL) == SYNC_ALL;
    if (cpu->sync)
        cpu->run->kvm_valid_regs = SYNC_ALL;
    return 0;
}

void vcpu_close(struct vcpu *cpu)
{
    if (cpu->run)
        munmap(cpu->run, cpu->run_size);
    if (cpu->fd > 0)
        close(cpu->fd);
    cpu->run = NULL;
    cpu->fd = -1;
}

struct vm *vcpu_vm(struct vcpu *cpu) { return cpu->vm; }
const struct vcpu_stats *vcpu_get_stats(const struct vcpu *cpu) { return &cpu->stats; }

int vcpu_get_regs(struct vcpu *cpu, struct kvm_regs *r)
{
    if (!cpu->regs_valid) {
        if (vcpu_ioctl(cpu, KVM_GET_REGS, &cpu->regs) < 0)
            return -1;
        cpu->regs_valid = 1;
    }
    *r = cpu->regs;
    return 0;
}

int vcpu_set_regs(struct vcpu *cpu, const struct kvm_regs *r)
{
    cpu->regs = *r;
    cpu->regs_valid = cpu->regs_dirty = 1;
    return 0;
}

int vcpu_get_sregs(struct vcpu *cpu, struct kvm_sregs *s)
{
    if (!cpu->sregs_valid) {
        if (vcpu_ioctl(cpu, KVM_GET_SREGS, &cpu->sregs) < 0)
            return -1;
        cpu->sregs_valid = 1;
    }
    *s = cpu->sregs;
    return 0;
}

int vcpu_set_sregs(struct vcpu *cpu, const struct kvm_sregs *s)
{
    cpu->sregs = *s;
    cpu->sregs_valid = cpu->sregs_dirty = 1;
    return 0;
}

/* STI's shadow, an interrupt to deliver again: with the rest of the
 * events as KVM reported them at this exit (sync regs), or read and
 * written back. */
static void edit_events(struct vcpu *cpu, struct kvm_vcpu_events *ev)
{
    ev->flags = 0;
    if (cpu->sti_shadow) {
        ev->interrupt.shadow = KVM_X86_SHADOW_INT_STI;
        ev->flags = KVM_VCPUEVENT_VALID_SHADOW;
    }
    if (cpu->redeliver >= 0) {
        ev->interrupt.injected = 1;
        ev->interrupt.nr = (uint8_t)cpu->redeliver;
        ev->interrupt.soft = 0;
        cpu->injected = cpu->redeliver;     /* (its delivery may be lost to a shutdown too) */
    }
    cpu->sti_shadow = 0;
    cpu->redeliver = -1;
}

static int flush_events(struct vcpu *cpu)
{
    struct kvm_vcpu_events ev;
    if (cpu->sync) {
        edit_events(cpu, &cpu->run->s.regs.events);
        cpu->run->kvm_dirty_regs |= KVM_SYNC_X86_EVENTS;
        return 0;
    }
    if (vcpu_ioctl(cpu, KVM_GET_VCPU_EVENTS, &ev) < 0)
        return -1;
    edit_events(cpu, &ev);
    return vcpu_ioctl(cpu, KVM_SET_VCPU_EVENTS, &ev) < 0 ? -1 : 0;
}

/* KVM has no "flush the guest's TLB" ioctl; a CR4.PGE change makes it drop
 * every translation (as the CPU does), so CR4 goes out with PGE flipped
 * now and comes back as it was with the next KVM_RUN. */
int vcpu_flush_tlb(struct vcpu *cpu)
{
    struct kvm_sregs s;
    if (vcpu_get_sregs(cpu, &s) < 0)
        return -1;
    if (!(s.cr0 & X86_CR0_PG))
        return 0;
    s.cr4 ^= X86_CR4_PGE;
    if (vcpu_ioctl(cpu, KVM_SET_SREGS, &s) < 0)
        return -1;
    if (cpu->sync)
        cpu->run->s.regs.sregs = s;     /* what KVM has now: the flush below sees the difference */
    cpu->sregs_dirty = 1;
    return 0;
}

/* Before KVM_RUN: dirty state goes back through kvm_dirty_regs (sync) or
 * the SET ioctls -- the segment registers without the interrupt bitmap
 * GET_SREGS reports: scout injects through the events, and a bit sent
 * back queues that interrupt again (this host's KVM still shows one it
 * has delivered: sent back, the guest took it twice). */
int vcpu_flush(struct vcpu *cpu)
{
    if ((cpu->sti_shadow || cpu->redeliver >= 0) && flush_events(cpu) < 0)
        return -1;
    if (cpu->sync) {
        /* State written back as KVM has it is not sent: --deprivilege swaps
         * the vCPU's state at every exit and back before the run, and a
         * KVM_SET_SREGS costs KVM a reset of its MMU context. */
        if (cpu->sregs_dirty) {
            struct kvm_sregs has = cpu->run->s.regs.sregs;
            memset(cpu->sregs.interrupt_bitmap, 0, sizeof cpu->sregs.interrupt_bitmap);
            memset(has.interrupt_bitmap, 0, sizeof has.interrupt_bitmap);
            if (!memcmp(&cpu->sregs, &has, sizeof has))
                cpu->sregs_dirty = 0;
        }
        if (cpu->regs_dirty && !memcmp(&cpu->regs, &cpu->run->s.regs.regs, sizeof cpu->regs))
            cpu->regs_dirty = 0;
        if (cpu->sregs_dirty) {
            cpu->run->s.regs.sregs = cpu->sregs;
            cpu->run->kvm_dirty_regs |= KVM_SYNC_X86_SREGS;
        }
        if (cpu->regs_dirty) {
            cpu->run->s.regs.regs = cpu->regs;
            cpu->run->kvm_dirty_regs |= KVM_SYNC_X86_REGS;
        }
        cpu->regs_dirty = cpu->sregs_dirty = 0;
        return 0;
    }
    if (cpu->sregs_dirty) {
        memset(cpu->sregs.interrupt_bitmap, 0, sizeof cpu->sregs.interrupt_bitmap);
        if (vcpu_ioctl(cpu, KVM_SET_SREGS, &cpu->sregs) < 0)
            return -1;
        cpu->sregs_dirty = 0;
    }
    if (cpu->regs_dirty) {
        if (vcpu_ioctl(cpu, KVM_SET_REGS, &cpu->regs) < 0)
            return -1;
        cpu->regs_dirty = 0;
    }
    return 0;
}

/* After KVM_RUN: with sync regs, kvm_run holds the state as it is now. */
void vcpu_after_run(struct vcpu *cpu)
{
    cpu->regs_dirty = cpu->sregs_dirty = 0;
    if (cpu->sync) {
        cpu->run->kvm_dirty_regs = 0;
        cpu->regs = cpu->run->s.regs.regs;
        cpu->sregs = cpu->run->s.regs.sregs;
        cpu->regs_valid = cpu->sregs_valid = 1;
    } else {
        cpu->regs_valid = cpu->sregs_valid = 0;
    }
}

int vcpu_code_size(struct vcpu *cpu)
{
    struct kvm_regs r;
    struct kvm_sregs s;
    if (vcpu_get_regs(cpu, &r) < 0 || vcpu_get_sregs(cpu, &s) < 0)
        return -1;
    return x86_code_size(&r, &s);
}

int vcpu_cpl(struct vcpu *cpu)
{
    struct kvm_regs r;
    struct kvm_sregs s;
    if (vcpu_get_regs(cpu, &r) < 0 || vcpu_get_sregs(cpu, &s) < 0)
        return -1;
    return x86_cpl(&r, &s);
}

int vcpu_get_msr(struct vcpu *cpu, uint32_t index, uint64_t *value)
{
    struct { struct kvm_msrs head; struct kvm_msr_entry entry; } m;
    memset(&m, 0, sizeof m);
    m.head.nmsrs = 1;
    m.entry.index = index;
    if (vcpu_ioctl(cpu, KVM_GET_MSRS, &m) != 1)
        return -1;
    *value = m.entry.data;
    return 0;
}

int vcpu_inject_exception(struct vcpu *cpu, unsigned vector, int has_error, uint32_t error)
{
    struct kvm_vcpu_events ev;
    if (vector > 31) {
        errno = EINVAL;
        return -1;
    }
    /* Registers are untouched: the cache (and any pending write-back) stays. */
    if (vcpu_ioctl(cpu, KVM_GET_VCPU_EVENTS, &ev) < 0)
        return -1;
    ev.exception.injected = 1;
    ev.exception.nr = (uint8_t)vector;
    ev.exception.has_error_code = has_error ? 1 : 0;
    ev.exception.error_code = error;
    ev.flags = 0;
    if (vcpu_ioctl(cpu, KVM_SET_VCPU_EVENTS, &ev) < 0)
        return -1;
    if (cpu->sync)
        cpu->run->s.regs.events = ev;   /* a later sync write of the events carries it */
    return 0;
}

int vcpu_set_dr6_bits(struct vcpu *cpu, uint64_t bits)
{
    struct kvm_debugregs d;
    if (vcpu_ioctl(cpu, KVM_GET_DEBUGREGS, &d) < 0)
        return -1;
    d.dr6 |= bits;
    return vcpu_ioctl(cpu, KVM_SET_DEBUGREGS, &d) < 0 ? -1 : 0;
}

void vcpu_format_state(struct vcpu *cpu, char *buf, size_t len)
{
    struct kvm_regs r;
    struct kvm_sregs s;
    if (!len)
        return;
    if (vcpu_get_regs(cpu, &r) < 0 || vcpu_get_sregs(cpu, &s) < 0) {
        snprintf(buf, len, "(register state unavailable: %s)\n", strerror(errno));
        return;
    }
    x86_format_state(&r, &s, buf, len);
}
