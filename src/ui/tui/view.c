/* view.c — the TUI's view model: what the panes show, kept up to date
 * from the session's events (the event log, per-page invalidation and
 * data-write counts, invalidation marks, scan progress), the guest console
 * (by line) and command output.  Drawing it is panes.c's job; the
 * terminal is term.c's.  See tui_priv.h. */
#include "ui/tui/tui_priv.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/base.h"
#include "trace/trace_events.h"

/* ── session helpers ───────────────────────────────────────────────────── */

uint64_t tui_rip(struct tui *t, int *ok)
{
    uint64_t rip = 0;
    *ok = session_reg_read(t->s, "rip", &rip) == 0;
    return rip;
}

double tui_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int tui_page_note(struct tui *t, uint64_t page, int inval, int dwrite, int exits)
{
    size_t lo = 0, hi = t->pages.n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (t->pages.v[mid].page < page) lo = mid + 1;
        else hi = mid;
    }
    if (lo == t->pages.n || t->pages.v[lo].page != page) {
        if (VEC_RESERVE(&t->pages, t->pages.n + 1) != 0)
            return -1;
        memmove(&t->pages.v[lo + 1], &t->pages.v[lo], (t->pages.n - lo) * sizeof(*t->pages.v));
        t->pages.n++;
        memset(&t->pages.v[lo], 0, sizeof(*t->pages.v));
        t->pages.v[lo].page = page;
    }
    t->pages.v[lo].invalidations += (unsigned long)inval;
    t->pages.v[lo].data_writes += (unsigned long)dwrite;
    t->pages.v[lo].exits += (unsigned long)exits;
    return 0;
}

void tui_command_begins(struct tui *t)
{
    if (!t)
        return;
    t->focus_pinned = 0;
    t->inval_msg[0] = 0;
    t->scroll[TUI_PANE_OUT] = 0;        /* a new command: its output in view */
    session_mark_epoch(t->s);
}

static void set_focus(struct tui *t, uint64_t gpa)
{
    int ok;
    t->focus_valid = 1;
    t->focus_page = base_page_of(gpa);
    t->focus_off = base_page_off(gpa);
    t->focus_rip = tui_rip(t, &ok);
}

/* ── events ────────────────────────────────────────────────────────────── */

static void on_event(void *ctx, const struct scout_event *ev)
{
    struct tui *t = ctx;
    if (ev->type == SCOUT_EV_INVALIDATE || ev->type == SCOUT_EV_DATA_WRITE || ev->type == SCOUT_EV_RUN_STOP ||
        ev->type == SCOUT_EV_EXCEPTION) {
        /* the event log's writer is subscribed first: its newest line is this event */
        size_t n = trace_writer_tail_count(t->log);
        const char *l = n ? trace_writer_tail(t->log, n - 1) : NULL;
        if (l)
            tui_ring_push(&t->important, l, strlen(l), 0);
    }
    switch (ev->type) {
    case SCOUT_EV_SCAN: {
        uint64_t gpa = ev->u.scan.page + ev->u.scan.off;
        /* A new scan path: the previous instruction was a terminal unless
         * this one is its fall-through. */
        if (t->scan_valid && gpa != t->scan_gpa + t->scan_len) {
            if (t->nterms == TUI_TERMS) {
                memmove(&t->terms[0], &t->terms[1], (TUI_TERMS - 1) * sizeof(t->terms[0]));
                t->nterms--;
            }
            t->terms[t->nterms].gpa = t->scan_gpa;
            t->terms[t->nterms].depth = t->scan_depth;
            t->nterms++;
        }
        t->scan_valid = 1;
        t->scan_gpa = gpa;
        t->scan_len = ev->u.scan.len;
        t->scan_depth = ev->u.scan.depth;
        t->scan_virt = ev->u.scan.virtualize;
        t->scan_reason = ev->u.scan.reason;
        t->scan_count++;
        tui_page_note(t, ev->u.scan.page, 0, 0, 0);
        if (!t->focus_pinned)
            set_focus(t, gpa);      /* not over the rescan that follows an invalidation */
        break;
    }
    case SCOUT_EV_VEXIT: {
        uint64_t gpa;
        if (session_translate(t->s, ev->u.vexit.rip, &gpa) == 0)
            tui_page_note(t, base_page_of(gpa), 0, 0, 1);
        break;
    }
    case SCOUT_EV_PAGE_ALLOC:
        tui_page_note(t, ev->u.page.page, 0, 0, 0);
        break;
    case SCOUT_EV_INVALIDATE: {
        uint64_t page = ev->u.invalidate.page;
        tui_page_note(t, page, 1, 0, 0);
        t->scan_valid = 0;          /* a scan in progress on this page is abandoned */
        t->nterms = 0;
        set_focus(t, ev->u.invalidate.write);
        t->focus_pinned = 1;
        snprintf(t->inval_msg, sizeof(t->inval_msg),
                 "INVALIDATED page 0x%" PRIx64 ": write 0x%" PRIx64 "+%u hit insn 0x%" PRIx64 " (%zu attrs dropped)",
                 page, ev->u.invalidate.write, ev->u.invalidate.len, ev->u.invalidate.hit,
                 ev->u.invalidate.dropped);
        break;
    }
    case SCOUT_EV_DATA_WRITE:
        tui_page_note(t, base_page_of(ev->u.write.gpa), 0, 1, 0);
        if (!t->focus_pinned)
            set_focus(t, ev->u.write.gpa);
        break;
    case SCOUT_EV_RUN_START:
        t->run_started = tui_now();
        t->scan_valid = 0;
        t->nterms = 0;
        break;
    case SCOUT_EV_RUN_STOP: {
        const struct vm_stop *st = session_last_stop(t->s);
        t->focus_valid = 0;       /* back to RIP's page */
        snprintf(t->status_msg, sizeof(t->status_msg), "stopped: %.180s", st->message);
        /* a breakpoint, a step, Ctrl-C or the guest's own exit is no error */
        t->status_kind = st->why == VM_STOP_HOOK || st->why == VM_STOP_INTERRUPTED || st->why == VM_STOP_TIMEOUT ||
                                 st->why == VM_STOP_EXIT_DEVICE || st->why == VM_STOP_HLT ? 0 : 2;
        break;
    }
    default:
        break;
    }
    t->wants_redraw = 1;
}

