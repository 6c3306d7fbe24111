/* sys.c — x86 system-instruction helpers for the enforcement loop
 * (loop.c): they compute, from the vCPU state (struct cpu_view) and guest
 * memory, what an instruction the monitor handles will do — the register
 * view the emulator (insn_emul.h) works on and back, segment bases from the
 * GDT, interrupt handlers from the IVT/IDT, the successors of far branches,
 * IRET and INT, the stores of SGDT/SIDT/SMSW/SLDT/STR, and the descriptor
 * bits the CPU sets when it loads a selector.  Guest stores they make go
 * through the enforcement loop's write path (apply_write). */
#include <Zydis/Zydis.h>
#include <stdint.h>
#include <string.h>

#include "monitor/enforce/enforce_priv.h"
#include "monitor/kvm/kvm.h"
#include "monitor/x86/x86.h"

/* The 16 general registers in encoding order: rax, rcx, rdx, rbx, rsp, rbp,
 * rsi, rdi, r8..r15 (the order of insn_emul and of Zydis register ids). */
static void gprs_of(const struct kvm_regs *r, uint64_t v[16])
{
    const uint64_t g[16] = { r->rax, r->rcx, r->rdx, r->rbx, r->rsp, r->rbp, r->rsi, r->rdi,
                             r->r8, r->r9, r->r10, r->r11, r->r12, r->r13, r->r14, r->r15 };
    memcpy(v, g, sizeof(g));
}

/* The value of a general-register operand (any width: the whole register). */
static int gpr_value(const struct cpu_view *c, ZydisRegister reg, uint64_t *out)
{
    uint64_t v[16];
    int id = ZydisRegisterGetId(reg);
    ZydisRegisterClass cls = ZydisRegisterGetClass(reg);
    if (id < 0 || id > 15 || (cls != ZYDIS_REGCLASS_GPR16 && cls != ZYDIS_REGCLASS_GPR32 &&
                              cls != ZYDIS_REGCLASS_GPR64))
        return -1;
    gprs_of(&c->regs, v);
    *out = v[id];
    return 0;
}

void enf_cpu_to_emul(const struct cpu_view *c, struct x86_emul_cpu *e)
{
    const struct kvm_regs *r = &c->regs;
    memset(e, 0, sizeof(*e));
    gprs_of(r, e->gpr);
    e->rip = r->rip;
    e->rflags = r->rflags;
    e->seg_base[X86_EMUL_ES] = c->sregs.es.base;
    e->seg_base[X86_EMUL_CS] = c->sregs.cs.base;
    e->seg_base[X86_EMUL_SS] = c->sregs.ss.base;
    e->seg_base[X86_EMUL_DS] = c->sregs.ds.base;
    e->seg_base[X86_EMUL_FS] = c->sregs.fs.base;
    e->seg_base[X86_EMUL_GS] = c->sregs.gs.base;
    e->mode = c->mode;
    e->stack_size = c->mode == 64 ? 64 : c->sregs.ss.db ? 32 : 16;
    e->real_mode = !(c->sregs.cr0 & 1);
    e->cpl = e->real_mode ? 0 : (int)(c->sregs.cs.selector & 3);
}

void enf_emul_to_cpu(const struct x86_emul_cpu *e, struct cpu_view *c)
{
    struct kvm_regs *r = &c->regs;
    r->rax = e->gpr[0]; r->rcx = e->gpr[1]; r->rdx = e->gpr[2]; r->rbx = e->gpr[3];
    r->rsp = e->gpr[4]; r->rbp = e->gpr[5]; r->rsi = e->gpr[6]; r->rdi = e->gpr[7];
    r->r8 = e->gpr[8]; r->r9 = e->gpr[9]; r->r10 = e->gpr[10]; r->r11 = e->gpr[11];
    r->r12 = e->gpr[12]; r->r13 = e->gpr[13]; r->r14 = e->gpr[14]; r->r15 = e->gpr[15];
    r->rip = e->rip;
    r->rflags = e->rflags;
}

int enf_emul_read(void *ctx, uint64_t linear, void *buf, size_t len)
{
    return enf_read_code(ctx, linear, buf, len);
}

