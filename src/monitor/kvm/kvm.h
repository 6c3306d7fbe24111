/* kvm.h — scout's use of the Linux KVM API: the VM (fds, guest RAM, memory
 * slots), its vCPU (register cache, the run loop), guest memory access, the
 * boot structures in the reserved region, and the host probe.
 *
 * One VM has one vCPU and one block of guest RAM starting at guest-physical
 * address 0.  The top VM_RESERVED_SIZE bytes of RAM are the monitor's
 * reserved region (GDT, TSS, IDT, exception stubs, exception stack, page
 * tables, multiboot info); guests are told about it through the memory map
 * (vm_memory_map: type 2) and must not touch it.  Devices are not here: the
 * run loop hands port and MMIO accesses, time and interrupts to whoever set
 * vm_set_io (dev/).  The local APIC is KVM's own (intr.c).
 *
 * Prefixes: vm_ (the VM), vcpu_ (the vCPU), memslot_, gmem_ (guest memory),
 * probe_ (the host), kvm_ (checked ioctl wrappers). */
#ifndef SCOUT_MONITOR_KVM_H
#define SCOUT_MONITOR_KVM_H
#include <stddef.h>
#include <stdint.h>
#include <linux/kvm.h>

struct vm;
struct vcpu;
struct events;

/* ══ the VM ═══════════════════════════════════════════════════════════ */

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
#define VM_RES_PML4           0x10000u   /* PML4, PDPT, then one PD per GiB, then a PT for the top 2 MiB,
                                            then a PD mapping the devices at 0xFE000000-0xFFFFFFFF */
#define VM_RES_STUBS64        0x1e000u   /* --deprivilege: the same stubs again, for ... */
#define VM_RES_IDT64          0x1f000u   /* ... 64-bit gates to them, whatever the boot mode (no guest table
                                            leads there: no trap of the guest's is ever planted in them) */
#define VM_RES_SHADOW         0x20000u   /* --deprivilege: the shadow page tables' pool (to the end) */
#define VM_MMIO_PD_FIRST      496u       /* its first entry: 0xFE000000 */
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

#define VM_DEFAULT_MEM  (128ull << 20)   /* QEMU's default */

struct vm_config {
    uint64_t mem_size;       /* bytes; multiple of 2 MiB, 4 MiB .. 3 GiB; 0 = VM_DEFAULT_MEM */
    unsigned max_memslots;   /* slot budget; 0 = KVM_CAP_NR_MEMSLOTS */
};

int  vm_create(const struct vm_config *cfg, struct vm **out, char *err, size_t errlen);
void vm_destroy(struct vm *vm);
struct vcpu *vm_vcpu(struct vm *vm);
uint64_t vm_mem_size(const struct vm *vm);
/* Which part of the reserved region gpa is in: none (not reserved), the
 * boot information the guest reads (multiboot info, command lines), the
 * exception stack the CPU pushes frames on, or the monitor's own tables
 * and code (GDT, TSS, IDTs, stubs, page tables, the shadow pool). */
enum vm_res_part { VM_RES_PART_NONE, VM_RES_PART_BOOTINFO, VM_RES_PART_STACK, VM_RES_PART_MONITOR };
enum vm_res_part vm_reserved_part(const struct vm *vm, uint64_t gpa);
/* What the guest's CPUID says: physical address bits, 1 GiB pages. */
unsigned vm_guest_maxphyaddr(const struct vm *vm);
int vm_guest_gbpages(const struct vm *vm);
uint64_t vm_reserved_base(const struct vm *vm);
/* The hub that the run loop tells about guest exceptions (may be NULL). */
void vm_set_events(struct vm *vm, struct events *events);

/* Port and MMIO accesses that are not RAM go to the I/O handler (dev/),
 * and so do time and the interrupt lines that are not KVM's. */
