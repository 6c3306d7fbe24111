/* x86.h — scout's one x86 vocabulary: control-register, EFER and RFLAGS
 * bits, MSR numbers, segment descriptors and gates, vector names, the
 * register table (names, order, accessors, the one register dumper), the
 * "decode once" instruction type every user of Zydis shares, the code size
 * the CPU really decodes with, and the emulator (emul.c).  Pure C: no KVM
 * calls (it uses the kernel's struct kvm_regs/kvm_sregs as the register
 * file), no globals but the decoders it builds once. */
#ifndef SCOUT_MONITOR_X86_H
#define SCOUT_MONITOR_X86_H
#include <stddef.h>
#include <stdint.h>
#include <linux/kvm.h>
#include <Zydis/Zydis.h>

/* ── bits ──────────────────────────────────────────────────────────── */
#define X86_CR0_PE  (1ull << 0)
#define X86_CR0_MP  (1ull << 1)
#define X86_CR0_EM  (1ull << 2)
#define X86_CR0_TS  (1ull << 3)
#define X86_CR0_ET  (1ull << 4)
#define X86_CR0_NE  (1ull << 5)
#define X86_CR0_WP  (1ull << 16)
#define X86_CR0_AM  (1ull << 18)
#define X86_CR0_NW  (1ull << 29)
#define X86_CR0_CD  (1ull << 30)
#define X86_CR0_PG  (1ull << 31)

#define X86_CR4_VME        (1ull << 0)
#define X86_CR4_PVI        (1ull << 1)
#define X86_CR4_TSD        (1ull << 2)
#define X86_CR4_DE         (1ull << 3)
#define X86_CR4_PSE        (1ull << 4)
#define X86_CR4_PAE        (1ull << 5)
#define X86_CR4_PGE        (1ull << 7)
#define X86_CR4_OSFXSR     (1ull << 9)
#define X86_CR4_OSXMMEXCPT (1ull << 10)
#define X86_CR4_UMIP       (1ull << 11)
#define X86_CR4_LA57       (1ull << 12)
#define X86_CR4_FSGSBASE   (1ull << 16)
#define X86_CR4_PCIDE      (1ull << 17)
#define X86_CR4_OSXSAVE    (1ull << 18)
#define X86_CR4_SMEP       (1ull << 20)
#define X86_CR4_SMAP       (1ull << 21)
#define X86_CR4_PKE        (1ull << 22)
#define X86_CR4_CET        (1ull << 23)
#define X86_CR4_PKS        (1ull << 24)

#define X86_EFER_SCE (1ull << 0)
#define X86_EFER_LME (1ull << 8)
#define X86_EFER_LMA (1ull << 10)
#define X86_EFER_NXE (1ull << 11)

#define X86_RFLAGS_CF   (1ull << 0)
#define X86_RFLAGS_FIXED (1ull << 1)
#define X86_RFLAGS_PF   (1ull << 2)
#define X86_RFLAGS_AF   (1ull << 4)
#define X86_RFLAGS_ZF   (1ull << 6)
#define X86_RFLAGS_SF   (1ull << 7)
#define X86_RFLAGS_TF   (1ull << 8)
#define X86_RFLAGS_IF   (1ull << 9)
#define X86_RFLAGS_DF   (1ull << 10)
#define X86_RFLAGS_OF   (1ull << 11)
#define X86_RFLAGS_IOPL (3ull << 12)
#define X86_RFLAGS_NT   (1ull << 14)
#define X86_RFLAGS_RF   (1ull << 16)
#define X86_RFLAGS_VM   (1ull << 17)
#define X86_RFLAGS_AC   (1ull << 18)
#define X86_RFLAGS_VIF  (1ull << 19)
#define X86_RFLAGS_VIP  (1ull << 20)
#define X86_RFLAGS_ID   (1ull << 21)

