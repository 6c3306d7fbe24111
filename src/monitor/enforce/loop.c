/* enforce.c — see enforce.h.  The flow of one trap exit:
 *
 *   io hook: OUT DX,AL whose byte is an armed trap?  -> complete the I/O
 *   (DESIGN §3), put RIP back on the trap, end any in-place step, then act
 *   on the virtualize reason: resolve / emulate / step in place / #UD.
 *   protected_write hook: complete the writing instruction, run the write
 *   check, invalidate or keep, apply the write.
 *   after_exit hook: end an in-place step that is over, make sure RIP is
 *   scanned (after an invalidation it may not be), check the invariant.
 *
 * This file is the loop itself, its lifecycle and the plugin vexit hook;
 * sys.c computes what system instructions do from CPU state and
 * guest memory, debug.c holds breakpoints and single steps, and
 * enforce_priv.h the state they share. */
#include "monitor/enforce/enforce.h"

#include <Zydis/Zydis.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/dev/dev.h"
#include "monitor/enforce/enforce_priv.h"
#include "monitor/kvm/kvm.h"
#include "monitor/x86/x86.h"

static const int modes[3] = { PRESCAN_MODE_16, PRESCAN_MODE_32, PRESCAN_MODE_64 };

void enf_fail(struct enf *ef, const char *fmt, ...)
{
    if (ef->failed)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ef->errmsg, sizeof(ef->errmsg), fmt, ap);
    va_end(ap);
    ef->failed = 1;
}

static void emit(struct enf *ef, const struct scout_event *ev)
{
    if (events_wanted(ef->events))
        events_emit(ef->events, ev);
}

/* ── guest bytes, as the guest wrote them ─────────────────────────────── */

static int read_page_for_engine(void *ctx, uint64_t page_gpa, uint8_t *page)
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

static void on_engine_event(void *ctx, const struct prescan_event *pe)
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
    emit(ef, &ev);
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
    emit(ef, &ev);
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

static int page_has_attrs(struct enf *ef, uint64_t page)
{
    for (int i = 0; i < 3; i++)
        if (prescan_attr_page(ef->ps, page, modes[i]))
            return 1;
    return 0;
}

