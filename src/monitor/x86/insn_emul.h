/* insn_emul.h — exact emulation of the control-flow and flag/stack
 * sensitive instructions the monitor virtualizes (scan-before-execute:
 * a virtualized instruction's first byte is a trap; when the guest hits it
 * the monitor calls insn_emul_step with the ORIGINAL bytes).
 *
 * Pure C: no KVM, no globals. Guest memory is reached only through the
 * caller's checked accessors in struct insn_emul_mem. All guest bytes and
 * state are untrusted: nothing here aborts or prints; errors are returned.
 *
 * Emulated exactly, in 16-, 32- and 64-bit code:
 *   JMP rel8/rel16/rel32, Jcc (all 16 conditions), CALL rel16/rel32,
 *   LOOP/LOOPE/LOOPNE, JCXZ/JECXZ/JRCXZ,
 *   RET, RET imm16 (near),
 *   JMP/CALL near indirect through a register or memory (ModRM/SIB/disp,
 *   RIP-relative, segment defaults and overrides),
 *   PUSHF/PUSHFD/PUSHFQ, POPF/POPFD/POPFQ, CLI, STI.
 * Everything else (far branches, IRET, INT, ...) → INSN_EMUL_UNSUPPORTED;
 * the monitor then executes the instruction in place natively
 * (insn_emul_successors tells it where the instruction may go).
 *
 * Semantics chosen where the CPU vendors differ or state is not modelled:
 *   - A 66 prefix (without REX.W) on a near branch in 64-bit mode is
 *     vendor-dependent: Intel ignores it, AMD honours it (16-bit operand
 *     size, 2-byte push/pop, IP truncated to 16 bits, and rel16 instead of
 *     rel32 for E8/E9/0F 8x, so even the length differs; Zydis decodes the
 *     Intel way). Such instructions → UNSUPPORTED, successors 0. With REX.W
 *     both vendors use 64 bits and the instruction is emulated.
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
 *     Each emulated instruction performs at most one write, after all reads.
 *     fault_addr is the linear START of the failed access (not refined to
 *     the faulting page for page-crossing accesses); fault_write says which.
 */
#ifndef SCOUT_MONITOR_INSN_EMUL_H
#define SCOUT_MONITOR_INSN_EMUL_H
#include <stddef.h>
#include <stdint.h>

enum insn_emul_seg { INSN_EMUL_ES, INSN_EMUL_CS, INSN_EMUL_SS, INSN_EMUL_DS,
                     INSN_EMUL_FS, INSN_EMUL_GS };

struct insn_emul_cpu {          /* what the emulator reads and updates */
    uint64_t gpr[16];           /* rax, rcx, rdx, rbx, rsp, rbp, rsi, rdi, r8..r15 (encoding order) */
    uint64_t rip;               /* offset within CS (in 64-bit mode: linear) */
    uint64_t rflags;
    uint64_t seg_base[6];       /* es, cs, ss, ds, fs, gs; linear = base + offset.
                                   64-bit mode: only fs/gs bases are applied */
    int mode;                   /* 16, 32, 64: code size (CS.D / CS.L / real mode) */
    int stack_size;             /* 16, 32, 64: SS.B / 64-bit */
    int cpl;                    /* 0..3; 0 in real mode (zero-init = CPL 0) */
    int real_mode;              /* 1: CR0.PE=0 (only used by insn_emul_successors for far
                                   targets: linear = selector*16 + offset) */
};

struct insn_emul_mem {          /* guest linear memory, through the monitor's checked page walk */
    void *ctx;
    int (*read)(void *ctx, uint64_t linear, void *buf, size_t len);        /* 0 or -1 (#PF) */
    int (*write)(void *ctx, uint64_t linear, const void *buf, size_t len); /* 0 or -1, atomic */
};

enum insn_emul_result {
    INSN_EMUL_DONE,             /* cpu (and memory) updated */
    INSN_EMUL_UNSUPPORTED,      /* nothing changed; caller steps the instruction in place */
    INSN_EMUL_FAULT,            /* memory access failed: fault_addr set; nothing changed */
};

struct insn_emul_info {
    const char *mnemonic;       /* Zydis mnemonic ("jnz", "call", ...), "" if undecodable */
    const char *how;            /* short description: "jcc taken", "call rel", "ret imm16",
                                   "jmp [mem]", "pushf", ... or why unsupported */
    unsigned length;            /* instruction length, 0 if undecodable */
    int has_target;             /* 1 if a branch target was computed */
    uint64_t target;            /* the new IP (offset within CS) the branch computed */
    int taken;                  /* 1 if the branch was taken (always 1 for unconditional) */
    uint64_t fault_addr;        /* INSN_EMUL_FAULT: linear start address of the failed access */
    int fault_write;            /* INSN_EMUL_FAULT: 1 if the failed access was a write */
};

/* Decodes the instruction (bytes = the ORIGINAL bytes at cpu->rip, nbytes may
 * exceed its length) and emulates it exactly as the CPU would. On
 * UNSUPPORTED and FAULT neither cpu nor memory is changed. info may be NULL. */
enum insn_emul_result insn_emul_step(struct insn_emul_cpu *cpu, const struct insn_emul_mem *mem,
                                     const uint8_t *bytes, size_t nbytes,
                                     struct insn_emul_info *info);

/* Successor LINEAR addresses of the instruction at cpu->rip, without
 * changing any state (reads guest memory for RET/indirect targets).
 * Linear = seg_base[CS] + IP (wrapped to 32 bits outside 64-bit mode; in
 * 64-bit mode the IP itself). Returns the count 0..2:
 *   - ordinary instructions: 1, the fall-through;
 *   - Jcc/LOOPcc/JCXZ: 2, fall-through first then target (1 if equal),
 *     whatever the flags/count say (either may be the one taken);
 *   - JMP/CALL rel, RET, near indirect JMP/CALL: 1, the target from the
 *     current state (0 if the memory read fails or the target is invalid);
 *   - far JMP/CALL (ptr or m16:xx), far RET, IRET: in real mode (cpu->real_mode)
 *     1: selector*16 + offset read from the operand/stack; in protected or
 *     64-bit mode 0 (descriptor tables are not visible here);
 *   - INT/INT3/INT1/UD*, INTO with OF=1, SYSCALL/SYSENTER/SYSRET/SYSEXIT,
 *     RSM, VMCALL and similar, 66-prefixed near branches in 64-bit mode
 *     (see above), undecodable or truncated bytes: 0.
 * Returns 0 when the successor cannot be known. */
int insn_emul_successors(const struct insn_emul_cpu *cpu, const struct insn_emul_mem *mem,
                         const uint8_t *bytes, size_t nbytes, uint64_t out[2]);

#endif
