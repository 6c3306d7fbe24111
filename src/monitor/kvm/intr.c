/* intr.c — interrupts and time for the vCPU (see kvm.h): KVM's local APIC
 * (split irqchip), the kick timer, the PIC's vector injected when the vCPU
 * is ready, MSIs and their routes, STI's shadow, and halts.
 *
 * Time.  Devices keep deadlines on the host's CLOCK_MONOTONIC; before every
 * KVM_RUN the loop fires the ones due (the poll callback) and arms a POSIX
 * timer for the next.  Its signal sets kvm_run->immediate_exit, so it makes
 * KVM_RUN return whether it arrives inside the ioctl or just before it (no
 * lost wake-up: the deadlines are read from the clock, not from the signal).
 *
 * Halts.  With the APIC in the kernel HLT does not exit: the vCPU blocks in
 * KVM until an interrupt.  The kick also comes every HALT_POLL_NS; a vCPU
 * found halted (KVM_GET_MP_STATE) with IF clear, or with IF set and nothing
 * armed that could interrupt it, ends the run as HLT did before.  "Nothing
 * armed" is decided twice, around a KVM_RUN, because a timer of KVM's that
 * has just expired reaches the APIC only inside KVM_RUN. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "monitor/kvm/kvm_priv.h"
#include "monitor/x86/x86.h"

#define IOAPIC_PINS   24
#define HALT_POLL_NS  10000000ull           /* look for a halt every 10 ms */
#define KICK_SIGNAL   SIGRTMIN

/* the local APIC's registers in struct kvm_lapic_state */
#define APIC_SVR      0xf0
#define APIC_LVTT     0x320
#define APIC_TMICT    0x380
#define APIC_TMCCT    0x390
#define APIC_IRR      0x200
#define APIC_ISR      0x100
#define MSR_TSC_DEADLINE 0x6e0

uint64_t vm_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int vm_irqchip_init(struct vm *vm, char *err, size_t errlen)
{
    struct kvm_enable_cap cap;
    memset(&cap, 0, sizeof cap);
    cap.cap = KVM_CAP_SPLIT_IRQCHIP;
    cap.args[0] = IOAPIC_PINS;
    if (ioctl(vm->vm_fd, KVM_ENABLE_CAP, &cap) < 0) {
        snprintf(err, errlen, "KVM_ENABLE_CAP(KVM_CAP_SPLIT_IRQCHIP): %s (scout needs KVM's local APIC "
                 "with the PIC in user space, Linux 4.4 or later)", strerror(errno));
        return -1;
    }
    return 0;
}

/* ── the kick ─────────────────────────────────────────────────────────── */

static struct vcpu *volatile kick_target;      /* the vCPU inside vcpu_run */

static void on_kick(int sig)
{
    struct vcpu *c = kick_target;
    (void)sig;
    if (c && c->run)
        c->run->immediate_exit = 1;
}

int vcpu_kick_init(struct vcpu *cpu, char *err, size_t errlen)
{
    static int installed;
    if (!installed) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_kick;
        sigemptyset(&sa.sa_mask);
        sa.sa_flags = SA_RESTART;       /* the rest of scout never sees it */
        if (sigaction(KICK_SIGNAL, &sa, NULL) < 0) {
            snprintf(err, errlen, "sigaction for the vCPU timer: %s", strerror(errno));
            return -1;
        }
        installed = 1;
    }
    struct sigevent sev;
    memset(&sev, 0, sizeof sev);
    sev.sigev_notify = SIGEV_THREAD_ID;   /* to the thread that runs the vCPU */
    sev.sigev_signo = KICK_SIGNAL;
    sev._sigev_un._tid = gettid();
    if (timer_create(CLOCK_MONOTONIC, &sev, &cpu->kick_timer) < 0) {
        snprintf(err, errlen, "timer_create for the vCPU: %s", strerror(errno));
        return -1;
    }
    cpu->have_kick_timer = 1;
    return 0;
}

void vcpu_kick_fini(struct vcpu *cpu)
{
    if (cpu->have_kick_timer)
        timer_delete(cpu->kick_timer);
    cpu->have_kick_timer = 0;
    if (kick_target == cpu)
        kick_target = NULL;
}

static void kick_arm(struct vcpu *cpu, uint64_t at)
{
    struct itimerspec its;
    memset(&its, 0, sizeof its);
    its.it_value.tv_sec = (time_t)(at / 1000000000ull);
    its.it_value.tv_nsec = (long)(at % 1000000000ull);
    if (timer_settime(cpu->kick_timer, TIMER_ABSTIME, &its, NULL) == 0)
        cpu->kick_at = at;
}

void vcpu_intr_run_begin(struct vcpu *cpu)
{
    kick_target = cpu;
    cpu->halt_poll_at = vm_now() + HALT_POLL_NS;
}

