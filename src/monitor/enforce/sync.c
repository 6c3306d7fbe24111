/* sync.c — guest code as the guest wrote it, and traps and write
 * protection that follow the engine's attribute pages: every virtualize
 * instruction has a trap, every page with attributes or traps is read-only
 * to KVM. */
#include <Zydis/Zydis.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/enforce/enforce_priv.h"

static const int modes[3] = { PRESCAN_MODE_16, PRESCAN_MODE_32, PRESCAN_MODE_64 };

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
        size_t n = PAGE_SIZE - (la & (PAGE_SIZE - 1));
        if (n > len - done)
            n = len - done;
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
    size_t first = PAGE_SIZE - (linear & (PAGE_SIZE - 1));
    if (first >= PRESCAN_MAX_INSN_LEN)
        return enf_read_code(ef, linear, buf, PRESCAN_MAX_INSN_LEN) == 0 ? PRESCAN_MAX_INSN_LEN : 0;
    if (enf_read_code(ef, linear, buf, first) != 0)
        return 0;
    return enf_read_code(ef, linear + first, buf + first, PRESCAN_MAX_INSN_LEN - first) == 0
               ? PRESCAN_MAX_INSN_LEN : first;
}

/* ── engine events: trace them, remember which pages changed ────────── */

static void touch(struct enf *ef, uint64_t page)
{
    for (size_t i = 0; i < ef->ntouched; i++)
        if (ef->touched[i] == page)
            return;
    if (ef->ntouched == ef->touched_cap) {
        size_t cap = ef->touched_cap ? ef->touched_cap * 2 : 8;
        uint64_t *t = realloc(ef->touched, cap * sizeof(*t));
        if (!t) {
            enf_fail(ef, "out of memory");
            return;
        }
        ef->touched = t;
        ef->touched_cap = cap;
    }
    ef->touched[ef->ntouched++] = page;
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
        touch(ef, PAGE_OF(s->gpa));
        ev.type = SCOUT_EV_SCAN;
        ev.u.scan.page = PAGE_OF(s->gpa);
        ev.u.scan.off = (unsigned)(s->gpa & (PAGE_SIZE - 1));
        ev.u.scan.mode = s->mode;
        ev.u.scan.len = s->length;
        ev.u.scan.virtualize = s->virtualize;
        ev.u.scan.reason = prescan_reason_name(s->reason);
        ev.u.scan.depth = s->depth;
        break;
    }
    case PRESCAN_EV_BRANCH_FLIP:
        touch(ef, PAGE_OF(pe->gpa));
        ev.type = SCOUT_EV_FLIP;
        ev.u.flip.gpa = pe->gpa;
        ev.u.flip.mode = pe->mode;
        break;
    case PRESCAN_EV_OVERLAP:
        touch(ef, PAGE_OF(pe->gpa));
        return;
    case PRESCAN_EV_PAGE_ALLOC:
    case PRESCAN_EV_PAGE_FREE:
        touch(ef, PAGE_OF(pe->gpa));
        ev.type = pe->type == PRESCAN_EV_PAGE_ALLOC ? SCOUT_EV_PAGE_ALLOC : SCOUT_EV_PAGE_FREE;
        ev.u.page.page = PAGE_OF(pe->gpa);
        ev.u.page.mode = pe->mode;
        ev.u.page.dropped = pe->count;
        break;
    default:
        return;     /* CLASSIFY duplicates STEP; data writes are traced by the write path */
    }
    enf_emit(ef, &ev);
}

/* ── traps and protection follow the attribute pages ─────────────────── */

static void trap_event(struct enf *ef, enum scout_event_type type, uint64_t gpa, unsigned kind)
{
    if (!events_wanted(ef->events))
        return;
    struct scout_event ev;
    memset(&ev, 0, sizeof(ev));
    ev.type = type;
    ev.u.trap.gpa = gpa;
    ev.u.trap.kind = kind == ENF_TRAP_STEP ? "step" : kind == ENF_TRAP_BREAK ? "break" : "virtualize";
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
    for (int i = 0; i < 3; i++)
        if (prescan_attr_page(ef->ps, page, modes[i]))
            return 1;
    return 0;
}

