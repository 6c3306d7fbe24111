/* test_x86_emul.c — exact emulation of virtualized instructions, on
 * hand-assembled bytes (encodings cross-checked with objdump) and a small
 * fake guest memory: one byte array mapped at a linear base; accesses
 * outside it fail (-1) like a #PF, and it can be made read-only. */
#include "check.h"
#include "monitor/x86/x86.h"

#include <stdint.h>
#include <stdlib.h>

#define MEM_SIZE 0x20000u
static struct fake_mem {
    uint64_t base;
    uint8_t b[MEM_SIZE];
    int read_only;
    int writes;
} fm;

static int fm_read(void *ctx, uint64_t lin, void *buf, size_t len)
{
    struct fake_mem *m = ctx;
    if (lin < m->base || lin - m->base > MEM_SIZE || len > MEM_SIZE - (lin - m->base))
        return -1;
    memcpy(buf, m->b + (lin - m->base), len);
    return 0;
}

static int fm_write(void *ctx, uint64_t lin, const void *buf, size_t len)
{
    struct fake_mem *m = ctx;
    if (m->read_only || lin < m->base || lin - m->base > MEM_SIZE ||
        len > MEM_SIZE - (lin - m->base))
        return -1;
    memcpy(m->b + (lin - m->base), buf, len);
    m->writes++;
    return 0;
}

static const struct x86_emul_mem MEM = { &fm, fm_read, fm_write };

static void mem_reset(uint64_t base)
{
    memset(&fm, 0, sizeof fm);
    fm.base = base;
}

static uint64_t peek(uint64_t lin, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = n; i-- > 0; )
        v = (v << 8) | fm.b[lin - fm.base + i];
    return v;
}

static void poke(uint64_t lin, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++, v >>= 8)
        fm.b[lin - fm.base + i] = (uint8_t)v;
}

static struct x86_emul_cpu cpu_mode(int mode)
{
    struct x86_emul_cpu c;
    memset(&c, 0, sizeof c);
    c.mode = mode;
    c.stack_size = mode;
    c.rflags = 0x2;
    return c;
}

static struct x86_emul_info info;

#define STEP(cpu, ...) step_bytes(&(cpu), (const uint8_t[]){ __VA_ARGS__ }, \
                                  sizeof((const uint8_t[]){ __VA_ARGS__ }))
/* Every step also runs through x86_emul_step_insn (the instruction decoded
 * once by x86_decode, as the enforcement does): same result, state, info
 * and memory, or the test fails. */
static struct fake_mem fm_copy;
static enum x86_emul_result step_bytes(struct x86_emul_cpu *c, const uint8_t *b, size_t n)
{
    struct x86_emul_cpu c2 = *c;
    struct x86_emul_info info2;
    struct x86_insn in;
    fm_copy = fm;
    memset(&info2, 0xAB, sizeof info2);
    enum x86_emul_result r2 = X86_EMUL_UNSUPPORTED;
    int decoded = x86_decode(&in, c->mode, c->amd_branches, b, n) == 0;
    if (decoded)
        r2 = x86_emul_step_insn(&c2, &MEM, &in, &info2);
    struct fake_mem *after2 = decoded ? malloc(sizeof fm) : NULL;
    if (after2)
        *after2 = fm;
    fm = fm_copy;
    memset(&info, 0xAB, sizeof info);
    enum x86_emul_result r = x86_emul_step(c, &MEM, b, n, &info);
    if (after2) {
        CHECK_EQ(r2, r);
        CHECK(memcmp(&c2, c, sizeof c2) == 0);
        CHECK_EQ(info2.length, info.length);
        CHECK_EQ(info2.target, info.target);
        CHECK_EQ(info2.taken, info.taken);
        CHECK(strcmp(info2.how ? info2.how : "", info.how ? info.how : "") == 0);
        CHECK(memcmp(after2, &fm, sizeof fm) == 0);
        free(after2);
    }
    return r;
}

#define SUCC(cpu, out, ...) x86_emul_successors(&(cpu), &MEM, (const uint8_t[]){ __VA_ARGS__ }, \
                                  sizeof((const uint8_t[]){ __VA_ARGS__ }), out)

/* ---------------------------------------------------------------- Jcc */

/* One row: condition code, rflags, whether the CPU takes the branch.
 * Flag bits: CF 0x1, PF 0x4, ZF 0x40, SF 0x80, OF 0x800; bit 1 always set. */
static const struct { unsigned cc; uint64_t fl; int taken; } jcc_rows[] = {
    { 0x0, 0x802, 1 }, { 0x0, 0x002, 0 },               /* jo: OF */
    { 0x1, 0x002, 1 }, { 0x1, 0x802, 0 },               /* jno */
    { 0x2, 0x003, 1 }, { 0x2, 0x002, 0 },               /* jb: CF */
    { 0x3, 0x002, 1 }, { 0x3, 0x003, 0 },               /* jae */
    { 0x4, 0x042, 1 }, { 0x4, 0x002, 0 },               /* je: ZF */
    { 0x5, 0x002, 1 }, { 0x5, 0x042, 0 },               /* jne */
    { 0x6, 0x042, 1 }, { 0x6, 0x003, 1 }, { 0x6, 0x002, 0 }, { 0x6, 0x886, 0 }, /* jbe: CF|ZF */
    { 0x6, 0x043, 1 },
    { 0x7, 0x002, 1 }, { 0x7, 0x003, 0 }, { 0x7, 0x042, 0 }, /* ja */
    { 0x8, 0x082, 1 }, { 0x8, 0x002, 0 },               /* js: SF */
    { 0x9, 0x002, 1 }, { 0x9, 0x082, 0 },               /* jns */
    { 0xA, 0x006, 1 }, { 0xA, 0x002, 0 },               /* jp: PF */
    { 0xB, 0x002, 1 }, { 0xB, 0x006, 0 },               /* jnp */
    { 0xC, 0x082, 1 }, { 0xC, 0x802, 1 }, { 0xC, 0x882, 0 }, { 0xC, 0x002, 0 }, /* jl: SF!=OF */
    { 0xD, 0x882, 1 }, { 0xD, 0x002, 1 }, { 0xD, 0x802, 0 }, { 0xD, 0x082, 0 }, /* jge */
    { 0xE, 0x042, 1 }, { 0xE, 0x802, 1 }, { 0xE, 0x002, 0 }, { 0xE, 0x882, 0 }, /* jle: ZF|(SF!=OF) */
    { 0xF, 0x882, 1 }, { 0xF, 0x002, 1 }, { 0xF, 0x8C2, 0 }, { 0xF, 0x082, 0 }, /* jg */
};

static void jcc_table(int mode)
{
    for (size_t i = 0; i < sizeof jcc_rows / sizeof jcc_rows[0]; i++) {
        struct x86_emul_cpu c = cpu_mode(mode), before;
        uint64_t rip = mode == 16 ? 0x1000 : 0x401000;
        unsigned cc = jcc_rows[i].cc;
        /* short form: 7x 10 → next+0x10 */
        c.rip = rip;
        c.rflags = jcc_rows[i].fl | 0x10000;     /* RF set: cleared by the emulator */
        before = c;
        CHECK_EQ(STEP(c, (uint8_t)(0x70 + cc), 0x10), X86_EMUL_DONE);
        CHECK_EQ(c.rip, jcc_rows[i].taken ? rip + 0x12 : rip + 2);
        CHECK_EQ(info.taken, jcc_rows[i].taken);
        CHECK_EQ(info.has_target, 1);
        CHECK_EQ(info.target, rip + 0x12);
        CHECK_EQ(info.length, 2);
        CHECK_STR(info.how, jcc_rows[i].taken ? "jcc taken" : "jcc not taken");
        CHECK_EQ(c.rflags, jcc_rows[i].fl);
        before.rip = c.rip;
        before.rflags = c.rflags;
        CHECK(memcmp(&before, &c, sizeof c) == 0);
        /* near form: 0F 8x rel16 (16-bit) / rel32, backwards by 0x100 */
        c.rip = rip;
        c.rflags = jcc_rows[i].fl;
        if (mode == 16) {
            CHECK_EQ(STEP(c, 0x0F, (uint8_t)(0x80 + cc), 0x00, 0xFF), X86_EMUL_DONE);
            CHECK_EQ(c.rip, jcc_rows[i].taken ? rip + 4 - 0x100 : rip + 4);
        } else {
            CHECK_EQ(STEP(c, 0x0F, (uint8_t)(0x80 + cc), 0x00, 0xFF, 0xFF, 0xFF), X86_EMUL_DONE);
            CHECK_EQ(c.rip, jcc_rows[i].taken ? rip + 6 - 0x100 : rip + 6);
        }
    }
}