#define X86_MSR_SYSENTER_CS   0x174u
#define X86_MSR_SYSENTER_ESP  0x175u
#define X86_MSR_SYSENTER_EIP  0x176u
#define X86_MSR_APIC_BASE     0x1bu
#define X86_MSR_EFER          0xC0000080u
#define X86_MSR_STAR          0xC0000081u
#define X86_MSR_LSTAR         0xC0000082u
#define X86_MSR_CSTAR         0xC0000083u
#define X86_MSR_SFMASK        0xC0000084u
#define X86_MSR_FS_BASE       0xC0000100u
#define X86_MSR_GS_BASE       0xC0000101u
#define X86_MSR_KERNEL_GS_BASE 0xC0000102u

/* Page-table entry bits (all paging forms). */
#define X86_PTE_P   (1ull << 0)
#define X86_PTE_RW  (1ull << 1)
#define X86_PTE_US  (1ull << 2)
#define X86_PTE_A   (1ull << 5)
#define X86_PTE_D   (1ull << 6)
#define X86_PTE_PS  (1ull << 7)
#define X86_PTE_PWT (1ull << 3)
#define X86_PTE_PCD (1ull << 4)
#define X86_PTE_PAT_4K    (1ull << 7)      /* in a 4 KiB leaf; PS's place */
#define X86_PTE_PAT_LARGE (1ull << 12)     /* in a 2 MiB or 1 GiB leaf */
#define X86_PTE_XD  (1ull << 63)
#define X86_PTE_ADDR 0x000ffffffffff000ull

/* ── vectors ───────────────────────────────────────────────────────── */
enum { X86_VEC_DE = 0, X86_VEC_DB = 1, X86_VEC_NMI = 2, X86_VEC_BP = 3, X86_VEC_OF = 4,
       X86_VEC_BR = 5, X86_VEC_UD = 6, X86_VEC_NM = 7, X86_VEC_DF = 8, X86_VEC_TS = 10,
       X86_VEC_NP = 11, X86_VEC_SS = 12, X86_VEC_GP = 13, X86_VEC_PF = 14, X86_VEC_MF = 16,
       X86_VEC_AC = 17, X86_VEC_MC = 18, X86_VEC_XM = 19 };
const char *x86_vector_name(unsigned vector);       /* "#GP", "NMI", "interrupt" (>= 32) */
int x86_vector_has_error(unsigned vector);          /* the CPU pushes an error code */

/* ── descriptors and gates ─────────────────────────────────────────── */
struct x86_desc {               /* a GDT/LDT entry, decoded */
    uint64_t base;              /* 16-byte system descriptors in long mode: all 64 bits */
    uint32_t limit;             /* in bytes - 1 (granularity applied) */
    uint8_t type, s, dpl, present, avl, l, db, g;
};
/* raw: 8 bytes, little endian (the high 8 of a 16-byte system descriptor
 * go in raw_hi, else 0). */
void x86_desc_decode(uint64_t raw, uint64_t raw_hi, struct x86_desc *d);
/* Fills a KVM segment register from a selector and its descriptor. */
void x86_desc_to_seg(const struct x86_desc *d, uint16_t sel, struct kvm_segment *s);
int  x86_desc_is_code(const struct x86_desc *d);   /* s=1 and type bit 3 */

struct x86_gate {               /* an IDT gate (or a call gate) */
    uint64_t offset;
    uint16_t selector;
    uint8_t type, dpl, present, ist;
};
/* raw: 8 bytes (legacy) or 16 bytes (long mode, lm != 0). */
void x86_gate_decode(const uint8_t *raw, int lm, struct x86_gate *g);
#define X86_GATE_TASK    0x5u
#define X86_GATE_INT16   0x6u
#define X86_GATE_TRAP16  0x7u
#define X86_GATE_CALL32  0xCu   /* also the 64-bit call gate in long mode */
#define X86_GATE_INT32   0xEu   /* also the 64-bit interrupt gate */
#define X86_GATE_TRAP32  0xFu
int  x86_gate_is_int_or_trap(unsigned type);

/* ── modes ─────────────────────────────────────────────────────────── */
/* The code size the CPU decodes with: 16, 32 or 64, from CR0.PE, EFER.LMA,
 * RFLAGS.VM, CS.L and CS.D exactly as the CPU uses them (a real-mode CS
 * whose cached D bit is set -- "big real" -- decodes 32-bit code). */
