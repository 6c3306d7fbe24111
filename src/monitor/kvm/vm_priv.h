/* vm_priv.h — private to src/monitor: the layout of struct vm. */
#ifndef SCOUT_MONITOR_VM_PRIV_H
#define SCOUT_MONITOR_VM_PRIV_H
#include <signal.h>
#include <stdint.h>
#include <linux/kvm.h>
#include "monitor/kvm/vm.h"
#include "monitor/dev/devices.h"

struct memslot_region { uint64_t gpa, size; int readonly; unsigned slot; };

struct vm {
    int kvm_fd, vm_fd, vcpu_fd;
    struct kvm_run *run;
    size_t run_size;
    uint8_t *ram;              /* host mapping of guest RAM [0, mem_size) */
    uint64_t mem_size;
    /* memslots */
    struct memslot_region *regions;
    size_t nregions, regions_cap;
    unsigned *free_slots;      /* stack of free slot ids */
    size_t nfree;
    size_t slot_limit;
    /* cached vCPU state */
    struct kvm_regs regs;
    struct kvm_sregs sregs;
    int regs_valid, regs_dirty, sregs_valid, sregs_dirty;
    int io_pending;            /* last exit was IO and not completed yet */
    volatile sig_atomic_t stop_requested;   /* 0, or VM_STOP_* + 1 */
    /* devices */
    struct uart8250 uart;
    struct vm_console console;
    struct vm_stats stats;
    int exc_idt_installed;     /* which IDT format the stubs use: 0, 32 or 64 */
};

int vcpu_flush(struct vm *vm);
void vcpu_invalidate(struct vm *vm);
int memslot_init(struct vm *vm, size_t limit);
void memslot_fini(struct vm *vm);
#endif
