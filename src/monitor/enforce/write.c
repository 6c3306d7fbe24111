/* write.c — writes into protected pages: the guest's own (completed by
 * KVM, applied here), scout's emulated ones and injected ones all take
 * one path: write check, then invalidate or count a data write. */
#include <Zydis/Zydis.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/enforce/enforce_priv.h"

/* ── writes into protected pages ─────────────────────────────────────── */

int enf_apply_write(struct enf *ef, uint64_t gpa, const uint8_t *data, size_t len, int injected)
{
    struct cpu_view c;
    uint64_t rip_page = UINT64_MAX, rip_gpa;
    if (enf_cpu_load(ef, &c) == 0 && gmem_translate(ef->vm, enf_cpu_linear(&c, c.regs.rip), 0, &rip_gpa) == 0)
        rip_page = PAGE_OF(rip_gpa);
    size_t done = 0;
    while (done < len) {
        uint64_t a = gpa + done, page = PAGE_OF(a);
        size_t n = PAGE_SIZE - (a - page);
        if (n > len - done)
            n = len - done;
        struct prescan_write_hit hit = { 0 };
        struct scout_event ev;
        memset(&ev, 0, sizeof(ev));
        if (enf_page_has_attrs(ef, page) && prescan_write_check(ef->ps, a, n, &hit) == 1) {
            size_t dropped = prescan_invalidate_page(ef->ps, page);
            enf_drop_page_traps(ef, page);
            ef->ntouched = 0;
            ef->st.invalidations++;
            ef->st.attrs_dropped += dropped;
            if (page == rip_page)
                ef->invalidated_rip_page = 1;
            ev.type = SCOUT_EV_INVALIDATE;
            ev.u.invalidate.page = page;
            ev.u.invalidate.write = a;
            ev.u.invalidate.len = (unsigned)n;
            ev.u.invalidate.hit = hit.insn_gpa;
            ev.u.invalidate.dropped = dropped;
            ev.u.invalidate.injected = injected;
        } else if (enf_page_has_attrs(ef, page)) {
            ef->st.data_writes++;
            ev.type = SCOUT_EV_DATA_WRITE;
            ev.u.write.gpa = a;
            ev.u.write.len = (unsigned)n;
            ev.u.write.injected = injected;
        } else {
            ev.type = SCOUT_EV_COUNT;   /* not a code page: nothing to tell */
        }
        if (enf_trap_guest_write(ef->tt, a, data + done, n) != 0) {
            enf_fail(ef, "write of %zu bytes at 0x%" PRIx64 " is outside guest memory", n, a);
            return -1;
        }
        if (ev.type != SCOUT_EV_COUNT)
            enf_emit(ef, &ev);
        if (enf_sync_protection(ef, page) != 0)
            return -1;
        done += n;
    }
    return 0;
}

int enf_inject_write(struct enf *ef, uint64_t gpa, const void *data, size_t len,
                         char *err, size_t errlen)
{
    if (len == 0)
        return 0;
    if (gpa >= vm_mem_size(ef->vm) || len > vm_mem_size(ef->vm) - gpa) {
        snprintf(err, errlen, "0x%" PRIx64 "+%zu is outside guest memory (0x%" PRIx64 " bytes)",
                 gpa, len, vm_mem_size(ef->vm));
        return -1;
    }
    ef->st.injected_writes++;
    ef->failed = 0;
    if (enf_apply_write(ef, gpa, data, len, 1) != 0) {
        snprintf(err, errlen, "%s", ef->errmsg);
        return -1;
    }
    /* If RIP's page was dropped, rescan there now so the next run is safe. */
    struct cpu_view c;
    if (ef->invalidated_rip_page && enf_cpu_load(ef, &c) == 0)
        enf_ensure_scanned(ef, enf_cpu_linear(&c, c.regs.rip), c.mode);
    ef->invalidated_rip_page = 0;
    if (ef->failed) {
        snprintf(err, errlen, "%s", ef->errmsg);
        return -1;
    }
    return 0;
}

