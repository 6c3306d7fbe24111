/* prescan.c — attribute pages, the steppable recursive-descent scanner,
 * classification policy, overlap handling and write checks.  See prescan.h
 * for the semantics. */
#include "prescan/prescan.h"

#include <stdlib.h>
#include <string.h>

#include <Zydis/Zydis.h>

#define PAGE_MASK ((uint64_t)PRESCAN_PAGE_SIZE - 1)
#define NMODES 3
#define NMNEM ((unsigned)ZYDIS_MNEMONIC_MAX_VALUE + 1)

struct attr_page {
    struct attr_page *next;      /* hash chain */
    uint64_t page;               /* page-aligned gpa */
    enum prescan_mode mode;
    unsigned nscanned, nvirt;
    uint8_t attr[PRESCAN_PAGE_SIZE];
};

struct pending { uint16_t off, target; };

struct prescan {
    struct prescan_config cfg;
    ZydisDecoder dec[NMODES];
    uint8_t policy[NMNEM];

    struct attr_page **buckets;
    size_t nbuckets, npages;

    /* scan in progress */
    int active;
    uint64_t page;
    enum prescan_mode mode;
    struct attr_page *pg;
    struct prescan_work *work;
    size_t nwork, capwork;
    struct pending *pend;
    size_t npend, cappend;
    uint16_t *cascade;            /* overlap cascade stack */
    size_t capcascade;

    struct prescan_stats st;
    const uint8_t *bytes;             /* bytes of the page being scanned: buf or mapped */
    uint8_t buf[PRESCAN_PAGE_SIZE];   /* copy of the page being scanned (read callback) */
    uint8_t aux[PRESCAN_PAGE_SIZE];   /* scratch for prescan_reason_at */
};

/* ---- names ------------------------------------------------------------ */

const char *prescan_reason_name(enum prescan_reason r)
{
    static const char *const names[PRESCAN_REASON_COUNT] = {
        [PRESCAN_REASON_NONE] = "none",
        [PRESCAN_REASON_BRANCH_UNSCANNED] = "branch-unscanned",
        [PRESCAN_REASON_BRANCH_OUT_OF_PAGE] = "out-of-page",
        [PRESCAN_REASON_COMPUTED_BRANCH] = "computed",
        [PRESCAN_REASON_FAR_BRANCH] = "far",
        [PRESCAN_REASON_SENSITIVE] = "sensitive",
        [PRESCAN_REASON_CROSSES_PAGE] = "crosses-page",
        [PRESCAN_REASON_UNDECODABLE] = "undecodable",
        [PRESCAN_REASON_OVERLAP] = "overlap",
        [PRESCAN_REASON_POLICY] = "policy",
    };
    if ((unsigned)r >= PRESCAN_REASON_COUNT)
        return "?";
    return names[r];
}

const char *prescan_path_end_name(enum prescan_path_end e)
{
    static const char *const names[PRESCAN_END_COUNT] = {
        [PRESCAN_END_CONTINUE] = "continue",
        [PRESCAN_END_ALREADY_SCANNED] = "already-scanned",
        [PRESCAN_END_OUT_OF_PAGE] = "out-of-page",
        [PRESCAN_END_COMPUTED] = "computed",
        [PRESCAN_END_FAR] = "far",
        [PRESCAN_END_JMP_FOLLOWED] = "jmp-followed",
        [PRESCAN_END_JMP_TARGET_SCANNED] = "jmp-target-scanned",
        [PRESCAN_END_DEPTH_LIMIT] = "depth-limit",
        [PRESCAN_END_CROSSES_PAGE] = "crosses-page",
        [PRESCAN_END_UNDECODABLE] = "undecodable",
        [PRESCAN_END_PAGE_END] = "page-end",
        [PRESCAN_END_HALT] = "halt",
    };
    if ((unsigned)e >= PRESCAN_END_COUNT)
        return "?";
    return names[e];
}

/* ---- policy table ----------------------------------------------------- */

