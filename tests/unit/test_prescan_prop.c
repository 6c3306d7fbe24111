/* Property test for src/prescan: random code-like pages, random entries and
 * depths; checks the attribute pages against an independent full decode and
 * an independent reachability computation. Seeded, bounded in time. */
#include <stdlib.h>
#include <time.h>
#include <Zydis/Zydis.h>
#include "check.h"
#include "prescan_mem.h"

#define PG 0x1000u
static uint8_t bytes[3 * PRESCAN_PAGE_SIZE];
static struct tmem mem = { 0, sizeof bytes, bytes, 0 };
static uint8_t *page = bytes + PG;

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint32_t rnd(void)
{
    rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17;
    return (uint32_t)(rng >> 16);
}

static void gen_page(void)
{
    unsigned i = 0;
    while (i < PRESCAN_PAGE_SIZE) {
        uint8_t tok[8];
        unsigned n = 0;
        int32_t r32 = (int32_t)(rnd() % 8192) - 4096;
        switch (rnd() % 12) {
        case 0: tok[n++] = 0xeb; tok[n++] = (uint8_t)rnd(); break;
        case 1: tok[n++] = (uint8_t)(0x70 + rnd() % 16); tok[n++] = (uint8_t)rnd(); break;
        case 2: tok[n++] = (uint8_t)(0xe0 + rnd() % 4); tok[n++] = (uint8_t)rnd(); break;
        case 3: tok[n++] = 0xe8; memcpy(tok + n, &r32, 4); n += 4; break;
        case 4: tok[n++] = 0x0f; tok[n++] = (uint8_t)(0x80 + rnd() % 16); memcpy(tok + n, &r32, 4); n += 4; break;
        case 5: tok[n++] = 0xc3; break;
        case 6: tok[n++] = 0x90; break;
        case 7: tok[n++] = 0xfa; break;
        case 8: tok[n++] = 0xe9; memcpy(tok + n, &r32, 4); n += 4; break;
        default: tok[n++] = (uint8_t)rnd(); break;
        }
        for (unsigned k = 0; k < n && i < PRESCAN_PAGE_SIZE; k++)
            page[i++] = tok[k];
    }
}

static ZydisDecoder full[3];
static int mi(enum prescan_mode m) { return m == PRESCAN_MODE_16 ? 0 : m == PRESCAN_MODE_32 ? 1 : 2; }

/* Independent successor computation (full decode + ZydisCalcAbsoluteAddress).
   exact=1: the engine's documented edges; returns the number of successors. */
static unsigned successors(enum prescan_mode mode, unsigned off, unsigned succ[2], int *ok, unsigned *len)
{
    ZydisDecodedInstruction in;
    ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
    *ok = ZYAN_SUCCESS(ZydisDecoderDecodeFull(&full[mi(mode)], page + off, PRESCAN_PAGE_SIZE - off, &in, ops));
    if (!*ok)
        return 0;
    *len = in.length;
    unsigned n = 0, ft = off + in.length;
    int has_ft = ft < PRESCAN_PAGE_SIZE;
    int rel = in.operand_count_visible > 0 && ops[0].type == ZYDIS_OPERAND_TYPE_IMMEDIATE &&
              ops[0].imm.is_relative;
    if (rel && in.operand_width == 16 && mode != PRESCAN_MODE_16)
        return 0;
    uint64_t t = 0;
    int in_page = 0;
    if (rel) {
        ZydisCalcAbsoluteAddress(&in, &ops[0], PG + off, &t);
        in_page = t >= PG && t < PG + PRESCAN_PAGE_SIZE;
    }
    switch (in.mnemonic) {
    case ZYDIS_MNEMONIC_HLT:    /* ends the path: scout has no interrupts to resume after it */
    case ZYDIS_MNEMONIC_RET: case ZYDIS_MNEMONIC_IRET: case ZYDIS_MNEMONIC_IRETD: case ZYDIS_MNEMONIC_IRETQ:
        return 0;
    case ZYDIS_MNEMONIC_JMP:
        if (rel && in_page)
            succ[n++] = (unsigned)(t - PG);
        return n;
    case ZYDIS_MNEMONIC_CALL:
        if (rel && in_page) {
            succ[n++] = (unsigned)(t - PG);
            if (has_ft)
                succ[n++] = ft;
        }
        return n;
    default:
        break;
    }
    if (rel && in_page)
        succ[n++] = (unsigned)(t - PG);
    if (has_ft)
        succ[n++] = ft;
    return n;
}

static uint8_t reach[PRESCAN_PAGE_SIZE];
static unsigned stack[PRESCAN_PAGE_SIZE * 2];

static void reachable(enum prescan_mode mode, const unsigned *entries, unsigned nentries)
{
    memset(reach, 0, sizeof reach);
    unsigned sp = 0;
    for (unsigned i = 0; i < nentries; i++)
        stack[sp++] = entries[i];
    while (sp) {
        unsigned o = stack[--sp];
        if (reach[o])
            continue;
        reach[o] = 1;
        unsigned s[2], len;
        int ok;
        unsigned n = successors(mode, o, s, &ok, &len);
        for (unsigned k = 0; k < n; k++)
            if (!reach[s[k]])
                stack[sp++] = s[k];
    }
}