void vcpu_intr_run_end(struct vcpu *cpu)
{
    kick_target = NULL;
    if (cpu->have_kick_timer && cpu->kick_at) {
        struct itimerspec its;
        memset(&its, 0, sizeof its);
        timer_settime(cpu->kick_timer, 0, &its, NULL);
        cpu->kick_at = 0;
    }
}

/* ── halts ────────────────────────────────────────────────────────────── */

static uint32_t apic_reg(const struct kvm_lapic_state *s, unsigned off)
{
    uint32_t v;
    memcpy(&v, s->regs + off, 4);
    return v;
}

/* Whether KVM's APIC can still interrupt a halted vCPU by itself: its timer
 * armed and unmasked, or a vector already waiting (conservative: any IRR
 * bit).  An unreadable APIC counts as "can". */
static int lapic_can_wake(struct vcpu *cpu)
{
    struct kvm_lapic_state ls;
    uint32_t busy[8];
    struct vm *vm = cpu->vm;
    if (vcpu_ioctl(cpu, KVM_GET_LAPIC, &ls) < 0)
        return 1;
    for (unsigned i = 0; i < 8; i++)
        if (apic_reg(&ls, APIC_IRR + 0x10 * i))
            return 1;
    for (unsigned i = 0; i < 8; i++)
        busy[i] = apic_reg(&ls, APIC_ISR + 0x10 * i);
    if (vm->io && vm->io->apic_idle && vm->io->apic_idle(vm->io_ctx, busy))
        return 1;
    uint32_t lvtt = apic_reg(&ls, APIC_LVTT);
    if (!(apic_reg(&ls, APIC_SVR) & 0x100) || (lvtt & 0x10000))
        return 0;                       /* software-disabled, or the timer masked */
    switch ((lvtt >> 17) & 3) {
    case 0: return apic_reg(&ls, APIC_TMCCT) != 0;      /* one-shot, still counting */
    case 1: return apic_reg(&ls, APIC_TMICT) != 0;      /* periodic */
    case 2: {                                           /* TSC deadline */
        uint64_t d = 0;
        return vcpu_get_msr(cpu, MSR_TSC_DEADLINE, &d) != 0 || d != 0;
    }
    default: return 0;
    }
}

static int can_wake(struct vcpu *cpu)
{
    struct vm *vm = cpu->vm;
    if (vm->io && vm->io->extint && vm->io->extint(vm->io_ctx, 0))
        return 1;                       /* the PIC has one for it */
    if (vm->io && vm->io->can_wake && vm->io->can_wake(vm->io_ctx))
        return 1;
    return lapic_can_wake(cpu);
}

/* 1 and stop filled when the halt ends the run. */
static int halt_check(struct vcpu *cpu, struct vm_stop *stop)
{
    struct kvm_regs r;
    const char *why;
    if (vcpu_get_regs(cpu, &r) < 0)
        return 0;
    if (!(r.rflags & X86_RFLAGS_IF)) {
        why = "interrupts disabled";
    } else if (can_wake(cpu)) {
        cpu->halt_idle = 0;
        return 0;
    } else if (!cpu->halt_idle) {
        cpu->halt_idle = 1;             /* sure only after one more KVM_RUN */
        return 0;
    } else {
        why = "interrupts enabled, but nothing is armed to wake it";
    }
    stop->why = VM_STOP_HLT;
    stop->rip = r.rip - 1;
    snprintf(stop->message, sizeof stop->message, "guest halted at rip=0x%llx (%s)",
             (unsigned long long)stop->rip, why);
    return 1;
}

int vcpu_halt(struct vcpu *cpu)
{
    struct kvm_mp_state mp = { KVM_MP_STATE_HALTED };
    if (vcpu_ioctl(cpu, KVM_SET_MP_STATE, &mp) < 0)
        return -1;
    cpu->halted = 1;
    cpu->halt_idle = 0;
    return 0;
}

void vcpu_intr_after_kick(struct vcpu *cpu)
{
    cpu->stats.kicks++;
    uint64_t now = vm_now();
    if (now < cpu->halt_poll_at)
        return;
    cpu->halt_poll_at = now + HALT_POLL_NS;
    struct kvm_mp_state mp;
    cpu->stats.halt_checks++;
    if (vcpu_ioctl(cpu, KVM_GET_MP_STATE, &mp) == 0 && mp.mp_state == KVM_MP_STATE_HALTED) {
        cpu->halted = 1;
    } else {
        cpu->halted = 0;
        cpu->halt_idle = 0;
    }
}

/* ── injection ────────────────────────────────────────────────────────── */

/* The PIC's vector goes in when KVM says the vCPU can take an external
 * interrupt now (IF set, no shadow, LINT0 accepting ExtINT, none pending);
 * otherwise an interrupt-window exit is asked for. */