TEST(jcc_all_conditions_32) { jcc_table(32); }
TEST(jcc_all_conditions_16) { jcc_table(16); }
TEST(jcc_all_conditions_64) { jcc_table(64); }

TEST(jcc_mnemonic_and_16bit_operand_size)
{
    struct x86_emul_cpu c = cpu_mode(32);
    c.rip = 0x12345;
    c.rflags = 0x2;
    CHECK_EQ(STEP(c, 0x75, 0x10), X86_EMUL_DONE);          /* jnz */
    CHECK_STR(info.mnemonic, "jnz");
    /* 66 74 10 in 32-bit code: 16-bit operand size, target wraps to 16 bits */
    c.rip = 0x12345;
    c.rflags = 0x42;
    CHECK_EQ(STEP(c, 0x66, 0x74, 0x10), X86_EMUL_DONE);
    CHECK_EQ(c.rip, (0x12345 + 3 + 0x10) & 0xFFFF);
    /* 64-bit: the not-taken path of a branch to a non-canonical target is fine */
    c = cpu_mode(64);
    c.rip = 0x00007FFFFFFFFFF0ull;
    CHECK_EQ(STEP(c, 0x74, 0x20), X86_EMUL_DONE);          /* jz, ZF=0 */
    CHECK_EQ(c.rip, 0x00007FFFFFFFFFF2ull);
    c.rip = 0x00007FFFFFFFFFF0ull;
    c.rflags = 0x42;
    CHECK_EQ(STEP(c, 0x74, 0x20), X86_EMUL_UNSUPPORTED);   /* taken → #GP natively */
    CHECK_EQ(c.rip, 0x00007FFFFFFFFFF0ull);
}

/* ---------------------------------------------------------------- JMP rel */

TEST(jmp_rel8_rel32)
{
    struct x86_emul_cpu c = cpu_mode(32);
    c.rip = 0x401000;
    CHECK_EQ(STEP(c, 0xEB, 0xFE), X86_EMUL_DONE);          /* jmp $ */
    CHECK_EQ(c.rip, 0x401000);
    CHECK_STR(info.how, "jmp rel");
    CHECK_EQ(info.taken, 1);
    CHECK_EQ(STEP(c, 0xE9, 0x00, 0x00, 0x01, 0x00), X86_EMUL_DONE);
    CHECK_EQ(c.rip, 0x411005);
    /* 32-bit code wraps at 4 GiB */
    c.rip = 0xFFFFFFF0;
    CHECK_EQ(STEP(c, 0xEB, 0x20), X86_EMUL_DONE);
    CHECK_EQ(c.rip, 0x12);
    /* 64-bit rel32 backwards */
    c = cpu_mode(64);
    c.rip = 0xFFFFFFFF81000000ull;
    CHECK_EQ(STEP(c, 0xE9, 0x00, 0xF0, 0xFF, 0xFF), X86_EMUL_DONE);
    CHECK_EQ(c.rip, 0xFFFFFFFF81000005ull - 0x1000);
    /* 64-bit: 66 on a near jmp is vendor-dependent: Intel ignores it, AMD
     * truncates RIP to 16 bits (amd_branches says which the host does);
     * with REX.W it is 64-bit on both */
    c.rip = 0x401000;
    CHECK_EQ(STEP(c, 0x66, 0xEB, 0x10), X86_EMUL_DONE);
    CHECK_EQ(c.rip, 0x401013);
    c.rip = 0x401000;
    c.amd_branches = 1;
    CHECK_EQ(STEP(c, 0x66, 0xEB, 0x10), X86_EMUL_DONE);
    CHECK_EQ(c.rip, 0x1013);
    c.rip = 0x401000;
    CHECK_EQ(STEP(c, 0x66, 0x48, 0xEB, 0x00), X86_EMUL_DONE);
    CHECK_EQ(c.rip, 0x401004);
}

TEST(jmp_16bit_wraparound)
{
    struct x86_emul_cpu c = cpu_mode(16);
    c.seg_base[X86_EMUL_CS] = 0xF0000;
    c.rip = 0xFFF0;
    CHECK_EQ(STEP(c, 0xEB, 0x20), X86_EMUL_DONE);
    CHECK_EQ(c.rip, 0x0012);                                /* (0xFFF2+0x20) & 0xFFFF */
    c.rip = 0x0005;
    CHECK_EQ(STEP(c, 0xE9, 0xF0, 0xFF), X86_EMUL_DONE);    /* jmp rel16 -0x10 */
    CHECK_EQ(c.rip, 0xFFF8);
    /* 66 E9 rel32 in 16-bit code: 32-bit operand size, no 16-bit wrap */
    c.rip = 0xFFF0;
    CHECK_EQ(STEP(c, 0x66, 0xE9, 0x00, 0x01, 0x00, 0x00), X86_EMUL_DONE);
    CHECK_EQ(c.rip, 0xFFF6 + 0x100);
    /* 66 EB in 32-bit code: 16-bit operand size clears EIP[31:16] */
    c = cpu_mode(32);
    c.rip = 0x12345;
    CHECK_EQ(STEP(c, 0x66, 0xEB, 0x10), X86_EMUL_DONE);
    CHECK_EQ(c.rip, 0x2358);
}

/* ---------------------------------------------------------------- CALL rel */

TEST(call_rel_16)
{
    struct x86_emul_cpu c = cpu_mode(16);
    mem_reset(0x10000);
    c.seg_base[X86_EMUL_SS] = 0x10000;
    c.rip = 0x100;
    c.gpr[4] = 0xABCD0200;                                  /* ESP upper half kept */
    CHECK_EQ(STEP(c, 0xE8, 0x00, 0x01), X86_EMUL_DONE);
    CHECK_EQ(c.rip, 0x203);
    CHECK_EQ(c.gpr[4], 0xABCD01FE);
    CHECK_EQ(peek(0x101FE, 2), 0x103);
    CHECK_EQ(peek(0x101FC, 2), 0);                          /* exactly 2 bytes written */
    CHECK_STR(info.how, "call rel");
    CHECK_STR(info.mnemonic, "call");
    /* SP wraps at 64 KiB: SP=0 pushes at 0xFFFE */
    c.rip = 0x100;
    c.gpr[4] = 0;
    CHECK_EQ(STEP(c, 0xE8, 0x00, 0x01), X86_EMUL_DONE);
    CHECK_EQ(c.gpr[4], 0xFFFE);
    CHECK_EQ(peek(0x1FFFE, 2), 0x103);
    /* SP=1: the word would straddle the 64 KiB wrap; the CPU faults → left to it */
    c.rip = 0x100;
    c.gpr[4] = 1;
    CHECK_EQ(STEP(c, 0xE8, 0x00, 0x01), X86_EMUL_UNSUPPORTED);
    CHECK_EQ(c.gpr[4], 1);
    CHECK_EQ(c.rip, 0x100);
}

TEST(call_rel_32)
{
    struct x86_emul_cpu c = cpu_mode(32);
    mem_reset(0);
    c.rip = 0x401000;
    c.gpr[4] = 0x8000;
    CHECK_EQ(STEP(c, 0xE8, 0x10, 0x00, 0x00, 0x00), X86_EMUL_DONE);
    CHECK_EQ(c.rip, 0x401015);
    CHECK_EQ(c.gpr[4], 0x7FFC);
    CHECK_EQ(peek(0x7FFC, 4), 0x401005);
    CHECK_EQ(info.target, 0x401015);
    /* 66 E8 rel16 in 32-bit code: pushes a word, IP wraps to 16 bits */
    c.rip = 0x1000;
    CHECK_EQ(STEP(c, 0x66, 0xE8, 0x10, 0x00), X86_EMUL_DONE);
    CHECK_EQ(c.rip, 0x1014);
    CHECK_EQ(c.gpr[4], 0x7FFA);
    CHECK_EQ(peek(0x7FFA, 2), 0x1004);
    CHECK_EQ(peek(0x7FFC, 4), 0x401005);                    /* earlier push untouched */
    /* 32-bit stack in a segment with a base */
    c.seg_base[X86_EMUL_SS] = 0x10000;
    c.gpr[4] = 0x100;
    c.rip = 0x2000;
    CHECK_EQ(STEP(c, 0xE8, 0x00, 0x00, 0x00, 0x00), X86_EMUL_DONE);
    CHECK_EQ(peek(0x100FC, 4), 0x2005);
}

