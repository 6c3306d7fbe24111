/* libFuzzer target for src/prescan over (bytes, entry, depth, writes).
 * Input layout: [0] mode selector, [1..2] depth, [3..4] entry offset (any
 * value; only the page offset counts), [5] number of operations, then up to
 * 4096+64 code bytes (two pages: the scanned page and the next), then
 * 5-byte operations {kind, off16, len16}.  Engine invariants are checked
 * (after the scan, every 16 operations and at the end) and a violation
 * traps (that is the fuzzer's verdict, not library behaviour).  Seeds
 * (tests/fuzz/seeds.py) put real code there: the test guests' and libc's. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "prescan/prescan.h"

#define PG 0x7000u
static uint8_t mem[3 * PRESCAN_PAGE_SIZE];   /* gpa PG-0x1000 .. PG+0x1fff */

static int rd(void *ctx, uint64_t page_gpa, uint8_t *page)
{
    (void)ctx;
    if (page_gpa < PG - PRESCAN_PAGE_SIZE || page_gpa > PG + PRESCAN_PAGE_SIZE)
        return -1;
    memcpy(page, mem + (page_gpa - (PG - PRESCAN_PAGE_SIZE)), PRESCAN_PAGE_SIZE);
    return 0;
}

static unsigned nev;
static void listen(void *ctx, const struct prescan_event *ev) { (void)ctx; (void)ev; nev++; }
static int classify(void *ctx, const struct prescan_insn *in)
{
    (void)ctx;
    return in->bytes[0] == 0x90 ? 1 : in->bytes[0] == 0x0f ? 0 : -1;
}

static void check_invariants(struct prescan *ps)
{
    static const enum prescan_mode modes[3] = { PRESCAN_MODE_16, PRESCAN_MODE_32, PRESCAN_MODE_64 };
    for (int m = 0; m < 3; m++)
        for (uint64_t page = PG - PRESCAN_PAGE_SIZE; page <= PG + PRESCAN_PAGE_SIZE; page += PRESCAN_PAGE_SIZE) {
            const uint8_t *a = prescan_attr_page(ps, page, modes[m]);
            if (!a)
                continue;
            for (unsigned o = 0; o < PRESCAN_PAGE_SIZE; o++) {
                if (!(a[o] & PRESCAN_ATTR_SCANNED))
                    continue;
                unsigned len = a[o] & PRESCAN_ATTR_LEN_MASK;
                if (len == 0 || o + len > PRESCAN_PAGE_SIZE)
                    __builtin_trap();
                if (!(a[o] & PRESCAN_ATTR_VIRTUALIZE))
                    for (unsigned p = o + 1; p < o + len; p++)
                        if ((a[p] & (PRESCAN_ATTR_SCANNED | PRESCAN_ATTR_VIRTUALIZE)) ==
                            (PRESCAN_ATTR_SCANNED | PRESCAN_ATTR_VIRTUALIZE))
                            __builtin_trap();
                (void)prescan_reason_at(ps, page + o, modes[m]);
            }
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 6)
        return 0;
    static const enum prescan_mode modes[4] = { PRESCAN_MODE_16, PRESCAN_MODE_32, PRESCAN_MODE_64, (enum prescan_mode)0 };
    enum prescan_mode mode = modes[data[0] & 3];
    unsigned depth = (unsigned)data[1] | (unsigned)data[2] << 8;
    if (data[0] & 0x80)
        depth *= 1000;                          /* huge depths too */
    uint64_t entry = PG + ((unsigned)data[3] | (unsigned)data[4] << 8);   /* may leave the page */
    unsigned nops = data[5];
    data += 6; size -= 6;
    memset(mem, 0xcc, sizeof mem);
    size_t code = size < 2 * PRESCAN_PAGE_SIZE ? size : 2 * PRESCAN_PAGE_SIZE;
    if (nops * 5u < code)
        code -= nops * 5u;
    else
        code = 0;
    memcpy(mem + PRESCAN_PAGE_SIZE, data, code);
    data += code; size -= code;

    struct prescan_config cfg = { .read = rd, .max_depth = depth, .listen = (data[-1] & 1) ? listen : NULL };
    if (code && (data[-1] & 2))
        cfg.classify = classify;
    struct prescan *ps = prescan_new(&cfg);
    if (!ps)
        return 0;
    (void)prescan_scan(ps, entry, mode);
    check_invariants(ps);
    for (unsigned i = 0; i < nops && size >= 5; i++, data += 5, size -= 5) {
        uint64_t gpa = PG - 16 + ((unsigned)data[1] | (unsigned)data[2] << 8);
        size_t len = (unsigned)data[3] | (unsigned)data[4] << 8;
        struct prescan_write_hit h;
        struct prescan_step st;
        switch (data[0] % 6) {
        case 0:     /* guest write */
            if (data[0] & 0x80)
                len = SIZE_MAX - len;
            if (prescan_write_check(ps, gpa, len, &h) == 1) {
                if (!h.hit || h.insn_len == 0 || h.insn_len > 15)
                    __builtin_trap();
                for (size_t k = 0; k < len && k < 32 && gpa + k >= PG - PRESCAN_PAGE_SIZE &&
                                   gpa + k < PG + 2 * PRESCAN_PAGE_SIZE; k++)
                    mem[gpa + k - (PG - PRESCAN_PAGE_SIZE)] ^= (uint8_t)(data[0] + k);
                prescan_invalidate_page(ps, h.insn_gpa);
            }
            break;
        case 1:
            (void)prescan_resolve_branch(ps, gpa, mode);
            break;
        case 2:
            prescan_set_depth(ps, (unsigned)len);
            (void)prescan_scan(ps, gpa, modes[data[0] >> 6]);
            break;
        case 3:     /* partial stepped scan, abandoned */
            if (prescan_start(ps, gpa, mode) == 0)
                for (size_t k = 0; k < len % 64 && prescan_step(ps, &st) == 1; k++) {
                    const struct prescan_work *w;
                    size_t n = prescan_worklist(ps, &w);
                    if (n != st.worklist_len)
                        __builtin_trap();
                }
            break;
        case 4:
            prescan_invalidate_page(ps, gpa);
            break;
        case 5: {
            struct prescan_page_info pi[8];
            struct prescan_stats s;
            size_t n = prescan_pages(ps, pi, 8);
            prescan_get_stats(ps, &s);
            if (n != s.pages_live)
                __builtin_trap();
            break;
        }
        }
        if ((i & 15) == 15)             /* (a full check is 36 K attribute bytes) */
            check_invariants(ps);
    }
    check_invariants(ps);
    prescan_free(ps);
    return 0;
}
