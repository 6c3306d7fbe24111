/* x86.c — the x86 vocabulary of x86.h: vector names, descriptor and gate
 * decoding, modes, the register table and dumper, decode-once. */
#include "monitor/x86/x86.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "prescan/decoder.h"

/* ── vectors ───────────────────────────────────────────────────────── */

const char *x86_vector_name(unsigned v)
{
    static const char *const n[32] = { "#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF",
        "#CSO", "#TS", "#NP", "#SS", "#GP", "#PF", "#15", "#MF", "#AC", "#MC", "#XM", "#VE", "#CP",
        "#22", "#23", "#24", "#25", "#26", "#27", "#HV", "#VC", "#SX", "#31" };
    return v < 32 ? n[v] : "interrupt";
}

int x86_vector_has_error(unsigned v)
{
    return v == 8 || (v >= 10 && v <= 14) || v == 17 || v == 21 || v == 29 || v == 30;
}

/* ── descriptors and gates ─────────────────────────────────────────── */

void x86_desc_decode(uint64_t d, uint64_t hi, struct x86_desc *out)
{
    memset(out, 0, sizeof(*out));
    out->base = ((d >> 16) & 0xffffff) | (((d >> 56) & 0xff) << 24);
    out->limit = (uint32_t)((d & 0xffff) | (((d >> 48) & 0xf) << 16));
    out->g = (d >> 55) & 1;
    if (out->g)
        out->limit = (out->limit << 12) | 0xfff;
    out->type = (d >> 40) & 0xf;
    out->s = (d >> 44) & 1;
    out->dpl = (d >> 45) & 3;
    out->present = (d >> 47) & 1;
    out->avl = (d >> 52) & 1;
    out->l = (d >> 53) & 1;
    out->db = (d >> 54) & 1;
    if (!out->s)
        out->base |= (hi & 0xffffffffull) << 32;
}

void x86_desc_to_seg(const struct x86_desc *d, uint16_t sel, struct kvm_segment *s)
{
    memset(s, 0, sizeof(*s));
    s->selector = sel;
    s->base = d->base;
    s->limit = d->limit;
    s->type = d->type;
    s->s = d->s;
    s->dpl = d->dpl;
    s->present = d->present;
    s->avl = d->avl;
    s->l = d->l;
    s->db = d->db;
    s->g = d->g;
}

int x86_desc_is_code(const struct x86_desc *d)
{
    return d->s && (d->type & 0x8);
}

void x86_gate_decode(const uint8_t *g, int lm, struct x86_gate *out)
{
    memset(out, 0, sizeof(*out));
    out->offset = (uint64_t)g[0] | (uint64_t)g[1] << 8 | (uint64_t)g[6] << 16 | (uint64_t)g[7] << 24;
    if (lm)
        out->offset |= (uint64_t)g[8] << 32 | (uint64_t)g[9] << 40 | (uint64_t)g[10] << 48 |
                       (uint64_t)g[11] << 56;
    out->selector = (uint16_t)(g[2] | g[3] << 8);
    out->ist = lm ? g[4] & 7 : 0;
    out->type = g[5] & 0x1f;
    out->dpl = (g[5] >> 5) & 3;
    out->present = (g[5] >> 7) & 1;
    /* 16-bit gates carry a 16-bit offset */
    if (!lm && (out->type == X86_GATE_INT16 || out->type == X86_GATE_TRAP16))
        out->offset &= 0xffff;
}

int x86_gate_is_int_or_trap(unsigned type)
{
    return type == X86_GATE_INT16 || type == X86_GATE_TRAP16 || type == X86_GATE_INT32 ||
           type == X86_GATE_TRAP32;
}

/* ── modes ─────────────────────────────────────────────────────────── */