TEST(call_rel_64)
{
    struct x86_emul_cpu c = cpu_mode(64);
    mem_reset(0x400000);
    c.seg_base[X86_EMUL_SS] = 0x1000;                      /* ignored in 64-bit mode */
    c.rip = 0x401000;
    c.gpr[4] = 0x410000;
    CHECK_EQ(STEP(c, 0xE8, 0xFB, 0xFF, 0xFF, 0xFF), X86_EMUL_DONE);    /* call $ */
    CHECK_EQ(c.rip, 0x401000);
    CHECK_EQ(c.gpr[4], 0x40FFF8);
    CHECK_EQ(peek(0x40FFF8, 8), 0x401005);
    /* 66 E8 in 64-bit mode: Intel = rel32, 8-byte push, length 6; AMD =
     * rel16, 2-byte push, length 4, IP truncated (objdump decodes it the
     * AMD way); 66 48 E8 is 64-bit on both (length 7) */
    uint64_t out[2];
    struct x86_emul_cpu before = c;
    CHECK_EQ(STEP(c, 0x66, 0xE8, 0x00, 0x01, 0x00, 0x00), X86_EMUL_DONE);   /* Intel */
    CHECK_EQ(info.length, 6);
    CHECK_EQ(c.rip, 0x401106);
    CHECK_EQ(c.gpr[4], 0x40FFF0);
    CHECK_EQ(peek(0x40FFF0, 8), 0x401006);
    c = before;
    c.amd_branches = 1;
    CHECK_EQ(SUCC(c, out, 0x66, 0xE8, 0x00, 0x01, 0x00, 0x00), 1);
    CHECK_EQ(out[0], 0x1104);
    CHECK_EQ(STEP(c, 0x66, 0xE8, 0x00, 0x01, 0x00, 0x00), X86_EMUL_DONE);   /* AMD */
    CHECK_EQ(info.length, 4);
    CHECK_EQ(c.rip, 0x1104);
    CHECK_EQ(c.gpr[4], 0x40FFF6);
    CHECK_EQ(peek(0x40FFF6, 2), 0x1004);
    c = before;
    CHECK_EQ(STEP(c, 0x66, 0x48, 0xE8, 0x00, 0x01, 0x00, 0x00), X86_EMUL_DONE);
    CHECK_EQ(info.length, 7);
    CHECK_EQ(c.rip, 0x401107);
    CHECK_EQ(c.gpr[4], 0x40FFF0);
    CHECK_EQ(peek(0x40FFF0, 8), 0x401007);
}

/* ---------------------------------------------------------------- RET */

TEST(ret_and_ret_imm16)
{
    struct x86_emul_cpu c = cpu_mode(32);
    mem_reset(0);
    poke(0x8000, 0x401234, 4);
    c.rip = 0x1000;
    c.gpr[4] = 0x8000;
    CHECK_EQ(STEP(c, 0xC3), X86_EMUL_DONE);
    CHECK_EQ(c.rip, 0x401234);
    CHECK_EQ(c.gpr[4], 0x8004);
    CHECK_STR(info.how, "ret");
    CHECK_EQ(fm.writes, 0);
    c.gpr[4] = 0x8000;
    CHECK_EQ(STEP(c, 0xC2, 0x08, 0x00), X86_EMUL_DONE);
    CHECK_EQ(c.rip, 0x401234);
    CHECK_EQ(c.gpr[4], 0x800C);
    CHECK_STR(info.how, "ret imm16");
    /* 66 C3 in 32-bit code pops a word, EIP = zero-extended word */
    c.gpr[4] = 0x8000;
    CHECK_EQ(STEP(c, 0x66, 0xC3), X86_EMUL_DONE);
    CHECK_EQ(c.rip, 0x1234);
    CHECK_EQ(c.gpr[4], 0x8002);

    /* 16-bit: SP wraps after the pop, and after the imm16 add */
    c = cpu_mode(16);
    mem_reset(0x10000);
    c.seg_base[X86_EMUL_SS] = 0x10000;
    poke(0x1FFFE, 0x1234, 2);
    c.gpr[4] = 0x5555FFFE;
    CHECK_EQ(STEP(c, 0xC3), X86_EMUL_DONE);
    CHECK_EQ(c.rip, 0x1234);
    CHECK_EQ(c.gpr[4], 0x55550000);
    poke(0x1FFFC, 0x4321, 2);
    c.gpr[4] = 0xFFFC;
    CHECK_EQ(STEP(c, 0xC2, 0x04, 0x00), X86_EMUL_DONE);
    CHECK_EQ(c.rip, 0x4321);
    CHECK_EQ(c.gpr[4], 0x0002);

    /* 64-bit: 8-byte pop; non-canonical return address left to the CPU */
    c = cpu_mode(64);
    mem_reset(0x400000);
    poke(0x408000, 0xFFFFFFFF81001234ull, 8);
    c.gpr[4] = 0x408000;
    CHECK_EQ(STEP(c, 0xC2, 0x10, 0x00), X86_EMUL_DONE);
    CHECK_EQ(c.rip, 0xFFFFFFFF81001234ull);
    CHECK_EQ(c.gpr[4], 0x408018);
    poke(0x408000, 0x0000800000000000ull, 8);
    c.gpr[4] = 0x408000;
    c.rip = 0x401000;
    CHECK_EQ(STEP(c, 0xC3), X86_EMUL_UNSUPPORTED);
    CHECK_EQ(c.rip, 0x401000);
    CHECK_EQ(c.gpr[4], 0x408000);
}

/* ---------------------------------------------------------------- indirect */

TEST(indirect_register_64)
{
    struct x86_emul_cpu c = cpu_mode(64);
    mem_reset(0x400000);
    c.rip = 0x401000;
    c.gpr[0] = 0x402000;
    CHECK_EQ(STEP(c, 0xFF, 0xE0), X86_EMUL_DONE);          /* jmp rax */
    CHECK_EQ(c.rip, 0x402000);
    CHECK_STR(info.how, "jmp reg");
    c.gpr[11] = 0x403000;
    c.gpr[4] = 0x410000;
    CHECK_EQ(STEP(c, 0x41, 0xFF, 0xD3), X86_EMUL_DONE);    /* call r11 */
    CHECK_EQ(c.rip, 0x403000);
    CHECK_EQ(c.gpr[4], 0x40FFF8);
    CHECK_EQ(peek(0x40FFF8, 8), 0x402003);
    CHECK_STR(info.how, "call reg");
    /* call rsp: the target is the old RSP */
    CHECK_EQ(STEP(c, 0xFF, 0xD4), X86_EMUL_DONE);
    CHECK_EQ(c.rip, 0x40FFF8);
    CHECK_EQ(c.gpr[4], 0x40FFF0);
    /* non-canonical register target → left to the CPU */
    c.gpr[0] = 0x8000000000000000ull;
    c.rip = 0x401000;
    CHECK_EQ(STEP(c, 0xFF, 0xE0), X86_EMUL_UNSUPPORTED);
    CHECK_EQ(c.rip, 0x401000);
}

TEST(indirect_register_16_32)
{
    struct x86_emul_cpu c = cpu_mode(16);
    mem_reset(0);
    c.rip = 0x100;
    c.gpr[3] = 0xDEAD1234;
    CHECK_EQ(STEP(c, 0xFF, 0xE3), X86_EMUL_DONE);          /* jmp bx */
    CHECK_EQ(c.rip, 0x1234);
    CHECK_EQ(STEP(c, 0x66, 0xFF, 0xE3), X86_EMUL_DONE);    /* jmp ebx */
    CHECK_EQ(c.rip, 0xDEAD1234);
    c = cpu_mode(32);
    c.rip = 0x1000;
    c.gpr[6] = 0x12345678;
    c.gpr[4] = 0x8000;
    CHECK_EQ(STEP(c, 0xFF, 0xD6), X86_EMUL_DONE);          /* call esi */
    CHECK_EQ(c.rip, 0x12345678);
    CHECK_EQ(peek(0x7FFC, 4), 0x1002);
}

