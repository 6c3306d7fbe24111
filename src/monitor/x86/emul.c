/* emul.c — exact emulation of virtualized near branches, flag/stack
 * sensitive instructions and real-mode far transfers and interrupts, and
 * the successors of everything else.  See x86.h for the contract and
 * the semantics chosen where the CPU's behaviour depends on state we do not
 * model. Decoding (length, operand/address size, ModRM/SIB fields) is done
 * by Zydis (AMD or Intel branches, as the host runs them); instructions are recognised by
 * opcode map + opcode (+ ModRM.reg), never by formatted text.
 *
 * Structure: emulate() computes the complete outcome into a local copy of
 * the cpu plus at most one pending stack write, doing every guest read
 * first. Only when all of that succeeded does x86_emul_step perform the
 * write and copy the new state back, so FAULT/UNSUPPORTED change nothing.
 * x86_emul_successors runs the same computation without committing.
 */
#include "monitor/x86/x86.h"

#include <string.h>
#include <Zydis/Zydis.h>

#define FL_CF   0x1ull
#define FL_PF   0x4ull
#define FL_ZF   0x40ull
#define FL_SF   0x80ull
#define FL_IF   0x200ull
#define FL_OF   0x800ull
#define FL_IOPL 0x3000ull
#define FL_RF   0x10000ull
#define FL_VM   0x20000ull
/* Bits that exist in RFLAGS (0..21) minus the reserved ones 3, 5, 15. */
#define FL_DEFINED 0x3F7FD7ull
#define FL_FIXED1  0x2ull
/* POPF at CPL 0: CF PF AF ZF SF TF IF DF OF IOPL NT AC ID (not RF VM VIF VIP). */
#define FL_POPF32  0x247FD5ull
#define FL_POPF16  0x7FD5ull

enum kind {
    K_NONE, K_JMP_REL, K_JCC, K_CALL_REL, K_LOOP, K_LOOPE, K_LOOPNE, K_JCXZ,
    K_RET, K_JMP_IND, K_CALL_IND, K_PUSHF, K_POPF, K_CLI, K_STI, K_PUSHA,
    K_FAR_JMP_PTR, K_FAR_CALL_PTR, K_FAR_JMP_MEM, K_FAR_CALL_MEM, K_RETF, K_IRET,
    K_NO_SUCCESSOR, K_INTO, K_INT, K_INT3, K_FAULTS,
};

struct decoded {
    ZydisDecodedInstruction in;
    ZydisDecodedOperand op[ZYDIS_MAX_OPERAND_COUNT];
    enum kind kind;
};

struct outcome {                 /* everything emulate() decided */
    struct x86_emul_cpu cpu;    /* the new state */
    int has_write;
    uint64_t write_addr;
    uint8_t write_buf[32];      /* (PUSHAD's eight dwords) */
    unsigned write_len;
    struct x86_emul_info info;
    int conditional;             /* Jcc/LOOPcc/JCXZ: target not necessarily taken */
};

static uint64_t width_mask(unsigned bits)
{
    return bits >= 64 ? ~0ull : (1ull << bits) - 1;
}

static int valid_mode(int m)
{
    return m == 16 || m == 32 || m == 64;
}

int x86_canonical(uint64_t a, int la57)
{
    uint64_t top = a >> (la57 ? 56 : 47);
    return top == 0 || top == (la57 ? 0xFFull : 0x1FFFFull);
}

static int canonical(uint64_t a) { return x86_canonical(a, 0); }

/* Writes the low `bits` of v into *reg as the CPU does: 16-bit writes keep
 * the upper bits, 32-bit writes zero-extend (as in 64-bit mode; outside it
 * the upper half is not architecturally visible), 64-bit writes replace. */
static void reg_write(uint64_t *reg, uint64_t v, unsigned bits)
{
    if (bits == 16)
        *reg = (*reg & ~0xFFFFull) | (v & 0xFFFF);
    else
        *reg = v & width_mask(bits);
}

static int classify(struct decoded *d);

static int decode(const struct x86_emul_cpu *cpu, const uint8_t *bytes, size_t nbytes,
                  struct decoded *d)
{
    if (!cpu || !bytes || !valid_mode(cpu->mode))
        return -1;
    if (cpu->mode != 64 && (!valid_mode(cpu->stack_size) || cpu->stack_size == 64))
        return -1;
    const ZydisDecoder *dec = x86_decoder(cpu->mode, cpu->amd_branches, 0);
    if (!dec)
        return -1;
    if (nbytes > ZYDIS_MAX_INSTRUCTION_LENGTH)
        nbytes = ZYDIS_MAX_INSTRUCTION_LENGTH;
    memset(d, 0, sizeof *d);
    if (!ZYAN_SUCCESS(ZydisDecoderDecodeFull(dec, bytes, nbytes, &d->in, d->op)))
        return -1;
    return classify(d);
}

