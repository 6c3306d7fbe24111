/* Unit tests for src/prescan: hand-assembled bytes in 16/32/64-bit modes.
 * Expected values come from reasoning about the encodings (cross-checked
 * with objdump -b binary -m i386/i8086/x86-64). */
#include <stdlib.h>
#include <Zydis/Zydis.h>
#include "check.h"
#include "prescan_mem.h"

#define PG 0x1000u           /* code page used by most tests */
static uint8_t mem_bytes[4 * PRESCAN_PAGE_SIZE];   /* gpa 0x0000..0x3fff */
static struct tmem mem = { 0, sizeof mem_bytes, mem_bytes, 0 };

/* attribute byte helpers */
#define S PRESCAN_ATTR_SCANNED
#define V PRESCAN_ATTR_VIRTUALIZE
#define KB (PRESCAN_KIND_BRANCH << PRESCAN_ATTR_KIND_SHIFT)
#define KO (PRESCAN_KIND_OVERLAP << PRESCAN_ATTR_KIND_SHIFT)
#define KP (PRESCAN_KIND_POLICY << PRESCAN_ATTR_KIND_SHIFT)

static void put(uint64_t gpa, const uint8_t *b, size_t n) { memcpy(mem_bytes + gpa, b, n); }
#define PUT(gpa, ...) do { static const uint8_t b_[] = { __VA_ARGS__ }; put((gpa), b_, sizeof b_); } while (0)

static struct prescan *fresh(unsigned depth)
{
    memset(mem_bytes, 0xcc, sizeof mem_bytes);   /* int3 everywhere else */
    mem.fail_reads = 0;
    struct prescan_config cfg = { .read = tmem_read, .read_ctx = &mem, .max_depth = depth };
    return prescan_new(&cfg);
}
#define A(ps, off, mode) prescan_attr((ps), PG + (off), (mode))

/* 0: xor eax,eax | 2: jnz +4 (->8) | 4: jmp +6 (->12) | 6,7: nop | 8: inc rax | 11: ret | 12: nop | 13: ret */
static void put_example64(void)
{
    PUT(PG, 0x31, 0xc0, 0x75, 0x04, 0xeb, 0x06, 0x90, 0x90, 0x48, 0xff, 0xc0, 0xc3, 0x90, 0xc3);
}

TEST(lazy_depth0_marks_branches_virtualize)
{
    struct prescan *ps = fresh(0);
    put_example64();
    CHECK_EQ(prescan_scan(ps, PG, PRESCAN_MODE_64), 0);
    CHECK_EQ(A(ps, 0, PRESCAN_MODE_64), S | 2);
    CHECK_EQ(A(ps, 2, PRESCAN_MODE_64), S | V | KB | 2);
    CHECK_EQ(A(ps, 4, PRESCAN_MODE_64), S | V | KB | 2);
    for (unsigned o = 6; o < 16; o++)
        CHECK_EQ(A(ps, o, PRESCAN_MODE_64), 0);
    CHECK_EQ(prescan_reason_at(ps, PG + 2, PRESCAN_MODE_64), PRESCAN_REASON_BRANCH_UNSCANNED);
    CHECK_EQ(prescan_reason_at(ps, PG + 0, PRESCAN_MODE_64), PRESCAN_REASON_NONE);
    CHECK_EQ(A(ps, 0, PRESCAN_MODE_32), 0);            /* other mode: no page */
    /* the jnz traps: scan its target (8: inc, 11: ret) and flip */
    CHECK_EQ(prescan_resolve_branch(ps, PG + 2, PRESCAN_MODE_64), 1);
    CHECK_EQ(A(ps, 2, PRESCAN_MODE_64), S | KB | 2);
    CHECK_EQ(A(ps, 8, PRESCAN_MODE_64), S | 3);
    CHECK_EQ(A(ps, 11, PRESCAN_MODE_64), S | V | 1);
    CHECK_EQ(prescan_reason_at(ps, PG + 11, PRESCAN_MODE_64), PRESCAN_REASON_COMPUTED_BRANCH);
    CHECK_EQ(A(ps, 12, PRESCAN_MODE_64), 0);
    CHECK_EQ(prescan_resolve_branch(ps, PG + 2, PRESCAN_MODE_64), 1);   /* already native */
    CHECK_EQ(prescan_resolve_branch(ps, PG + 11, PRESCAN_MODE_64), 0);  /* ret: not a branch to flip */
    CHECK_EQ(prescan_resolve_branch(ps, PG + 6, PRESCAN_MODE_64), -1);  /* not scanned */
    CHECK_EQ(prescan_resolve_branch(ps, PG + 4, PRESCAN_MODE_64), 1);
    CHECK_EQ(A(ps, 12, PRESCAN_MODE_64), S | 1);
    CHECK_EQ(A(ps, 13, PRESCAN_MODE_64), S | V | 1);
    struct prescan_stats st;
    prescan_get_stats(ps, &st);
    CHECK_EQ(st.branch_flips, 2);
    CHECK_EQ(st.insns_scanned, 7);
    CHECK_EQ(st.bytes_decoded, 2 + 2 + 2 + 3 + 1 + 1 + 1);
    CHECK_EQ(st.virtualize[PRESCAN_REASON_BRANCH_UNSCANNED], 2);
    CHECK_EQ(st.virtualize[PRESCAN_REASON_COMPUTED_BRANCH], 2);
    CHECK_EQ(st.pages_live, 1);
    prescan_free(ps);
}

TEST(recursive_depth1_follows_targets)
{
    struct prescan *ps = fresh(1);
    put_example64();
    CHECK_EQ(prescan_scan(ps, PG, PRESCAN_MODE_64), 0);
    CHECK_EQ(A(ps, 2, PRESCAN_MODE_64), S | KB | 2);
    CHECK_EQ(A(ps, 4, PRESCAN_MODE_64), S | KB | 2);
    CHECK_EQ(A(ps, 6, PRESCAN_MODE_64), 0);
    CHECK_EQ(A(ps, 7, PRESCAN_MODE_64), 0);
    CHECK_EQ(A(ps, 8, PRESCAN_MODE_64), S | 3);
    CHECK_EQ(A(ps, 11, PRESCAN_MODE_64), S | V | 1);
    CHECK_EQ(A(ps, 12, PRESCAN_MODE_64), S | 1);
    CHECK_EQ(A(ps, 13, PRESCAN_MODE_64), S | V | 1);
    struct prescan_stats st;
    prescan_get_stats(ps, &st);
    CHECK_EQ(st.max_depth_reached, 1);
    CHECK_EQ(st.branch_flips, 2);
    struct prescan_page_info pi[4];
    CHECK_EQ(prescan_pages(ps, pi, 4), 1);
    CHECK_EQ(pi[0].page_gpa, PG);
    CHECK_EQ(pi[0].mode, PRESCAN_MODE_64);
    CHECK_EQ(pi[0].scanned, 7);
    CHECK_EQ(pi[0].virtualize, 2);
    prescan_free(ps);
}