TEST(indirect_memory_64)
{
    struct x86_emul_cpu c = cpu_mode(64);
    mem_reset(0x400000);
    /* jmp [rip+0x100]: ff 25 00 01 00 00, EA = next rip + disp */
    c.rip = 0x401000;
    poke(0x401106, 0x405000, 8);
    CHECK_EQ(STEP(c, 0xFF, 0x25, 0x00, 0x01, 0x00, 0x00), X86_EMUL_DONE);
    CHECK_EQ(c.rip, 0x405000);
    CHECK_STR(info.how, "jmp [mem]");
    /* 67 jmp [eip+0x100]: 32-bit address size → EIP-relative */
    c.rip = 0x401000;
    poke(0x401107, 0x406000, 8);
    CHECK_EQ(STEP(c, 0x67, 0xFF, 0x25, 0x00, 0x01, 0x00, 0x00), X86_EMUL_DONE);
    CHECK_EQ(c.rip, 0x406000);
    /* jmp [rbx+rcx*8+0x10]: ff 64 cb 10 */
    c.gpr[3] = 0x400200;
    c.gpr[1] = 3;
    poke(0x400228, 0x407000, 8);
    CHECK_EQ(STEP(c, 0xFF, 0x64, 0xCB, 0x10), X86_EMUL_DONE);
    CHECK_EQ(c.rip, 0x407000);
    /* call [rsp+8]: ff 54 24 08 — EA uses RSP before the push */
    c.rip = 0x401000;
    c.gpr[4] = 0x410000;
    poke(0x410008, 0x408000, 8);
    CHECK_EQ(STEP(c, 0xFF, 0x54, 0x24, 0x08), X86_EMUL_DONE);
    CHECK_EQ(c.rip, 0x408000);
    CHECK_EQ(c.gpr[4], 0x40FFF8);
    CHECK_EQ(peek(0x40FFF8, 8), 0x401004);
    CHECK_STR(info.how, "call [mem]");
    /* fs: jmp [rax] applies FS base; ds: override is ignored in 64-bit mode */
    c.seg_base[X86_EMUL_FS] = 0x10000;
    c.seg_base[X86_EMUL_DS] = 0x10000;
    c.gpr[0] = 0x400300;
    poke(0x400300, 0x409000, 8);
    poke(0x410300, 0x40A000, 8);
    CHECK_EQ(STEP(c, 0x64, 0xFF, 0x20), X86_EMUL_DONE);
    CHECK_EQ(c.rip, 0x40A000);
    CHECK_EQ(STEP(c, 0x3E, 0xFF, 0x20), X86_EMUL_DONE);
    CHECK_EQ(c.rip, 0x409000);
    CHECK_EQ(STEP(c, 0xFF, 0x20), X86_EMUL_DONE);
    CHECK_EQ(c.rip, 0x409000);
}

TEST(indirect_memory_32_sib_scale)
{
    struct x86_emul_cpu c = cpu_mode(32);
    mem_reset(0);
    c.seg_base[X86_EMUL_DS] = 0x100;
    c.rip = 0x2000;
    c.gpr[0] = 2;
    /* jmp [eax*4+0x1000]: ff 24 85 00 10 00 00 (SIB, no base, disp32) */
    poke(0x1108, 0x11223344, 4);
    CHECK_EQ(STEP(c, 0xFF, 0x24, 0x85, 0x00, 0x10, 0x00, 0x00), X86_EMUL_DONE);
    CHECK_EQ(c.rip, 0x11223344);
    /* jmp [ebp+esi*2-4]: ff 64 75 fc — EBP base → SS */
    c.seg_base[X86_EMUL_SS] = 0x3000;
    c.gpr[5] = 0x100;
    c.gpr[6] = 0x10;
    poke(0x3000 + 0x100 + 0x20 - 4, 0xCAFE, 4);
    CHECK_EQ(STEP(c, 0xFF, 0x64, 0x75, 0xFC), X86_EMUL_DONE);
    CHECK_EQ(c.rip, 0xCAFE);
    /* call [esp]: ff 14 24 — SS, old ESP */
    c.gpr[4] = 0x3800;
    poke(0x3000 + 0x3800, 0xBEEF, 4);
    c.rip = 0x2000;
    CHECK_EQ(STEP(c, 0xFF, 0x14, 0x24), X86_EMUL_DONE);
    CHECK_EQ(c.rip, 0xBEEF);
    CHECK_EQ(c.gpr[4], 0x37FC);
    CHECK_EQ(peek(0x3000 + 0x37FC, 4), 0x2003);
}

TEST(indirect_memory_16_segments)
{
    struct x86_emul_cpu c = cpu_mode(16);
    mem_reset(0);
    c.seg_base[X86_EMUL_DS] = 0x1000;
    c.seg_base[X86_EMUL_SS] = 0x2000;
    c.seg_base[X86_EMUL_ES] = 0x3000;
    c.rip = 0x100;
    c.gpr[3] = 0x100;   /* bx */
    c.gpr[6] = 0x20;    /* si */
    c.gpr[5] = 0x40;    /* bp */
    /* jmp [bx+si+4]: ff 60 04 → DS */
    poke(0x1124, 0x1111, 2);
    CHECK_EQ(STEP(c, 0xFF, 0x60, 0x04), X86_EMUL_DONE);
    CHECK_EQ(c.rip, 0x1111);
    /* jmp [bp+2]: ff 66 02 → SS */
    poke(0x2042, 0x2222, 2);
    CHECK_EQ(STEP(c, 0xFF, 0x66, 0x02), X86_EMUL_DONE);
    CHECK_EQ(c.rip, 0x2222);
    /* es: jmp [bp+si]: 26 ff 22 → ES override */
    poke(0x3060, 0x3333, 2);
    CHECK_EQ(STEP(c, 0x26, 0xFF, 0x22), X86_EMUL_DONE);
    CHECK_EQ(c.rip, 0x3333);
    /* 16-bit effective address wraps: bx=0xFFF0, si=0x20 → [0x0010] */
    c.gpr[3] = 0xFFF0;
    poke(0x1010, 0x4444, 2);
    CHECK_EQ(STEP(c, 0xFF, 0x20), X86_EMUL_DONE);          /* jmp [bx+si] */
    CHECK_EQ(c.rip, 0x4444);
    /* 67: 32-bit addressing in 16-bit code: jmp [eax] reads DS:EAX */
    c.gpr[0] = 0x12345;
    poke(0x13345, 0x5555, 2);
    CHECK_EQ(STEP(c, 0x67, 0xFF, 0x20), X86_EMUL_DONE);
    CHECK_EQ(c.rip, 0x5555);
    /* call [bx]: ff 17 pushes IP (word) */
    c.gpr[3] = 0x200;
    c.gpr[4] = 0x1000;
    c.rip = 0x100;
    poke(0x1200, 0x6666, 2);
    CHECK_EQ(STEP(c, 0xFF, 0x17), X86_EMUL_DONE);
    CHECK_EQ(c.rip, 0x6666);
    CHECK_EQ(c.gpr[4], 0xFFE);
    CHECK_EQ(peek(0x2FFE, 2), 0x102);
    /* a word read at offset 0xFFFF would wrap the 16-bit offset → CPU's job */
    c.gpr[3] = 0xFFFF;
    c.rip = 0x100;
    CHECK_EQ(STEP(c, 0xFF, 0x27), X86_EMUL_UNSUPPORTED);   /* jmp [bx] */
    CHECK_EQ(c.rip, 0x100);
}

/* ---------------------------------------------------------------- LOOP / JCXZ */