/* Emulated stores take the same path as the guest's own. */
int enf_emul_write(void *ctx, uint64_t linear, const void *buf, size_t len)
{
    struct enf *ef = ctx;
    uint64_t gpa[2];
    size_t first = PAGE_SIZE - (linear & (PAGE_SIZE - 1));
    if (first > len)
        first = len;
    if (gmem_translate(ef->vm, linear, 1, &gpa[0]) != 0)
        return -1;
    if (first < len && gmem_translate(ef->vm, linear + first, 1, &gpa[1]) != 0)
        return -1;
    if (enf_apply_write(ef, gpa[0], buf, first, 0) != 0)
        return -1;
    if (first < len && enf_apply_write(ef, gpa[1], (const uint8_t *)buf + first, len - first, 0) != 0)
        return -1;
    return 0;
}

/* Segment base of a selector from the GDT (real mode: selector * 16). */
static int selector_base(struct enf *ef, const struct cpu_view *c, uint16_t sel, uint64_t *base)
{
    if (!(c->sregs.cr0 & 1)) {
        *base = (uint64_t)sel << 4;
        return 0;
    }
    if (sel & 4)
        return -1;                      /* LDT selectors: not followed */
    uint8_t d[8];
    if ((sel & ~7u) + 7u > c->sregs.gdt.limit ||
        gmem_read_linear(ef->vm, c->sregs.gdt.base + (sel & ~7u), d, 8) != 0)
        return -1;
    if ((c->sregs.efer & (1u << 10)) && (d[6] & 0x20)) {   /* LMA and a 64-bit code segment */
        *base = 0;
        return 0;
    }
    *base = (uint64_t)d[2] | (uint64_t)d[3] << 8 | (uint64_t)d[4] << 16 | (uint64_t)d[7] << 24;
    return 0;
}

/* Linear address of the handler for an interrupt vector (IVT or IDT). */
int enf_vector_handler(struct enf *ef, const struct cpu_view *c, unsigned vector, uint64_t *out)
{
    if (!(c->sregs.cr0 & 1)) {
        uint16_t v[2];
        if (gmem_read_linear(ef->vm, c->sregs.idt.base + vector * 4u, v, 4) != 0)
            return -1;
        *out = ((uint64_t)v[1] << 4) + v[0];
        return 0;
    }
    int lma = (c->sregs.efer & (1u << 10)) != 0;
    unsigned size = lma ? 16 : 8;
    uint8_t g[16];
    if (vector * size + size - 1 > c->sregs.idt.limit ||
        gmem_read_linear(ef->vm, c->sregs.idt.base + vector * size, g, size) != 0)
        return -1;
    uint64_t off = (uint64_t)g[0] | (uint64_t)g[1] << 8 | (uint64_t)g[6] << 16 | (uint64_t)g[7] << 24;
    if (lma)
        off |= (uint64_t)g[8] << 32 | (uint64_t)g[9] << 40 | (uint64_t)g[10] << 48 | (uint64_t)g[11] << 56;
    uint64_t base;
    if (selector_base(ef, c, (uint16_t)(g[2] | g[3] << 8), &base) != 0)
        return -1;
    *out = lma ? off : (base + off) & 0xffffffffu;
    return 0;
}

int enf_decode_full(const struct cpu_view *c, const uint8_t *bytes, size_t n,
                ZydisDecodedInstruction *in, ZydisDecodedOperand *ops)
{
    ZydisDecoder dec;
    if (c->mode == 64)
        ZydisDecoderInit(&dec, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64);
    else if (c->mode == 32)
        ZydisDecoderInit(&dec, ZYDIS_MACHINE_MODE_LEGACY_32, ZYDIS_STACK_WIDTH_32);
    else
        ZydisDecoderInit(&dec, ZYDIS_MACHINE_MODE_LEGACY_16, ZYDIS_STACK_WIDTH_16);
    return ZYAN_SUCCESS(ZydisDecoderDecodeFull(&dec, bytes, n, in, ops)) ? 0 : -1;
}

/* Where a far branch, IRET, INT or a SYSCALL-family instruction goes,
 * computed from operand, stack, vector table, MSRs or registers.  Returns
 * the number of successors written (0..2). */