/* A page is read-only to KVM while it has attributes or traps. */
int enf_sync_protection(struct enf *ef, uint64_t page)
{
    int want = enf_page_has_attrs(ef, page) || enf_trap_count_page(ef->tt, page) != 0;
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

static int wants_trap(const uint8_t *const attr[3], unsigned off)
{
    for (int i = 0; i < 3; i++)
        if (attr[i] && (attr[i][off] & (PRESCAN_ATTR_SCANNED | PRESCAN_ATTR_VIRTUALIZE)) ==
                           (PRESCAN_ATTR_SCANNED | PRESCAN_ATTR_VIRTUALIZE))
            return 1;
    return 0;
}

/* A snapshot of one page's traps in address order: removing traps while
 * the table is being walked is not safe, so callers walk this instead. */
struct page_traps { size_t n; uint16_t off[PAGE_SIZE]; uint8_t kinds[PAGE_SIZE]; };

static void collect_trap(void *ctx, uint64_t gpa, unsigned kinds, uint8_t orig)
{
    struct page_traps *t = ctx;
    (void)orig;
    t->off[t->n] = (uint16_t)(gpa & (PAGE_SIZE - 1));
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
 * invalidation); breakpoints stay. */
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
    const uint8_t *attr[3];
    for (int i = 0; i < 3; i++)
        attr[i] = prescan_attr_page(ef->ps, page, modes[i]);
    const struct page_traps *t = traps_of_page(ef, page);
    for (size_t i = 0; i < t->n; i++)
        if ((t->kinds[i] & ENF_TRAP_VIRTUALIZE) && !wants_trap(attr, t->off[i]))
            enf_unplant(ef, page + t->off[i], ENF_TRAP_VIRTUALIZE);
    for (unsigned off = 0; off < PAGE_SIZE; off++)
        if (wants_trap(attr, off) && enf_plant(ef, page + off, ENF_TRAP_VIRTUALIZE) != 0)
            return -1;
    return enf_sync_protection(ef, page);
}

int enf_sync_touched(struct enf *ef)
{
    int rc = 0;
    for (size_t i = 0; i < ef->ntouched && rc == 0; i++)
        rc = sync_page(ef, ef->touched[i]);
    ef->ntouched = 0;
    return ef->failed ? -1 : rc;
}

/* ── CPU state helpers ───────────────────────────────────────────────── */

int enf_cpu_load(struct enf *ef, struct cpu_view *c)
{
    if (vcpu_get_regs(ef->cpu, &c->regs) != 0 || vcpu_get_sregs(ef->cpu, &c->sregs) != 0) {
        enf_fail(ef, "cannot read vCPU state");
        return -1;
    }
    c->mode = x86_code_size(&c->regs, &c->sregs);
    return 0;
}

uint64_t enf_cpu_linear(const struct cpu_view *c, uint64_t ip)
{
    if (c->mode == 64)
        return ip;
    return (c->sregs.cs.base + ip) & 0xffffffffu;
}

/* The monitor's exception stubs are its own code: never scanned or trapped.
 * The rest of the reserved region follows the guest's rules (a CPL 0 guest
 * can write code there). */
int enf_in_monitor(const struct enf *ef, uint64_t gpa)
{
    return gpa >= ef->reserved_base + VM_RES_STUBS && gpa < ef->reserved_base + VM_RES_STUBS + 0x1000;
}

/* Scans the instruction at a linear address unless it is scanned already. */
int enf_ensure_scanned(struct enf *ef, uint64_t linear, int mode)
{
    uint64_t gpa;
    if (gmem_translate(ef->vm, linear, 0, &gpa) != 0)
        return 0;                       /* unmapped: the guest's own fetch faults */
    if (enf_in_monitor(ef, gpa))
        return 0;
    if (prescan_attr(ef->ps, gpa, (enum prescan_mode)mode) & PRESCAN_ATTR_SCANNED)
        return 0;
    ef->st.scans++;
    if (prescan_scan(ef->ps, gpa, (enum prescan_mode)mode) != 0) {
        enf_fail(ef, "prescan at 0x%" PRIx64 " failed", linear);
        return -1;
    }
    return enf_sync_touched(ef);
}