enum vm_io_result { VM_IO_OK, VM_IO_EXIT /* the guest asked to end: *status set */ };
struct vm_io_ops {
    /* one element of a port access (size 1, 2, 4); fill data for IN */
    enum vm_io_result (*pio)(void *ctx, uint16_t port, int out, int size, uint8_t *data, int *status);
    /* an access outside RAM (len 1..8); fill data for reads */
    enum vm_io_result (*mmio)(void *ctx, uint64_t gpa, int write, unsigned len, uint8_t *data, int *status);
    /* The rest may be NULL.  Before every KVM_RUN: fire the device timers
     * due at `now` (ns, CLOCK_MONOTONIC); returns the next deadline, 0 for
     * none.  The run loop makes KVM_RUN return by then. */
    uint64_t (*poll)(void *ctx, uint64_t now);
    /* The 8259's INTR output.  ack 0: 1 if asserted.  ack 1: the CPU's
     * interrupt acknowledge, when the vCPU can take it now: the vector
     * (injected with KVM_INTERRUPT), or -1. */
    int (*extint)(void *ctx, int ack);
    /* The local APIC's EOI of a vector the IOAPIC delivered level-triggered
     * (KVM_EXIT_IOAPIC_EOI). */
    void (*eoi)(void *ctx, unsigned vector);
    /* A halted vCPU's local APIC: bit v set when vector v is in service or
     * pending.  A level-triggered vector the IOAPIC delivered that is in
     * neither has had its EOI -- whose exit KVM did not make (kvm_pvm
     * keeps it while the vCPU is halted): 1 if that woke a device. */
    int (*apic_idle)(void *ctx, const uint32_t busy[8]);
    /* 1 if a device can still interrupt the CPU without the guest doing
     * anything (an armed timer behind an unmasked line).  A halt with
     * interrupts enabled ends the run when neither this nor the local
     * APIC's timer can wake it. */
    int (*can_wake)(void *ctx);
    /* The vectors the interrupt controllers scout runs could deliver now
     * (the 8259 pair's two blocks of eight): bit v of out. */
    void (*vectors)(void *ctx, uint64_t out[4]);
};
void vm_set_io(struct vm *vm, const struct vm_io_ops *ops, void *ctx);
/* A store outside RAM that scout makes for the guest (an emulated
 * instruction's), delivered as the CPU's would be: to the I/O handler, in
 * pieces of at most 8 bytes.  0, or -1 (nothing handles it). */
int vm_mmio_write(struct vm *vm, uint64_t gpa, const void *data, size_t len);
/* A write into guest RAM that a device makes for the guest (DMA): through
 * the hook when one is set (the enforcement layer's write check: a device
 * may write over scanned code), else straight into RAM.  0, or -1
 * (outside RAM, or the hook failed). */
typedef int (*vm_device_write_fn)(void *ctx, uint64_t gpa, const void *buf, size_t len);
void vm_set_device_write_hook(struct vm *vm, vm_device_write_fn fn, void *ctx);
int  vm_device_write(struct vm *vm, uint64_t gpa, const void *buf, size_t len);

/* The physical memory map every guest is told about (multiboot mmap,
 * fw_cfg etc/e820, the BIOS's E820): RAM below the EBDA, the EBDA and the
 * BIOS area 0xE0000-0xFFFFF (ACPI tables, ROM) reserved, RAM from 1 MiB to
 * the reserved region, the reserved region, and the MMIO holes of the
 * IOAPIC, the local APIC and the BIOS flash.  Returns the entry count
 * (at most VM_MAP_MAX), ascending. */
#define VM_MAP_MAX 8
enum { VM_MAP_RAM = 1, VM_MAP_RESERVED = 2 };
struct vm_map_entry { uint64_t base, len; uint32_t type; };
unsigned vm_memory_map(const struct vm *vm, struct vm_map_entry *out);
#define VM_EBDA_BASE    0x9fc00u
#define VM_BIOS_AREA    0xe0000u      /* to 1 MiB: read-only memory and firmware tables */
#define VM_IOAPIC_BASE  0xfec00000u
#define VM_LAPIC_BASE   0xfee00000u

/* ══ interrupts and time (intr.c) ════════════════════════════════════
 * KVM's local APIC (KVM_CAP_SPLIT_IRQCHIP): its registers, timer and
 * interrupt delivery are in the kernel, while every port access still
 * exits to scout -- the full KVM_CREATE_IRQCHIP would take OUT DX,AL for
 * the PIC/PIT ports itself and swallow scout's 1-byte traps.  The 8259,
 * 8254 and IOAPIC are scout's devices: the PIC's vector goes in through
 * KVM_INTERRUPT when the vCPU is ready (or an interrupt-window exit is
 * requested), the IOAPIC's through vm_signal_msi.  A timer signal makes
 * KVM_RUN return for the devices' deadlines, and now and then to look for
 * a halt nothing can end (HLT blocks inside KVM with its APIC there). */

