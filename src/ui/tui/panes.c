/* panes.c — layout and drawing of the view model into a canvas.
 *
 * Layout (W x H, minimum 80x24):
 *   row 0          status bar: guest, mode, CPL, depth, state, RIP
 *   rows 1..H-3    the panes
 *   row H-2        message line (last stop, invalidation)
 *   row H-1        command line (readline's buffer)
 * Wide (W >= 140): left column = attribute map (header, grid, legend),
 * right column = registers, disassembly, pages, event log, output, console.
 * Compact (W < 140): registers across the top; then the map (69 columns)
 * with legend and pages to its right; then disassembly | event log; then
 * command output | guest console.
 *
 * The attribute map is always one cell per byte, 64 bytes per row, so a
 * column is a byte offset's low 6 bits and nothing is ever averaged away.
 * When fewer than 64 rows fit, the grid shows a window of rows scrolled to
 * the focus (RIP, or the last scanned / written byte while RIP has not
 * moved), and its header says which rows are shown.  The whole grid shows
 * when the terminal has room (about 70 rows in the wide layout).
 *
 * Every cell kind has its own character, so the map reads the same with
 * or without colour (NO_COLOR, monochrome terminals, `screen` text):
 *   .  unscanned          n  instruction start, native   V  start, virtualize
 *   -  instruction body   T  planted trap                @  RIP
 *   W  last write         X  instruction hit by the last invalidating write
 *   :  scanned before that invalidation (dropped)
 * Terminals of the scan in progress are underlined and listed in the
 * header. */
#include "ui/tui/tui_priv.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "trace/trace.h"

#define MAP_W 68            /* "fc0 " + 64 cells */
#define WIDE_MIN 140

struct rect { int x, y, w, h; };

