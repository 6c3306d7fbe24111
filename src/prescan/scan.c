/* scan.c — decoding and classification, the steppable recursive-descent
 * scanner, lazy branch resolution, and the overlap invariant across every
 * decode mode of a page.  See prescan.h for the semantics. */
#include <stdlib.h>
#include <string.h>

#include "prescan/prescan_priv.h"

/* ---- decoding and classification -------------------------------------- */

enum branch_kind { BR_NONE, BR_JMP, BR_CALL, BR_COND };

struct decoded {
    struct insn_facts f;          /* what classification reads (when ok) */
    ZydisDecodedInstruction insn; /* Zydis's decode, only when have_insn */
    int have_insn;
    int ok;                       /* decoded */
    unsigned len;                 /* attribute length (1..15) */
    enum prescan_reason reason;   /* intrinsic reason; NONE for native and in-page static branches */
    enum prescan_path_end end;    /* CONTINUE or an intrinsic terminal */
    enum branch_kind br;          /* static relative branch */
    int64_t target_off;           /* relative to the page, when br != BR_NONE */
    int in_page;                  /* the target is inside the page's window */
};

static int seg_opcode(const struct insn_facts *f)
{
    if (f->map == ZYDIS_OPCODE_MAP_DEFAULT) {
        switch (f->opcode) {
        case 0x06: case 0x07: case 0x0e: case 0x16: case 0x17: case 0x1e: case 0x1f:
        case 0x8c: case 0x8e:
            return 1;
        }
    } else if (f->map == ZYDIS_OPCODE_MAP_0F) {
        switch (f->opcode) {
        case 0xa0: case 0xa1: case 0xa8: case 0xa9:           /* push/pop fs/gs */
        case 0x20: case 0x21: case 0x22: case 0x23:           /* mov cr/dr */
        case 0x24: case 0x26:                                 /* mov tr (old) */
            return 1;
        }
    }
    return 0;
}

/* The engine's decoder for a page's mode (valid since the page exists). */
static const ZydisDecoder *decoder_of(const struct prescan *ps, const struct attr_page *pg)
{
    unsigned bits = prescan_mode_bits(pg->mode);
    return &ps->dec[bits == 64 ? 2 : bits == 32 ? 1 : 0];
}

/* Zydis's decode of an instruction the fast path took (for the classifier
 * hook and listeners, which get the ZydisDecodedInstruction). */
static const ZydisDecodedInstruction *zydis_insn(const struct prescan *ps, const struct attr_page *pg,
                                                 const uint8_t *buf, unsigned off, struct decoded *d)
{
    if (!d->ok)
        return NULL;
    if (!d->have_insn) {
        if (!ZYAN_SUCCESS(ZydisDecoderDecodeInstruction(decoder_of(ps, pg), NULL, buf + off, pg->hi - off, &d->insn)))
            return NULL;          /* cannot happen: tests/unit/test_prescan_fast.c */
        d->have_insn = 1;
    }
    return &d->insn;
}

/* Decodes the instruction at off with at most hi - off bytes (the window
 * ends there: what crosses it crosses the page): the fast path when it is
 * sure, else Zydis. */