/* This host's KVM (kvm_pvm) ends an interrupt early: at the first exit
 * after it delivered one, the next KVM_RUN reports the vector's EOI
 * (KVM_EXIT_IOAPIC_EOI, the APIC's in-service bit cleared) before the
 * handler made it.  Raw, that exit is one the guest makes itself (its
 * port I/O, its MMIO); enforced, the first exit is scout's guard on the
 * handler's entry, and a level-triggered line still up would be
 * delivered again.  The enforcement calls this at that guard: an EOI
 * reported by the next exit is held and given to the IOAPIC after the
 * guest's next exit of its own (device I/O or MMIO, a halt, a kick once
 * it has been held 10 ms), where raw KVM would have reported it. */
void vcpu_hold_eoi(struct vcpu *cpu);
/* Now, in ns (CLOCK_MONOTONIC): the devices' clock. */
uint64_t vm_now(void);
/* An MSI (the IOAPIC's delivery): 0, or -1. */
int vm_signal_msi(struct vm *vm, uint32_t addr, uint32_t data);
/* vm_io_ops.vectors, or none. */
void vm_intr_vectors(const struct vm *vm, uint64_t out[4]);
/* The IOAPIC's pins as MSI routes (GSI = pin), so the local APIC reports
 * the EOI of a level-triggered one (the eoi callback).  0, or -1. */
int vm_set_msi_routes(struct vm *vm, unsigned n, const uint32_t *addr, const uint32_t *data);
/* HLT, done for the guest (the enforcement layer emulates it): RIP must
 * already be past it.  The vCPU waits for an interrupt inside KVM; the run
 * ends at once if nothing can wake it.  0, or -1. */
int vcpu_halt(struct vcpu *cpu);
/* STI's interrupt shadow for the next instruction (after an emulated STI
 * that set IF): no interrupt before it runs. */
void vcpu_set_sti_shadow(struct vcpu *cpu);
/* After a KVM_EXIT_SHUTDOWN that is to be run again (an interrupt frame
 * KVM could not push into a read-only page): the interrupt whose delivery
 * failed is delivered again by the next run -- the PIC's vector this run
 * injected, or else the local APIC's in-service vector KVM was delivering
 * (its highest ISR bit, when that is the vector KVM last injected).
 * Returns the vector, or -1 (none was lost: an exception, which the
 * instruction raises again). */
int vcpu_redeliver_interrupt(struct vcpu *cpu);
/* An interrupt the local APIC already gave the vCPU (it reached the
 * monitor's IDT instead of the guest's) is delivered with the next
 * KVM_RUN, through the IDT the vCPU has then. */
void vcpu_inject_interrupt(struct vcpu *cpu, uint8_t vector);

/* Builds the system structures in the reserved region and sets the vCPU
 * for `mode` at `cpl` (3 only with VM_MODE_LONG64): flat segments, and for
 * long mode 4-level identity-mapped page tables covering RAM (user bit set
 * except on the reserved region) and the devices' last 32 MiB below 4 GiB
 * (supervisor, uncached), IOPL 3 at CPL 3.  An IDT of reporting
 * stubs is installed for prot32 and long64.  Real mode: CS:IP from entry
 * (CS = entry >> 4 & 0xF000 when entry > 0xFFFF).  stack 0 = default
 * (reserved base in prot32/long64, 0x7C00 in real mode). */
int vm_boot_cpu(struct vm *vm, enum vm_mode mode, int cpl, uint64_t entry,
                uint64_t stack, char *err, size_t errlen);
/* --deprivilege: the devices' MMIO below 4 GiB reachable at CPL 3 (boot.c). */
int vm_boot_user_mmio(struct vm *vm);
/* --deprivilege: 64-bit gates to the stubs for every vector, none callable
 * from CPL 3, whatever the boot mode built; its base, 0 on error. */
uint64_t vm_monitor_idt64(struct vm *vm);