int x86_code_size(const struct kvm_regs *r, const struct kvm_sregs *s)
{
    if (r && (r->rflags & X86_RFLAGS_VM) && (s->cr0 & X86_CR0_PE))
        return 16;                      /* virtual-8086 */
    if ((s->cr0 & X86_CR0_PE) && x86_long_mode(s) && s->cs.l)
        return 64;
    return s->cs.db ? 32 : 16;          /* real mode too: "big real" keeps D */
}

int x86_cpl(const struct kvm_regs *r, const struct kvm_sregs *s)
{
    if (!(s->cr0 & X86_CR0_PE))
        return 0;
    if (r && (r->rflags & X86_RFLAGS_VM))
        return 3;
    return s->ss.dpl & 3;
}

uint64_t x86_cs_linear(const struct kvm_sregs *s, int code_size, uint64_t ip)
{
    if (code_size == 64)
        return ip;
    return (s->cs.base + ip) & 0xffffffffu;
}

/* ── registers ─────────────────────────────────────────────────────── */

/* (struct kvm_regs uses __u64, which is not uint64_t's type on every ABI.) */
uint64_t *x86_gpr_ptr(struct kvm_regs *r, unsigned i)
{
    __u64 *const p[16] = { &r->rax, &r->rcx, &r->rdx, &r->rbx, &r->rsp, &r->rbp, &r->rsi, &r->rdi,
                           &r->r8, &r->r9, &r->r10, &r->r11, &r->r12, &r->r13, &r->r14, &r->r15 };
    return i < 16 ? (uint64_t *)p[i] : NULL;
}

void x86_gprs_get(const struct kvm_regs *r, uint64_t v[16])
{
    const uint64_t g[16] = { r->rax, r->rcx, r->rdx, r->rbx, r->rsp, r->rbp, r->rsi, r->rdi,
                             r->r8, r->r9, r->r10, r->r11, r->r12, r->r13, r->r14, r->r15 };
    memcpy(v, g, sizeof(g));
}

void x86_gprs_set(struct kvm_regs *r, const uint64_t v[16])
{
    for (unsigned i = 0; i < 16; i++)
        *x86_gpr_ptr(r, i) = v[i];
}

/* Display order: the order gdb and the Bochs debugger show. */
static const struct x86_reg_info regs[] = {
    { "rax", X86_REG_GPR, X86_RAX, 64, 1 }, { "rbx", X86_REG_GPR, X86_RBX, 64, 1 },
    { "rcx", X86_REG_GPR, X86_RCX, 64, 1 }, { "rdx", X86_REG_GPR, X86_RDX, 64, 1 },
    { "rsi", X86_REG_GPR, X86_RSI, 64, 1 }, { "rdi", X86_REG_GPR, X86_RDI, 64, 1 },
    { "rbp", X86_REG_GPR, X86_RBP, 64, 1 }, { "rsp", X86_REG_GPR, X86_RSP, 64, 1 },
    { "r8", X86_REG_GPR, X86_R8, 64, 1 },   { "r9", X86_REG_GPR, X86_R9, 64, 1 },
    { "r10", X86_REG_GPR, X86_R10, 64, 1 }, { "r11", X86_REG_GPR, X86_R11, 64, 1 },
    { "r12", X86_REG_GPR, X86_R12, 64, 1 }, { "r13", X86_REG_GPR, X86_R13, 64, 1 },
    { "r14", X86_REG_GPR, X86_R14, 64, 1 }, { "r15", X86_REG_GPR, X86_R15, 64, 1 },
    { "rip", X86_REG_RIP, 0, 64, 1 },       { "rflags", X86_REG_RFLAGS, 0, 32, 1 },
    { "cs", X86_REG_SEG, 1, 16, 0 },        { "ss", X86_REG_SEG, 2, 16, 0 },
    { "ds", X86_REG_SEG, 3, 16, 0 },        { "es", X86_REG_SEG, 0, 16, 0 },
    { "fs", X86_REG_SEG, 4, 16, 0 },        { "gs", X86_REG_SEG, 5, 16, 0 },
    { "fs_base", X86_REG_SEGBASE, 4, 64, 1 }, { "gs_base", X86_REG_SEGBASE, 5, 64, 1 },
    { "cr0", X86_REG_CR, 0, 64, 0 },        { "cr2", X86_REG_CR, 2, 64, 1 },
    { "cr3", X86_REG_CR, 3, 64, 0 },        { "cr4", X86_REG_CR, 4, 64, 0 },
    { "cr8", X86_REG_CR, 8, 64, 0 },        { "efer", X86_REG_EFER, 0, 64, 0 },
    { "gdt_base", X86_REG_DTBASE, 0, 64, 0 }, { "idt_base", X86_REG_DTBASE, 1, 64, 0 },
};
#define NREGS (sizeof(regs) / sizeof(regs[0]))