/* A page is read-only to KVM while it has attributes or traps. */
int enf_sync_protection(struct enf *ef, uint64_t page)
{
    int want = page_has_attrs(ef, page) || enf_trap_count_page(ef->tt, page) != 0;
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

static int sync_touched(struct enf *ef)
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
    return sync_touched(ef);
}

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
        if (page_has_attrs(ef, page) && prescan_write_check(ef->ps, a, n, &hit) == 1) {
            size_t dropped = prescan_invalidate_page(ef->ps, page);
            /* The page's virtualize and step traps go with its attributes;
             * breakpoints stay. */
            const struct page_traps *t = traps_of_page(ef, page);
            for (size_t i = 0; i < t->n; i++) {
                if (t->kinds[i] & ENF_TRAP_VIRTUALIZE)
                    enf_unplant(ef, page + t->off[i], ENF_TRAP_VIRTUALIZE);
                if (t->kinds[i] & ENF_TRAP_STEP)
                    enf_unplant(ef, page + t->off[i], ENF_TRAP_STEP);
            }
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
        } else if (page_has_attrs(ef, page)) {
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
            emit(ef, &ev);
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

/* ── emulation and in-place steps ────────────────────────────────────── */

/* Executes the instruction at RIP natively once: its bytes go back, a STEP
 * trap goes on every successor, and the next exit re-arms everything. */
int enf_step_in_place(struct enf *ef, const struct cpu_view *c, uint64_t linear, uint64_t gpa,
                  const uint8_t *bytes, size_t nbytes, unsigned len)
{
    struct x86_emul_cpu e;
    struct x86_emul_mem mem = { ef, enf_emul_read, enf_emul_write };
    uint64_t succ[2];
    ZydisDecodedInstruction in;
    ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
    int decoded = enf_decode_full(c, bytes, nbytes, &in, ops) == 0;
    enf_cpu_to_emul(c, &e);
    int n = x86_emul_successors(&e, &mem, bytes, nbytes, succ);
    if (n == 0 && decoded)
        n = enf_system_successors(ef, c, &in, bytes, succ);
    if (decoded)
        enf_touch_loaded_descriptors(ef, c, &in, ops, bytes);
    if (n == 0)
        ef->st.unguarded_steps++;
    for (int i = 0; i < n; i++) {
        uint64_t sg;
        if (gmem_translate(ef->vm, succ[i], 0, &sg) != 0 || enf_in_monitor(ef, sg))
            continue;
        if (sg == gpa)
            continue;                   /* back to itself: scanned, re-armed at the next exit */
        if (sg > gpa && sg < gpa + len) {
            ef->st.unguarded_steps++;   /* into its own bytes: a trap there would change it */
            continue;
        }
        if (enf_plant(ef, sg, ENF_TRAP_STEP) != 0 || enf_sync_protection(ef, PAGE_OF(sg)) != 0)
            return -1;
    }
    /* Suspend every trap inside the instruction (its own, overlapping starts). */
    size_t first = PAGE_SIZE - (gpa & (PAGE_SIZE - 1));
    uint64_t tail;
    if (first > len)
        first = len;
    if (first < len && gmem_translate(ef->vm, linear + first, 0, &tail) == 0 &&
        enf_trap_suspend_range(ef->tt, tail, len - first) != 0) {
        enf_fail(ef, "cannot restore the bytes at 0x%" PRIx64, linear + first);
        return -1;
    }
    if (enf_trap_suspend_range(ef->tt, gpa, first) != 0) {
        enf_fail(ef, "cannot restore the bytes at 0x%" PRIx64, linear);
        return -1;
    }
    ef->stepping = 1;
    ef->step_started = 1;
    ef->st.stepped++;
    return 0;
}

/* Ends an in-place step: originals out, STEP traps gone. */
void enf_end_step(struct enf *ef)
{
    if (!ef->stepping)
        return;
    enf_trap_rearm_suspended(ef->tt);
    /* Counted, not traced one by one: every step ends this way. */
    ef->st.traps_removed += enf_trap_remove_kind(ef->tt, ENF_TRAP_STEP);
    ef->stepping = 0;
}

/* ── plugin vexit hook (plugins branch) ─────────────────────────────── */

void enf_set_vexit_hook(struct enf *ef, enf_vexit_fn fn, void *ctx)
{
    ef->vexit_hook = fn;
    ef->vexit_hook_ctx = ctx;
}

/* 1 if the hook handled the exit (c reloaded), 0 not, -1 error. */
static int call_vexit_hook(struct enf *ef, struct cpu_view *c, uint64_t linear, uint64_t gpa,
                           const uint8_t *bytes, size_t nbytes, unsigned len, const char *insn,
                           enum prescan_reason reason)
{
    struct enf_vexit v = { linear, gpa, c->mode, len, bytes, (unsigned)nbytes, insn, reason };
    if (!ef->vexit_hook || ef->vexit_hook(ef->vexit_hook_ctx, &v) != 1)
        return ef->failed ? -1 : 0;
    if (ef->failed || enf_cpu_load(ef, c) != 0)
        return -1;
    return 1;
}

static const char *mnemonic_of(const struct cpu_view *c, const uint8_t *bytes, size_t n)
{
    ZydisDecodedInstruction in;
    ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
    if (n == 0 || enf_decode_full(c, bytes, n, &in, ops) != 0)
        return "(bad)";
    return ZydisMnemonicGetString(in.mnemonic);
}

static void vexit_event(struct enf *ef, uint64_t linear, const char *insn, enum prescan_reason r,
                        const char *how, int has_target, uint64_t target)
{
    struct scout_event ev;
    memset(&ev, 0, sizeof(ev));
    ev.type = SCOUT_EV_VEXIT;
    ev.u.vexit.rip = linear;
    ev.u.vexit.insn = insn;
    ev.u.vexit.reason = prescan_reason_name(r);
    ev.u.vexit.how = how;
    ev.u.vexit.has_target = has_target;
    ev.u.vexit.target = target;
    emit(ef, &ev);
}

static int set_rip(struct enf *ef, struct cpu_view *c, uint64_t ip)
{
    c->regs.rip = ip;
    if (vcpu_set_regs(ef->cpu, &c->regs) != 0) {
        enf_fail(ef, "cannot set RIP");
        return -1;
    }
    return 0;
}

/* The guest reached an armed trap at (linear, gpa); RIP is on it. */
int enf_handle_trap(struct enf *ef, struct cpu_view *c, uint64_t linear, uint64_t gpa)
{
    unsigned kinds = enf_trap_kinds(ef->tt, gpa);
    if (enf_debug_trap_hit(ef, kinds, linear, gpa, c->mode))
        return ef->failed ? -1 : 0;     /* a breakpoint or the end of a stepi: stop here */
    enf_end_step(ef);
    if (!(kinds & ENF_TRAP_VIRTUALIZE)) {
        if (kinds & ENF_TRAP_BREAK)         /* resuming from a breakpoint: run it in place once */
            return enf_debug_step_native(ef, c, linear, gpa);
        ef->st.step_trap_hits++;
        return enf_ensure_scanned(ef, linear, c->mode);
    }
    if (enf_ensure_scanned(ef, linear, c->mode) != 0)
        return -1;
    uint8_t bytes[PRESCAN_MAX_INSN_LEN];
    size_t nbytes = enf_read_insn_bytes(ef, linear, bytes);
    enum prescan_mode pm = (enum prescan_mode)c->mode;
    uint8_t attr = prescan_attr(ef->ps, gpa, pm);
    unsigned len = attr & PRESCAN_ATTR_LEN_MASK;
    enum prescan_reason reason = prescan_reason_at(ef->ps, gpa, pm);
    const char *insn = mnemonic_of(c, bytes, nbytes);

    ef->st.vexits++;
    ef->st.vexit_reason[reason < PRESCAN_REASON_COUNT ? reason : 0]++;
    switch (call_vexit_hook(ef, c, linear, gpa, bytes, nbytes, len, insn, reason)) {   /* plugins */
    case 1: {
        uint64_t next = enf_cpu_linear(c, c->regs.rip);
        vexit_event(ef, linear, insn, reason, "plugin", 1, next);
        return enf_ensure_scanned(ef, next, c->mode);
    }
    case -1: return -1;
    }
    /* (Native in this mode: the trap belongs to another mode's view.) */
    int virt = (attr & PRESCAN_ATTR_VIRTUALIZE) != 0;
    if (virt && reason == PRESCAN_REASON_BRANCH_UNSCANNED) {
        ef->st.scans++;
        int r = prescan_resolve_branch(ef->ps, gpa, pm);
        if (sync_touched(ef) != 0)
            return -1;
        if (r == 1) {
            ef->st.resolved++;
            vexit_event(ef, linear, insn, reason, "resolved", 0, 0);
            return 0;                   /* resume on the branch, now native */
        }
    }
    if (virt && reason == PRESCAN_REASON_UNDECODABLE) {
        uint64_t handler;
        ef->st.ud_injected++;
        vexit_event(ef, linear, insn, reason, "inject-ud", 0, 0);
        if (vcpu_inject_exception(ef->cpu, 6, 0, 0) != 0) {
            enf_fail(ef, "cannot inject #UD at 0x%" PRIx64, linear);
            return -1;
        }
        uint64_t hg;
        if (enf_vector_handler(ef, c, 6, &handler) == 0 && gmem_translate(ef->vm, handler, 0, &hg) == 0 &&
            !enf_in_monitor(ef, hg)) {
            if (enf_plant(ef, hg, ENF_TRAP_STEP) != 0 || enf_sync_protection(ef, PAGE_OF(hg)) != 0)
                return -1;
            ef->stepping = 1;
            ef->step_started = 1;
        }
        return 0;
    }
    if (reason == PRESCAN_REASON_SENSITIVE) {
        const char *how = "";
        int r = enf_emulate_system_store(ef, c, bytes, nbytes, &how);
        if (r == 0 && (r = enf_emulate_cr3_write(ef, c, bytes, nbytes)) == 1)
            how = "mov-cr3";
        if (r < 0)
            return -1;
        if (r == 1) {
            ef->st.emulated++;
            vexit_event(ef, linear, insn, reason, how, 0, 0);
            return enf_ensure_scanned(ef, enf_cpu_linear(c, c->regs.rip), c->mode);
        }
    }
    /* Exact emulation first, whatever the reason (an overlap-forced branch
     * may even target its own bytes, which no in-place step can guard). */
    if (reason != PRESCAN_REASON_UNDECODABLE) {
        struct x86_emul_cpu e;
        struct x86_emul_mem mem = { ef, enf_emul_read, enf_emul_write };
        struct x86_emul_info info;
        enf_cpu_to_emul(c, &e);
        if (x86_emul_step(&e, &mem, bytes, nbytes, &info) == X86_EMUL_DONE) {
            if (ef->failed)
                return -1;
            enf_emul_to_cpu(&e, c);
            if (vcpu_set_regs(ef->cpu, &c->regs) != 0) {
                enf_fail(ef, "cannot set registers");
                return -1;
            }
            ef->st.emulated++;
            uint64_t next = enf_cpu_linear(c, c->regs.rip);
            vexit_event(ef, linear, insn, reason, info.how, info.has_target, next);
            return enf_ensure_scanned(ef, next, c->mode);
        }
    }
    /* Sensitive, far, crossing, overlap, policy, or not emulated: run it in
     * place.  A page-crossing instruction's attribute holds only its bytes
     * in this page: take the whole length from the decoder. */
    ZydisDecodedInstruction in;
    ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
    if (enf_decode_full(c, bytes, nbytes, &in, ops) == 0)
        len = in.length;
    vexit_event(ef, linear, insn, reason, "in-place", 0, 0);
    return enf_step_in_place(ef, c, linear, gpa, bytes, nbytes, len ? len : 1);
}

/* ── run-loop hooks ─────────────────────────────────────────────────── */

static enum vm_hook_result on_io(void *ctx, struct vcpu *cpu, uint16_t port, int out, int size,
                          uint32_t count, void *data)
{
    struct enf *ef = ctx;
    struct cpu_view c;
    (void)cpu;
    (void)data;
    if (out && size == 1 && count == 1 && enf_cpu_load(ef, &c) == 0) {
        uint64_t rip_lin = enf_cpu_linear(&c, c.regs.rip);
        uint64_t cand = ef->io_rip_at_out ? rip_lin : rip_lin - 1, gpa;
        if (gmem_translate(ef->vm, cand, 0, &gpa) == 0 && enf_trap_is_armed(ef->tt, gpa)) {
            vcpu_complete_io(ef->cpu);
            if (enf_cpu_load(ef, &c) != 0)
                return VM_HOOK_STOP;
            /* RIP is past the one-byte OUT now, on every host. */
            if (set_rip(ef, &c, c.regs.rip - 1) != 0 || enf_handle_trap(ef, &c, cand, gpa) != 0)
                return VM_HOOK_STOP;
            return ef->failed || ef->stop_now ? VM_HOOK_STOP : VM_HOOK_HANDLED;
        }
    }
    if (ef->stepi_pending && !(out && port >= DEV_EXIT_PORT && port < DEV_EXIT_PORT + 4))
        ef->stop_after_io = 1;          /* the stepped instruction's own I/O: stop after it */
    return VM_HOOK_PASS;
}

static enum vm_hook_result on_protected_write(void *ctx, struct vcpu *cpu, uint64_t gpa,
                                       const void *data, unsigned len)
{
    struct enf *ef = ctx;
    uint8_t copy[16];
    if (len > sizeof(copy))
        len = sizeof(copy);
    memcpy(copy, data, len);            /* the run struct is reused by the completion run */
    vcpu_complete_io(cpu);              /* the writing instruction completes first */
    enf_end_step(ef);
    return enf_apply_write(ef, gpa, copy, len, 0) == 0 ? VM_HOOK_HANDLED : VM_HOOK_STOP;
}

/* A guest that loads its own IDT gets every present interrupt/trap gate's
 * handler scanned, so an exception raised by native code lands on scanned
 * code.  Checked when IDTR changes; gates rewritten after LIDT and
 * real-mode vector tables are not followed (README: known limits). */
static void scan_idt_handlers(struct enf *ef, const struct cpu_view *c)
{
    if (!(c->sregs.cr0 & 1) ||
        (c->sregs.idt.base == ef->idt_base && c->sregs.idt.limit == ef->idt_limit))
        return;
    ef->idt_base = c->sregs.idt.base;
    ef->idt_limit = c->sregs.idt.limit;
    if (ef->idt_base == ef->reserved_base + VM_RES_IDT)
        return;                         /* the monitor's own reporting IDT */
    int lma = (c->sregs.efer & (1u << 10)) != 0;
    unsigned size = lma ? 16 : 8;
    for (unsigned v = 0; v < 256 && v * size + size - 1 <= ef->idt_limit && !ef->failed; v++) {
        uint8_t g[8];
        uint64_t handler, gpa;
        if (gmem_read_linear(ef->vm, ef->idt_base + v * size, g, sizeof g) != 0)
            return;
        unsigned type = g[5] & 0x1f;
        if (!(g[5] & 0x80) || (type != 0x0e && type != 0x0f && type != 0x06 && type != 0x07))
            continue;                   /* not present, or a task gate */
        if (enf_vector_handler(ef, c, v, &handler) == 0 && gmem_translate(ef->vm, handler, 0, &gpa) == 0 &&
            !enf_in_monitor(ef, gpa))
            enf_ensure_scanned(ef, handler, lma ? 64 : 32);
    }
}

static void on_after_exit(void *ctx, struct vcpu *cpu, uint32_t exit_reason)
{
    struct enf *ef = ctx;
    struct cpu_view c;
    (void)cpu;
    enf_stepi_after_exit(ef, exit_reason);
    if (ef->step_started)
        ef->step_started = 0;           /* the step runs now */
    else
        enf_end_step(ef);
    /* The run ends at these: nothing will execute at RIP, so nothing to scan. */
    if (exit_reason == KVM_EXIT_HLT || exit_reason == KVM_EXIT_SHUTDOWN ||
        exit_reason == KVM_EXIT_SYSTEM_EVENT || exit_reason == KVM_EXIT_INTERNAL_ERROR ||
        exit_reason == KVM_EXIT_FAIL_ENTRY)
        return;
    if (enf_cpu_load(ef, &c) != 0)
        return;
    scan_idt_handlers(ef, &c);
    uint64_t lin = enf_cpu_linear(&c, c.regs.rip), gpa;
    if (gmem_translate(ef->vm, lin, 0, &gpa) != 0 || enf_in_monitor(ef, gpa)) {
        if (ef->failed)
            vcpu_request_stop(ef->cpu, VM_STOP_HOOK);
        return;
    }
    int scanned = (prescan_attr(ef->ps, gpa, (enum prescan_mode)c.mode) & PRESCAN_ATTR_SCANNED) != 0;
    if (!scanned && !enf_trap_is_armed(ef->tt, gpa)) {
        if (ef->cfg.check_invariant && !ef->invalidated_rip_page)
            enf_fail(ef, "invariant broken: rip=0x%" PRIx64 " (gpa 0x%" PRIx64 ") is not scanned at an exit",
                 lin, gpa);
        else
            enf_ensure_scanned(ef, lin, c.mode);
    }
    ef->st.invariant_checks++;
    ef->invalidated_rip_page = 0;
    /* This hook cannot refuse the re-entry itself: ask the loop to stop. */
    if (ef->failed)
        vcpu_request_stop(ef->cpu, VM_STOP_HOOK);
}

/* ── lifecycle ──────────────────────────────────────────────────────── */

static int trap_mem_read(void *ctx, uint64_t gpa, void *buf, size_t len)
{
    return gmem_read_phys(ctx, gpa, buf, len);
}
static int trap_mem_write(void *ctx, uint64_t gpa, const void *buf, size_t len)
{
    return gmem_write_phys(ctx, gpa, buf, len);
}

struct enf *enf_new(struct vm *vm, const struct enf_config *cfg, struct events *events,
                            char *err, size_t errlen)
{
    struct enf *ef = calloc(1, sizeof(*ef));
    if (!ef) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    ef->vm = vm;
    ef->cpu = vm_vcpu(vm);
    ef->cfg = *cfg;
    ef->events = events;
    ef->reserved_base = vm_reserved_base(vm);
    struct enf_trap_mem tm = { vm, trap_mem_read, trap_mem_write };
    ef->tt = enf_trap_table_new(&tm, ENF_TRAP_OUT);
    struct prescan_config pc = { 0 };
    pc.read = read_page_for_engine;
    pc.read_ctx = ef;
    pc.max_depth = cfg->depth;
    pc.listen = on_engine_event;
    pc.listen_ctx = ef;
    ef->ps = ef->tt ? prescan_new(&pc) : NULL;
    if (!ef->ps) {
        snprintf(err, errlen, "out of memory");
        enf_free(ef);
        return NULL;
    }
    return ef;
}

void enf_set_io_rip_at_out(struct enf *ef, int at_out) { ef->io_rip_at_out = at_out; }

void enf_free(struct enf *ef)
{
    if (!ef)
        return;
    prescan_free(ef->ps);
    enf_trap_table_free(ef->tt);
    free(ef->touched);
    free(ef);
}

void enf_set_depth(struct enf *ef, unsigned depth)
{
    ef->cfg.depth = depth;
    prescan_set_depth(ef->ps, depth);
}
unsigned enf_depth(const struct enf *ef) { return ef->cfg.depth; }
struct prescan *enf_engine(struct enf *ef) { return ef->ps; }
struct enf_trap_table *enf_traps(struct enf *ef) { return ef->tt; }
void enf_get_stats(const struct enf *ef, struct enf_stats *out) { *out = ef->st; }

int enf_report(struct enf *ef, char *err, size_t errlen)
{
    if (!ef->failed)
        return 0;
    snprintf(err, errlen, "%s", ef->errmsg);
    ef->failed = 0;
    return -1;
}

/* A scan requested from outside (prescan/pstart): linear -> gpa, mode 0 =
 * the vCPU's current mode; then a whole scan, or only its start (steppable). */
static int start_requested_scan(struct enf *ef, uint64_t linear, int mode, int whole,
                                char *err, size_t errlen)
{
    struct cpu_view c;
    uint64_t gpa;
    if (enf_cpu_load(ef, &c) != 0)
        return enf_report(ef, err, errlen);
    if (mode == 0)
        mode = c.mode;
    if (gmem_translate(ef->vm, linear, 0, &gpa) != 0) {
        snprintf(err, errlen, "0x%" PRIx64 " is not mapped", linear);
        return -1;
    }
    ef->st.scans++;
    int rc = whole ? prescan_scan(ef->ps, gpa, (enum prescan_mode)mode)
                   : prescan_start(ef->ps, gpa, (enum prescan_mode)mode);
    if (rc != 0) {
        snprintf(err, errlen, "cannot scan at 0x%" PRIx64, linear);
        return -1;
    }
    return 0;
}

int enf_prescan(struct enf *ef, uint64_t linear, int mode, char *err, size_t errlen)
{
    if (start_requested_scan(ef, linear, mode, 1, err, errlen) != 0)
        return -1;
    sync_touched(ef);
    return enf_report(ef, err, errlen);
}

int enf_prescan_start(struct enf *ef, uint64_t linear, int mode, char *err, size_t errlen)
{
    return start_requested_scan(ef, linear, mode, 0, err, errlen);
}

int enf_sync(struct enf *ef, char *err, size_t errlen)
{
    sync_touched(ef);
    return enf_report(ef, err, errlen);
}

int enf_prepare(struct enf *ef, char *err, size_t errlen)
{
    struct cpu_view c;
    if (enf_cpu_load(ef, &c) == 0)
        enf_ensure_scanned(ef, enf_cpu_linear(&c, c.regs.rip), c.mode);
    return enf_report(ef, err, errlen);
}

/* vm_run() with the hooks; stepping: stop after one instruction (stepi). */
int enf_run_guest(struct enf *ef, struct vm_stop *stop, int stepping)
{
    struct vm_hooks hooks = { ef, on_io, on_protected_write, on_after_exit };
    ef->failed = 0;
    int rc = enf_debug_resume(ef, stop, stepping);
    if (rc == 0)
        rc = vcpu_run(ef->cpu, &hooks, stop);
    else if (rc > 0)
        rc = 0;
    enf_end_step(ef);
    if (stepping && rc == 0 && stop->why == VM_STOP_HOOK && ef->stop_kind == ENF_STOP_NONE && !ef->failed)
        ef->stop_kind = ENF_STOP_STEP;
    enf_debug_finish(ef, stop);
    if (ef->failed) {
        stop->why = VM_STOP_ERROR;
        snprintf(stop->message, sizeof(stop->message), "%s", ef->errmsg);
        ef->failed = 0;
        return -1;
    }
    return rc;
}

int enf_run(struct enf *ef, struct vm_stop *stop)
{
    return enf_run_guest(ef, stop, 0);
}