TEST(random_pages_match_independent_decode)
{
    static const enum prescan_mode modes[3] = { PRESCAN_MODE_16, PRESCAN_MODE_32, PRESCAN_MODE_64 };
    ZydisDecoderInit(&full[0], ZYDIS_MACHINE_MODE_LEGACY_16, ZYDIS_STACK_WIDTH_16);
    ZydisDecoderInit(&full[1], ZYDIS_MACHINE_MODE_LEGACY_32, ZYDIS_STACK_WIDTH_32);
    ZydisDecoderInit(&full[2], ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64);
    struct prescan_config cfg = { .read = tmem_read, .read_ctx = &mem };
    struct prescan *ps = prescan_new(&cfg);
    CHECK(ps != NULL);
    clock_t t0 = clock();
    unsigned iters = 0, marked_total = 0, exact_runs = 0;
    for (; iters < 3000 && clock() - t0 < 2 * CLOCKS_PER_SEC; iters++) {
        gen_page();
        enum prescan_mode mode = modes[rnd() % 3];
        unsigned nentries = 1 + rnd() % 3, entries[3];
        int unlimited = 1;
        prescan_invalidate_page(ps, PG);
        for (unsigned e = 0; e < nentries; e++) {
            unsigned d = rnd() % 4;
            unsigned depth = d == 3 ? 100000 : d;      /* 0, 1, 2 or "infinite" */
            if (depth < 4096)
                unlimited = 0;
            uint64_t gpa = PG + rnd() % PRESCAN_PAGE_SIZE;
            entries[e] = (unsigned)(gpa - PG);
            prescan_set_depth(ps, depth);
            CHECK_EQ(prescan_scan(ps, gpa, mode), 0);
        }
        const uint8_t *attr = prescan_attr_page(ps, PG, mode);
        CHECK(attr != NULL);
        if (!attr)
            break;
        reachable(mode, entries, nentries);
        for (unsigned o = 0; o < PRESCAN_PAGE_SIZE; o++) {
            uint8_t a = attr[o];
            if (!(a & PRESCAN_ATTR_SCANNED)) {
                if (unlimited && nentries == 1)
                    CHECK(!reach[o]);       /* reachable with unlimited depth => scanned */
                continue;
            }
            marked_total++;
            CHECK(reach[o]);                /* nothing unreachable is marked */
            unsigned s[2], len = 0;
            int ok;
            successors(mode, o, s, &ok, &len);
            unsigned alen = a & PRESCAN_ATTR_LEN_MASK;
            if (ok) {
                CHECK_EQ(alen, len);
            } else {
                enum prescan_reason r = prescan_reason_at(ps, PG + o, mode);
                CHECK(a & PRESCAN_ATTR_VIRTUALIZE);
                CHECK(r == PRESCAN_REASON_CROSSES_PAGE || r == PRESCAN_REASON_UNDECODABLE ||
                      r == PRESCAN_REASON_OVERLAP);
                if (r == PRESCAN_REASON_UNDECODABLE)
                    CHECK_EQ(alen, 1);
                if (r == PRESCAN_REASON_CROSSES_PAGE)
                    CHECK_EQ(alen, PRESCAN_PAGE_SIZE - o);
            }
            /* the trap handler's way (the instruction's own bytes) says the same */
            if (a & PRESCAN_ATTR_VIRTUALIZE) {
                uint8_t b[PRESCAN_MAX_INSN_LEN];
                size_t n = PRESCAN_PAGE_SIZE - o < sizeof b ? PRESCAN_PAGE_SIZE - o : sizeof b;
                memcpy(b, page + o, n);
                CHECK_EQ(prescan_reason_of(ps, PG + o, mode, b, n), prescan_reason_at(ps, PG + o, mode));
            }
            /* overlap invariant: a native instruction has no virtualize start inside */
            if (!(a & PRESCAN_ATTR_VIRTUALIZE))
                for (unsigned p = o + 1; p < o + alen && p < PRESCAN_PAGE_SIZE; p++)
                    CHECK((attr[p] & (PRESCAN_ATTR_SCANNED | PRESCAN_ATTR_VIRTUALIZE)) !=
                          (PRESCAN_ATTR_SCANNED | PRESCAN_ATTR_VIRTUALIZE));
            /* a native static branch has its target scanned */
            unsigned kind = (a & PRESCAN_ATTR_KIND_MASK) >> PRESCAN_ATTR_KIND_SHIFT;
            if (kind == PRESCAN_KIND_BRANCH && !(a & PRESCAN_ATTR_VIRTUALIZE)) {
                ZydisDecodedInstruction in;
                ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
                uint64_t t = 0;
                if (ZYAN_SUCCESS(ZydisDecoderDecodeFull(&full[mi(mode)], page + o, PRESCAN_PAGE_SIZE - o, &in, ops)) &&
                    ZYAN_SUCCESS(ZydisCalcAbsoluteAddress(&in, &ops[0], PG + o, &t))) {
                    CHECK(t >= PG && t < PG + PRESCAN_PAGE_SIZE);
                    if (t >= PG && t < PG + PRESCAN_PAGE_SIZE)
                        CHECK(attr[t - PG] & PRESCAN_ATTR_SCANNED);
                } else {
                    CHECK(0);
                }
            }
            /* with unlimited depth every in-page branch target got scanned: only
               overlap (never policy here) keeps a branch virtualize */
            if (unlimited && kind == PRESCAN_KIND_BRANCH)
                CHECK(!(a & PRESCAN_ATTR_VIRTUALIZE));
        }
        if (unlimited && nentries == 1)
            exact_runs++;
        if (check_current_failed)
            break;
    }
    printf("# %u iterations, %u marked offsets, %u exact-reachability runs\n", iters, marked_total, exact_runs);
    CHECK(iters >= 200);
    CHECK(exact_runs > 0);
    prescan_free(ps);
}

int main(void)
{
    RUN(random_pages_match_independent_decode);
    CHECK_EXIT();
}