static const struct { ZydisMnemonic m; uint8_t cls; } default_policy[] = {
    /* Robin & Irvine */
    { ZYDIS_MNEMONIC_SGDT, PRESCAN_CLASS_SENSITIVE }, { ZYDIS_MNEMONIC_SIDT, PRESCAN_CLASS_SENSITIVE },
    { ZYDIS_MNEMONIC_SLDT, PRESCAN_CLASS_SENSITIVE }, { ZYDIS_MNEMONIC_SMSW, PRESCAN_CLASS_SENSITIVE },
    { ZYDIS_MNEMONIC_PUSHF, PRESCAN_CLASS_SENSITIVE }, { ZYDIS_MNEMONIC_PUSHFD, PRESCAN_CLASS_SENSITIVE },
    { ZYDIS_MNEMONIC_PUSHFQ, PRESCAN_CLASS_SENSITIVE }, { ZYDIS_MNEMONIC_POPF, PRESCAN_CLASS_SENSITIVE },
    { ZYDIS_MNEMONIC_POPFD, PRESCAN_CLASS_SENSITIVE }, { ZYDIS_MNEMONIC_POPFQ, PRESCAN_CLASS_SENSITIVE },
    { ZYDIS_MNEMONIC_LAR, PRESCAN_CLASS_SENSITIVE }, { ZYDIS_MNEMONIC_LSL, PRESCAN_CLASS_SENSITIVE },
    { ZYDIS_MNEMONIC_VERR, PRESCAN_CLASS_SENSITIVE }, { ZYDIS_MNEMONIC_VERW, PRESCAN_CLASS_SENSITIVE },
    { ZYDIS_MNEMONIC_PUSH, PRESCAN_CLASS_SEG }, { ZYDIS_MNEMONIC_POP, PRESCAN_CLASS_SEG },
    { ZYDIS_MNEMONIC_MOV, PRESCAN_CLASS_SEG },
    { ZYDIS_MNEMONIC_INT, PRESCAN_CLASS_SENSITIVE }, { ZYDIS_MNEMONIC_STR, PRESCAN_CLASS_SENSITIVE },
    /* loads of segment registers */
    { ZYDIS_MNEMONIC_LDS, PRESCAN_CLASS_SENSITIVE }, { ZYDIS_MNEMONIC_LES, PRESCAN_CLASS_SENSITIVE },
    { ZYDIS_MNEMONIC_LFS, PRESCAN_CLASS_SENSITIVE }, { ZYDIS_MNEMONIC_LGS, PRESCAN_CLASS_SENSITIVE },
    { ZYDIS_MNEMONIC_LSS, PRESCAN_CLASS_SENSITIVE },
    /* privileged / system */
    { ZYDIS_MNEMONIC_LGDT, PRESCAN_CLASS_SENSITIVE }, { ZYDIS_MNEMONIC_LIDT, PRESCAN_CLASS_SENSITIVE },
    { ZYDIS_MNEMONIC_LLDT, PRESCAN_CLASS_SENSITIVE }, { ZYDIS_MNEMONIC_LTR, PRESCAN_CLASS_SENSITIVE },
    { ZYDIS_MNEMONIC_LMSW, PRESCAN_CLASS_SENSITIVE }, { ZYDIS_MNEMONIC_CLI, PRESCAN_CLASS_SENSITIVE },
    { ZYDIS_MNEMONIC_STI, PRESCAN_CLASS_SENSITIVE }, { ZYDIS_MNEMONIC_HLT, PRESCAN_CLASS_SENSITIVE },
    { ZYDIS_MNEMONIC_IN, PRESCAN_CLASS_SENSITIVE }, { ZYDIS_MNEMONIC_OUT, PRESCAN_CLASS_SENSITIVE },
    { ZYDIS_MNEMONIC_INSB, PRESCAN_CLASS_SENSITIVE }, { ZYDIS_MNEMONIC_INSW, PRESCAN_CLASS_SENSITIVE },
    { ZYDIS_MNEMONIC_INSD, PRESCAN_CLASS_SENSITIVE }, { ZYDIS_MNEMONIC_OUTSB, PRESCAN_CLASS_SENSITIVE },
    { ZYDIS_MNEMONIC_OUTSW, PRESCAN_CLASS_SENSITIVE }, { ZYDIS_MNEMONIC_OUTSD, PRESCAN_CLASS_SENSITIVE },
    { ZYDIS_MNEMONIC_CPUID, PRESCAN_CLASS_SENSITIVE }, { ZYDIS_MNEMONIC_RDTSC, PRESCAN_CLASS_SENSITIVE },
    { ZYDIS_MNEMONIC_RDTSCP, PRESCAN_CLASS_SENSITIVE }, { ZYDIS_MNEMONIC_RDMSR, PRESCAN_CLASS_SENSITIVE },
    { ZYDIS_MNEMONIC_WRMSR, PRESCAN_CLASS_SENSITIVE }, { ZYDIS_MNEMONIC_RDPMC, PRESCAN_CLASS_SENSITIVE },
    { ZYDIS_MNEMONIC_INVLPG, PRESCAN_CLASS_SENSITIVE }, { ZYDIS_MNEMONIC_INVD, PRESCAN_CLASS_SENSITIVE },
    { ZYDIS_MNEMONIC_WBINVD, PRESCAN_CLASS_SENSITIVE }, { ZYDIS_MNEMONIC_CLTS, PRESCAN_CLASS_SENSITIVE },
    { ZYDIS_MNEMONIC_SYSCALL, PRESCAN_CLASS_SENSITIVE }, { ZYDIS_MNEMONIC_SYSRET, PRESCAN_CLASS_SENSITIVE },
    { ZYDIS_MNEMONIC_SYSENTER, PRESCAN_CLASS_SENSITIVE }, { ZYDIS_MNEMONIC_SYSEXIT, PRESCAN_CLASS_SENSITIVE },
    { ZYDIS_MNEMONIC_SWAPGS, PRESCAN_CLASS_SENSITIVE }, { ZYDIS_MNEMONIC_INT3, PRESCAN_CLASS_SENSITIVE },
    { ZYDIS_MNEMONIC_INTO, PRESCAN_CLASS_SENSITIVE }, { ZYDIS_MNEMONIC_INT1, PRESCAN_CLASS_SENSITIVE },
    { ZYDIS_MNEMONIC_XSETBV, PRESCAN_CLASS_SENSITIVE }, { ZYDIS_MNEMONIC_MONITOR, PRESCAN_CLASS_SENSITIVE },
    { ZYDIS_MNEMONIC_MWAIT, PRESCAN_CLASS_SENSITIVE }, { ZYDIS_MNEMONIC_MONITORX, PRESCAN_CLASS_SENSITIVE },
    { ZYDIS_MNEMONIC_MWAITX, PRESCAN_CLASS_SENSITIVE }, { ZYDIS_MNEMONIC_RSM, PRESCAN_CLASS_SENSITIVE },
    { ZYDIS_MNEMONIC_INVPCID, PRESCAN_CLASS_SENSITIVE }, { ZYDIS_MNEMONIC_GETSEC, PRESCAN_CLASS_SENSITIVE },
    { ZYDIS_MNEMONIC_VMCALL, PRESCAN_CLASS_SENSITIVE }, { ZYDIS_MNEMONIC_VMMCALL, PRESCAN_CLASS_SENSITIVE },
    /* control transfer */
    { ZYDIS_MNEMONIC_JMP, PRESCAN_CLASS_JMP }, { ZYDIS_MNEMONIC_CALL, PRESCAN_CLASS_CALL },
    { ZYDIS_MNEMONIC_RET, PRESCAN_CLASS_RET }, { ZYDIS_MNEMONIC_IRET, PRESCAN_CLASS_RET },
    { ZYDIS_MNEMONIC_IRETD, PRESCAN_CLASS_RET }, { ZYDIS_MNEMONIC_IRETQ, PRESCAN_CLASS_RET },
    { ZYDIS_MNEMONIC_JB, PRESCAN_CLASS_JCC }, { ZYDIS_MNEMONIC_JBE, PRESCAN_CLASS_JCC },
    { ZYDIS_MNEMONIC_JL, PRESCAN_CLASS_JCC }, { ZYDIS_MNEMONIC_JLE, PRESCAN_CLASS_JCC },
    { ZYDIS_MNEMONIC_JNB, PRESCAN_CLASS_JCC }, { ZYDIS_MNEMONIC_JNBE, PRESCAN_CLASS_JCC },
    { ZYDIS_MNEMONIC_JNL, PRESCAN_CLASS_JCC }, { ZYDIS_MNEMONIC_JNLE, PRESCAN_CLASS_JCC },
    { ZYDIS_MNEMONIC_JNO, PRESCAN_CLASS_JCC }, { ZYDIS_MNEMONIC_JNP, PRESCAN_CLASS_JCC },
    { ZYDIS_MNEMONIC_JNS, PRESCAN_CLASS_JCC }, { ZYDIS_MNEMONIC_JNZ, PRESCAN_CLASS_JCC },
    { ZYDIS_MNEMONIC_JO, PRESCAN_CLASS_JCC }, { ZYDIS_MNEMONIC_JP, PRESCAN_CLASS_JCC },
    { ZYDIS_MNEMONIC_JS, PRESCAN_CLASS_JCC }, { ZYDIS_MNEMONIC_JZ, PRESCAN_CLASS_JCC },
    { ZYDIS_MNEMONIC_JCXZ, PRESCAN_CLASS_JCC }, { ZYDIS_MNEMONIC_JECXZ, PRESCAN_CLASS_JCC },
    { ZYDIS_MNEMONIC_JRCXZ, PRESCAN_CLASS_JCC }, { ZYDIS_MNEMONIC_LOOP, PRESCAN_CLASS_JCC },
    { ZYDIS_MNEMONIC_LOOPE, PRESCAN_CLASS_JCC }, { ZYDIS_MNEMONIC_LOOPNE, PRESCAN_CLASS_JCC },
    { ZYDIS_MNEMONIC_XBEGIN, PRESCAN_CLASS_JCC },
    { ZYDIS_MNEMONIC_JKNZD, PRESCAN_CLASS_JCC }, { ZYDIS_MNEMONIC_JKZD, PRESCAN_CLASS_JCC },
};

