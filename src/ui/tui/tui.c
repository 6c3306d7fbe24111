/* tui.c — the TUI's state: event subscription (event log, per-page
 * counters, invalidation marks, scan progress), the guest console by line,
 * the canvas and line rings, and the `screen` / `layout` / `refresh`
 * commands.  Drawing is in tui_panes.c, the terminal in tui_input.c. */
#include "ui/tui/tui.h"
#include "ui/tui/tui_priv.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "monitor/kvm/kvm.h"
#include "prescan/prescan.h"
#include "trace/trace_events.h"
#include "ui/cli/cmd_args.h"
#include "ui/cli/command.h"
#include "ui/session/session.h"

#define PAGE_MASK (~(uint64_t)4095)

/* ── canvas ────────────────────────────────────────────────────────────── */

int canvas_resize(struct tui_canvas *c, int w, int h)
{
    if (w < 1) w = 1;
    if (h < 1) h = 1;
    struct tui_cell *n = calloc((size_t)w * (size_t)h, sizeof(*n));
    if (!n)
        return -1;
    free(c->cells);
    c->cells = n;
    c->w = w;
    c->h = h;
    canvas_clear(c);
    return 0;
}

void canvas_free(struct tui_canvas *c)
{
    free(c->cells);
    c->cells = NULL;
    c->w = c->h = 0;
}

void canvas_clear(struct tui_canvas *c)
{
    for (int i = 0; i < c->w * c->h; i++) {
        c->cells[i].ch = ' ';
        c->cells[i].attr = 0;
        c->cells[i].color = 0;
    }
}

void canvas_put(struct tui_canvas *c, int x, int y, char ch, unsigned attr, unsigned color)
{
    if (x < 0 || y < 0 || x >= c->w || y >= c->h)
        return;
    unsigned char u = (unsigned char)ch;
    struct tui_cell *cell = &c->cells[y * c->w + x];
    cell->ch = (u >= 0x20 && u < 0x7f) ? ch : '?';   /* only printable ASCII reaches the terminal */
    cell->attr = (uint8_t)attr;
    cell->color = (uint8_t)color;
}

int canvas_text(struct tui_canvas *c, int x, int y, int maxw, unsigned attr, unsigned color, const char *s)
{
    int n = 0;
    for (; s && *s && n < maxw; s++, n++) {
        char ch = *s == '\t' ? ' ' : *s;
        canvas_put(c, x + n, y, ch, attr, color);
    }
    return n;
}

int canvas_printf(struct tui_canvas *c, int x, int y, int maxw, unsigned attr, unsigned color, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    return canvas_text(c, x, y, maxw, attr, color, buf);
}

void canvas_fill(struct tui_canvas *c, int x, int y, int w, int h, char ch, unsigned attr, unsigned color)
{
    for (int j = 0; j < h; j++)
        for (int i = 0; i < w; i++)
            canvas_put(c, x + i, y + j, ch, attr, color);
}

/* ── rings ─────────────────────────────────────────────────────────────── */

void ring_init(struct tui_ring *r, size_t cap)
{
    memset(r, 0, sizeof(*r));
    r->line = calloc(cap, sizeof(*r->line));
    r->flag = calloc(cap, 1);
    r->cap = (r->line && r->flag) ? cap : 0;
}

void ring_free(struct tui_ring *r)
{
    for (size_t i = 0; i < r->cap; i++)
        free(r->line[i]);
    free(r->line);
    free(r->flag);
    memset(r, 0, sizeof(*r));
}

void ring_push(struct tui_ring *r, const char *s, size_t len, int flag)
{
    if (!r->cap)
        return;
    if (len > 4096)
        len = 4096;
    char *copy = malloc(len + 1);
    if (!copy)
        return;
    memcpy(copy, s, len);
    copy[len] = 0;
    size_t slot;
    if (r->n < r->cap) {
        slot = (r->head + r->n) % r->cap;
        r->n++;
    } else {
        slot = r->head;
        r->head = (r->head + 1) % r->cap;
    }
    free(r->line[slot]);
    r->line[slot] = copy;
    r->flag[slot] = (unsigned char)flag;
}

