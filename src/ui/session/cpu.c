/* cpu.c — the guest's registers through the x86 register table, its CPU
 * mode, and disassembly of one instruction.  See session.h. */
#include "ui/session/session_priv.h"

#include <stdio.h>
#include <string.h>

#include "base/base.h"

size_t session_reg_count(void) { return x86_reg_count(); }
const struct x86_reg_info *session_reg_at(size_t i) { return x86_reg_at(i); }

int session_regs(struct session *s, struct kvm_regs *r, struct kvm_sregs *sr)
{
    if (vcpu_get_regs(s->impl->cpu, r) != 0 || vcpu_get_sregs(s->impl->cpu, sr) != 0)
        return -1;
    return 0;
}

int session_reg_get(struct session *s, const struct x86_reg_info *ri, uint64_t *v)
{
    struct kvm_regs r;
    struct kvm_sregs sr;
    if (!ri || session_regs(s, &r, &sr) != 0)
        return -1;
    *v = x86_reg_get(ri, &r, &sr);
    return 0;
}

int session_reg_set(struct session *s, const struct x86_reg_info *ri, uint64_t v)
{
    struct kvm_regs r;
    struct kvm_sregs sr;
    if (!ri || session_regs(s, &r, &sr) != 0 || x86_reg_set(ri, &r, &sr, v) != 0)
        return -1;
    switch (ri->kind) {
    case X86_REG_GPR:
    case X86_REG_RIP:
    case X86_REG_RFLAGS:
        return vcpu_set_regs(s->impl->cpu, &r);
    default:
        return vcpu_set_sregs(s->impl->cpu, &sr);
    }
}

int session_reg_read(struct session *s, const char *name, uint64_t *v)
{
    unsigned shift, width;
    const struct x86_reg_info *ri = x86_reg_find(name, &shift, &width);
    uint64_t x;
    if (!ri || session_reg_get(s, ri, &x) != 0)
        return -1;
    x >>= shift;
    *v = width >= 64 ? x : x & ((UINT64_C(1) << width) - 1);
    return 0;
}

const struct x86_reg_info *session_reg_find(const char *name, unsigned *shift, unsigned *width)
{
    return x86_reg_find(name, shift, width);
}

int session_reg_write(struct session *s, const char *name, uint64_t v, char *err, size_t errlen)
{
    unsigned shift, width;
    uint64_t old;
    const struct x86_reg_info *ri = x86_reg_find(name, &shift, &width);
    if (!ri)
        return base_err(err, errlen, "no such register");
    if (!ri->writable)
        return base_err(err, errlen, "not writable here");
    if (session_reg_get(s, ri, &old) != 0)
        return base_err(err, errlen, "cannot read the vCPU");
    uint64_t mask = width >= 64 ? UINT64_MAX : ((UINT64_C(1) << width) - 1) << shift;
    if (width == 32 && shift == 0 && ri->kind == X86_REG_GPR)
        mask = UINT64_MAX;              /* a 32-bit part zero-extends, as the CPU does */
    uint64_t nv = (old & ~mask) | ((v << shift) & mask);
    if (session_reg_set(s, ri, nv) != 0)
        return base_err(err, errlen, "the vCPU refused 0x%llx", (unsigned long long)nv);
    return 0;
}

void session_format_flags(uint64_t rflags, char *buf, size_t len) { x86_format_flags(rflags, buf, len); }

void session_format_state(struct session *s, char *buf, size_t len)
{
    vcpu_format_state(s->impl->cpu, buf, len);
}

int session_mode(struct session *s)
{
    int m = vcpu_code_size(s->impl->cpu);
    return m == 16 || m == 32 ? m : 64;
}

const char *session_mode_name(struct session *s)
{
    switch (vcpu_code_size(s->impl->cpu)) {
    case 16: return "real";
    case 32: return "prot32";
    default: return "long64";
    }
}

int session_cpl(struct session *s) { return vcpu_cpl(s->impl->cpu); }

uint64_t session_rip_linear(struct session *s)
{
    struct kvm_regs r;
    struct kvm_sregs sr;
    if (session_regs(s, &r, &sr) != 0)
        return 0;
    return x86_cs_linear(&sr, x86_code_size(&r, &sr), r.rip);
}

/* ── disassembly ────────────────────────────────────────────────────── */

/* " <sym+off>" after a branch target, "  # <sym+off>" after a RIP-relative
 * operand's address, when a symbol is there. */
static void annotate(struct session *s, const struct x86_insn *xi, uint64_t linear, char *text, size_t len)
{
    for (unsigned i = 0; i < xi->zi.operand_count_visible; i++) {
        const ZydisDecodedOperand *op = &xi->ops[i];
        int branch = op->type == ZYDIS_OPERAND_TYPE_IMMEDIATE && op->imm.is_relative;
        int riprel = op->type == ZYDIS_OPERAND_TYPE_MEMORY && op->mem.base == ZYDIS_REGISTER_RIP;
        ZyanU64 target;
        char sym[200];
        if ((!branch && !riprel) || !ZYAN_SUCCESS(ZydisCalcAbsoluteAddress(&xi->zi, op, linear, &target)) ||
            !session_sym_format(s, target, sym, sizeof(sym)))
            continue;
        size_t n = strlen(text);
        snprintf(text + n, len - n, branch ? " <%s>" : "  # <%s>", sym);
        return;
    }
}

unsigned session_disasm(struct session *s, uint64_t linear, int mode, unsigned flags, struct session_insn *insn)
{
    /* as many bytes as are readable, up to SESSION_INSN_MAX */
    size_t first = base_page_chunk(linear, SESSION_INSN_MAX);
    insn->nbytes = 0;
    insn->length = 0;
    insn->flow = 0;
    if (session_read_linear(s, linear, insn->bytes, first) == 0) {
        insn->nbytes = (unsigned)first;
        if (first < SESSION_INSN_MAX &&
            session_read_linear(s, linear + first, insn->bytes + first, SESSION_INSN_MAX - first) == 0)
            insn->nbytes = SESSION_INSN_MAX;
    }
    if (insn->nbytes == 0) {
        snprintf(insn->text, sizeof(insn->text), "(unreadable)");
        return 0;
    }
    struct x86_insn xi;
    if (x86_decode(&xi, mode, 0, insn->bytes, insn->nbytes) != 0) {
        snprintf(insn->text, sizeof(insn->text), "(bad)");
        return 0;
    }
    if (x86_format_insn(&xi, linear, !!(flags & SESSION_DISASM_COMPACT), insn->text, sizeof(insn->text)) != 0)
        snprintf(insn->text, sizeof(insn->text), "(bad)");
    else if (flags & SESSION_DISASM_SYMBOLS)
        annotate(s, &xi, linear, insn->text, sizeof(insn->text));
    insn->length = xi.zi.length;
    insn->flow = xi.zi.meta.category == ZYDIS_CATEGORY_CALL ? SESSION_INSN_CALL | SESSION_INSN_BRANCH
                 : xi.zi.meta.category == ZYDIS_CATEGORY_RET ? SESSION_INSN_RET | SESSION_INSN_BRANCH | SESSION_INSN_TERMINAL
                 : xi.zi.meta.category == ZYDIS_CATEGORY_COND_BR ? SESSION_INSN_BRANCH
                 : xi.zi.meta.category == ZYDIS_CATEGORY_UNCOND_BR ? SESSION_INSN_BRANCH | SESSION_INSN_TERMINAL : 0;
    return insn->length;
}