TEST(stepping_shows_worklist_and_path_ends)
{
    struct prescan *ps = fresh(1);
    put_example64();
    struct prescan_step s;
    const struct prescan_work *wl;
    CHECK_EQ(prescan_start(ps, PG, PRESCAN_MODE_64), 0);
    CHECK_EQ(prescan_worklist(ps, &wl), 1);
    CHECK_EQ(prescan_step(ps, &s), 1);                 /* xor */
    CHECK_EQ(s.gpa, PG);
    CHECK_STR(s.mnemonic_name, "xor");
    CHECK_EQ(s.end, PRESCAN_END_CONTINUE);
    CHECK_EQ(s.npushed, 1);
    CHECK_EQ(s.pushed[0].gpa, PG + 2);
    CHECK_EQ(s.worklist_len, 1);
    CHECK_EQ(prescan_step(ps, &s), 1);                 /* jnz */
    CHECK_STR(s.mnemonic_name, "jnz");
    CHECK(s.virtualize);
    CHECK_EQ(s.reason, PRESCAN_REASON_BRANCH_UNSCANNED);
    CHECK(s.has_target);
    CHECK_EQ(s.target, PG + 8);
    CHECK_EQ(s.npushed, 2);
    CHECK_EQ(s.pushed[0].gpa, PG + 8);
    CHECK_EQ(s.pushed[0].depth, 1);
    CHECK_EQ(s.pushed[1].gpa, PG + 4);
    CHECK_EQ(s.pushed[1].depth, 0);
    CHECK_EQ(prescan_step(ps, &s), 1);                 /* jmp */
    CHECK_STR(s.mnemonic_name, "jmp");
    CHECK_EQ(s.end, PRESCAN_END_JMP_FOLLOWED);
    CHECK_STR(prescan_path_end_name(s.end), "jmp-followed");
    CHECK_EQ(prescan_worklist(ps, &wl), 2);
    CHECK_EQ(wl[0].gpa, PG + 8);
    CHECK_EQ(wl[0].depth, 1);
    CHECK_EQ(wl[1].gpa, PG + 12);
    CHECK_EQ(wl[1].depth, 1);
    CHECK_EQ(prescan_step(ps, &s), 1);                 /* nop at 12, depth 1 */
    CHECK_EQ(s.gpa, PG + 12);
    CHECK_EQ(s.depth, 1);
    CHECK_EQ(prescan_step(ps, &s), 1);                 /* ret at 13 */
    CHECK_EQ(s.end, PRESCAN_END_COMPUTED);
    CHECK_EQ(s.worklist_len, 1);
    CHECK_EQ(prescan_step(ps, &s), 1);                 /* inc at 8 */
    CHECK_EQ(prescan_step(ps, &s), 1);                 /* ret at 11 */
    CHECK_EQ(s.worklist_len, 0);
    CHECK_EQ(A(ps, 2, PRESCAN_MODE_64), S | V | KB | 2);   /* not flipped until the scan ends */
    CHECK_EQ(prescan_step(ps, &s), 0);
    CHECK_EQ(A(ps, 2, PRESCAN_MODE_64), S | KB | 2);
    CHECK_EQ(A(ps, 4, PRESCAN_MODE_64), S | KB | 2);
    CHECK_EQ(prescan_step(ps, &s), 0);
    /* a step at an already-scanned address */
    CHECK_EQ(prescan_start(ps, PG + 8, PRESCAN_MODE_64), 0);
    CHECK_EQ(prescan_step(ps, &s), 1);
    CHECK_EQ(s.end, PRESCAN_END_ALREADY_SCANNED);
    CHECK_EQ(s.decoded, 0);
    CHECK_EQ(s.length, 3);
    CHECK_EQ(prescan_step(ps, &s), 0);
    prescan_free(ps);
}

TEST(backward_loop_native_at_depth0_32bit)
{
    struct prescan *ps = fresh(0);
    PUT(PG, 0x49, 0x75, 0xfd, 0xc3);          /* top: dec ecx; jnz top; ret */
    CHECK_EQ(prescan_scan(ps, PG, PRESCAN_MODE_32), 0);
    CHECK_EQ(A(ps, 0, PRESCAN_MODE_32), S | 1);
    CHECK_EQ(A(ps, 1, PRESCAN_MODE_32), S | KB | 2);
    CHECK_EQ(A(ps, 3, PRESCAN_MODE_32), S | V | 1);
    /* same bytes in 64-bit mode: 49 is a REX prefix: 49 75 fd = jnz -3 (->0) */
    CHECK_EQ(prescan_scan(ps, PG, PRESCAN_MODE_64), 0);
    CHECK_EQ(A(ps, 0, PRESCAN_MODE_64), S | KB | 3);   /* jumps to itself: native */
    CHECK_EQ(A(ps, 3, PRESCAN_MODE_64), S | V | 1);
    CHECK_EQ(prescan_pages(ps, NULL, 0), 2);
    prescan_free(ps);
}

TEST(sensitive_16bit_scanned_through)
{
    struct prescan *ps = fresh(0);
    PUT(PG, 0xfa,                   /* 0 cli */
            0x9c,                   /* 1 pushf */
            0x1e,                   /* 2 push ds */
            0x50,                   /* 3 push ax (native) */
            0x8e, 0xd8,             /* 4 mov ds, ax */
            0x89, 0xd8,             /* 6 mov ax, bx (native) */
            0x0f, 0x01, 0x06, 0x34, 0x12, /* 8 sgdt [0x1234] */
            0xcd, 0x10,             /* 13 int 0x10 */
            0xe4, 0x60,             /* 15 in al, 0x60 */
            0x90,                   /* 17 nop (native) */
            0x0f, 0xa2,             /* 18 cpuid */
            0x0f, 0x31,             /* 20 rdtsc */
            0x0f, 0x20, 0xc0,       /* 22 mov eax, cr0 */
            0x8c, 0xc8,             /* 25 mov ax, cs */
            0x0f, 0xa1,             /* 27 pop fs */
            0x0f, 0x00, 0xc8,       /* 29 str ax */
            0xea, 0x00, 0x00, 0x00, 0x10); /* 32 jmp far 0x1000:0 */
    CHECK_EQ(prescan_scan(ps, PG, PRESCAN_MODE_16), 0);
    static const struct { unsigned off, len; int virt; } want[] = {
        {0,1,1},{1,1,1},{2,1,1},{3,1,0},{4,2,1},{6,2,0},{8,5,1},{13,2,1},{15,2,1},
        {17,1,0},{18,2,1},{20,2,1},{22,3,1},{25,2,1},{27,2,1},{29,3,1},{32,5,1} };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        CHECK_EQ(A(ps, want[i].off, PRESCAN_MODE_16), S | (want[i].virt ? V : 0) | want[i].len);
        CHECK_EQ(prescan_reason_at(ps, PG + want[i].off, PRESCAN_MODE_16),
                 want[i].off == 32 ? PRESCAN_REASON_FAR_BRANCH :
                 want[i].virt ? PRESCAN_REASON_SENSITIVE : PRESCAN_REASON_NONE);
    }
    CHECK_EQ(A(ps, 37, PRESCAN_MODE_16), 0);          /* far jmp ends the path */
    prescan_free(ps);
}

TEST(hlt_ends_the_path)
{
    struct prescan *ps = fresh(0);
    struct prescan_step st;
    PUT(PG, 0xfa,                   /* 0 cli */
            0xf4,                   /* 1 hlt: virtualize, and the path ends */
            0xe6, 0xe9);            /* 2 data that decodes as "out 0xe9, al" */
    CHECK_EQ(prescan_start(ps, PG, PRESCAN_MODE_16), 0);
    CHECK_EQ(prescan_step(ps, &st), 1);
    CHECK_EQ(st.end, PRESCAN_END_CONTINUE);
    CHECK_EQ(prescan_step(ps, &st), 1);
    CHECK_EQ(st.gpa, PG + 1);
    CHECK_EQ(st.end, PRESCAN_END_HALT);
    CHECK_STR(prescan_path_end_name(st.end), "halt");
    CHECK_EQ(prescan_step(ps, &st), 0);
    CHECK_EQ(A(ps, 1, PRESCAN_MODE_16), S | V | 1);
    CHECK_EQ(A(ps, 2, PRESCAN_MODE_16), 0);           /* never decoded, no trap there */
    prescan_free(ps);
}