int x86_code_size(const struct kvm_regs *r, const struct kvm_sregs *s);
/* The current privilege level: 0 in real mode, 3 in virtual-8086 mode,
 * else CS.RPL as KVM keeps it (SS.DPL on hosts where CS is not loaded). */
int x86_cpl(const struct kvm_regs *r, const struct kvm_sregs *s);
static inline int x86_long_mode(const struct kvm_sregs *s) { return (s->efer & X86_EFER_LMA) != 0; }
/* Linear address of CS:IP in the given code size (64: IP is linear). */
uint64_t x86_cs_linear(const struct kvm_sregs *s, int code_size, uint64_t ip);

/* ── registers ─────────────────────────────────────────────────────── */
/* The general registers in encoding order (Zydis ids, ModRM numbers). */
enum x86_gpr { X86_RAX, X86_RCX, X86_RDX, X86_RBX, X86_RSP, X86_RBP, X86_RSI, X86_RDI,
               X86_R8, X86_R9, X86_R10, X86_R11, X86_R12, X86_R13, X86_R14, X86_R15 };
void x86_gprs_get(const struct kvm_regs *r, uint64_t v[16]);
void x86_gprs_set(struct kvm_regs *r, const uint64_t v[16]);
uint64_t *x86_gpr_ptr(struct kvm_regs *r, unsigned index);   /* NULL if index > 15 */

/* The register table every front end shows and parses: name, and how to
 * read and write it in a (regs, sregs) pair.  Order: the display order
 * (rax rbx rcx rdx rsi rdi rbp rsp r8-r15 rip rflags, segments, control). */
enum x86_reg_kind { X86_REG_GPR, X86_REG_RIP, X86_REG_RFLAGS, X86_REG_SEG, X86_REG_CR,
                    X86_REG_EFER, X86_REG_DTBASE, X86_REG_SEGBASE };
struct x86_reg_info {
    const char *name;
    enum x86_reg_kind kind;
    unsigned index;             /* GPR number, segment/CR number, ... */
    unsigned bits;              /* width shown */
    int writable;               /* a debugger may set it */
};
size_t x86_reg_count(void);
const struct x86_reg_info *x86_reg_at(size_t i);
/* By name, case-insensitive; accepts aliases (pc = rip, eflags = rflags,
 * eax..r15d and ax..r15w and al..r15b as parts of a GPR).  NULL if none.
 * *shift and *width (may be NULL) say which bits of the register. */
const struct x86_reg_info *x86_reg_find(const char *name, unsigned *shift, unsigned *width);
uint64_t x86_reg_get(const struct x86_reg_info *ri, const struct kvm_regs *r, const struct kvm_sregs *s);
/* 0, or -1 (not writable). */
int x86_reg_set(const struct x86_reg_info *ri, struct kvm_regs *r, struct kvm_sregs *s, uint64_t v);
/* The one multi-line register dump (GPRs, rip, rflags, segments, control). */
void x86_format_state(const struct kvm_regs *r, const struct kvm_sregs *s, char *buf, size_t len);
/* "CF ZF IF ..." for the set flags. */
void x86_format_flags(uint64_t rflags, char *buf, size_t len);

/* ── decode once ───────────────────────────────────────────────────── */
/* One decoded instruction: the full Zydis decode, done once per exit and
 * shared by enforcement, the emulator and disassembly.  amd_branches:
 * decode 66-prefixed near branches in 64-bit mode the AMD way (rel16, IP
 * truncated), as the host CPU that will run them does. */
struct x86_insn {
    ZydisDecodedInstruction zi;
    ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
    uint8_t bytes[ZYDIS_MAX_INSTRUCTION_LENGTH];
    unsigned nbytes;            /* bytes available (>= zi.length when ok) */
    int code_size;              /* 16, 32, 64 */
    int amd_branches;
    int ok;                     /* decoded */
};
/* 0, or -1 (undecodable: insn->ok = 0). */
int x86_decode(struct x86_insn *insn, int code_size, int amd_branches,
               const uint8_t *bytes, size_t nbytes);
