/* sys.c — system instructions for the enforcement loop, computed from the
 * vCPU state (struct cpu_view) and guest memory: the register view the
 * emulator (x86.h) works on and back, operand addresses, the successors of
 * SYSCALL-family instructions, and the system instructions scout performs
 * itself (SGDT/SIDT/SMSW/SLDT/STR stores, MOV to CR3).  Guest stores go
 * through the write path (write.c); stores outside RAM go to the devices,
 * as the CPU's would. */
#include <inttypes.h>
#include <stdint.h>
#include <string.h>

#include "monitor/enforce/enforce_priv.h"

void enf_cpu_to_emul(struct enf *ef, const struct cpu_view *c, struct x86_emul_cpu *e)
{
    const struct kvm_sregs *s = &c->sregs;
    memset(e, 0, sizeof(*e));
    x86_gprs_get(&c->regs, e->gpr);
    e->rip = c->regs.rip;
    e->rflags = c->regs.rflags;
    e->seg_base[X86_EMUL_ES] = s->es.base;
    e->seg_base[X86_EMUL_CS] = s->cs.base;
    e->seg_base[X86_EMUL_SS] = s->ss.base;
    e->seg_base[X86_EMUL_DS] = s->ds.base;
    e->seg_base[X86_EMUL_FS] = s->fs.base;
    e->seg_base[X86_EMUL_GS] = s->gs.base;
    e->cs_sel = s->cs.selector;
    e->cs_limit = c->mode == 64 ? 0 : s->cs.limit;
    e->mode = c->mode;
    e->stack_size = c->mode == 64 ? 64 : s->ss.db ? 32 : 16;
    e->real_mode = !(s->cr0 & X86_CR0_PE);
    e->cpl = c->cpl;
    e->amd_branches = ef->amd_branches;
    e->lma = x86_long_mode(s);
    e->gdt_base = s->gdt.base;
    e->gdt_limit = s->gdt.limit;
    e->idt_base = s->idt.base;
    e->idt_limit = s->idt.limit;
    e->ldt_base = s->ldt.base;
    e->ldt_limit = s->ldt.limit;
    e->ldt_usable = s->ldt.present && !s->ldt.unusable;
}

int enf_emul_to_cpu(struct enf *ef, const struct x86_emul_cpu *e, struct cpu_view *c)
{
    x86_gprs_set(&c->regs, e->gpr);
    c->regs.rip = e->rip;
    c->regs.rflags = e->rflags;
    if (vcpu_set_regs(ef->cpu, &c->regs) != 0) {
        enf_fail(ef, "cannot set registers");
        return -1;
    }
    if (e->cs_changed) {
        /* real mode: a new CS is a selector and its base, nothing else */
        c->sregs.cs.selector = e->cs_sel;
        c->sregs.cs.base = e->seg_base[X86_EMUL_CS];
        if (vcpu_set_sregs(ef->cpu, &c->sregs) != 0) {
            enf_fail(ef, "cannot set CS");
            return -1;
        }
        c->mode = x86_code_size(&c->regs, &c->sregs);
    }
    return 0;
}

int enf_emul_read(void *ctx, uint64_t linear, void *buf, size_t len)
{
    return enf_read_code(ctx, linear, buf, len);
}

/* Emulated stores take the same path as the guest's own: RAM through the
 * write check, anything else to the devices. */
int enf_emul_write(void *ctx, uint64_t linear, const void *buf, size_t len)
{
    struct enf *ef = ctx;
    uint64_t gpa[2];
    size_t first = base_page_chunk(linear, len);
    if (gmem_translate(ef->vm, linear, 1, &gpa[0]) != 0)
        return -1;
    if (first < len && gmem_translate(ef->vm, linear + first, 1, &gpa[1]) != 0)
        return -1;
    for (int part = 0; part < 2; part++) {
        uint64_t a = gpa[part];
        size_t n = part ? len - first : first;
        const uint8_t *d = (const uint8_t *)buf + (part ? first : 0);
        if (!n)
            continue;
        if (a >= vm_mem_size(ef->vm)) {
            if (vm_mmio_write(ef->vm, a, d, n) != 0)
                return -1;
        } else if (enf_apply_write(ef, a, d, n, 0) != 0) {
            return -1;
        }
    }
    return 0;
}