TEST(computed_far_and_out_of_page_64)
{
    struct prescan *ps = fresh(5);
    struct prescan_step s;
    PUT(PG + 0x00, 0xff, 0xe0);                          /* jmp rax */
    PUT(PG + 0x10, 0xff, 0x15, 0, 0, 0, 0);              /* call [rip+0] */
    PUT(PG + 0x20, 0xff, 0x2d, 0, 0, 0, 0);              /* jmp far [rip+0] */
    PUT(PG + 0x30, 0xcb);                                /* retf */
    PUT(PG + 0x38, 0x48, 0xcf);                          /* iretq */
    PUT(PG + 0x40, 0xe9, 0x00, 0x10, 0x00, 0x00);        /* jmp +0x1000 -> out of page */
    PUT(PG + 0x50, 0x0f, 0x84, 0x00, 0x20, 0x00, 0x00, 0xc3); /* jz +0x2000 (out); ret */
    PUT(PG + 0x60, 0xe8, 0x00, 0xf0, 0xff, 0xff);        /* call -0x1000 -> out of page */
    PUT(PG + 0x70, 0xff, 0xd3, 0x90);                    /* call rbx */
    static const struct { unsigned off, len; enum prescan_reason r; enum prescan_path_end e; } want[] = {
        { 0x00, 2, PRESCAN_REASON_COMPUTED_BRANCH, PRESCAN_END_COMPUTED },
        { 0x10, 6, PRESCAN_REASON_COMPUTED_BRANCH, PRESCAN_END_COMPUTED },
        { 0x20, 6, PRESCAN_REASON_FAR_BRANCH, PRESCAN_END_FAR },
        { 0x30, 1, PRESCAN_REASON_COMPUTED_BRANCH, PRESCAN_END_COMPUTED },
        { 0x38, 2, PRESCAN_REASON_COMPUTED_BRANCH, PRESCAN_END_COMPUTED },
        { 0x40, 5, PRESCAN_REASON_BRANCH_OUT_OF_PAGE, PRESCAN_END_OUT_OF_PAGE },
        { 0x50, 6, PRESCAN_REASON_BRANCH_OUT_OF_PAGE, PRESCAN_END_CONTINUE },
        { 0x60, 5, PRESCAN_REASON_BRANCH_OUT_OF_PAGE, PRESCAN_END_OUT_OF_PAGE },
        { 0x70, 2, PRESCAN_REASON_COMPUTED_BRANCH, PRESCAN_END_COMPUTED },
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        CHECK_EQ(prescan_start(ps, PG + want[i].off, PRESCAN_MODE_64), 0);
        CHECK_EQ(prescan_step(ps, &s), 1);
        CHECK_EQ(s.length, want[i].len);
        CHECK_EQ(s.reason, want[i].r);
        CHECK_EQ(s.end, want[i].e);
        while (prescan_step(ps, &s) == 1)
            ;
        CHECK_EQ(A(ps, want[i].off, PRESCAN_MODE_64), S | V | want[i].len);
        CHECK_EQ(prescan_reason_at(ps, PG + want[i].off, PRESCAN_MODE_64), want[i].r);
    }
    CHECK_EQ(A(ps, 0x56, PRESCAN_MODE_64), S | V | 1);   /* jz out of page: fall-through scanned */
    CHECK_EQ(A(ps, 0x65, PRESCAN_MODE_64), 0);           /* out-of-page call: path ends */
    CHECK_EQ(A(ps, 0x72, PRESCAN_MODE_64), 0);           /* indirect call: path ends */
    CHECK_EQ(prescan_resolve_branch(ps, PG + 0x40, PRESCAN_MODE_64), 0);
    /* backwards out of page: jmp -0x80 at offset 8 (8+2-128 < 0) */
    PUT(PG + 0x08, 0xeb, 0x80);
    CHECK_EQ(prescan_scan(ps, PG + 0x08, PRESCAN_MODE_64), 0);
    CHECK_EQ(prescan_reason_at(ps, PG + 0x08, PRESCAN_MODE_64), PRESCAN_REASON_BRANCH_OUT_OF_PAGE);
    /* 66 e9 rel16 in 32-bit mode truncates EIP to 16 bits: treated as computed.
       (In 64-bit mode Zydis, like Intel, ignores 66 on jmp rel32.) */
    PUT(PG + 0x80, 0x66, 0xe9, 0x00, 0x00);
    CHECK_EQ(prescan_scan(ps, PG + 0x80, PRESCAN_MODE_32), 0);
    CHECK_EQ(prescan_attr(ps, PG + 0x80, PRESCAN_MODE_32), S | V | 4);
    CHECK_EQ(prescan_reason_at(ps, PG + 0x80, PRESCAN_MODE_32), PRESCAN_REASON_COMPUTED_BRANCH);
    /* in 16-bit mode 66 e9 is jmp rel32 (imm cc cc 00 00 -> out of page);
       e9 00 00 at 0x81 is jmp rel16 +0 (-> 0x84), native after recursion */
    CHECK_EQ(prescan_scan(ps, PG + 0x80, PRESCAN_MODE_16), 0);
    CHECK_EQ(prescan_attr(ps, PG + 0x80, PRESCAN_MODE_16), S | V | 6);
    CHECK_EQ(prescan_scan(ps, PG + 0x81, PRESCAN_MODE_16), 0);
    CHECK_EQ(prescan_attr(ps, PG + 0x81, PRESCAN_MODE_16), S | KB | 3);
    prescan_free(ps);
}

TEST(undecodable_per_mode)
{
    struct prescan *ps = fresh(0);
    PUT(PG, 0x06, 0xc3);            /* 64-bit: invalid; 32-bit: push es */
    struct prescan_step s;
    CHECK_EQ(prescan_start(ps, PG, PRESCAN_MODE_64), 0);
    CHECK_EQ(prescan_step(ps, &s), 1);
    CHECK_EQ(s.end, PRESCAN_END_UNDECODABLE);
    CHECK_EQ(s.decoded, 1);
    CHECK_STR(s.mnemonic_name, "invalid");
    CHECK_EQ(prescan_step(ps, &s), 0);
    CHECK_EQ(A(ps, 0, PRESCAN_MODE_64), S | V | 1);
    CHECK_EQ(A(ps, 1, PRESCAN_MODE_64), 0);
    CHECK_EQ(prescan_reason_at(ps, PG, PRESCAN_MODE_64), PRESCAN_REASON_UNDECODABLE);
    CHECK_EQ(prescan_scan(ps, PG, PRESCAN_MODE_32), 0);
    CHECK_EQ(A(ps, 0, PRESCAN_MODE_32), S | V | 1);
    CHECK_EQ(prescan_reason_at(ps, PG, PRESCAN_MODE_32), PRESCAN_REASON_SENSITIVE);
    CHECK_EQ(A(ps, 1, PRESCAN_MODE_32), S | V | 1);
    /* lock prefix on a non-lockable instruction: lock nop */
    PUT(PG + 0x10, 0xf0, 0x90);
    CHECK_EQ(prescan_scan(ps, PG + 0x10, PRESCAN_MODE_32), 0);
    CHECK_EQ(prescan_reason_at(ps, PG + 0x10, PRESCAN_MODE_32), PRESCAN_REASON_UNDECODABLE);
    CHECK_EQ(A(ps, 0x11, PRESCAN_MODE_32), 0);
    prescan_free(ps);
}

TEST(crossing_page_end)
{
    struct prescan *ps = fresh(1);
    /* 4090: jz +2 (-> 4094) | 4092: mov eax, imm32 (5 bytes, crosses) | 4094: nop | 4095: nop */
    PUT(PG + 4090, 0x74, 0x02, 0xb8, 0x00, 0x90, 0x90);
    CHECK_EQ(prescan_scan(ps, PG + 4090, PRESCAN_MODE_32), 0);
    CHECK_EQ(A(ps, 4090, PRESCAN_MODE_32), S | KB | 2);            /* native despite crossing fall-through */
    CHECK_EQ(A(ps, 4092, PRESCAN_MODE_32), S | V | 4);             /* 4 bytes in this page */
    CHECK_EQ(prescan_reason_at(ps, PG + 4092, PRESCAN_MODE_32), PRESCAN_REASON_CROSSES_PAGE);
    CHECK_EQ(A(ps, 4094, PRESCAN_MODE_32), S | 1);
    CHECK_EQ(A(ps, 4095, PRESCAN_MODE_32), S | V | 1);             /* ends exactly at the page end and */
    CHECK_EQ(prescan_reason_at(ps, PG + 4095, PRESCAN_MODE_32),     /* falls through out of the page */
             PRESCAN_REASON_BRANCH_OUT_OF_PAGE);
    /* a 1-byte escape at the last byte */
    PUT(PG + 4095, 0x0f);
    prescan_invalidate_page(ps, PG);
    struct prescan_step s;
    CHECK_EQ(prescan_start(ps, PG + 4095, PRESCAN_MODE_64), 0);
    CHECK_EQ(prescan_step(ps, &s), 1);
    CHECK_EQ(s.end, PRESCAN_END_CROSSES_PAGE);
    CHECK_EQ(s.attr, S | V | 1);
    /* instruction ending exactly at the page end */
    prescan_invalidate_page(ps, PG);
    PUT(PG + 4094, 0x31, 0xc0);
    CHECK_EQ(prescan_start(ps, PG + 4094, PRESCAN_MODE_64), 0);
    CHECK_EQ(prescan_step(ps, &s), 1);
    CHECK_EQ(s.end, PRESCAN_END_PAGE_END);
    CHECK_EQ(s.npushed, 0);
    prescan_free(ps);
}