static void title(struct tui_canvas *c, struct rect r, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void title(struct tui_canvas *c, struct rect r, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    tui_canvas_fill(c, r.x, r.y, r.w, 1, ' ', TA_UNDER, TC_HEAD);
    tui_canvas_text(c, r.x, r.y, r.w, TA_BOLD | TA_UNDER, TC_HEAD, buf);
}

/* ── registers ─────────────────────────────────────────────────────────── */

/* Reads the registers shown; remembers the previous distinct state for
 * highlighting. */
static int read_regs(struct tui *t, uint64_t cur[TUI_REGS])
{
    for (int i = 0; i < t->nregs; i++)
        if (session_reg_get(t->s, t->reg[i], &cur[i]) < 0)
            return -1;
    if (!t->have_regs) {
        memcpy(t->base_regs, cur, sizeof(t->base_regs));
        memcpy(t->last_regs, cur, sizeof(t->last_regs));
        t->have_regs = 1;
    } else if (memcmp(cur, t->last_regs, sizeof(t->last_regs)) != 0) {
        memcpy(t->base_regs, t->last_regs, sizeof(t->base_regs));
        memcpy(t->last_regs, cur, sizeof(t->last_regs));
    }
    return 0;
}

static int regs_rows(int w)
{
    int per = w / 20;
    if (per < 1) per = 1;
    return (TUI_REGS + per - 1) / per;
}

static void draw_regs(struct tui *t, struct tui_canvas *c, struct rect r, int extra)
{
    uint64_t cur[TUI_REGS] = { 0 };
    if (read_regs(t, cur) < 0) {
        tui_canvas_text(c, r.x, r.y, r.w, 0, TC_ERR, "registers: cannot read the vCPU");
        return;
    }
    int per = r.w / 20;
    if (per < 1) per = 1;
    for (int i = 0; i < t->nregs; i++) {
        int row = i / per, col = i % per;
        if (row >= r.h)
            break;
        uint64_t v = cur[i];
        int changed = v != t->base_regs[i];
        char val[24];
        snprintf(val, sizeof(val), "%" PRIx64, v);
        if (strlen(val) > 12) {                /* keep one blank between slots */
            memmove(val + 1, val + strlen(val) - 11, 12);
            val[0] = '~';                      /* '~': leading digits cut (wide layout shows all) */
        }
        int x = r.x + col * 20;
        /* name, then '*' when changed (visible without colour), then value */
        tui_canvas_printf(c, x, r.y + row, 6, 0, TC_NONE, "%-6s", t->reg[i]->name);
        tui_canvas_put(c, x + 6, r.y + row, changed ? '*' : ' ', changed ? TA_BOLD : 0, changed ? TC_CHANGED : TC_NONE);
        tui_canvas_text(c, x + 7, r.y + row, 12, changed ? TA_BOLD | TA_UNDER : 0, changed ? TC_CHANGED : TC_NONE, val);
    }
    if (extra && regs_rows(r.w) < r.h) {
        struct kvm_regs kr;
        struct kvm_sregs s;
        if (session_regs(t->s, &kr, &s) == 0)
            tui_canvas_printf(c, r.x, r.y + regs_rows(r.w), r.w, TA_DIM, TC_NONE,
                          "cs %04x ss %04x ds %04x es %04x fs %04x gs %04x  cr0 %llx cr3 %llx cr4 %llx efer %llx",
                          s.cs.selector, s.ss.selector, s.ds.selector, s.es.selector, s.fs.selector,
                          s.gs.selector, (unsigned long long)s.cr0, (unsigned long long)s.cr3,
                          (unsigned long long)s.cr4, (unsigned long long)s.efer);
    }
}

/* ── disassembly ───────────────────────────────────────────────────────── */

static uint8_t attr_at(struct tui *t, uint64_t linear, int mode, uint64_t *gpa_out)
{
    uint64_t gpa;
    if (!session_enforced(t->s) || session_translate(t->s, linear, &gpa) != 0)
        return 0;
    if (gpa_out)
        *gpa_out = gpa;
    return session_attr(t->s, gpa, mode);
}

/* The scanned instruction that ends right at linear, if the attribute page
 * knows one (x86 cannot be disassembled backwards otherwise). */
static int prev_insn(struct tui *t, uint64_t linear, int mode, uint64_t *prev)
{
    if (base_page_off(linear) == 0)
        return 0;
    for (unsigned k = 1; k <= 15 && k <= base_page_off(linear); k++) {
        uint8_t a = attr_at(t, linear - k, mode, NULL);
        if ((a & PRESCAN_ATTR_SCANNED) && (a & PRESCAN_ATTR_LEN_MASK) == k) {
            *prev = linear - k;
            return 1;
        }
    }
    return 0;
}

static void draw_disasm(struct tui *t, struct tui_canvas *c, struct rect r)
{
    int ok, mode = session_mode(t->s), enforced = session_enforced(t->s);
    uint64_t rip = tui_rip(t, &ok);
    title(c, r, "disassembly %s  N native V virtualize T trap ? unscanned", session_mode_name(t->s));
    if (!ok || r.h < 2)
        return;
    int lines = r.h - 1;
    /* up to a third of the lines before RIP */
    uint64_t start = rip;
    for (int b = 0; b < lines / 3; b++) {
        uint64_t p;
        if (!prev_insn(t, start, mode, &p))
            break;
        start = p;
    }
    uint64_t a = start;
    int aw = rip > 0xffffffffull ? 16 : 8;
    for (int i = 0; i < lines; i++) {
        int y = r.y + 1 + i;
        struct session_insn in;
        session_disasm(t->s, a, mode, 1, &in);
        uint64_t gpa = 0;
        uint8_t at = attr_at(t, a, mode, &gpa);
        int scanned = at & PRESCAN_ATTR_SCANNED, virt = scanned && (at & PRESCAN_ATTR_VIRTUALIZE);
        unsigned kinds = scanned ? session_trap_kinds(t->s, gpa) : 0;
        int is_rip = a == rip;
        unsigned attr = is_rip ? TA_BOLD | TA_REV : 0;
        char text[sizeof(in.text) + 8];
        unsigned len = in.length ? in.length : 1;
        if (in.nbytes && !in.length)
            snprintf(text, sizeof(text), "(bad) %02x", in.bytes[0]);
        else
            snprintf(text, sizeof(text), "%s", in.text);
        if (scanned && (at & PRESCAN_ATTR_LEN_MASK))
            len = at & PRESCAN_ATTR_LEN_MASK;
        char reason[48] = "";
        if (virt)
            snprintf(reason, sizeof(reason), " %s", session_reason_name(session_reason_at(t->s, gpa, mode)));
        else if (scanned)
            snprintf(reason, sizeof(reason), " native");
        else if (enforced)
            snprintf(reason, sizeof(reason), " unscanned");
        char mark = !enforced ? ' ' : !scanned ? '?' : virt ? 'V' : 'N';
        unsigned mcol = !scanned ? TC_UNSCANNED : virt ? TC_VIRT : TC_NATIVE;
        tui_canvas_fill(c, r.x, y, r.w, 1, ' ', attr, TC_NONE);
        int x = r.x;
        x += tui_canvas_text(c, x, y, r.w, attr, TC_RIP, is_rip ? "=>" : "  ");
        x += tui_canvas_printf(c, x, y, r.x + r.w - x, attr, TC_NONE, " %0*" PRIx64 " ", aw, a);
        tui_canvas_put(c, x++, y, mark, attr | (virt ? TA_BOLD : 0), mcol);
        tui_canvas_put(c, x++, y, kinds ? 'T' : ' ', attr | TA_BOLD, TC_TRAP);
        int narrow = r.w < 60;
        if (narrow && !virt)
            reason[0] = 0;                     /* the N / ? mark says it */
        int tw = r.x + r.w - x - (narrow ? 12 : 18);
        if (tw > 34) tw = 34;
        if (tw < 10) tw = 10;
        x += tui_canvas_printf(c, x, y, r.x + r.w - x, attr, TC_NONE, " %-*.*s", tw, tw, text);
        tui_canvas_text(c, x, y, r.x + r.w - x, attr | (virt ? TA_BOLD : TA_DIM), mcol, reason);
        a += len ? len : 1;
    }
}

/* ── attribute map ─────────────────────────────────────────────────────── */

struct map_view { uint64_t page; int have_rip; unsigned rip_off; unsigned focus_off; const char *why; };

static void map_view(struct tui *t, struct map_view *v)
{
    int ok;
    uint64_t rip = tui_rip(t, &ok), gpa = 0;
    memset(v, 0, sizeof(*v));
    if (ok && session_translate(t->s, rip, &gpa) == 0) {
        v->have_rip = 1;
        v->page = base_page_of(gpa);
        v->rip_off = base_page_off(gpa);
        v->focus_off = v->rip_off;
        v->why = "RIP";
    }
    if (t->focus_valid && ok && t->focus_rip == rip) {
        if (t->focus_page != v->page)
            v->have_rip = 0;
        v->page = t->focus_page;
        v->focus_off = t->focus_off;
        v->why = "last scan/write";
    } else if (!v->have_rip) {
        v->why = "no RIP page";
    }
}

static void legend(struct tui_canvas *c, struct rect r, int cols)
{
    static const struct { char ch; unsigned attr, color; const char *what, *brief; } L[] = {
        { '.', TA_DIM, TC_UNSCANNED, "unscanned", "unscanned" }, { 'n', 0, TC_NATIVE, "start native", "native" },
        { 'V', TA_BOLD, TC_VIRT, "start virtualize", "virtual" }, { '-', 0, TC_BODY, "insn body", "body" },
        { 'T', TA_BOLD | TA_REV, TC_TRAP, "planted trap", "trap" }, { '@', TA_BOLD | TA_REV, TC_RIP, "RIP", "RIP" },
        { 'W', TA_BOLD | TA_UNDER, TC_WRITE, "last write", "write" },
        { 'X', TA_BOLD | TA_REV, TC_INVAL, "invalidated insn", "inval" },
        { ':', TA_DIM, TC_INVAL, "dropped attrs", "dropped" }, { 'n', TA_UNDER, TC_NATIVE, "terminal (underlined)", "terminal" },
    };
    int n = (int)(sizeof(L) / sizeof(L[0]));
    int colw = cols > 0 ? r.w / cols : r.w;
    for (int i = 0; i < n; i++) {
        int row = i / cols, col = i % cols;
        if (row >= r.h)
            break;
        int x = r.x + col * colw, y = r.y + row;
        tui_canvas_put(c, x, y, L[i].ch, L[i].attr, L[i].color);
        tui_canvas_text(c, x + 2, y, colw - 2, 0, TC_NONE, colw - 2 >= 16 ? L[i].what : L[i].brief);
    }
}

static int is_terminal(const struct tui *t, uint64_t gpa)
{
    for (size_t i = 0; i < t->nterms; i++)
        if (t->terms[i].gpa == gpa)
            return 1;
    return 0;
}

/* header (2 lines) + grid in r */
static void draw_map(struct tui *t, struct tui_canvas *c, struct rect r)
{
    struct map_view v;
    map_view(t, &v);
    int mode = session_mode(t->s);
    const uint8_t *attrs = NULL;
    static uint8_t traps[4096];
    memset(traps, 0, sizeof(traps));
    if (session_enforced(t->s) && v.why) {
        attrs = session_attr_page(t->s, v.page, mode);
        session_page_traps(t->s, v.page, traps);
    }
    if (attrs) {
        memcpy(t->snap_attr, attrs, 4096);
        t->snap_page = v.page;
        t->snap_valid = 1;
    }
    int grid_rows = r.h - 2;
    if (grid_rows < 1)
        return;
    if (grid_rows > 64)
        grid_rows = 64;
    int first = 0;
    if (grid_rows < 64) {
        first = (int)(v.focus_off / 64) - grid_rows / 2;
        if (first < 0) first = 0;
        if (first > 64 - grid_rows) first = 64 - grid_rows;
    }
    t->map_whole = grid_rows == 64;
    if (!v.why) {
        title(c, r, "attribute map: no code page (RIP not mapped)");
        return;
    }
    if (!session_enforced(t->s))
        title(c, r, "attribute map: none (--raw: nothing is scanned)");
    else if (grid_rows == 64)
        title(c, r, "map %" PRIx64 " %d-bit%s: whole page, 64 B/row", v.page, mode, attrs ? "" : " (no attrs)");
    else
        title(c, r, "map %" PRIx64 " %d-bit%s: %03x-%03x of fff at %s", v.page, mode, attrs ? "" : " (no attrs)",
              first * 64, (first + grid_rows) * 64 - 1, v.why);
    /* line 2: scan progress (pstep) or the last invalidation */
    char line[512];
    int n = 0;
    if (session_enforced(t->s)) {
        const struct prescan_work *wl;
        size_t wn = session_worklist(t->s, &wl);
        if (t->scan_valid || wn) {
            n += snprintf(line + n, sizeof(line) - (size_t)n, "scan depth %u/%u worklist %zu:", t->scan_depth,
                          session_depth(t->s), wn);
            for (size_t i = 0; i < wn && i < 4 && n < (int)sizeof(line) - 40; i++)
                n += snprintf(line + n, sizeof(line) - (size_t)n, " %" PRIx64 "@%u", wl[wn - 1 - i].gpa,
                              wl[wn - 1 - i].depth);
            if (wn > 4)
                n += snprintf(line + n, sizeof(line) - (size_t)n, " ...");
            if (t->scan_valid)
                n += snprintf(line + n, sizeof(line) - (size_t)n, " | last %" PRIx64 " %s", t->scan_gpa,
                              t->scan_virt ? t->scan_reason : "native");
            if (t->nterms) {
                n += snprintf(line + n, sizeof(line) - (size_t)n, " | terminals:");
                for (size_t i = t->nterms; i-- > 0 && n < (int)sizeof(line) - 60;) {
                    enum prescan_reason why = session_reason_at(t->s, t->terms[i].gpa, mode);
                    n += snprintf(line + n, sizeof(line) - (size_t)n, " %" PRIx64 "(%s)", t->terms[i].gpa,
                                  why == PRESCAN_REASON_NONE ? "end" : session_reason_name(why));
                }
            }
            tui_canvas_text(c, r.x, r.y + 1, r.w, 0, TC_NONE, line);
        } else if (t->inval_valid && t->inval_page == v.page) {
            tui_canvas_printf(c, r.x, r.y + 1, r.w, TA_BOLD, TC_INVAL,
                          "INVALIDATED: write %" PRIx64 "+%u hit insn %" PRIx64 ", %zu attrs dropped", t->inval_write,
                          t->inval_len, t->inval_hit, t->inval_dropped);
        }
    }
    /* body bytes of scanned instructions */
    static uint8_t body[4096];
    memset(body, 0, sizeof(body));
    if (attrs)
        for (unsigned i = 0; i < 4096; i++)
            if (attrs[i] & PRESCAN_ATTR_SCANNED)
                for (unsigned k = 1; k < (attrs[i] & PRESCAN_ATTR_LEN_MASK) && i + k < 4096; k++)
                    body[i + k] = 1;
    int inval_here = t->inval_valid && t->inval_page == v.page;
    for (int row = 0; row < grid_rows; row++) {
        int y = r.y + 2 + row;
        unsigned base = (unsigned)(first + row) * 64;
        tui_canvas_printf(c, r.x, y, 4, TA_DIM, TC_NONE, "%03x ", base);
        for (unsigned col = 0; col < 64; col++) {
            unsigned off = base + col;
            uint64_t gpa = v.page + off;
            uint8_t a = attrs ? attrs[off] : 0;
            char ch = '.';
            unsigned at = TA_DIM, co = TC_UNSCANNED;
            if (a & PRESCAN_ATTR_SCANNED) {
                if (a & PRESCAN_ATTR_VIRTUALIZE) { ch = 'V'; at = TA_BOLD; co = TC_VIRT; }
                else { ch = 'n'; at = 0; co = TC_NATIVE; }
                if (is_terminal(t, gpa))
                    at |= TA_UNDER;
            } else if (body[off]) {
                ch = '-'; at = 0; co = TC_BODY;
            } else if (inval_here && gpa >= t->inval_hit && gpa < t->inval_hit + t->inval_hit_len) {
                ch = 'X'; at = TA_BOLD | TA_REV; co = TC_INVAL;
            } else if (inval_here && t->ghost[off]) {
                ch = ':'; at = TA_DIM; co = TC_INVAL;
            }
            if (traps[off]) { ch = 'T'; at = TA_BOLD | TA_REV; co = TC_TRAP; }
            if (t->have_write && gpa >= t->write_gpa && gpa < t->write_gpa + t->write_len) {
                ch = 'W'; at = TA_BOLD | TA_UNDER; co = TC_WRITE;
            }
            if (v.have_rip && off == v.rip_off) { ch = '@'; at = TA_BOLD | TA_REV; co = TC_RIP; }
            tui_canvas_put(c, r.x + 4 + (int)col, y, ch, at, co);
        }
    }
}

/* ── pages ─────────────────────────────────────────────────────────────── */

static void draw_pages(struct tui *t, struct tui_canvas *c, struct rect r, uint64_t cur_page)
{
    if (r.h < 1 || r.w < 10)
        return;
    size_t live = 0;
    struct prescan_page_info *info = NULL;
    if (session_enforced(t->s)) {
        live = session_pages(t->s, NULL, 0);
        info = live ? calloc(live, sizeof(*info)) : NULL;
        if (info)
            live = session_pages(t->s, info, live);
        else
            live = 0;
        for (size_t i = 0; i < live; i++)
            tui_page_note(t, info[i].page_gpa, 0, 0);
    }
    int wide = r.w >= 34;
    title(c, r, wide ? "pages (%zu)   scanned virt inval dwrite" : "pages %zu: scan/virt inv/dw", t->npages);
    int rows = r.h - 1;
    /* keep the current page visible: start so that it is in the window */
    size_t first = 0;
    for (size_t i = 0; i < t->npages; i++)
        if (t->pages[i].page == cur_page && (int)i >= rows)
            first = i - (size_t)rows + 1;
    for (int k = 0; k < rows && first + (size_t)k < t->npages; k++) {
        const struct tui_page *p = &t->pages[first + (size_t)k];
        unsigned sc = 0, vi = 0;
        int alive = 0;
        for (size_t i = 0; i < live; i++)
            if (info[i].page_gpa == p->page) {
                sc += info[i].scanned;
                vi += info[i].virtualize;
                alive = 1;
            }
        int here = p->page == cur_page;
        unsigned at = here ? TA_BOLD : 0;
        if (wide)
            tui_canvas_printf(c, r.x, r.y + 1 + k, r.w, at, p->invalidations ? TC_INVAL : TC_NONE,
                          "%c%-9" PRIx64 " %7u %4u %5lu %6lu%s", here ? '>' : ' ', p->page, sc, vi, p->invalidations,
                          p->data_writes, alive ? "" : " gone");
        else
            tui_canvas_printf(c, r.x, r.y + 1 + k, r.w, at, p->invalidations ? TC_INVAL : TC_NONE,
                          "%c%" PRIx64 " %u/%u %lu/%lu", here ? '>' : ' ', p->page, sc, vi, p->invalidations,
                          p->data_writes);
    }
    free(info);
}

/* ── log, console, output ──────────────────────────────────────────────── */

static const char *ev_type(const char *l, size_t *len)
{
    const char *sp = strchr(l, ' ');
    const char *type = sp ? sp + 1 : l;
    const char *e = strchr(type, ' ');
    *len = e ? (size_t)(e - type) : strlen(type);
    return type;
}

/* The tail of the event stream, newest at the bottom.  Runs of more than
 * two events of one type are folded into "... N more TYPE"; the last
 * invalidation / data write / stop stays pinned at the top once the tail
 * has scrolled past it. */
static void draw_log(struct tui *t, struct tui_canvas *c, struct rect r)
{
    title(c, r, "event log (%" PRIu64 " events)", trace_writer_count(t->log));
    int rows = r.h - 1;
    if (rows < 1)
        return;
    size_t n = trace_writer_tail_count(t->log);
    struct { const char *l; size_t more; } vis[256];
    int nv = 0;
    for (size_t i = n; i-- > 0 && nv < rows && nv < 256;) {
        const char *l = trace_writer_tail(t->log, i);
        if (!l)
            continue;
        size_t tl, j = i, run = 0;
        const char *type = ev_type(l, &tl);
        while (j > 0) {
            size_t tl2;
            const char *p = trace_writer_tail(t->log, j - 1);
            const char *ty2 = p ? ev_type(p, &tl2) : NULL;
            if (!ty2 || tl2 != tl || strncmp(ty2, type, tl))
                break;
            j--;
            run++;
        }
        vis[nv].l = l;
        vis[nv++].more = 0;
        if (run >= 2 && nv < rows && nv < 256) {
            /* newest one shown, then a fold line, then the oldest of the run */
            vis[nv].l = type;
            vis[nv++].more = run - 1;
            if (nv < rows && nv < 256) {
                vis[nv].l = trace_writer_tail(t->log, j);
                vis[nv++].more = 0;
            }
            i = j;
        } else if (run == 1 && nv < rows && nv < 256) {
            vis[nv].l = trace_writer_tail(t->log, i - 1);
            vis[nv++].more = 0;
            i = j;
        }
    }
    /* pinned: the last important event, when it is not in view */
    const char *pin = tui_ring_get(&t->important, t->important.n ? t->important.n - 1 : 0, NULL);
    if (pin && t->important.n) {
        int seen = 0;
        for (int k = 0; k < nv; k++)
            if (!vis[k].more && vis[k].l && !strcmp(vis[k].l, pin))
                seen = 1;
        if (!seen) {
            if (nv == rows)
                nv--;
            vis[nv].l = pin;
            vis[nv++].more = (size_t)-1;
        }
    }
    for (int k = 0; k < nv; k++) {
        int y = r.y + 1 + (nv - 1 - k);
        const char *l = vis[k].l;
        if (!l)
            continue;
        if (vis[k].more && vis[k].more != (size_t)-1) {
            size_t tl;
            const char *e = strchr(l, ' ');
            tl = e ? (size_t)(e - l) : strlen(l);
            tui_canvas_printf(c, r.x, y, r.w, TA_DIM, TC_NONE, "   ... %zu more %.*s", vis[k].more, (int)tl, l);
            continue;
        }
        size_t tl;
        const char *type = ev_type(l, &tl);
        int hot = !strncmp(type, "invalidate", 10);
        int warm = !strncmp(type, "data-write", 10) || !strncmp(type, "page-free", 9);
        int x = r.x;
        if (vis[k].more == (size_t)-1)
            x += tui_canvas_text(c, x, y, r.w, TA_BOLD, TC_INVAL, "[last] ");
        tui_canvas_text(c, x, y, r.x + r.w - x, hot ? TA_BOLD | TA_REV : warm ? TA_BOLD : 0,
                    hot || warm ? TC_INVAL : TC_NONE, l);
    }
}

static void draw_ring(struct tui_canvas *c, struct rect r, const struct tui_ring *ring, const char *extra,
                      const char *name)
{
    title(c, r, "%s", name);
    int rows = r.h - 1;
    size_t total = ring->n + (extra && *extra ? 1 : 0);
    size_t first = total > (size_t)rows ? total - (size_t)rows : 0;
    for (size_t i = first; i < total; i++) {
        int flag = 0;
        const char *l = i < ring->n ? tui_ring_get(ring, i, &flag) : extra;
        tui_canvas_text(c, r.x, r.y + 1 + (int)(i - first), r.w, flag ? TA_BOLD : 0, flag ? TC_ERR : TC_NONE, l);
    }
}

/* ── status and command line ───────────────────────────────────────────── */

static void draw_status(struct tui *t, struct tui_canvas *c)
{
    int ok;
    uint64_t rip = tui_rip(t, &ok);
    char state[64];
    if (session_running(t->s))
        snprintf(state, sizeof(state), "running %.1fs", tui_now() - t->run_started);
    else
        snprintf(state, sizeof(state), "%s", session_ended(t->s) ? "ended" : "stopped");
    char scan[32];
    if (!session_enforced(t->s))
        snprintf(scan, sizeof(scan), "raw");
    else
        snprintf(scan, sizeof(scan), "depth %u", session_depth(t->s));
    tui_canvas_fill(c, 0, 0, c->w, 1, ' ', TA_REV, TC_TITLE);
    tui_canvas_printf(c, 0, 0, c->w, TA_REV | TA_BOLD, TC_TITLE,
                  " scout | %s | %s cpl%d | %s | %s | rip %" PRIx64 " | Ctrl-C stop  Ctrl-L redraw  quit",
                  session_guest_name(t->s), session_mode_name(t->s), session_cpl(t->s), scan, state, ok ? rip : 0);
}

static void draw_cmdline(struct tui *t, struct tui_canvas *c, int y)
{
    const char *prompt = t->prompt ? t->prompt : "(scout) ";
    int pw = (int)strlen(prompt);
    tui_canvas_fill(c, 0, y, c->w, 1, ' ', 0, TC_NONE);
    tui_canvas_text(c, 0, y, c->w, TA_BOLD, TC_HEAD, prompt);
    if (!t->cmdline)
        return;
    int len = (int)strlen(t->cmdline), avail = c->w - pw - 1;
    int point = t->cmdpoint < 0 ? 0 : t->cmdpoint > len ? len : t->cmdpoint;
    int start = point > avail ? point - avail : 0;
    tui_canvas_text(c, pw, y, avail + 1, 0, TC_NONE, t->cmdline + start);
    t->cursor_x = pw + point - start;
    t->cursor_y = y;
}

/* ── layout ────────────────────────────────────────────────────────────── */

void tui_render(struct tui *t, struct tui_canvas *c)
{
    int W = c->w, H = c->h;
    tui_canvas_clear(c);
    if (W < TUI_MIN_COLS || H < TUI_MIN_ROWS) {
        char msg[128];
        snprintf(msg, sizeof(msg), "scout: terminal %dx%d is too small", W, H);
        tui_canvas_text(c, 0, 0, W, TA_BOLD, TC_ERR, msg);
        snprintf(msg, sizeof(msg), "need at least %dx%d;", TUI_MIN_COLS, TUI_MIN_ROWS);
        tui_canvas_text(c, 0, 1, W, 0, TC_NONE, msg);
        tui_canvas_text(c, 0, 2, W, 0, TC_NONE, "resize, or type quit");
        t->cursor_x = 0;
        t->cursor_y = H > 3 ? 3 : H - 1;
        if (H > 4)
            draw_cmdline(t, c, H - 1);
        return;
    }
    draw_status(t, c);
    tui_canvas_text(c, 0, H - 2, W, TA_BOLD, TC_INVAL, t->status_msg);
    draw_cmdline(t, c, H - 1);
    int top = 1, bodyh = H - 3;
    struct map_view v;
    map_view(t, &v);
    if (W >= WIDE_MIN) {
        int lw = MAP_W + 1, rx = lw + 1, rw = W - rx;
        int grid = bodyh - 2 - 5;
        if (grid > 64) grid = 64;
        struct rect map = { 0, top, MAP_W, grid + 2 };
        draw_map(t, c, map);
        struct rect leg = { 0, top + grid + 2, MAP_W, bodyh - grid - 2 };
        title(c, leg, "legend");
        leg.y++;
        leg.h--;
        legend(c, leg, 2);
        for (int y = top; y < top + bodyh; y++)
            tui_canvas_put(c, lw - 1 + 1, y, '|', TA_DIM, TC_NONE);
        /* right column */
        int rr = regs_rows(rw) + 1;
        struct rect regs = { rx, top, rw, rr };
        draw_regs(t, c, regs, 1);
        int rest = bodyh - rr;
        int dh = rest * 30 / 100, ph = rest * 15 / 100, lh = rest * 25 / 100, oh = rest * 17 / 100;
        int ch = rest - dh - ph - lh - oh;
        int y = top + rr;
        draw_disasm(t, c, (struct rect){ rx, y, rw, dh }); y += dh;
        draw_pages(t, c, (struct rect){ rx, y, rw, ph }, v.page); y += ph;
        draw_log(t, c, (struct rect){ rx, y, rw, lh }); y += lh;
        draw_ring(c, (struct rect){ rx, y, rw, oh }, &t->out, NULL, "command output"); y += oh;
        draw_ring(c, (struct rect){ rx, y, rw, ch }, &t->con, t->con_plen ? t->con_partial : NULL, "guest console");
        (void)y;
        return;
    }
    /* compact */
    int rr = regs_rows(W);
    draw_regs(t, c, (struct rect){ 0, top, W, rr }, 0);
    int rest = bodyh - rr;
    int mh = rest * 45 / 100;
    if (mh < 6) mh = 6;
    if (rest - mh >= 66 + 8)
        mh = 66;
    int lower = rest - mh;
    int dh = lower / 2, oh = lower - dh;
    draw_map(t, c, (struct rect){ 0, top + rr, MAP_W, mh });
    int sx = MAP_W + 1, sw = W - sx;
    struct rect side = { sx, top + rr, sw, mh };
    if (sw >= 24) {
        int lh = sw >= 44 ? 6 : 11;
        if (lh > mh - 3)
            lh = mh - 3;
        title(c, (struct rect){ sx, side.y, sw, 1 }, "legend");
        legend(c, (struct rect){ sx, side.y + 1, sw, lh - 1 }, sw >= 44 ? 2 : 1);
        draw_pages(t, c, (struct rect){ sx, side.y + lh, sw, mh - lh }, v.page);
    } else {
        legend(c, (struct rect){ sx, side.y, sw, mh }, 1);
    }
    int y = top + rr + mh;
    int half = W / 2;
    if (lower >= 18) {
        /* room for full-width disassembly and log (long lines) */
        dh = lower * 36 / 100;
        int lh = lower * 30 / 100;
        oh = lower - dh - lh;
        draw_disasm(t, c, (struct rect){ 0, y, W, dh });
        draw_log(t, c, (struct rect){ 0, y + dh, W, lh });
        y += dh + lh;
    } else {
        draw_disasm(t, c, (struct rect){ 0, y, half - 1, dh });
        draw_log(t, c, (struct rect){ half, y, W - half, dh });
        y += dh;
    }
    draw_ring(c, (struct rect){ 0, y, half - 1, oh }, &t->out, NULL, "command output");
    draw_ring(c, (struct rect){ half, y, W - half, oh }, &t->con, t->con_plen ? t->con_partial : NULL, "guest console");
}