/* Effective linear address of memory operand `op` (segment base applied
 * where the mode applies it). */
int enf_operand_linear(const struct cpu_view *c, const struct x86_insn *in, unsigned op, uint64_t *lin)
{
    const ZydisDecodedOperand *o = &in->ops[op];
    ZydisRegisterContext rc;
    uint64_t v[16];
    if (o->type != ZYDIS_OPERAND_TYPE_MEMORY)
        return -1;
    x86_gprs_get(&c->regs, v);
    memset(&rc, 0, sizeof(rc));
    /* Zydis numbers AX.., EAX.., RAX.. each in encoding order */
    for (int i = 0; i < 16; i++) {
        rc.values[ZYDIS_REGISTER_RAX + i] = v[i];
        rc.values[ZYDIS_REGISTER_EAX + i] = v[i] & 0xffffffffu;
        rc.values[ZYDIS_REGISTER_AX + i] = v[i] & 0xffffu;
    }
    ZyanU64 ea;
    uint64_t ip = enf_cpu_linear(c, c->regs.rip);
    if (!ZYAN_SUCCESS(ZydisCalcAbsoluteAddressEx(&in->zi, o, ip, &rc, &ea)))
        return -1;
    ZydisRegister sr = o->mem.segment;
    if (c->mode != 64 || sr == ZYDIS_REGISTER_FS || sr == ZYDIS_REGISTER_GS) {
        const struct kvm_segment *sg = sr == ZYDIS_REGISTER_ES ? &c->sregs.es
            : sr == ZYDIS_REGISTER_CS ? &c->sregs.cs
            : sr == ZYDIS_REGISTER_SS ? &c->sregs.ss
            : sr == ZYDIS_REGISTER_FS ? &c->sregs.fs
            : sr == ZYDIS_REGISTER_GS ? &c->sregs.gs : &c->sregs.ds;
        ea += sg->base;
        if (c->mode != 64)
            ea &= 0xffffffffu;
    }
    *lin = ea;
    return 0;
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
    x86_gprs_get(&c->regs, v);
    *out = v[id];
    return 0;
}

/* Where a SYSCALL-family instruction goes: from its MSRs or registers.
 * Returns the number of successors written (1), or -1 (not one of these). */
int enf_system_successors(struct enf *ef, const struct cpu_view *c, const struct x86_insn *in, uint64_t out[2])
{
    const ZydisDecodedInstruction *zi = &in->zi;
    if (zi->opcode_map != ZYDIS_OPCODE_MAP_0F)
        return -1;
    uint64_t msr;
    int lma = x86_long_mode(&c->sregs);
    switch (zi->opcode) {
    case 0x05:                                      /* SYSCALL: LSTAR, CSTAR or STAR[31:0] */
        if (vcpu_get_msr(ef->cpu, !lma ? X86_MSR_STAR : c->mode == 64 ? X86_MSR_LSTAR : X86_MSR_CSTAR,
                         &msr) != 0)
            return -1;
        out[0] = lma ? msr : msr & 0xffffffffu;
        return 1;
    case 0x34:                                      /* SYSENTER: IA32_SYSENTER_EIP */
        if (vcpu_get_msr(ef->cpu, X86_MSR_SYSENTER_EIP, &msr) != 0)
            return -1;
        out[0] = lma ? msr : msr & 0xffffffffu;
        return 1;
    case 0x07:                                      /* SYSRET: RCX */
        out[0] = zi->operand_width == 64 ? c->regs.rcx : c->regs.rcx & 0xffffffffu;
        return 1;
    case 0x35:                                      /* SYSEXIT: RDX */
        out[0] = zi->operand_width == 64 ? c->regs.rdx : c->regs.rdx & 0xffffffffu;
        return 1;
    default:
        return -1;
    }
}

