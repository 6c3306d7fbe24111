/* decoder.c — Zydis decoders by code size; see prescan.h ("decoders"). */

#include "prescan/prescan_priv.h"

int prescan_decoder_init(ZydisDecoder *d, int code_size, int amd_branches, int minimal)
{
    static const struct { ZydisMachineMode m; ZydisStackWidth w; } modes[3] = {
        { ZYDIS_MACHINE_MODE_LEGACY_16, ZYDIS_STACK_WIDTH_16 },
        { ZYDIS_MACHINE_MODE_LEGACY_32, ZYDIS_STACK_WIDTH_32 },
        { ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64 },
    };
    int i = code_size == 64 ? 2 : code_size == 32 ? 1 : 0;
    if (!ZYAN_SUCCESS(ZydisDecoderInit(d, modes[i].m, modes[i].w)) ||
        !ZYAN_SUCCESS(ZydisDecoderEnableMode(d, ZYDIS_DECODER_MODE_MINIMAL, minimal ? ZYAN_TRUE : ZYAN_FALSE)) ||
        !ZYAN_SUCCESS(ZydisDecoderEnableMode(d, ZYDIS_DECODER_MODE_AMD_BRANCHES, amd_branches ? ZYAN_TRUE : ZYAN_FALSE)))
        return -1;
    return 0;
}

/* The engine's three (dec[prescan_mode_index]): minimal mode, because
 * scanning needs only lengths, branch targets and mnemonics. */
int prescan_decoders_init(ZydisDecoder dec[3], int amd_branches)
{
    static const int sizes[3] = { 16, 32, 64 };
    for (int i = 0; i < 3; i++)
        if (prescan_decoder_init(&dec[i], sizes[i], amd_branches, 1) != 0)
            return -1;
    return 0;
}

void prescan_facts_of_zydis(const ZydisDecodedInstruction *in, int amd_branches, struct insn_facts *f)
{
    f->len = in->length;
    f->mnemonic = (unsigned)in->mnemonic;
    f->map = (uint8_t)in->opcode_map;
    f->opcode = in->opcode;
    f->modrm_reg = in->raw.modrm.reg;
    f->rel = (in->attributes & ZYDIS_ATTRIB_IS_RELATIVE) && in->raw.imm[0].is_relative;
    f->disp = f->rel ? in->raw.imm[0].value.s : 0;
    /* With a 16-bit operand size outside 16-bit code, and on AMD any
     * 66-prefixed one in 64-bit mode (Zydis reports the width only where it
     * changes the length), a relative branch truncates IP to 16 bits: its
     * target depends on the IP, not the gpa. */
    int amd16 = amd_branches && in->machine_mode == ZYDIS_MACHINE_MODE_LONG_64 &&
                (in->attributes & ZYDIS_ATTRIB_HAS_OPERANDSIZE) && !in->raw.rex.W;
    f->ip16 = f->rel && ((in->operand_width == 16 && in->machine_mode != ZYDIS_MACHINE_MODE_LEGACY_16) || amd16);
}

/* ---- fast path -----------------------------------------------------------
 * Zydis spends most of a scan's time in its generic decoder tree.  Plain
 * code is mostly a few dozen opcodes whose length follows from the opcode,
 * ModRM/SIB and the operand size, so a table decodes them.  Everything the
 * table does not list (and every F0/F2/F3/67 prefix, which change meanings
 * or addressing) goes to Zydis, as does anything the table is unsure of. */

enum {
    F_OK = 1 << 0,      /* listed; otherwise ask Zydis */
    F_MODRM = 1 << 1,
    F_I8 = 1 << 2,      /* imm8 */
    F_I16 = 1 << 3,     /* imm16 */
    F_IZ = 1 << 4,      /* imm16/32 by operand size */
    F_IV = 1 << 5,      /* imm16/32/64 by operand size (MOV r, imm) */
    F_REL8 = 1 << 6,
    F_RELZ = 1 << 7,    /* rel16/32 by operand size */
    F_BRANCH = 1 << 8,  /* with 66: ask Zydis (rel16 or the AMD rule) */
    F_NO66 = 1 << 9,    /* with 66 another instruction (SSE): ask Zydis */
    F_NO64 = 1 << 10,   /* not this in 64-bit mode */
    F_ONLY64 = 1 << 11,
    F_MEM = 1 << 12,    /* register form (mod 3) is another or no instruction */
    F_GRP = 1 << 13,    /* mnemonic by ModRM.reg from grp[g]; 0 there: ask Zydis */
    F_SPECIAL = 1 << 14,/* mnemonic by mode, operand size or REX: see below */
    F_TEST = 1 << 15,   /* F6/F7: only /0 (TEST) has the immediate */
};