TEST(overlap_branch_into_middle_both_orders)
{
    /* 0: jmp +1 (->3) | 2: mov eax, 0x909090fa (2..6) | 3: cli | 4,5,6: nop | 7: ret */
    static const uint8_t code[] = { 0xeb, 0x01, 0xb8, 0xfa, 0x90, 0x90, 0x90, 0xc3 };
    for (int order = 0; order < 2; order++) {
        struct prescan *ps = fresh(1);
        put(PG, code, sizeof code);
        if (order == 0) {   /* old virtualize start, new covering instruction */
            CHECK_EQ(prescan_scan(ps, PG, PRESCAN_MODE_64), 0);
            CHECK_EQ(A(ps, 0, PRESCAN_MODE_64), S | KB | 2);
            CHECK_EQ(A(ps, 3, PRESCAN_MODE_64), S | V | 1);
            CHECK_EQ(A(ps, 2, PRESCAN_MODE_64), 0);
            CHECK_EQ(prescan_scan(ps, PG + 2, PRESCAN_MODE_64), 0);
        } else {            /* old covering instruction, new virtualize start */
            CHECK_EQ(prescan_scan(ps, PG + 2, PRESCAN_MODE_64), 0);
            CHECK_EQ(A(ps, 2, PRESCAN_MODE_64), S | 5);
            CHECK_EQ(prescan_scan(ps, PG, PRESCAN_MODE_64), 0);
        }
        CHECK_EQ(A(ps, 2, PRESCAN_MODE_64), S | V | KO | 5);
        CHECK_EQ(prescan_reason_at(ps, PG + 2, PRESCAN_MODE_64), PRESCAN_REASON_OVERLAP);
        CHECK_EQ(A(ps, 3, PRESCAN_MODE_64), S | V | 1);
        CHECK_EQ(A(ps, 7, PRESCAN_MODE_64), S | V | 1);
        struct prescan_stats st;
        prescan_get_stats(ps, &st);
        CHECK_EQ(st.virtualize[PRESCAN_REASON_OVERLAP], 1);
        prescan_free(ps);
    }
}

TEST(overlap_cascades)
{
    /* 0: mov al, 0xb8 (0..1) | 1: mov eax, 0x9090fa90 (1..5) | 3: cli */
    struct prescan *ps = fresh(0);
    PUT(PG, 0xb0, 0xb8, 0x90, 0xfa, 0x90, 0x90, 0xc3);
    struct prescan_step s;
    CHECK_EQ(prescan_start(ps, PG + 0, PRESCAN_MODE_32), 0);
    CHECK_EQ(prescan_step(ps, &s), 1);
    CHECK_EQ(prescan_start(ps, PG + 1, PRESCAN_MODE_32), 0);   /* abandons the first scan */
    CHECK_EQ(prescan_step(ps, &s), 1);
    CHECK_EQ(A(ps, 0, PRESCAN_MODE_32), S | 2);
    CHECK_EQ(A(ps, 1, PRESCAN_MODE_32), S | 5);
    CHECK_EQ(prescan_start(ps, PG + 3, PRESCAN_MODE_32), 0);
    CHECK_EQ(prescan_step(ps, &s), 1);
    CHECK_EQ(A(ps, 3, PRESCAN_MODE_32), S | V | 1);
    CHECK_EQ(A(ps, 1, PRESCAN_MODE_32), S | V | KO | 5);       /* covers 3 */
    CHECK_EQ(A(ps, 0, PRESCAN_MODE_32), S | V | KO | 2);       /* covers 1 */
    /* a pending branch that gets covered-start stays virtualize: */
    prescan_invalidate_page(ps, PG);
    /* 0: jz +3 (->5), body 0..1 | 1: cli inside the jz? no: 1 is the jz's rel byte */
    PUT(PG, 0x74, 0xfa, 0x90);     /* jz -6 -> out of page?  0+2-6 <0: out of page */
    CHECK_EQ(prescan_scan(ps, PG, PRESCAN_MODE_32), 0);
    CHECK_EQ(A(ps, 0, PRESCAN_MODE_32), S | V | 2);
    CHECK_EQ(prescan_scan(ps, PG + 1, PRESCAN_MODE_32), 0);    /* cli at 1 */
    CHECK_EQ(A(ps, 0, PRESCAN_MODE_32), S | V | 2);            /* already virtualize: keeps its reason */
    CHECK_EQ(prescan_reason_at(ps, PG, PRESCAN_MODE_32), PRESCAN_REASON_BRANCH_OUT_OF_PAGE);
    /* branch pending in lazy mode, then a virtualize start inside it: no flip later */
    prescan_invalidate_page(ps, PG);
    PUT(PG + 0x20, 0x74, 0xfa, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0xc3);
    /* the same in-page: jz at 0x20 with rel 0x02 -> 0x24; byte 0x21 = 0x02 is "add r8, r/m8" */
    PUT(PG + 0x20, 0x74, 0x02);
    CHECK_EQ(prescan_scan(ps, PG + 0x20, PRESCAN_MODE_32), 0);   /* lazy: jz virtualize pending... */
    /* ...but its fall-through (0x22..) reaches 0x24, so it flips at the end of the scan */
    CHECK_EQ(A(ps, 0x20, PRESCAN_MODE_32), S | KB | 2);
    prescan_free(ps);
}

TEST(pending_branch_covered_never_flips)
{
    struct prescan *ps = fresh(0);
    /* 0: jmp +0x10 (->0x12) lazy: virtualize pending | 1: 0x10 byte... put int3 at 1 via 2-byte jmp rel=0xcc? */
    /* jmp rel8 = 0xcc -> 0+2-52 <0 out of page; use jmp +0x0e then scan 1 as "push cs" (0x0e, 32-bit: sensitive) */
    PUT(PG, 0xeb, 0x0e);
    PUT(PG + 0x10, 0x90, 0xc3);
    CHECK_EQ(prescan_scan(ps, PG, PRESCAN_MODE_32), 0);
    CHECK_EQ(A(ps, 0, PRESCAN_MODE_32), S | V | KB | 2);
    CHECK_EQ(prescan_scan(ps, PG + 1, PRESCAN_MODE_32), 0);       /* push cs at 1: sensitive */
    CHECK_EQ(A(ps, 1, PRESCAN_MODE_32), S | V | 1);
    CHECK_EQ(A(ps, 0, PRESCAN_MODE_32), S | V | KO | 2);
    CHECK_EQ(A(ps, 0x10, PRESCAN_MODE_32), S | 1);    /* reached by the int3 fall-through from 2 */
    CHECK_EQ(prescan_resolve_branch(ps, PG, PRESCAN_MODE_32), 0);  /* overlap: stays */
    CHECK_EQ(A(ps, 0, PRESCAN_MODE_32), S | V | KO | 2);
    prescan_free(ps);
}