int enf_system_successors(struct enf *ef, const struct cpu_view *c, const ZydisDecodedInstruction *in,
                      const uint8_t *bytes, uint64_t out[2])
{
    uint64_t next = enf_cpu_linear(c, c->regs.rip + in->length), base;
    unsigned w = in->operand_width / 8;
    uint8_t op = in->opcode;
    if (in->opcode_map == ZYDIS_OPCODE_MAP_0F) {
        uint64_t msr;
        int lma = (c->sregs.efer & (1u << 10)) != 0;
        switch (in->opcode) {
        case 0x05:                                      /* SYSCALL: LSTAR, CSTAR or STAR[31:0] */
            if (vcpu_get_msr(ef->cpu, !lma ? 0xC0000081u : c->mode == 64 ? 0xC0000082u : 0xC0000083u,
                             &msr) != 0)
                return 0;
            out[0] = lma ? msr : msr & 0xffffffffu;
            return 1;
        case 0x34:                                      /* SYSENTER: IA32_SYSENTER_EIP */
            if (vcpu_get_msr(ef->cpu, 0x176, &msr) != 0)
                return 0;
            out[0] = lma ? msr : msr & 0xffffffffu;
            return 1;
        case 0x07:                                      /* SYSRET: RCX */
            out[0] = in->operand_width == 64 ? c->regs.rcx : c->regs.rcx & 0xffffffffu;
            return 1;
        case 0x35:                                      /* SYSEXIT: RDX */
            out[0] = in->operand_width == 64 ? c->regs.rdx : c->regs.rdx & 0xffffffffu;
            return 1;
        default:
            return 0;
        }
    }
    if (in->opcode_map != ZYDIS_OPCODE_MAP_DEFAULT)
        return 0;
    if (op == 0xEA || op == 0x9A) {                     /* far ptr16:16/32 */
        uint64_t off = 0;
        uint16_t sel;
        memcpy(&off, bytes + in->raw.imm[0].offset, w);
        memcpy(&sel, bytes + in->raw.imm[1].offset, 2);
        if (selector_base(ef, c, sel, &base) != 0)
            return 0;
        out[0] = (base + off) & 0xffffffffu;
        return 1;
    }
    if (op == 0xCA || op == 0xCB || op == 0xCF) {       /* far RET, IRET */
        uint64_t off = 0, ss = c->mode == 64 ? 0 : c->sregs.ss.base;
        uint16_t sel;
        uint64_t sp = c->regs.rsp;
        if (c->mode != 64 && !c->sregs.ss.db)
            sp &= 0xffff;
        if (gmem_read_linear(ef->vm, ss + sp, &off, w) != 0 ||
            gmem_read_linear(ef->vm, ss + sp + w, &sel, 2) != 0 || selector_base(ef, c, sel, &base) != 0)
            return 0;
        out[0] = c->mode == 64 && base == 0 ? off : (base + off) & 0xffffffffu;
        return 1;
    }
    int vector = op == 0xCD ? bytes[in->raw.imm[0].offset] : op == 0xCC ? 3 : op == 0xCE ? 4 : op == 0xF1 ? 1 : -1;
    if (vector < 0 || enf_vector_handler(ef, c, (unsigned)vector, &out[0]) != 0)
        return 0;
    out[1] = next;                                      /* INTO falls through when OF=0 */
    return op == 0xCE ? 2 : 1;
}

/* SGDT/SIDT and the memory forms of SMSW/SLDT/STR: the monitor stores the
 * value itself.  (Executed in place, the store into a read-only page never
 * completes on kvm_pvm: the vCPU spins without an exit.)  Returns 1 done,
 * 0 not one of these, -1 error. */