static int advance(struct enf *ef, struct cpu_view *c, const struct x86_insn *in)
{
    c->regs.rip += in->zi.length;
    if (c->mode != 64)
        c->regs.rip &= c->mode == 16 ? 0xffffu : 0xffffffffu;
    if (vcpu_set_regs(ef->cpu, &c->regs) != 0) {
        enf_fail(ef, "cannot set registers");
        return -1;
    }
    return 1;
}

/* SGDT/SIDT and the memory forms of SMSW/SLDT/STR: scout stores the value
 * itself (through the write path); MOV to CR3: scout sets it and moves RIP
 * on, so the next instruction is found through the NEW page tables
 * (executed in place, its successor guard would be planted through the
 * old ones).  1 done, 0 not one of these (or the store cannot be made:
 * the CPU raises the fault in place), -1 error. */
int enf_emulate_system(struct enf *ef, struct cpu_view *c, const struct x86_insn *in, const char **how)
{
    const ZydisDecodedInstruction *zi = &in->zi;
    uint8_t val[10];
    size_t len;
    if (!in->ok)
        return 0;
    if (zi->mnemonic == ZYDIS_MNEMONIC_MOV && in->ops[0].type == ZYDIS_OPERAND_TYPE_REGISTER &&
        in->ops[0].reg.value == ZYDIS_REGISTER_CR3 && in->ops[1].type == ZYDIS_OPERAND_TYPE_REGISTER) {
        uint64_t value;
        if (c->cpl != 0 || gpr_value(c, in->ops[1].reg.value, &value) != 0)
            return 0;
        c->sregs.cr3 = c->mode == 64 ? value : value & 0xffffffffu;
        if (vcpu_set_sregs(ef->cpu, &c->sregs) != 0) {
            enf_fail(ef, "cannot set CR3 to 0x%llx", (unsigned long long)c->sregs.cr3);
            return -1;
        }
        *how = "mov-cr3";
        return advance(ef, c, in);
    }
    if (zi->mnemonic == ZYDIS_MNEMONIC_LTR) {
        *how = "ltr";
        return enf_emulate_ltr(ef, c, in);
    }
    if (zi->operand_count_visible < 1 || in->ops[0].type != ZYDIS_OPERAND_TYPE_MEMORY)
        return 0;
    switch (zi->mnemonic) {
    case ZYDIS_MNEMONIC_SGDT:
    case ZYDIS_MNEMONIC_SIDT: {
        const struct kvm_dtable *t = zi->mnemonic == ZYDIS_MNEMONIC_SGDT ? &c->sregs.gdt : &c->sregs.idt;
        memcpy(val, &t->limit, 2);
        memcpy(val + 2, &t->base, 8);
        len = c->mode == 64 ? 10 : 6;
        *how = zi->mnemonic == ZYDIS_MNEMONIC_SGDT ? "sgdt" : "sidt";
        break;
    }
    case ZYDIS_MNEMONIC_SMSW: memcpy(val, &c->sregs.cr0, 2); len = 2; *how = "smsw"; break;
    case ZYDIS_MNEMONIC_SLDT: memcpy(val, &c->sregs.ldt.selector, 2); len = 2; *how = "sldt"; break;
    case ZYDIS_MNEMONIC_STR:  memcpy(val, &c->sregs.tr.selector, 2); len = 2; *how = "str"; break;
    default: return 0;
    }
    uint64_t ea;
    if (enf_operand_linear(c, in, 0, &ea) != 0 || enf_emul_write(ef, ea, val, len) != 0)
        return 0;                       /* unwritable: let the CPU raise the fault in place */
    return ef->failed ? -1 : advance(ef, c, in);
}

/* ── descriptors the CPU writes ──────────────────────────────────────── *
 * Loading a segment register sets the accessed bit of its descriptor; LTR
 * sets the TSS busy bit.  On a software KVM that store, into a GDT in a
 * read-only page, never completes (the vCPU spins without an exit), so
 * scout makes it first, through the write path: the same byte the CPU
 * would write.  (It is written only for present descriptors of the right
 * kind, where the load itself would succeed.) */

/* The linear address of a selector's descriptor; -1 for a null selector
 * or one beyond its table. */
