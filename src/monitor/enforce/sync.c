/* sync.c — guest code as the guest wrote it, the CPU view, and the traps
 * and write protection that follow the engine's attribute pages: every
 * virtualize instruction (of any mode) has a trap, and every page with
 * attributes, traps or followed table data is read-only to KVM. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/enforce/enforce_priv.h"

/* ── the CPU view ────────────────────────────────────────────────────── */

int enf_cpu_load(struct enf *ef, struct cpu_view *c)
{
    if (ef->dp.on && !ef->dp.open && enf_depriv_open(ef) != 0)
        return -1;                      /* (--deprivilege: scout sees the guest's own state) */
    if (vcpu_get_regs(ef->cpu, &c->regs) != 0 || vcpu_get_sregs(ef->cpu, &c->sregs) != 0) {
        enf_fail(ef, "cannot read vCPU state");
        return -1;
    }
    c->mode = x86_code_size(&c->regs, &c->sregs);
    c->cpl = x86_cpl(&c->regs, &c->sregs);
    return 0;
}

static int walk_read(void *ctx, uint64_t gpa, void *buf, size_t len)
{
    return gmem_read_phys(ctx, gpa, buf, len);
}

int enf_translate_paging(struct enf *ef, const struct gmem_paging *pg, uint64_t linear, uint64_t *gpa)
{
    return gmem_walk(walk_read, ef->vm, pg, linear, 0, gpa);
}

uint64_t enf_cpu_linear(const struct cpu_view *c, uint64_t ip)
{
    return x86_cs_linear(&c->sregs, c->mode, ip);
}

enum prescan_mode enf_pmode_for(int bits, uint64_t cs_base, uint64_t linear)
{
    if (bits != 16)
        return (enum prescan_mode)bits;
    /* IP runs from CS base to CS base + 64 KiB: the part of this page
     * outside that window is not reachable without a wrap */
    uint64_t page = PAGE_OF(linear), lo = 0, hi = PAGE_SIZE;
    uint64_t start = cs_base & 0xffffffffu, end = start + 0x10000;
    if (start > page && start < page + PAGE_SIZE)
        lo = start - page;
    if (end > page && end < page + PAGE_SIZE)
        hi = end - page;
    if (lo >= hi)
        return PRESCAN_MODE_16;        /* (cannot happen for a 64 KiB window) */
    return prescan_mode_window((unsigned)lo, (unsigned)hi);
}

enum prescan_mode enf_pmode(const struct cpu_view *c, uint64_t linear)
{
    return enf_pmode_for(c->mode, c->sregs.cs.base, linear);
}

/* ── guest bytes, as the guest wrote them ─────────────────────────────── */

int enf_read_page_for_engine(void *ctx, uint64_t page_gpa, uint8_t *page)
{
    struct enf *ef = ctx;
    if (gmem_read_phys(ef->vm, page_gpa, page, PAGE_SIZE) != 0)
        return -1;
    enf_trap_undo(ef->tt, page_gpa, page, PAGE_SIZE);
    return 0;
}

int enf_read_code(struct enf *ef, uint64_t linear, void *buf, size_t len)
{
    uint8_t *out = buf;
    size_t done = 0;
    while (done < len) {
        uint64_t la = linear + done, gpa;
        size_t n = base_page_chunk(la, len - done);
        if (gmem_translate(ef->vm, la, 0, &gpa) != 0 || gmem_read_phys(ef->vm, gpa, out + done, n) != 0)
            return -1;
        enf_trap_undo(ef->tt, gpa, out + done, n);
        done += n;
    }
    return 0;
}

/* Reads up to 15 instruction bytes; fewer when the next page is unmapped. */
size_t enf_read_insn_bytes(struct enf *ef, uint64_t linear, uint8_t *buf)
{
    size_t first = PAGE_SIZE - base_page_off(linear);
    if (first >= PRESCAN_MAX_INSN_LEN)
        return enf_read_code(ef, linear, buf, PRESCAN_MAX_INSN_LEN) == 0 ? PRESCAN_MAX_INSN_LEN : 0;
    if (enf_read_code(ef, linear, buf, first) != 0)
        return 0;
    return enf_read_code(ef, linear + first, buf + first, PRESCAN_MAX_INSN_LEN - first) == 0
               ? PRESCAN_MAX_INSN_LEN : first;
}

/* ── engine events: trace them, remember which pages changed ────────── */

static void push_page(struct enf *ef, page_vec *v, uint64_t page)
{
    for (size_t i = 0; i < v->n; i++)
        if (v->v[i] == page)
            return;
    if (VEC_PUSH(v, page) != 0)
        enf_fail(ef, "out of memory");
}

/* Debug builds: a page whose traps or attributes changed is checked at the
 * next exit for a trap inside a native instruction (loop.c). */
static void check_later(struct enf *ef, uint64_t page)
{
    if (ef->cfg.check_invariant)
        push_page(ef, &ef->touched_check, page);
}

void enf_touch(struct enf *ef, uint64_t page)
{
    push_page(ef, &ef->touched, page);
    check_later(ef, page);
}