int enf_emulate_system_store(struct enf *ef, struct cpu_view *c, const uint8_t *bytes,
                         size_t nbytes, const char **how)
{
    ZydisDecodedInstruction in;
    ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
    uint8_t val[10];
    size_t len;
    if (enf_decode_full(c, bytes, nbytes, &in, ops) != 0 || in.operand_count_visible < 1 ||
        ops[0].type != ZYDIS_OPERAND_TYPE_MEMORY)
        return 0;
    switch (in.mnemonic) {
    case ZYDIS_MNEMONIC_SGDT:
    case ZYDIS_MNEMONIC_SIDT: {
        const struct kvm_dtable *t = in.mnemonic == ZYDIS_MNEMONIC_SGDT ? &c->sregs.gdt : &c->sregs.idt;
        memcpy(val, &t->limit, 2);
        memcpy(val + 2, &t->base, 8);
        len = c->mode == 64 ? 10 : 6;
        *how = in.mnemonic == ZYDIS_MNEMONIC_SGDT ? "sgdt" : "sidt";
        break;
    }
    case ZYDIS_MNEMONIC_SMSW: memcpy(val, &c->sregs.cr0, 2); len = 2; *how = "smsw"; break;
    case ZYDIS_MNEMONIC_SLDT: memcpy(val, &c->sregs.ldt.selector, 2); len = 2; *how = "sldt"; break;
    case ZYDIS_MNEMONIC_STR:  memcpy(val, &c->sregs.tr.selector, 2); len = 2; *how = "str"; break;
    default: return 0;
    }
    /* Zydis numbers AX.., EAX.., RAX.. each in encoding order. */
    ZydisRegisterContext rc;
    uint64_t v[16];
    gprs_of(&c->regs, v);
    memset(&rc, 0, sizeof(rc));
    for (int i = 0; i < 16; i++) {
        rc.values[ZYDIS_REGISTER_RAX + i] = v[i];
        rc.values[ZYDIS_REGISTER_EAX + i] = v[i] & 0xffffffffu;
        rc.values[ZYDIS_REGISTER_AX + i] = v[i] & 0xffffu;
    }
    ZyanU64 ea;
    uint64_t ip = enf_cpu_linear(c, c->regs.rip);
    if (!ZYAN_SUCCESS(ZydisCalcAbsoluteAddressEx(&in, &ops[0], ip, &rc, &ea)))
        return 0;
    if (c->mode != 64 || ops[0].mem.segment == ZYDIS_REGISTER_FS || ops[0].mem.segment == ZYDIS_REGISTER_GS) {
        const struct kvm_segment *sg = ops[0].mem.segment == ZYDIS_REGISTER_ES ? &c->sregs.es
            : ops[0].mem.segment == ZYDIS_REGISTER_CS ? &c->sregs.cs
            : ops[0].mem.segment == ZYDIS_REGISTER_SS ? &c->sregs.ss
            : ops[0].mem.segment == ZYDIS_REGISTER_FS ? &c->sregs.fs
            : ops[0].mem.segment == ZYDIS_REGISTER_GS ? &c->sregs.gs : &c->sregs.ds;
        ea += sg->base;
        if (c->mode != 64)
            ea &= 0xffffffffu;
    }
    if (enf_emul_write(ef, ea, val, len) != 0)
        return 0;                       /* unwritable: let the CPU raise the fault in place */
    c->regs.rip += in.length;
    if (c->mode != 64)
        c->regs.rip &= c->mode == 16 ? 0xffffu : 0xffffffffu;
    if (vcpu_set_regs(ef->cpu, &c->regs) != 0) {
        enf_fail(ef, "cannot set registers");
        return -1;
    }
    return 1;
}

/* MOV to CR3: the monitor sets it (KVM reloads the MMU) and moves RIP on,
 * so the next instruction is found through the NEW page tables.  Executed
 * in place, its successor trap would be planted through the old ones.
 * Returns 1 done, 0 not this instruction, -1 error. */
int enf_emulate_cr3_write(struct enf *ef, struct cpu_view *c, const uint8_t *bytes, size_t nbytes)
{
    ZydisDecodedInstruction in;
    ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
    if (enf_decode_full(c, bytes, nbytes, &in, ops) != 0 || in.mnemonic != ZYDIS_MNEMONIC_MOV ||
        ops[0].type != ZYDIS_OPERAND_TYPE_REGISTER || ops[0].reg.value != ZYDIS_REGISTER_CR3 ||
        ops[1].type != ZYDIS_OPERAND_TYPE_REGISTER)
        return 0;
    uint64_t value;
    if (gpr_value(c, ops[1].reg.value, &value) != 0)
        return 0;
    c->sregs.cr3 = c->mode == 64 ? value : value & 0xffffffffu;
    c->regs.rip += in.length;
    if (c->mode != 64)
        c->regs.rip &= 0xffffffffu;
    if (vcpu_set_sregs(ef->cpu, &c->sregs) != 0 || vcpu_set_regs(ef->cpu, &c->regs) != 0) {
        enf_fail(ef, "cannot set CR3 to 0x%llx", (unsigned long long)c->sregs.cr3);
        return -1;
    }
    return 1;
}

/* Sets the bit the CPU itself writes when it loads a descriptor (accessed
 * for code/data, busy for LTR), through the guest write path.  Executed in
 * place, that store into a read-only page never completes on kvm_pvm. */