/* What kind of instruction the emulator sees in a decoded one. */
static int classify(struct decoded *d)
{
    d->kind = K_NONE;
    if (d->in.encoding != ZYDIS_INSTRUCTION_ENCODING_LEGACY)
        return 0;
    uint8_t op = d->in.opcode;
    uint8_t reg = d->in.raw.modrm.reg;
    if (d->in.opcode_map == ZYDIS_OPCODE_MAP_0F) {
        if (op >= 0x80 && op <= 0x8F)
            d->kind = K_JCC;
        else if (op == 0x0B || op == 0xB9 || op == 0xFF)   /* ud2 ud1 ud0: always #UD */
            d->kind = K_FAULTS;
        else if (op == 0x05 || op == 0x07 || op == 0x34 || op == 0x35 || op == 0xAA)
            d->kind = K_NO_SUCCESSOR;                   /* syscall sysret sysenter sysexit rsm */
        else if (op == 0x01 && (d->in.mnemonic == ZYDIS_MNEMONIC_VMCALL ||
                                d->in.mnemonic == ZYDIS_MNEMONIC_VMMCALL ||
                                d->in.mnemonic == ZYDIS_MNEMONIC_VMLAUNCH ||
                                d->in.mnemonic == ZYDIS_MNEMONIC_VMRESUME ||
                                d->in.mnemonic == ZYDIS_MNEMONIC_VMRUN))
            d->kind = K_NO_SUCCESSOR;
        return 0;
    }
    if (d->in.opcode_map != ZYDIS_OPCODE_MAP_DEFAULT)
        return 0;
    if (op >= 0x70 && op <= 0x7F) { d->kind = K_JCC; return 0; }
    switch (op) {
    case 0xEB: case 0xE9: d->kind = K_JMP_REL; break;
    case 0xE8: d->kind = K_CALL_REL; break;
    case 0xE0: d->kind = K_LOOPNE; break;
    case 0xE1: d->kind = K_LOOPE; break;
    case 0xE2: d->kind = K_LOOP; break;
    case 0xE3: d->kind = K_JCXZ; break;
    case 0xC3: case 0xC2: d->kind = K_RET; break;
    case 0xCB: case 0xCA: d->kind = K_RETF; break;
    case 0xCF: d->kind = K_IRET; break;
    case 0xEA: d->kind = K_FAR_JMP_PTR; break;
    case 0x9A: d->kind = K_FAR_CALL_PTR; break;
    case 0x9C: d->kind = K_PUSHF; break;
    case 0x60: d->kind = K_PUSHA; break;           /* (not an opcode in 64-bit mode) */
    case 0x9D: d->kind = K_POPF; break;
    case 0xFA: d->kind = K_CLI; break;
    case 0xFB: d->kind = K_STI; break;
    case 0xCD: d->kind = K_INT; break;
    case 0xCC: d->kind = K_INT3; break;
    case 0xF1: d->kind = K_FAULTS; break;          /* int1: #DB through the IDT */
    case 0xCE: d->kind = K_INTO; break;
    case 0xFF:
        if (reg == 2) d->kind = K_CALL_IND;
        else if (reg == 3) d->kind = K_FAR_CALL_MEM;
        else if (reg == 4) d->kind = K_JMP_IND;
        else if (reg == 5) d->kind = K_FAR_JMP_MEM;
        break;
    default: break;
    }
    return 0;
}

static int is_near_branch(enum kind k)
{
    switch (k) {
    case K_JMP_REL: case K_JCC: case K_CALL_REL: case K_LOOP: case K_LOOPE: case K_LOOPNE:
    case K_JCXZ: case K_RET: case K_JMP_IND: case K_CALL_IND:
        return 1;
    default:
        return 0;
    }
}

/* A 66 prefix (without REX.W) on a near branch in 64-bit mode: Intel
 * ignores it, AMD honours it (16-bit operand size: 2-byte push/pop, IP
 * truncated to 16 bits, rel16).  The decoder already took the host's
 * choice; here: does this branch run with a 16-bit IP? */
static int amd16(const struct x86_emul_cpu *cpu, const struct decoded *d)
{
    return cpu->mode == 64 && cpu->amd_branches && is_near_branch(d->kind) &&
           (d->in.attributes & ZYDIS_ATTRIB_HAS_OPERANDSIZE) && !d->in.raw.rex.W;
}

/* The IP after the instruction: it wraps at 64 KiB in 16-bit code. */
static uint64_t next_ip(const struct x86_emul_cpu *cpu, const struct decoded *d)
{
    uint64_t n = cpu->rip + d->in.length;
    return cpu->mode == 64 ? n : cpu->mode == 16 ? n & 0xFFFF : n & 0xFFFFFFFFull;
}

/* Beyond CS's limit the CPU raises #GP instead of going there. */
static int beyond_limit(const struct x86_emul_cpu *cpu, uint64_t ip)
{
    return cpu->mode != 64 && cpu->cs_limit && ip > cpu->cs_limit;
}

/* Linear address of an IP (offset in CS). */
static uint64_t ip_linear(const struct x86_emul_cpu *cpu, uint64_t ip)
{
    if (cpu->mode == 64)
        return ip;
    return (cpu->seg_base[X86_EMUL_CS] + ip) & 0xFFFFFFFFull;
}

static int gpr_value(const struct x86_emul_cpu *cpu, uint64_t rip_next, ZydisRegister r,
                     uint64_t *v)
{
    if (r == ZYDIS_REGISTER_NONE) { *v = 0; return 0; }
    if (r == ZYDIS_REGISTER_RIP) { *v = rip_next; return 0; }
    if (r == ZYDIS_REGISTER_EIP) { *v = rip_next & 0xFFFFFFFFull; return 0; }
    if (r == ZYDIS_REGISTER_IP) { *v = rip_next & 0xFFFF; return 0; }
    ZydisRegisterClass cls = ZydisRegisterGetClass(r);
    ZyanI8 id = ZydisRegisterGetId(r);
    if (id < 0 || id > 15)
        return -1;
    switch (cls) {
    case ZYDIS_REGCLASS_GPR16: *v = cpu->gpr[id] & 0xFFFF; return 0;
    case ZYDIS_REGCLASS_GPR32: *v = cpu->gpr[id] & 0xFFFFFFFFull; return 0;
    case ZYDIS_REGCLASS_GPR64: *v = cpu->gpr[id]; return 0;
    default: return -1;
    }
}

static int seg_index(ZydisRegister s)
{
    switch (s) {
    case ZYDIS_REGISTER_ES: return X86_EMUL_ES;
    case ZYDIS_REGISTER_CS: return X86_EMUL_CS;
    case ZYDIS_REGISTER_SS: return X86_EMUL_SS;
    case ZYDIS_REGISTER_DS: return X86_EMUL_DS;
    case ZYDIS_REGISTER_FS: return X86_EMUL_FS;
    case ZYDIS_REGISTER_GS: return X86_EMUL_GS;
    default: return -1;
    }
}