TEST(write_checks)
{
    struct prescan *ps = fresh(0);
    PUT(PG + 0x10, 0x31, 0xc0, 0x48, 0x89, 0xd8, 0xc3);    /* 10 xor | 12 mov rax,rbx | 15 ret */
    PUT(PG + 0x1000, 0x90, 0xc3);                         /* next page: nop; ret */
    CHECK_EQ(prescan_scan(ps, PG + 0x10, PRESCAN_MODE_64), 0);
    CHECK_EQ(prescan_scan(ps, PG + 0x1000, PRESCAN_MODE_64), 0);
    struct prescan_write_hit h;
    CHECK_EQ(prescan_write_check(ps, PG + 0x13, 1, &h), 1);     /* middle of the mov */
    CHECK_EQ(h.hit, 1);
    CHECK_EQ(h.insn_gpa, PG + 0x12);
    CHECK_EQ(h.insn_len, 3);
    CHECK_EQ(h.mode, PRESCAN_MODE_64);
    CHECK_EQ(prescan_write_check(ps, PG + 0x0f, 1, &h), 0);     /* one byte before */
    CHECK_EQ(h.hit, 0);
    CHECK_EQ(prescan_write_check(ps, PG + 0x0e, 2, &h), 0);     /* ends right before */
    CHECK_EQ(prescan_write_check(ps, PG + 0x0f, 2, &h), 1);
    CHECK_EQ(h.insn_gpa, PG + 0x10);
    CHECK_EQ(prescan_write_check(ps, PG + 0x16, 8, &h), 0);     /* right after the ret */
    CHECK_EQ(prescan_write_check(ps, PG + 0x800, 4, &h), 0);    /* unscanned: data */
    CHECK_EQ(prescan_write_check(ps, PG + 0x13, 0, &h), 0);     /* zero length: no-op */
    CHECK_EQ(prescan_write_check(ps, PG + 0xffe, 4, &h), 1);    /* straddles into the next page */
    CHECK_EQ(h.insn_gpa, PG + 0x1000);
    CHECK_EQ(prescan_write_check(ps, 0x0ffe, 2, &h), 0);        /* page without attributes */
    CHECK_EQ(prescan_write_check(ps, 0, SIZE_MAX, &h), 1);      /* huge: lowest hit */
    CHECK_EQ(h.insn_gpa, PG + 0x10);
    CHECK_EQ(prescan_write_check(ps, UINT64_MAX - 3, 100, &h), 0);  /* wraps: clamped */
    struct prescan_stats st;
    prescan_get_stats(ps, &st);
    CHECK_EQ(st.data_writes, 6);
    CHECK_EQ(st.write_hits, 4);
    /* 32-bit page of the same frame: the write check sees every mode */
    CHECK_EQ(prescan_scan(ps, PG + 0x40, PRESCAN_MODE_32), 0);   /* int3 (0xcc) filler: sensitive */
    CHECK_EQ(prescan_write_check(ps, PG + 0x40, 1, &h), 1);
    CHECK_EQ(h.mode, PRESCAN_MODE_32);
    prescan_free(ps);
}

TEST(invalidate_and_rescan)
{
    struct prescan *ps = fresh(0);
    PUT(PG, 0x31, 0xc0, 0xc3);
    CHECK_EQ(prescan_scan(ps, PG, PRESCAN_MODE_64), 0);
    CHECK_EQ(prescan_scan(ps, PG, PRESCAN_MODE_32), 0);
    struct prescan_stats st;
    prescan_get_stats(ps, &st);
    CHECK_EQ(st.pages_live, 2);
    CHECK(st.page_memory >= 2 * PRESCAN_PAGE_SIZE);
    CHECK_EQ(prescan_invalidate_page(ps, PG + 0x123), 4);
    CHECK_EQ(prescan_attr_page(ps, PG, PRESCAN_MODE_64), NULL);
    CHECK_EQ(prescan_attr(ps, PG, PRESCAN_MODE_64), 0);
    CHECK_EQ(prescan_invalidate_page(ps, PG), 0);
    prescan_get_stats(ps, &st);
    CHECK_EQ(st.pages_live, 0);
    CHECK_EQ(st.pages_freed, 2);
    CHECK_EQ(st.invalidations, 1);
    /* the guest rewrote the code: xor; cli; ret */
    PUT(PG, 0x31, 0xc0, 0xfa, 0xc3);
    CHECK_EQ(prescan_scan(ps, PG, PRESCAN_MODE_64), 0);
    CHECK_EQ(A(ps, 2, PRESCAN_MODE_64), S | V | 1);
    CHECK_EQ(prescan_reason_at(ps, PG + 2, PRESCAN_MODE_64), PRESCAN_REASON_SENSITIVE);
    prescan_get_stats(ps, &st);
    CHECK_EQ(st.pages_allocated, 3);
    /* invalidating the page of a scan in progress abandons it */
    CHECK_EQ(prescan_start(ps, PG + 0x100, PRESCAN_MODE_64), 0);
    prescan_invalidate_page(ps, PG);
    struct prescan_step s;
    CHECK_EQ(prescan_step(ps, &s), 0);
    CHECK_EQ(prescan_worklist(ps, NULL), 0);
    prescan_free(ps);
}

TEST(many_pages_hash)
{
    static uint8_t big[1024 * PRESCAN_PAGE_SIZE];
    memset(big, 0x90, sizeof big);
    struct tmem m = { 0x100000, sizeof big, big, 0 };
    struct prescan_config cfg = { .read = tmem_read, .read_ctx = &m };
    struct prescan *ps = prescan_new(&cfg);
    for (unsigned i = 0; i < 1024; i++)
        CHECK_EQ(prescan_scan(ps, m.base + i * PRESCAN_PAGE_SIZE + 4000, PRESCAN_MODE_32), 0);
    CHECK_EQ(prescan_pages(ps, NULL, 0), 1024);
    for (unsigned i = 0; i < 1024; i++)
        CHECK_EQ(prescan_attr(ps, m.base + i * PRESCAN_PAGE_SIZE + 4095, PRESCAN_MODE_32), S | V | 1);
    for (unsigned i = 0; i < 1024; i += 2)
        CHECK_EQ(prescan_invalidate_page(ps, m.base + i * PRESCAN_PAGE_SIZE), 96);
    CHECK_EQ(prescan_pages(ps, NULL, 0), 512);
    struct prescan_stats st;
    prescan_get_stats(ps, &st);
    CHECK_EQ(st.pages_live, 512);
    CHECK_EQ(st.pages_allocated, 1024);
    prescan_free(ps);
}

TEST(deep_jmp_chain_and_depth_limits)
{
    /* 2000 x "jmp +0" (eb 00) then ret at 4000 */
    for (unsigned depth = 0; depth < 4; depth++) {
        unsigned max = depth == 3 ? 100000 : depth;
        struct prescan *ps = fresh(max);
        for (unsigned i = 0; i < 2000; i++)
            PUT(PG + 2 * i, 0xeb, 0x00);
        PUT(PG + 4000, 0xc3);
        CHECK_EQ(prescan_scan(ps, PG, PRESCAN_MODE_64), 0);
        unsigned n = max > 2000 ? 2000 : max;     /* jmps whose targets are followed */
        for (unsigned i = 0; i <= n && i < 2000; i++)
            CHECK_EQ(A(ps, 2 * i, PRESCAN_MODE_64), S | KB | 2 | (i == n ? V : 0));
        CHECK_EQ(A(ps, 2 * (n + 1), PRESCAN_MODE_64), n == 2000 ? 0 : 0);
        struct prescan_stats st;
        prescan_get_stats(ps, &st);
        CHECK_EQ(st.max_depth_reached, n);
        if (max == 100000) {
            CHECK_EQ(A(ps, 4000, PRESCAN_MODE_64), S | V | 1);
            CHECK_EQ(st.insns_scanned, 2001);
            CHECK_EQ(st.branch_flips, 2000);
        } else {
            CHECK_EQ(st.insns_scanned, n + 1);
        }
        prescan_free(ps);
    }
}