/* ── console ───────────────────────────────────────────────────────────── */

static void con_flush_line(struct tui *t)
{
    tui_ring_push(&t->con, t->con_partial, t->con_plen, 0);
    t->con_plen = 0;
}

static void on_console(void *ctx, const void *buf, size_t len)
{
    struct tui *t = ctx;
    const unsigned char *p = buf;
    if (t->console_echo) {
        fwrite(buf, 1, len, t->console_echo);
        fflush(t->console_echo);
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = p[i];
        if (ch == '\n') {
            con_flush_line(t);
        } else if (ch == '\r') {
            continue;
        } else {
            if (t->con_plen == sizeof(t->con_partial))
                con_flush_line(t);
            t->con_partial[t->con_plen++] = (ch >= 0x20 && ch < 0x7f) ? (char)ch : '.';
        }
    }
    t->wants_redraw = 1;
}

/* ── command output ───────────────────────────────────────────────────── */

void tui_output_line(struct tui *t, const char *s, size_t len, int err)
{
    tui_ring_push(&t->out, s, len, err);
}

/* ── set up, take down ─────────────────────────────────────────────────── */

/* The event log names code by symbol (sym=...). */
static size_t symbolize(void *arg, uint64_t addr, char *buf, size_t len)
{
    return session_sym_format(arg, addr, buf, len);
}

/* The registers the panes show: rip, rflags, then the GPRs in table order. */
static void pick_regs(struct tui *t)
{
    static const enum x86_reg_kind order[] = { X86_REG_RIP, X86_REG_RFLAGS, X86_REG_GPR };
    t->nregs = 0;
    for (size_t k = 0; k < sizeof(order) / sizeof(order[0]); k++)
        for (size_t i = 0; i < session_reg_count() && t->nregs < TUI_REGS; i++)
            if (session_reg_at(i)->kind == order[k])
                t->reg[t->nregs++] = session_reg_at(i);
}

int tui_view_init(struct tui *t, char *err, size_t errlen)
{
    tui_ring_init(&t->out, 2000);
    tui_ring_init(&t->con, 200);
    tui_ring_init(&t->important, 16);
    pick_regs(t);
    t->devnull = fopen("/dev/null", "w");
    if (t->devnull) {
        char e2[256];
        t->log = trace_writer_open_file(t->devnull, "event log", 0, e2, sizeof(e2));
        if (t->log && trace_writer_set_tail(t->log, TUI_LOG_TAIL) < 0) {
            trace_writer_close(t->log, e2, sizeof(e2));
            t->log = NULL;
        }
    }
    if (!t->out.cap || !t->con.cap || !t->important.cap || !t->log)
        return base_err(err, errlen, "tui: cannot set up the event log and line buffers");
    t->log_an = (struct trace_events_annotated){ t->log, symbolize, t->s };
    if (session_subscribe(t->s, trace_events_sink_annotated, &t->log_an) < 0 || session_subscribe(t->s, on_event, t) < 0)
        return base_err(err, errlen, "tui: too many event subscribers");
    t->subscribed = 1;
    struct dev_console con = { NULL, on_console, t };
    session_set_console(t->s, &con);
    return 0;
}

void tui_view_fini(struct tui *t)
{
    if (t->subscribed) {
        session_unsubscribe(t->s, on_event, t);
        session_unsubscribe(t->s, trace_events_sink_annotated, &t->log_an);
        if (t->con_plen)
            con_flush_line(t);
        struct dev_console con = { t->console_echo ? t->console_echo : stdout, NULL, NULL };
        session_set_console(t->s, &con);
        t->subscribed = 0;
    }
    if (t->log) {
        char e2[256];
        trace_writer_close(t->log, e2, sizeof(e2));
        t->log = NULL;
    }
    if (t->devnull)
        fclose(t->devnull);
    t->devnull = NULL;
    tui_ring_free(&t->out);
    tui_ring_free(&t->con);
    tui_ring_free(&t->important);
    VEC_FREE(&t->pages);
}