/* Linear address of `size` bytes at `offset` in segment `seg`, where the
 * offset lives in a space of `off_bits` (address size, or stack width).
 * Returns -1 when the access would wrap around the end of that offset
 * space or of the 32-bit linear space (the CPU faults or wraps there;
 * the caller then leaves the instruction to the CPU). */
static int linear_of(const struct x86_emul_cpu *cpu, int seg, uint64_t offset,
                     unsigned off_bits, unsigned size, uint64_t *lin)
{
    uint64_t omask = width_mask(off_bits);
    offset &= omask;
    if (off_bits < 64 && offset + size - 1 > omask)
        return -1;
    if (cpu->mode == 64) {
        uint64_t base = (seg == X86_EMUL_FS || seg == X86_EMUL_GS) ? cpu->seg_base[seg] : 0;
        uint64_t a = base + offset;
        if (a + (size - 1) < a)
            return -1;
        *lin = a;
        return 0;
    }
    uint64_t a = (cpu->seg_base[seg] & 0xFFFFFFFFull) + offset;
    if ((a & 0xFFFFFFFFull) + size - 1 > 0xFFFFFFFFull)
        return -1;
    *lin = a & 0xFFFFFFFFull;
    return 0;
}

/* Effective linear address of the instruction's explicit memory operand. */
static int mem_operand_linear(const struct x86_emul_cpu *cpu, const struct decoded *d,
                              const ZydisDecodedOperand *o, unsigned size, uint64_t *lin)
{
    uint64_t base, index, ea;
    unsigned aw = d->in.address_width;
    if (o->type != ZYDIS_OPERAND_TYPE_MEMORY || o->mem.type != ZYDIS_MEMOP_TYPE_MEM)
        return -1;
    if (aw != 16 && aw != 32 && aw != 64)
        return -1;
    uint64_t nip = cpu->rip + d->in.length;
    if (gpr_value(cpu, nip, o->mem.base, &base) || gpr_value(cpu, nip, o->mem.index, &index))
        return -1;
    ea = base + index * (o->mem.scale ? o->mem.scale : 1) + (uint64_t)o->mem.disp.value;
    int seg = seg_index(o->mem.segment);
    if (seg < 0)
        return -1;
    return linear_of(cpu, seg, ea, aw, size, lin);
}

static uint64_t le_load(const uint8_t *b, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = n; i-- > 0; )
        v = (v << 8) | b[i];
    return v;
}

static void le_store(uint8_t *b, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++, v >>= 8)
        b[i] = (uint8_t)v;
}

enum { R_OK = 0, R_UNSUP = 1, R_FAULT = 2 };

static int guest_read(const struct x86_emul_mem *mem, uint64_t lin, unsigned n, uint64_t *v,
                      struct outcome *o)
{
    uint8_t buf[8];
    if (!mem || !mem->read || n == 0 || n > 8)
        return R_UNSUP;
    if (mem->read(mem->ctx, lin, buf, n) != 0) {
        o->info.fault_addr = lin;
        o->info.fault_write = 0;
        return R_FAULT;
    }
    *v = le_load(buf, n);
    return R_OK;
}

static unsigned stack_bits(const struct x86_emul_cpu *cpu)
{
    return cpu->mode == 64 ? 64 : (unsigned)cpu->stack_size;
}

/* Plans a push of n bytes of v on o->cpu's stack (one pending write). */
static int plan_push(struct outcome *o, uint64_t v, unsigned n)
{
    unsigned sb = stack_bits(&o->cpu);
    uint64_t sp = (o->cpu.gpr[4] - n) & width_mask(sb), lin;
    if (linear_of(&o->cpu, X86_EMUL_SS, sp, sb, n, &lin))
        return R_UNSUP;
    o->has_write = 1;
    o->write_addr = lin;
    o->write_len = n;
    le_store(o->write_buf, v, n);
    reg_write(&o->cpu.gpr[4], sp, sb);
    return R_OK;
}

/* Plans a push of k values of `size` bytes each, vals[0] first pushed
 * (highest address): one contiguous pending write. */
static int plan_push_frame(struct outcome *o, const uint64_t *vals, unsigned k, unsigned size)
{
    unsigned sb = stack_bits(&o->cpu), n = k * size;
    uint64_t sp = (o->cpu.gpr[4] - n) & width_mask(sb), lin;
    if (n > sizeof o->write_buf || linear_of(&o->cpu, X86_EMUL_SS, sp, sb, n, &lin))
        return R_UNSUP;
    o->has_write = 1;
    o->write_addr = lin;
    o->write_len = n;
    for (unsigned i = 0; i < k; i++)
        le_store(o->write_buf + (k - 1 - i) * size, vals[i], size);
    reg_write(&o->cpu.gpr[4], sp, sb);
    return R_OK;
}

/* Reads n bytes at SP + skip (not changing SP). */
static int stack_peek(const struct x86_emul_cpu *cpu, const struct x86_emul_mem *mem,
                      uint64_t skip, unsigned n, uint64_t *v, struct outcome *o)
{
    unsigned sb = stack_bits(cpu);
    uint64_t lin;
    if (linear_of(cpu, X86_EMUL_SS, cpu->gpr[4] + skip, sb, n, &lin))
        return R_UNSUP;
    return guest_read(mem, lin, n, v, o);
}

static int plan_pop(struct outcome *o, const struct x86_emul_mem *mem, unsigned n, uint64_t *v)
{
    int r = stack_peek(&o->cpu, mem, 0, n, v, o);
    if (r != R_OK)
        return r;
    unsigned sb = stack_bits(&o->cpu);
    reg_write(&o->cpu.gpr[4], o->cpu.gpr[4] + n, sb);
    return R_OK;
}