int prescan_set_class(struct prescan *ps, unsigned mnemonic, enum prescan_class cls)
{
    if (!ps || mnemonic >= NMNEM || (unsigned)cls >= PRESCAN_CLASS_COUNT)
        return -1;
    ps->policy[mnemonic] = (uint8_t)cls;
    return 0;
}

enum prescan_class prescan_get_class(const struct prescan *ps, unsigned mnemonic)
{
    if (!ps || mnemonic >= NMNEM)
        return PRESCAN_CLASS_NATIVE;
    return (enum prescan_class)ps->policy[mnemonic];
}

/* ---- events ----------------------------------------------------------- */

static void emit(struct prescan *ps, enum prescan_event_type type, uint64_t gpa,
                 enum prescan_mode mode, unsigned length, size_t count)
{
    struct prescan_event ev = { .type = type, .gpa = gpa, .mode = mode,
                                .length = length, .count = count };
    ps->cfg.listen(ps->cfg.listen_ctx, &ev);
}
#define EMIT(ps, ...) do { if ((ps)->cfg.listen) emit((ps), __VA_ARGS__); } while (0)

/* ---- attribute page table -------------------------------------------- */

static int mode_index(enum prescan_mode mode)
{
    switch (mode) {
    case PRESCAN_MODE_16: return 0;
    case PRESCAN_MODE_32: return 1;
    case PRESCAN_MODE_64: return 2;
    }
    return -1;
}

static size_t bucket_of(const struct prescan *ps, uint64_t page, enum prescan_mode mode)
{
    uint64_t k = ((page >> 12) << 2) ^ (uint64_t)mode_index(mode);
    k *= 0x9E3779B97F4A7C15ull;
    return (size_t)(k >> 32) & (ps->nbuckets - 1);
}

static struct attr_page *page_find(const struct prescan *ps, uint64_t page, enum prescan_mode mode)
{
    for (struct attr_page *p = ps->buckets[bucket_of(ps, page, mode)]; p; p = p->next)
        if (p->page == page && p->mode == mode)
            return p;
    return NULL;
}

static void update_memory(struct prescan *ps)
{
    ps->st.page_memory = ps->npages * sizeof(struct attr_page)
                       + ps->nbuckets * sizeof(struct attr_page *);
}

static int table_grow(struct prescan *ps)
{
    size_t n = ps->nbuckets * 2;
    struct attr_page **nb = calloc(n, sizeof *nb);
    if (!nb)
        return -1;
    struct attr_page **old = ps->buckets;
    size_t oldn = ps->nbuckets;
    ps->buckets = nb;
    ps->nbuckets = n;
    for (size_t i = 0; i < oldn; i++) {
        struct attr_page *p = old[i];
        while (p) {
            struct attr_page *next = p->next;
            size_t b = bucket_of(ps, p->page, p->mode);
            p->next = nb[b];
            nb[b] = p;
            p = next;
        }
    }
    free(old);
    return 0;
}

static struct attr_page *page_get(struct prescan *ps, uint64_t page, enum prescan_mode mode)
{
    struct attr_page *p = page_find(ps, page, mode);
    if (p)
        return p;
    if (ps->npages >= ps->nbuckets && table_grow(ps) != 0)
        return NULL;
    p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->page = page;
    p->mode = mode;
    size_t b = bucket_of(ps, page, mode);
    p->next = ps->buckets[b];
    ps->buckets[b] = p;
    ps->npages++;
    ps->st.pages_allocated++;
    ps->st.pages_live = ps->npages;
    update_memory(ps);
    EMIT(ps, PRESCAN_EV_PAGE_ALLOC, page, mode, 0, 0);
    return p;
}

/* ---- lifecycle -------------------------------------------------------- */

struct prescan *prescan_new(const struct prescan_config *cfg)
{
    if (!cfg || !cfg->read)
        return NULL;
    struct prescan *ps = calloc(1, sizeof *ps);
    if (!ps)
        return NULL;
    ps->cfg = *cfg;
    ps->nbuckets = 64;
    ps->buckets = calloc(ps->nbuckets, sizeof *ps->buckets);
    if (!ps->buckets) {
        free(ps);
        return NULL;
    }
    static const struct { ZydisMachineMode m; ZydisStackWidth w; } modes[NMODES] = {
        { ZYDIS_MACHINE_MODE_LEGACY_16, ZYDIS_STACK_WIDTH_16 },
        { ZYDIS_MACHINE_MODE_LEGACY_32, ZYDIS_STACK_WIDTH_32 },
        { ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64 },
    };
    for (int i = 0; i < NMODES; i++) {
        if (!ZYAN_SUCCESS(ZydisDecoderInit(&ps->dec[i], modes[i].m, modes[i].w)) ||
            !ZYAN_SUCCESS(ZydisDecoderEnableMode(&ps->dec[i], ZYDIS_DECODER_MODE_MINIMAL, ZYAN_TRUE))) {
            free(ps->buckets);
            free(ps);
            return NULL;
        }
    }
    for (size_t i = 0; i < sizeof default_policy / sizeof default_policy[0]; i++)
        ps->policy[default_policy[i].m] = default_policy[i].cls;
    update_memory(ps);
    return ps;
}