size_t x86_reg_count(void) { return NREGS; }
const struct x86_reg_info *x86_reg_at(size_t i) { return i < NREGS ? &regs[i] : NULL; }

/* Legacy names of the GPR parts, in encoding order. */
static const char *const gpr32[16] = { "eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi",
    "r8d", "r9d", "r10d", "r11d", "r12d", "r13d", "r14d", "r15d" };
static const char *const gpr16[16] = { "ax", "cx", "dx", "bx", "sp", "bp", "si", "di",
    "r8w", "r9w", "r10w", "r11w", "r12w", "r13w", "r14w", "r15w" };
static const char *const gpr8[16] = { "al", "cl", "dl", "bl", "spl", "bpl", "sil", "dil",
    "r8b", "r9b", "r10b", "r11b", "r12b", "r13b", "r14b", "r15b" };
static const char *const gpr8h[4] = { "ah", "ch", "dh", "bh" };

static const struct x86_reg_info *gpr_info(unsigned id)
{
    for (size_t i = 0; i < NREGS; i++)
        if (regs[i].kind == X86_REG_GPR && regs[i].index == id)
            return &regs[i];
    return NULL;
}

const struct x86_reg_info *x86_reg_find(const char *name, unsigned *shift, unsigned *width)
{
    unsigned sh = 0, w = 64;
    const struct x86_reg_info *ri = NULL;
    for (size_t i = 0; i < NREGS && !ri; i++)
        if (strcasecmp(name, regs[i].name) == 0) {
            ri = &regs[i];
            w = regs[i].bits;
        }
    if (!ri && (strcasecmp(name, "pc") == 0 || strcasecmp(name, "eip") == 0 || strcasecmp(name, "ip") == 0)) {
        ri = x86_reg_find("rip", NULL, NULL);
        w = strcasecmp(name, "ip") == 0 ? 16 : strcasecmp(name, "eip") == 0 ? 32 : 64;
    }
    if (!ri && strcasecmp(name, "eflags") == 0) {
        ri = x86_reg_find("rflags", NULL, NULL);
        w = 32;
    }
    for (unsigned i = 0; i < 16 && !ri; i++) {
        if (strcasecmp(name, gpr32[i]) == 0) { ri = gpr_info(i); w = 32; }
        else if (strcasecmp(name, gpr16[i]) == 0) { ri = gpr_info(i); w = 16; }
        else if (strcasecmp(name, gpr8[i]) == 0) { ri = gpr_info(i); w = 8; }
        else if (i < 4 && strcasecmp(name, gpr8h[i]) == 0) { ri = gpr_info(i); w = 8; sh = 8; }
    }
    if (ri) {
        if (shift) *shift = sh;
        if (width) *width = w;
    }
    return ri;
}

static const struct kvm_segment *seg_of(const struct kvm_sregs *s, unsigned i)
{
    const struct kvm_segment *t[6] = { &s->es, &s->cs, &s->ss, &s->ds, &s->fs, &s->gs };
    return i < 6 ? t[i] : &s->ds;
}