TEST(loop_variants)
{
    struct x86_emul_cpu c = cpu_mode(16);
    c.rip = 0x100;
    c.gpr[1] = 0x12340003;
    c.rflags = 0x8D7;                                       /* flags must not change */
    CHECK_EQ(STEP(c, 0xE2, 0xFE), X86_EMUL_DONE);          /* loop $ */
    CHECK_EQ(c.gpr[1], 0x12340002);
    CHECK_EQ(c.rip, 0x100);
    CHECK_EQ(c.rflags, 0x8D7);
    CHECK_STR(info.how, "loop taken");
    c.gpr[1] = 0x12340001;
    CHECK_EQ(STEP(c, 0xE2, 0xFE), X86_EMUL_DONE);
    CHECK_EQ(c.gpr[1], 0x12340000);
    CHECK_EQ(c.rip, 0x102);
    CHECK_EQ(info.taken, 0);
    c.rip = 0x100;
    c.gpr[1] = 0;                                           /* CX=0 → 0xFFFF, taken */
    CHECK_EQ(STEP(c, 0xE2, 0xFE), X86_EMUL_DONE);
    CHECK_EQ(c.gpr[1], 0xFFFF);
    CHECK_EQ(c.rip, 0x100);
    /* 67 loop in 16-bit code counts with ECX */
    c.gpr[1] = 0x10001;
    CHECK_EQ(STEP(c, 0x67, 0xE2, 0xFD), X86_EMUL_DONE);
    CHECK_EQ(c.gpr[1], 0x10000);
    CHECK_EQ(c.rip, 0x100);
    c.gpr[1] = 0x10001;                                     /* same without 67: CX 1→0 */
    CHECK_EQ(STEP(c, 0xE2, 0xFE), X86_EMUL_DONE);
    CHECK_EQ(c.gpr[1], 0x10000);
    CHECK_EQ(c.rip, 0x102);

    /* loope / loopne */
    c = cpu_mode(32);
    c.rip = 0x1000;
    c.gpr[1] = 5;
    c.rflags = 0x42;                                        /* ZF=1 */
    CHECK_EQ(STEP(c, 0xE1, 0x10), X86_EMUL_DONE);          /* loope */
    CHECK_EQ(c.rip, 0x1012);
    CHECK_EQ(c.gpr[1], 4);
    c.rip = 0x1000;
    CHECK_EQ(STEP(c, 0xE0, 0x10), X86_EMUL_DONE);          /* loopne, ZF=1 → no */
    CHECK_EQ(c.rip, 0x1002);
    CHECK_EQ(c.gpr[1], 3);
    c.rflags = 0x2;
    c.rip = 0x1000;
    CHECK_EQ(STEP(c, 0xE0, 0x10), X86_EMUL_DONE);          /* loopne, ZF=0 → yes */
    CHECK_EQ(c.rip, 0x1012);
    c.rip = 0x1000;
    CHECK_EQ(STEP(c, 0xE1, 0x10), X86_EMUL_DONE);          /* loope, ZF=0 → no */
    CHECK_EQ(c.rip, 0x1002);
    CHECK_EQ(c.gpr[1], 1);
    c.rflags = 0x42;
    c.gpr[1] = 1;                                           /* count reaches 0 → no */
    c.rip = 0x1000;
    CHECK_EQ(STEP(c, 0xE1, 0x10), X86_EMUL_DONE);
    CHECK_EQ(c.rip, 0x1002);

    /* 64-bit: RCX by default, 67 → ECX (32-bit write zero-extends RCX) */
    c = cpu_mode(64);
    c.rip = 0x401000;
    c.gpr[1] = 0xFFFFFFFF00000001ull;
    CHECK_EQ(STEP(c, 0xE2, 0xFE), X86_EMUL_DONE);
    CHECK_EQ(c.gpr[1], 0xFFFFFFFF00000000ull);
    CHECK_EQ(c.rip, 0x401000);
    c.gpr[1] = 0xFFFFFFFF00000001ull;
    CHECK_EQ(STEP(c, 0x67, 0xE2, 0xFD), X86_EMUL_DONE);
    CHECK_EQ(c.gpr[1], 0);
    CHECK_EQ(c.rip, 0x401003);
}

TEST(jcxz_address_size)
{
    struct x86_emul_cpu c = cpu_mode(16);
    c.rip = 0x100;
    c.gpr[1] = 0x10000;                                     /* CX=0, ECX!=0 */
    CHECK_EQ(STEP(c, 0xE3, 0x10), X86_EMUL_DONE);          /* jcxz */
    CHECK_EQ(c.rip, 0x112);
    CHECK_STR(info.how, "jcxz taken");
    CHECK_STR(info.mnemonic, "jcxz");
    c.rip = 0x100;
    CHECK_EQ(STEP(c, 0x67, 0xE3, 0x10), X86_EMUL_DONE);    /* jecxz */
    CHECK_EQ(c.rip, 0x103);
    CHECK_EQ(c.gpr[1], 0x10000);                            /* count unchanged */

    c = cpu_mode(32);
    c.rip = 0x1000;
    c.gpr[1] = 0;
    CHECK_EQ(STEP(c, 0xE3, 0x10), X86_EMUL_DONE);          /* jecxz */
    CHECK_EQ(c.rip, 0x1012);

    c = cpu_mode(64);
    c.rip = 0x401000;
    c.gpr[1] = 0x100000000ull;
    CHECK_EQ(STEP(c, 0xE3, 0x10), X86_EMUL_DONE);          /* jrcxz: not zero */
    CHECK_EQ(c.rip, 0x401002);
    c.rip = 0x401000;
    CHECK_EQ(STEP(c, 0x67, 0xE3, 0x10), X86_EMUL_DONE);    /* jecxz: ECX = 0 */
    CHECK_EQ(c.rip, 0x401013);
}

/* ---------------------------------------------------------------- PUSHA */

TEST(pusha_one_frame)
{
    struct x86_emul_cpu c = cpu_mode(16);
    mem_reset(0);
    for (unsigned i = 0; i < 8; i++)
        c.gpr[i] = 0x11111111u * (i + 1);
    c.gpr[4] = 0x7c00;
    c.rip = 0x1000;
    CHECK_EQ(STEP(c, 0x60), X86_EMUL_DONE);                /* pusha: AX at the top, DI at the bottom */
    CHECK_STR(info.how, "pusha");
    CHECK_EQ(c.gpr[4], 0x7bf0);
    CHECK_EQ(peek(0x7bfe, 2), 0x1111);
    CHECK_EQ(peek(0x7bf6, 2), 0x7c00);                      /* SP as it was */
    CHECK_EQ(peek(0x7bf0, 2), 0x8888);
    CHECK_EQ(c.rip, 0x1001);
    CHECK_EQ(STEP(c, 0x66, 0x60), X86_EMUL_DONE);          /* pushad in 16-bit code */
    CHECK_EQ(c.gpr[4], 0x7bd0);
    CHECK_EQ(peek(0x7bec, 4), 0x11111111);
    CHECK_EQ(peek(0x7be0, 4), 0x44444444);
    CHECK_EQ(peek(0x7bdc, 4), 0x7bf0);                      /* ESP as it was */
    CHECK_EQ(peek(0x7bd0, 4), 0x88888888);

    c = cpu_mode(16);                                       /* the frame would wrap SP: stepped instead */
    c.gpr[4] = 0x8;
    c.rip = 0x1000;
    CHECK_EQ(STEP(c, 0x60), X86_EMUL_UNSUPPORTED);
    CHECK_EQ(c.gpr[4], 0x8);
}

/* ---------------------------------------------------------------- PUSHF/POPF */

TEST(pushf_widths)
{
    struct x86_emul_cpu c = cpu_mode(32);
    mem_reset(0);
    c.gpr[4] = 0x8000;
    c.rip = 0x1000;
    c.rflags = 0x30246;                                     /* RF|VM|IF|ZF|PF */
    CHECK_EQ(STEP(c, 0x9C), X86_EMUL_DONE);                /* pushfd */
    CHECK_EQ(peek(0x7FFC, 4), 0x246);                       /* RF, VM cleared in the image */
    CHECK_EQ(c.gpr[4], 0x7FFC);
    CHECK_EQ(c.rip, 0x1001);
    CHECK_EQ(c.rflags, 0x20246);                            /* RF cleared on completion */
    CHECK_STR(info.how, "pushf");
    CHECK_EQ(STEP(c, 0x66, 0x9C), X86_EMUL_DONE);          /* pushf (16) */
    CHECK_EQ(c.gpr[4], 0x7FFA);
    CHECK_EQ(peek(0x7FFA, 2), 0x246);

    c = cpu_mode(16);
    mem_reset(0);
    c.gpr[4] = 0x100;
    c.rflags = 0x47202;                                     /* AC, IOPL3, IF */
    CHECK_EQ(STEP(c, 0x9C), X86_EMUL_DONE);
    CHECK_EQ(c.gpr[4], 0xFE);
    CHECK_EQ(peek(0xFE, 2), 0x7202);
    CHECK_EQ(STEP(c, 0x66, 0x9C), X86_EMUL_DONE);          /* pushfd in 16-bit code */
    CHECK_EQ(c.gpr[4], 0xFA);
    CHECK_EQ(peek(0xFA, 4), 0x47202);

    c = cpu_mode(64);
    mem_reset(0x400000);
    c.gpr[4] = 0x410000;
    c.rflags = 0x10202;
    memset(fm.b + 0xFFF0, 0xEE, 16);
    CHECK_EQ(STEP(c, 0x9C), X86_EMUL_DONE);                /* pushfq */
    CHECK_EQ(c.gpr[4], 0x40FFF8);
    CHECK_EQ(peek(0x40FFF8, 8), 0x202);
    CHECK_STR(info.mnemonic, "pushfq");
    CHECK_EQ(STEP(c, 0x66, 0x9C), X86_EMUL_DONE);          /* 66 pushf: a word */
    CHECK_EQ(c.gpr[4], 0x40FFF6);
    CHECK_EQ(peek(0x40FFF6, 2), 0x202);
    CHECK_EQ(peek(0x40FFF4, 2), 0xEEEE);
}