TEST(worklist_grows_with_many_jcc)
{
    /* 1300 x (jz +1 ; nop): each jz pushes its target, the fall-through comes first */
    struct prescan *ps = fresh(1);
    for (unsigned i = 0; i < 1300; i++)
        PUT(PG + 3 * i, 0x74, 0x01, 0x90);
    PUT(PG + 3900, 0xc3);
    CHECK_EQ(prescan_scan(ps, PG, PRESCAN_MODE_16), 0);
    struct prescan_stats st;
    prescan_get_stats(ps, &st);
    CHECK(st.worklist_high_water >= 1300);
    CHECK_EQ(st.insns_scanned, 2601);
    CHECK_EQ(st.branch_flips, 1300);
    for (unsigned i = 0; i < 1300; i++)
        CHECK_EQ(A(ps, 3 * i, PRESCAN_MODE_16), S | KB | 2);
    prescan_free(ps);
}

static int force_nop_virtualize(void *ctx, const struct prescan_insn *in)
{
    (*(int *)ctx)++;
    if (in->mnemonic == ZYDIS_MNEMONIC_NOP)
        return 1;
    if (in->mnemonic == ZYDIS_MNEMONIC_CPUID)
        return 0;
    return -1;
}

TEST(policy_hook_and_table)
{
    struct prescan *ps = fresh(0);
    int calls = 0;
    prescan_set_classifier(ps, force_nop_virtualize, &calls);
    PUT(PG, 0x90, 0x0f, 0xa2, 0x0f, 0x31, 0x31, 0xc0, 0xc3);  /* nop cpuid rdtsc xor ret */
    CHECK_EQ(prescan_scan(ps, PG, PRESCAN_MODE_32), 0);
    CHECK_EQ(calls, 5);
    CHECK_EQ(A(ps, 0, PRESCAN_MODE_32), S | V | KP | 1);
    CHECK_EQ(prescan_reason_at(ps, PG, PRESCAN_MODE_32), PRESCAN_REASON_POLICY);
    CHECK_EQ(A(ps, 1, PRESCAN_MODE_32), S | 2);                /* cpuid forced native */
    CHECK_EQ(A(ps, 3, PRESCAN_MODE_32), S | V | 2);            /* rdtsc */
    prescan_set_classifier(ps, NULL, NULL);
    prescan_invalidate_page(ps, PG);
    CHECK_EQ(prescan_get_class(ps, ZYDIS_MNEMONIC_RDTSC), PRESCAN_CLASS_SENSITIVE);
    CHECK_EQ(prescan_set_class(ps, ZYDIS_MNEMONIC_RDTSC, PRESCAN_CLASS_NATIVE), 0);
    CHECK_EQ(prescan_set_class(ps, ZYDIS_MNEMONIC_XOR, PRESCAN_CLASS_SENSITIVE), 0);
    CHECK_EQ(prescan_set_class(ps, 100000, PRESCAN_CLASS_NATIVE), -1);
    CHECK_EQ(prescan_set_class(ps, ZYDIS_MNEMONIC_XOR, PRESCAN_CLASS_COUNT), -1);
    CHECK_EQ(prescan_scan(ps, PG, PRESCAN_MODE_32), 0);
    CHECK_EQ(A(ps, 3, PRESCAN_MODE_32), S | 2);
    CHECK_EQ(A(ps, 5, PRESCAN_MODE_32), S | V | 2);
    CHECK_EQ(prescan_reason_at(ps, PG + 5, PRESCAN_MODE_32), PRESCAN_REASON_SENSITIVE);
    prescan_free(ps);
}

struct evcount { unsigned n[PRESCAN_EV_COUNT]; unsigned steps_seen; };
static void listen(void *ctx, const struct prescan_event *ev)
{
    struct evcount *c = ctx;
    c->n[ev->type]++;
    if (ev->type == PRESCAN_EV_STEP && ev->step)
        c->steps_seen++;
}

TEST(listener_events)
{
    struct prescan *ps = fresh(1);
    struct evcount c;
    memset(&c, 0, sizeof c);
    prescan_set_listener(ps, listen, &c);
    put_example64();
    CHECK_EQ(prescan_scan(ps, PG, PRESCAN_MODE_64), 0);
    CHECK_EQ(c.n[PRESCAN_EV_PAGE_ALLOC], 1);
    CHECK_EQ(c.n[PRESCAN_EV_CLASSIFY], 7);
    CHECK_EQ(c.n[PRESCAN_EV_STEP], 7);
    CHECK_EQ(c.steps_seen, 7);
    CHECK_EQ(c.n[PRESCAN_EV_BRANCH_FLIP], 2);
    prescan_write_check(ps, PG + 0x100, 2, NULL);
    CHECK_EQ(c.n[PRESCAN_EV_DATA_WRITE], 1);
    prescan_invalidate_page(ps, PG);
    CHECK_EQ(c.n[PRESCAN_EV_PAGE_FREE], 1);
    prescan_free(ps);
}

TEST(read_errors_and_bad_arguments)
{
    struct prescan *ps = fresh(3);
    mem.fail_reads = 1;
    CHECK_EQ(prescan_scan(ps, PG, PRESCAN_MODE_64), -1);
    CHECK_EQ(prescan_pages(ps, NULL, 0), 0);
    mem.fail_reads = 0;
    CHECK_EQ(prescan_scan(ps, 0x100000, PRESCAN_MODE_64), -1);   /* outside memory */
    CHECK_EQ(prescan_scan(ps, PG, (enum prescan_mode)8), -1);
    CHECK_EQ(prescan_resolve_branch(ps, PG, PRESCAN_MODE_64), -1);
    struct prescan_stats st;
    prescan_get_stats(ps, &st);
    CHECK_EQ(st.read_errors, 2);
    struct prescan_config none = { 0 };
    CHECK(prescan_new(&none) == NULL);
    CHECK(prescan_new(NULL) == NULL);
    prescan_free(NULL);
    CHECK_STR(prescan_reason_name(PRESCAN_REASON_BRANCH_UNSCANNED), "branch-unscanned");
    CHECK_STR(prescan_reason_name(PRESCAN_REASON_COUNT), "?");
    CHECK_STR(prescan_path_end_name(PRESCAN_END_DEPTH_LIMIT), "depth-limit");
    for (int r = 0; r < PRESCAN_REASON_COUNT; r++)
        CHECK(strcmp(prescan_reason_name((enum prescan_reason)r), "?") != 0);
    for (int e = 0; e < PRESCAN_END_COUNT; e++)
        CHECK(strcmp(prescan_path_end_name((enum prescan_path_end)e), "?") != 0);
    prescan_free(ps);
}

static const uint8_t *tmem_map(void *ctx, uint64_t page_gpa)
{
    struct tmem *m = ctx;
    if (page_gpa < m->base || page_gpa - m->base + PRESCAN_PAGE_SIZE > m->size)
        return NULL;
    return m->bytes + (page_gpa - m->base);
}

TEST(zero_copy_map_callback)
{
    struct prescan *ps = fresh(1);
    prescan_free(ps);
    struct prescan_config cfg = { .read = tmem_read, .map = tmem_map, .read_ctx = &mem, .max_depth = 1 };
    ps = prescan_new(&cfg);
    put_example64();
    CHECK_EQ(prescan_scan(ps, PG, PRESCAN_MODE_64), 0);
    CHECK_EQ(A(ps, 2, PRESCAN_MODE_64), S | KB | 2);
    CHECK_EQ(A(ps, 13, PRESCAN_MODE_64), S | V | 1);
    CHECK_EQ(prescan_scan(ps, 0x100000, PRESCAN_MODE_64), -1);
    prescan_free(ps);
}

/* A trap of one mode must not sit inside a native instruction of another:
 * 64-bit nopl 0x909090fa(%rax) at 0 (7 bytes), then 32-bit code from 3
 * where 0xfa is CLI (virtualize): the 64-bit instruction becomes overlap. */
