/* write.c — writes into protected pages.  The guest's own (a store KVM
 * reported as MMIO and did not perform), scout's emulated ones, injected
 * ones and the stores of an unprotected in-place step (found by diffing the
 * page against a snapshot) all take one path: the write check, then
 * invalidate or count a data write, then the bytes go into guest memory
 * around trap bytes (a write onto a trap byte updates its saved original). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/enforce/enforce_priv.h"

/* A store overlapping a watched range: remember it (bytes before and
 * after) and stop the run once this exit is handled. */
static void watch_before(struct enf *ef, uint64_t gpa, size_t len, int *hit, uint8_t old[8])
{
    *hit = -1;
    for (unsigned i = 0; i < ef->nwatch && *hit < 0; i++)
        if (gpa < ef->watch[i].gpa + ef->watch[i].len && ef->watch[i].gpa < gpa + len)
            *hit = (int)i;
    if (*hit >= 0) {
        memset(old, 0, 8);
        gmem_read_phys(ef->vm, ef->watch[*hit].gpa, old, ef->watch[*hit].len < 8 ? ef->watch[*hit].len : 8);
        enf_trap_undo(ef->tt, ef->watch[*hit].gpa, old, ef->watch[*hit].len < 8 ? ef->watch[*hit].len : 8);
    }
}

static void watch_after(struct enf *ef, int hit, const uint8_t old[8], uint64_t gpa, size_t len)
{
    struct enf_watch_hit *w = &ef->watch_hit;
    unsigned n = ef->watch[hit].len < 8 ? ef->watch[hit].len : 8;
    w->gpa = ef->watch[hit].gpa;
    w->len = ef->watch[hit].len;
    w->write_gpa = gpa;
    w->write_len = (unsigned)len;
    memcpy(w->old, old, 8);
    memset(w->now, 0, 8);
    gmem_read_phys(ef->vm, w->gpa, w->now, n);
    enf_trap_undo(ef->tt, w->gpa, w->now, n);
    ef->have_watch_hit = 1;
    ef->stop_now = 1;
    ef->stop_kind = ENF_STOP_WATCH;
    ef->stop_gpa = w->gpa;             /* the hooks stop the run at the end of this exit */
}

/* A page's attributes and traps dropped, and the links out of it cut: it
 * is scanned again when reached.  The attribute bytes dropped, or -1. */
static long dump_page(struct enf *ef, uint64_t page)
{
    size_t dropped = prescan_invalidate_page(ef->ps, page);
    enf_drop_page_traps(ef, page);
    ef->touched.n = 0;
    ef->st.invalidations++;
    ef->st.attrs_dropped += dropped;
    return enf_links_page_dumped(ef, page) != 0 ? -1 : (long)dropped;
}