void enf_on_engine_event(void *ctx, const struct prescan_event *pe)
{
    struct enf *ef = ctx;
    struct scout_event ev;
    memset(&ev, 0, sizeof(ev));
    switch (pe->type) {
    case PRESCAN_EV_STEP: {
        const struct prescan_step *s = pe->step;
        if (!s->decoded)
            return;
        enf_touch(ef, PAGE_OF(s->gpa));
        ev.type = SCOUT_EV_SCAN;
        ev.u.scan.page = PAGE_OF(s->gpa);
        ev.u.scan.off = base_page_off(s->gpa);
        ev.u.scan.mode = (int)prescan_mode_bits(s->mode);
        ev.u.scan.len = s->length;
        ev.u.scan.virtualize = s->virtualize;
        ev.u.scan.reason = prescan_reason_name(s->reason);
        ev.u.scan.depth = s->depth;
        break;
    }
    case PRESCAN_EV_BRANCH_FLIP:
        enf_touch(ef, PAGE_OF(pe->gpa));
        ev.type = SCOUT_EV_FLIP;
        ev.u.flip.gpa = pe->gpa;
        ev.u.flip.mode = (int)prescan_mode_bits(pe->mode);
        break;
    case PRESCAN_EV_OVERLAP:
        enf_touch(ef, PAGE_OF(pe->gpa));
        return;
    case PRESCAN_EV_PAGE_ALLOC:
    case PRESCAN_EV_PAGE_FREE:
        enf_touch(ef, PAGE_OF(pe->gpa));
        ev.type = pe->type == PRESCAN_EV_PAGE_ALLOC ? SCOUT_EV_PAGE_ALLOC : SCOUT_EV_PAGE_FREE;
        ev.u.page.page = PAGE_OF(pe->gpa);
        ev.u.page.mode = (int)prescan_mode_bits(pe->mode);
        ev.u.page.dropped = pe->count;
        break;
    default:
        return;     /* CLASSIFY duplicates STEP; data writes are traced by the write path */
    }
    enf_emit(ef, &ev);
}

/* ── traps and protection follow the attribute pages ─────────────────── */

static const char *kind_name(unsigned kind)
{
    switch (kind) {
    case ENF_TRAP_STEP: return "step";
    case ENF_TRAP_BREAK: return "break";
    case ENF_TRAP_ENTRY: return "entry";
    default: return "virtualize";
    }
}

static void trap_event(struct enf *ef, enum scout_event_type type, uint64_t gpa, unsigned kind)
{
    /* handler entries come and go with the tables: one "tables" event says it */
    if (!events_wanted(ef->events) || kind == ENF_TRAP_ENTRY)
        return;
    struct scout_event ev;
    memset(&ev, 0, sizeof(ev));
    ev.type = type;
    ev.u.trap.gpa = gpa;
    ev.u.trap.kind = kind_name(kind);
    if (type == SCOUT_EV_TRAP_PLANT)
        enf_trap_original(ef->tt, gpa, &ev.u.trap.orig);
    enf_emit(ef, &ev);
}

int enf_plant(struct enf *ef, uint64_t gpa, unsigned kind)
{
    if (enf_trap_kinds(ef->tt, gpa) & kind)
        return 0;
    if (enf_trap_plant(ef->tt, gpa, kind) != 0) {
        enf_fail(ef, "cannot plant a trap at 0x%" PRIx64 ": outside guest memory", gpa);
        return -1;
    }
    ef->st.traps_planted++;
    check_later(ef, PAGE_OF(gpa));
    trap_event(ef, SCOUT_EV_TRAP_PLANT, gpa, kind);
    return 0;
}

void enf_unplant(struct enf *ef, uint64_t gpa, unsigned kind)
{
    if (!(enf_trap_kinds(ef->tt, gpa) & kind))
        return;
    enf_trap_remove(ef->tt, gpa, kind);
    ef->st.traps_removed++;
    trap_event(ef, SCOUT_EV_TRAP_REMOVE, gpa, kind);
}

int enf_page_has_attrs(struct enf *ef, uint64_t page)
{
    return prescan_pages_at(ef->ps, page) != 0;
}

/* A page is read-only to KVM while it has attributes, traps, table data
 * the CPU reads without an exit, a watched range or paging structures
 * native code runs through -- and not while an in-place step has it
 * writable (step.c re-protects it when the step ends). */
int enf_sync_protection(struct enf *ef, uint64_t page)
{
    for (size_t i = 0; i < ef->unprot.n; i++)
        if (ef->unprot.v[i].page == page)
            return 0;
    int want = enf_page_has_attrs(ef, page) || enf_trap_count_page(ef->tt, page) != 0 ||
               enf_is_table_page(&ef->tables, page) || enf_is_watch_page(ef, page) ||
               enf_is_paging_page(&ef->ptpages, page) || enf_depriv_guarded(ef, page);
    int is = memslot_is_protected(ef->vm, page);
    if (is < 0)
        return 0;                       /* not RAM: nothing to protect */
    if (want && !is) {
        if (memslot_protect(ef->vm, page) != 0) {
            if (errno == ENOSPC)
                enf_fail(ef, "out of KVM memory slots (%zu in use) protecting page 0x%" PRIx64,
                         memslot_count(ef->vm), page);
            else
                enf_fail(ef, "cannot protect page 0x%" PRIx64 ": %s", page, strerror(errno));
            return -1;
        }
        ef->st.pages_protected++;
    } else if (!want && is) {
        if (memslot_unprotect(ef->vm, page) != 0) {
            enf_fail(ef, "cannot unprotect page 0x%" PRIx64 ": %s", page, strerror(errno));
            return -1;
        }
        ef->st.pages_unprotected++;
    }
    return 0;
}