TEST(popf_bits)
{
    struct x86_emul_cpu c = cpu_mode(32);
    mem_reset(0);
    /* popfd of all ones at CPL 0: every writable flag set, bit 1 set,
     * reserved 3/5/15/22+ clear, RF cleared, VM/VIF/VIP kept (here clear) */
    poke(0x8000, 0xFFFFFFFF, 4);
    c.gpr[4] = 0x8000;
    c.rflags = 0x10002;
    CHECK_EQ(STEP(c, 0x9D), X86_EMUL_DONE);
    CHECK_EQ(c.rflags, 0x247FD7);
    CHECK_EQ(c.gpr[4], 0x8004);
    CHECK_STR(info.how, "popf");
    /* popfd of zero keeps VM, VIF, VIP and forces bit 1 */
    poke(0x8000, 0, 4);
    c.gpr[4] = 0x8000;
    c.rflags = 0x1A0202;                                    /* VIP|VIF|VM|IF */
    CHECK_EQ(STEP(c, 0x9D), X86_EMUL_DONE);
    CHECK_EQ(c.rflags, 0x1A0002);
    /* 16-bit popf changes only bits 15..0: AC above stays */
    poke(0x8000, 0xFFFF, 2);
    c.gpr[4] = 0x8000;
    c.rflags = 0x40002;
    CHECK_EQ(STEP(c, 0x66, 0x9D), X86_EMUL_DONE);
    CHECK_EQ(c.rflags, 0x47FD7);
    CHECK_EQ(c.gpr[4], 0x8002);

    /* popfq: upper 32 bits are reserved */
    c = cpu_mode(64);
    mem_reset(0x400000);
    poke(0x408000, 0xFFFFFFFFFFFFFFFFull, 8);
    c.gpr[4] = 0x408000;
    CHECK_EQ(STEP(c, 0x9D), X86_EMUL_DONE);
    CHECK_EQ(c.rflags, 0x247FD7);
    CHECK_EQ(c.gpr[4], 0x408008);

    /* CPL 3, IOPL 0: IF and IOPL silently kept */
    c.cpl = 3;
    poke(0x408000, 0x3000, 8);                              /* IOPL 3, IF 0 */
    c.gpr[4] = 0x408000;
    c.rflags = 0x202;
    CHECK_EQ(STEP(c, 0x9D), X86_EMUL_DONE);
    CHECK_EQ(c.rflags, 0x202);
    /* CPL 3, IOPL 3: IF writable, IOPL still not */
    poke(0x408000, 0x0, 8);
    c.gpr[4] = 0x408000;
    c.rflags = 0x3202;
    CHECK_EQ(STEP(c, 0x9D), X86_EMUL_DONE);
    CHECK_EQ(c.rflags, 0x3002);
}

TEST(cli_sti)
{
    struct x86_emul_cpu c = cpu_mode(16);
    c.rip = 0x7C00;
    c.rflags = 0x10246;
    CHECK_EQ(STEP(c, 0xFA), X86_EMUL_DONE);
    CHECK_EQ(c.rflags, 0x46);
    CHECK_EQ(c.rip, 0x7C01);
    CHECK_STR(info.how, "cli");
    CHECK_EQ(info.has_target, 0);
    CHECK_EQ(STEP(c, 0xFB), X86_EMUL_DONE);
    CHECK_EQ(c.rflags, 0x246);
    CHECK_EQ(c.rip, 0x7C02);
    CHECK_STR(info.how, "sti");
    /* CPL 3 with IOPL 0: the CPU raises #GP → left to it */
    c = cpu_mode(64);
    c.cpl = 3;
    c.rip = 0x401000;
    c.rflags = 0x202;
    CHECK_EQ(STEP(c, 0xFA), X86_EMUL_UNSUPPORTED);
    CHECK_EQ(c.rflags, 0x202);
    CHECK_EQ(c.rip, 0x401000);
    c.rflags = 0x3202;                                      /* IOPL 3 */
    CHECK_EQ(STEP(c, 0xFA), X86_EMUL_DONE);
    CHECK_EQ(c.rflags, 0x3002);
}

/* ---------------------------------------------------------------- faults */

TEST(fault_leaves_state_unchanged)
{
    struct x86_emul_cpu c = cpu_mode(64), before;
    mem_reset(0x400000);
    c.rip = 0x401000;
    c.gpr[4] = 0x400000;                                    /* push goes below the map */
    c.rflags = 0x10246;
    before = c;
    CHECK_EQ(STEP(c, 0xE8, 0x00, 0x01, 0x00, 0x00), X86_EMUL_FAULT);
    CHECK_EQ(info.fault_addr, 0x3FFFF8);
    CHECK_EQ(info.fault_write, 1);
    CHECK_EQ(info.has_target, 0);
    CHECK(memcmp(&c, &before, sizeof c) == 0);
    CHECK_EQ(fm.writes, 0);
    /* pushf into read-only memory */
    c.gpr[4] = 0x410000;
    before = c;
    fm.read_only = 1;
    CHECK_EQ(STEP(c, 0x9C), X86_EMUL_FAULT);
    CHECK_EQ(info.fault_addr, 0x40FFF8);
    CHECK(memcmp(&c, &before, sizeof c) == 0);
    fm.read_only = 0;
    /* ret / popf with an unreadable stack */
    c.gpr[4] = 0x500000;
    before = c;
    CHECK_EQ(STEP(c, 0xC3), X86_EMUL_FAULT);
    CHECK_EQ(info.fault_addr, 0x500000);
    CHECK_EQ(info.fault_write, 0);
    CHECK(memcmp(&c, &before, sizeof c) == 0);
    CHECK_EQ(STEP(c, 0x9D), X86_EMUL_FAULT);
    CHECK(memcmp(&c, &before, sizeof c) == 0);
    /* call [rax] with an unmapped operand: read fault before any push */
    c.gpr[4] = 0x410000;
    c.gpr[0] = 0x12345678;
    before = c;
    CHECK_EQ(STEP(c, 0xFF, 0x10), X86_EMUL_FAULT);
    CHECK_EQ(info.fault_addr, 0x12345678);
    CHECK_EQ(info.fault_write, 0);
    CHECK(memcmp(&c, &before, sizeof c) == 0);
    CHECK_EQ(fm.writes, 0);
    /* 16-bit: a push into a read-only stack at SS base + SP */
    c = cpu_mode(16);
    mem_reset(0);
    fm.read_only = 1;
    c.seg_base[X86_EMUL_SS] = 0x9000;
    c.gpr[4] = 0x10;
    c.rip = 0x100;
    before = c;
    CHECK_EQ(STEP(c, 0xE8, 0x00, 0x00), X86_EMUL_FAULT);
    CHECK_EQ(info.fault_addr, 0x900E);
    CHECK(memcmp(&c, &before, sizeof c) == 0);
}

/* ---------------------------------------------------------------- unsupported */