/* A Zydis decoder for a code size, built once (minimal or full mode). */
const ZydisDecoder *x86_decoder(int code_size, int amd_branches, int minimal);
/* Intel-syntax text of a decoded instruction at a runtime address;
 * compact: no zero padding of addresses, displacements and immediates
 * (narrow panes).  0, or -1 ("(bad)" in buf unless Zydis is unusable). */
int x86_format_insn(const struct x86_insn *insn, uint64_t address, int compact, char *buf, size_t len);

/* ── The emulator (emul.c): exact emulation of the control-flow and flag/stack
 * sensitive instructions the monitor virtualizes (scan-before-execute:
 * a virtualized instruction's first byte is a trap; when the guest hits it
 * the monitor calls x86_emul_step with the ORIGINAL bytes).
 *
 * Pure C: no KVM, no globals. Guest memory is reached only through the
 * caller's checked accessors in struct x86_emul_mem. All guest bytes and
 * state are untrusted: nothing here aborts or prints; errors are returned.
 *
 * Emulated exactly, in 16-, 32- and 64-bit code:
 *   JMP rel8/rel16/rel32, Jcc (all 16 conditions), CALL rel16/rel32,
 *   LOOP/LOOPE/LOOPNE, JCXZ/JECXZ/JRCXZ,
 *   RET, RET imm16 (near),
 *   JMP/CALL near indirect through a register or memory (ModRM/SIB/disp,
 *   RIP-relative, segment defaults and overrides),
 *   PUSHF/PUSHFD/PUSHFQ, POPF/POPFD/POPFQ, CLI, STI, PUSHA/PUSHAD (one
 *   write of the whole frame: KVM would report only the last of its stores
 *   into a read-only page).
 * Everything else (far branches, IRET, INT, ...) → X86_EMUL_UNSUPPORTED;
 * the monitor then executes the instruction in place natively
 * (x86_emul_successors tells it where the instruction may go).
 *
 * Semantics chosen where the CPU vendors differ or state is not modelled:
 *   - A 66 prefix (without REX.W) on a near branch in 64-bit mode is
 *     vendor-dependent: Intel ignores it, AMD honours it (16-bit operand
 *     size, 2-byte push/pop, IP truncated to 16 bits, and rel16 instead of
 *     rel32 for E8/E9/0F 8x, so even the length differs).  cpu->amd_branches
 *     says which the host CPU does, and the instruction is decoded and
 *     emulated that way.
 *   - IP wraps as the CPU wraps it: at 64 KiB in 16-bit code.  A target or
 *     fall-through beyond a known CS limit (cs_limit) is left to the CPU
 *     (#GP).
 *   - In real mode, far JMP/CALL (pointer or memory), far RET, IRET, INT n,
 *     INT3 and INTO are emulated (CS reloads as selector * 16, cs_changed).
 *     In protected and long mode they are not emulated, but their
 *     successor is computed from the descriptor tables: code segments, call
 *     gates, interrupt and trap gates (task gates and task switches: 0).
 *   - Segment limits, CS limit checks and canonical checks of data
 *     addresses are not modelled. A branch whose target is not canonical
 *     in 64-bit mode returns UNSUPPORTED so the CPU raises the #GP itself.
 *   - A memory/stack access that would wrap around the end of its 16-bit
 *     (or 32-bit) offset space (e.g. a word push with SP=1) returns
 *     UNSUPPORTED: the real CPU faults (#SS/#GP) and does that better.
 *   - RF is cleared in rflags after every emulated instruction (the CPU
 *     clears it when an instruction completes). Single-step (TF) traps and
 *     STI's interrupt shadow are NOT modelled: the caller must handle TF and
 *     must not inject an interrupt right after an emulated STI if it cares.
 *   - CLI/STI/POPF use cpu->cpl and IOPL (protected mode, no VME/PVI, no
 *     virtual-8086 mode): CLI/STI with CPL > IOPL → UNSUPPORTED (the CPU
 *     raises #GP when run natively). POPF: at CPL 0 (or real mode, cpl=0)
 *     IOPL and IF are writable; at CPL > 0 IOPL is kept, and IF is kept when
 *     CPL > IOPL. VM, VIF, VIP are never changed by POPF; RF is cleared;
 *     bit 1 is forced to 1 and reserved bits (3, 5, 15, 22..63) to 0.
 *     A 16-bit POPF changes only bits 15..0.
 *   - The write callback must be all-or-nothing: on -1 it wrote nothing.
 *     Each emulated instruction performs at most one (contiguous) write,
 *     after all reads.
 *     fault_addr is the linear START of the failed access (not refined to
 *     the faulting page for page-crossing accesses); fault_write says which.
 */

