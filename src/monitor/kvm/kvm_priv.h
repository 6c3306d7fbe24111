/* kvm_priv.h — private to src/monitor/kvm: the layouts of struct vm and
 * struct vcpu, and the helpers the files of this folder share. */
#ifndef SCOUT_MONITOR_KVM_PRIV_H
#define SCOUT_MONITOR_KVM_PRIV_H
#include <signal.h>
#include <stdint.h>
#include <linux/kvm.h>
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
};

struct vm {
    int kvm_fd, vm_fd;
    uint8_t *ram;              /* host mapping of guest RAM [0, mem_size) */
    uint64_t mem_size;
    /* memslots */
    struct memslot_region *regions;
    size_t nregions, regions_cap;
    unsigned *free_slots;      /* stack of free slot ids */
    size_t nfree;
    size_t slot_limit;
    uint64_t slot_ioctls;
    /* the one vCPU */
    struct vcpu cpu;
    /* devices (dev/) and events */
    const struct vm_io_ops *io;
    void *io_ctx;
    struct events *events;
    int exc_idt_installed;     /* which IDT format the stubs use: 0, 32 or 64 */
};

/* vcpu.c */
int  vcpu_open(struct vm *vm, char *err, size_t errlen);
void vcpu_close(struct vcpu *cpu);
int  vcpu_flush(struct vcpu *cpu);          /* write dirty state back (before KVM_RUN) */
void vcpu_after_run(struct vcpu *cpu);      /* the cache is stale (or fresh from sync regs) */
int  vcpu_ioctl(struct vcpu *cpu, unsigned long req, void *arg);   /* counted */
/* memslot.c */
int  memslot_init(struct vm *vm, size_t limit);
void memslot_fini(struct vm *vm);
#endif