static int desc_linear(const struct cpu_view *c, uint16_t sel, uint64_t *lin)
{
    uint64_t base = (sel & 4) ? c->sregs.ldt.base : c->sregs.gdt.base;
    uint32_t limit = (sel & 4) ? c->sregs.ldt.limit : c->sregs.gdt.limit;
    if (!(c->sregs.cr0 & X86_CR0_PE) || (sel & ~3u) == 0 || (sel & ~7u) + 7u > limit ||
        ((sel & 4) && (c->sregs.ldt.unusable || !c->sregs.ldt.present)))
        return -1;
    *lin = base + (sel & ~7u);
    return 0;
}

static int desc_byte(struct enf *ef, const struct cpu_view *c, uint16_t sel, uint64_t *lin, uint8_t *type)
{
    if (desc_linear(c, sel, lin) != 0)
        return -1;
    *lin += 5;
    return enf_read_code(ef, *lin, type, 1);
}

int enf_read_desc(struct enf *ef, const struct cpu_view *c, uint16_t sel, struct x86_desc *d)
{
    uint64_t lin, raw;
    if (desc_linear(c, sel, &lin) != 0 || enf_read_code(ef, lin, &raw, 8) != 0)
        return -1;
    x86_desc_decode(raw, 0, d);
    return 0;
}

/* Sets the accessed bit of a code or data descriptor, as loading it will. */
void enf_touch_selector(struct enf *ef, const struct cpu_view *c, uint16_t sel)
{
    uint64_t lin, gpa;
    uint8_t type;
    if (desc_byte(ef, c, sel, &lin, &type) != 0 || !(type & 0x80) || !(type & 0x10) || (type & 0x01))
        return;                         /* not present, a system descriptor, or accessed already */
    if (gmem_translate(ef->vm, lin, 1, &gpa) != 0)
        return;
    type |= 0x01;                       /* (even where the page is writable now: the end of this
                                           exit may make it read-only -- a table page) */
    enf_apply_write(ef, gpa, &type, 1, 0);
}

static uint16_t read_sel(struct enf *ef, uint64_t lin)
{
    uint16_t sel = 0;
    return enf_read_code(ef, lin, &sel, 2) == 0 ? sel : 0;
}

/* The selectors an instruction executed in place will load, touched first. */
void enf_touch_loaded_selectors(struct enf *ef, const struct cpu_view *c, const struct x86_insn *in)
{
    const ZydisDecodedInstruction *zi = &in->zi;
    uint16_t sel[3] = { 0, 0, 0 };
    unsigned w = zi->operand_width / 8;
    uint64_t sp = c->regs.rsp, ss = c->mode == 64 ? 0 : c->sregs.ss.base, lin;
    if (!in->ok || !(c->sregs.cr0 & X86_CR0_PE) || (c->regs.rflags & X86_RFLAGS_VM))
        return;
    if (c->mode != 64 && !c->sregs.ss.db)
        sp &= 0xffff;
    int def = zi->opcode_map == ZYDIS_OPCODE_MAP_DEFAULT;
    if (def && (zi->opcode == 0xEA || zi->opcode == 0x9A)) {
        sel[0] = in->ops[0].ptr.segment;
    } else if (def && zi->opcode == 0xFF && (zi->raw.modrm.reg == 3 || zi->raw.modrm.reg == 5)) {
        if (enf_operand_linear(c, in, 0, &lin) == 0)
            sel[0] = read_sel(ef, lin + w);
    } else if (def && (zi->opcode == 0xCA || zi->opcode == 0xCB)) {
        unsigned imm = zi->opcode == 0xCA ? (unsigned)zi->raw.imm[0].value.u : 0;
        sel[0] = read_sel(ef, ss + sp + w);
        if ((sel[0] & 3) > (unsigned)c->cpl)
            sel[1] = read_sel(ef, ss + sp + 3 * w + imm);
    } else if (def && zi->opcode == 0xCF) {
        sel[0] = read_sel(ef, ss + sp + w);
        if (c->mode == 64 || (sel[0] & 3) > (unsigned)c->cpl)
            sel[1] = read_sel(ef, ss + sp + 4 * w);
    } else if (zi->mnemonic == ZYDIS_MNEMONIC_MOV && in->ops[0].type == ZYDIS_OPERAND_TYPE_REGISTER &&
               ZydisRegisterGetClass(in->ops[0].reg.value) == ZYDIS_REGCLASS_SEGMENT) {
        uint64_t value;
        if (in->ops[1].type == ZYDIS_OPERAND_TYPE_REGISTER && gpr_value(c, in->ops[1].reg.value, &value) == 0)
            sel[0] = (uint16_t)value;
        else if (in->ops[1].type == ZYDIS_OPERAND_TYPE_MEMORY && enf_operand_linear(c, in, 1, &lin) == 0)
            sel[0] = read_sel(ef, lin);
    } else if (zi->mnemonic == ZYDIS_MNEMONIC_POP && in->ops[0].type == ZYDIS_OPERAND_TYPE_REGISTER &&
               ZydisRegisterGetClass(in->ops[0].reg.value) == ZYDIS_REGCLASS_SEGMENT) {
        sel[0] = read_sel(ef, ss + sp);
    } else if (zi->mnemonic == ZYDIS_MNEMONIC_LDS || zi->mnemonic == ZYDIS_MNEMONIC_LES ||
               zi->mnemonic == ZYDIS_MNEMONIC_LFS || zi->mnemonic == ZYDIS_MNEMONIC_LGS ||
               zi->mnemonic == ZYDIS_MNEMONIC_LSS) {
        if (enf_operand_linear(c, in, 1, &lin) == 0)
            sel[0] = read_sel(ef, lin + w);
    }
    for (int i = 0; i < 3; i++)
        if (sel[i])
            enf_touch_selector(ef, c, sel[i]);
}