uint64_t x86_reg_get(const struct x86_reg_info *ri, const struct kvm_regs *r, const struct kvm_sregs *s)
{
    switch (ri->kind) {
    case X86_REG_GPR: {
        uint64_t v[16];
        x86_gprs_get(r, v);
        return v[ri->index & 15];
    }
    case X86_REG_RIP: return r->rip;
    case X86_REG_RFLAGS: return r->rflags;
    case X86_REG_SEG: return seg_of(s, ri->index)->selector;
    case X86_REG_SEGBASE: return seg_of(s, ri->index)->base;
    case X86_REG_CR:
        switch (ri->index) {
        case 0: return s->cr0;
        case 2: return s->cr2;
        case 3: return s->cr3;
        case 4: return s->cr4;
        default: return s->cr8;
        }
    case X86_REG_EFER: return s->efer;
    case X86_REG_DTBASE: return ri->index ? s->idt.base : s->gdt.base;
    }
    return 0;
}

int x86_reg_set(const struct x86_reg_info *ri, struct kvm_regs *r, struct kvm_sregs *s, uint64_t v)
{
    if (!ri->writable)
        return -1;
    switch (ri->kind) {
    case X86_REG_GPR: *x86_gpr_ptr(r, ri->index) = v; return 0;
    case X86_REG_RIP: r->rip = v; return 0;
    case X86_REG_RFLAGS: r->rflags = (v & 0x3f7fd7u) | X86_RFLAGS_FIXED; return 0;
    case X86_REG_SEGBASE:
        if (ri->index == 4) s->fs.base = v; else s->gs.base = v;
        return 0;
    case X86_REG_CR:
        if (ri->index == 2) { s->cr2 = v; return 0; }
        return -1;
    default:
        return -1;
    }
}

void x86_format_flags(uint64_t rflags, char *buf, size_t len)
{
    static const char *const names[22] = { "CF", "", "PF", "", "AF", "", "ZF", "SF", "TF", "IF", "DF", "OF",
                                            "", "", "NT", "", "RF", "VM", "AC", "VIF", "VIP", "ID" };
    size_t n = 0;
    if (len)
        buf[0] = 0;
    for (int b = 0; b < 22; b++)
        if (names[b][0] && (rflags >> b & 1) && n < len)
            n += (size_t)snprintf(buf + n, len - n, "%s%s", n ? " " : "", names[b]);
}

static void seg_str(char *b, size_t n, const char *name, const struct kvm_segment *s)
{
    snprintf(b, n, "%s=%04x base=%llx lim=%x dpl=%u%s%s", name, s->selector,
             (unsigned long long)s->base, s->limit, s->dpl, s->l ? " L" : "", s->db ? " D" : "");
}

void x86_format_state(const struct kvm_regs *r, const struct kvm_sregs *s, char *buf, size_t len)
{
    char cs[96], ss[96];
    seg_str(cs, sizeof cs, "cs", &s->cs);
    seg_str(ss, sizeof ss, "ss", &s->ss);
    snprintf(buf, len,
        "  rax=%016llx rbx=%016llx rcx=%016llx rdx=%016llx\n"
        "  rsi=%016llx rdi=%016llx rbp=%016llx rsp=%016llx\n"
        "  r8 =%016llx r9 =%016llx r10=%016llx r11=%016llx\n"
        "  r12=%016llx r13=%016llx r14=%016llx r15=%016llx\n"
        "  rip=%016llx rflags=%08llx mode=%d cpl=%d\n"
        "  %s  %s\n"
        "  cr0=%08llx cr2=%016llx cr3=%016llx cr4=%08llx efer=%llx\n",
        (unsigned long long)r->rax, (unsigned long long)r->rbx, (unsigned long long)r->rcx, (unsigned long long)r->rdx,
        (unsigned long long)r->rsi, (unsigned long long)r->rdi, (unsigned long long)r->rbp, (unsigned long long)r->rsp,
        (unsigned long long)r->r8, (unsigned long long)r->r9, (unsigned long long)r->r10, (unsigned long long)r->r11,
        (unsigned long long)r->r12, (unsigned long long)r->r13, (unsigned long long)r->r14, (unsigned long long)r->r15,
        (unsigned long long)r->rip, (unsigned long long)r->rflags, x86_code_size(r, s), x86_cpl(r, s), cs, ss,
        (unsigned long long)s->cr0, (unsigned long long)s->cr2, (unsigned long long)s->cr3,
        (unsigned long long)s->cr4, (unsigned long long)s->efer);
}