int enf_apply_write(struct enf *ef, uint64_t gpa, const uint8_t *data, size_t len, int injected)
{
    int watch_hit;
    uint8_t watch_old[8];
    watch_before(ef, gpa, len, &watch_hit, watch_old);
    struct cpu_view c;
    uint64_t rip_page = UINT64_MAX, rip_gpa;
    if (enf_cpu_load(ef, &c) == 0 && gmem_translate(ef->vm, enf_cpu_linear(&c, c.regs.rip), 0, &rip_gpa) == 0)
        rip_page = PAGE_OF(rip_gpa);
    size_t done = 0;
    while (done < len) {
        uint64_t a = gpa + done, page = PAGE_OF(a);
        size_t n = base_page_chunk(a, len - done);
        if (enf_depriv_guarded(ef, page)) {
            ef->st.refused++;
            enf_fail(ef, "refused to go on deprivileged: the guest wrote scout's reserved region at 0x%" PRIx64
                     " (kept from it in this mode)", a);
            return -1;
        }
        struct prescan_write_hit hit = { 0 };
        struct scout_event ev;
        memset(&ev, 0, sizeof(ev));
        int code = enf_page_has_attrs(ef, page);
        int hit_code = code && prescan_write_check(ef->ps, a, n, &hit) == 1;
        /* smc insn: instructions rewritten in place (same length, mnemonic,
         * reason, target) keep the page; a write over two pages does not */
        if (hit_code && ef->cfg.smc_insn && n == len && prescan_write_keeps(ef->ps, a, data, n) == 1) {
            ef->st.smc_kept++;
            ev.type = SCOUT_EV_DATA_WRITE;
            ev.u.write.gpa = a;
            ev.u.write.len = (unsigned)n;
            ev.u.write.injected = injected;
            ev.u.write.kept = 1;
        } else if (hit_code) {
            ef->st.smc_dumped += ef->cfg.smc_insn != 0;
            long dropped = dump_page(ef, page);
            if (dropped < 0)
                return -1;
            if (page == rip_page)
                ef->invalidated_rip_page = 1;
            ev.type = SCOUT_EV_INVALIDATE;
            ev.u.invalidate.page = page;
            ev.u.invalidate.write = a;
            ev.u.invalidate.len = (unsigned)n;
            ev.u.invalidate.hit = hit.insn_gpa;
            ev.u.invalidate.dropped = (size_t)dropped;
            ev.u.invalidate.injected = injected;
        } else if (code) {
            ef->st.data_writes++;
            ev.type = SCOUT_EV_DATA_WRITE;
            ev.u.write.gpa = a;
            ev.u.write.len = (unsigned)n;
            ev.u.write.injected = injected;
        } else {
            ev.type = SCOUT_EV_COUNT;   /* not a code page: nothing to tell */
        }
        /* a table page: followed again at the end of this exit if its bytes change */
        uint8_t before[BASE_PAGE_SIZE];
        int table = enf_is_table_page(&ef->tables, page), known = 0;
        if (table && gmem_read_phys(ef->vm, a, before, n) == 0) {
            enf_trap_undo(ef->tt, a, before, n);
            known = 1;
        }
        if (enf_trap_guest_write(ef->tt, a, data + done, n) != 0) {
            enf_fail(ef, "write of %zu bytes at 0x%" PRIx64 " is outside guest memory", n, a);
            return -1;
        }
        if (ev.type != SCOUT_EV_COUNT)
            enf_emit(ef, &ev);
        if (table && (!known || memcmp(before, data + done, n) != 0))
            enf_tables_written(ef, a, n);
        /* (a link's target may map elsewhere now) */
        unsigned pt_why = enf_is_paging_page(&ef->ptpages, page) ? enf_paging_written(ef, a, n) : 0;
        if ((pt_why & ENF_PT_LINKS) && enf_links_cut_all(ef) != 0)
            return -1;
        if (pt_why & ENF_PT_SHADOW)
            ef->dp.shadow_stale = 1;    /* (--deprivilege: the shadow mirrors this page) */
        if (enf_sync_protection(ef, page) != 0)
            return -1;
        done += n;
    }
    if (watch_hit >= 0 && !injected)
        watch_after(ef, watch_hit, watch_old, gpa, len);
    return 0;
}

int enf_inject_write(struct enf *ef, uint64_t gpa, const void *data, size_t len,
                     char *err, size_t errlen)
{
    if (len == 0)
        return 0;
    if (gpa >= vm_mem_size(ef->vm) || len > vm_mem_size(ef->vm) - gpa)
        return base_err(err, errlen, "0x%" PRIx64 "+%zu is outside guest memory (0x%" PRIx64 " bytes)",
                        gpa, len, vm_mem_size(ef->vm));
    ef->st.injected_writes++;
    ef->failed = 0;
    if (enf_apply_write(ef, gpa, data, len, 1) != 0)
        return base_err(err, errlen, "%s", ef->errmsg);
    /* If RIP's page was dropped, rescan there now so the next run is safe;
     * if a table changed, follow it now. */
    struct cpu_view c;
    if (enf_cpu_load(ef, &c) == 0) {
        if (ef->invalidated_rip_page)
            enf_ensure_scanned(ef, &c, enf_cpu_linear(&c, c.regs.rip));
        enf_tables_check(ef, &c);
    }
    ef->invalidated_rip_page = 0;
    if (ef->failed)
        return base_err(err, errlen, "%s", ef->errmsg);
    return 0;
}