TEST(overlap_across_modes)
{
    struct prescan *ps = fresh(16);
    PUT(PG, 0x0f, 0x1f, 0x80, 0xfa, 0x90, 0x90, 0x90, 0xc3);
    CHECK_EQ(prescan_scan(ps, PG, PRESCAN_MODE_64), 0);
    CHECK_EQ(A(ps, 0, PRESCAN_MODE_64), S | 7);
    CHECK_EQ(prescan_inside_native(ps, PG + 3), 1);
    CHECK_EQ(prescan_scan(ps, PG + 3, PRESCAN_MODE_32), 0);
    CHECK_EQ(A(ps, 3, PRESCAN_MODE_32), S | V | 1);
    CHECK_EQ(A(ps, 0, PRESCAN_MODE_64), S | V | KO | 7);
    CHECK_EQ(prescan_inside_native(ps, PG + 3), 0);
    /* the other order: a new 64-bit scan over an existing 32-bit virtualize start */
    prescan_invalidate_page(ps, PG);
    CHECK_EQ(prescan_scan(ps, PG + 3, PRESCAN_MODE_32), 0);
    CHECK_EQ(prescan_scan(ps, PG, PRESCAN_MODE_64), 0);
    CHECK_EQ(A(ps, 0, PRESCAN_MODE_64), S | V | KO | 7);
    prescan_free(ps);
}

/* Pins: a monitor trap at 3 makes the native instruction covering it
 * virtualize now, and an instruction scanned later over it too; pins
 * survive invalidation. */
TEST(pins_force_covering_instructions)
{
    struct prescan *ps = fresh(16);
    PUT(PG, 0x0f, 0x1f, 0x80, 0xfa, 0x90, 0x90, 0x90, 0xc3);
    CHECK_EQ(prescan_scan(ps, PG, PRESCAN_MODE_64), 0);
    CHECK_EQ(prescan_pin(ps, PG + 3), 0);
    CHECK_EQ(prescan_is_pinned(ps, PG + 3), 1);
    CHECK_EQ(A(ps, 0, PRESCAN_MODE_64), S | V | KO | 7);
    prescan_invalidate_page(ps, PG);
    CHECK_EQ(prescan_is_pinned(ps, PG + 3), 1);
    CHECK_EQ(prescan_scan(ps, PG, PRESCAN_MODE_64), 0);
    CHECK_EQ(A(ps, 0, PRESCAN_MODE_64), S | V | KO | 7);
    prescan_unpin(ps, PG + 3);
    CHECK_EQ(prescan_is_pinned(ps, PG + 3), 0);
    prescan_invalidate_page(ps, PG);
    CHECK_EQ(prescan_scan(ps, PG, PRESCAN_MODE_64), 0);
    CHECK_EQ(A(ps, 0, PRESCAN_MODE_64), S | 7);
    prescan_free(ps);
}

/* 16-bit code whose IP wraps at page offset 0x100 (window [0, 0x100)):
 * a jump across the wrap, an instruction ending at it, and one crossing it
 * all leave the window; a jump inside stays native. */
TEST(window_16bit_ip_wrap)
{
    struct prescan *ps = fresh(16);
    enum prescan_mode w = prescan_mode_window(0, 0x100);
    CHECK(prescan_mode_valid(w));
    CHECK_EQ(prescan_mode_bits(w), 16);
    CHECK_EQ(prescan_mode_lo(w), 0);
    CHECK_EQ(prescan_mode_hi(w), 0x100);
    CHECK(!prescan_mode_valid((enum prescan_mode)(32 | 1 << 8)));
    PUT(PG + 0xf0, 0x74, 0x02,       /* f0: jz +2 (-> f4): in the window */
        0xeb, 0x20,                   /* f2: jmp +0x20 (-> 0x114): across the wrap */
        0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90); /* f4..fe: nops, fe ends at 0xff */
    PUT(PG + 0xff, 0x90);             /* ff: nop ending exactly at the wrap */
    CHECK_EQ(prescan_scan(ps, PG + 0xf0, w), 0);
    CHECK_EQ(A(ps, 0xf0, w), S | KB | 2);
    CHECK_EQ(A(ps, 0xf2, w), S | V | 2);
    CHECK_EQ(prescan_reason_at(ps, PG + 0xf2, w), PRESCAN_REASON_BRANCH_OUT_OF_PAGE);
    CHECK_EQ(A(ps, 0xff, w), S | V | 1);
    CHECK_EQ(prescan_reason_at(ps, PG + 0xff, w), PRESCAN_REASON_BRANCH_OUT_OF_PAGE);
    CHECK_EQ(A(ps, 0xf2, PRESCAN_MODE_16), 0);      /* the full 16-bit view is another mode */
    /* mov ax, imm16 at 0xfe crosses the wrap */
    prescan_invalidate_page(ps, PG);
    PUT(PG + 0xfe, 0xb8, 0x34, 0x12);
    CHECK_EQ(prescan_scan(ps, PG + 0xfe, w), 0);
    CHECK_EQ(A(ps, 0xfe, w), S | V | 2);
    CHECK_EQ(prescan_reason_at(ps, PG + 0xfe, w), PRESCAN_REASON_CROSSES_PAGE);
    CHECK_EQ(prescan_scan(ps, PG + 0x100, w), -1);   /* outside the window */
    prescan_free(ps);
}

/* 66-prefixed near branches in 64-bit mode decode as the host CPU runs
 * them: Intel ignores the prefix (rel32, static), AMD takes rel16 (IP
 * truncated: computed). */
TEST(branch_decoding_follows_the_host)
{
    for (int amd = 0; amd < 2; amd++) {
        memset(mem_bytes, 0xcc, sizeof mem_bytes);
        struct prescan_config cfg = { .read = tmem_read, .read_ctx = &mem, .max_depth = 0, .amd_branches = amd };
        struct prescan *ps = prescan_new(&cfg);
        PUT(PG, 0x66, 0xe9, 0x00, 0x00, 0x00, 0x00, 0x90, 0xc3);
        CHECK_EQ(prescan_scan(ps, PG, PRESCAN_MODE_64), 0);
        if (amd) {
            CHECK_EQ(A(ps, 0, PRESCAN_MODE_64), S | V | 4);
            CHECK_EQ(prescan_reason_at(ps, PG, PRESCAN_MODE_64), PRESCAN_REASON_COMPUTED_BRANCH);
        } else {
            CHECK_EQ(A(ps, 0, PRESCAN_MODE_64), S | V | KB | 6);     /* lazy: target not yet scanned */
            CHECK_EQ(prescan_reason_at(ps, PG, PRESCAN_MODE_64), PRESCAN_REASON_BRANCH_UNSCANNED);
        }
        prescan_free(ps);
    }
}