TEST(undecodable_and_truncated)
{
    struct x86_emul_cpu c = cpu_mode(64), before;
    mem_reset(0x400000);
    c.rip = 0x401000;
    c.gpr[4] = 0x410000;
    before = c;
    CHECK_EQ(STEP(c, 0x06), X86_EMUL_UNSUPPORTED);         /* push es: invalid in 64-bit */
    CHECK_STR(info.how, "undecodable");
    CHECK_STR(info.mnemonic, "");
    CHECK_EQ(info.length, 0);
    CHECK_EQ(STEP(c, 0xF0, 0xEB, 0x00), X86_EMUL_UNSUPPORTED);  /* lock jmp */
    CHECK_EQ(STEP(c, 0xE8, 0x01), X86_EMUL_UNSUPPORTED);   /* truncated call rel32 */
    CHECK_EQ(STEP(c, 0x0F, 0x84, 0x00), X86_EMUL_UNSUPPORTED);
    CHECK_EQ(STEP(c, 0x0F), X86_EMUL_UNSUPPORTED);
    CHECK_EQ(STEP(c, 0xFF, 0x25, 0x00), X86_EMUL_UNSUPPORTED);
    CHECK_EQ(x86_emul_step(&c, &MEM, (const uint8_t *)"", 0, &info), X86_EMUL_UNSUPPORTED);
    CHECK_EQ(x86_emul_step(&c, &MEM, NULL, 4, NULL), X86_EMUL_UNSUPPORTED);
    /* 15 prefixes + opcode: longer than 15 bytes */
    CHECK_EQ(STEP(c, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
                  0x66, 0x66, 0x66, 0x66, 0x90), X86_EMUL_UNSUPPORTED);
    CHECK(memcmp(&c, &before, sizeof c) == 0);
    CHECK_EQ(fm.writes, 0);
    /* valid but not emulated: executed in place by the monitor */
    CHECK_EQ(STEP(c, 0x90), X86_EMUL_UNSUPPORTED);
    CHECK_STR(info.how, "not emulated");
    CHECK_STR(info.mnemonic, "nop");
    CHECK_EQ(info.length, 1);
    CHECK_EQ(STEP(c, 0x0F, 0xA2), X86_EMUL_UNSUPPORTED);   /* cpuid */
    CHECK_EQ(STEP(c, 0x48, 0xCF), X86_EMUL_UNSUPPORTED);   /* iretq */
    CHECK_EQ(STEP(c, 0x48, 0xFF, 0x28), X86_EMUL_UNSUPPORTED);  /* jmp far [rax] */
    CHECK_EQ(STEP(c, 0xCB), X86_EMUL_UNSUPPORTED);         /* retf */
    CHECK(memcmp(&c, &before, sizeof c) == 0);
    c = cpu_mode(16);
    before = c;
    CHECK_EQ(STEP(c, 0xEA, 0x00, 0x7C, 0x00, 0x00), X86_EMUL_UNSUPPORTED);  /* jmp 0:7c00 */
    CHECK_EQ(STEP(c, 0x9A, 0x00, 0x7C, 0x00, 0x00), X86_EMUL_UNSUPPORTED);  /* call far */
    CHECK(memcmp(&c, &before, sizeof c) == 0);
    /* bad cpu description */
    c.mode = 8;
    CHECK_EQ(STEP(c, 0xEB, 0x00), X86_EMUL_UNSUPPORTED);
    c.mode = 32;
    c.stack_size = 64;
    CHECK_EQ(STEP(c, 0xEB, 0x00), X86_EMUL_UNSUPPORTED);
    CHECK_EQ(x86_emul_step(NULL, &MEM, (const uint8_t[]){ 0xEB, 0 }, 2, &info),
             X86_EMUL_UNSUPPORTED);
    /* memory access with no callbacks: unsupported, not a crash */
    c = cpu_mode(32);
    c.gpr[4] = 0x100;
    CHECK_EQ(x86_emul_step(&c, NULL, (const uint8_t[]){ 0xC3 }, 1, &info),
             X86_EMUL_UNSUPPORTED);
    CHECK_EQ(x86_emul_step(&c, NULL, (const uint8_t[]){ 0x9C }, 1, &info),
             X86_EMUL_UNSUPPORTED);
    CHECK_EQ(c.gpr[4], 0x100);
}

/* ---------------------------------------------------------------- successors */

TEST(successors_static_and_computed)
{
    struct x86_emul_cpu c = cpu_mode(16), before;
    uint64_t out[2] = { 0, 0 };
    mem_reset(0);
    c.seg_base[X86_EMUL_CS] = 0x7000;
    c.rip = 0x100;
    /* jz +0x10 (either way): fall-through and target, linear */
    CHECK_EQ(SUCC(c, out, 0x74, 0x10), 2);
    CHECK_EQ(out[0], 0x7102);
    CHECK_EQ(out[1], 0x7112);
    CHECK_EQ(SUCC(c, out, 0x74, 0x00), 1);                  /* target == fall-through */
    CHECK_EQ(out[0], 0x7102);
    CHECK_EQ(SUCC(c, out, 0xE2, 0xFE), 2);                  /* loop $ */
    CHECK_EQ(out[1], 0x7100);
    CHECK_EQ(SUCC(c, out, 0xEB, 0xFE), 1);
    CHECK_EQ(out[0], 0x7100);
    CHECK_EQ(SUCC(c, out, 0x90), 1);                        /* nop */
    CHECK_EQ(out[0], 0x7101);
    CHECK_EQ(SUCC(c, out, 0xF4), 1);                        /* hlt */
    CHECK_EQ(out[0], 0x7101);
    CHECK_EQ(SUCC(c, out, 0xCC), 0);                        /* int3 */
    CHECK_EQ(SUCC(c, out, 0xCD, 0x10), 0);                  /* int 10h */
    CHECK_EQ(SUCC(c, out, 0x0F, 0x0B), 0);                  /* ud2 */
    CHECK_EQ(SUCC(c, out, 0xCE), 1);                        /* into, OF=0 */
    c.rflags = 0x802;
    CHECK_EQ(SUCC(c, out, 0xCE), 0);                        /* into, OF=1 */
    CHECK_EQ(SUCC(c, out, 0x0F, 0xFF), -1);                 /* truncated ud0: not known */
    CHECK_EQ(SUCC(c, out, 0x0F), -1);
    /* call rel: the target; ret: the return address, state untouched */
    c.gpr[4] = 0x800;
    c.seg_base[X86_EMUL_SS] = 0x1000;
    poke(0x1800, 0x0555, 2);
    c.gpr[3] = 0x10;
    poke(0x10, 0x0666, 2);
    before = c;
    CHECK_EQ(SUCC(c, out, 0xE8, 0x00, 0x01), 1);
    CHECK_EQ(out[0], 0x7203);
    CHECK_EQ(SUCC(c, out, 0xC3), 1);
    CHECK_EQ(out[0], 0x7555);
    CHECK_EQ(SUCC(c, out, 0xFF, 0x17), 1);                  /* call [bx] */
    CHECK_EQ(out[0], 0x7666);
    CHECK(memcmp(&c, &before, sizeof c) == 0);
    CHECK_EQ(fm.writes, 0);
    c.seg_base[X86_EMUL_DS] = 0x30000;                     /* unreadable operand */
    CHECK_EQ(SUCC(c, out, 0xFF, 0x27), 0);

    /* 64-bit: linear = rip */
    c = cpu_mode(64);
    mem_reset(0x400000);
    c.rip = 0x401000;
    c.seg_base[X86_EMUL_CS] = 0x5000;                      /* ignored */
    c.gpr[0] = 0x402000;
    CHECK_EQ(SUCC(c, out, 0xFF, 0xE0), 1);
    CHECK_EQ(out[0], 0x402000);
    CHECK_EQ(SUCC(c, out, 0x0F, 0x85, 0x00, 0x01, 0x00, 0x00), 2);
    CHECK_EQ(out[0], 0x401006);
    CHECK_EQ(out[1], 0x401106);
    CHECK_EQ(SUCC(c, out, 0x0F, 0x05), -1);                 /* syscall: from MSRs, not here */
    CHECK_EQ(SUCC(c, out, 0x48, 0xCF), 0);                  /* iretq through an empty GDT: #GP */
    CHECK_EQ(x86_emul_successors(&c, &MEM, (const uint8_t[]){ 0x90 }, 1, NULL), -1);
}

TEST(successors_far_real_mode)
{
    struct x86_emul_cpu c = cpu_mode(16);
    uint64_t out[2] = { 0, 0 };
    mem_reset(0);
    c.real_mode = 1;
    c.seg_base[X86_EMUL_CS] = 0xF0000;
    c.rip = 0xFFF0;
    CHECK_EQ(SUCC(c, out, 0xEA, 0x5B, 0xE0, 0x00, 0xF0), 1);    /* jmp f000:e05b */
    CHECK_EQ(out[0], 0xFE05B);
    CHECK_EQ(SUCC(c, out, 0x9A, 0x00, 0x7C, 0x00, 0x00), 1);    /* call 0000:7c00 */
    CHECK_EQ(out[0], 0x7C00);
    /* jmp far [bx]: m16:16 at DS:BX */
    c.seg_base[X86_EMUL_DS] = 0x2000;
    c.gpr[3] = 0x10;
    poke(0x2010, 0x0123, 2);
    poke(0x2012, 0x1000, 2);
    CHECK_EQ(SUCC(c, out, 0xFF, 0x2F), 1);
    CHECK_EQ(out[0], 0x10123);
    CHECK_EQ(SUCC(c, out, 0xFF, 0x1F), 1);                      /* call far [bx] */
    CHECK_EQ(out[0], 0x10123);
    /* retf / iret: IP then CS from the stack */
    c.seg_base[X86_EMUL_SS] = 0x3000;
    c.gpr[4] = 0x100;
    poke(0x3100, 0x0456, 2);
    poke(0x3102, 0x0800, 2);
    poke(0x3104, 0x0202, 2);
    CHECK_EQ(SUCC(c, out, 0xCB), 1);
    CHECK_EQ(out[0], 0x8456);
    CHECK_EQ(SUCC(c, out, 0xCF), 1);
    CHECK_EQ(out[0], 0x8456);
    CHECK_EQ(SUCC(c, out, 0xCA, 0x04, 0x00), 1);                /* retf 4 */
    CHECK_EQ(out[0], 0x8456);
    /* 66 iret (iretd): 32-bit slots */
    poke(0x3100, 0x00000456, 4);
    poke(0x3104, 0x00000900, 4);
    CHECK_EQ(SUCC(c, out, 0x66, 0xCF), 1);
    CHECK_EQ(out[0], 0x9456);
    CHECK_EQ(fm.writes, 0);
    /* unreadable stack: unknown */
    c.gpr[4] = 0xFFF0;
    c.seg_base[X86_EMUL_SS] = 0x30000;
    CHECK_EQ(SUCC(c, out, 0xCB), 0);
    /* protected mode: far targets depend on descriptors → 0 */
    c.real_mode = 0;
    CHECK_EQ(SUCC(c, out, 0xEA, 0x5B, 0xE0, 0x00, 0xF0), 0);
    c.gpr[4] = 0x100;
    c.seg_base[X86_EMUL_SS] = 0x3000;
    CHECK_EQ(SUCC(c, out, 0xCB), 0);
    CHECK_EQ(SUCC(c, out, 0xCF), 0);
}