static int jcc_holds(uint64_t fl, unsigned cc)
{
    int cf = !!(fl & FL_CF), zf = !!(fl & FL_ZF), sf = !!(fl & FL_SF),
        of = !!(fl & FL_OF), pf = !!(fl & FL_PF), r;
    switch (cc >> 1) {
    case 0: r = of; break;
    case 1: r = cf; break;
    case 2: r = zf; break;
    case 3: r = cf || zf; break;
    case 4: r = sf; break;
    case 5: r = pf; break;
    case 6: r = sf != of; break;
    default: r = zf || (sf != of); break;
    }
    return (cc & 1) ? !r : r;
}

/* Sets the new IP; a non-canonical 64-bit target is left to the CPU (#GP). */
static int set_target(struct outcome *o, const struct decoded *d, uint64_t target, int taken)
{
    unsigned opw = amd16(&o->cpu, d) ? 16 : d->in.operand_width;
    if (o->cpu.mode == 64 && opw != 16)
        opw = 64;   /* near branches are 64-bit here, but AMD's 66 forms */
    target &= width_mask(opw);
    if (taken && o->cpu.mode == 64 && !canonical(target)) {
        o->info.how = "non-canonical target";
        return R_UNSUP;
    }
    if (taken && beyond_limit(&o->cpu, target)) {
        o->info.how = "target beyond the CS limit";
        return R_UNSUP;
    }
    o->info.has_target = 1;
    o->info.target = target;
    o->info.taken = taken;
    if (taken)
        o->cpu.rip = target;
    return R_OK;
}

static uint64_t rel_target(const struct x86_emul_cpu *cpu, const struct decoded *d)
{
    return cpu->rip + d->in.length + (uint64_t)d->in.raw.imm[0].value.s;
}

/* Reads a far pointer (offset of nb bytes, then a selector) at a memory operand. */
static int read_far_ptr(const struct x86_emul_cpu *cpu, const struct x86_emul_mem *mem, const struct decoded *d,
                        unsigned nb, uint64_t *off, uint64_t *sel, struct outcome *o)
{
    uint64_t lin;
    int r;
    if (d->op[0].type != ZYDIS_OPERAND_TYPE_MEMORY || mem_operand_linear(cpu, d, &d->op[0], nb + 2, &lin))
        return R_UNSUP;
    if ((r = guest_read(mem, lin, nb, off, o)) != R_OK)
        return r;
    return guest_read(mem, lin + nb, 2, sel, o);
}

/* Real mode: CS = sel, base sel * 16, IP = off. */
static int load_real_cs(struct outcome *o, uint64_t sel, uint64_t off)
{
    if (beyond_limit(&o->cpu, off)) {
        o->info.how = "target beyond the CS limit";
        return R_UNSUP;
    }
    o->cpu.cs_sel = (uint16_t)sel;
    o->cpu.seg_base[X86_EMUL_CS] = (sel & 0xFFFF) << 4;
    o->cpu.cs_changed = 1;
    o->cpu.rip = off;
    o->info.has_target = 1;
    o->info.target = off;
    o->info.taken = 1;
    return R_OK;
}

/* Far JMP/CALL, far RET, IRET, INT n/INT3/INTO in real mode, where the
 * target is selector * 16 + offset and nothing is checked but the limit. */
static int emulate_real_far(const struct x86_emul_cpu *cpu, const struct x86_emul_mem *mem,
                            const struct decoded *d, struct outcome *o)
{
    unsigned opw = d->in.operand_width, nb = opw / 8;
    uint64_t off, sel, fl, v[3];
    int r;
    switch (d->kind) {
    case K_FAR_JMP_PTR: case K_FAR_CALL_PTR:
        if (d->op[0].type != ZYDIS_OPERAND_TYPE_POINTER)
            return R_UNSUP;
        sel = d->op[0].ptr.segment;
        off = d->op[0].ptr.offset & width_mask(opw);
        break;
    case K_FAR_JMP_MEM: case K_FAR_CALL_MEM:
        if ((r = read_far_ptr(cpu, mem, d, nb, &off, &sel, o)) != R_OK)
            return r;
        break;
    case K_RETF:
        o->info.how = "retf (real mode)";
        if ((r = plan_pop(o, mem, nb, &off)) != R_OK || (r = plan_pop(o, mem, nb, &sel)) != R_OK)
            return r;
        if (d->in.opcode == 0xCA)
            reg_write(&o->cpu.gpr[4], o->cpu.gpr[4] + d->in.raw.imm[0].value.u, stack_bits(cpu));
        return load_real_cs(o, sel, off);
    case K_IRET:
        o->info.how = "iret (real mode)";
        if ((r = plan_pop(o, mem, nb, &off)) != R_OK || (r = plan_pop(o, mem, nb, &sel)) != R_OK ||
            (r = plan_pop(o, mem, nb, &fl)) != R_OK)
            return r;
        /* 16-bit: FLAGS[15:0]; 32-bit: VM, VIF, VIP (and RF) are kept */
        if (nb == 2)
            o->cpu.rflags = (cpu->rflags & ~0xFFFFull) | (fl & 0xFFFF);
        else
            o->cpu.rflags = (fl & 0x257FD5ull) | (cpu->rflags & 0x1A0000ull);
        o->cpu.rflags = (o->cpu.rflags & FL_DEFINED) | FL_FIXED1;
        return load_real_cs(o, sel, off);
    case K_INT: case K_INT3: case K_INTO: {
        unsigned vec = d->kind == K_INT ? (unsigned)d->in.raw.imm[0].value.u & 0xFF : d->kind == K_INT3 ? 3 : 4;
        uint64_t ent;
        o->info.how = d->kind == K_INT ? "int (real mode)" : d->kind == K_INT3 ? "int3 (real mode)" : "into (real mode)";
        if (d->kind == K_INTO && !(cpu->rflags & FL_OF)) {
            o->info.how = "into not taken";
            return R_OK;
        }
        if (vec * 4u + 3u > cpu->idt_limit)
            return R_UNSUP;             /* the CPU shuts down or faults: leave it to it */
        if ((r = guest_read(mem, cpu->idt_base + vec * 4u, 4, &ent, o)) != R_OK)
            return r;
        v[0] = cpu->rflags & 0xFFFF;
        v[1] = cpu->cs_sel;
        v[2] = next_ip(cpu, d) & 0xFFFF;
        if ((r = plan_push_frame(o, v, 3, 2)) != R_OK)
            return r;
        o->cpu.rflags &= ~(FL_IF | 0x100ull /* TF */ | 0x40000ull /* AC */);
        return load_real_cs(o, ent >> 16, ent & 0xFFFF);
    }
    default:
        return R_UNSUP;
    }
    /* far JMP/CALL */
    int call = d->kind == K_FAR_CALL_PTR || d->kind == K_FAR_CALL_MEM;
    o->info.how = call ? "call far (real mode)" : "jmp far (real mode)";
    if (call) {
        v[0] = cpu->cs_sel;
        v[1] = next_ip(cpu, d);
        if ((r = plan_push_frame(o, v, 2, nb)) != R_OK)
            return r;
    }
    return load_real_cs(o, sel, off);
}