/* Cross-page links: a call out of the page linked native and back. */
TEST(link_and_unlink_out_of_page_branches)
{
    struct prescan *ps = fresh(16);
    int64_t toff = 0;
    PUT(PG, 0xe8, 0xfb, 0x0f, 0x00, 0x00, 0xc3);          /* 0: call 0x2000 | 5: ret */
    PUT(PG + 0xffa, 0x0f, 0x84, 0x00, 0x00, 0x00, 0x00);  /* jz 0x2000, ends at the page end */
    CHECK_EQ(prescan_scan(ps, PG, PRESCAN_MODE_64), 0);
    CHECK_EQ(prescan_scan(ps, PG + 0xffa, PRESCAN_MODE_64), 0);
    CHECK_EQ(A(ps, 0, PRESCAN_MODE_64), S | V | 5);
    CHECK_EQ(prescan_branch_target(ps, PG, PRESCAN_MODE_64, &toff), 1);
    CHECK_EQ(toff, 0x1000);
    CHECK_EQ(prescan_branch_target(ps, PG + 5, PRESCAN_MODE_64, &toff), 0);     /* ret */
    CHECK_EQ(prescan_branch_target(ps, PG + 0xffa, PRESCAN_MODE_64, &toff), 0); /* falls out of the page */
    CHECK_EQ(prescan_link_branch(ps, PG + 0xffa, PRESCAN_MODE_64), 0);
    CHECK_EQ(prescan_link_branch(ps, PG + 5, PRESCAN_MODE_64), 0);
    CHECK_EQ(prescan_link_branch(ps, PG + 1, PRESCAN_MODE_64), 0);              /* not scanned */
    CHECK_EQ(prescan_link_branch(ps, PG, PRESCAN_MODE_32), 0);                  /* no such mode page */
    /* a pin inside the call: it must stay virtualize */
    CHECK_EQ(prescan_pin(ps, PG + 2), 0);
    CHECK_EQ(prescan_link_branch(ps, PG, PRESCAN_MODE_64), 0);
    prescan_unpin(ps, PG + 2);
    CHECK_EQ(prescan_link_branch(ps, PG, PRESCAN_MODE_64), 1);
    CHECK_EQ(A(ps, 0, PRESCAN_MODE_64), S | KB | 5);
    CHECK_EQ(prescan_reason_at(ps, PG, PRESCAN_MODE_64), PRESCAN_REASON_NONE);
    CHECK_EQ(prescan_link_branch(ps, PG, PRESCAN_MODE_64), 1);                  /* linked already */
    CHECK_EQ(prescan_branch_target(ps, PG, PRESCAN_MODE_64, &toff), 1);
    CHECK_EQ(prescan_unlink_branch(ps, PG, PRESCAN_MODE_64), 1);
    CHECK_EQ(A(ps, 0, PRESCAN_MODE_64), S | V | 5);
    CHECK_EQ(prescan_reason_at(ps, PG, PRESCAN_MODE_64), PRESCAN_REASON_BRANCH_OUT_OF_PAGE);
    CHECK_EQ(prescan_unlink_branch(ps, PG, PRESCAN_MODE_64), 0);
    /* linked, then a pin inside: overlap-forced, no longer a link to undo */
    CHECK_EQ(prescan_link_branch(ps, PG, PRESCAN_MODE_64), 1);
    CHECK_EQ(prescan_pin(ps, PG + 3), 0);
    CHECK_EQ(A(ps, 0, PRESCAN_MODE_64), S | V | KO | 5);
    CHECK_EQ(prescan_unlink_branch(ps, PG, PRESCAN_MODE_64), 0);
    CHECK_EQ(prescan_link_branch(ps, PG, PRESCAN_MODE_64), 0);
    /* unlinking puts a trap back at its first byte: what covers it, in
     * another mode, becomes virtualize (the cascade) */
    prescan_unpin(ps, PG + 3);
    prescan_free(ps);
    ps = fresh(16);
    PUT(PG, 0xb8, 0xe8, 0xfb, 0x0f, 0x00, 0x00, 0xc3);     /* 32: mov eax,imm32 | ret; 64 at 1: call 0x2000 */
    CHECK_EQ(prescan_scan(ps, PG + 1, PRESCAN_MODE_64), 0);
    CHECK_EQ(prescan_link_branch(ps, PG + 1, PRESCAN_MODE_64), 1);
    CHECK_EQ(prescan_scan(ps, PG, PRESCAN_MODE_32), 0);
    CHECK_EQ(A(ps, 0, PRESCAN_MODE_32), S | 5);
    CHECK_EQ(prescan_unlink_branch(ps, PG + 1, PRESCAN_MODE_64), 1);
    CHECK_EQ(A(ps, 0, PRESCAN_MODE_32), S | V | KO | 5);
    struct prescan_stats st;
    prescan_get_stats(ps, &st);
    CHECK_EQ(st.links * 10 + st.unlinks, 11);   /* one link, one unlink */
    prescan_free(ps);
}

/* smc insn: which writes leave every touched instruction as it was. */
TEST(write_keeps_only_same_instructions)
{
    struct prescan *ps = fresh(16);
    /* 0: add rbx,imm32 | 7: jnz +2 (->11) | 9,10: nop | 11: mov al,0x41 | 13: mov al,0x42 | 15: ret */
    PUT(PG, 0x48, 0x81, 0xc3, 0x78, 0x56, 0x34, 0x12, 0x75, 0x02, 0x90, 0x90, 0xb0, 0x41, 0xb0, 0x42, 0xc3);
    PUT(PG + 0xffb, 0x48, 0xb8, 0x01, 0x02, 0x03);         /* movabs crossing the page end */
    CHECK_EQ(prescan_scan(ps, PG, PRESCAN_MODE_64), 0);
    CHECK_EQ(prescan_scan(ps, PG + 0xffb, PRESCAN_MODE_64), 0);
    static const uint8_t imm[4] = { 1, 2, 3, 4 }, op83 = 0x83, jz = 0x74, rel = 0x01;
    static const uint8_t two_imm[3] = { 0x43, 0xb0, 0x44 }, two_nop[3] = { 0x43, 0x90, 0x44 };
    CHECK_EQ(prescan_write_keeps(ps, PG + 3, imm, 4), 1);          /* an immediate */
    CHECK_EQ(prescan_write_keeps(ps, PG + 1, &op83, 1), 0);        /* imm8 now: the length changes */
    CHECK_EQ(prescan_write_keeps(ps, PG + 7, &jz, 1), 0);          /* jnz -> jz */
    CHECK_EQ(prescan_write_keeps(ps, PG + 8, &rel, 1), 0);         /* another target */
    CHECK_EQ(prescan_write_keeps(ps, PG + 12, two_imm, 3), 1);     /* two immediates, one opcode kept */
    CHECK_EQ(prescan_write_keeps(ps, PG + 12, two_nop, 3), 0);     /* boundaries move */
    CHECK_EQ(prescan_write_keeps(ps, PG + 0xffd, imm, 2), 0);      /* crosses the page end */
    CHECK_EQ(prescan_write_keeps(ps, PG + 0xfff, imm, 2), 0);      /* leaves the page */
    CHECK_EQ(prescan_write_keeps(ps, PG + 0x800, imm, 0), 0);
    CHECK_EQ(A(ps, 0, PRESCAN_MODE_64), S | 7);                   /* nothing changed */
    CHECK_EQ(prescan_start(ps, PG + 0x100, PRESCAN_MODE_64), 0);   /* a steppable scan of the page */
    CHECK_EQ(prescan_write_keeps(ps, PG + 3, imm, 4), 0);
    while (prescan_step(ps, NULL) == 1)
        ;
    CHECK_EQ(prescan_write_keeps(ps, PG + 3, imm, 4), 1);
    mem.fail_reads = 1;
    CHECK_EQ(prescan_write_keeps(ps, PG + 3, imm, 4), 0);
    prescan_free(ps);
}

int main(void)
{
    RUN(lazy_depth0_marks_branches_virtualize);
    RUN(link_and_unlink_out_of_page_branches);
    RUN(write_keeps_only_same_instructions);
    RUN(recursive_depth1_follows_targets);
    RUN(stepping_shows_worklist_and_path_ends);
    RUN(backward_loop_native_at_depth0_32bit);
    RUN(sensitive_16bit_scanned_through);
    RUN(hlt_ends_the_path);
    RUN(computed_far_and_out_of_page_64);
    RUN(undecodable_per_mode);
    RUN(crossing_page_end);
    RUN(overlap_branch_into_middle_both_orders);
    RUN(overlap_cascades);
    RUN(pending_branch_covered_never_flips);
    RUN(write_checks);
    RUN(invalidate_and_rescan);
    RUN(many_pages_hash);
    RUN(deep_jmp_chain_and_depth_limits);
    RUN(worklist_grows_with_many_jcc);
    RUN(policy_hook_and_table);
    RUN(listener_events);
    RUN(read_errors_and_bad_arguments);
    RUN(zero_copy_map_callback);
    RUN(overlap_across_modes);
    RUN(pins_force_covering_instructions);
    RUN(window_16bit_ip_wrap);
    RUN(branch_decoding_follows_the_host);
    CHECK_EXIT();
}