/* A task gate in the IDT: the new task resumes at its TSS's CS:EIP, under
 * its CR3 (and through its own LDT when CS is an LDT selector). */
TEST(task_gate_target)
{
    struct x86_emul_cpu c = cpu_mode(32);
    struct x86_target t;
    uint32_t cr3 = 0;
    uint64_t tss = 0;
    mem_reset(0);
    c.gdt_base = 0x1000;
    c.gdt_limit = 0x3f;
    c.idt_base = 0x2000;
    c.idt_limit = 0x7ff;
    poke(0x1008, 0x00CF9A000000FFFFull, 8);     /* 0x08: 32-bit code, base 0 */
    poke(0x1010, 0x00CF9A001000FFFFull, 8);     /* 0x10: 32-bit code, base 0x1000 */
    poke(0x1018, 0x0000890040000067ull, 8);     /* 0x18: TSS at 0x4000, limit 0x67 */
    poke(0x1020, 0x0000820050000007ull, 8);     /* 0x20: LDT at 0x5000 */
    poke(0x5000, 0x00CF9A003000FFFFull, 8);     /* LDT 0: 32-bit code, base 0x3000 */
    poke(0x2000 + 6 * 8, 0x0000850000180000ull, 8);   /* #UD: task gate -> 0x18 */
    poke(0x4000 + 0x1C, 0x00abc000, 4);         /* CR3 */
    poke(0x4000 + 0x20, 0x00000123, 4);         /* EIP */
    poke(0x4000 + 0x4C, 0x0008, 2);             /* CS */
    CHECK_EQ(x86_emul_vector(&c, &MEM, 6, &t), -2);
    CHECK_EQ(t.selector, 0x18);
    CHECK_EQ(x86_emul_task_target(&c, &MEM, 0x18, &t, &cr3, &tss), 0);
    CHECK_EQ(t.linear, 0x123);
    CHECK_EQ(t.bits, 32);
    CHECK_EQ(cr3, 0x00abc000);
    CHECK_EQ(tss, 0x4000);
    poke(0x4000 + 0x4C, 0x0010, 2);             /* CS with a base */
    CHECK_EQ(x86_emul_task_target(&c, &MEM, 0x18, &t, &cr3, &tss), 0);
    CHECK_EQ(t.linear, 0x1123);
    poke(0x4000 + 0x4C, 0x0004, 2);             /* CS from the new task's LDT */
    poke(0x4000 + 0x60, 0x0020, 2);
    CHECK_EQ(x86_emul_task_target(&c, &MEM, 0x18, &t, &cr3, &tss), 0);
    CHECK_EQ(t.linear, 0x3123);
    poke(0x4000 + 0x60, 0x0000, 2);             /* ... without one: the switch faults */
    CHECK_EQ(x86_emul_task_target(&c, &MEM, 0x18, &t, &cr3, &tss), -1);
    /* through a task gate in the GDT too; not a TSS; long mode: no tasks */
    poke(0x1028, 0x0000850000180000ull, 8);
    poke(0x4000 + 0x4C, 0x0008, 2);
    c.gdt_limit = 0x2f;
    CHECK_EQ(x86_emul_task_target(&c, &MEM, 0x28, &t, &cr3, &tss), 0);
    CHECK_EQ(t.linear, 0x123);
    CHECK_EQ(x86_emul_task_target(&c, &MEM, 0x08, &t, &cr3, &tss), -1);
    c.lma = 1;
    CHECK_EQ(x86_emul_task_target(&c, &MEM, 0x18, &t, &cr3, &tss), -1);
    CHECK_EQ(fm.writes, 0);
}

/* ---------------------------------------------------------------- robustness */

static uint64_t lcg_state = 0x9E3779B97F4A7C15ull;
static uint64_t lcg(void)
{
    lcg_state = lcg_state * 6364136223846793005ull + 1442695040888963407ull;
    return lcg_state >> 11;
}

/* Random bytes (biased to branch/flag opcodes and prefixes) and random
 * state: never crashes (run under ASan/UBSan by make test SAN=1), results
 * are in range, and UNSUPPORTED/FAULT leave cpu and memory unchanged. */
TEST(random_bytes_are_safe)
{
    static const uint8_t hot[] = { 0x66, 0x67, 0x48, 0x41, 0x26, 0x64, 0x3E, 0xF0, 0x0F, 0xFF,
                                   0xE8, 0xE9, 0xEB, 0xC2, 0xC3, 0xCA, 0xCB, 0xCF, 0xE0, 0xE1,
                                   0xE2, 0xE3, 0x9C, 0x9D, 0xFA, 0xFB, 0x74, 0x84, 0xEA, 0x9A };
    static const int modes[] = { 16, 32, 64 };
    int done = 0, bad_range = 0, changed = 0;
    for (int iter = 0; iter < 30000; iter++) {
        struct x86_emul_cpu c, before;
        uint8_t b[16];
        uint64_t out[2];
        size_t n = (size_t)(lcg() % 17);
        mem_reset(0);
        for (size_t i = 0; i < sizeof b; i++)
            b[i] = (lcg() & 1) ? hot[lcg() % sizeof hot] : (uint8_t)lcg();
        memset(&c, 0, sizeof c);
        c.mode = modes[lcg() % 3];
        c.stack_size = c.mode == 64 ? 64 : modes[lcg() % 2];
        for (int r = 0; r < 16; r++)
            c.gpr[r] = (lcg() & 1) ? lcg() % MEM_SIZE : lcg() * 0x10001;
        for (int sg = 0; sg < 6; sg++)
            c.seg_base[sg] = (lcg() & 1) ? 0 : lcg() % MEM_SIZE;
        c.rip = lcg() % 0x10000;
        c.rflags = lcg();
        c.cpl = (int)(lcg() % 4);
        c.real_mode = (int)(lcg() & 1);
        before = c;
        enum x86_emul_result res = x86_emul_step(&c, &MEM, b, n, &info);
        if (res != X86_EMUL_DONE && res != X86_EMUL_UNSUPPORTED && res != X86_EMUL_FAULT)
            bad_range++;
        if (res == X86_EMUL_DONE)
            done++;
        else if (memcmp(&c, &before, sizeof c) != 0 || fm.writes != 0)
            changed++;
        if (info.length > 15 || !info.mnemonic || !info.how)
            bad_range++;
        int k = x86_emul_successors(&before, &MEM, b, n, out);
        if (k < -1 || k > 2)
            bad_range++;
    }
    CHECK_EQ(bad_range, 0);
    CHECK_EQ(changed, 0);
    CHECK(done > 100);                                      /* the generator reaches real work */
}

int main(void)
{
    RUN(jcc_all_conditions_32);
    RUN(jcc_all_conditions_16);
    RUN(jcc_all_conditions_64);
    RUN(jcc_mnemonic_and_16bit_operand_size);
    RUN(jmp_rel8_rel32);
    RUN(jmp_16bit_wraparound);
    RUN(call_rel_16);
    RUN(call_rel_32);
    RUN(call_rel_64);
    RUN(ret_and_ret_imm16);
    RUN(indirect_register_64);
    RUN(indirect_register_16_32);
    RUN(indirect_memory_64);
    RUN(indirect_memory_32_sib_scale);
    RUN(indirect_memory_16_segments);
    RUN(loop_variants);
    RUN(jcxz_address_size);
    RUN(pusha_one_frame);
    RUN(pushf_widths);
    RUN(popf_bits);
    RUN(cli_sti);
    RUN(fault_leaves_state_unchanged);
    RUN(undecodable_and_truncated);
    RUN(successors_static_and_computed);
    RUN(successors_far_real_mode);
    RUN(task_gate_target);
    RUN(random_bytes_are_safe);
    CHECK_EXIT();
}