/* Computes the full outcome. Returns R_OK, R_UNSUP or R_FAULT. */
static int emulate(const struct x86_emul_cpu *cpu, const struct x86_emul_mem *mem,
                   const struct decoded *d, struct outcome *o)
{
    unsigned opw = amd16(cpu, d) ? 16 : d->in.operand_width, aw = d->in.address_width;
    unsigned nb = opw / 8;
    uint64_t v, fl = cpu->rflags;
    int r;

    o->cpu = *cpu;
    o->cpu.rip = next_ip(cpu, d);
    if (opw != 16 && opw != 32 && opw != 64)
        return R_UNSUP;

    switch (d->kind) {
    case K_JMP_REL:
        o->info.how = "jmp rel";
        r = set_target(o, d, rel_target(cpu, d), 1);
        break;
    case K_JCC: {
        int t = jcc_holds(fl, d->in.opcode & 0xF);
        o->conditional = 1;
        o->info.how = t ? "jcc taken" : "jcc not taken";
        r = set_target(o, d, rel_target(cpu, d), t);
        break;
    }
    case K_LOOP: case K_LOOPE: case K_LOOPNE: case K_JCXZ: {
        uint64_t am = width_mask(aw), cnt = cpu->gpr[1] & am;
        int t;
        o->conditional = 1;
        if (d->kind == K_JCXZ) {
            t = cnt == 0;
            o->info.how = t ? "jcxz taken" : "jcxz not taken";
        } else {
            cnt = (cnt - 1) & am;
            reg_write(&o->cpu.gpr[1], cnt, aw);
            t = cnt != 0;
            if (d->kind == K_LOOPE) t = t && (fl & FL_ZF);
            if (d->kind == K_LOOPNE) t = t && !(fl & FL_ZF);
            o->info.how = t ? "loop taken" : "loop not taken";
        }
        r = set_target(o, d, rel_target(cpu, d), t);
        break;
    }
    case K_CALL_REL:
        o->info.how = "call rel";
        r = set_target(o, d, rel_target(cpu, d), 1);
        if (r == R_OK)
            r = plan_push(o, next_ip(cpu, d), nb);
        break;
    case K_JMP_IND: case K_CALL_IND: {
        const ZydisDecodedOperand *op = &d->op[0];
        int call = d->kind == K_CALL_IND;
        if (op->type == ZYDIS_OPERAND_TYPE_REGISTER) {
            o->info.how = call ? "call reg" : "jmp reg";
            if (gpr_value(cpu, cpu->rip, op->reg.value, &v))
                return R_UNSUP;
        } else if (op->type == ZYDIS_OPERAND_TYPE_MEMORY) {
            uint64_t lin;
            o->info.how = call ? "call [mem]" : "jmp [mem]";
            if (mem_operand_linear(cpu, d, op, nb, &lin)) {
                o->info.how = "memory operand wraps";
                return R_UNSUP;
            }
            r = guest_read(mem, lin, nb, &v, o);
            if (r != R_OK)
                return r;
        } else {
            return R_UNSUP;
        }
        r = set_target(o, d, v, 1);
        if (r == R_OK && call)
            r = plan_push(o, next_ip(cpu, d), nb);
        break;
    }
    case K_RET:
        o->info.how = d->in.opcode == 0xC2 ? "ret imm16" : "ret";
        r = plan_pop(o, mem, nb, &v);
        if (r != R_OK)
            break;
        if (d->in.opcode == 0xC2)
            reg_write(&o->cpu.gpr[4], o->cpu.gpr[4] + d->in.raw.imm[0].value.u,
                      stack_bits(cpu));
        r = set_target(o, d, v, 1);
        break;
    case K_PUSHF:
        o->info.how = "pushf";
        v = ((fl & FL_DEFINED) | FL_FIXED1) & ~(FL_RF | FL_VM);
        r = plan_push(o, v, nb);
        break;
    case K_PUSHA: {
        /* AX CX DX BX, SP as it was, BP SI DI: the gprs in their order */
        uint64_t vals[8];
        o->info.how = "pusha";
        if (nb != 2 && nb != 4)
            return R_UNSUP;
        for (unsigned i = 0; i < 8; i++)
            vals[i] = cpu->gpr[i] & width_mask(opw);
        r = plan_push_frame(o, vals, 8, nb);
        break;
    }
    case K_POPF: {
        uint64_t m = nb == 2 ? FL_POPF16 : FL_POPF32;
        unsigned iopl = (unsigned)((fl & FL_IOPL) >> 12);
        o->info.how = "popf";
        if (cpu->cpl < 0 || cpu->cpl > 3)
            return R_UNSUP;
        if (cpu->cpl > 0)
            m &= ~FL_IOPL;
        if ((unsigned)cpu->cpl > iopl)
            m &= ~FL_IF;
        r = plan_pop(o, mem, nb, &v);
        if (r != R_OK)
            break;
        o->cpu.rflags = (fl & ~m) | (v & m);
        break;
    }
    case K_CLI: case K_STI: {
        unsigned iopl = (unsigned)((fl & FL_IOPL) >> 12);
        o->info.how = d->kind == K_CLI ? "cli" : "sti";
        if (cpu->cpl < 0 || (unsigned)cpu->cpl > iopl) {
            o->info.how = "cli/sti with CPL > IOPL";
            return R_UNSUP;
        }
        /* STI's one-instruction interrupt shadow is not modelled. */
        if (d->kind == K_CLI)
            o->cpu.rflags &= ~FL_IF;
        else
            o->cpu.rflags |= FL_IF;
        r = R_OK;
        break;
    }
    case K_RETF: case K_IRET: case K_INT: case K_INT3: case K_INTO:
    case K_FAR_JMP_PTR: case K_FAR_CALL_PTR: case K_FAR_JMP_MEM: case K_FAR_CALL_MEM:
        if (!cpu->real_mode || (cpu->rflags & FL_VM)) {
            o->info.how = d->kind == K_IRET ? "iret (in place)" : d->kind == K_INT || d->kind == K_INT3 ||
                          d->kind == K_INTO ? "int (in place)" : "far branch (in place)";
            return R_UNSUP;
        }
        r = emulate_real_far(cpu, mem, d, o);
        break;
    default:
        o->info.how = "not emulated";
        return R_UNSUP;
    }
    if (r == R_OK && !o->info.has_target && beyond_limit(&o->cpu, o->cpu.rip)) {
        o->info.how = "fall-through beyond the CS limit";
        return R_UNSUP;
    }
    if (r == R_OK) {
        /* The CPU clears RF when an instruction completes. POPF also
         * forces bit 1 and clears the reserved bits (3, 5, 15, 22..63). */
        if (d->kind == K_POPF)
            o->cpu.rflags = (o->cpu.rflags & FL_DEFINED) | FL_FIXED1;
        o->cpu.rflags &= ~FL_RF;
    }
    return r;
}