/* ── decode once ───────────────────────────────────────────────────── */

const ZydisDecoder *x86_decoder(int code_size, int amd_branches, int minimal)
{
    /* [size 16/32/64][amd][minimal], built on first use */
    static ZydisDecoder dec[3][2][2];
    static int ready[3][2][2];
    int si = code_size == 64 ? 2 : code_size == 32 ? 1 : 0, a = !!amd_branches, m = !!minimal;
    if (!ready[si][a][m]) {
        if (prescan_decoder_init(&dec[si][a][m], code_size, a, m) != 0)
            return NULL;
        ready[si][a][m] = 1;
    }
    return &dec[si][a][m];
}

int x86_decode(struct x86_insn *in, int code_size, int amd_branches, const uint8_t *bytes, size_t n)
{
    memset(&in->zi, 0, sizeof(in->zi));
    in->ok = 0;
    in->code_size = code_size;
    in->amd_branches = amd_branches;
    if (n > sizeof(in->bytes))
        n = sizeof(in->bytes);
    memcpy(in->bytes, bytes, n);
    in->nbytes = (unsigned)n;
    const ZydisDecoder *d = x86_decoder(code_size, amd_branches, 0);
    if (!d || n == 0 || !ZYAN_SUCCESS(ZydisDecoderDecodeFull(d, in->bytes, n, &in->zi, in->ops)))
        return -1;
    in->ok = 1;
    return 0;
}

/* Intel syntax, built once per style: [0] Zydis's default padding (the
 * commands'), [1] no zero padding of addresses, displacements and
 * immediates. */
static const ZydisFormatter *formatter(int compact)
{
    static ZydisFormatter fmt[2];
    static int ready[2];
    int c = !!compact;
    if (!ready[c]) {
        ZydisFormatter *f = &fmt[c];
        if (!ZYAN_SUCCESS(ZydisFormatterInit(f, ZYDIS_FORMATTER_STYLE_INTEL)))
            return NULL;
        if (c && (!ZYAN_SUCCESS(ZydisFormatterSetProperty(f, ZYDIS_FORMATTER_PROP_ADDR_PADDING_ABSOLUTE,
                                                          ZYDIS_PADDING_DISABLED)) ||
                  !ZYAN_SUCCESS(ZydisFormatterSetProperty(f, ZYDIS_FORMATTER_PROP_DISP_PADDING,
                                                          ZYDIS_PADDING_DISABLED)) ||
                  !ZYAN_SUCCESS(ZydisFormatterSetProperty(f, ZYDIS_FORMATTER_PROP_IMM_PADDING,
                                                          ZYDIS_PADDING_DISABLED))))
            return NULL;
        ready[c] = 1;
    }
    return &fmt[c];
}

int x86_format_insn(const struct x86_insn *in, uint64_t address, int compact, char *buf, size_t len)
{
    if (!in->ok) {
        snprintf(buf, len, "(bad)");
        return -1;
    }
    const ZydisFormatter *fmt = formatter(compact);
    if (!fmt)
        return -1;
    if (!ZYAN_SUCCESS(ZydisFormatterFormatInstruction(fmt, &in->zi, in->ops, in->zi.operand_count_visible,
                                                      buf, len, address, NULL))) {
        snprintf(buf, len, "(bad)");
        return -1;
    }
    return 0;
}