static void touch_descriptor(struct enf *ef, const struct cpu_view *c, uint16_t sel, uint8_t bit)
{
    uint8_t type;
    uint64_t lin = c->sregs.gdt.base + (sel & ~7u) + 5, gpa;
    if (!(c->sregs.cr0 & 1) || (sel & ~3u) == 0 || (sel & 4) || (sel & ~7u) + 7u > c->sregs.gdt.limit)
        return;
    if (gmem_translate(ef->vm, lin, 1, &gpa) != 0 || memslot_is_protected(ef->vm, PAGE_OF(gpa)) != 1 ||
        enf_read_code(ef, lin, &type, 1) != 0 || !(type & 0x80) || (type & bit))
        return;
    type |= bit;
    enf_apply_write(ef, gpa, &type, 1, 0);
}

/* The selectors a segment-loading instruction will load, touched first. */
void enf_touch_loaded_descriptors(struct enf *ef, const struct cpu_view *c,
                              const ZydisDecodedInstruction *in, const ZydisDecodedOperand *ops,
                              const uint8_t *bytes)
{
    uint16_t sel[2] = { 0, 0 };
    unsigned w = in->operand_width / 8;
    uint64_t sp = c->regs.rsp, ss = c->mode == 64 ? 0 : c->sregs.ss.base;
    if (c->mode != 64 && !c->sregs.ss.db)
        sp &= 0xffff;
    if (in->opcode_map == ZYDIS_OPCODE_MAP_DEFAULT && (in->opcode == 0xEA || in->opcode == 0x9A)) {
        memcpy(&sel[0], bytes + in->raw.imm[1].offset, 2);
    } else if (in->opcode_map == ZYDIS_OPCODE_MAP_DEFAULT && (in->opcode == 0xCA || in->opcode == 0xCB ||
                                                              in->opcode == 0xCF)) {
        gmem_read_linear(ef->vm, ss + sp + w, &sel[0], 2);              /* CS */
        if (in->opcode == 0xCF)
            gmem_read_linear(ef->vm, ss + sp + 4 * w, &sel[1], 2);      /* SS, on a privilege change */
    } else if (in->mnemonic == ZYDIS_MNEMONIC_MOV && ops[0].type == ZYDIS_OPERAND_TYPE_REGISTER &&
               ZydisRegisterGetClass(ops[0].reg.value) == ZYDIS_REGCLASS_SEGMENT) {
        uint64_t value;
        if (ops[1].type == ZYDIS_OPERAND_TYPE_REGISTER && gpr_value(c, ops[1].reg.value, &value) == 0)
            sel[0] = (uint16_t)value;   /* (a selector in memory is not followed) */
    } else if (in->mnemonic == ZYDIS_MNEMONIC_POP && ops[0].type == ZYDIS_OPERAND_TYPE_REGISTER &&
               ZydisRegisterGetClass(ops[0].reg.value) == ZYDIS_REGCLASS_SEGMENT) {
        gmem_read_linear(ef->vm, ss + sp, &sel[0], 2);
    } else if (in->mnemonic == ZYDIS_MNEMONIC_INT || in->mnemonic == ZYDIS_MNEMONIC_INT3 ||
               in->mnemonic == ZYDIS_MNEMONIC_INTO || in->mnemonic == ZYDIS_MNEMONIC_INT1) {
        unsigned vec = in->opcode == 0xCD ? bytes[in->raw.imm[0].offset] : in->opcode == 0xCC ? 3
                     : in->opcode == 0xCE ? 4 : 1;
        unsigned size = (c->sregs.efer & (1u << 10)) ? 16 : 8;
        uint8_t g[4];
        if (vec * size + size - 1 <= c->sregs.idt.limit &&
            gmem_read_linear(ef->vm, c->sregs.idt.base + vec * size, g, 4) == 0)
            sel[0] = (uint16_t)(g[2] | g[3] << 8);
    } else if (in->mnemonic == ZYDIS_MNEMONIC_LTR && ops[0].type == ZYDIS_OPERAND_TYPE_REGISTER) {
        uint64_t value;
        if (gpr_value(c, ops[0].reg.value, &value) == 0)
            touch_descriptor(ef, c, (uint16_t)value, 0x02);         /* busy */
        return;
    }
    for (int i = 0; i < 2; i++)
        if (sel[i])
            touch_descriptor(ef, c, sel[i], 0x01);                 /* accessed */
}