static void fill_info(struct x86_emul_info *info, const struct outcome *o)
{
    if (info)
        *info = o->info;
}

static enum x86_emul_result step(struct x86_emul_cpu *cpu, const struct x86_emul_mem *mem,
                                 const uint8_t *bytes, size_t nbytes, const struct x86_insn *insn,
                                 struct x86_emul_info *info)
{
    struct decoded d;
    struct outcome o;

    memset(&o, 0, sizeof o);
    o.info.mnemonic = "";
    o.info.how = "undecodable";
    int bad;
    if (insn && insn->ok && cpu && valid_mode(cpu->mode) && insn->code_size == cpu->mode && insn->amd_branches == cpu->amd_branches &&
        (cpu->mode == 64 || (valid_mode(cpu->stack_size) && cpu->stack_size != 64))) {
        memset(&d, 0, sizeof d);        /* decoded by the caller as decode() would: used as is */
        d.in = insn->zi;
        memcpy(d.op, insn->ops, sizeof d.op);
        bad = classify(&d);
    } else {
        bad = decode(cpu, bytes, nbytes, &d);
    }
    if (bad != 0) {
        fill_info(info, &o);
        return X86_EMUL_UNSUPPORTED;
    }
    o.info.mnemonic = ZydisMnemonicGetString(d.in.mnemonic);
    if (!o.info.mnemonic)
        o.info.mnemonic = "";
    o.info.length = d.in.length;
    int r = emulate(cpu, mem, &d, &o);
    if (r == R_OK && o.has_write) {
        if (!mem || !mem->write) {
            r = R_UNSUP;
        } else if (mem->write(mem->ctx, o.write_addr, o.write_buf, o.write_len) != 0) {
            o.info.fault_addr = o.write_addr;
            o.info.fault_write = 1;
            r = R_FAULT;
        }
    }
    if (r != R_OK) {
        /* Nothing changed: report only what was decided about the decode. */
        o.info.has_target = 0;
        o.info.target = 0;
        o.info.taken = 0;
        if (r != R_FAULT) {
            o.info.fault_addr = 0;
            o.info.fault_write = 0;
        }
        fill_info(info, &o);
        return r == R_FAULT ? X86_EMUL_FAULT : X86_EMUL_UNSUPPORTED;
    }
    *cpu = o.cpu;
    fill_info(info, &o);
    return X86_EMUL_DONE;
}

enum x86_emul_result x86_emul_step(struct x86_emul_cpu *cpu, const struct x86_emul_mem *mem,
                                     const uint8_t *bytes, size_t nbytes,
                                     struct x86_emul_info *info)
{
    return step(cpu, mem, bytes, nbytes, NULL, info);
}

enum x86_emul_result x86_emul_step_insn(struct x86_emul_cpu *cpu, const struct x86_emul_mem *mem,
                                          const struct x86_insn *insn, struct x86_emul_info *info)
{
    return step(cpu, mem, insn->bytes, insn->nbytes, insn, info);
}

/* Real-mode far target: selector*16 + offset. */
static uint64_t real_far(uint64_t sel, uint64_t off)
{
    return ((sel & 0xFFFF) << 4) + off;
}