void prescan_free(struct prescan *ps)
{
    if (!ps)
        return;
    for (size_t i = 0; i < ps->nbuckets; i++) {
        struct attr_page *p = ps->buckets[i];
        while (p) {
            struct attr_page *next = p->next;
            free(p);
            p = next;
        }
    }
    free(ps->buckets);
    free(ps->work);
    free(ps->pend);
    free(ps->cascade);
    free(ps);
}

void prescan_set_depth(struct prescan *ps, unsigned max_depth)
{
    if (ps)
        ps->cfg.max_depth = max_depth;
}

void prescan_set_listener(struct prescan *ps, prescan_listen_fn fn, void *ctx)
{
    if (ps) {
        ps->cfg.listen = fn;
        ps->cfg.listen_ctx = ctx;
    }
}

void prescan_set_classifier(struct prescan *ps, prescan_classify_fn fn, void *ctx)
{
    if (ps) {
        ps->cfg.classify = fn;
        ps->cfg.classify_ctx = ctx;
    }
}

/* ---- decoding and classification -------------------------------------- */

enum branch_kind { BR_NONE, BR_JMP, BR_CALL, BR_COND };

struct decoded {
    ZydisDecodedInstruction insn;
    int ok;                       /* decoded */
    unsigned len;                 /* attribute length (1..15) */
    enum prescan_reason reason;   /* intrinsic reason; NONE for native and in-page static branches */
    enum prescan_path_end end;    /* CONTINUE or an intrinsic terminal */
    enum branch_kind br;          /* static relative branch */
    int64_t target_off;           /* relative to the page, when br != BR_NONE */
    int in_page;
};

static int seg_opcode(const ZydisDecodedInstruction *in)
{
    if (in->opcode_map == ZYDIS_OPCODE_MAP_DEFAULT) {
        switch (in->opcode) {
        case 0x06: case 0x07: case 0x0e: case 0x16: case 0x17: case 0x1e: case 0x1f:
        case 0x8c: case 0x8e:
            return 1;
        }
    } else if (in->opcode_map == ZYDIS_OPCODE_MAP_0F) {
        switch (in->opcode) {
        case 0xa0: case 0xa1: case 0xa8: case 0xa9:           /* push/pop fs/gs */
        case 0x20: case 0x21: case 0x22: case 0x23:           /* mov cr/dr */
        case 0x24: case 0x26:                                 /* mov tr (old) */
            return 1;
        }
    }
    return 0;
}

static void decode_classify_insn(const struct prescan *ps, int mi, const uint8_t *buf,
                            unsigned off, struct decoded *d)
{
    ZyanStatus s = ZydisDecoderDecodeInstruction(&ps->dec[mi], NULL, buf + off,
                                                 PRESCAN_PAGE_SIZE - off, &d->insn);
    d->br = BR_NONE;
    d->in_page = 0;
    d->target_off = 0;
    if (!ZYAN_SUCCESS(s)) {
        d->ok = 0;
        if (s == ZYDIS_STATUS_NO_MORE_DATA) {
            unsigned rem = PRESCAN_PAGE_SIZE - off;
            d->len = rem > PRESCAN_MAX_INSN_LEN ? PRESCAN_MAX_INSN_LEN : rem;
            d->reason = PRESCAN_REASON_CROSSES_PAGE;
            d->end = PRESCAN_END_CROSSES_PAGE;
        } else {
            d->len = 1;
            d->reason = PRESCAN_REASON_UNDECODABLE;
            d->end = PRESCAN_END_UNDECODABLE;
        }
        return;
    }
    const ZydisDecodedInstruction *in = &d->insn;
    d->ok = 1;
    d->len = in->length;
    d->reason = PRESCAN_REASON_NONE;
    d->end = PRESCAN_END_CONTINUE;
    int rel = (in->attributes & ZYDIS_ATTRIB_IS_RELATIVE) && in->raw.imm[0].is_relative;
    switch ((enum prescan_class)ps->policy[in->mnemonic]) {
    case PRESCAN_CLASS_NATIVE:
    case PRESCAN_CLASS_COUNT:
        return;
    case PRESCAN_CLASS_SENSITIVE:
        d->reason = PRESCAN_REASON_SENSITIVE;
        if (in->mnemonic == ZYDIS_MNEMONIC_HLT)
            d->end = PRESCAN_END_HALT;
        return;
    case PRESCAN_CLASS_SEG:
        if (seg_opcode(in))
            d->reason = PRESCAN_REASON_SENSITIVE;
        return;
    case PRESCAN_CLASS_RET:
        d->reason = PRESCAN_REASON_COMPUTED_BRANCH;
        d->end = PRESCAN_END_COMPUTED;
        return;
    case PRESCAN_CLASS_JMP:
    case PRESCAN_CLASS_CALL:
        if (!rel) {
            int far = in->opcode_map == ZYDIS_OPCODE_MAP_DEFAULT &&
                      (in->opcode == 0xea || in->opcode == 0x9a ||
                       (in->opcode == 0xff && (in->raw.modrm.reg == 3 || in->raw.modrm.reg == 5)));
            d->reason = far ? PRESCAN_REASON_FAR_BRANCH : PRESCAN_REASON_COMPUTED_BRANCH;
            d->end = far ? PRESCAN_END_FAR : PRESCAN_END_COMPUTED;
            return;
        }
        d->br = ps->policy[in->mnemonic] == PRESCAN_CLASS_JMP ? BR_JMP : BR_CALL;
        break;
    case PRESCAN_CLASS_JCC:
        if (!rel) {
            d->reason = PRESCAN_REASON_COMPUTED_BRANCH;
            d->end = PRESCAN_END_COMPUTED;
            return;
        }
        d->br = BR_COND;
        break;
    }
    /* static relative branch */
    if (in->operand_width == 16 && in->machine_mode != ZYDIS_MACHINE_MODE_LEGACY_16) {
        /* IP is truncated to 16 bits: the target depends on the IP, not the gpa */
        d->br = BR_NONE;
        d->reason = PRESCAN_REASON_COMPUTED_BRANCH;
        d->end = PRESCAN_END_COMPUTED;
        return;
    }
    d->target_off = (int64_t)off + (int64_t)in->length + in->raw.imm[0].value.s;
    d->in_page = d->target_off >= 0 && d->target_off < (int64_t)PRESCAN_PAGE_SIZE;
    if (!d->in_page) {
        d->reason = PRESCAN_REASON_BRANCH_OUT_OF_PAGE;
        if (d->br != BR_COND)
            d->end = PRESCAN_END_OUT_OF_PAGE;
    }
}