static void decode_classify_insn(const struct prescan *ps, const struct attr_page *pg, const uint8_t *buf,
                                 unsigned off, struct decoded *d)
{
    d->br = BR_NONE;
    d->in_page = 0;
    d->target_off = 0;
    d->have_insn = 0;
    if (!prescan_decode_fast(prescan_mode_bits(pg->mode), buf + off, pg->hi - off, &d->f)) {
        ZyanStatus s = ZydisDecoderDecodeInstruction(decoder_of(ps, pg), NULL, buf + off, pg->hi - off, &d->insn);
        if (!ZYAN_SUCCESS(s)) {
            d->ok = 0;
            if (s == ZYDIS_STATUS_NO_MORE_DATA) {
                unsigned rem = pg->hi - off;
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
        d->have_insn = 1;
        prescan_facts_of_zydis(&d->insn, ps->cfg.amd_branches, &d->f);
    }
    const struct insn_facts *f = &d->f;
    d->ok = 1;
    d->len = f->len;
    d->reason = PRESCAN_REASON_NONE;
    d->end = PRESCAN_END_CONTINUE;
    switch ((enum prescan_class)ps->policy[f->mnemonic]) {
    case PRESCAN_CLASS_NATIVE:
    case PRESCAN_CLASS_COUNT:
        if (f->mnemonic == ZYDIS_MNEMONIC_UD0 || f->mnemonic == ZYDIS_MNEMONIC_UD1 ||
            f->mnemonic == ZYDIS_MNEMONIC_UD2)
            d->end = PRESCAN_END_FAULTS;    /* native: the #UD goes to a guarded handler */
        return;
    case PRESCAN_CLASS_SENSITIVE:
        d->reason = PRESCAN_REASON_SENSITIVE;
        if (f->mnemonic == ZYDIS_MNEMONIC_HLT)
            d->end = PRESCAN_END_HALT;
        return;
    case PRESCAN_CLASS_SEG:
        if (seg_opcode(f))
            d->reason = PRESCAN_REASON_SENSITIVE;
        return;
    case PRESCAN_CLASS_RET:
        d->reason = PRESCAN_REASON_COMPUTED_BRANCH;
        d->end = PRESCAN_END_COMPUTED;
        return;
    case PRESCAN_CLASS_JMP:
    case PRESCAN_CLASS_CALL:
        if (!f->rel) {
            int far = f->map == ZYDIS_OPCODE_MAP_DEFAULT &&
                      (f->opcode == 0xea || f->opcode == 0x9a ||
                       (f->opcode == 0xff && (f->modrm_reg == 3 || f->modrm_reg == 5)));
            d->reason = far ? PRESCAN_REASON_FAR_BRANCH : PRESCAN_REASON_COMPUTED_BRANCH;
            d->end = far ? PRESCAN_END_FAR : PRESCAN_END_COMPUTED;
            return;
        }
        d->br = ps->policy[f->mnemonic] == PRESCAN_CLASS_JMP ? BR_JMP : BR_CALL;
        break;
    case PRESCAN_CLASS_JCC:
        if (!f->rel) {
            d->reason = PRESCAN_REASON_COMPUTED_BRANCH;
            d->end = PRESCAN_END_COMPUTED;
            return;
        }
        d->br = BR_COND;
        break;
    }
    /* static relative branch; one that truncates IP to 16 bits has a
     * target that depends on the IP, not the gpa */
    if (f->ip16) {
        d->br = BR_NONE;
        d->reason = PRESCAN_REASON_COMPUTED_BRANCH;
        d->end = PRESCAN_END_COMPUTED;
        return;
    }
    d->target_off = (int64_t)off + (int64_t)f->len + f->disp;
    d->in_page = d->target_off >= (int64_t)pg->lo && d->target_off < (int64_t)pg->hi;
    if (!d->in_page) {
        d->reason = PRESCAN_REASON_BRANCH_OUT_OF_PAGE;
        if (d->br != BR_COND)
            d->end = PRESCAN_END_OUT_OF_PAGE;
    }
}

/* An instruction that ends exactly at the window's end (the page end, or
 * where 16-bit IP wraps) and falls through leaves the page like an
 * out-of-page branch: it is virtualize, so the monitor guards what comes
 * next first.  (Sensitive instructions are virtualize already; a CALL's
 * fall-through is reached by a RET, which is virtualize.) */
static void decode_classify(const struct prescan *ps, const struct attr_page *pg, const uint8_t *buf,
                            unsigned off, struct decoded *d)
{
    decode_classify_insn(ps, pg, buf, off, d);
    if (d->ok && off + d->len == pg->hi && d->end == PRESCAN_END_CONTINUE &&
        d->reason == PRESCAN_REASON_NONE && d->br != BR_CALL) {
        d->reason = PRESCAN_REASON_BRANCH_OUT_OF_PAGE;
        d->br = BR_NONE;
    }
    if (ps->depriv && d->ok && prescan_depriv_facts(&d->f)) {
        d->reason = PRESCAN_REASON_DEPRIVILEGE;     /* (depriv.c) */
        d->br = BR_NONE;
    }
}

/* ---- scan state -------------------------------------------------------- */

void prescan_scan_reset(struct prescan *ps)
{
    ps->active = 0;
    ps->pg = NULL;
    ps->work.n = 0;
    ps->pend.n = 0;
}

static inline int work_push(struct prescan *ps, uint64_t gpa, unsigned depth)
{
    struct prescan_work w = { .gpa = gpa, .depth = depth };
    if (ps->work.n < ps->work.cap)          /* once per instruction: no call when there is room */
        ps->work.v[ps->work.n++] = w;
    else if (VEC_PUSH(&ps->work, w) != 0)
        return -1;
    if (ps->work.n > ps->st.worklist_high_water)
        ps->st.worklist_high_water = ps->work.n;
    return 0;
}

static int pend_push(struct prescan *ps, unsigned off, unsigned target)
{
    struct pending p = { (uint16_t)off, (uint16_t)target };
    return VEC_PUSH(&ps->pend, p);
}

static int scan_begin(struct prescan *ps, uint64_t gpa, enum prescan_mode mode)
{
    if (!ps || prescan_mode_index(mode) < 0)
        return -1;
    prescan_scan_reset(ps);
    uint64_t page = PAGE_OF(gpa);
    unsigned off = (unsigned)(gpa & OFF_MASK);
    if (off < prescan_mode_lo(mode) || off >= prescan_mode_hi(mode))
        return -1;                  /* outside the window: not reachable in this mode */
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
    struct attr_page *pg = prescan_page_get(ps, page, mode);
    if (!pg)
        return -1;
    ps->page = page;
    ps->mode = mode;
    ps->pg = pg;
    ps->active = 1;
    ps->st.scans++;
    return 0;
}

/* ---- the overlap invariant, across modes ------------------------------ */

/* A virtualize start of some mode, or a pin, at off. */
int prescan_virt_start_any(const struct phys_page *pp, unsigned off)
{
    if (prescan_pinned_at(pp, off))
        return 1;
    for (const struct attr_page *m = pp->modes; m; m = m->next)
        if ((m->attr[off] & (PRESCAN_ATTR_SCANNED | PRESCAN_ATTR_VIRTUALIZE)) ==
            (PRESCAN_ATTR_SCANNED | PRESCAN_ATTR_VIRTUALIZE))
            return 1;
    return 0;
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

static int cascade_push(struct prescan *ps, struct attr_page *pg, unsigned off)
{
    struct cascade_item c = { pg, (uint16_t)off };
    return VEC_PUSH(&ps->cascade, c);
}

/* A virtualize start (or pin) newly appears at `start`: every scanned
 * instruction of every mode covering it must be virtualize too, and so on
 * (explicit stack). */
int prescan_overlap_cascade(struct prescan *ps, struct phys_page *pp, unsigned start)
{
    ps->cascade.n = 0;
    /* start itself is not pushed: this runs for every new virtualize
     * instruction, and mostly nothing covers it */
    for (unsigned t = start;; t = ps->cascade.v[--ps->cascade.n].off) {
        unsigned lo = t >= PRESCAN_MAX_INSN_LEN - 1 ? t - (PRESCAN_MAX_INSN_LEN - 1) : 0;
        for (struct attr_page *m = pp->modes; m; m = m->next)
            for (unsigned p = lo; p < t; p++) {
                uint8_t a = m->attr[p];
                if (!(a & PRESCAN_ATTR_SCANNED) || p + attr_len(a) <= t)
                    continue;
                if (force_overlap(ps, m, p) && cascade_push(ps, m, p) != 0)
                    return -1;
            }
        if (!ps->cascade.n)
            return 0;
    }
}

/* ---- pins: the monitor's own traps ---------------------------------- */

int prescan_pinned_at(const struct phys_page *pp, unsigned off)
{
    return pp->pins && (pp->pins[off >> 3] >> (off & 7) & 1);
}

int prescan_pin(struct prescan *ps, uint64_t gpa)
{
    if (!ps)
        return -1;
    struct phys_page *pp = prescan_phys_get(ps, PAGE_OF(gpa));
    unsigned off = (unsigned)(gpa & OFF_MASK);
    if (!pp)
        return -1;
    if (!pp->pins && !(pp->pins = calloc(PRESCAN_PAGE_SIZE / 8, 1))) {
        prescan_phys_drop_if_empty(ps, pp);
        return -1;
    }
    if (!prescan_pinned_at(pp, off)) {
        pp->pins[off >> 3] |= (uint8_t)(1u << (off & 7));
        pp->npins++;
    }
    /* the instructions covering it become virtualize (their traps sit
     * outside the pinned byte) */
    return prescan_overlap_cascade(ps, pp, off);
}

void prescan_unpin(struct prescan *ps, uint64_t gpa)
{
    struct phys_page *pp = ps ? prescan_phys_find(ps, PAGE_OF(gpa)) : NULL;
    unsigned off = (unsigned)(gpa & OFF_MASK);
    if (!pp || !prescan_pinned_at(pp, off))
        return;
    pp->pins[off >> 3] &= (uint8_t)~(1u << (off & 7));
    if (--pp->npins == 0) {
        free(pp->pins);
        pp->pins = NULL;
        prescan_phys_drop_if_empty(ps, pp);
    }
}

int prescan_is_pinned(const struct prescan *ps, uint64_t gpa)
{
    const struct phys_page *pp = ps ? prescan_phys_find(ps, PAGE_OF(gpa)) : NULL;
    return pp && prescan_pinned_at(pp, (unsigned)(gpa & OFF_MASK));
}

/* prescan_virt_start_any over the body, modes outer and bytes inner: once
 * per instruction, and a page mostly has one mode and no pins. */
static int covers_virtualize_start(const struct phys_page *pp, unsigned off, unsigned len)
{
    unsigned end = off + len < PRESCAN_PAGE_SIZE ? off + len : PRESCAN_PAGE_SIZE;
    for (const struct attr_page *m = pp->modes; m; m = m->next)
        for (unsigned p = off + 1; p < end; p++)
            if ((m->attr[p] & (PRESCAN_ATTR_SCANNED | PRESCAN_ATTR_VIRTUALIZE)) ==
                (PRESCAN_ATTR_SCANNED | PRESCAN_ATTR_VIRTUALIZE))
                return 1;
    for (unsigned p = off + 1; pp->pins && p < end; p++)
        if (prescan_pinned_at(pp, p))
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
    for (size_t i = 0; i < ps->pend.n; i++) {
        unsigned off = ps->pend.v[i].off, t = ps->pend.v[i].target;
        uint8_t a = pg->attr[off];
        if ((a & PRESCAN_ATTR_SCANNED) && (a & PRESCAN_ATTR_VIRTUALIZE) &&
            attr_kind(a) == PRESCAN_KIND_BRANCH && (pg->attr[t] & PRESCAN_ATTR_SCANNED)) {
            pg->attr[off] = (uint8_t)(a & ~PRESCAN_ATTR_VIRTUALIZE);
            pg->nvirt--;
            ps->st.branch_flips++;
            EMIT(ps, PRESCAN_EV_BRANCH_FLIP, pg->page + off, pg->mode, attr_len(a), 0);
        }
    }
    ps->pend.n = 0;
}

static void fill_insn(struct prescan_insn *pi, const struct prescan *ps, uint64_t gpa, struct decoded *d,
                      unsigned off, int virt, enum prescan_reason reason)
{
    memset(pi, 0, sizeof *pi);
    pi->gpa = gpa;
    pi->mode = ps->mode;
    pi->length = d->len;
    pi->mnemonic = d->ok ? d->f.mnemonic : 0;
    pi->mnemonic_name = d->ok ? ZydisMnemonicGetString((ZydisMnemonic)d->f.mnemonic) : "invalid";
    pi->bytes = ps->bytes + off;
    pi->zydis = zydis_insn(ps, ps->pg, ps->bytes, off, d);
    pi->virtualize = virt;
    pi->reason = reason;
}

static void step_event(struct prescan *ps, const struct prescan_step *so)
{
    if (ps->cfg.listen) {
        struct prescan_event ev = { .type = PRESCAN_EV_STEP, .gpa = so->gpa, .mode = ps->mode,
                                    .length = so->length, .step = so };
        ps->cfg.listen(ps->cfg.listen_ctx, &ev);
    }
}

int prescan_step(struct prescan *ps, struct prescan_step *out)
{
    if (!ps || !ps->active)
        return 0;
    if (ps->work.n == 0) {
        resolve_pending(ps);
        prescan_scan_reset(ps);
        return 0;
    }
    struct attr_page *pg = ps->pg;
    struct prescan_work w = ps->work.v[--ps->work.n];
    unsigned off = (unsigned)(w.gpa & OFF_MASK);
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
            so->worklist_len = ps->work.n;
            step_event(ps, so);
        }
        return 1;
    }

    struct decoded d;
    decode_classify(ps, pg, ps->bytes, off, &d);
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
        struct prescan_insn pi;
        fill_insn(&pi, ps, w.gpa, &d, off, virt, reason);
        int o = ps->cfg.classify(ps->cfg.classify_ctx, &pi);
        if (o == 1 && !virt) {
            virt = 1;
            reason = PRESCAN_REASON_POLICY;
            kind = PRESCAN_KIND_POLICY;
        } else if (o == 0 && virt && reason != PRESCAN_REASON_DEPRIVILEGE) {
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
    /* overlap, both orders, across every mode of the page and its pins */
    if (covers_virtualize_start(pg->phys, off, d.len)) {
        if (force_overlap(ps, pg, off))
            virt = 1;
        if (pg->attr[off] != na)
            reason = PRESCAN_REASON_OVERLAP;
    }
    if (virt && prescan_overlap_cascade(ps, pg->phys, off) != 0)
        return -1;
    na = pg->attr[off];

    if (ps->cfg.listen) {
        struct prescan_insn pi;
        fill_insn(&pi, ps, w.gpa, &d, off, virt, reason);
        struct prescan_event ev = { .type = PRESCAN_EV_CLASSIFY, .gpa = w.gpa, .mode = ps->mode,
                                    .length = d.len, .insn = &pi };
        ps->cfg.listen(ps->cfg.listen_ctx, &ev);
    }

    unsigned npushed = 0;
    struct prescan_work pushed[2];
    if (kind == PRESCAN_KIND_BRANCH && virt &&
        pend_push(ps, off, (unsigned)d.target_off) != 0)
        return -1;
    /* (pushed[] is built from the values, not read back from the worklist:
     * reading back what was just stored stalls, and this runs per step) */
    if (push_target) {
        pushed[npushed] = (struct prescan_work){ ps->page + (unsigned)d.target_off, w.depth + 1 };
        if (work_push(ps, pushed[npushed].gpa, pushed[npushed].depth) != 0)
            return -1;
        npushed++;
    }
    if (end == PRESCAN_END_CONTINUE) {
        unsigned next = off + d.len;
        if (next >= pg->hi) {
            end = PRESCAN_END_PAGE_END;
        } else {
            pushed[npushed] = (struct prescan_work){ ps->page + next, w.depth };
            if (work_push(ps, pushed[npushed].gpa, pushed[npushed].depth) != 0)
                return -1;
            npushed++;
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
        so->mnemonic = d.ok ? d.f.mnemonic : 0;
        so->mnemonic_name = d.ok ? ZydisMnemonicGetString((ZydisMnemonic)d.f.mnemonic) : "invalid";
        so->end = end;
        if (d.br != BR_NONE) {
            so->has_target = 1;
            so->target = ps->page + (uint64_t)d.target_off;
        }
        so->npushed = npushed;
        for (unsigned i = 0; i < npushed; i++)
            so->pushed[i] = pushed[i];
        so->worklist_len = ps->work.n;
        step_event(ps, so);
    }
    return 1;
}

int prescan_start(struct prescan *ps, uint64_t gpa, enum prescan_mode mode)
{
    if (scan_begin(ps, gpa, mode) != 0)
        return -1;
    if (work_push(ps, gpa, 0) != 0) {
        prescan_scan_reset(ps);
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
        prescan_scan_reset(ps);
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
        *items = ps ? ps->work.v : NULL;
    return ps && ps->active ? ps->work.n : 0;
}

enum prescan_reason prescan_reason_of(struct prescan *ps, uint64_t gpa, enum prescan_mode mode,
                                      const uint8_t *bytes, size_t n)
{
    uint8_t a = prescan_attr(ps, gpa, mode);
    if (!(a & PRESCAN_ATTR_SCANNED) || !(a & PRESCAN_ATTR_VIRTUALIZE))
        return PRESCAN_REASON_NONE;
    if (attr_kind(a) != PRESCAN_KIND_PLAIN)
        return reason_of(a, PRESCAN_REASON_NONE);
    struct attr_page *pg = prescan_page_find(ps, PAGE_OF(gpa), mode);
    unsigned off = (unsigned)(gpa & OFF_MASK);
    /* The decoders read at most this much from off: with the bytes given,
     * the rest of the scratch page is never looked at and only these are
     * copied; without them the page is read. */
    size_t need = pg && off < pg->hi ? pg->hi - off : 0;
    if (need > PRESCAN_MAX_INSN_LEN)
        need = PRESCAN_MAX_INSN_LEN;
    if (bytes && need && n >= need) {
        memcpy(ps->aux + off, bytes, need);
    } else if (ps->cfg.read(ps->cfg.read_ctx, PAGE_OF(gpa), ps->aux) != 0) {
        ps->st.read_errors++;
        return PRESCAN_REASON_NONE;
    }
    struct decoded d;
    decode_classify(ps, pg, ps->aux, off, &d);
    return d.reason;
}

enum prescan_reason prescan_reason_at(struct prescan *ps, uint64_t gpa, enum prescan_mode mode)
{
    return prescan_reason_of(ps, gpa, mode, NULL, 0);
}

int prescan_resolve_branch(struct prescan *ps, uint64_t gpa, enum prescan_mode mode)
{
    if (!ps || prescan_mode_index(mode) < 0)
        return -1;
    prescan_scan_reset(ps);
    struct attr_page *pg = prescan_page_find(ps, PAGE_OF(gpa), mode);
    unsigned off = (unsigned)(gpa & OFF_MASK);
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
    decode_classify(ps, pg, ps->bytes, off, &d);
    if (d.br == BR_NONE || !d.in_page) {
        prescan_scan_reset(ps);
        return 0;
    }
    unsigned t = (unsigned)d.target_off;
    if (pend_push(ps, off, t) != 0 ||
        (!(pg->attr[t] & PRESCAN_ATTR_SCANNED) && work_push(ps, ps->page + t, 0) != 0)) {
        prescan_scan_reset(ps);
        return -1;
    }
    if (run_to_end(ps) < 0)
        return -1;
    return (pg->attr[off] & PRESCAN_ATTR_VIRTUALIZE) ? 0 : 1;
}

/* ---- cross-page links ------------------------------------------------- */

/* Re-decodes the scanned instruction at off (the page as the guest wrote
 * it): 1 a static out-of-page branch that may be linked, 0 not, -1
 * unreadable.  Not a Jcc ending at the window's end: its fall-through
 * leaves the page too, and native it would leave without an exit. */
static int out_of_page_branch(struct prescan *ps, const struct attr_page *pg, unsigned off, struct decoded *d)
{
    if (ps->cfg.read(ps->cfg.read_ctx, pg->page, ps->aux) != 0) {
        ps->st.read_errors++;
        return -1;
    }
    decode_classify(ps, pg, ps->aux, off, d);
    return d->ok && d->br != BR_NONE && !d->in_page && d->reason == PRESCAN_REASON_BRANCH_OUT_OF_PAGE &&
           !(d->br == BR_COND && off + d->len >= pg->hi);
}

/* The attribute page of a scanned instruction at gpa (NULL: none), and its offset. */
static struct attr_page *scanned_at(const struct prescan *ps, uint64_t gpa, enum prescan_mode mode, unsigned *off)
{
    struct attr_page *pg = !ps || prescan_mode_index(mode) < 0 ? NULL : prescan_page_find(ps, PAGE_OF(gpa), mode);
    if (off)
        *off = (unsigned)(gpa & OFF_MASK);
    return pg && (pg->attr[gpa & OFF_MASK] & PRESCAN_ATTR_SCANNED) ? pg : NULL;
}

int prescan_branch_target(struct prescan *ps, uint64_t gpa, enum prescan_mode mode, int64_t *target_off)
{
    unsigned off;
    struct attr_page *pg = scanned_at(ps, gpa, mode, &off);
    struct decoded d;
    if (!pg)
        return 0;
    int r = out_of_page_branch(ps, pg, off, &d);
    if (r == 1 && target_off)
        *target_off = d.target_off;
    return r;
}

int prescan_link_branch(struct prescan *ps, uint64_t gpa, enum prescan_mode mode)
{
    unsigned off;
    struct attr_page *pg = scanned_at(ps, gpa, mode, &off);
    struct decoded d;
    uint8_t a = pg ? pg->attr[off] : 0;
    if (!pg)
        return 0;
    if (!(a & PRESCAN_ATTR_VIRTUALIZE))
        return attr_kind(a) == PRESCAN_KIND_BRANCH ? prescan_branch_target(ps, gpa, mode, NULL) : 0;
    if (attr_kind(a) != PRESCAN_KIND_PLAIN)
        return 0;                       /* overlap- or policy-forced: stays */
    int r = out_of_page_branch(ps, pg, off, &d);
    if (r != 1)
        return r;
    /* (a virtualize start inside it would have forced overlap; pins too --
     * checked again: a native instruction must never cover a trap) */
    if (covers_virtualize_start(pg->phys, off, d.len))
        return 0;
    pg->attr[off] = (uint8_t)(PRESCAN_ATTR_SCANNED | d.len | (PRESCAN_KIND_BRANCH << PRESCAN_ATTR_KIND_SHIFT));
    pg->nvirt--;
    ps->st.links++;
    EMIT(ps, PRESCAN_EV_BRANCH_FLIP, gpa, mode, d.len, 0);
    return 1;
}

int prescan_unlink_branch(struct prescan *ps, uint64_t gpa, enum prescan_mode mode)
{
    unsigned off;
    struct attr_page *pg = scanned_at(ps, gpa, mode, &off);
    struct decoded d;
    uint8_t a = pg ? pg->attr[off] : PRESCAN_ATTR_VIRTUALIZE;
    if ((a & PRESCAN_ATTR_VIRTUALIZE) || attr_kind(a) != PRESCAN_KIND_BRANCH)
        return 0;
    if (out_of_page_branch(ps, pg, off, &d) != 1)
        return 0;                       /* an in-page branch flipped by a scan */
    pg->attr[off] = (uint8_t)(PRESCAN_ATTR_SCANNED | PRESCAN_ATTR_VIRTUALIZE | attr_len(a));
    pg->nvirt++;
    ps->st.unlinks++;
    ps->st.virtualize[PRESCAN_REASON_BRANCH_OUT_OF_PAGE]++;
    EMIT(ps, PRESCAN_EV_OVERLAP, gpa, mode, attr_len(a), 0);   /* (the page changed: the monitor syncs it) */
    /* its first byte is a trap again: whatever covers it, in any mode, too */
    return prescan_overlap_cascade(ps, pg->phys, off) != 0 ? -1 : 1;
}

/* ---- precise invalidation --------------------------------------------- */

static int same_decode(const struct decoded *x, const struct decoded *y)
{
    if (x->ok != y->ok || x->len != y->len || x->reason != y->reason || x->end != y->end || x->br != y->br)
        return 0;
    if (x->ok && x->f.mnemonic != y->f.mnemonic)
        return 0;
    return x->br == BR_NONE || (x->target_off == y->target_off && x->in_page == y->in_page);
}

/* The classifier hook's verdict on an instruction as decoded from buf. */
static int hook_verdict(struct prescan *ps, const struct attr_page *m, const uint8_t *buf, unsigned off,
                        struct decoded *d)
{
    struct prescan_insn pi;
    if (!ps->cfg.classify)
        return -1;
    memset(&pi, 0, sizeof pi);
    pi.gpa = m->page + off;
    pi.mode = m->mode;
    pi.length = d->len;
    pi.mnemonic = d->ok ? d->f.mnemonic : 0;
    pi.mnemonic_name = d->ok ? ZydisMnemonicGetString((ZydisMnemonic)d->f.mnemonic) : "invalid";
    pi.bytes = buf + off;
    pi.zydis = zydis_insn(ps, m, buf, off, d);
    pi.virtualize = d->reason != PRESCAN_REASON_NONE;
    pi.reason = d->reason;
    return ps->cfg.classify(ps->cfg.classify_ctx, &pi);
}

int prescan_write_keeps(struct prescan *ps, uint64_t gpa, const uint8_t *data, size_t len)
{
    unsigned lo = (unsigned)(gpa & OFF_MASK);
    const struct phys_page *pp = ps ? prescan_phys_find(ps, PAGE_OF(gpa)) : NULL;
    if (!pp || len == 0 || len > PRESCAN_PAGE_SIZE - lo)
        return 0;
    if (ps->active && ps->page == PAGE_OF(gpa))
        return 0;                       /* a steppable scan holds the old bytes: the page rule abandons it */
    if (ps->cfg.read(ps->cfg.read_ctx, PAGE_OF(gpa), ps->aux) != 0) {
        ps->st.read_errors++;
        return 0;
    }
    memcpy(ps->aux2, ps->aux, PRESCAN_PAGE_SIZE);
    memcpy(ps->aux2 + lo, data, len);
    unsigned hi = lo + (unsigned)len;
    unsigned from = lo >= PRESCAN_MAX_INSN_LEN - 1 ? lo - (PRESCAN_MAX_INSN_LEN - 1) : 0;
    for (const struct attr_page *m = pp->modes; m; m = m->next)
        for (unsigned p = from; p < hi; p++) {
            uint8_t a = m->attr[p];
            if (!(a & PRESCAN_ATTR_SCANNED) || p + attr_len(a) <= lo)
                continue;
            struct decoded was, now;
            if (attr_kind(a) == PRESCAN_KIND_POLICY)
                return 0;
            decode_classify(ps, m, ps->aux, p, &was);
            decode_classify(ps, m, ps->aux2, p, &now);
            if (!same_decode(&was, &now) || was.len != attr_len(a) || was.reason == PRESCAN_REASON_CROSSES_PAGE)
                return 0;
            /* a classifier (plugins) may decide on any byte: it must say the same of both */
            if (hook_verdict(ps, m, ps->aux, p, &was) != hook_verdict(ps, m, ps->aux2, p, &now))
                return 0;
        }
    return 1;
}