/* A GDT/LDT entry (16 bytes for system descriptors in long mode). */
static int desc_read(const struct x86_emul_cpu *cpu, const struct x86_emul_mem *mem, uint16_t sel,
                     struct x86_desc *dd, uint8_t raw[16])
{
    uint64_t base = (sel & 4) ? cpu->ldt_base : cpu->gdt_base;
    uint32_t limit = (sel & 4) ? cpu->ldt_limit : cpu->gdt_limit;
    unsigned idx = sel & ~7u;
    uint64_t lo = 0, hi = 0;
    if ((sel & 4) && !cpu->ldt_usable)
        return -1;
    if ((sel & ~3u) == 0 || idx + 7u > limit || !mem || mem->read(mem->ctx, base + idx, raw, 8) != 0)
        return -1;
    memcpy(&lo, raw, 8);
    if (cpu->lma && !((lo >> 44) & 1)) {         /* system descriptor: 16 bytes */
        if (idx + 15u > limit || mem->read(mem->ctx, base + idx + 8, raw + 8, 8) != 0)
            return -1;
        memcpy(&hi, raw + 8, 8);
    }
    x86_desc_decode(lo, hi, dd);
    return dd->present ? 0 : -1;
}

int x86_emul_far_target(const struct x86_emul_cpu *cpu, const struct x86_emul_mem *mem, uint16_t sel,
                        uint64_t off, int gates, struct x86_target *t)
{
    struct x86_desc dd;
    uint8_t raw[16];
    if (cpu->real_mode || (cpu->rflags & FL_VM)) {
        t->cs_base = (uint64_t)sel << 4;
        t->linear = t->cs_base + (off & 0xFFFF);
        t->bits = 16;
        t->selector = sel;
        return 0;
    }
    if (desc_read(cpu, mem, sel, &dd, raw) != 0)
        return -1;
    if (!x86_desc_is_code(&dd)) {
        struct x86_gate g;
        if (!dd.s && gates && !cpu->lma && (dd.type == X86_GATE_TASK || dd.type == 0x1 || dd.type == 0x9))
            return -2;                          /* a TSS or a task gate: a task switch (long mode: #GP) */
        if (!gates || dd.s || (dd.type != X86_GATE_CALL32 && dd.type != 0x4))
            return -1;
        x86_gate_decode(raw, cpu->lma, &g);
        return x86_emul_far_target(cpu, mem, g.selector, dd.type == 0x4 ? g.offset & 0xFFFF : g.offset, 0, t);
    }
    t->selector = sel;
    if (cpu->lma && dd.l) {
        t->bits = 64;
        t->cs_base = 0;
        t->linear = off;
    } else {
        t->bits = dd.db ? 32 : 16;
        t->cs_base = dd.base;
        t->linear = (dd.base + off) & 0xFFFFFFFFull;
    }
    return 0;
}

int x86_emul_task_target(const struct x86_emul_cpu *cpu, const struct x86_emul_mem *mem, uint16_t sel,
                         struct x86_target *t, uint32_t *cr3, uint64_t *tss_base)
{
    struct x86_desc dd;
    uint8_t raw[16], tss[0x68];
    if (cpu->real_mode || cpu->lma || desc_read(cpu, mem, sel, &dd, raw) != 0 || dd.s)
        return -1;
    if (dd.type == X86_GATE_TASK) {             /* a task gate: its TSS selector */
        sel = (uint16_t)(raw[2] | raw[3] << 8);
        if ((sel & 4) || desc_read(cpu, mem, sel, &dd, raw) != 0 || dd.s)
            return -1;
    }
    if ((dd.type != 0x9 && dd.type != 0xB) || dd.limit < 0x67 || mem->read(mem->ctx, dd.base, tss, sizeof tss) != 0)
        return -1;                              /* 32-bit TSSs only (16-bit ones: not followed) */
    uint32_t eip, eflags, tcr3;
    uint16_t cs, ldt;
    memcpy(&tcr3, tss + 0x1C, 4);
    memcpy(&eip, tss + 0x20, 4);
    memcpy(&eflags, tss + 0x24, 4);
    memcpy(&cs, tss + 0x4C, 2);
    memcpy(&ldt, tss + 0x60, 2);
    struct x86_emul_cpu nt = *cpu;              /* the new task's view: its LDT, its EFLAGS.VM */
    nt.rflags = eflags;
    if (ldt & ~3u) {
        struct x86_desc ld;
        if ((ldt & 4) || desc_read(cpu, mem, ldt, &ld, raw) != 0 || ld.s || ld.type != 0x2)
            return -1;
        nt.ldt_base = ld.base;
        nt.ldt_limit = ld.limit;
        nt.ldt_usable = 1;
    } else {
        nt.ldt_usable = 0;
    }
    *cr3 = tcr3;
    *tss_base = dd.base;
    return x86_emul_far_target(&nt, mem, cs, eip, 0, t);
}

static int code_target(const struct x86_emul_cpu *cpu, const struct x86_emul_mem *mem, uint16_t sel,
                       uint64_t off, int gates, uint64_t *out)
{
    struct x86_target t;
    int r = x86_emul_far_target(cpu, mem, sel, off, gates, &t);
    if (r != 0)
        return r;
    *out = t.linear;
    return 0;
}

int x86_emul_vector(const struct x86_emul_cpu *cpu, const struct x86_emul_mem *mem, unsigned vec,
                    struct x86_target *t)
{
    uint8_t g[16];
    if (!mem)
        return -1;
    if (cpu->real_mode) {
        if (vec * 4u + 3u > cpu->idt_limit || mem->read(mem->ctx, cpu->idt_base + vec * 4u, g, 4) != 0)
            return -1;
        uint16_t sel = (uint16_t)(g[2] | g[3] << 8);
        t->selector = sel;
        t->cs_base = (uint64_t)sel << 4;
        t->linear = t->cs_base + (uint64_t)(g[0] | g[1] << 8);
        t->bits = 16;
        return 0;
    }
    unsigned size = cpu->lma ? 16 : 8;
    struct x86_gate gate;
    if (vec * size + size - 1 > cpu->idt_limit || mem->read(mem->ctx, cpu->idt_base + vec * size, g, size) != 0)
        return -1;
    x86_gate_decode(g, cpu->lma, &gate);
    if (gate.present && gate.type == X86_GATE_TASK && !cpu->lma) {
        t->selector = gate.selector;            /* the TSS: x86_emul_task_target */
        return -2;                              /* a task switch (long mode: #GP) */
    }
    if (!gate.present || !x86_gate_is_int_or_trap(gate.type))
        return -1;
    struct x86_emul_cpu pm = *cpu;
    pm.rflags &= ~FL_VM;                        /* handlers run in protected mode */
    return x86_emul_far_target(&pm, mem, gate.selector, gate.offset, 0, t);
}