/* An instruction that ends exactly at the page end and falls through
 * leaves the page like an out-of-page branch: it is virtualize, so the
 * monitor guards the next page before anything there runs.  (Sensitive
 * instructions are virtualize already; a CALL's fall-through is reached by
 * a RET, which is virtualize.) */
static void decode_classify(const struct prescan *ps, int mi, const uint8_t *buf,
                            unsigned off, struct decoded *d)
{
    decode_classify_insn(ps, mi, buf, off, d);
    if (d->ok && off + d->len == PRESCAN_PAGE_SIZE && d->end == PRESCAN_END_CONTINUE &&
        d->reason == PRESCAN_REASON_NONE && d->br != BR_CALL) {
        d->reason = PRESCAN_REASON_BRANCH_OUT_OF_PAGE;
        d->br = BR_NONE;
    }
}

/* ---- scan state -------------------------------------------------------- */

static void scan_reset(struct prescan *ps)
{
    ps->active = 0;
    ps->pg = NULL;
    ps->nwork = 0;
    ps->npend = 0;
}

static int work_push(struct prescan *ps, uint64_t gpa, unsigned depth)
{
    if (ps->nwork == ps->capwork) {
        size_t n = ps->capwork ? ps->capwork * 2 : 64;
        struct prescan_work *w = realloc(ps->work, n * sizeof *w);
        if (!w)
            return -1;
        ps->work = w;
        ps->capwork = n;
    }
    ps->work[ps->nwork].gpa = gpa;
    ps->work[ps->nwork].depth = depth;
    ps->nwork++;
    if (ps->nwork > ps->st.worklist_high_water)
        ps->st.worklist_high_water = ps->nwork;
    return 0;
}

static int pend_push(struct prescan *ps, unsigned off, unsigned target)
{
    if (ps->npend == ps->cappend) {
        size_t n = ps->cappend ? ps->cappend * 2 : 64;
        struct pending *p = realloc(ps->pend, n * sizeof *p);
        if (!p)
            return -1;
        ps->pend = p;
        ps->cappend = n;
    }
    ps->pend[ps->npend].off = (uint16_t)off;
    ps->pend[ps->npend].target = (uint16_t)target;
    ps->npend++;
    return 0;
}

static int scan_begin(struct prescan *ps, uint64_t gpa, enum prescan_mode mode)
{
    if (!ps || mode_index(mode) < 0)
        return -1;
    scan_reset(ps);
    uint64_t page = gpa & ~PAGE_MASK;
    if (ps->cfg.map) {
        ps->bytes = ps->cfg.map(ps->cfg.read_ctx, page);
    } else {
        ps->bytes = ps->buf;
        if (ps->cfg.read(ps->cfg.read_ctx, page, ps->buf) != 0)
            ps->bytes = NULL;
    }
    if (!ps->bytes) {
        ps->st.read_errors++;
        return -1;
    }
    struct attr_page *pg = page_get(ps, page, mode);
    if (!pg)
        return -1;
    ps->page = page;
    ps->mode = mode;
    ps->pg = pg;
    ps->active = 1;
    ps->st.scans++;
    return 0;
}

static inline unsigned attr_kind(uint8_t a)
{
    return (a & PRESCAN_ATTR_KIND_MASK) >> PRESCAN_ATTR_KIND_SHIFT;
}

static inline unsigned attr_len(uint8_t a)
{
    return a & PRESCAN_ATTR_LEN_MASK;
}

/* Turns the scanned instruction at p into virtualize/overlap. Returns 1 if it
   was native before (its first byte is a new trap). */
static int force_overlap(struct prescan *ps, struct attr_page *pg, unsigned p)
{
    uint8_t a = pg->attr[p];
    int was_native = !(a & PRESCAN_ATTR_VIRTUALIZE);
    if (!was_native && attr_kind(a) != PRESCAN_KIND_BRANCH)
        return 0;
    pg->attr[p] = (uint8_t)((a & ~PRESCAN_ATTR_KIND_MASK) | PRESCAN_ATTR_VIRTUALIZE |
                            (PRESCAN_KIND_OVERLAP << PRESCAN_ATTR_KIND_SHIFT));
    if (was_native)
        pg->nvirt++;
    ps->st.virtualize[PRESCAN_REASON_OVERLAP]++;
    EMIT(ps, PRESCAN_EV_OVERLAP, pg->page + p, pg->mode, attr_len(a), 0);
    return was_native;
}

/* A virtualize instruction newly starts at s: every scanned instruction
   covering s must be virtualize too, and so on (explicit stack). */
static int overlap_cascade(struct prescan *ps, struct attr_page *pg, unsigned s)
{
    size_t n = 0;
    if (ps->capcascade == 0) {
        ps->cascade = malloc(64 * sizeof *ps->cascade);
        if (!ps->cascade)
            return -1;
        ps->capcascade = 64;
    }
    ps->cascade[n++] = (uint16_t)s;
    while (n) {
        unsigned t = ps->cascade[--n];
        unsigned lo = t >= PRESCAN_MAX_INSN_LEN - 1 ? t - (PRESCAN_MAX_INSN_LEN - 1) : 0;
        for (unsigned p = lo; p < t; p++) {
            uint8_t a = pg->attr[p];
            if (!(a & PRESCAN_ATTR_SCANNED) || p + attr_len(a) <= t)
                continue;
            if (force_overlap(ps, pg, p)) {
                if (n == ps->capcascade) {
                    uint16_t *c = realloc(ps->cascade, 2 * n * sizeof *c);
                    if (!c)
                        return -1;
                    ps->cascade = c;
                    ps->capcascade = 2 * n;
                }
                ps->cascade[n++] = (uint16_t)p;
            }
        }
    }
    return 0;
}