enum x86_emul_seg { X86_EMUL_ES, X86_EMUL_CS, X86_EMUL_SS, X86_EMUL_DS,
                     X86_EMUL_FS, X86_EMUL_GS };

struct x86_emul_cpu {          /* what the emulator reads and updates */
    uint64_t gpr[16];           /* rax, rcx, rdx, rbx, rsp, rbp, rsi, rdi, r8..r15 (encoding order) */
    uint64_t rip;               /* offset within CS (in 64-bit mode: linear) */
    uint64_t rflags;
    uint64_t seg_base[6];       /* es, cs, ss, ds, fs, gs; linear = base + offset.
                                   64-bit mode: only fs/gs bases are applied */
    uint16_t cs_sel;            /* CS selector (far transfers push it; real mode reloads it) */
    uint32_t cs_limit;          /* CS limit outside 64-bit mode (0: not checked) */
    int mode;                   /* 16, 32, 64: code size (CS.D / CS.L / real mode) */
    int stack_size;             /* 16, 32, 64: SS.B / 64-bit */
    int cpl;                    /* 0..3; 0 in real mode (zero-init = CPL 0) */
    int real_mode;              /* 1: CR0.PE=0: far transfers and INT are emulated */
    int amd_branches;           /* the host CPU takes 66-prefixed near branches in 64-bit mode as rel16 */
    /* descriptor tables, for the successors of far transfers, IRET and INT
     * in protected and long mode (linear bases, limits as in GDTR/IDTR) */
    int lma;                    /* EFER.LMA */
    uint64_t gdt_base, ldt_base, idt_base;
    uint32_t gdt_limit, ldt_limit, idt_limit;
    int ldt_usable;
    int cs_changed;             /* out: x86_emul_step reloaded CS (real mode: selector and base) */
};

struct x86_emul_mem {          /* guest linear memory, through the monitor's checked page walk */
    void *ctx;
    int (*read)(void *ctx, uint64_t linear, void *buf, size_t len);        /* 0 or -1 (#PF) */
    int (*write)(void *ctx, uint64_t linear, const void *buf, size_t len); /* 0 or -1, atomic */
};

enum x86_emul_result {
    X86_EMUL_DONE,             /* cpu (and memory) updated */
    X86_EMUL_UNSUPPORTED,      /* nothing changed; caller steps the instruction in place */
    X86_EMUL_FAULT,            /* memory access failed: fault_addr set; nothing changed */
};

struct x86_emul_info {
    const char *mnemonic;       /* Zydis mnemonic ("jnz", "call", ...), "" if undecodable */
    const char *how;            /* short description: "jcc taken", "call rel", "ret imm16",
                                   "jmp [mem]", "pushf", ... or why unsupported */
    unsigned length;            /* instruction length, 0 if undecodable */
    int has_target;             /* 1 if a branch target was computed */
    uint64_t target;            /* the new IP (offset within CS) the branch computed */
    int taken;                  /* 1 if the branch was taken (always 1 for unconditional) */
    uint64_t fault_addr;        /* X86_EMUL_FAULT: linear start address of the failed access */
    int fault_write;            /* X86_EMUL_FAULT: 1 if the failed access was a write */
};

/* Decodes the instruction (bytes = the ORIGINAL bytes at cpu->rip, nbytes may
 * exceed its length) and emulates it exactly as the CPU would. On
 * UNSUPPORTED and FAULT neither cpu nor memory is changed. info may be NULL. */
enum x86_emul_result x86_emul_step(struct x86_emul_cpu *cpu, const struct x86_emul_mem *mem,
                                     const uint8_t *bytes, size_t nbytes,
                                     struct x86_emul_info *info);
