/* run.h — the run loop.  Clients (the enforcement layer) see exits before
 * the devices do, through hooks. */
#ifndef SCOUT_MONITOR_RUN_H
#define SCOUT_MONITOR_RUN_H
#include <stdint.h>

struct vm;

enum vm_hook_result { VM_HOOK_PASS /* let the monitor handle it */, VM_HOOK_HANDLED /* resume */, VM_HOOK_STOP };

struct vm_hooks {
    void *ctx;
    /* every KVM_EXIT_IO, before device dispatch; rip as KVM reports it.
     * data holds count * size bytes (fill it for IN).  A hook that changes
     * RIP must call vcpu_complete_io() first. */
    enum vm_hook_result (*io)(void *ctx, struct vm *vm, uint16_t port, int out,
                              int size, uint32_t count, void *data);
    /* a guest write to a page that is read-only to KVM (KVM_EXIT_MMIO write
     * with exact gpa/len/data; KVM did not write).  PASS: the monitor applies
     * the write to guest RAM itself. */
    enum vm_hook_result (*protected_write)(void *ctx, struct vm *vm, uint64_t gpa,
                                           const void *data, unsigned len);
    /* after every exit has been handled, i.e. before the next KVM_RUN
     * re-entry (for invariant checks / re-arming) */
    void (*after_exit)(void *ctx, struct vm *vm, uint32_t exit_reason);
};

/* KVM_RUN once with immediate_exit = 1 to complete a pending I/O
 * (DESIGN §3): afterwards RIP is past the IN/OUT on every host and may be
 * changed.  A no-op when nothing is pending. */
void vcpu_complete_io(struct vm *vm);

struct vm_stop {
    enum { VM_STOP_EXIT_DEVICE, VM_STOP_HLT, VM_STOP_SHUTDOWN, VM_STOP_GUEST_EXCEPTION,
           VM_STOP_TIMEOUT, VM_STOP_INTERRUPTED, VM_STOP_HOOK, VM_STOP_ERROR } why;
    int exit_status;        /* EXIT_DEVICE: (v << 1) | 1 */
    /* GUEST_EXCEPTION: vector, error code (has_error), faulting rip, cr2.
     * The vCPU state is unwound to the faulting instruction (rip, rsp,
     * rflags, cs, ss from the exception frame). */
    unsigned vector;
    int has_error;
    uint32_t error_code;
    uint64_t rip, cr2;
    uint32_t exit_reason;   /* last KVM exit reason */
    char message[256];      /* one line, no newline, e.g. "guest #PF at rip=0x... addr=0x..." */
};

/* Runs until a stop; resumable (call again after it returned). 0 or -1
 * (VM_STOP_ERROR: message says why). */
int vm_run(struct vm *vm, const struct vm_hooks *hooks, struct vm_stop *stop);

/* async-signal-safe: sets immediate_exit, makes vm_run return INTERRUPTED */
void vm_request_stop(struct vm *vm);
/* same, with the reason vm_run reports (VM_STOP_TIMEOUT or VM_STOP_INTERRUPTED) */
void vm_request_stop_why(struct vm *vm, int why);

const char *vm_stop_name(int why);

#endif