static int covers_virtualize_start(const struct attr_page *pg, unsigned off, unsigned len)
{
    for (unsigned p = off + 1; p < off + len && p < PRESCAN_PAGE_SIZE; p++)
        if ((pg->attr[p] & (PRESCAN_ATTR_SCANNED | PRESCAN_ATTR_VIRTUALIZE)) ==
            (PRESCAN_ATTR_SCANNED | PRESCAN_ATTR_VIRTUALIZE))
            return 1;
    return 0;
}

static enum prescan_reason reason_of(uint8_t a, enum prescan_reason intrinsic)
{
    if (!(a & PRESCAN_ATTR_VIRTUALIZE))
        return PRESCAN_REASON_NONE;
    switch (attr_kind(a)) {
    case PRESCAN_KIND_OVERLAP: return PRESCAN_REASON_OVERLAP;
    case PRESCAN_KIND_POLICY: return PRESCAN_REASON_POLICY;
    case PRESCAN_KIND_BRANCH: return PRESCAN_REASON_BRANCH_UNSCANNED;
    }
    return intrinsic;
}

static void resolve_pending(struct prescan *ps)
{
    struct attr_page *pg = ps->pg;
    for (size_t i = 0; i < ps->npend; i++) {
        unsigned off = ps->pend[i].off, t = ps->pend[i].target;
        uint8_t a = pg->attr[off];
        if ((a & PRESCAN_ATTR_SCANNED) && (a & PRESCAN_ATTR_VIRTUALIZE) &&
            attr_kind(a) == PRESCAN_KIND_BRANCH && (pg->attr[t] & PRESCAN_ATTR_SCANNED)) {
            pg->attr[off] = (uint8_t)(a & ~PRESCAN_ATTR_VIRTUALIZE);
            pg->nvirt--;
            ps->st.branch_flips++;
            EMIT(ps, PRESCAN_EV_BRANCH_FLIP, pg->page + off, pg->mode, attr_len(a), 0);
        }
    }
    ps->npend = 0;
}

int prescan_step(struct prescan *ps, struct prescan_step *out)
{
    if (!ps || !ps->active)
        return 0;
    if (ps->nwork == 0) {
        resolve_pending(ps);
        scan_reset(ps);
        return 0;
    }
    struct attr_page *pg = ps->pg;
    struct prescan_work w = ps->work[--ps->nwork];
    unsigned off = (unsigned)(w.gpa & PAGE_MASK);
    struct prescan_step st;
    struct prescan_step *so = out ? out : (ps->cfg.listen ? &st : NULL);
    ps->st.steps++;
    if (w.depth > ps->st.max_depth_reached)
        ps->st.max_depth_reached = w.depth;

    uint8_t a = pg->attr[off];
    if (a & PRESCAN_ATTR_SCANNED) {
        if (so) {
            memset(so, 0, sizeof *so);
            so->gpa = w.gpa;
            so->mode = ps->mode;
            so->depth = w.depth;
            so->length = attr_len(a);
            so->attr = a;
            so->virtualize = !!(a & PRESCAN_ATTR_VIRTUALIZE);
            so->reason = reason_of(a, PRESCAN_REASON_NONE);
            so->mnemonic_name = "";
            so->end = PRESCAN_END_ALREADY_SCANNED;
            so->worklist_len = ps->nwork;
            if (ps->cfg.listen) {
                struct prescan_event ev = { .type = PRESCAN_EV_STEP, .gpa = w.gpa, .mode = ps->mode,
                                            .length = so->length, .step = so };
                ps->cfg.listen(ps->cfg.listen_ctx, &ev);
            }
        }
        return 1;
    }

    struct decoded d;
    decode_classify(ps, mode_index(ps->mode), ps->bytes, off, &d);
    ps->st.insns_scanned++;
    ps->st.bytes_decoded += d.len;

    enum prescan_reason reason = d.reason;
    enum prescan_path_end end = d.end;
    unsigned kind = PRESCAN_KIND_PLAIN;
    int push_target = 0;
    if (d.br != BR_NONE && d.in_page) {
        unsigned t = (unsigned)d.target_off;
        kind = PRESCAN_KIND_BRANCH;
        if (t == off || (pg->attr[t] & PRESCAN_ATTR_SCANNED)) {
            reason = PRESCAN_REASON_NONE;
            if (d.br == BR_JMP)
                end = PRESCAN_END_JMP_TARGET_SCANNED;
        } else {
            reason = PRESCAN_REASON_BRANCH_UNSCANNED;
            if (w.depth < ps->cfg.max_depth) {
                push_target = 1;
                if (d.br == BR_JMP)
                    end = PRESCAN_END_JMP_FOLLOWED;
            } else if (d.br == BR_JMP) {
                end = PRESCAN_END_DEPTH_LIMIT;
            }
        }
    }
    int virt = reason != PRESCAN_REASON_NONE;

    if (ps->cfg.classify) {
        struct prescan_insn pi = {
            .gpa = w.gpa, .mode = ps->mode, .length = d.len,
            .mnemonic = d.ok ? (unsigned)d.insn.mnemonic : 0,
            .mnemonic_name = d.ok ? ZydisMnemonicGetString(d.insn.mnemonic) : "invalid",
            .bytes = ps->bytes + off, .zydis = d.ok ? &d.insn : NULL,
            .virtualize = virt, .reason = reason,
        };
        int o = ps->cfg.classify(ps->cfg.classify_ctx, &pi);
        if (o == 1 && !virt) {
            virt = 1;
            reason = PRESCAN_REASON_POLICY;
            kind = PRESCAN_KIND_POLICY;
        } else if (o == 0 && virt) {
            virt = 0;
            reason = PRESCAN_REASON_NONE;
            kind = PRESCAN_KIND_PLAIN;
            push_target = 0;      /* nothing pending: it is native already */
            if (end == PRESCAN_END_JMP_FOLLOWED)
                end = PRESCAN_END_DEPTH_LIMIT;
        }
    }

    uint8_t na = (uint8_t)(PRESCAN_ATTR_SCANNED | d.len | (kind << PRESCAN_ATTR_KIND_SHIFT) |
                           (virt ? PRESCAN_ATTR_VIRTUALIZE : 0));
    pg->attr[off] = na;
    pg->nscanned++;
    if (virt) {
        pg->nvirt++;
        ps->st.virtualize[reason]++;
    }
    /* overlap, both orders */
    if (covers_virtualize_start(pg, off, d.len)) {
        if (force_overlap(ps, pg, off))
            virt = 1;
        if (pg->attr[off] != na)
            reason = PRESCAN_REASON_OVERLAP;
    }
    if (virt && overlap_cascade(ps, pg, off) != 0)
        return -1;
    na = pg->attr[off];

    if (ps->cfg.listen) {
        struct prescan_insn pi = {
            .gpa = w.gpa, .mode = ps->mode, .length = d.len,
            .mnemonic = d.ok ? (unsigned)d.insn.mnemonic : 0,
            .mnemonic_name = d.ok ? ZydisMnemonicGetString(d.insn.mnemonic) : "invalid",
            .bytes = ps->bytes + off, .zydis = d.ok ? &d.insn : NULL,
            .virtualize = virt, .reason = reason,
        };
        struct prescan_event ev = { .type = PRESCAN_EV_CLASSIFY, .gpa = w.gpa, .mode = ps->mode,
                                    .length = d.len, .insn = &pi };
        ps->cfg.listen(ps->cfg.listen_ctx, &ev);
    }

    unsigned npushed = 0;
    struct prescan_work pushed[2];
    if (kind == PRESCAN_KIND_BRANCH && virt &&
        pend_push(ps, off, (unsigned)d.target_off) != 0)
        return -1;
    if (push_target) {
        if (work_push(ps, ps->page + (unsigned)d.target_off, w.depth + 1) != 0)
            return -1;
        pushed[npushed++] = ps->work[ps->nwork - 1];
    }
    if (end == PRESCAN_END_CONTINUE) {
        unsigned next = off + d.len;
        if (next >= PRESCAN_PAGE_SIZE) {
            end = PRESCAN_END_PAGE_END;
        } else {
            if (work_push(ps, ps->page + next, w.depth) != 0)
                return -1;
            pushed[npushed++] = ps->work[ps->nwork - 1];
        }
    }

    if (so) {
        memset(so, 0, sizeof *so);
        so->gpa = w.gpa;
        so->mode = ps->mode;
        so->depth = w.depth;
        so->decoded = 1;
        so->length = d.len;
        so->attr = na;
        so->virtualize = !!(na & PRESCAN_ATTR_VIRTUALIZE);
        so->reason = reason;
        so->mnemonic = d.ok ? (unsigned)d.insn.mnemonic : 0;
        so->mnemonic_name = d.ok ? ZydisMnemonicGetString(d.insn.mnemonic) : "invalid";
        so->end = end;
        if (d.br != BR_NONE) {
            so->has_target = 1;
            so->target = ps->page + (uint64_t)d.target_off;
        }
        so->npushed = npushed;
        for (unsigned i = 0; i < npushed; i++)
            so->pushed[i] = pushed[i];
        so->worklist_len = ps->nwork;
        if (ps->cfg.listen) {
            struct prescan_event ev = { .type = PRESCAN_EV_STEP, .gpa = w.gpa, .mode = ps->mode,
                                        .length = d.len, .step = so };
            ps->cfg.listen(ps->cfg.listen_ctx, &ev);
        }
    }
    return 1;
}