const char *ring_get(const struct tui_ring *r, size_t i, int *flag)
{
    if (i >= r->n)
        return NULL;
    size_t slot = (r->head + i) % r->cap;
    if (flag)
        *flag = r->flag[slot];
    return r->line[slot];
}

/* ── session helpers ───────────────────────────────────────────────────── */

uint64_t tui_rip(struct tui *t, int *ok)
{
    struct kvm_regs r;
    if (vcpu_get_regs(vm_vcpu(t->s->vm), &r) < 0) {
        *ok = 0;
        return 0;
    }
    *ok = 1;
    return r.rip;
}

double tui_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int tui_mode(struct tui *t)
{
    int m = vcpu_code_size(vm_vcpu(t->s->vm));
    return m == 16 || m == 32 ? m : 64;
}

int tui_page_note(struct tui *t, uint64_t page, int inval, int dwrite)
{
    size_t lo = 0, hi = t->npages;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (t->pages[mid].page < page) lo = mid + 1;
        else hi = mid;
    }
    if (lo == t->npages || t->pages[lo].page != page) {
        if (t->npages == t->cap_pages) {
            size_t cap = t->cap_pages ? t->cap_pages * 2 : 16;
            struct tui_page *p = realloc(t->pages, cap * sizeof(*p));
            if (!p)
                return -1;
            t->pages = p;
            t->cap_pages = cap;
        }
        memmove(&t->pages[lo + 1], &t->pages[lo], (t->npages - lo) * sizeof(*t->pages));
        t->npages++;
        memset(&t->pages[lo], 0, sizeof(*t->pages));
        t->pages[lo].page = page;
    }
    t->pages[lo].invalidations += (unsigned long)inval;
    t->pages[lo].data_writes += (unsigned long)dwrite;
    return 0;
}

void tui_command_begins(struct tui *t)
{
    if (t)
        t->focus_pinned = 0;
}

static void set_focus(struct tui *t, uint64_t gpa)
{
    int ok;
    t->focus_valid = 1;
    t->focus_page = gpa & PAGE_MASK;
    t->focus_off = (unsigned)(gpa & 4095);
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
            ring_push(&t->important, l, strlen(l), 0);
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
        tui_page_note(t, ev->u.scan.page, 0, 0);
        if (!t->focus_pinned)
            set_focus(t, gpa);      /* not over the rescan that follows an invalidation */
        break;
    }
    case SCOUT_EV_PAGE_ALLOC:
        tui_page_note(t, ev->u.page.page, 0, 0);
        break;
    case SCOUT_EV_INVALIDATE: {
        uint64_t page = ev->u.invalidate.page;
        tui_page_note(t, page, 1, 0);
        t->inval_valid = 1;
        t->inval_page = page;
        t->inval_write = ev->u.invalidate.write;
        t->inval_len = ev->u.invalidate.len;
        t->inval_hit = ev->u.invalidate.hit;
        t->inval_dropped = ev->u.invalidate.dropped;
        t->inval_hit_len = 1;
        memset(t->ghost, 0, sizeof(t->ghost));
        if (t->snap_valid && t->snap_page == page) {
            /* what the map showed before: scanned cells become ghosts */
            for (unsigned i = 0; i < 4096; i++)
                t->ghost[i] = (t->snap_attr[i] & PRESCAN_ATTR_SCANNED) ? 1 : 0;
            uint64_t h = ev->u.invalidate.hit;
            if ((h & PAGE_MASK) == page && (t->snap_attr[h & 4095] & PRESCAN_ATTR_SCANNED))
                t->inval_hit_len = t->snap_attr[h & 4095] & PRESCAN_ATTR_LEN_MASK;
        }
        t->snap_valid = 0;
        t->have_write = 1;
        t->write_gpa = ev->u.invalidate.write;
        t->write_len = ev->u.invalidate.len;
        t->scan_valid = 0;          /* a scan in progress on this page is abandoned */
        t->nterms = 0;
        set_focus(t, ev->u.invalidate.write);
        t->focus_pinned = 1;
        snprintf(t->status_msg, sizeof(t->status_msg),
                 "INVALIDATED page 0x%" PRIx64 ": write 0x%" PRIx64 "+%u hit insn 0x%" PRIx64 " (%zu attrs dropped)",
                 page, ev->u.invalidate.write, ev->u.invalidate.len, ev->u.invalidate.hit,
                 ev->u.invalidate.dropped);
        break;
    }
    case SCOUT_EV_DATA_WRITE:
        tui_page_note(t, ev->u.write.gpa & PAGE_MASK, 0, 1);
        t->have_write = 1;
        t->write_gpa = ev->u.write.gpa;
        t->write_len = ev->u.write.len;
        set_focus(t, ev->u.write.gpa);
        break;
    case SCOUT_EV_RUN_START:
        t->run_started = tui_now();
        t->scan_valid = 0;
        t->nterms = 0;
        break;
    case SCOUT_EV_RUN_STOP:
        t->focus_valid = 0;       /* back to RIP's page */
        t->focus_pinned = 0;
        snprintf(t->status_msg, sizeof(t->status_msg), "stopped: %.180s", t->s->last.message);
        break;
    default:
        break;
    }
    t->wants_redraw = 1;
}

