/* enforce.c — see enforce.h.  The flow of one trap exit:
 *
 *   io hook: OUT DX,AL whose byte is an armed trap?  -> complete the I/O
 *   (DESIGN §3), put RIP back on the trap, end any in-place step, then act
 *   on the virtualize reason: resolve / emulate / step in place / #UD.
 *   protected_write hook: complete the writing instruction, run the write
 *   check, invalidate or keep, apply the write.
 *   after_exit hook: end an in-place step that is over, make sure RIP is
 *   scanned (after an invalidation it may not be), check the invariant. */
#include "monitor/enforce.h"

#include <Zydis/Zydis.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/devices.h"
#include "monitor/guest_mem.h"
#include "monitor/insn_emul.h"
#include "monitor/memslot.h"
#include "monitor/traps.h"
#include "monitor/vm.h"

#define PAGE_SIZE 4096u
#define PAGE_OF(a) ((a) & ~(uint64_t)(PAGE_SIZE - 1))
static const int modes[3] = { PRESCAN_MODE_16, PRESCAN_MODE_32, PRESCAN_MODE_64 };

struct enforce {
    struct vm *vm;
    struct prescan *ps;
    struct trap_table *tt;
    struct events *events;
    struct enforce_config cfg;
    struct enforce_stats st;
    int io_rip_at_out;          /* host reports RIP at the OUT (hardware KVM) */
    enforce_vexit_fn vexit_hook;    /* plugins: see enforce_set_vexit_hook */
    void *vexit_hook_ctx;
    uint64_t reserved_base;     /* monitor-owned RAM from here up: not scanned */
    uint64_t *touched;          /* pages the engine changed since the last sync */
    size_t ntouched, touched_cap;
    int stepping;               /* traps suspended / STEP traps planted */
    int step_started;           /* ... by the exit being handled now */
    int invalidated_rip_page;   /* this exit invalidated the page RIP is on */
    int failed;                 /* a hook hit an error: stop with errmsg */
    char errmsg[200];
    /* debugger support (section at the end of the file) */
    int skip_break;             /* handle_trap: ignore TRAP_BREAK (resuming from one) */
    int stop_now;               /* a hook wants the run to stop (breakpoint, step done) */
    int stepi_pending;          /* enforce_step: the stepped instruction is in flight */
    int stop_after_io;          /* ... and it made a device I/O exit: stop after it */
    int stepi_now;              /* enforce_step is handling the instruction before entry */
    enum enforce_stop stop_kind;
    uint64_t stop_gpa;
};

static void fail(struct enforce *ef, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(struct enforce *ef, const char *fmt, ...)
{
    if (ef->failed)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ef->errmsg, sizeof(ef->errmsg), fmt, ap);
    va_end(ap);
    ef->failed = 1;
}

struct cpu_view;
static int debug_trap_hit(struct enforce *ef, unsigned kinds, uint64_t linear, uint64_t gpa, int mode);
static int debug_step_native(struct enforce *ef, const struct cpu_view *c, uint64_t linear, uint64_t gpa);
static void stepi_after_exit(struct enforce *ef, uint32_t exit_reason);

static void emit(struct enforce *ef, const struct scout_event *ev)
{
    if (events_wanted(ef->events))
        events_emit(ef->events, ev);
}

/* ── guest bytes, as the guest wrote them ─────────────────────────────── */

static int read_page_for_engine(void *ctx, uint64_t page_gpa, uint8_t *page)
{
    struct enforce *ef = ctx;
    if (gmem_read_phys(ef->vm, page_gpa, page, PAGE_SIZE) != 0)
        return -1;
    trap_undo(ef->tt, page_gpa, page, PAGE_SIZE);
    return 0;
}

int enforce_read_code(struct enforce *ef, uint64_t linear, void *buf, size_t len)
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
        trap_undo(ef->tt, gpa, out + done, n);
        done += n;
    }
    return 0;
}

/* Reads up to 15 instruction bytes; fewer when the next page is unmapped. */
static size_t read_insn_bytes(struct enforce *ef, uint64_t linear, uint8_t *buf)
{
    size_t first = PAGE_SIZE - (linear & (PAGE_SIZE - 1));
    if (first >= PRESCAN_MAX_INSN_LEN)
        return enforce_read_code(ef, linear, buf, PRESCAN_MAX_INSN_LEN) == 0 ? PRESCAN_MAX_INSN_LEN : 0;
    if (enforce_read_code(ef, linear, buf, first) != 0)
        return 0;
    return enforce_read_code(ef, linear + first, buf + first, PRESCAN_MAX_INSN_LEN - first) == 0
               ? PRESCAN_MAX_INSN_LEN : first;
}

/* ── engine events: trace them, remember which pages changed ────────── */

static void touch(struct enforce *ef, uint64_t page)
{
    for (size_t i = 0; i < ef->ntouched; i++)
        if (ef->touched[i] == page)
            return;
    if (ef->ntouched == ef->touched_cap) {
        size_t cap = ef->touched_cap ? ef->touched_cap * 2 : 8;
        uint64_t *t = realloc(ef->touched, cap * sizeof(*t));
        if (!t) {
            fail(ef, "out of memory");
            return;
        }
        ef->touched = t;
        ef->touched_cap = cap;
    }
    ef->touched[ef->ntouched++] = page;
}