/* A snapshot of one page's traps in address order: removing traps while
 * the table is being walked is not safe, so callers walk this instead. */
struct page_traps { size_t n; uint16_t off[PAGE_SIZE]; uint8_t kinds[PAGE_SIZE]; };

static void collect_trap(void *ctx, uint64_t gpa, unsigned kinds, uint8_t orig)
{
    struct page_traps *t = ctx;
    (void)orig;
    t->off[t->n] = (uint16_t)base_page_off(gpa);
    t->kinds[t->n++] = (uint8_t)kinds;
}

static const struct page_traps *traps_of_page(struct enf *ef, uint64_t page)
{
    static struct page_traps t;         /* 12 KiB: kept off the stack */
    t.n = 0;
    enf_trap_for_each_in_page(ef->tt, page, collect_trap, &t);
    return &t;
}

/* The page's virtualize and step traps go with its attributes (an
 * invalidation); breakpoints and handler entries stay. */
void enf_drop_page_traps(struct enf *ef, uint64_t page)
{
    const struct page_traps *t = traps_of_page(ef, page);
    for (size_t i = 0; i < t->n; i++) {
        if (t->kinds[i] & ENF_TRAP_VIRTUALIZE)
            enf_unplant(ef, page + t->off[i], ENF_TRAP_VIRTUALIZE);
        if (t->kinds[i] & ENF_TRAP_STEP)
            enf_unplant(ef, page + t->off[i], ENF_TRAP_STEP);
    }
}

/* Virtualize traps exactly where some mode's attribute byte says virtualize. */
static int sync_page(struct enf *ef, uint64_t page)
{
    uint8_t want[PAGE_SIZE];
    prescan_virtualize_starts(ef->ps, page, want);
    const struct page_traps *t = traps_of_page(ef, page);
    for (size_t i = 0; i < t->n; i++)
        if ((t->kinds[i] & ENF_TRAP_VIRTUALIZE) && !want[t->off[i]])
            enf_unplant(ef, page + t->off[i], ENF_TRAP_VIRTUALIZE);
    for (unsigned off = 0; off < PAGE_SIZE; off++)
        if (want[off] && enf_plant(ef, page + off, ENF_TRAP_VIRTUALIZE) != 0)
            return -1;
    return enf_sync_protection(ef, page);
}

int enf_sync_touched(struct enf *ef)
{
    int rc = 0;
    for (size_t i = 0; i < ef->touched.n && rc == 0; i++)
        rc = sync_page(ef, ef->touched.v[i]);
    ef->touched.n = 0;
    return ef->failed ? -1 : rc;
}

/* ── scanning ────────────────────────────────────────────────────────── */

/* The monitor's exception-reporting stubs are its own code, but the guest
 * could write them: they are scanned and guarded like any other code.
 * Nothing in RAM is exempt; this says only whether gpa is outside RAM. */
int enf_in_monitor(const struct enf *ef, uint64_t gpa)
{
    return gpa >= vm_mem_size(ef->vm);
}

int enf_ensure_scanned_mode(struct enf *ef, uint64_t linear, enum prescan_mode mode)
{
    uint64_t gpa;
    if (gmem_translate(ef->vm, linear, 0, &gpa) != 0)
        return 0;                       /* unmapped: the guest's own fetch faults */
    if (enf_in_monitor(ef, gpa))
        return 0;                       /* not RAM: the fetch faults (or reads MMIO) */
    if (prescan_attr(ef->ps, gpa, mode) & PRESCAN_ATTR_SCANNED)
        return 0;
    ef->st.scans++;
    if (prescan_scan(ef->ps, gpa, mode) != 0) {
        enf_fail(ef, "prescan at 0x%" PRIx64 " (mode %u) failed", linear, prescan_mode_bits(mode));
        return -1;
    }
    return enf_sync_touched(ef);
}

int enf_ensure_scanned(struct enf *ef, const struct cpu_view *c, uint64_t linear)
{
    return enf_ensure_scanned_mode(ef, linear, enf_pmode(c, linear));
}

int enf_clear_for_trap(struct enf *ef, uint64_t gpa)
{
    if (!prescan_inside_native(ef->ps, gpa))
        return 0;
    /* a pin's cascade turns the covering instructions virtualize for good */
    if (prescan_pin(ef->ps, gpa) != 0) {
        enf_fail(ef, "out of memory");
        return -1;
    }
    prescan_unpin(ef->ps, gpa);
    return enf_sync_touched(ef);
}