/* ── console ───────────────────────────────────────────────────────────── */

static void con_flush_line(struct tui *t)
{
    ring_push(&t->con, t->con_partial, t->con_plen, 0);
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

/* ── commands ──────────────────────────────────────────────────────────── */

int tui_screen_text(struct tui *t, int cols, int rows, FILE *out)
{
    struct tui_canvas c = {0};
    if (cols < 20) cols = 20;
    if (cols > 1000) cols = 1000;
    if (rows < 5) rows = 5;
    if (rows > 1000) rows = 1000;
    if (canvas_resize(&c, cols, rows) < 0)
        return -1;
    t->cmdline = NULL;
    tui_render(t, &c);
    char *line = malloc((size_t)cols + 2);
    if (!line) {
        canvas_free(&c);
        return -1;
    }
    for (int y = 0; y < rows; y++) {
        int n = cols;
        for (int x = 0; x < cols; x++)
            line[x] = c.cells[y * cols + x].ch;
        while (n > 0 && line[n - 1] == ' ')
            n--;
        line[n] = '\n';
        fwrite(line, 1, (size_t)n + 1, out);
    }
    free(line);
    canvas_free(&c);
    return 0;
}

int tui_term_size(int *cols, int *rows);   /* tui_input.c: 0 when in the TUI */

static int run_screen(struct cmd_ctx *ctx, int argc, char **argv)
{
    struct tui *t = cmd_data(ctx);
    int cols = 100, rows = 40;
    if (t->interactive)
        tui_term_size(&cols, &rows);
    if (argc > 2)
        return cmd_error(ctx, "expected at most one argument COLSxROWS, e.g. 80x24");
    if (argc == 2) {
        unsigned c, r;
        char extra;
        if (sscanf(argv[1], "%ux%u%c", &c, &r, &extra) != 2 || c < 20 || r < 5 || c > 1000 || r > 1000)
            return cmd_error(ctx, "\"%s\": expected COLSxROWS with 20..1000 columns and 5..1000 rows", argv[1]);
        cols = (int)c;
        rows = (int)r;
    }
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (!m)
        return cmd_error(ctx, "out of memory");
    int rc = tui_screen_text(t, cols, rows, m);
    fclose(m);
    if (rc == 0)
        cmd_write(ctx, buf, len);
    free(buf);
    return rc == 0 ? 0 : cmd_error(ctx, "out of memory");
}

static int run_refresh(struct cmd_ctx *ctx, int argc, char **argv)
{
    (void)argc;
    (void)argv;
    struct tui *t = cmd_data(ctx);
    t->wants_redraw = 2;      /* 2: clear and repaint everything */
    return 0;
}

static const struct cmd_def tui_cmds[] = {
    { "screen", NULL, "[COLSxROWS]", "print the TUI panes as text",
      "Draws registers, disassembly, the attribute map, pages, the event log and the\n"
      "guest console as plain text (default size: the terminal in the TUI, else 100x40).",
      CMD_CLASS_STATE, CMD_COMPLETE_NONE, CMD_F_NO_REPEAT, run_screen, NULL },
    { "refresh", NULL, "", "redraw the whole screen (also Ctrl-L)", NULL,
      CMD_CLASS_SESSION, CMD_COMPLETE_NONE, CMD_F_NO_REPEAT, run_refresh, NULL },
};

/* ── life cycle ────────────────────────────────────────────────────────── */

#define NCMDS (sizeof(tui_cmds) / sizeof(tui_cmds[0]))
static struct cmd_def tui_reg[NCMDS];   /* tui_cmds with .data = the tui */
static struct tui *tui_registered;

struct tui *tui_new(struct session *s, struct cmd_ctx *ctx, FILE *console_echo, char *err, size_t errlen)
{
    struct tui *t = calloc(1, sizeof(*t));
    if (!t) {
        snprintf(err, errlen, "tui: out of memory");
        return NULL;
    }
    t->s = s;
    t->ctx = ctx;
    t->console_echo = console_echo;
    ring_init(&t->out, 500);
    ring_init(&t->con, 200);
    ring_init(&t->important, 16);
    t->devnull = fopen("/dev/null", "w");
    if (t->devnull) {
        char e2[256];
        t->log = trace_writer_open_file(t->devnull, "event log", 0, e2, sizeof(e2));
        if (t->log && trace_writer_set_tail(t->log, TUI_LOG_TAIL) < 0) {
            trace_writer_close(t->log, e2, sizeof(e2));
            t->log = NULL;
        }
    }
    if (!t->out.cap || !t->con.cap || !t->important.cap || !t->log) {
        snprintf(err, errlen, "tui: cannot set up the event log and line buffers");
        tui_free(t);
        return NULL;
    }
    if (events_subscribe(&s->events, trace_events_sink, t->log) < 0 ||
        events_subscribe(&s->events, on_event, t) < 0) {
        snprintf(err, errlen, "tui: too many event subscribers");
        tui_free(t);
        return NULL;
    }
    t->subscribed = 1;
    struct dev_console con = { NULL, on_console, t };
    session_set_console(s, &con);

    if (ctx) {
        if (tui_registered) {
            snprintf(err, errlen, "tui: only one screen per process");
            tui_free(t);
            return NULL;
        }
        memcpy(tui_reg, tui_cmds, sizeof(tui_reg));
        for (size_t i = 0; i < NCMDS; i++)
            tui_reg[i].data = t;
        if (cmd_register(ctx, tui_reg, NCMDS) < 0) {
            snprintf(err, errlen, "tui: cannot register the screen commands");
            tui_free(t);
            return NULL;
        }
        tui_registered = t;
    }
    return t;
}

void tui_free(struct tui *t)
{
    if (!t)
        return;
    if (tui_registered == t) {
        cmd_unregister(t->ctx, tui_reg, NCMDS);
        tui_registered = NULL;
    }
    if (t->subscribed) {
        events_unsubscribe(&t->s->events, on_event, t);
        events_unsubscribe(&t->s->events, trace_events_sink, t->log);
        if (t->con_plen)
            con_flush_line(t);
        struct dev_console con = { t->console_echo ? t->console_echo : stdout, NULL, NULL };
        if (t->s->vm)
            session_set_console(t->s, &con);
    }
    if (t->log) {
        char e2[256];
        trace_writer_close(t->log, e2, sizeof(e2));
    }
    if (t->devnull)
        fclose(t->devnull);
    ring_free(&t->out);
    ring_free(&t->con);
    ring_free(&t->important);
    free(t->pages);
    free(t);
}