static void inject_extint(struct vcpu *cpu)
{
    struct vm *vm = cpu->vm;
    struct kvm_regs r;
    if (!vm->io || !vm->io->extint)
        return;
    int want = vm->io->extint(vm->io_ctx, 0);
    if (want && cpu->run->ready_for_interrupt_injection && !cpu->sti_shadow &&
        vcpu_get_regs(cpu, &r) == 0 && (r.rflags & X86_RFLAGS_IF)) {
        int v = vm->io->extint(vm->io_ctx, 1);
        if (v >= 0) {
            struct kvm_interrupt irq = { (uint32_t)v };
            if (vcpu_ioctl(cpu, KVM_INTERRUPT, &irq) == 0) {
                cpu->stats.injected++;
                cpu->injected = v;
                cpu->run->ready_for_interrupt_injection = 0;   /* KVM holds one now */
            }
        }
        want = vm->io->extint(vm->io_ctx, 0);
    }
    cpu->run->request_interrupt_window = want ? 1 : 0;
}

int vcpu_intr_before_run(struct vcpu *cpu, struct vm_stop *stop)
{
    struct vm *vm = cpu->vm;
    /* Cleared before the clock is read: a kick from here on makes the next
     * KVM_RUN return at once; one from before is seen in the clock. */
    cpu->run->immediate_exit = cpu->stop_requested ? 1 : 0;
    uint64_t now = vm_now();
    uint64_t next = vm->io && vm->io->poll ? vm->io->poll(vm->io_ctx, now) : 0;
    if (cpu->halted && halt_check(cpu, stop))
        return 1;
    inject_extint(cpu);
    if (cpu->have_kick_timer) {
        uint64_t want = cpu->halt_poll_at > now ? cpu->halt_poll_at : now + HALT_POLL_NS;
        if (next && next < want)
            want = next;
        if (cpu->kick_at <= now || cpu->kick_at > want)
            kick_arm(cpu, want);
    }
    return 0;
}

/* ── MSIs and STI ─────────────────────────────────────────────────────── */

void vm_intr_vectors(const struct vm *vm, uint64_t out[4])
{
    memset(out, 0, 4 * sizeof(out[0]));
    if (vm->io && vm->io->vectors)
        vm->io->vectors(vm->io_ctx, out);
}

int vm_signal_msi(struct vm *vm, uint32_t addr, uint32_t data)
{
    struct kvm_msi msi;
    memset(&msi, 0, sizeof msi);
    msi.address_lo = addr;
    msi.data = data;
    /* >0 delivered, 0 blocked (e.g. the APIC software-disabled): both fine */
    return ioctl(vm->vm_fd, KVM_SIGNAL_MSI, &msi) < 0 ? -1 : 0;
}

int vm_set_msi_routes(struct vm *vm, unsigned n, const uint32_t *addr, const uint32_t *data)
{
    struct { struct kvm_irq_routing head; struct kvm_irq_routing_entry e[IOAPIC_PINS]; } rt;
    if (n > IOAPIC_PINS)
        n = IOAPIC_PINS;
    memset(&rt, 0, sizeof rt);
    rt.head.nr = n;
    for (unsigned i = 0; i < n; i++) {
        rt.e[i].gsi = i;
        rt.e[i].type = KVM_IRQ_ROUTING_MSI;
        rt.e[i].u.msi.address_lo = addr[i];
        rt.e[i].u.msi.data = data[i];
    }
    return ioctl(vm->vm_fd, KVM_SET_GSI_ROUTING, &rt) < 0 ? -1 : 0;
}

void vcpu_set_sti_shadow(struct vcpu *cpu) { cpu->sti_shadow = 1; }

void vcpu_intr_after_exit(struct vcpu *cpu)
{
    cpu->lost = cpu->run->exit_reason == KVM_EXIT_SHUTDOWN ? cpu->injected : -1;
    cpu->injected = -1;
}

void vcpu_inject_interrupt(struct vcpu *cpu, uint8_t vector)
{
    cpu->redeliver = vector;
}

int vcpu_redeliver_interrupt(struct vcpu *cpu)
{
    int v = cpu->lost;
    cpu->lost = -1;
    if (v < 0 && cpu->sync) {
        struct kvm_lapic_state ls;
        if (vcpu_ioctl(cpu, KVM_GET_LAPIC, &ls) == 0)
            for (int i = 7; i >= 0 && v < 0; i--) {
                uint32_t isr = apic_reg(&ls, APIC_ISR + 0x10 * (unsigned)i);
                if (isr) {
                    int top = 32 * i + 31 - __builtin_clz(isr);
                    if (top == cpu->run->s.regs.events.interrupt.nr)
                        v = top;
                    break;
                }
            }
    }
    if (v >= 0)
        cpu->redeliver = v;
    return v;
}
