/* links.c — cross-page links (`set links on`): a static out-of-page
 * branch made native once its target is scanned, and the reverse map that
 * re-virtualizes it when the target page is dumped.
 *
 * The attribute pages speak of physical pages; a direct branch's target is
 * linear (the source's linear address + displacement).  Between two exits
 * native code now runs in several linear pages, so a link is valid only
 * while both of its linear->physical mappings stay as they were when it was
 * made:
 *   - the target's walk is kept read-only (paging.c, ENF_PT_LINKS); a
 *     guest write into it cuts every link, and the TLB is flushed when a
 *     link is made (no stale translation of the target survives);
 *   - a new CR3/CR0/CR4/EFER (they change only at an exit) cuts every link;
 *   - each physical page involved in links is run at one linear page: a
 *     page's outgoing links were computed from it, its incoming links land
 *     through it.  A link that would disagree first cuts the page's links,
 *     and resuming in a page at another linear address (an alias) cuts the
 *     links out of it before the guest runs.
 * Only 64-bit code is linked (no segment base, no 16-bit IP wrap).  The
 * reverse map is one list searched by page: links are few (one per static
 * cross-page branch executed), invalidations are rarer than exits. */
#include <inttypes.h>
#include <string.h>

#include "monitor/enforce/enforce_priv.h"

static void links_key(const struct cpu_view *c, uint64_t key[3])
{
    key[0] = c->sregs.cr3;
    key[1] = c->sregs.cr0 ^ (c->sregs.cr4 << 1);
    key[2] = c->sregs.efer;
}

/* Re-virtualizes link i (its trap goes back at the next sync) and drops it. */
static int cut(struct enf *ef, size_t i)
{
    struct enf_link l = ef->links.v[i];
    ef->links.v[i] = ef->links.v[--ef->links.n];
    ef->st.links_cut++;
    if (prescan_unlink_branch(ef->ps, l.src, PRESCAN_MODE_64) < 0) {
        enf_fail(ef, "out of memory");
        return -1;
    }
    enf_touch(ef, PAGE_OF(l.src));
    return 0;
}

int enf_links_cut_all(struct enf *ef)
{
    while (ef->links.n)
        if (cut(ef, ef->links.n - 1) != 0)
            return -1;
    enf_paging_mark_stale(ef, ENF_PT_LINKS);
    if (enf_paging_drop_stale(ef) != 0)
        return -1;
    return enf_sync_touched(ef);
}

/* Cuts the links that run physical page `page` at another linear page
 * than `lpage` (out of it, or into it); out_only: only those out of it. */
static int cut_disagreeing(struct enf *ef, uint64_t page, uint64_t lpage, int out_only)
{
    for (size_t i = ef->links.n; i-- > 0;) {
        const struct enf_link *l = &ef->links.v[i];
        int bad = (PAGE_OF(l->src) == page && l->src_lpage != lpage) ||
                  (!out_only && PAGE_OF(l->tgt) == page && l->tgt_lpage != lpage);
        if (bad && cut(ef, i) != 0)
            return -1;
    }
    return 0;
}

/* A page is dumped: its links out are gone with its attributes, the links
 * into it are made virtualize again now, before the guest runs. */
int enf_links_page_dumped(struct enf *ef, uint64_t page)
{
    for (size_t i = ef->links.n; i-- > 0;) {
        if (PAGE_OF(ef->links.v[i].src) == page) {
            ef->links.v[i] = ef->links.v[--ef->links.n];
            ef->st.links_cut++;
        } else if (PAGE_OF(ef->links.v[i].tgt) == page && cut(ef, i) != 0) {
            return -1;
        }
    }
    return enf_sync_touched(ef);
}

/* Before the guest runs again with RIP at (lin, gpa). */
int enf_links_guard(struct enf *ef, const struct cpu_view *c, uint64_t lin, uint64_t gpa)
{
    uint64_t key[3];
    if (!ef->links.n)
        return 0;
    links_key(c, key);
    if (memcmp(key, ef->links_key, sizeof key) != 0)
        return enf_links_cut_all(ef);
    if (cut_disagreeing(ef, PAGE_OF(gpa), PAGE_OF(lin), 1) != 0)
        return -1;
    return enf_sync_touched(ef);
}