int prescan_start(struct prescan *ps, uint64_t gpa, enum prescan_mode mode)
{
    if (scan_begin(ps, gpa, mode) != 0)
        return -1;
    if (work_push(ps, gpa, 0) != 0) {
        scan_reset(ps);
        return -1;
    }
    return 0;
}

static int run_to_end(struct prescan *ps)
{
    int r;
    while ((r = prescan_step(ps, NULL)) == 1)
        ;
    if (r < 0)
        scan_reset(ps);
    return r;
}

int prescan_scan(struct prescan *ps, uint64_t gpa, enum prescan_mode mode)
{
    if (prescan_start(ps, gpa, mode) != 0)
        return -1;
    return run_to_end(ps);
}

size_t prescan_worklist(const struct prescan *ps, const struct prescan_work **items)
{
    if (items)
        *items = ps ? ps->work : NULL;
    return ps && ps->active ? ps->nwork : 0;
}

/* ---- queries ----------------------------------------------------------- */

uint8_t prescan_attr(const struct prescan *ps, uint64_t gpa, enum prescan_mode mode)
{
    if (!ps || mode_index(mode) < 0)
        return 0;
    const struct attr_page *p = page_find(ps, gpa & ~PAGE_MASK, mode);
    return p ? p->attr[gpa & PAGE_MASK] : 0;
}

const uint8_t *prescan_attr_page(const struct prescan *ps, uint64_t page_gpa, enum prescan_mode mode)
{
    if (!ps || mode_index(mode) < 0)
        return NULL;
    const struct attr_page *p = page_find(ps, page_gpa & ~PAGE_MASK, mode);
    return p ? p->attr : NULL;
}

enum prescan_reason prescan_reason_at(struct prescan *ps, uint64_t gpa, enum prescan_mode mode)
{
    uint8_t a = prescan_attr(ps, gpa, mode);
    if (!(a & PRESCAN_ATTR_SCANNED) || !(a & PRESCAN_ATTR_VIRTUALIZE))
        return PRESCAN_REASON_NONE;
    if (attr_kind(a) != PRESCAN_KIND_PLAIN)
        return reason_of(a, PRESCAN_REASON_NONE);
    if (ps->cfg.read(ps->cfg.read_ctx, gpa & ~PAGE_MASK, ps->aux) != 0) {
        ps->st.read_errors++;
        return PRESCAN_REASON_NONE;
    }
    struct decoded d;
    decode_classify(ps, mode_index(mode), ps->aux, (unsigned)(gpa & PAGE_MASK), &d);
    return d.reason;
}

int prescan_resolve_branch(struct prescan *ps, uint64_t gpa, enum prescan_mode mode)
{
    if (!ps || mode_index(mode) < 0)
        return -1;
    scan_reset(ps);
    struct attr_page *pg = page_find(ps, gpa & ~PAGE_MASK, mode);
    unsigned off = (unsigned)(gpa & PAGE_MASK);
    if (!pg || !(pg->attr[off] & PRESCAN_ATTR_SCANNED))
        return -1;
    uint8_t a = pg->attr[off];
    if (!(a & PRESCAN_ATTR_VIRTUALIZE))
        return 1;
    if (attr_kind(a) != PRESCAN_KIND_BRANCH)
        return 0;
    if (scan_begin(ps, gpa, mode) != 0)
        return -1;
    struct decoded d;
    decode_classify(ps, mode_index(mode), ps->bytes, off, &d);
    if (d.br == BR_NONE || !d.in_page) {
        scan_reset(ps);
        return 0;
    }
    unsigned t = (unsigned)d.target_off;
    if (pend_push(ps, off, t) != 0 ||
        (!(pg->attr[t] & PRESCAN_ATTR_SCANNED) && work_push(ps, ps->page + t, 0) != 0)) {
        scan_reset(ps);
        return -1;
    }
    if (run_to_end(ps) < 0)
        return -1;
    return (pg->attr[off] & PRESCAN_ATTR_VIRTUALIZE) ? 0 : 1;
}