struct fast_op { uint16_t mnem; uint16_t flags; uint8_t grp; uint8_t prefix; };

enum { G_ALU, G_SHIFT, G_UNARY, G_INCDEC, G_FF, G_MOV, G_POP, G_NOP, G_BT, G_COUNT };
static const uint16_t grp[G_COUNT][8] = {
    [G_ALU] = { ZYDIS_MNEMONIC_ADD, ZYDIS_MNEMONIC_OR, ZYDIS_MNEMONIC_ADC, ZYDIS_MNEMONIC_SBB,
                ZYDIS_MNEMONIC_AND, ZYDIS_MNEMONIC_SUB, ZYDIS_MNEMONIC_XOR, ZYDIS_MNEMONIC_CMP },
    /* /6 (an alias of SHL) left to Zydis */
    [G_SHIFT] = { ZYDIS_MNEMONIC_ROL, ZYDIS_MNEMONIC_ROR, ZYDIS_MNEMONIC_RCL, ZYDIS_MNEMONIC_RCR,
                  ZYDIS_MNEMONIC_SHL, ZYDIS_MNEMONIC_SHR, 0, ZYDIS_MNEMONIC_SAR },
    /* F6/F7: TEST (reg 0 only: it alone has an immediate; /1 left to Zydis) */
    [G_UNARY] = { ZYDIS_MNEMONIC_TEST, 0, ZYDIS_MNEMONIC_NOT, ZYDIS_MNEMONIC_NEG,
                  ZYDIS_MNEMONIC_MUL, ZYDIS_MNEMONIC_IMUL, ZYDIS_MNEMONIC_DIV, ZYDIS_MNEMONIC_IDIV },
    [G_INCDEC] = { ZYDIS_MNEMONIC_INC, ZYDIS_MNEMONIC_DEC },
    /* FF: far CALL/JMP (/3, /5) left to Zydis */
    [G_FF] = { ZYDIS_MNEMONIC_INC, ZYDIS_MNEMONIC_DEC, ZYDIS_MNEMONIC_CALL, 0,
               ZYDIS_MNEMONIC_JMP, 0, ZYDIS_MNEMONIC_PUSH, 0 },
    [G_MOV] = { ZYDIS_MNEMONIC_MOV },            /* C6/C7 /7 is XABORT/XBEGIN */
    [G_POP] = { ZYDIS_MNEMONIC_POP },            /* 8F /1-7 is XOP */
    [G_NOP] = { ZYDIS_MNEMONIC_NOP },            /* 0F 1F */
    [G_BT] = { 0, 0, 0, 0, ZYDIS_MNEMONIC_BT, ZYDIS_MNEMONIC_BTS, ZYDIS_MNEMONIC_BTR, ZYDIS_MNEMONIC_BTC },
};

#define OP(m, fl) { ZYDIS_MNEMONIC_##m, (uint16_t)(F_OK | (fl)), 0, 0 }
#define GRP(g, fl) { 0, (uint16_t)(F_OK | F_GRP | F_MODRM | (fl)), g, 0 }
/* ALU rows 00-3D: op r/m,r (8/v), op r,r/m (8/v), op AL,imm8, op eAX,immz */
#define ALU_ROW(b, m) [b] = OP(m, F_MODRM), [b + 1] = OP(m, F_MODRM), [b + 2] = OP(m, F_MODRM), \
                      [b + 3] = OP(m, F_MODRM), [b + 4] = OP(m, F_I8), [b + 5] = OP(m, F_IZ)
