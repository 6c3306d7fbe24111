/* pages.c — the engine's lifecycle and its tables: physical pages (with
 * their pinned offsets) in a hash table, each holding one attribute page
 * per decode mode; queries and statistics. */
#include <stdlib.h>
#include <string.h>

#include "prescan/prescan_priv.h"

void prescan_emit(struct prescan *ps, enum prescan_event_type type, uint64_t gpa,
                  enum prescan_mode mode, unsigned length, size_t count)
{
    struct prescan_event ev = { .type = type, .gpa = gpa, .mode = mode,
                                .length = length, .count = count };
    ps->cfg.listen(ps->cfg.listen_ctx, &ev);
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
    if (!ps->buckets || prescan_decoders_init(ps->dec, cfg->amd_branches) != 0) {
        free(ps->buckets);
        free(ps);
        return NULL;
    }
    prescan_policy_defaults(ps->policy);
    prescan_update_memory(ps);
    return ps;
}

void prescan_free(struct prescan *ps)
{
    if (!ps)
        return;
    for (size_t i = 0; i < ps->nbuckets; i++) {
        struct phys_page *pp = ps->buckets[i];
        while (pp) {
            struct phys_page *next = pp->hnext;
            for (struct attr_page *p = pp->modes, *n; p; p = n) {
                n = p->next;
                free(p);
            }
            free(pp->pins);
            free(pp);
            pp = next;
        }
    }
    free(ps->buckets);
    VEC_FREE(&ps->work);
    VEC_FREE(&ps->pend);
    VEC_FREE(&ps->cascade);
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

/* ---- physical pages --------------------------------------------------- */

static size_t bucket_of(size_t nbuckets, uint64_t page)
{
    uint64_t k = (page >> 12) * 0x9E3779B97F4A7C15ull;
    return (size_t)(k >> 32) & (nbuckets - 1);
}

void prescan_update_memory(struct prescan *ps)
{
    ps->st.page_memory = ps->npages * sizeof(struct attr_page) + ps->nphys * sizeof(struct phys_page)
                       + ps->nbuckets * sizeof(struct phys_page *);
}

struct phys_page *prescan_phys_find(const struct prescan *ps, uint64_t page)
{
    for (struct phys_page *p = ps->buckets[bucket_of(ps->nbuckets, page)]; p; p = p->hnext)
        if (p->page == page)
            return p;
    return NULL;
}

static int table_grow(struct prescan *ps)
{
    size_t n = ps->nbuckets * 2;
    struct phys_page **nb = calloc(n, sizeof *nb);
    if (!nb)
        return -1;
    for (size_t i = 0; i < ps->nbuckets; i++) {
        struct phys_page *p = ps->buckets[i];
        while (p) {
            struct phys_page *next = p->hnext;
            size_t b = bucket_of(n, p->page);
            p->hnext = nb[b];
            nb[b] = p;
            p = next;
        }
    }
    free(ps->buckets);
    ps->buckets = nb;
    ps->nbuckets = n;
    return 0;
}

struct phys_page *prescan_phys_get(struct prescan *ps, uint64_t page)
{
    struct phys_page *p = prescan_phys_find(ps, page);
    if (p)
        return p;
    if (ps->nphys >= ps->nbuckets && table_grow(ps) != 0)
        return NULL;
    p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->page = page;
    size_t b = bucket_of(ps->nbuckets, page);
    p->hnext = ps->buckets[b];
    ps->buckets[b] = p;
    ps->nphys++;
    prescan_update_memory(ps);
    return p;
}

/* A physical page with no modes and no pins goes. */
void prescan_phys_drop_if_empty(struct prescan *ps, struct phys_page *pp)
{
    if (pp->modes || pp->npins)
        return;
    struct phys_page **pl = &ps->buckets[bucket_of(ps->nbuckets, pp->page)];
    while (*pl && *pl != pp)
        pl = &(*pl)->hnext;
    if (*pl)
        *pl = pp->hnext;
    free(pp->pins);
    free(pp);
    ps->nphys--;
    prescan_update_memory(ps);
}

/* ---- attribute pages -------------------------------------------------- */

struct attr_page *prescan_page_find(const struct prescan *ps, uint64_t page, enum prescan_mode mode)
{
    const struct phys_page *pp = prescan_phys_find(ps, page);
    for (struct attr_page *p = pp ? pp->modes : NULL; p; p = p->next)
        if (p->mode == mode)
            return p;
    return NULL;
}

struct attr_page *prescan_page_get(struct prescan *ps, uint64_t page, enum prescan_mode mode)
{
    struct attr_page *p = prescan_page_find(ps, page, mode);
    if (p)
        return p;
    struct phys_page *pp = prescan_phys_get(ps, page);
    if (!pp)
        return NULL;
    p = calloc(1, sizeof *p);
    if (!p) {
        prescan_phys_drop_if_empty(ps, pp);
        return NULL;
    }
    p->page = page;
    p->phys = pp;
    p->mode = mode;
    p->lo = prescan_mode_lo(mode);
    p->hi = prescan_mode_hi(mode);
    p->next = pp->modes;
    pp->modes = p;
    ps->npages++;
    ps->st.pages_allocated++;
    ps->st.pages_live = ps->npages;
    prescan_update_memory(ps);
    EMIT(ps, PRESCAN_EV_PAGE_ALLOC, page, mode, 0, 0);
    return p;
}

int prescan_inside_native(const struct prescan *ps, uint64_t gpa)
{
    const struct phys_page *pp = ps ? prescan_phys_find(ps, PAGE_OF(gpa)) : NULL;
    unsigned t = (unsigned)(gpa & OFF_MASK);
    unsigned lo = t >= PRESCAN_MAX_INSN_LEN - 1 ? t - (PRESCAN_MAX_INSN_LEN - 1) : 0;
    for (const struct attr_page *m = pp ? pp->modes : NULL; m; m = m->next)
        for (unsigned p = lo; p < t; p++) {
            uint8_t a = m->attr[p];
            if ((a & PRESCAN_ATTR_SCANNED) && !(a & PRESCAN_ATTR_VIRTUALIZE) && p + attr_len(a) > t)
                return 1;
        }
    return 0;
}

int prescan_covered(const struct prescan *ps, uint64_t gpa)
{
    const struct phys_page *pp = ps ? prescan_phys_find(ps, PAGE_OF(gpa)) : NULL;
    unsigned t = (unsigned)(gpa & OFF_MASK);
    unsigned lo = t >= PRESCAN_MAX_INSN_LEN - 1 ? t - (PRESCAN_MAX_INSN_LEN - 1) : 0;
    for (const struct attr_page *m = pp ? pp->modes : NULL; m; m = m->next)
        for (unsigned p = lo; p <= t; p++) {
            uint8_t a = m->attr[p];
            if ((a & PRESCAN_ATTR_SCANNED) && p + attr_len(a) > t)
                return 1;
        }
    return 0;
}

/* ---- queries ----------------------------------------------------------- */

uint8_t prescan_attr(const struct prescan *ps, uint64_t gpa, enum prescan_mode mode)
{
    if (!ps || prescan_mode_index(mode) < 0)
        return 0;
    const struct attr_page *p = prescan_page_find(ps, PAGE_OF(gpa), mode);
    return p ? p->attr[gpa & OFF_MASK] : 0;
}

const uint8_t *prescan_attr_page(const struct prescan *ps, uint64_t page_gpa, enum prescan_mode mode)
{
    if (!ps || prescan_mode_index(mode) < 0)
        return NULL;
    const struct attr_page *p = prescan_page_find(ps, PAGE_OF(page_gpa), mode);
    return p ? p->attr : NULL;
}

size_t prescan_pages_at(const struct prescan *ps, uint64_t page_gpa)
{
    const struct phys_page *pp = ps ? prescan_phys_find(ps, PAGE_OF(page_gpa)) : NULL;
    size_t n = 0;
    for (const struct attr_page *p = pp ? pp->modes : NULL; p; p = p->next)
        n++;
    return n;
}

void prescan_virtualize_starts(const struct prescan *ps, uint64_t page_gpa, uint8_t out[PRESCAN_PAGE_SIZE])
{
    const struct phys_page *pp = ps ? prescan_phys_find(ps, PAGE_OF(page_gpa)) : NULL;
    memset(out, 0, PRESCAN_PAGE_SIZE);
    for (const struct attr_page *p = pp ? pp->modes : NULL; p; p = p->next)
        for (unsigned i = 0; i < PRESCAN_PAGE_SIZE; i++)
            if ((p->attr[i] & (PRESCAN_ATTR_SCANNED | PRESCAN_ATTR_VIRTUALIZE)) ==
                (PRESCAN_ATTR_SCANNED | PRESCAN_ATTR_VIRTUALIZE))
                out[i] = 1;
}

size_t prescan_pages(const struct prescan *ps, struct prescan_page_info *out, size_t max)
{
    if (!ps)
        return 0;
    size_t n = 0;
    for (size_t b = 0; b < ps->nbuckets; b++)
        for (const struct phys_page *pp = ps->buckets[b]; pp; pp = pp->hnext)
            for (const struct attr_page *p = pp->modes; p; p = p->next) {
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