static void on_engine_event(void *ctx, const struct prescan_event *pe)
{
    struct enforce *ef = ctx;
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

static void trap_event(struct enforce *ef, enum scout_event_type type, uint64_t gpa, unsigned kind)
{
    if (!events_wanted(ef->events))
        return;
    struct scout_event ev;
    memset(&ev, 0, sizeof(ev));
    ev.type = type;
    ev.u.trap.gpa = gpa;
    ev.u.trap.kind = kind == TRAP_STEP ? "step" : kind == TRAP_BREAK ? "break" : "virtualize";
    if (type == SCOUT_EV_TRAP_PLANT)
        trap_original(ef->tt, gpa, &ev.u.trap.orig);
    emit(ef, &ev);
}

static int plant(struct enforce *ef, uint64_t gpa, unsigned kind)
{
    if (trap_kinds(ef->tt, gpa) & kind)
        return 0;
    if (trap_plant(ef->tt, gpa, kind) != 0) {
        fail(ef, "cannot plant a trap at 0x%" PRIx64 ": outside guest memory", gpa);
        return -1;
    }
    ef->st.traps_planted++;
    trap_event(ef, SCOUT_EV_TRAP_PLANT, gpa, kind);
    return 0;
}

static void unplant(struct enforce *ef, uint64_t gpa, unsigned kind)
{
    if (!(trap_kinds(ef->tt, gpa) & kind))
        return;
    trap_remove(ef->tt, gpa, kind);
    ef->st.traps_removed++;
    trap_event(ef, SCOUT_EV_TRAP_REMOVE, gpa, kind);
}

static int page_has_attrs(struct enforce *ef, uint64_t page)
{
    for (int i = 0; i < 3; i++)
        if (prescan_attr_page(ef->ps, page, modes[i]))
            return 1;
    return 0;
}

/* A page is read-only to KVM while it has attributes or traps. */
static int sync_protection(struct enforce *ef, uint64_t page)
{
    int want = page_has_attrs(ef, page) || trap_count_page(ef->tt, page) != 0;
    int is = memslot_is_protected(ef->vm, page);
    if (is < 0)
        return 0;                       /* not RAM: nothing to protect */
    if (want && !is) {
        if (memslot_protect(ef->vm, page) != 0) {
            if (errno == ENOSPC)
                fail(ef, "out of KVM memory slots (%zu in use) protecting page 0x%" PRIx64,
                     memslot_count(ef->vm), page);
            else
                fail(ef, "cannot protect page 0x%" PRIx64 ": %s", page, strerror(errno));
            return -1;
        }
        ef->st.pages_protected++;
    } else if (!want && is) {
        if (memslot_unprotect(ef->vm, page) != 0) {
            fail(ef, "cannot unprotect page 0x%" PRIx64 ": %s", page, strerror(errno));
            return -1;
        }
        ef->st.pages_unprotected++;
    }
    return 0;
}

struct stale_traps { uint16_t off[PAGE_SIZE]; size_t n; const uint8_t *attr[3]; };

static int wants_trap(const uint8_t *const attr[3], unsigned off)
{
    for (int i = 0; i < 3; i++)
        if (attr[i] && (attr[i][off] & (PRESCAN_ATTR_SCANNED | PRESCAN_ATTR_VIRTUALIZE)) ==
                           (PRESCAN_ATTR_SCANNED | PRESCAN_ATTR_VIRTUALIZE))
            return 1;
    return 0;
}

static void collect_stale(void *ctx, uint64_t gpa, unsigned kinds, uint8_t orig)
{
    struct stale_traps *s = ctx;
    (void)orig;
    unsigned off = (unsigned)(gpa & (PAGE_SIZE - 1));
    if ((kinds & TRAP_VIRTUALIZE) && !wants_trap(s->attr, off))
        s->off[s->n++] = (uint16_t)off;
}

/* Virtualize traps exactly where some mode's attribute byte says virtualize. */
static int sync_page(struct enforce *ef, uint64_t page)
{
    static struct stale_traps stale;    /* 8 KiB: kept off the stack */
    stale.n = 0;
    for (int i = 0; i < 3; i++)
        stale.attr[i] = prescan_attr_page(ef->ps, page, modes[i]);
    trap_for_each_in_page(ef->tt, page, collect_stale, &stale);
    for (size_t i = 0; i < stale.n; i++)
        unplant(ef, page + stale.off[i], TRAP_VIRTUALIZE);
    for (unsigned off = 0; off < PAGE_SIZE; off++)
        if (wants_trap(stale.attr, off) && plant(ef, page + off, TRAP_VIRTUALIZE) != 0)
            return -1;
    return sync_protection(ef, page);
}

static int sync_touched(struct enforce *ef)
{
    int rc = 0;
    for (size_t i = 0; i < ef->ntouched && rc == 0; i++)
        rc = sync_page(ef, ef->touched[i]);
    ef->ntouched = 0;
    return ef->failed ? -1 : rc;
}

/* ── CPU state helpers ───────────────────────────────────────────────── */

struct cpu_view {
    struct kvm_regs regs;
    struct kvm_sregs sregs;
    int mode;
};

static int cpu_load(struct enforce *ef, struct cpu_view *c)
{
    if (vcpu_get_regs(ef->vm, &c->regs) != 0 || vcpu_get_sregs(ef->vm, &c->sregs) != 0) {
        fail(ef, "cannot read vCPU state");
        return -1;
    }
    c->mode = vcpu_mode_from_sregs(&c->sregs);
    return 0;
}

static uint64_t cpu_linear(const struct cpu_view *c, uint64_t ip)
{
    if (c->mode == 64)
        return ip;
    return (c->sregs.cs.base + ip) & 0xffffffffu;
}

static int in_monitor(const struct enforce *ef, uint64_t gpa) { return gpa >= ef->reserved_base; }

/* Scans the instruction at a linear address unless it is scanned already. */
static int ensure_scanned(struct enforce *ef, uint64_t linear, int mode)
{
    uint64_t gpa;
    if (gmem_translate(ef->vm, linear, 0, &gpa) != 0)
        return 0;                       /* unmapped: the guest's own fetch faults */
    if (in_monitor(ef, gpa))
        return 0;
    if (prescan_attr(ef->ps, gpa, (enum prescan_mode)mode) & PRESCAN_ATTR_SCANNED)
        return 0;
    ef->st.scans++;
    if (prescan_scan(ef->ps, gpa, (enum prescan_mode)mode) != 0) {
        fail(ef, "prescan at 0x%" PRIx64 " failed", linear);
        return -1;
    }
    return sync_touched(ef);
}

/* ── writes into protected pages ─────────────────────────────────────── */

static int apply_write(struct enforce *ef, uint64_t gpa, const uint8_t *data, size_t len, int injected)
{
    struct cpu_view c;
    uint64_t rip_page = UINT64_MAX, rip_gpa;
    if (cpu_load(ef, &c) == 0 && gmem_translate(ef->vm, cpu_linear(&c, c.regs.rip), 0, &rip_gpa) == 0)
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
            size_t ntraps = trap_count_page(ef->tt, page);
            for (unsigned off = 0; off < PAGE_SIZE && ntraps; off++) {
                unsigned k = trap_kinds(ef->tt, page + off) & (TRAP_VIRTUALIZE | TRAP_STEP);
                if (k & TRAP_VIRTUALIZE)
                    unplant(ef, page + off, TRAP_VIRTUALIZE);
                if (k & TRAP_STEP)
                    unplant(ef, page + off, TRAP_STEP);
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
        if (trap_guest_write(ef->tt, a, data + done, n) != 0) {
            fail(ef, "write of %zu bytes at 0x%" PRIx64 " is outside guest memory", n, a);
            return -1;
        }
        if (ev.type != SCOUT_EV_COUNT)
            emit(ef, &ev);
        if (sync_protection(ef, page) != 0)
            return -1;
        done += n;
    }
    return 0;
}

int enforce_inject_write(struct enforce *ef, uint64_t gpa, const void *data, size_t len,
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
    if (apply_write(ef, gpa, data, len, 1) != 0) {
        snprintf(err, errlen, "%s", ef->errmsg);
        return -1;
    }
    /* If RIP's page was dropped, rescan there now so the next run is safe. */
    struct cpu_view c;
    if (ef->invalidated_rip_page && cpu_load(ef, &c) == 0)
        ensure_scanned(ef, cpu_linear(&c, c.regs.rip), c.mode);
    ef->invalidated_rip_page = 0;
    if (ef->failed) {
        snprintf(err, errlen, "%s", ef->errmsg);
        return -1;
    }
    return 0;
}

/* ── emulation and in-place steps ────────────────────────────────────── */


static void cpu_to_emul(const struct cpu_view *c, struct insn_emul_cpu *e)
{
    const struct kvm_regs *r = &c->regs;
    uint64_t g[16] = { r->rax, r->rcx, r->rdx, r->rbx, r->rsp, r->rbp, r->rsi, r->rdi,
                       r->r8, r->r9, r->r10, r->r11, r->r12, r->r13, r->r14, r->r15 };
    memset(e, 0, sizeof(*e));
    memcpy(e->gpr, g, sizeof(g));
    e->rip = r->rip;
    e->rflags = r->rflags;
    e->seg_base[INSN_EMUL_ES] = c->sregs.es.base;
    e->seg_base[INSN_EMUL_CS] = c->sregs.cs.base;
    e->seg_base[INSN_EMUL_SS] = c->sregs.ss.base;
    e->seg_base[INSN_EMUL_DS] = c->sregs.ds.base;
    e->seg_base[INSN_EMUL_FS] = c->sregs.fs.base;
    e->seg_base[INSN_EMUL_GS] = c->sregs.gs.base;
    e->mode = c->mode;
    e->stack_size = c->mode == 64 ? 64 : c->sregs.ss.db ? 32 : 16;
    e->real_mode = !(c->sregs.cr0 & 1);
    e->cpl = e->real_mode ? 0 : (int)(c->sregs.cs.selector & 3);
}

static void emul_to_cpu(const struct insn_emul_cpu *e, struct cpu_view *c)
{
    struct kvm_regs *r = &c->regs;
    r->rax = e->gpr[0]; r->rcx = e->gpr[1]; r->rdx = e->gpr[2]; r->rbx = e->gpr[3];
    r->rsp = e->gpr[4]; r->rbp = e->gpr[5]; r->rsi = e->gpr[6]; r->rdi = e->gpr[7];
    r->r8 = e->gpr[8]; r->r9 = e->gpr[9]; r->r10 = e->gpr[10]; r->r11 = e->gpr[11];
    r->r12 = e->gpr[12]; r->r13 = e->gpr[13]; r->r14 = e->gpr[14]; r->r15 = e->gpr[15];
    r->rip = e->rip;
    r->rflags = e->rflags;
}

static int emul_read(void *ctx, uint64_t linear, void *buf, size_t len)
{
    return enforce_read_code(ctx, linear, buf, len);
}

/* Emulated stores take the same path as the guest's own. */
static int emul_write(void *ctx, uint64_t linear, const void *buf, size_t len)
{
    struct enforce *ef = ctx;
    uint64_t gpa[2];
    size_t first = PAGE_SIZE - (linear & (PAGE_SIZE - 1));
    if (first > len)
        first = len;
    if (gmem_translate(ef->vm, linear, 1, &gpa[0]) != 0)
        return -1;
    if (first < len && gmem_translate(ef->vm, linear + first, 1, &gpa[1]) != 0)
        return -1;
    if (apply_write(ef, gpa[0], buf, first, 0) != 0)
        return -1;
    if (first < len && apply_write(ef, gpa[1], (const uint8_t *)buf + first, len - first, 0) != 0)
        return -1;
    return 0;
}

/* Segment base of a selector from the GDT (real mode: selector * 16). */
static int selector_base(struct enforce *ef, const struct cpu_view *c, uint16_t sel, uint64_t *base)
{
    if (!(c->sregs.cr0 & 1)) {
        *base = (uint64_t)sel << 4;
        return 0;
    }
    if (sel & 4)
        return -1;                      /* LDT selectors: not followed */
    uint8_t d[8];
    if ((sel & ~7u) + 7u > c->sregs.gdt.limit ||
        gmem_read_linear(ef->vm, c->sregs.gdt.base + (sel & ~7u), d, 8) != 0)
        return -1;
    if ((c->sregs.efer & (1u << 10)) && (d[6] & 0x20)) {   /* LMA and a 64-bit code segment */
        *base = 0;
        return 0;
    }
    *base = (uint64_t)d[2] | (uint64_t)d[3] << 8 | (uint64_t)d[4] << 16 | (uint64_t)d[7] << 24;
    return 0;
}

/* Linear address of the handler for an interrupt vector (IVT or IDT). */
static int vector_handler(struct enforce *ef, const struct cpu_view *c, unsigned vector, uint64_t *out)
{
    if (!(c->sregs.cr0 & 1)) {
        uint16_t v[2];
        if (gmem_read_linear(ef->vm, c->sregs.idt.base + vector * 4u, v, 4) != 0)
            return -1;
        *out = ((uint64_t)v[1] << 4) + v[0];
        return 0;
    }
    int lma = (c->sregs.efer & (1u << 10)) != 0;
    unsigned size = lma ? 16 : 8;
    uint8_t g[16];
    if (vector * size + size - 1 > c->sregs.idt.limit ||
        gmem_read_linear(ef->vm, c->sregs.idt.base + vector * size, g, size) != 0)
        return -1;
    uint64_t off = (uint64_t)g[0] | (uint64_t)g[1] << 8 | (uint64_t)g[6] << 16 | (uint64_t)g[7] << 24;
    if (lma)
        off |= (uint64_t)g[8] << 32 | (uint64_t)g[9] << 40 | (uint64_t)g[10] << 48 | (uint64_t)g[11] << 56;
    uint64_t base;
    if (selector_base(ef, c, (uint16_t)(g[2] | g[3] << 8), &base) != 0)
        return -1;
    *out = lma ? off : (base + off) & 0xffffffffu;
    return 0;
}

static int decode_full(const struct cpu_view *c, const uint8_t *bytes, size_t n,
                       ZydisDecodedInstruction *in, ZydisDecodedOperand *ops)
{
    ZydisDecoder dec;
    if (c->mode == 64)
        ZydisDecoderInit(&dec, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64);
    else if (c->mode == 32)
        ZydisDecoderInit(&dec, ZYDIS_MACHINE_MODE_LEGACY_32, ZYDIS_STACK_WIDTH_32);
    else
        ZydisDecoderInit(&dec, ZYDIS_MACHINE_MODE_LEGACY_16, ZYDIS_STACK_WIDTH_16);
    return ZYAN_SUCCESS(ZydisDecoderDecodeFull(&dec, bytes, n, in, ops)) ? 0 : -1;
}

/* Where a far branch, IRET or INT goes, computed from operand, stack or
 * vector table.  Returns the number of successors written (0..2). */
static int system_successors(struct enforce *ef, const struct cpu_view *c, const ZydisDecodedInstruction *in,
                             const uint8_t *bytes, uint64_t out[2])
{
    uint64_t next = cpu_linear(c, c->regs.rip + in->length), base;
    unsigned w = in->operand_width / 8;
    uint8_t op = in->opcode;
    if (in->opcode_map != ZYDIS_OPCODE_MAP_DEFAULT)
        return 0;
    if (op == 0xEA || op == 0x9A) {                     /* far ptr16:16/32 */
        uint64_t off = 0;
        uint16_t sel;
        memcpy(&off, bytes + in->raw.imm[0].offset, w);
        memcpy(&sel, bytes + in->raw.imm[1].offset, 2);
        if (selector_base(ef, c, sel, &base) != 0)
            return 0;
        out[0] = (base + off) & 0xffffffffu;
        return 1;
    }
    if (op == 0xCA || op == 0xCB || op == 0xCF) {       /* far RET, IRET */
        uint64_t off = 0, ss = c->mode == 64 ? 0 : c->sregs.ss.base;
        uint16_t sel;
        uint64_t sp = c->regs.rsp;
        if (c->mode != 64 && !c->sregs.ss.db)
            sp &= 0xffff;
        if (gmem_read_linear(ef->vm, ss + sp, &off, w) != 0 ||
            gmem_read_linear(ef->vm, ss + sp + w, &sel, 2) != 0 || selector_base(ef, c, sel, &base) != 0)
            return 0;
        out[0] = c->mode == 64 && base == 0 ? off : (base + off) & 0xffffffffu;
        return 1;
    }
    int vector = op == 0xCD ? bytes[in->raw.imm[0].offset] : op == 0xCC ? 3 : op == 0xCE ? 4 : op == 0xF1 ? 1 : -1;
    if (vector < 0 || vector_handler(ef, c, (unsigned)vector, &out[0]) != 0)
        return 0;
    out[1] = next;                                      /* INTO falls through when OF=0 */
    return op == 0xCE ? 2 : 1;
}

/* SGDT/SIDT and the memory forms of SMSW/SLDT/STR: the monitor stores the
 * value itself.  (Executed in place, the store into a read-only page never
 * completes on kvm_pvm: the vCPU spins without an exit.)  Returns 1 done,
 * 0 not one of these, -1 error. */
static int emulate_system_store(struct enforce *ef, struct cpu_view *c, const uint8_t *bytes,
                                size_t nbytes, const char **how)
{
    ZydisDecodedInstruction in;
    ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
    uint8_t val[10];
    size_t len;
    if (decode_full(c, bytes, nbytes, &in, ops) != 0 || in.operand_count_visible < 1 ||
        ops[0].type != ZYDIS_OPERAND_TYPE_MEMORY)
        return 0;
    switch (in.mnemonic) {
    case ZYDIS_MNEMONIC_SGDT:
    case ZYDIS_MNEMONIC_SIDT: {
        const struct kvm_dtable *t = in.mnemonic == ZYDIS_MNEMONIC_SGDT ? &c->sregs.gdt : &c->sregs.idt;
        memcpy(val, &t->limit, 2);
        memcpy(val + 2, &t->base, 8);
        len = c->mode == 64 ? 10 : 6;
        *how = in.mnemonic == ZYDIS_MNEMONIC_SGDT ? "sgdt" : "sidt";
        break;
    }
    case ZYDIS_MNEMONIC_SMSW: memcpy(val, &c->sregs.cr0, 2); len = 2; *how = "smsw"; break;
    case ZYDIS_MNEMONIC_SLDT: memcpy(val, &c->sregs.ldt.selector, 2); len = 2; *how = "sldt"; break;
    case ZYDIS_MNEMONIC_STR:  memcpy(val, &c->sregs.tr.selector, 2); len = 2; *how = "str"; break;
    default: return 0;
    }
    /* Zydis numbers AX.., EAX.., RAX.. each in encoding order. */
    ZydisRegisterContext rc;
    const struct kvm_regs *r = &c->regs;
    const uint64_t v[16] = { r->rax, r->rcx, r->rdx, r->rbx, r->rsp, r->rbp, r->rsi, r->rdi,
                             r->r8, r->r9, r->r10, r->r11, r->r12, r->r13, r->r14, r->r15 };
    memset(&rc, 0, sizeof(rc));
    for (int i = 0; i < 16; i++) {
        rc.values[ZYDIS_REGISTER_RAX + i] = v[i];
        rc.values[ZYDIS_REGISTER_EAX + i] = v[i] & 0xffffffffu;
        rc.values[ZYDIS_REGISTER_AX + i] = v[i] & 0xffffu;
    }
    ZyanU64 ea;
    uint64_t ip = cpu_linear(c, c->regs.rip);
    if (!ZYAN_SUCCESS(ZydisCalcAbsoluteAddressEx(&in, &ops[0], ip, &rc, &ea)))
        return 0;
    if (c->mode != 64 || ops[0].mem.segment == ZYDIS_REGISTER_FS || ops[0].mem.segment == ZYDIS_REGISTER_GS) {
        const struct kvm_segment *sg = ops[0].mem.segment == ZYDIS_REGISTER_ES ? &c->sregs.es
            : ops[0].mem.segment == ZYDIS_REGISTER_CS ? &c->sregs.cs
            : ops[0].mem.segment == ZYDIS_REGISTER_SS ? &c->sregs.ss
            : ops[0].mem.segment == ZYDIS_REGISTER_FS ? &c->sregs.fs
            : ops[0].mem.segment == ZYDIS_REGISTER_GS ? &c->sregs.gs : &c->sregs.ds;
        ea += sg->base;
        if (c->mode != 64)
            ea &= 0xffffffffu;
    }
    if (emul_write(ef, ea, val, len) != 0)
        return 0;                       /* unwritable: let the CPU raise the fault in place */
    c->regs.rip += in.length;
    if (c->mode != 64)
        c->regs.rip &= c->mode == 16 ? 0xffffu : 0xffffffffu;
    if (vcpu_set_regs(ef->vm, &c->regs) != 0) {
        fail(ef, "cannot set registers");
        return -1;
    }
    return 1;
}

/* Sets the bit the CPU itself writes when it loads a descriptor (accessed
 * for code/data, busy for LTR), through the guest write path.  Executed in
 * place, that store into a read-only page never completes on kvm_pvm. */
static void touch_descriptor(struct enforce *ef, const struct cpu_view *c, uint16_t sel, uint8_t bit)
{
    uint8_t type;
    uint64_t lin = c->sregs.gdt.base + (sel & ~7u) + 5, gpa;
    if (!(c->sregs.cr0 & 1) || (sel & ~3u) == 0 || (sel & 4) || (sel & ~7u) + 7u > c->sregs.gdt.limit)
        return;
    if (gmem_translate(ef->vm, lin, 1, &gpa) != 0 || memslot_is_protected(ef->vm, PAGE_OF(gpa)) != 1 ||
        enforce_read_code(ef, lin, &type, 1) != 0 || !(type & 0x80) || (type & bit))
        return;
    type |= bit;
    apply_write(ef, gpa, &type, 1, 0);
}

/* The selectors a segment-loading instruction will load, touched first. */
static void touch_loaded_descriptors(struct enforce *ef, const struct cpu_view *c,
                                     const ZydisDecodedInstruction *in, const ZydisDecodedOperand *ops,
                                     const uint8_t *bytes)
{
    uint16_t sel[2] = { 0, 0 };
    unsigned w = in->operand_width / 8;
    uint64_t sp = c->regs.rsp, ss = c->mode == 64 ? 0 : c->sregs.ss.base;
    if (c->mode != 64 && !c->sregs.ss.db)
        sp &= 0xffff;
    if (in->opcode_map == ZYDIS_OPCODE_MAP_DEFAULT && (in->opcode == 0xEA || in->opcode == 0x9A)) {
        memcpy(&sel[0], bytes + in->raw.imm[1].offset, 2);
    } else if (in->opcode_map == ZYDIS_OPCODE_MAP_DEFAULT && (in->opcode == 0xCA || in->opcode == 0xCB ||
                                                              in->opcode == 0xCF)) {
        gmem_read_linear(ef->vm, ss + sp + w, &sel[0], 2);              /* CS */
        if (in->opcode == 0xCF)
            gmem_read_linear(ef->vm, ss + sp + 4 * w, &sel[1], 2);      /* SS, on a privilege change */
    } else if (in->mnemonic == ZYDIS_MNEMONIC_MOV && ops[0].type == ZYDIS_OPERAND_TYPE_REGISTER &&
               ZydisRegisterGetClass(ops[0].reg.value) == ZYDIS_REGCLASS_SEGMENT) {
        if (ops[1].type == ZYDIS_OPERAND_TYPE_REGISTER) {
            const struct kvm_regs *r = &c->regs;
            const uint64_t v[8] = { r->rax, r->rcx, r->rdx, r->rbx, r->rsp, r->rbp, r->rsi, r->rdi };
            int id = ZydisRegisterGetId(ops[1].reg.value);
            if (id >= 0 && id < 8)
                sel[0] = (uint16_t)v[id];
        }
    } else if (in->mnemonic == ZYDIS_MNEMONIC_POP && ops[0].type == ZYDIS_OPERAND_TYPE_REGISTER &&
               ZydisRegisterGetClass(ops[0].reg.value) == ZYDIS_REGCLASS_SEGMENT) {
        gmem_read_linear(ef->vm, ss + sp, &sel[0], 2);
    } else if (in->mnemonic == ZYDIS_MNEMONIC_INT || in->mnemonic == ZYDIS_MNEMONIC_INT3 ||
               in->mnemonic == ZYDIS_MNEMONIC_INTO || in->mnemonic == ZYDIS_MNEMONIC_INT1) {
        unsigned vec = in->opcode == 0xCD ? bytes[in->raw.imm[0].offset] : in->opcode == 0xCC ? 3
                     : in->opcode == 0xCE ? 4 : 1;
        unsigned size = (c->sregs.efer & (1u << 10)) ? 16 : 8;
        uint8_t g[4];
        if (vec * size + size - 1 <= c->sregs.idt.limit &&
            gmem_read_linear(ef->vm, c->sregs.idt.base + vec * size, g, 4) == 0)
            sel[0] = (uint16_t)(g[2] | g[3] << 8);
    } else if (in->mnemonic == ZYDIS_MNEMONIC_LTR && ops[0].type == ZYDIS_OPERAND_TYPE_REGISTER) {
        int id = ZydisRegisterGetId(ops[0].reg.value);
        const uint64_t v[4] = { c->regs.rax, c->regs.rcx, c->regs.rdx, c->regs.rbx };
        if (id >= 0 && id < 4)
            touch_descriptor(ef, c, (uint16_t)v[id], 0x02);         /* busy */
        return;
    }
    for (int i = 0; i < 2; i++)
        if (sel[i])
            touch_descriptor(ef, c, sel[i], 0x01);                 /* accessed */
}

/* Executes the instruction at RIP natively once: its bytes go back, a STEP
 * trap goes on every successor, and the next exit re-arms everything. */
static int step_in_place(struct enforce *ef, const struct cpu_view *c, uint64_t linear, uint64_t gpa,
                         const uint8_t *bytes, size_t nbytes, unsigned len)
{
    struct insn_emul_cpu e;
    struct insn_emul_mem mem = { ef, emul_read, emul_write };
    uint64_t succ[2];
    ZydisDecodedInstruction in;
    ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
    int decoded = decode_full(c, bytes, nbytes, &in, ops) == 0;
    cpu_to_emul(c, &e);
    int n = insn_emul_successors(&e, &mem, bytes, nbytes, succ);
    if (n == 0 && decoded)
        n = system_successors(ef, c, &in, bytes, succ);
    if (decoded)
        touch_loaded_descriptors(ef, c, &in, ops, bytes);
    if (n == 0)
        ef->st.unguarded_steps++;
    for (int i = 0; i < n; i++) {
        uint64_t sg;
        if (gmem_translate(ef->vm, succ[i], 0, &sg) != 0 || in_monitor(ef, sg))
            continue;
        if (sg >= gpa && sg < gpa + len)
            continue;                   /* back to itself: the next exit re-arms it */
        if (plant(ef, sg, TRAP_STEP) != 0 || sync_protection(ef, PAGE_OF(sg)) != 0)
            return -1;
    }
    /* Suspend every trap inside the instruction (its own, overlapping starts). */
    if (trap_suspend_range(ef->tt, gpa, len) != 0) {
        fail(ef, "cannot restore the bytes at 0x%" PRIx64, linear);
        return -1;
    }
    ef->stepping = 1;
    ef->step_started = 1;
    ef->st.stepped++;
    return 0;
}

/* Ends an in-place step: originals out, STEP traps gone. */
static void end_step(struct enforce *ef)
{
    if (!ef->stepping)
        return;
    trap_rearm_suspended(ef->tt);
    if (events_wanted(ef->events)) {
        /* trace each STEP trap removal in address order for determinism */
        size_t n = trap_remove_kind(ef->tt, TRAP_STEP);
        ef->st.traps_removed += n;
    } else {
        ef->st.traps_removed += trap_remove_kind(ef->tt, TRAP_STEP);
    }
    ef->stepping = 0;
}

/* ── plugin vexit hook (plugins branch) ─────────────────────────────── */

void enforce_set_vexit_hook(struct enforce *ef, enforce_vexit_fn fn, void *ctx)
{
    ef->vexit_hook = fn;
    ef->vexit_hook_ctx = ctx;
}

/* 1 if the hook handled the exit (c reloaded), 0 not, -1 error. */
static int call_vexit_hook(struct enforce *ef, struct cpu_view *c, uint64_t linear, uint64_t gpa,
                           const uint8_t *bytes, size_t nbytes, unsigned len, const char *insn,
                           enum prescan_reason reason)
{
    struct enforce_vexit v = { linear, gpa, c->mode, len, bytes, (unsigned)nbytes, insn, reason };
    if (!ef->vexit_hook || ef->vexit_hook(ef->vexit_hook_ctx, &v) != 1)
        return ef->failed ? -1 : 0;
    if (ef->failed || cpu_load(ef, c) != 0)
        return -1;
    return 1;
}

static const char *mnemonic_of(const struct cpu_view *c, const uint8_t *bytes, size_t n)
{
    ZydisDecodedInstruction in;
    ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
    if (n == 0 || decode_full(c, bytes, n, &in, ops) != 0)
        return "(bad)";
    return ZydisMnemonicGetString(in.mnemonic);
}

static void vexit_event(struct enforce *ef, uint64_t linear, const char *insn, enum prescan_reason r,
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

static int set_rip(struct enforce *ef, struct cpu_view *c, uint64_t ip)
{
    c->regs.rip = ip;
    if (vcpu_set_regs(ef->vm, &c->regs) != 0) {
        fail(ef, "cannot set RIP");
        return -1;
    }
    return 0;
}

/* The guest reached an armed trap at (linear, gpa); RIP is on it. */
static int handle_trap(struct enforce *ef, struct cpu_view *c, uint64_t linear, uint64_t gpa)
{
    unsigned kinds = trap_kinds(ef->tt, gpa);
    if (debug_trap_hit(ef, kinds, linear, gpa, c->mode))
        return ef->failed ? -1 : 0;     /* a breakpoint or the end of a stepi: stop here */
    end_step(ef);
    if (!(kinds & TRAP_VIRTUALIZE)) {
        if (kinds & TRAP_BREAK)         /* resuming from a breakpoint: run it in place once */
            return debug_step_native(ef, c, linear, gpa);
        ef->st.step_trap_hits++;
        return ensure_scanned(ef, linear, c->mode);
    }
    if (ensure_scanned(ef, linear, c->mode) != 0)
        return -1;
    uint8_t bytes[PRESCAN_MAX_INSN_LEN];
    size_t nbytes = read_insn_bytes(ef, linear, bytes);
    enum prescan_mode pm = (enum prescan_mode)c->mode;
    uint8_t attr = prescan_attr(ef->ps, gpa, pm);
    unsigned len = attr & PRESCAN_ATTR_LEN_MASK;
    enum prescan_reason reason = prescan_reason_at(ef->ps, gpa, pm);
    const char *insn = mnemonic_of(c, bytes, nbytes);

    ef->st.vexits++;
    ef->st.vexit_reason[reason < PRESCAN_REASON_COUNT ? reason : 0]++;
    switch (call_vexit_hook(ef, c, linear, gpa, bytes, nbytes, len, insn, reason)) {   /* plugins */
    case 1: {
        uint64_t next = cpu_linear(c, c->regs.rip);
        vexit_event(ef, linear, insn, reason, "plugin", 1, next);
        return ensure_scanned(ef, next, c->mode);
    }
    case -1: return -1;
    }
    if (!(attr & PRESCAN_ATTR_VIRTUALIZE)) {
        /* Native in this mode; the trap belongs to another mode's view. */
        vexit_event(ef, linear, insn, reason, "in-place", 0, 0);
        return step_in_place(ef, c, linear, gpa, bytes, nbytes, len);
    }
    if (reason == PRESCAN_REASON_BRANCH_UNSCANNED) {
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
    if (reason == PRESCAN_REASON_UNDECODABLE) {
        uint64_t handler;
        ef->st.ud_injected++;
        vexit_event(ef, linear, insn, reason, "inject-ud", 0, 0);
        if (vcpu_inject_exception(ef->vm, 6, 0, 0) != 0) {
            fail(ef, "cannot inject #UD at 0x%" PRIx64, linear);
            return -1;
        }
        uint64_t hg;
        if (vector_handler(ef, c, 6, &handler) == 0 && gmem_translate(ef->vm, handler, 0, &hg) == 0 &&
            !in_monitor(ef, hg)) {
            if (plant(ef, hg, TRAP_STEP) != 0 || sync_protection(ef, PAGE_OF(hg)) != 0)
                return -1;
            ef->stepping = 1;
            ef->step_started = 1;
        }
        return 0;
    }
    if (reason == PRESCAN_REASON_SENSITIVE) {
        const char *how = "";
        int r = emulate_system_store(ef, c, bytes, nbytes, &how);
        if (r < 0)
            return -1;
        if (r == 1) {
            ef->st.emulated++;
            vexit_event(ef, linear, insn, reason, how, 0, 0);
            return ensure_scanned(ef, cpu_linear(c, c->regs.rip), c->mode);
        }
    }
    if (reason == PRESCAN_REASON_BRANCH_UNSCANNED || reason == PRESCAN_REASON_BRANCH_OUT_OF_PAGE ||
        reason == PRESCAN_REASON_COMPUTED_BRANCH || reason == PRESCAN_REASON_SENSITIVE) {
        struct insn_emul_cpu e;
        struct insn_emul_mem mem = { ef, emul_read, emul_write };
        struct insn_emul_info info;
        cpu_to_emul(c, &e);
        if (insn_emul_step(&e, &mem, bytes, nbytes, &info) == INSN_EMUL_DONE) {
            if (ef->failed)
                return -1;
            emul_to_cpu(&e, c);
            if (vcpu_set_regs(ef->vm, &c->regs) != 0) {
                fail(ef, "cannot set registers");
                return -1;
            }
            ef->st.emulated++;
            uint64_t next = cpu_linear(c, c->regs.rip);
            vexit_event(ef, linear, insn, reason, info.how, info.has_target, next);
            return ensure_scanned(ef, next, c->mode);
        }
    }
    /* Sensitive, far, crossing, overlap, policy, or not emulated: run it in place. */
    vexit_event(ef, linear, insn, reason, "in-place", 0, 0);
    return step_in_place(ef, c, linear, gpa, bytes, nbytes, len ? len : 1);
}

/* ── run-loop hooks ─────────────────────────────────────────────────── */

static int is_scout_device(uint16_t port)
{
    return port == DEV_DEBUGCON_PORT || (port >= DEV_UART_BASE && port < DEV_UART_BASE + 8) ||
           (port >= DEV_EXIT_PORT && port < DEV_EXIT_PORT + 4);
}

static enum vm_hook_result on_io(void *ctx, struct vm *vm, uint16_t port, int out, int size,
                                 uint32_t count, void *data)
{
    struct enforce *ef = ctx;
    struct cpu_view c;
    (void)vm;
    if (out && size == 1 && count == 1 && cpu_load(ef, &c) == 0) {
        uint64_t rip_lin = cpu_linear(&c, c.regs.rip);
        uint64_t cand = ef->io_rip_at_out ? rip_lin : rip_lin - 1, gpa;
        if (gmem_translate(ef->vm, cand, 0, &gpa) == 0 && trap_is_armed(ef->tt, gpa)) {
            vcpu_complete_io(ef->vm);
            if (cpu_load(ef, &c) != 0)
                return VM_HOOK_STOP;
            /* RIP is past the one-byte OUT now, on every host. */
            if (set_rip(ef, &c, c.regs.rip - 1) != 0 || handle_trap(ef, &c, cand, gpa) != 0)
                return VM_HOOK_STOP;
            return ef->failed || ef->stop_now ? VM_HOOK_STOP : VM_HOOK_HANDLED;
        }
    }
    if (ef->stepi_pending && !(out && port >= DEV_EXIT_PORT && port < DEV_EXIT_PORT + 4))
        ef->stop_after_io = 1;          /* the stepped instruction's own I/O: stop after it */
    if (is_scout_device(port) && events_wanted(ef->events)) {
        struct scout_event ev;
        memset(&ev, 0, sizeof(ev));
        ev.type = SCOUT_EV_IO;
        ev.u.io.port = port;
        ev.u.io.out = out;
        ev.u.io.size = (unsigned)size;
        if (out)
            memcpy(&ev.u.io.value, data, (size_t)size <= 4 ? (size_t)size : 4);
        emit(ef, &ev);
    }
    return VM_HOOK_PASS;
}

static enum vm_hook_result on_protected_write(void *ctx, struct vm *vm, uint64_t gpa,
                                              const void *data, unsigned len)
{
    struct enforce *ef = ctx;
    uint8_t copy[16];
    if (len > sizeof(copy))
        len = sizeof(copy);
    memcpy(copy, data, len);            /* the run struct is reused by the completion run */
    vcpu_complete_io(vm);               /* the writing instruction completes first */
    end_step(ef);
    return apply_write(ef, gpa, copy, len, 0) == 0 ? VM_HOOK_HANDLED : VM_HOOK_STOP;
}

static void on_after_exit(void *ctx, struct vm *vm, uint32_t exit_reason)
{
    struct enforce *ef = ctx;
    struct cpu_view c;
    (void)vm;
    stepi_after_exit(ef, exit_reason);
    if (ef->step_started)
        ef->step_started = 0;           /* the step runs now */
    else
        end_step(ef);
    /* The run ends at these: nothing will execute at RIP, so nothing to scan. */
    if (exit_reason == KVM_EXIT_HLT || exit_reason == KVM_EXIT_SHUTDOWN ||
        exit_reason == KVM_EXIT_SYSTEM_EVENT || exit_reason == KVM_EXIT_INTERNAL_ERROR ||
        exit_reason == KVM_EXIT_FAIL_ENTRY)
        return;
    if (cpu_load(ef, &c) != 0)
        return;
    uint64_t lin = cpu_linear(&c, c.regs.rip), gpa;
    if (gmem_translate(ef->vm, lin, 0, &gpa) != 0 || in_monitor(ef, gpa))
        return;
    int scanned = (prescan_attr(ef->ps, gpa, (enum prescan_mode)c.mode) & PRESCAN_ATTR_SCANNED) != 0;
    if (!scanned && !trap_is_armed(ef->tt, gpa)) {
        if (ef->cfg.check_invariant && !ef->invalidated_rip_page) {
            fail(ef, "invariant broken: rip=0x%" PRIx64 " (gpa 0x%" PRIx64 ") is not scanned at an exit",
                 lin, gpa);
            return;
        }
        ensure_scanned(ef, lin, c.mode);
    }
    ef->st.invariant_checks++;
    ef->invalidated_rip_page = 0;
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

struct enforce *enforce_new(struct vm *vm, const struct enforce_config *cfg, struct events *events,
                            char *err, size_t errlen)
{
    struct enforce *ef = calloc(1, sizeof(*ef));
    if (!ef) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    ef->vm = vm;
    ef->cfg = *cfg;
    ef->events = events;
    ef->reserved_base = vm_reserved_base(vm);
    struct trap_mem tm = { vm, trap_mem_read, trap_mem_write };
    ef->tt = trap_table_new(&tm, ENFORCE_TRAP_OUT);
    struct prescan_config pc = { 0 };
    pc.read = read_page_for_engine;
    pc.read_ctx = ef;
    pc.max_depth = cfg->depth;
    pc.listen = on_engine_event;
    pc.listen_ctx = ef;
    ef->ps = ef->tt ? prescan_new(&pc) : NULL;
    if (!ef->ps) {
        snprintf(err, errlen, "out of memory");
        enforce_free(ef);
        return NULL;
    }
    return ef;
}

void enforce_set_io_rip_at_out(struct enforce *ef, int at_out) { ef->io_rip_at_out = at_out; }

void enforce_free(struct enforce *ef)
{
    if (!ef)
        return;
    prescan_free(ef->ps);
    trap_table_free(ef->tt);
    free(ef->touched);
    free(ef);
}

void enforce_set_depth(struct enforce *ef, unsigned depth)
{
    ef->cfg.depth = depth;
    prescan_set_depth(ef->ps, depth);
}
unsigned enforce_depth(const struct enforce *ef) { return ef->cfg.depth; }
struct prescan *enforce_engine(struct enforce *ef) { return ef->ps; }
struct trap_table *enforce_traps(struct enforce *ef) { return ef->tt; }
void enforce_get_stats(const struct enforce *ef, struct enforce_stats *out) { *out = ef->st; }

static int report(struct enforce *ef, char *err, size_t errlen)
{
    if (!ef->failed)
        return 0;
    snprintf(err, errlen, "%s", ef->errmsg);
    ef->failed = 0;
    return -1;
}

/* A scan requested from outside (prescan/pstart): linear -> gpa, mode 0 =
 * the vCPU's current mode; then a whole scan, or only its start (steppable). */
static int start_requested_scan(struct enforce *ef, uint64_t linear, int mode, int whole,
                                char *err, size_t errlen)
{
    struct cpu_view c;
    uint64_t gpa;
    if (cpu_load(ef, &c) != 0)
        return report(ef, err, errlen);
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

int enforce_prescan(struct enforce *ef, uint64_t linear, int mode, char *err, size_t errlen)
{
    if (start_requested_scan(ef, linear, mode, 1, err, errlen) != 0)
        return -1;
    sync_touched(ef);
    return report(ef, err, errlen);
}

int enforce_prescan_start(struct enforce *ef, uint64_t linear, int mode, char *err, size_t errlen)
{
    return start_requested_scan(ef, linear, mode, 0, err, errlen);
}

int enforce_sync(struct enforce *ef, char *err, size_t errlen)
{
    sync_touched(ef);
    return report(ef, err, errlen);
}

int enforce_prepare(struct enforce *ef, char *err, size_t errlen)
{
    struct cpu_view c;
    if (cpu_load(ef, &c) == 0)
        ensure_scanned(ef, cpu_linear(&c, c.regs.rip), c.mode);
    return report(ef, err, errlen);
}

static int debug_resume(struct enforce *ef, struct vm_stop *stop, int stepi);
static void debug_finish(struct enforce *ef, struct vm_stop *stop);

int enforce_run(struct enforce *ef, struct vm_stop *stop)
{
    struct vm_hooks hooks = { ef, on_io, on_protected_write, on_after_exit };
    ef->failed = 0;
    int rc = debug_resume(ef, stop, 0);
    if (rc == 0)
        rc = vm_run(ef->vm, &hooks, stop);
    else
        rc = rc > 0 ? 0 : -1;
    end_step(ef);
    debug_finish(ef, stop);
    if (ef->failed) {
        stop->why = VM_STOP_ERROR;
        snprintf(stop->message, sizeof(stop->message), "%s", ef->errmsg);
        ef->failed = 0;
        return -1;
    }
    return rc;
}

/* ══ debugger support: breakpoints and single steps, with traps ═════════
 * KVM's own single-step and software breakpoints do not work on every host
 * (DESIGN §3), so both are built from the 1-byte traps:
 *   - a breakpoint is a TRAP_BREAK trap: reaching it stops the run with RIP
 *     on it.  The engine never sees it (trap_undo), invalidation keeps it
 *     (only VIRTUALIZE and STEP traps go), and it keeps its page read-only.
 *   - resuming on an armed breakpoint handles the instruction there without
 *     entering the guest, as its trap exit would be handled with the
 *     breakpoint ignored: emulated, resolved, or executed in place once.
 *   - enforce_step does the same for any instruction, then runs until the
 *     first exit after it: a STEP trap at a successor, or the instruction's
 *     own exit (device I/O, a write to a protected page, HLT, exception). */

static void debug_stop(struct enforce *ef, enum enforce_stop kind, uint64_t gpa)
{
    ef->stop_now = 1;
    ef->stop_kind = kind;
    ef->stop_gpa = gpa;
}

/* From handle_trap: 1 if this trap ends the run (handled), 0 to go on. */
static int debug_trap_hit(struct enforce *ef, unsigned kinds, uint64_t linear, uint64_t gpa, int mode)
{
    if (ef->stepi_pending) {
        /* Any armed trap reached while the stepped instruction is in flight
         * is at one of its successors: the instruction is done. */
        end_step(ef);
        ef->stepi_pending = 0;
        if (!(kinds & TRAP_VIRTUALIZE))
            ef->st.step_trap_hits++;
        ensure_scanned(ef, linear, mode);
        debug_stop(ef, ENFORCE_STOP_STEP, gpa);
        return 1;
    }
    if ((kinds & TRAP_BREAK) && !ef->skip_break) {
        end_step(ef);
        ensure_scanned(ef, linear, mode);
        debug_stop(ef, ENFORCE_STOP_BREAK, gpa);
        return 1;
    }
    return 0;
}

static void stepi_after_exit(struct enforce *ef, uint32_t exit_reason)
{
    if (!ef->stepi_pending || ef->step_started)
        return;
    if (exit_reason == KVM_EXIT_MMIO || (exit_reason == KVM_EXIT_IO && ef->stop_after_io)) {
        uint64_t gpa = 0, lin;
        struct cpu_view c;
        ef->stepi_pending = 0;
        ef->stop_after_io = 0;
        if (cpu_load(ef, &c) == 0 && (lin = cpu_linear(&c, c.regs.rip), 1))
            gmem_translate(ef->vm, lin, 0, &gpa);
        ef->stop_kind = ENFORCE_STOP_STEP;
        ef->stop_gpa = gpa;
        vm_request_stop_why(ef->vm, VM_STOP_HOOK);
    }
}

/* Length of the instruction at RIP: from its attribute byte, else decoded. */
static unsigned insn_length(struct enforce *ef, const struct cpu_view *c, uint64_t gpa,
                            const uint8_t *bytes, size_t nbytes)
{
    uint8_t attr = prescan_attr(ef->ps, gpa, (enum prescan_mode)c->mode);
    ZydisDecodedInstruction in;
    ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
    if ((attr & PRESCAN_ATTR_SCANNED) && (attr & PRESCAN_ATTR_LEN_MASK))
        return attr & PRESCAN_ATTR_LEN_MASK;
    if (nbytes && decode_full(c, bytes, nbytes, &in, ops) == 0)
        return in.length;
    return 1;
}

/* Executes the native instruction at RIP once, in place (its own traps,
 * a breakpoint included, suspended).  An instruction that can branch to
 * itself (`jmp .`) would never exit: it is emulated when the emulator can. */
static int debug_step_native(struct enforce *ef, const struct cpu_view *c, uint64_t linear, uint64_t gpa)
{
    uint8_t bytes[PRESCAN_MAX_INSN_LEN];
    if (ensure_scanned(ef, linear, c->mode) != 0)
        return -1;
    size_t nbytes = read_insn_bytes(ef, linear, bytes);
    unsigned len = insn_length(ef, c, gpa, bytes, nbytes);
    if (ef->stepi_pending || ef->stepi_now) {
        struct insn_emul_cpu e;
        struct insn_emul_mem mem = { ef, emul_read, emul_write };
        uint64_t succ[2];
        cpu_to_emul(c, &e);
        int n = insn_emul_successors(&e, &mem, bytes, nbytes, succ);
        int self = 0;
        for (int i = 0; i < n; i++)
            self |= succ[i] >= linear && succ[i] < linear + len;
        struct insn_emul_info info;
        if (self && insn_emul_step(&e, &mem, bytes, nbytes, &info) == INSN_EMUL_DONE) {
            struct cpu_view nc = *c;
            emul_to_cpu(&e, &nc);
            if (vcpu_set_regs(ef->vm, &nc.regs) != 0) {
                fail(ef, "cannot set registers");
                return -1;
            }
            ef->st.emulated++;
            return ensure_scanned(ef, cpu_linear(&nc, nc.regs.rip), nc.mode);
        }
    }
    return step_in_place(ef, c, linear, gpa, bytes, nbytes, len);
}

/* Before entering the guest: if RIP is on an armed breakpoint (or stepi),
 * handle the instruction there as its trap exit would be, without the
 * breakpoint.  0: enter the guest; 1: done without entering it (stop
 * filled); -1: error (ef->failed). */
static int debug_resume(struct enforce *ef, struct vm_stop *stop, int stepi)
{
    struct cpu_view c;
    uint64_t lin, gpa;
    ef->stop_now = 0;
    ef->stop_kind = ENFORCE_STOP_NONE;
    ef->stop_after_io = 0;
    ef->stepi_pending = 0;
    if (cpu_load(ef, &c) != 0)
        return -1;
    lin = cpu_linear(&c, c.regs.rip);
    if (gmem_translate(ef->vm, lin, 0, &gpa) != 0 || in_monitor(ef, gpa)) {
        ef->stepi_pending = stepi;      /* the guest's own fetch decides */
        return 0;
    }
    int armed = trap_is_armed(ef->tt, gpa);
    unsigned kinds = armed ? trap_kinds(ef->tt, gpa) : 0;
    if (!stepi && !(kinds & TRAP_BREAK))
        return 0;
    uint64_t resolved = ef->st.resolved;
    for (int round = 0; round < 3; round++) {
        int rc;
        uint64_t rip0 = c.regs.rip;     /* handle_trap updates c when it emulates */
        ef->skip_break = 1;
        ef->stepi_now = stepi;
        if (kinds & TRAP_VIRTUALIZE)
            rc = handle_trap(ef, &c, lin, gpa);
        else
            rc = debug_step_native(ef, &c, lin, gpa);
        ef->skip_break = 0;
        ef->stepi_now = 0;
        ef->step_started = 0;           /* no exit is being handled: the next one ends the step */
        if (rc != 0 || ef->failed)
            return -1;
        ef->stepi_pending = stepi;      /* from here on, the next exit ends the step */
        if (ef->stepping)
            return 0;                   /* in place: enter the guest */
        struct cpu_view now;
        if (cpu_load(ef, &now) != 0)
            return -1;
        if (now.regs.rip != rip0 || !(ef->st.resolved > resolved)) {
            if (now.regs.rip == rip0)
                return 0;               /* e.g. #UD injected: the guest takes it */
            /* emulated: the instruction is done */
            ef->stepi_pending = 0;
            if (!stepi)
                return 0;
            memset(stop, 0, sizeof(*stop));
            stop->why = VM_STOP_HOOK;
            stop->rip = cpu_linear(&now, now.regs.rip);
            ef->stop_kind = ENFORCE_STOP_STEP;
            gmem_translate(ef->vm, stop->rip, 0, &ef->stop_gpa);
            return 1;
        }
        /* a lazy branch was resolved in place: handle it again, now native */
        ef->stepi_pending = 0;
        resolved = ef->st.resolved;
        c = now;
        kinds = trap_is_armed(ef->tt, gpa) ? trap_kinds(ef->tt, gpa) : 0;
    }
    return 0;
}

static void debug_finish(struct enforce *ef, struct vm_stop *stop)
{
    struct cpu_view c;
    int ours = ef->stop_kind != ENFORCE_STOP_NONE && stop->why == VM_STOP_HOOK;
    ef->stepi_pending = 0;
    ef->stop_after_io = 0;
    ef->stop_now = 0;
    ef->skip_break = 0;
    if (!ours) {
        if (stop->why != VM_STOP_HOOK || !ef->failed)
            ef->stop_kind = ENFORCE_STOP_NONE;
        return;
    }
    if (cpu_load(ef, &c) == 0)
        stop->rip = cpu_linear(&c, c.regs.rip);
    snprintf(stop->message, sizeof(stop->message), "%s at rip=0x%" PRIx64,
             ef->stop_kind == ENFORCE_STOP_BREAK ? "breakpoint" : "stepped", stop->rip);
}

int enforce_step(struct enforce *ef, struct vm_stop *stop)
{
    struct vm_hooks hooks = { ef, on_io, on_protected_write, on_after_exit };
    ef->failed = 0;
    int rc = debug_resume(ef, stop, 1);
    if (rc == 0)
        rc = vm_run(ef->vm, &hooks, stop);
    else if (rc > 0)
        rc = 0;
    end_step(ef);
    if (rc == 0 && stop->why == VM_STOP_HOOK && ef->stop_kind == ENFORCE_STOP_NONE && !ef->failed)
        ef->stop_kind = ENFORCE_STOP_STEP;
    debug_finish(ef, stop);
    if (ef->failed) {
        stop->why = VM_STOP_ERROR;
        snprintf(stop->message, sizeof(stop->message), "%s", ef->errmsg);
        ef->failed = 0;
        return -1;
    }
    return rc;
}

enum enforce_stop enforce_last_stop(const struct enforce *ef, uint64_t *gpa)
{
    if (gpa)
        *gpa = ef->stop_gpa;
    return ef->stop_kind;
}

static int break_check(struct enforce *ef, uint64_t gpa, char *err, size_t errlen)
{
    if (gpa >= vm_mem_size(ef->vm)) {
        snprintf(err, errlen, "physical 0x%" PRIx64 " is outside guest memory (0x%" PRIx64 " bytes)",
                 gpa, vm_mem_size(ef->vm));
        return -1;
    }
    if (in_monitor(ef, gpa)) {
        snprintf(err, errlen, "physical 0x%" PRIx64 " is in scout's reserved region", gpa);
        return -1;
    }
    return 0;
}

int enforce_break_insert(struct enforce *ef, uint64_t gpa, char *err, size_t errlen)
{
    if (break_check(ef, gpa, err, errlen) != 0)
        return -1;
    ef->failed = 0;
    if (plant(ef, gpa, TRAP_BREAK) != 0 || sync_protection(ef, PAGE_OF(gpa)) != 0)
        return report(ef, err, errlen);
    return 0;
}

int enforce_break_remove(struct enforce *ef, uint64_t gpa, char *err, size_t errlen)
{
    if (break_check(ef, gpa, err, errlen) != 0)
        return -1;
    ef->failed = 0;
    unplant(ef, gpa, TRAP_BREAK);
    sync_protection(ef, PAGE_OF(gpa));
    return report(ef, err, errlen);
}