/* condition codes 0-15 in encoding order */
#define CC16(b, pre, fl) \
    [b + 0x0] = OP(pre##O, fl), [b + 0x1] = OP(pre##NO, fl), [b + 0x2] = OP(pre##B, fl), \
    [b + 0x3] = OP(pre##NB, fl), [b + 0x4] = OP(pre##Z, fl), [b + 0x5] = OP(pre##NZ, fl), \
    [b + 0x6] = OP(pre##BE, fl), [b + 0x7] = OP(pre##NBE, fl), [b + 0x8] = OP(pre##S, fl), \
    [b + 0x9] = OP(pre##NS, fl), [b + 0xa] = OP(pre##P, fl), [b + 0xb] = OP(pre##NP, fl), \
    [b + 0xc] = OP(pre##L, fl), [b + 0xd] = OP(pre##NL, fl), [b + 0xe] = OP(pre##LE, fl), \
    [b + 0xf] = OP(pre##NLE, fl)
#define ROW8(b, m, fl) [b] = OP(m, fl), [b + 1] = OP(m, fl), [b + 2] = OP(m, fl), [b + 3] = OP(m, fl), \
                       [b + 4] = OP(m, fl), [b + 5] = OP(m, fl), [b + 6] = OP(m, fl), [b + 7] = OP(m, fl)

/* prefix: 66 and the segment overrides change neither the length nor the
 * mnemonic of the opcodes listed (66 only the operand size, handled) */
#define PFX { 0, 0, 0, 1 }
static const struct fast_op one_byte[256] = {
    [0x26] = PFX, [0x2e] = PFX, [0x36] = PFX, [0x3e] = PFX, [0x64] = PFX, [0x65] = PFX, [0x66] = PFX,
    ALU_ROW(0x00, ADD), ALU_ROW(0x08, OR), ALU_ROW(0x10, ADC), ALU_ROW(0x18, SBB),
    ALU_ROW(0x20, AND), ALU_ROW(0x28, SUB), ALU_ROW(0x30, XOR), ALU_ROW(0x38, CMP),
    ROW8(0x40, INC, F_NO64), ROW8(0x48, DEC, F_NO64),          /* REX in 64-bit mode */
    ROW8(0x50, PUSH, 0), ROW8(0x58, POP, 0),
    [0x63] = OP(MOVSXD, F_MODRM | F_ONLY64),                    /* ARPL elsewhere */
    [0x68] = OP(PUSH, F_IZ), [0x69] = OP(IMUL, F_MODRM | F_IZ),
    [0x6a] = OP(PUSH, F_I8), [0x6b] = OP(IMUL, F_MODRM | F_I8),
    CC16(0x70, J, F_REL8 | F_BRANCH),
    [0x80] = GRP(G_ALU, F_I8), [0x81] = GRP(G_ALU, F_IZ), [0x83] = GRP(G_ALU, F_I8),
    [0x84] = OP(TEST, F_MODRM), [0x85] = OP(TEST, F_MODRM),
    [0x86] = OP(XCHG, F_MODRM), [0x87] = OP(XCHG, F_MODRM),
    [0x88] = OP(MOV, F_MODRM), [0x89] = OP(MOV, F_MODRM), [0x8a] = OP(MOV, F_MODRM), [0x8b] = OP(MOV, F_MODRM),
    [0x8d] = OP(LEA, F_MODRM | F_MEM), [0x8f] = GRP(G_POP, 0),
    [0x90] = OP(NOP, F_SPECIAL),                                /* XCHG r8, rAX with REX.B */
    [0x91] = OP(XCHG, 0), [0x92] = OP(XCHG, 0), [0x93] = OP(XCHG, 0), [0x94] = OP(XCHG, 0),
    [0x95] = OP(XCHG, 0), [0x96] = OP(XCHG, 0), [0x97] = OP(XCHG, 0),
    [0x98] = OP(CBW, F_SPECIAL), [0x99] = OP(CWD, F_SPECIAL),   /* by operand size */
    [0xa8] = OP(TEST, F_I8), [0xa9] = OP(TEST, F_IZ),
    ROW8(0xb0, MOV, F_I8), ROW8(0xb8, MOV, F_IV),
    [0xc0] = GRP(G_SHIFT, F_I8), [0xc1] = GRP(G_SHIFT, F_I8),
    [0xc2] = OP(RET, F_I16 | F_BRANCH), [0xc3] = OP(RET, F_BRANCH),
    [0xc6] = GRP(G_MOV, F_I8), [0xc7] = GRP(G_MOV, F_IZ),
    [0xc9] = OP(LEAVE, 0), [0xcc] = OP(INT3, 0), [0xcd] = OP(INT, F_I8),
    [0xd0] = GRP(G_SHIFT, 0), [0xd1] = GRP(G_SHIFT, 0), [0xd2] = GRP(G_SHIFT, 0), [0xd3] = GRP(G_SHIFT, 0),
    [0xe0] = OP(LOOPNE, F_REL8 | F_BRANCH), [0xe1] = OP(LOOPE, F_REL8 | F_BRANCH),
    [0xe2] = OP(LOOP, F_REL8 | F_BRANCH), [0xe3] = OP(JCXZ, F_REL8 | F_BRANCH | F_SPECIAL),
    [0xe4] = OP(IN, F_I8), [0xe5] = OP(IN, F_I8), [0xe6] = OP(OUT, F_I8), [0xe7] = OP(OUT, F_I8),
    [0xe8] = OP(CALL, F_RELZ | F_BRANCH), [0xe9] = OP(JMP, F_RELZ | F_BRANCH), [0xeb] = OP(JMP, F_REL8 | F_BRANCH),
    [0xec] = OP(IN, 0), [0xed] = OP(IN, 0), [0xee] = OP(OUT, 0), [0xef] = OP(OUT, 0),
    [0xf4] = OP(HLT, 0), [0xf5] = OP(CMC, 0),
    [0xf6] = GRP(G_UNARY, F_I8 | F_TEST), [0xf7] = GRP(G_UNARY, F_IZ | F_TEST),
    [0xf8] = OP(CLC, 0), [0xf9] = OP(STC, 0), [0xfa] = OP(CLI, 0), [0xfb] = OP(STI, 0),
    [0xfc] = OP(CLD, 0), [0xfd] = OP(STD, 0),
    [0xfe] = GRP(G_INCDEC, 0), [0xff] = GRP(G_FF, F_BRANCH),
};

static const struct fast_op two_byte[256] = {         /* after 0F */
    [0x05] = OP(SYSCALL, F_ONLY64), [0x0b] = OP(UD2, 0),
    [0x10] = OP(MOVUPS, F_MODRM | F_NO66), [0x11] = OP(MOVUPS, F_MODRM | F_NO66),
    [0x28] = OP(MOVAPS, F_MODRM | F_NO66), [0x29] = OP(MOVAPS, F_MODRM | F_NO66),
    [0x1f] = GRP(G_NOP, 0),
    [0x31] = OP(RDTSC, 0), [0xa2] = OP(CPUID, 0),
    CC16(0x40, CMOV, F_MODRM),
    CC16(0x80, J, F_RELZ | F_BRANCH),
    CC16(0x90, SET, F_MODRM),
    [0xa0] = OP(PUSH, 0), [0xa1] = OP(POP, 0), [0xa8] = OP(PUSH, 0), [0xa9] = OP(POP, 0),
    [0xa3] = OP(BT, F_MODRM), [0xab] = OP(BTS, F_MODRM), [0xb3] = OP(BTR, F_MODRM), [0xbb] = OP(BTC, F_MODRM),
    [0xa4] = OP(SHLD, F_MODRM | F_I8), [0xa5] = OP(SHLD, F_MODRM),
    [0xac] = OP(SHRD, F_MODRM | F_I8), [0xad] = OP(SHRD, F_MODRM),
    [0xaf] = OP(IMUL, F_MODRM), [0xb0] = OP(CMPXCHG, F_MODRM), [0xb1] = OP(CMPXCHG, F_MODRM),
    [0xb6] = OP(MOVZX, F_MODRM), [0xb7] = OP(MOVZX, F_MODRM),
    [0xbe] = OP(MOVSX, F_MODRM), [0xbf] = OP(MOVSX, F_MODRM),
    [0xba] = GRP(G_BT, F_I8), [0xbc] = OP(BSF, F_MODRM | F_NO66), [0xbd] = OP(BSR, F_MODRM | F_NO66),
    [0xc0] = OP(XADD, F_MODRM), [0xc1] = OP(XADD, F_MODRM),
    ROW8(0xc8, BSWAP, 0),
};

/* Bytes of displacement (and SIB) after ModRM m. */
static unsigned modrm_tail(unsigned code_bits, const uint8_t *p, size_t i, size_t n, int *ok)
{
    unsigned mod = p[i] >> 6, rm = p[i] & 7;
    *ok = 1;
    if (mod == 3)
        return 0;
    if (code_bits == 16)                        /* no 67 here: 16-bit addressing */
        return mod == 1 ? 1 : mod == 2 || rm == 6 ? 2 : 0;
    if (rm == 4) {                              /* SIB; base 5 with mod 0: disp32 */
        if (i + 1 >= n) {
            *ok = 0;
            return 0;
        }
        return 1 + (mod == 1 ? 1 : mod == 2 || (p[i + 1] & 7) == 5 ? 4 : 0);
    }
    return mod == 1 ? 1 : mod == 2 || rm == 5 ? 4 : 0;
}

int prescan_decode_fast(unsigned code_bits, const uint8_t *p, size_t max, struct insn_facts *f)
{
    size_t n = max < PRESCAN_MAX_INSN_LEN ? max : PRESCAN_MAX_INSN_LEN, i = 0;
    int o66 = 0;
    unsigned rex = 0;
    for (;; i++) {
        if (i >= n)
            return 0;
        if (!one_byte[p[i]].prefix)
            break;
        o66 |= p[i] == 0x66;
    }
    if (code_bits == 64 && (p[i] & 0xf0) == 0x40) {           /* REX: counts only last */
        rex = p[i];
        if (++i >= n)
            return 0;
    }
    const struct fast_op *e = &one_byte[p[i]];
    f->map = ZYDIS_OPCODE_MAP_DEFAULT;
    if (p[i] == 0x0f) {
        if (++i >= n)
            return 0;
        e = &two_byte[p[i]];
        f->map = ZYDIS_OPCODE_MAP_0F;
    }
    f->opcode = p[i++];
    unsigned fl = e->flags;
    unsigned not_here = code_bits == 64 ? F_NO64 : F_ONLY64;
    if (!(fl & F_OK) || (fl & not_here) || (o66 && (fl & (F_BRANCH | F_NO66))))
        return 0;
    f->modrm_reg = 0;
    if (fl & F_MODRM) {
        if (i >= n)
            return 0;
        int ok;
        unsigned tail = modrm_tail(code_bits, p, i, n, &ok);
        if (!ok || ((fl & F_MEM) && p[i] >> 6 == 3))
            return 0;
        f->modrm_reg = (p[i] >> 3) & 7;
        i += 1 + tail;
        if ((fl & F_TEST) && f->modrm_reg != 0)
            fl &= ~(unsigned)(F_I8 | F_IZ);
    }
    unsigned m = (fl & F_GRP) ? grp[e->grp][f->modrm_reg] : e->mnem;
    if (!m)
        return 0;
    unsigned osz = code_bits == 64 ? ((rex & 8) ? 64 : o66 ? 16 : 32) : (code_bits == 32) != o66 ? 32 : 16;
    if (fl & F_SPECIAL) {
        switch (f->opcode) {
        case 0x90: if (rex & 1) m = ZYDIS_MNEMONIC_XCHG; break;
        case 0x98: m = osz == 64 ? ZYDIS_MNEMONIC_CDQE : osz == 32 ? ZYDIS_MNEMONIC_CWDE : ZYDIS_MNEMONIC_CBW; break;
        case 0x99: m = osz == 64 ? ZYDIS_MNEMONIC_CQO : osz == 32 ? ZYDIS_MNEMONIC_CDQ : ZYDIS_MNEMONIC_CWD; break;
        case 0xe3: m = code_bits == 64 ? ZYDIS_MNEMONIC_JRCXZ : code_bits == 32 ? ZYDIS_MNEMONIC_JECXZ
                                                                                 : ZYDIS_MNEMONIC_JCXZ; break;
        }
    }
    unsigned imm = 0;
    if (fl & (F_I8 | F_REL8))
        imm = 1;
    else if (fl & F_I16)
        imm = 2;
    else if (fl & (F_IZ | F_RELZ))
        imm = osz == 16 ? 2 : 4;
    else if (fl & F_IV)
        imm = osz / 8;
    if (i + imm > n)
        return 0;
    f->rel = (fl & (F_REL8 | F_RELZ)) != 0;
    f->disp = 0;
    if (f->rel)
        f->disp = imm == 1 ? (int8_t)p[i] : imm == 2 ? (int16_t)(p[i] | p[i + 1] << 8)
                                                       : (int32_t)((uint32_t)p[i] | (uint32_t)p[i + 1] << 8 |
                                                                   (uint32_t)p[i + 2] << 16 | (uint32_t)p[i + 3] << 24);
    f->ip16 = 0;                 /* a 66-prefixed branch went to Zydis */
    f->len = (unsigned)(i + imm);
    f->mnemonic = m;
    return 1;
}