/* ── unprotected steps ───────────────────────────────────────────────── *
 * An instruction executed in place whose stores KVM cannot report one by
 * one (several stores, stores of more than 8 bytes, or instructions its
 * emulator does not know) runs with the pages it writes made writable;
 * when the step ends, each page is protected again and compared with its
 * snapshot, and whatever changed goes through the write path (the page is
 * put back first, so the write check sees the old code). */

int enf_unprotect_for_step(struct enf *ef, uint64_t page)
{
    for (size_t i = 0; i < ef->unprot.n; i++)
        if (ef->unprot.v[i].page == page)
            return 0;
    if (memslot_is_protected(ef->vm, page) != 1)
        return 0;
    struct enf_unprot u = { page, malloc(PAGE_SIZE) };
    if (!u.before || gmem_read_phys(ef->vm, page, u.before, PAGE_SIZE) != 0 || VEC_PUSH(&ef->unprot, u) != 0) {
        free(u.before);
        enf_fail(ef, "out of memory");
        return -1;
    }
    if (memslot_unprotect(ef->vm, page) != 0) {
        enf_fail(ef, "cannot unprotect page 0x%" PRIx64 ": %s", page, strerror(errno));
        return -1;
    }
    ef->st.pages_unprotected++;
    return 0;
}

void enf_reprotect_after_step(struct enf *ef)
{
    static uint8_t after[PAGE_SIZE];
    while (ef->unprot.n) {
        struct enf_unprot u = ef->unprot.v[--ef->unprot.n];
        if (memslot_protect(ef->vm, u.page) != 0)
            enf_fail(ef, "cannot protect page 0x%" PRIx64 " again: %s", u.page, strerror(errno));
        else
            ef->st.pages_protected++;
        if (gmem_read_phys(ef->vm, u.page, after, PAGE_SIZE) == 0 &&
            gmem_write_phys(ef->vm, u.page, u.before, PAGE_SIZE) == 0) {
            for (unsigned off = 0; off < PAGE_SIZE;) {
                if (after[off] == u.before[off]) {
                    off++;
                    continue;
                }
                unsigned end = off;
                while (end < PAGE_SIZE && after[end] != u.before[end])
                    end++;
                enf_apply_write(ef, u.page + off, after + off, end - off, 0);
                off = end;
            }
        }
        free(u.before);
        enf_sync_protection(ef, u.page);
    }
}

/* Every page scanned so far is dropped, as a write into each would drop
 * it: scanned again when reached, under the rules in force now (a policy
 * switched: --deprivilege's).  The caller rescans RIP before the guest
 * runs (enf_prepare). */
int enf_dump_pages(struct enf *ef)
{
    size_t n = prescan_pages(ef->ps, NULL, 0);
    struct prescan_page_info *pi = n ? calloc(n, sizeof *pi) : NULL;
    if (n && !pi) {
        enf_fail(ef, "out of memory");
        return -1;
    }
    n = prescan_pages(ef->ps, pi, n);
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        uint64_t page = pi[i].page_gpa;
        if (!prescan_pages_at(ef->ps, page))
            continue;                   /* (another mode's entry for a page dropped already) */
        rc = dump_page(ef, page) < 0 || enf_sync_protection(ef, page) != 0 ? -1 : 0;
    }
    free(pi);
    return rc;
}

int enf_sync_reserved(struct enf *ef)
{
    for (uint64_t p = vm_reserved_base(ef->vm); p < vm_mem_size(ef->vm); p += PAGE_SIZE)
        if (enf_sync_protection(ef, p) != 0)
            return -1;
    return 0;
}
