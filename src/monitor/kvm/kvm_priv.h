/* kvm_priv.h — private to src/monitor/kvm: the layouts of struct vm and
 * struct vcpu, and the helpers the files of this folder share. */
#ifndef SCOUT_MONITOR_KVM_PRIV_H
#define SCOUT_MONITOR_KVM_PRIV_H
#include <signal.h>
#include <stdint.h>
#include <time.h>
#include <linux/kvm.h>
#include "base/base.h"
#include "monitor/kvm/kvm.h"

struct memslot_region { uint64_t gpa, size; int readonly; unsigned slot; };

struct vcpu {
    struct vm *vm;
    int fd;
    struct kvm_run *run;
    size_t run_size;
    int sync;                  /* run->s.regs carries regs/sregs/events (KVM_CAP_SYNC_REGS) */
    /* cached state: valid until the next KVM_RUN; dirty = written back before it */
    struct kvm_regs regs;
    struct kvm_sregs sregs;
    int regs_valid, regs_dirty, sregs_valid, sregs_dirty;
    int io_pending;            /* last exit was IO/MMIO and not completed yet */
    volatile sig_atomic_t stop_requested;   /* 0, or VM_STOP_* + 1 */
    struct vcpu_stats stats;
    int exit_pending;          /* a completion run came back with an exit the loop has not handled */
    enum vcpu_out_completion out_how;   /* what the host needs after an OUT exit (the probe) */
    int out_lazy;              /* vcpu_out_handled: KVM may still skip the OUT at ... */
    uint64_t out_lazy_linear;  /* ... this linear RIP */
    /* interrupts and time (intr.c) */
    timer_t kick_timer;        /* sends VCPU_KICK_SIGNAL: KVM_RUN returns */
    int have_kick_timer;
    uint64_t kick_at;          /* when it fires (ns), 0 = not armed */
    uint64_t halt_poll_at;     /* the next look for a halt (ns) */
    int halted;                /* in HLT (emulated, or found with KVM_GET_MP_STATE); cleared at an exit */
    int halt_idle;             /* halted with IF set and nothing armed at the last look */
    int sti_shadow;            /* vcpu_set_sti_shadow: written with the next KVM_RUN */
    int injected;              /* the PIC's vector given to KVM for this run, -1 none */
    int lost;                  /* ... that the run ended in a shutdown with */
    int redeliver;             /* vcpu_redeliver_interrupt: written with the next KVM_RUN */
    int eoi_hold;              /* vcpu_hold_eoi: an IOAPIC EOI as the next exit is held */
    unsigned nheld;            /* ... held vectors, given to the IOAPIC at the guest's next exit */
    uint8_t held_eoi[8];
    uint64_t held_at;          /* when the first was held (vm_now) */
};

struct vm {
    int kvm_fd, vm_fd;
    uint8_t *ram;              /* host mapping of guest RAM [0, mem_size) */
    uint64_t mem_size;
    /* memslots */
    VEC(struct memslot_region) regions;    /* the runs wanted now */
    VEC(struct memslot_region) kregions;   /* the runs KVM has (memslot_commit) */
    int slots_dirty;
    unsigned *free_slots;      /* stack of free slot ids */
    size_t nfree;
    size_t slot_limit;
    uint64_t slot_ioctls;
    int zap_wanted;            /* memslot_zap: KVM's MMU dropped at the next commit */
    /* the one vCPU */
    struct vcpu cpu;
    /* devices (dev/) and events */
    const struct vm_io_ops *io;
    void *io_ctx;
    struct events *events;
    int exc_idt_installed;     /* which IDT format the stubs use: 0, 32 or 64 */
    int stubs64;               /* --deprivilege: the second stub page (VM_RES_STUBS64) is there */
    unsigned maxphyaddr;       /* the guest's CPUID: physical address bits ... */
    int gbpages;               /* ... and 1 GiB pages */
    vm_device_write_fn device_write;   /* vm_set_device_write_hook */
    void *device_write_ctx;
};

/* vcpu.c */
int  vcpu_open(struct vm *vm, char *err, size_t errlen);
void vcpu_close(struct vcpu *cpu);
int  vcpu_flush(struct vcpu *cpu);          /* write dirty state back (before KVM_RUN) */
void vcpu_after_run(struct vcpu *cpu);      /* the cache is stale (or fresh from sync regs) */
int  vcpu_ioctl(struct vcpu *cpu, unsigned long req, void *arg);   /* counted */
/* intr.c */
int  vm_irqchip_init(struct vm *vm, char *err, size_t errlen);   /* before the vCPU */
int  vcpu_kick_init(struct vcpu *cpu, char *err, size_t errlen);
void vcpu_kick_fini(struct vcpu *cpu);
/* Before each KVM_RUN: device timers, the kick, ExtINT injection.  1 when
 * the run stops (a halt nothing can end: stop filled), 0 to enter. */
int  vcpu_intr_before_run(struct vcpu *cpu, struct vm_stop *stop);
/* KVM_RUN returned for a signal: is the vCPU halted? */
void vcpu_intr_after_kick(struct vcpu *cpu);
/* KVM_RUN came back with an exit: was the PIC's vector lost in a shutdown? */
void vcpu_intr_after_exit(struct vcpu *cpu);
void vcpu_intr_run_begin(struct vcpu *cpu);       /* vcpu_run entry: the kick signal is ours */
void vcpu_intr_run_end(struct vcpu *cpu);
/* memslot.c */
int  memslot_init(struct vm *vm, size_t limit);
void memslot_fini(struct vm *vm);
int  memslot_commit(struct vm *vm);    /* before KVM_RUN: KVM's slots made the wanted runs */
#endif