/* ══ the vCPU ═════════════════════════════════════════════════════════ */

/* Counters: what KVM did for us, and what it cost in ioctls. */
#define VCPU_STATS_REASONS 64
struct vcpu_stats {
    uint64_t runs;                      /* KVM_RUN calls (incl. completion runs) */
    uint64_t exits[VCPU_STATS_REASONS]; /* by KVM exit reason (clamped) */
    uint64_t io_exits;
    uint64_t mmio_reads;                /* outside RAM */
    uint64_t mmio_writes;               /* all MMIO write exits */
    uint64_t protected_writes;          /* MMIO writes that hit a read-only page */
    uint64_t completion_runs;
    uint64_t ioctls;                    /* every vCPU ioctl, KVM_RUN included */
    uint64_t reg_ioctls;                /* KVM_GET/SET_(S)REGS, _VCPU_EVENTS, _MSRS */
    uint64_t kicks;                     /* KVM_RUN returns for a signal (timer, stop request) */
    uint64_t injected;                  /* PIC vectors injected (KVM_INTERRUPT) */
    uint64_t halt_checks;               /* KVM_GET_MP_STATE after a kick */
};
const struct vcpu_stats *vcpu_get_stats(const struct vcpu *cpu);
struct vm *vcpu_vm(struct vcpu *cpu);

/* vCPU state, cached: read once per exit (from KVM_CAP_SYNC_REGS where the
 * host has it, else one GET ioctl each), written back before the next
 * KVM_RUN only when changed.  0 or -1. */
int vcpu_get_regs(struct vcpu *cpu, struct kvm_regs *r);
int vcpu_set_regs(struct vcpu *cpu, const struct kvm_regs *r);
int vcpu_get_sregs(struct vcpu *cpu, struct kvm_sregs *s);
int vcpu_set_sregs(struct vcpu *cpu, const struct kvm_sregs *s);
/* Drops the guest's cached translations (the guest's TLB) before it runs again. */
int vcpu_flush_tlb(struct vcpu *cpu);
int vcpu_code_size(struct vcpu *cpu);   /* 16, 32 or 64 (x86_code_size); -1 on error */
int vcpu_cpl(struct vcpu *cpu);         /* 0..3; -1 on error */
/* One model-specific register (KVM_GET_MSRS).  0, or -1. */
int vcpu_get_msr(struct vcpu *cpu, uint32_t index, uint64_t *value);
int vcpu_inject_exception(struct vcpu *cpu, unsigned vector, int has_error, uint32_t error);
/* DR6 |= bits (a #DB scout raises says why, as the CPU's would). */
int vcpu_set_dr6_bits(struct vcpu *cpu, uint64_t bits);
/* Multi-line register dump (x86_format_state of the current state). */
void vcpu_format_state(struct vcpu *cpu, char *buf, size_t len);

/* ══ the run loop ═════════════════════════════════════════════════════ */

enum vm_hook_result { VM_HOOK_PASS /* let the monitor handle it */, VM_HOOK_HANDLED /* resume */, VM_HOOK_STOP };

/* Clients (the enforcement layer) see exits before the devices do. */
struct vm_hooks {
    void *ctx;
    /* every KVM_EXIT_IO, before device dispatch; rip as KVM reports it.
     * data holds count * size bytes (fill it for IN).  A hook that changes
     * RIP must call vcpu_complete_io() (or vcpu_out_handled()) first. */
    enum vm_hook_result (*io)(void *ctx, struct vcpu *cpu, uint16_t port, int out,
                              int size, uint32_t count, void *data);
    /* a guest write to a page that is read-only to KVM (KVM_EXIT_MMIO write
     * with exact gpa/len/data; KVM did not write).  PASS: the monitor applies
     * the write to guest RAM itself. */
    enum vm_hook_result (*protected_write)(void *ctx, struct vcpu *cpu, uint64_t gpa,
                                           const void *data, unsigned len);
    /* after every exit has been handled, i.e. before the next KVM_RUN
     * re-entry (for invariant checks / re-arming) */
    void (*after_exit)(void *ctx, struct vcpu *cpu, uint32_t exit_reason);
    /* KVM_EXIT_INTERNAL_ERROR with an emulation failure: RIP is on the
     * instruction and nothing of it happened.  HANDLED: run again (the hook
     * changed something); PASS: the run stops with the error. */
    enum vm_hook_result (*emulation_failure)(void *ctx, struct vcpu *cpu);
    /* KVM_EXIT_SHUTDOWN (a triple fault, or an exception frame KVM could
     * not push into a read-only page): HANDLED: run again. */
    enum vm_hook_result (*shutdown)(void *ctx, struct vcpu *cpu);
    /* The guest reached one of the monitor's exception stubs (the vector
     * and the CPU's frame are on the monitor's stack), before it is
     * reported: HANDLED, the hook made the vCPU go on (it completes the
     * stub's OUT itself); PASS, reported as a guest exception. */
    enum vm_hook_result (*stub)(void *ctx, struct vcpu *cpu);
};