/* The same for an instruction x86_decode() decoded (in cpu->mode): not
 * decoded again. */
enum x86_emul_result x86_emul_step_insn(struct x86_emul_cpu *cpu, const struct x86_emul_mem *mem,
                                          const struct x86_insn *insn, struct x86_emul_info *info);

/* Successor LINEAR addresses of the instruction at cpu->rip, without
 * changing any state (reads guest memory for RET/indirect targets).
 * Linear = seg_base[CS] + IP (wrapped to 32 bits outside 64-bit mode; in
 * 64-bit mode the IP itself). Returns the count 0..2:
 *   - ordinary instructions: 1, the fall-through;
 *   - Jcc/LOOPcc/JCXZ: 2, fall-through first then target (1 if equal),
 *     whatever the flags/count say (either may be the one taken);
 *   - JMP/CALL rel, RET, near indirect JMP/CALL: 1, the target from the
 *     current state (0 if the memory read fails or the target is invalid);
 *   - far JMP/CALL (ptr or m16:xx), far RET, IRET: 1, the target: in real
 *     mode selector*16 + offset; in protected and long mode through the
 *     descriptor tables (code segment or call gate); 0 for task switches,
 *     unreadable or not-present descriptors (the CPU faults: #GP/#NP);
 *   - INT n, INT3, INTO with OF=1: 1, the handler (IVT, or an interrupt or
 *     trap gate; 0 for task gates); INTO with OF=0: the fall-through;
 *   - UD0/UD1/UD2, INT1: 0 (they always raise an exception);
 *   - SYSCALL/SYSENTER/SYSRET/SYSEXIT, RSM, VMCALL and similar, task
 *     switches (a TSS or task gate; IRET with NT), undecodable or truncated
 *     bytes: -1, the successor cannot be known here.
 * 0 also when the instruction can only fault: a target or stack read
 * that faults, a non-canonical target or one beyond the CS limit, a bad
 * or not-present descriptor or gate (the CPU raises #PF/#GP/#NP/#SS, and
 * the exception's handler is where it goes). */
int x86_emul_successors(const struct x86_emul_cpu *cpu, const struct x86_emul_mem *mem,
                         const uint8_t *bytes, size_t nbytes, uint64_t out[2]);

/* Where code goes through a far pointer or an interrupt vector, as the CPU
 * finds it: the linear address, the code size of the segment (16, 32, 64)
 * and its base. */
struct x86_target { uint64_t linear; int bits; uint64_t cs_base; uint16_t selector; };
/* The handler of an interrupt vector: IVT in real mode, else an interrupt
 * or trap gate of the IDT.  0, -2 (a task gate: t->selector is its TSS
 * selector), or -1 (outside the table, not present, a bad code segment). */
/* Whether a 64-bit address is canonical: 48-bit, or 57-bit with LA57. */
int x86_canonical(uint64_t a, int la57);
int x86_emul_vector(const struct x86_emul_cpu *cpu, const struct x86_emul_mem *mem, unsigned vector,
                    struct x86_target *t);
/* The target of selector:offset (a code segment, or a call gate when
 * gates != 0).  0, -2 (a TSS or task gate: a task switch), or -1. */
int x86_emul_far_target(const struct x86_emul_cpu *cpu, const struct x86_emul_mem *mem, uint16_t sel,
                        uint64_t off, int gates, struct x86_target *t);

/* Where a task switch to a TSS selector (or through a task gate) resumes:
 * the new task's CS:EIP from its 32-bit TSS (through its own LDT), and the
 * CR3 it runs under (the target is translated with it), and where its TSS
 * is (tss_base: the CPU reads it at every switch).  0 or -1 (not a
 * present TSS or task gate, a 16-bit TSS, a bad CS: the switch faults).
 * The TSS and descriptors are read through the current paging, as the CPU
 * reads them before it switches CR3. */
int x86_emul_task_target(const struct x86_emul_cpu *cpu, const struct x86_emul_mem *mem, uint16_t sel,
                         struct x86_target *t, uint32_t *cr3, uint64_t *tss_base);

#endif