/* Successors of an interrupt: 1 (the handler), 0 (the delivery faults:
 * #GP/#NP, to a guarded handler), -1 (a task gate). */
static int vector_successor(const struct x86_emul_cpu *cpu, const struct x86_emul_mem *mem, unsigned vec,
                            uint64_t *out)
{
    struct x86_target t;
    int r = x86_emul_vector(cpu, mem, vec, &t);
    if (r == -2)
        return -1;
    if (r != 0)
        return 0;
    *out = t.linear;
    return 1;
}

static int far_successor(const struct x86_emul_cpu *cpu, const struct x86_emul_mem *mem,
                         const struct decoded *d, uint64_t *out)
{
    unsigned opw = d->in.operand_width, nb = opw / 8;
    uint64_t off, sel, fl;
    struct outcome scratch;
    int real = cpu->real_mode || (cpu->rflags & FL_VM);

    memset(&scratch, 0, sizeof scratch);
    switch (d->kind) {
    case K_FAR_JMP_PTR: case K_FAR_CALL_PTR:
        if (d->op[0].type != ZYDIS_OPERAND_TYPE_POINTER)
            return -1;
        sel = d->op[0].ptr.segment;
        off = d->op[0].ptr.offset & width_mask(opw);
        break;
    case K_FAR_JMP_MEM: case K_FAR_CALL_MEM:
        if (read_far_ptr(cpu, mem, d, nb, &off, &sel, &scratch) != R_OK)
            return 0;                           /* the read faults */
        break;
    case K_RETF: case K_IRET:
        if (stack_peek(cpu, mem, 0, nb, &off, &scratch) != R_OK ||
            stack_peek(cpu, mem, nb, 2, &sel, &scratch) != R_OK)
            return 0;
        if (d->kind == K_IRET && !real) {
            if ((cpu->rflags & 0x4000ull) && !cpu->lma)
                return -1;                      /* NT: a task return */
            if (stack_peek(cpu, mem, 2 * nb, nb, &fl, &scratch) != R_OK)
                return 0;
            if ((fl & FL_VM) && cpu->cpl == 0 && !cpu->lma && nb == 4) {
                *out = real_far(sel, off & 0xFFFF);      /* back to virtual-8086 mode */
                return 1;
            }
        }
        break;
    default:
        return -1;
    }
    if (real) {
        *out = real_far(sel, off & width_mask(opw));
        return 1;
    }
    int r = code_target(cpu, mem, (uint16_t)sel, off, d->kind != K_RETF && d->kind != K_IRET, out);
    return r == 0 ? 1 : r == -2 ? -1 : 0;
}

int x86_emul_successors(const struct x86_emul_cpu *cpu, const struct x86_emul_mem *mem,
                         const uint8_t *bytes, size_t nbytes, uint64_t out[2])
{
    struct decoded d;
    struct outcome o;

    if (!out || decode(cpu, bytes, nbytes, &d) != 0)
        return -1;
    uint64_t fall = ip_linear(cpu, next_ip(cpu, &d));
    switch (d.kind) {
    case K_NO_SUCCESSOR:
        return -1;
    case K_FAULTS:
        return 0;
    case K_INTO:            /* #OF when OF=1, else falls through */
        if (!(cpu->rflags & FL_OF)) {
            out[0] = fall;
            return 1;
        }
        return vector_successor(cpu, mem, 4, &out[0]);
    case K_INT: case K_INT3:
        return vector_successor(cpu, mem, d.kind == K_INT3 ? 3 : (unsigned)d.in.raw.imm[0].value.u & 0xFF,
                                &out[0]);
    case K_RETF: case K_IRET:
    case K_FAR_JMP_PTR: case K_FAR_CALL_PTR: case K_FAR_JMP_MEM: case K_FAR_CALL_MEM:
        return far_successor(cpu, mem, &d, &out[0]);
    case K_JMP_REL: case K_JCC: case K_CALL_REL: case K_LOOP: case K_LOOPE: case K_LOOPNE:
    case K_JCXZ: case K_RET: case K_JMP_IND: case K_CALL_IND:
        memset(&o, 0, sizeof o);
        switch (emulate(cpu, mem, &d, &o)) {
        case R_FAULT:
            return 0;       /* the read of the target faults (#PF) */
        case R_UNSUP:
            /* a non-canonical target or one beyond the CS limit: #GP;
             * a stack or operand wrapping its offset space: #SS/#GP */
            return 0;
        }
        if (!o.info.has_target)
            return -1;
        if (o.conditional) {
            out[0] = fall;
            out[1] = ip_linear(cpu, o.info.target);
            return out[1] == out[0] ? 1 : 2;
        }
        out[0] = ip_linear(cpu, o.info.target);
        return 1;
    default:
        break;
    }
    /* Anything else that transfers control in a way not known here. */
    switch (d.in.meta.category) {
    case ZYDIS_CATEGORY_COND_BR: case ZYDIS_CATEGORY_UNCOND_BR: case ZYDIS_CATEGORY_CALL:
    case ZYDIS_CATEGORY_RET: case ZYDIS_CATEGORY_INTERRUPT: case ZYDIS_CATEGORY_SYSCALL:
    case ZYDIS_CATEGORY_SYSRET:
        return -1;
    default:
        break;
    }
    out[0] = fall;
    return 1;
}
