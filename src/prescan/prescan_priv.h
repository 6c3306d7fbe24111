/* prescan_priv.h — private to src/prescan: the engine's state and the
 * helpers its files share (policy.c, decoder.c, pages.c, scan.c, write.c). */
#ifndef SCOUT_PRESCAN_PRIV_H
#define SCOUT_PRESCAN_PRIV_H
#include <stdint.h>
#include <Zydis/Zydis.h>

#include "base/base.h"

#include "prescan/prescan.h"

#define OFF_MASK ((uint64_t)PRESCAN_PAGE_SIZE - 1)
#define PAGE_OF(a) ((a) & ~OFF_MASK)
#define NMNEM ((unsigned)ZYDIS_MNEMONIC_MAX_VALUE + 1)

struct phys_page;

/* One decode mode's view of a physical page. */
struct attr_page {
    struct attr_page *next;      /* the physical page's other modes */
    struct phys_page *phys;
    uint64_t page;               /* page-aligned gpa */
    enum prescan_mode mode;      /* the whole key: code size and window */
    unsigned lo, hi;             /* the window */
    unsigned nscanned, nvirt;
    uint8_t attr[PRESCAN_PAGE_SIZE];
};

/* A physical page: its modes and its pinned offsets. */
struct phys_page {
    struct phys_page *hnext;     /* hash chain */
    uint64_t page;
    struct attr_page *modes;
    uint8_t *pins;               /* bitmap, PRESCAN_PAGE_SIZE bits; NULL: none */
    unsigned npins;
};

struct pending { uint16_t off, target; };
struct cascade_item { struct attr_page *pg; uint16_t off; };

struct prescan {
    struct prescan_config cfg;
    ZydisDecoder dec[3];         /* 16, 32, 64 (minimal mode, the host's branches) */
    uint8_t policy[NMNEM];
    int depriv;                  /* the deprivileging policy (depriv.c) */

    struct phys_page **buckets;
    size_t nbuckets, nphys, npages;

    /* scan in progress */
    int active;
    uint64_t page;
    enum prescan_mode mode;
    struct attr_page *pg;
    VEC(struct prescan_work) work;
    VEC(struct pending) pend;
    VEC(struct cascade_item) cascade;   /* overlap cascade stack */

    struct prescan_stats st;
    const uint8_t *bytes;             /* bytes of the page being scanned: buf or mapped */
    uint8_t buf[PRESCAN_PAGE_SIZE];   /* copy of the page being scanned (read callback) */
    uint8_t aux[PRESCAN_PAGE_SIZE];   /* scratch for prescan_reason_at, links, write_keeps */
    uint8_t aux2[PRESCAN_PAGE_SIZE];  /* write_keeps: the page with the write applied */
};

/* events */
void prescan_emit(struct prescan *ps, enum prescan_event_type type, uint64_t gpa,
                  enum prescan_mode mode, unsigned length, size_t count);
#define EMIT(ps, ...) do { if ((ps)->cfg.listen) prescan_emit((ps), __VA_ARGS__); } while (0)

/* policy.c */
void prescan_policy_defaults(uint8_t *policy);
int  prescan_mode_index(enum prescan_mode mode);    /* 0, 1, 2; -1 invalid */

/* decoder.c: the engine's 16-, 32- and 64-bit decoders */
int  prescan_decoders_init(ZydisDecoder dec[3], int amd_branches);

/* What classification reads of one decoded instruction: the same fields
 * whether they come from Zydis or from the table-driven fast path. */
struct insn_facts {
    unsigned len;                /* 1..15 */
    unsigned mnemonic;           /* ZydisMnemonic */
    uint8_t map;                 /* ZydisOpcodeMap */
    uint8_t opcode;
    uint8_t modrm_reg;           /* 0 without a ModRM byte */
    uint8_t rel;                 /* has a relative immediate (static branch) */
    uint8_t ip16;                /* that branch truncates IP to 16 bits */
    int64_t disp;                /* the relative immediate, sign-extended */
};
/* The facts of a successful Zydis decode (engine's decoder, amd_branches
 * as it was built with). */
void prescan_facts_of_zydis(const ZydisDecodedInstruction *in, int amd_branches, struct insn_facts *f);
/* Fast path for the common one-byte and 0F opcodes without F0/F2/F3/67
 * prefixes; code_bits 16, 32 or 64; at most max bytes are read.  1: f
 * filled, identical to prescan_facts_of_zydis of the Zydis decode (checked
 * on every offset of real code by tests/unit/test_prescan_fast.c); 0: not
 * sure (unknown opcode or prefix, too few bytes): ask Zydis. */
int  prescan_decode_fast(unsigned code_bits, const uint8_t *p, size_t max, struct insn_facts *f);
/* depriv.c: the deprivileging policy on an instruction's facts */
int  prescan_depriv_facts(const struct insn_facts *f);

/* pages.c */
struct phys_page *prescan_phys_find(const struct prescan *ps, uint64_t page);
struct phys_page *prescan_phys_get(struct prescan *ps, uint64_t page);
void prescan_phys_drop_if_empty(struct prescan *ps, struct phys_page *pp);
struct attr_page *prescan_page_find(const struct prescan *ps, uint64_t page, enum prescan_mode mode);
struct attr_page *prescan_page_get(struct prescan *ps, uint64_t page, enum prescan_mode mode);
void prescan_update_memory(struct prescan *ps);
int  prescan_pinned_at(const struct phys_page *pp, unsigned off);

/* scan.c: the overlap invariant across modes */
int  prescan_virt_start_any(const struct phys_page *pp, unsigned off);
int  prescan_overlap_cascade(struct prescan *ps, struct phys_page *pp, unsigned start);
void prescan_scan_reset(struct prescan *ps);

static inline unsigned attr_kind(uint8_t a) { return (a & PRESCAN_ATTR_KIND_MASK) >> PRESCAN_ATTR_KIND_SHIFT; }
static inline unsigned attr_len(uint8_t a) { return a & PRESCAN_ATTR_LEN_MASK; }
#endif