/* KVM_RUN with immediate_exit = 1 to complete a pending I/O (DESIGN §3):
 * afterwards RIP is past the IN/OUT on every host and may be changed.  A
 * no-op when nothing is pending.  Completing may lead straight to another
 * exit of the same instruction -- the next piece of a store KVM splits
 * (more than 8 bytes, or across a page), the next iteration of a REP
 * string instruction: then vcpu_exit_pending() is 1, and the run loop
 * handles that exit next (hooks see every piece; after_exit waits for the
 * instruction's last exit). */
void vcpu_complete_io(struct vcpu *cpu);
int  vcpu_exit_pending(const struct vcpu *cpu);
/* After an exit for a one-byte OUT, KVM may still have to move RIP past
 * it (at the next KVM_RUN).  What the host needs, from the probe: a
 * completion run after every OUT (the default); one only when the guest
 * goes on at the OUT itself (hardware KVM: the skip is made only while
 * RIP is still there); none (kvm_pvm: RIP is past the OUT at the exit and
 * nothing is left).  A completion run costs a whole KVM_RUN. */
enum vcpu_out_completion { VCPU_OUT_COMPLETE_ALWAYS, VCPU_OUT_COMPLETE_AT_OUT, VCPU_OUT_COMPLETE_NEVER };
void vcpu_set_out_completion(struct vcpu *cpu, enum vcpu_out_completion how);
/* The client handled this OUT exit itself and sets RIP where the guest
 * goes on: completes it now, before the next KVM_RUN, or not at all, as
 * the host needs.  out_linear is the OUT's linear address. */
void vcpu_out_handled(struct vcpu *cpu, uint64_t out_linear);

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
int vcpu_run(struct vcpu *cpu, const struct vm_hooks *hooks, struct vm_stop *stop);
/* async-signal-safe: sets immediate_exit, makes vcpu_run return `why`
 * (VM_STOP_TIMEOUT, VM_STOP_INTERRUPTED, VM_STOP_HOOK, or a caller's own) */
void vcpu_request_stop(struct vcpu *cpu, int why);
/* Withdraws a pending request for `why` (one the run ended without). */
void vcpu_cancel_stop(struct vcpu *cpu, int why);
const char *vm_stop_name(int why);
/* A guest exception's message line from stop's vector, error, rip and cr2. */
void vm_exception_message(struct vm_stop *stop);

/* ══ memory slots ═════════════════════════════════════════════════════
 * RAM starts as one slot; pages can be made read-only to KVM
 * (KVM_MEM_READONLY) one 4 KiB page at a time, which splits slots;
 * unprotecting merges neighbours back.  Slots are always maximal runs of
 * pages with the same protection.  The budget is KVM_CAP_NR_MEMSLOTS (or
 * vm_config.max_memslots).  Guest stores to a protected page arrive as
 * KVM_EXIT_MMIO writes (KVM did not write); see the protected_write hook. */
int memslot_protect(struct vm *vm, uint64_t page_gpa);    /* 0; -1 errno=ENOSPC (out of slots), EINVAL (not RAM / unaligned), or the ioctl's errno */
int memslot_unprotect(struct vm *vm, uint64_t page_gpa);  /* 0 or -1 */
int memslot_is_protected(struct vm *vm, uint64_t page_gpa); /* 1, 0, or -1 (not RAM) */
size_t memslot_count(struct vm *vm);                      /* slots in use */
size_t memslot_limit(struct vm *vm);
uint64_t memslot_ioctls(struct vm *vm);                   /* KVM_SET_USER_MEMORY_REGION calls so far */
/* KVM drops every translation it built from guest page tables before the
 * vCPU runs again (scout rewrote some through its own mapping, which KVM
 * does not see; a TLB flush does not make it look again). */