/* LTR, done by scout: the descriptor must be an available TSS; its busy bit
 * is set through the write path and TR loaded.  1 done, 0 not LTR or the
 * CPU must raise the fault itself, -1 error. */
int enf_emulate_ltr(struct enf *ef, struct cpu_view *c, const struct x86_insn *in)
{
    uint64_t value, lin, gpa;
    uint8_t raw[16];
    if (!in->ok || in->zi.mnemonic != ZYDIS_MNEMONIC_LTR || c->cpl != 0 || !(c->sregs.cr0 & X86_CR0_PE))
        return 0;
    if (in->ops[0].type == ZYDIS_OPERAND_TYPE_REGISTER) {
        if (gpr_value(c, in->ops[0].reg.value, &value) != 0)
            return 0;
    } else if (enf_operand_linear(c, in, 0, &lin) == 0) {
        value = read_sel(ef, lin);
    } else {
        return 0;
    }
    uint16_t sel = (uint16_t)value;
    int lm = x86_long_mode(&c->sregs);
    uint64_t base = c->sregs.gdt.base + (sel & ~7u);
    if ((sel & 4) || (sel & ~3u) == 0 || (sel & ~7u) + (lm ? 15u : 7u) > c->sregs.gdt.limit ||
        enf_read_code(ef, base, raw, lm ? 16 : 8) != 0)
        return 0;                       /* #GP: the CPU raises it */
    uint64_t lo, hi = 0;
    memcpy(&lo, raw, 8);
    if (lm)
        memcpy(&hi, raw + 8, 8);
    struct x86_desc d;
    x86_desc_decode(lo, hi, &d);
    if (d.s || !d.present || (d.type != 0x9 && d.type != 0x1))
        return 0;                       /* not an available TSS: #GP/#NP in place */
    uint8_t type = raw[5] | 0x02;
    if (gmem_translate(ef->vm, base + 5, 1, &gpa) != 0 || enf_apply_write(ef, gpa, &type, 1, 0) != 0)
        return 0;
    d.type |= 0x2;
    x86_desc_to_seg(&d, sel, &c->sregs.tr);
    if (vcpu_set_sregs(ef->cpu, &c->sregs) != 0) {
        enf_fail(ef, "cannot set TR");
        return -1;
    }
    return advance(ef, c, in);
}