/* ---- writes and invalidation ------------------------------------------- */

static int check_page_range(const struct attr_page *pg, unsigned lo, unsigned hi,
                            struct prescan_write_hit *hit)
{
    unsigned from = lo >= PRESCAN_MAX_INSN_LEN - 1 ? lo - (PRESCAN_MAX_INSN_LEN - 1) : 0;
    for (unsigned p = from; p < hi; p++) {
        uint8_t a = pg->attr[p];
        if ((a & PRESCAN_ATTR_SCANNED) && p + attr_len(a) > lo) {
            if (hit) {
                hit->hit = 1;
                hit->insn_gpa = pg->page + p;
                hit->insn_len = attr_len(a);
                hit->mode = pg->mode;
            }
            return 1;
        }
    }
    return 0;
}

static const enum prescan_mode all_modes[NMODES] = { PRESCAN_MODE_16, PRESCAN_MODE_32, PRESCAN_MODE_64 };

/* Checks the written range [lo, hi) within one page; lowest hit address wins. */
static int check_page(const struct prescan *ps, uint64_t page, unsigned lo, unsigned hi,
                      struct prescan_write_hit *hit)
{
    int found = 0;
    for (int i = 0; i < NMODES; i++) {
        const struct attr_page *pg = page_find(ps, page, all_modes[i]);
        struct prescan_write_hit h;
        if (pg && check_page_range(pg, lo, hi, &h)) {
            if (!found || h.insn_gpa < hit->insn_gpa)
                *hit = h;
            found = 1;
        }
    }
    return found;
}

int prescan_write_check(struct prescan *ps, uint64_t gpa, size_t len, struct prescan_write_hit *hit)
{
    struct prescan_write_hit h = { 0, 0, 0, PRESCAN_MODE_16 };
    if (hit)
        *hit = h;
    if (!ps || len == 0)
        return 0;
    ps->st.write_checks++;
    uint64_t last = gpa + (uint64_t)(len - 1);
    if (last < gpa)
        last = UINT64_MAX;                 /* clamp wrap-around */
    uint64_t first_page = gpa & ~PAGE_MASK, last_page = last & ~PAGE_MASK;
    int found = 0;
    if (((last_page - first_page) >> 12) < 64) {
        for (uint64_t page = first_page;; page += PRESCAN_PAGE_SIZE) {
            unsigned lo = page == first_page ? (unsigned)(gpa & PAGE_MASK) : 0;
            unsigned hi = page == last_page ? (unsigned)(last & PAGE_MASK) + 1 : PRESCAN_PAGE_SIZE;
            if (check_page(ps, page, lo, hi, &h)) {
                found = 1;
                break;
            }
            if (page == last_page)
                break;
        }
    } else {
        /* huge range: walk the live pages instead of the range */
        for (size_t b = 0; b < ps->nbuckets; b++)
            for (const struct attr_page *pg = ps->buckets[b]; pg; pg = pg->next) {
                if (pg->page < first_page || pg->page > last_page)
                    continue;
                unsigned lo = pg->page == first_page ? (unsigned)(gpa & PAGE_MASK) : 0;
                unsigned hi = pg->page == last_page ? (unsigned)(last & PAGE_MASK) + 1 : PRESCAN_PAGE_SIZE;
                struct prescan_write_hit x;
                if (check_page_range(pg, lo, hi, &x) && (!found || x.insn_gpa < h.insn_gpa)) {
                    h = x;
                    found = 1;
                }
            }
    }
    if (found) {
        ps->st.write_hits++;
        if (hit)
            *hit = h;
        return 1;
    }
    prescan_note_data_write(ps, gpa, len);
    return 0;
}

void prescan_note_data_write(struct prescan *ps, uint64_t gpa, size_t len)
{
    if (!ps)
        return;
    ps->st.data_writes++;
    ps->st.data_write_bytes += len;
    EMIT(ps, PRESCAN_EV_DATA_WRITE, gpa, PRESCAN_MODE_16, 0, len);
}

size_t prescan_invalidate_page(struct prescan *ps, uint64_t page_gpa)
{
    if (!ps)
        return 0;
    uint64_t page = page_gpa & ~PAGE_MASK;
    size_t dropped = 0;
    int any = 0;
    for (int i = 0; i < NMODES; i++) {
        enum prescan_mode mode = all_modes[i];
        struct attr_page **pp = &ps->buckets[bucket_of(ps, page, mode)];
        while (*pp && !((*pp)->page == page && (*pp)->mode == mode))
            pp = &(*pp)->next;
        struct attr_page *p = *pp;
        if (!p)
            continue;
        *pp = p->next;
        if (ps->pg == p)
            scan_reset(ps);
        dropped += p->nscanned;
        any = 1;
        ps->npages--;
        ps->st.pages_freed++;
        EMIT(ps, PRESCAN_EV_PAGE_FREE, page, mode, 0, p->nscanned);
        free(p);
    }
    if (any) {
        ps->st.invalidations++;
        ps->st.pages_live = ps->npages;
        update_memory(ps);
    }
    return dropped;
}

size_t prescan_pages(const struct prescan *ps, struct prescan_page_info *out, size_t max)
{
    if (!ps)
        return 0;
    size_t n = 0;
    for (size_t b = 0; b < ps->nbuckets; b++)
        for (const struct attr_page *p = ps->buckets[b]; p; p = p->next) {
            if (out && n < max) {
                out[n].page_gpa = p->page;
                out[n].mode = p->mode;
                out[n].scanned = p->nscanned;
                out[n].virtualize = p->nvirt;
            }
            n++;
        }
    return n;
}

void prescan_get_stats(const struct prescan *ps, struct prescan_stats *out)
{
    if (!out)
        return;
    if (!ps) {
        memset(out, 0, sizeof *out);
        return;
    }
    *out = ps->st;
}
