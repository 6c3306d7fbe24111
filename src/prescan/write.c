/* write.c — guest writes to code pages: the write check (every mode, a
 * look-back of 14 bytes for instructions covering the range) and the
 * invalidation of a whole page. */
#include <stdlib.h>

#include "prescan/prescan_priv.h"

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

/* Checks the written range [lo, hi) within one page, every mode; lowest
   hit address wins. */
static int check_page(const struct prescan *ps, uint64_t page, unsigned lo, unsigned hi,
                      struct prescan_write_hit *hit)
{
    int found = 0;
    const struct phys_page *pp = prescan_phys_find(ps, page);
    for (const struct attr_page *pg = pp ? pp->modes : NULL; pg; pg = pg->next) {
        struct prescan_write_hit h;
        if (check_page_range(pg, lo, hi, &h)) {
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
    uint64_t first_page = PAGE_OF(gpa), last_page = PAGE_OF(last);
    int found = 0;
    if (((last_page - first_page) >> 12) < 64) {
        for (uint64_t page = first_page;; page += PRESCAN_PAGE_SIZE) {
            unsigned lo = page == first_page ? (unsigned)(gpa & OFF_MASK) : 0;
            unsigned hi = page == last_page ? (unsigned)(last & OFF_MASK) + 1 : PRESCAN_PAGE_SIZE;
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
            for (const struct phys_page *pp = ps->buckets[b]; pp; pp = pp->hnext) {
                if (pp->page < first_page || pp->page > last_page)
                    continue;
                unsigned lo = pp->page == first_page ? (unsigned)(gpa & OFF_MASK) : 0;
                unsigned hi = pp->page == last_page ? (unsigned)(last & OFF_MASK) + 1 : PRESCAN_PAGE_SIZE;
                struct prescan_write_hit x;
                if (check_page(ps, pp->page, lo, hi, &x) && (!found || x.insn_gpa < h.insn_gpa)) {
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
    uint64_t page = PAGE_OF(page_gpa);
    struct phys_page *pp = prescan_phys_find(ps, page);
    if (!pp || !pp->modes)
        return 0;
    size_t dropped = 0;
    while (pp->modes) {
        struct attr_page *p = pp->modes;
        pp->modes = p->next;
        if (ps->pg == p)
            prescan_scan_reset(ps);
        dropped += p->nscanned;
        ps->npages--;
        ps->st.pages_freed++;
        EMIT(ps, PRESCAN_EV_PAGE_FREE, page, p->mode, 0, p->nscanned);
        free(p);
    }
    ps->st.invalidations++;
    ps->st.pages_live = ps->npages;
    prescan_phys_drop_if_empty(ps, pp);     /* pins keep it */
    prescan_update_memory(ps);
    return dropped;
}
