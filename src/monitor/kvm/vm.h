/* vm.h — scout's KVM monitor: VM and vCPU lifecycle, initial CPU state,
 * cached vCPU state, counters and the console sink.
 *
 * One VM has one vCPU and one block of guest RAM starting at guest-physical
 * address 0.  The top VM_RESERVED_SIZE bytes of RAM are the monitor's
 * reserved region (GDT, TSS, IDT, exception stubs, exception stack, page
 * tables, multiboot info); see the layout below.  At CPL 3 the guest may
 * use every port (TSS I/O bitmap; IOPL 3 is requested too, but
 * kvm_pvm drops it).  Guests are told about the region
 * through the multiboot memory map (type 2) and must not touch it.
 */
#ifndef SCOUT_MONITOR_VM_H
#define SCOUT_MONITOR_VM_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <linux/kvm.h>

struct vm;

enum vm_mode { VM_MODE_REAL = 16, VM_MODE_PROT32 = 32, VM_MODE_LONG64 = 64 };

/* Reserved region: [vm_reserved_base(vm), vm_mem_size(vm)).  Offsets: */
#define VM_RESERVED_SIZE      0x40000u   /* 256 KiB at the top of RAM */
#define VM_RES_GDT            0x00000u   /* GDT (selectors below) */
#define VM_RES_TSS            0x01000u   /* 64-bit TSS: RSP0 and IST1 = exception stack top,
                                            then an I/O bitmap allowing every port (to 0x3069) */
#define VM_TSS_LIMIT          (0x68u + 0x2000u)  /* TSS + full I/O bitmap + terminator byte */
#define VM_RES_IDT            0x04000u   /* 256 gates (16-byte in long mode, 8-byte in prot32) */
#define VM_RES_STUBS          0x05000u   /* 256 x 16-byte stubs: push $vector; out %al,$VM_EXC_PORT; hlt */
#define VM_RES_STACK_TOP      0x08000u   /* exception stack [0x06000,0x08000) */
#define VM_RES_BOOTINFO       0x08000u   /* multiboot info, mmap, module list */
#define VM_RES_STRINGS        0x09000u   /* command lines, boot loader name (up to 0x10000) */
#define VM_RES_PML4           0x10000u   /* PML4, PDPT, then one PD per GiB, then a PT for the top 2 MiB */
#define VM_STUB_SIZE          16u

/* GDT selectors the monitor installs */
#define VM_SEL_CODE64   0x08   /* DPL 0, L=1 */
#define VM_SEL_DATA     0x10   /* DPL 0, flat 4 GiB */
#define VM_SEL_CODE32   0x18   /* DPL 0, flat 4 GiB, D=1 */
#define VM_SEL_UDATA    0x23   /* DPL 3 data (0x20 | RPL 3) */
#define VM_SEL_UCODE64  0x2b   /* DPL 3, L=1 (0x28 | RPL 3) */
#define VM_SEL_TSS      0x30   /* 64-bit TSS (16 bytes) */

/* Monitor-private port the exception stubs write to; only an OUT whose
 * RIP lies in the stub area counts as an exception report. */
#define VM_EXC_PORT     0xEA

struct vm_config {
    uint64_t mem_size;       /* bytes; multiple of 2 MiB, 4 MiB .. 3 GiB; 0 = 64 MiB */
    unsigned max_memslots;   /* slot budget; 0 = KVM_CAP_NR_MEMSLOTS */
};

/* Where guest console output (port 0xE9, UART THR) goes.  If write is set
 * it is called, else bytes go to file (stdout when both are unset). */
struct vm_console {
    FILE *file;
    void (*write)(void *ctx, const void *buf, size_t len);
    void *ctx;
};

#define VM_STATS_REASONS 64
struct vm_stats {
    uint64_t runs;                      /* KVM_RUN calls (incl. completion runs) */
    uint64_t exits[VM_STATS_REASONS];   /* by KVM exit reason (clamped) */
    uint64_t io_exits;
    uint64_t unknown_port_reads;
    uint64_t unknown_port_writes;
    uint64_t mmio_reads;                /* outside RAM: read as all-ones */
    uint64_t mmio_writes;               /* all MMIO write exits */
    uint64_t protected_writes;          /* MMIO writes that hit a read-only page */
    uint64_t completion_runs;
    uint64_t console_bytes;
};

int  vm_create(const struct vm_config *cfg, struct vm **out, char *err, size_t errlen);
void vm_destroy(struct vm *vm);
uint64_t vm_mem_size(const struct vm *vm);
uint64_t vm_reserved_base(const struct vm *vm);
void vm_set_console(struct vm *vm, const struct vm_console *c);
void vm_console_write(struct vm *vm, const void *buf, size_t len);
const struct vm_stats *vm_get_stats(const struct vm *vm);

/* Builds the system structures in the reserved region and sets the vCPU
 * for `mode` at `cpl` (3 only with VM_MODE_LONG64): flat segments, and for
 * long mode 4-level identity-mapped page tables covering RAM (user bit set
 * except on the reserved region), IOPL 3 at CPL 3.  An IDT of reporting
 * stubs is installed for prot32 and long64.  Real mode: CS:IP from entry
 * (CS = entry >> 4 & 0xF000 when entry > 0xFFFF).  stack 0 = default
 * (reserved base in prot32/long64, 0x7C00 in real mode). */
int vm_setup_cpu(struct vm *vm, enum vm_mode mode, int cpl, uint64_t entry,
                 uint64_t stack, char *err, size_t errlen);

/* vCPU state (cached; flushed to KVM before the next run).  0 or -1. */
int vcpu_get_regs(struct vm *vm, struct kvm_regs *r);
int vcpu_set_regs(struct vm *vm, const struct kvm_regs *r);
int vcpu_get_sregs(struct vm *vm, struct kvm_sregs *s);
int vcpu_set_sregs(struct vm *vm, const struct kvm_sregs *s);
int vcpu_cpu_mode(struct vm *vm);   /* 16, 32 or 64 (code decode size); -1 on error */
int vcpu_cpl(struct vm *vm);        /* 0..3; -1 on error */
/* One model-specific register (KVM_GET_MSRS).  0, or -1. */
int vcpu_get_msr(struct vm *vm, uint32_t index, uint64_t *value);
int vcpu_inject_exception(struct vm *vm, unsigned vector, int has_error, uint32_t error);

/* Multi-line register dump (GPRs, rip, rflags, segments, control regs). */
void vm_format_state(struct vm *vm, char *buf, size_t len);

/* Pure helper: the code size for given sregs (CR0.PE, EFER.LMA, CS.L/DB). */
int vcpu_mode_from_sregs(const struct kvm_sregs *s);

#endif