/* At the trap of a virtualize out-of-page branch (64-bit code): link it
 * if its target is (or can now be) scanned.  1 linked (resume on it,
 * native), 0 not, -1 error. */
int enf_link_try(struct enf *ef, const struct cpu_view *c, uint64_t linear, uint64_t gpa)
{
    int64_t toff;
    uint64_t tgt_gpa, key[3];
    if (!ef->cfg.links || c->mode != 64 || enf_pmode(c, linear) != PRESCAN_MODE_64 ||
        prescan_branch_target(ef->ps, gpa, PRESCAN_MODE_64, &toff) != 1)
        return 0;
    uint64_t tgt_lin = PAGE_OF(linear) + (uint64_t)toff;
    if ((uint64_t)((int64_t)(tgt_lin << 16) >> 16) != tgt_lin || gmem_translate(ef->vm, tgt_lin, 0, &tgt_gpa) != 0 || enf_in_monitor(ef, tgt_gpa) ||
        PAGE_OF(tgt_gpa) == PAGE_OF(gpa))
        return 0;                       /* (the same physical page at two linear pages: no link) */
    if (enf_ensure_scanned_mode(ef, tgt_lin, PRESCAN_MODE_64) != 0)
        return -1;
    if (!(prescan_attr(ef->ps, tgt_gpa, PRESCAN_MODE_64) & PRESCAN_ATTR_SCANNED))
        return 0;
    links_key(c, key);
    if (ef->links.n && memcmp(key, ef->links_key, sizeof key) != 0 && enf_links_cut_all(ef) != 0)
        return -1;
    memcpy(ef->links_key, key, sizeof key);
    if (cut_disagreeing(ef, PAGE_OF(gpa), PAGE_OF(linear), 0) != 0 ||
        cut_disagreeing(ef, PAGE_OF(tgt_gpa), PAGE_OF(tgt_lin), 0) != 0)
        return -1;
    /* the target's walk stays as it is now, or the links go */
    struct gmem_paging pg = { c->sregs.cr0, c->sregs.cr3, c->sregs.cr4, c->sregs.efer, c->cpl };
    struct enf_ptpage path[ENF_PATH_MAX];
    int n = enf_paging_path(ef, &pg, tgt_lin, path);
    if (enf_paging_want(ef, ENF_PT_LINKS, path, n) != 0)
        return -1;
    int r = prescan_link_branch(ef->ps, gpa, PRESCAN_MODE_64);
    if (r != 1)
        return enf_sync_touched(ef) != 0 ? -1 : 0;
    struct enf_link l = { gpa, tgt_gpa, PAGE_OF(linear), PAGE_OF(tgt_lin) };
    if (VEC_PUSH(&ef->links, l) != 0) {
        prescan_unlink_branch(ef->ps, gpa, PRESCAN_MODE_64);
        enf_fail(ef, "out of memory");
        return -1;
    }
    ef->st.links_made++;
    ef->flush_tlb = 1;
    return enf_sync_touched(ef) != 0 ? -1 : 1;
}

void enf_set_links(struct enf *ef, int on)
{
    ef->cfg.links = on;
    if (!on)
        enf_links_cut_all(ef);
}
int enf_links(const struct enf *ef) { return ef->cfg.links; }
void enf_set_smc(struct enf *ef, int insn) { ef->cfg.smc_insn = insn; }
int enf_smc_insn(const struct enf *ef) { return ef->cfg.smc_insn; }

size_t enf_links_into_page(const struct enf *ef, uint64_t page, uint8_t out[BASE_PAGE_SIZE])
{
    size_t n = 0;
    if (out)
        memset(out, 0, BASE_PAGE_SIZE);
    for (size_t i = 0; i < ef->links.n; i++)
        if (PAGE_OF(ef->links.v[i].tgt) == page) {
            n++;
            if (out)
                out[base_page_off(ef->links.v[i].tgt)] = 1;
        }
    return n;
}

void enf_links_free(struct enf *ef)
{
    VEC_FREE(&ef->links);
}