void memslot_zap(struct vm *vm);

/* ══ guest memory ═════════════════════════════════════════════════════
 * The ONE place guest memory is accessed.  Every read or write of guest
 * RAM, by physical or linear address, is bounds-checked here.  All
 * functions return 0, or -1 (outside RAM / not mapped); they never crash on
 * any address or length. */
int gmem_read_phys(struct vm *vm, uint64_t gpa, void *buf, size_t len);
/* host-side write: works even on pages that are read-only to KVM */
int gmem_write_phys(struct vm *vm, uint64_t gpa, const void *buf, size_t len);
/* Page walk for the vCPU's current mode (from sregs): none, 32-bit (PSE),
 * PAE, 4-level.  Checks present bits, and writability when write != 0
 * (supervisor writes only when CR0.WP; at CPL 3 always).  No U/S check:
 * the debugger may look at supervisor pages. */
int gmem_translate(struct vm *vm, uint64_t linear, int write, uint64_t *gpa);
int gmem_read_linear(struct vm *vm, uint64_t linear, void *buf, size_t len);   /* may cross pages */
int gmem_write_linear(struct vm *vm, uint64_t linear, const void *buf, size_t len);

/* The pure page walker, usable on any memory (unit tests use a buffer). */
typedef int (*gmem_phys_reader)(void *ctx, uint64_t gpa, void *buf, size_t len);
struct gmem_paging {
    uint64_t cr0, cr3, cr4, efer;
    int cpl;            /* 3 = user access (write checks always honour R/W) */
};
enum gmem_walk_kind { GMEM_WALK_NONE, GMEM_WALK_32, GMEM_WALK_PAE, GMEM_WALK_4LEVEL, GMEM_WALK_UNSUPPORTED };
enum gmem_walk_kind gmem_walk_kind(const struct gmem_paging *pg);
int gmem_walk(gmem_phys_reader read, void *ctx, const struct gmem_paging *pg,
              uint64_t linear, int write, uint64_t *gpa);

/* ══ the host probe ═══════════════════════════════════════════════════
 * What the host's KVM can do, found with tiny throwaway VMs. */
enum probe_io_rip { PROBE_IO_RIP_UNKNOWN, PROBE_IO_RIP_AT_OUT, PROBE_IO_RIP_PAST_OUT };

struct probe_result {
    int api_version;
    int sw_breakpoints;     /* 1: KVM_GUESTDBG_USE_SW_BP gives KVM_EXIT_DEBUG on INT3 */
    int single_step;        /* 1: KVM_GUESTDBG_SINGLESTEP gives KVM_EXIT_DEBUG per instruction */
    enum probe_io_rip io_rip;
    int out_redirect;       /* after an OUT exit, RIP may be set elsewhere with no completion run */
    int out_done_at_exit;   /* ... and even back on the OUT: KVM has nothing left to do */
    int nr_memslots;        /* KVM_CAP_NR_MEMSLOTS */
    int readonly_mem;       /* KVM_CAP_READONLY_MEM */
    int immediate_exit;     /* KVM_CAP_IMMEDIATE_EXIT */
    int sync_regs;          /* KVM_CAP_SYNC_REGS covers regs, sregs and events */
    int split_irqchip;      /* KVM_CAP_SPLIT_IRQCHIP: KVM's local APIC with the PIC in user space (required) */
    int amd_branches;       /* the host CPU takes 66-prefixed near branches in 64-bit mode as rel16 (AMD) */
    char vendor[13];        /* the host CPU's CPUID vendor */
    char sw_bp_detail[64], single_step_detail[64];
};

/* Opens /dev/kvm.  -1 with err = "cannot open /dev/kvm: ... — hint" */
int probe_open_kvm(char *err, size_t errlen);
/* 0 or -1 with err. */
int probe_host(struct probe_result *r, char *err, size_t errlen);
void probe_format(const struct probe_result *r, char *buf, size_t len);

#endif
