/* panes.c — layout and drawing of the view model into a canvas.
 *
 * Every layout (minimum 80x24):
 *   row 0          status bar: guest, mode, CPL, depth, state (with the
 *                  running command's progress), RIP, layout
 *   rows 1..H-3    the panes of the layout
 *   row H-2        message line: the last stop (an error in error colour,
 *                  a breakpoint or step not), the last invalidation (until
 *                  the next command), commands typed while the guest runs
 *   row H-1        command line (readline's buffer and prompt, the search
 *                  prompt of Ctrl-R, `>` inside `commands`)
 * Layouts (`layout NAME`), panes top to bottom; the command output is
 * always full width, scrollable with PgUp/PgDn, and `winheight PANE N`
 * fixes a pane's height:
 *   map    registers, the attribute map (legend, per-page strip), disassembly,
 *          event log, command output, guest console.  At 140 columns and more
 *          the map is a column of its own on the left.
 *   asm    registers, disassembly, event log, output, console
 *   src    registers, source (where line information exists), output, console
 *   split  registers, source, disassembly, output, console
 *
 * The attribute map is one cell per byte, 64 bytes a row, with the letters
 * every front end uses (session_map_page: . n V - T B @ W X :); a planted
 * trap is drawn as an attribute (inverse video) of its cell, so native and
 * virtualize stay visible; the terminals of the scan in progress are
 * underlined.  When fewer than 64 rows fit, the grid shows a window of rows
 * around the focus (RIP, the last scan or write, or `map ADDR` / `focus
 * ADDR`), and its header says which rows.  The legend lists every cell
 * kind at every size. */
#include "ui/tui/tui_priv.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "trace/trace.h"
#include "ui/cli/command.h"

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

/* ── names ─────────────────────────────────────────────────────────────── */

static const char *const layout_names[TUI_LAYOUT_COUNT] = { "map", "asm", "src", "split" };
static const char *const pane_names[TUI_PANE_COUNT] = { "regs", "map", "asm", "src", "log", "out", "con" };

int tui_layout_named(const char *name)
{
    for (int i = 0; i < TUI_LAYOUT_COUNT; i++)
        if (strcmp(name, layout_names[i]) == 0)
            return i;
    return -1;
}

const char *tui_layout_name(int layout) { return layout >= 0 && layout < TUI_LAYOUT_COUNT ? layout_names[layout] : "?"; }

int tui_pane_named(const char *name)
{
    static const struct { const char *alias; int pane; } aliases[] = {
        { "cmd", TUI_PANE_OUT }, { "output", TUI_PANE_OUT }, { "disas", TUI_PANE_ASM }, { "console", TUI_PANE_CON },
        { "registers", TUI_PANE_REGS }, { "source", TUI_PANE_SRC },
    };
    for (int i = 0; i < TUI_PANE_COUNT; i++)
        if (strcmp(name, pane_names[i]) == 0)
            return i;
    for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
        if (strcmp(name, aliases[i].alias) == 0)
            return aliases[i].pane;
    return -1;
}

const char *tui_pane_name(int pane) { return pane >= 0 && pane < TUI_PANE_COUNT ? pane_names[pane] : "?"; }

/* ── where the panes look ──────────────────────────────────────────────── */

/* The code address the map, disassembly and source look at: `focus ADDR`,
 * else the last scan or write while RIP has not moved, else RIP. */
struct view_at {
    int have_rip;
    uint64_t rip;               /* linear */
    uint64_t linear;            /* where to look (linear) */
    uint64_t page;              /* its guest-physical page; UINT64_MAX: not mapped */
    unsigned off;
    const char *why;
};

static void view_at(struct tui *t, struct view_at *v)
{
    int ok;
    uint64_t gpa;
    memset(v, 0, sizeof(*v));
    v->page = UINT64_MAX;
    v->rip = session_rip_linear(t->s);
    tui_rip(t, &ok);
    v->have_rip = ok;
    v->linear = v->rip;
    v->why = "RIP";
    if (t->user_focus) {
        v->linear = t->user_linear;
        v->why = "focus";
    }
    if (session_translate(t->s, v->linear, &gpa) == 0) {
        v->page = base_page_of(gpa);
        v->off = base_page_off(gpa);
    }
    if (!t->user_focus && t->focus_valid && ok && t->focus_rip == tui_rip(t, &ok)) {
        /* the disassembly follows too where the page is identity-mapped
         * (events name guest-physical addresses) */
        uint64_t a = t->focus_page + t->focus_off;
        if (session_translate(t->s, a, &gpa) == 0 && gpa == a)
            v->linear = a;
        v->page = t->focus_page;
        v->off = t->focus_off;
        v->why = "last scan/write";
    }
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

/* Registers packed left to right, every value in full ("name *value",
 * '*' when it changed); returns the rows used (or needed, when draw is 0). */
static int draw_regs(struct tui *t, struct tui_canvas *c, struct rect r, int draw)
{
    uint64_t cur[TUI_REGS] = { 0 };
    if (read_regs(t, cur) < 0) {
        if (draw)
            tui_canvas_text(c, r.x, r.y, r.w, 0, TC_ERR, "registers: cannot read the vCPU");
        return 1;
    }
    int x = 0, row = 0;
    for (int i = 0; i < t->nregs; i++) {
        char val[24];
        snprintf(val, sizeof(val), "%" PRIx64, cur[i]);
        int w = (int)strlen(t->reg[i]->name) + 2 + (int)strlen(val);
        int slot = w < 12 ? 12 : w;
        if (x && x + slot > r.w) {
            row++;
            x = 0;
        }
        if (draw && row < r.h) {
            int changed = cur[i] != t->base_regs[i];
            int nx = r.x + x + tui_canvas_text(c, r.x + x, r.y + row, r.w - x, 0, TC_NONE, t->reg[i]->name);
            tui_canvas_put(c, nx, r.y + row, ' ', 0, TC_NONE);
            tui_canvas_put(c, nx + 1, r.y + row, changed ? '*' : ' ', changed ? TA_BOLD : 0,
                           changed ? TC_CHANGED : TC_NONE);
            tui_canvas_text(c, nx + 2, r.y + row, r.x + r.w - nx - 2, changed ? TA_BOLD | TA_UNDER : 0,
                            changed ? TC_CHANGED : TC_NONE, val);
        }
        x += slot + 1;
    }
    return row + 1;
}

static void draw_sregs(struct tui *t, struct tui_canvas *c, struct rect r)
{
    struct kvm_regs kr;
    struct kvm_sregs s;
    if (r.h > 0 && session_regs(t->s, &kr, &s) == 0)
        tui_canvas_printf(c, r.x, r.y, r.w, TA_DIM, TC_NONE,
                          "cs %04x ss %04x ds %04x es %04x fs %04x gs %04x  cr0 %llx cr3 %llx cr4 %llx efer %llx",
                          s.cs.selector, s.ss.selector, s.ds.selector, s.es.selector, s.fs.selector, s.gs.selector,
                          (unsigned long long)s.cr0, (unsigned long long)s.cr3, (unsigned long long)s.cr4,
                          (unsigned long long)s.efer);
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

static void draw_disasm(struct tui *t, struct tui_canvas *c, struct rect r, const struct view_at *v)
{
    int mode = session_mode(t->s), enforced = session_enforced(t->s);
    char where[200] = "";
    if (strcmp(v->why, "RIP"))
        snprintf(where, sizeof(where), " at %" PRIx64 " (%s)", v->linear, v->why);
    title(c, r, "disassembly %s%s  n native V virtualize T trap ? unscanned", session_mode_name(t->s), where);
    if (!v->have_rip || r.h < 2)
        return;
    int lines = r.h - 1;
    /* up to a third of the lines before the focus; PgUp/PgDn move it */
    uint64_t start = v->linear;
    for (int b = 0; b < lines / 3; b++) {
        uint64_t p;
        if (!prev_insn(t, start, mode, &p))
            break;
        start = p;
    }
    uint64_t a = start;
    for (int k = t->scroll[TUI_PANE_ASM]; k > 0; k--) {
        struct session_insn in;
        a += session_disasm(t->s, a, mode, 0, &in) ? in.length : 1;
    }
    int aw = v->rip > 0xffffffffull ? 16 : 8, syms = r.w >= 70;
    for (int i = 0; i < lines; i++) {
        int y = r.y + 1 + i;
        struct session_insn in;
        session_disasm(t->s, a, mode, SESSION_DISASM_COMPACT | (syms ? SESSION_DISASM_SYMBOLS : 0), &in);
        uint64_t gpa = 0;
        uint8_t at = attr_at(t, a, mode, &gpa);
        int scanned = at & PRESCAN_ATTR_SCANNED, virt = scanned && (at & PRESCAN_ATTR_VIRTUALIZE);
        unsigned kinds = scanned || enforced ? session_trap_kinds(t->s, gpa) : 0;
        int is_rip = a == v->rip;
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
        char mark = !enforced ? ' ' : !scanned ? '?' : virt ? 'V' : 'n';
        unsigned mcol = !scanned ? TC_UNSCANNED : virt ? TC_VIRT : TC_NATIVE;
        tui_canvas_fill(c, r.x, y, r.w, 1, ' ', attr, TC_NONE);
        int x = r.x;
        x += tui_canvas_text(c, x, y, r.w, attr, TC_RIP, is_rip ? "=>" : "  ");
        x += tui_canvas_printf(c, x, y, r.x + r.w - x, attr, TC_NONE, " %0*" PRIx64 " ", aw, a);
        tui_canvas_put(c, x++, y, mark, attr | (virt ? TA_BOLD : 0), mcol);
        tui_canvas_put(c, x++, y, kinds & ENF_TRAP_BREAK ? 'B' : kinds ? 'T' : ' ', attr | TA_BOLD, TC_TRAP);
        if (syms) {
            char sym[64];
            if (!session_sym_format(t->s, a, sym, sizeof(sym)))
                sym[0] = 0;
            x += tui_canvas_printf(c, x, y, r.x + r.w - x, attr, TC_HEAD, " %-16.16s", sym);
        }
        int narrow = r.w < 60;
        if (narrow && !virt)
            reason[0] = 0;                     /* the n / ? mark says it */
        int tw = r.x + r.w - x - (narrow ? 12 : 18);
        if (tw > 48) tw = 48;
        if (tw < 10) tw = 10;
        x += tui_canvas_printf(c, x, y, r.x + r.w - x, attr, TC_NONE, " %-*.*s", tw, tw, text);
        tui_canvas_text(c, x, y, r.x + r.w - x, attr | (virt ? TA_BOLD : TA_DIM), mcol, reason);
        a += len ? len : 1;
    }
}

/* ── source ────────────────────────────────────────────────────────────── */

static void draw_source(struct tui *t, struct tui_canvas *c, struct rect r, const struct view_at *v)
{
    struct session_line ln, rip_ln;
    if (r.h < 2)
        return;
    if (!session_have_lines(t->s)) {
        title(c, r, "source");
        tui_canvas_text(c, r.x, r.y + 1, r.w, TA_DIM, TC_NONE,
                        "no line information: the guest's symbols have none (as -g; --symbols FILE)");
        return;
    }
    if (session_line_at(t->s, v->linear, &ln) != 0) {
        title(c, r, "source");
        tui_canvas_printf(c, r.x, r.y + 1, r.w, TA_DIM, TC_NONE, "no source line for 0x%" PRIx64, v->linear);
        return;
    }
    const char *base = strrchr(ln.file, '/');
    title(c, r, "source %s:%u", base ? base + 1 : ln.file, ln.line);
    size_t len;
    unsigned nlines = 0;
    if (!session_source_line(t->s, ln.file, 1, &len, &nlines)) {
        tui_canvas_printf(c, r.x, r.y + 1, r.w, TA_DIM, TC_ERR, "cannot read %s", ln.file);
        return;
    }
    int have_rip = session_line_at(t->s, v->rip, &rip_ln) == 0 && strcmp(rip_ln.file, ln.file) == 0;
    int rows = r.h - 1;
    int first = (int)ln.line - rows / 3 + t->scroll[TUI_PANE_SRC];
    if (first > (int)nlines - rows + 1)
        first = (int)nlines - rows + 1;
    if (first < 1)
        first = 1;
    for (int i = 0; i < rows && first + i <= (int)nlines; i++) {
        unsigned l = (unsigned)(first + i);
        const char *s = session_source_line(t->s, ln.file, l, &len, NULL);
        uint64_t a, gpa;
        if (!s)
            break;
        int bp = session_line_addr(t->s, ln.file, l, &a, NULL) == (int)l && session_translate(t->s, a, &gpa) == 0 &&
                 (session_trap_kinds(t->s, gpa) & ENF_TRAP_BREAK);
        int here = have_rip && rip_ln.line == l;
        unsigned attr = here ? TA_BOLD | TA_REV : 0;
        tui_canvas_fill(c, r.x, r.y + 1 + i, r.w, 1, ' ', attr, TC_NONE);
        int x = r.x + tui_canvas_printf(c, r.x, r.y + 1 + i, r.w, attr, TC_RIP, "%s%c%4u ", here ? "=>" : "  ",
                                        bp ? 'B' : ' ', l);
        char line[512];
        int n = 0;
        for (size_t k = 0; k < len && n < (int)sizeof(line) - 8; k++)   /* tabs to 8 columns */
            if (s[k] == '\t')
                do line[n++] = ' '; while (n % 8);
            else
                line[n++] = s[k];
        line[n] = 0;
        tui_canvas_text(c, x, r.y + 1 + i, r.x + r.w - x, attr, TC_NONE, line);
    }
}

/* ── attribute map ─────────────────────────────────────────────────────── */

static int is_terminal(const struct tui *t, uint64_t gpa)
{
    for (size_t i = 0; i < t->nterms; i++)
        if (t->terms[i].gpa == gpa)
            return 1;
    return 0;
}

/* How a cell of the map is drawn: its letter's colour, a trap in inverse. */
static void cell_style(char ch, uint8_t flags, unsigned *at, unsigned *co)
{
    switch (ch) {
    case '.': *at = TA_DIM; *co = TC_UNSCANNED; break;
    case 'n': *at = 0; *co = TC_NATIVE; break;
    case 'L': *at = TA_BOLD | TA_UNDER; *co = TC_NATIVE; break;   /* a native start a link lands on */
    case 'V': *at = TA_BOLD; *co = TC_VIRT; break;
    case '-': *at = 0; *co = TC_BODY; break;
    case 'T': *at = TA_BOLD | TA_REV; *co = TC_TRAP; break;
    case 'B': *at = TA_BOLD | TA_REV; *co = TC_TRAP; break;
    case '@': *at = TA_BOLD | TA_REV; *co = TC_RIP; break;
    case 'W': *at = TA_BOLD | TA_UNDER; *co = TC_WRITE; break;
    case 'X': *at = TA_BOLD | TA_REV; *co = TC_INVAL; break;
    case ':': *at = TA_DIM; *co = TC_INVAL; break;
    default: *at = 0; *co = TC_NONE; break;
    }
    if ((flags & SESSION_CELL_TRAP) && (ch == 'n' || ch == 'V'))
        *at |= TA_REV;
}

/* The legend: every cell kind, in as many lines as the width needs. */
static int draw_legend(struct tui_canvas *c, struct rect r, int draw)
{
    static const struct { char ch; uint8_t flags; unsigned extra; const char *what, *brief; } L[] = {
        { '.', 0, 0, "unscanned", "unscanned" }, { 'n', 0, 0, "native", "native" },
        { 'V', 0, 0, "virtualize", "virt" }, { 'V', SESSION_CELL_TRAP, 0, "+trap (inverse)", "+trap" },
        { '-', 0, 0, "body", "body" }, { 'T', 0, 0, "trap", "trap" }, { 'B', 0, 0, "breakpoint", "break" },
        { '@', 0, 0, "RIP", "RIP" }, { 'W', 0, 0, "write", "write" }, { 'X', 0, 0, "hit by invalidation", "hit" },
        { ':', 0, 0, "dropped", "dropped" }, { 'n', 0, TA_UNDER, "scan terminal", "terminal" },
        { 'L', 0, 0, "link in", "link" },
    };
    int brief = r.w < 140;
    int x = 0, row = 0;
    for (size_t i = 0; i < sizeof(L) / sizeof(L[0]); i++) {
        const char *what = brief ? L[i].brief : L[i].what;
        int w = 2 + (int)strlen(what) + 2;
        if (x && x + w > r.w) {
            row++;
            x = 0;
        }
        if (draw && row < r.h) {
            unsigned at, co;
            cell_style(L[i].ch, L[i].flags, &at, &co);
            tui_canvas_put(c, r.x + x, r.y + row, L[i].ch, at | L[i].extra, co);
            tui_canvas_text(c, r.x + x + 2, r.y + row, r.w - x - 2, 0, TC_NONE, what);
        }
        x += w;
    }
    return row + 1;
}

static void draw_pages(struct tui *t, struct tui_canvas *c, struct rect r, uint64_t cur_page);

/* The map pane: header (2 lines) and legend across r, then the grid, with
 * the per-page strip beside it when strip (the columns right of the grid). */
static void draw_map(struct tui *t, struct tui_canvas *c, struct rect r, const struct view_at *v, int strip)
{
    int mode = session_mode(t->s);
    if (r.h < 3)
        return;
    if (!session_enforced(t->s)) {
        title(c, r, "attribute map: none (--raw: nothing is scanned)");
        return;
    }
    if (v->page == UINT64_MAX) {
        title(c, r, "attribute map: no code page (0x%" PRIx64 " is not mapped)", v->linear);
        return;
    }
    struct session_map *m = malloc(sizeof(*m));
    if (!m)
        return;
    session_map_page(t->s, v->page, mode, m);
    int leg = draw_legend(c, (struct rect){ r.x, r.y + 2, r.w, r.h }, 0);
    int grid_rows = r.h - 2 - leg;
    if (grid_rows < 1) {
        leg = r.h - 3;
        grid_rows = 1;
    }
    if (grid_rows > 64)
        grid_rows = 64;
    int first = 0;
    if (grid_rows < 64) {
        first = (int)(v->off / 64) - grid_rows / 2;
        if (first < 0) first = 0;
        if (first > 64 - grid_rows) first = 64 - grid_rows;
    }
    t->map_whole = grid_rows == 64;
    if (grid_rows == 64)
        title(c, r, "map %" PRIx64 " %d-bit%s: whole page, 64 B/row", v->page, mode, m->have_attrs ? "" : " (no attrs)");
    else
        title(c, r, "map %" PRIx64 " %d-bit%s: %03x-%03x of fff at %s", v->page, mode,
              m->have_attrs ? "" : " (no attrs)", first * 64, (first + grid_rows) * 64 - 1, v->why);
    /* line 2: scan progress (pstep), else the last invalidation, else counts */
    char line[512];
    int n = 0;
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
    } else if (m->invalidated) {
        tui_canvas_printf(c, r.x, r.y + 1, r.w, TA_BOLD, TC_INVAL,
                          "INVALIDATED: write %" PRIx64 "+%u hit insn %" PRIx64 " (X), %zu attrs dropped (:)",
                          m->inval_write, m->inval_len, m->inval_hit, m->inval_dropped);
    } else {
        tui_canvas_printf(c, r.x, r.y + 1, r.w, TA_DIM, TC_NONE, "%u instructions scanned, %u virtualize, %u trap bytes",
                          m->scanned, m->virtualize, m->traps);
    }
    draw_legend(c, (struct rect){ r.x, r.y + 2, r.w, leg }, 1);
    if (strip)
        draw_pages(t, c, (struct rect){ r.x + MAP_W + 1, r.y + 2 + leg, r.w - MAP_W - 1, grid_rows }, v->page);
    for (int row = 0; row < grid_rows; row++) {
        int y = r.y + 2 + leg + row;
        unsigned base = (unsigned)(first + row) * 64;
        tui_canvas_printf(c, r.x, y, 4, TA_DIM, TC_NONE, "%03x ", base);
        for (unsigned col = 0; col < 64; col++) {
            unsigned off = base + col, at, co;
            cell_style(m->ch[off], m->flags[off], &at, &co);
            if ((m->ch[off] == 'n' || m->ch[off] == 'V') && is_terminal(t, v->page + off))
                at |= TA_UNDER;
            tui_canvas_put(c, r.x + 4 + (int)col, y, m->ch[off], at, co);
        }
    }
    free(m);
}

/* ── pages: the per-page strip ─────────────────────────────────────────── */

/* A count as one heat character: nothing, then powers of ten. */
static char heat(unsigned long n)
{
    static const char levels[] = " .:-=+*#%@";
    int k = 0;
    while (n && k < 9) {
        k++;
        n /= 10;
    }
    return levels[k];
}

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
            tui_page_note(t, info[i].page_gpa, 0, 0, 0);
    }
    int wide = r.w >= 44, medium = r.w >= 20;
    if (wide)
        title(c, r, "pages (%zu) scanned       virt   exits inval dwrite", t->pages.n);
    else
        title(c, r, medium ? "pages (%zu) scan exits inval" : "page scn x i", t->pages.n);
    int rows = r.h - 1;
    /* keep the current page visible: start so that it is in the window */
    size_t first = 0;
    for (size_t i = 0; i < t->pages.n; i++)
        if (t->pages.v[i].page == cur_page && (int)i >= rows)
            first = i - (size_t)rows + 1;
    for (int k = 0; k < rows && first + (size_t)k < t->pages.n; k++) {
        const struct tui_page *p = &t->pages.v[first + (size_t)k];
        unsigned sc = 0, vi = 0;
        int alive = 0;
        for (size_t i = 0; i < live; i++)
            if (info[i].page_gpa == p->page) {
                sc += info[i].scanned;
                vi += info[i].virtualize;
                alive = 1;
            }
        int here = p->page == cur_page, y = r.y + 1 + k;
        unsigned at = here ? TA_BOLD : 0;
        /* the scanned fraction of the page's bytes, as a bar (a start
         * counts its typical 4 bytes) */
        char bar[9];
        unsigned fill = sc * 4 * 8 / 4096 + (sc > 0);
        for (unsigned i = 0; i < 8; i++)
            bar[i] = i < fill ? '#' : '.';
        bar[8] = 0;
        int x = r.x + tui_canvas_printf(c, r.x, y, r.w, at, TC_NONE, medium ? "%c%-8" PRIx64 " " : "%c%" PRIx64 " ",
                                        here ? '>' : ' ', medium ? p->page : p->page >> 12);
        if (medium && !wide) {
            x += tui_canvas_text(c, x, y, r.x + r.w - x, at, TC_NATIVE, bar + 4);
            tui_canvas_put(c, x++, y, ' ', 0, TC_NONE);
            tui_canvas_put(c, x++, y, heat(p->exits), TA_BOLD | TA_REV, TC_VIRT);
            x += tui_canvas_printf(c, x, y, r.x + r.w - x, at, TC_NONE, "%-5lu", p->exits);
            tui_canvas_put(c, x++, y, heat(p->invalidations), TA_BOLD | TA_REV, TC_INVAL);
            tui_canvas_printf(c, x, y, r.x + r.w - x, at, p->invalidations ? TC_INVAL : TC_NONE, "%lu", p->invalidations);
            continue;
        }
        if (!wide) {
            /* narrow: the page number (in 4 KiB units), a scanned-fraction
             * character and the two heat characters */
            tui_canvas_put(c, x++, y, heat(sc), at, TC_NATIVE);
            tui_canvas_put(c, x++, y, heat(p->exits), TA_BOLD | TA_REV, TC_VIRT);
            tui_canvas_put(c, x++, y, heat(p->invalidations), TA_BOLD | TA_REV, TC_INVAL);
            continue;
        }
        x += tui_canvas_text(c, x, y, r.x + r.w - x, at, TC_NATIVE, bar);
        {
            x += tui_canvas_printf(c, x, y, r.x + r.w - x, at, TC_NONE, " %5u %5u ", sc, vi);
            tui_canvas_put(c, x++, y, heat(p->exits), TA_BOLD | TA_REV, TC_VIRT);
            x += tui_canvas_printf(c, x, y, r.x + r.w - x, at, TC_NONE, "%6lu ", p->exits);
            tui_canvas_put(c, x++, y, heat(p->invalidations), TA_BOLD | TA_REV, TC_INVAL);
            tui_canvas_printf(c, x, y, r.x + r.w - x, at, p->invalidations ? TC_INVAL : TC_NONE, "%4lu %6lu%s",
                              p->invalidations, p->data_writes, alive ? "" : " gone");
        }
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
    size_t skip = (size_t)t->scroll[TUI_PANE_LOG] < n ? (size_t)t->scroll[TUI_PANE_LOG] : n;
    n -= skip;
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
    if (pin && t->important.n && !skip) {
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

/* A ring of lines, newest at the bottom, `scroll` lines back. */
static void draw_ring(struct tui_canvas *c, struct rect r, const struct tui_ring *ring, const char *extra,
                      const char *name, int scroll, unsigned color)
{
    int rows = r.h - 1;
    size_t total = ring->n + (extra && *extra ? 1 : 0);
    size_t end = total > (size_t)scroll ? total - (size_t)scroll : 0;
    if (rows < 1)
        return;
    if (end < (size_t)rows && total >= (size_t)rows)
        end = (size_t)rows;             /* scrolled to the top: a full page of the oldest */
    size_t first = end > (size_t)rows ? end - (size_t)rows : 0;
    if (end < total)
        title(c, r, "%s: lines %zu-%zu of %zu (PgUp/PgDn; PgDn to the end)", name, first + 1, end, total);
    else
        title(c, r, "%s%s", name, total > (size_t)rows ? " (PgUp: scroll back)" : "");
    for (size_t i = first; i < end; i++) {
        int flag = 0;
        const char *l = i < ring->n ? tui_ring_get(ring, i, &flag) : extra;
        unsigned at = flag ? TA_BOLD : !strncmp(l, "(scout) ", 8) ? TA_BOLD : 0;
        tui_canvas_text(c, r.x, r.y + 1 + (int)(i - first), r.w, at, flag ? TC_ERR : color, l);
    }
}

void tui_scroll(struct tui *t, int dir)
{
    enum tui_pane p = t->scroll_pane;
    int page = t->pane_rows[p] > 2 ? t->pane_rows[p] - 2 : 1;      /* one line of the last page stays */
    int *s = &t->scroll[p];
    switch (p) {
    case TUI_PANE_OUT:
    case TUI_PANE_LOG:
    case TUI_PANE_CON: {
        int total = p == TUI_PANE_OUT ? (int)t->out.n : p == TUI_PANE_CON ? (int)t->con.n
                                                                          : (int)trace_writer_tail_count(t->log);
        *s -= dir * page;               /* lines back from the newest */
        if (*s > total - 1)
            *s = total > 0 ? total - 1 : 0;
        break;
    }
    default:
        *s += dir * page;               /* lines forward (source, disassembly) */
        break;
    }
    if (*s < 0 && (p == TUI_PANE_OUT || p == TUI_PANE_LOG || p == TUI_PANE_CON || p == TUI_PANE_ASM))
        *s = 0;
    t->wants_redraw = 1;
}

/* ── status and command line ───────────────────────────────────────────── */

static void draw_status(struct tui *t, struct tui_canvas *c)
{
    int ok;
    uint64_t rip = tui_rip(t, &ok);
    char state[200];
    const char *progress = t->ctx ? cmd_progress(t->ctx) : "";
    if (session_running(t->s) == 1)
        snprintf(state, sizeof(state), "running %.1fs", tui_now() - t->run_started);
    else if (*progress)
        snprintf(state, sizeof(state), "%s", progress);
    else
        snprintf(state, sizeof(state), "%s", session_ended(t->s) ? "ended" : "stopped");
    char scan[32];
    if (!session_enforced(t->s))
        snprintf(scan, sizeof(scan), "raw");
    else
        snprintf(scan, sizeof(scan), "depth %u", session_depth(t->s));
    char sym[80] = "";
    if (ok && session_sym_format(t->s, session_rip_linear(t->s), sym + 2, sizeof(sym) - 3)) {
        sym[0] = ' ';
        sym[1] = '<';
        strcat(sym, ">");
    }
    tui_canvas_fill(c, 0, 0, c->w, 1, ' ', TA_REV, TC_TITLE);
    tui_canvas_printf(c, 0, 0, c->w, TA_REV | TA_BOLD, TC_TITLE,
                      " scout | %s | %s cpl%d | %s | %s | rip %" PRIx64 "%s | layout %s | Ctrl-C stop  PgUp/PgDn  help",
                      session_guest_name(t->s), session_mode_name(t->s), session_cpl(t->s), scan, state, ok ? rip : 0,
                      sym, tui_layout_name(t->layout));
}

static void draw_message(struct tui *t, struct tui_canvas *c, int y)
{
    int x = 0;
    if (t->nqueued || t->ntypeahead) {
        x += tui_canvas_printf(c, x, y, c->w - x, TA_BOLD, TC_CHANGED, "[%zu queued: runs after this command] ",
                               t->nqueued);
    }
    if (t->status_msg[0])
        x += tui_canvas_text(c, x, y, c->w - x, t->status_kind == 2 ? TA_BOLD : 0,
                             t->status_kind == 2 ? TC_ERR : TC_HEAD, t->status_msg);
    if (t->inval_msg[0]) {
        if (x)
            x += tui_canvas_text(c, x, y, c->w - x, 0, TC_NONE, " | ");
        tui_canvas_text(c, x, y, c->w - x, TA_BOLD, TC_INVAL, t->inval_msg);
    }
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

/* Stacks panes top to bottom in [y, y+h): fixed heights first (winheight,
 * or the registers' own), the rest shared by weight, each at least min. */
struct slot { enum tui_pane pane; int min, weight, fixed; int h; };

static void stack(struct tui *t, struct slot *s, int n, int h)
{
    int left = h, wsum = 0;
    for (int i = 0; i < n; i++) {
        int want = t->win_h[s[i].pane] ? t->win_h[s[i].pane] : s[i].fixed;
        s[i].h = want ? want : s[i].min;
        if (s[i].h < 2 && s[i].pane != TUI_PANE_REGS)
            s[i].h = 2;
        left -= s[i].h;
        if (!want)
            wsum += s[i].weight;
    }
    /* too tall: take back from the biggest, down to 2 rows */
    while (left < 0) {
        int big = 0;
        for (int i = 1; i < n; i++)
            if (s[i].h > s[big].h)
                big = i;
        if (s[big].h <= 2)
            break;
        s[big].h--;
        left++;
    }
    for (int i = 0, given = 0; i < n && left > 0 && wsum; i++) {
        if (t->win_h[s[i].pane] || s[i].fixed)
            continue;
        int add = i == n - 1 ? left - given : left * s[i].weight / wsum;
        s[i].h += add;
        given += add;
    }
    /* what rounding left over goes to the last shared pane */
    int used = 0;
    for (int i = 0; i < n; i++)
        used += s[i].h;
    for (int i = n - 1; i >= 0 && used < h; i--)
        if (!t->win_h[s[i].pane] && !s[i].fixed) {
            s[i].h += h - used;
            used = h;
        }
}

static void draw_pane(struct tui *t, struct tui_canvas *c, enum tui_pane p, struct rect r, const struct view_at *v,
                      int map_side)
{
    t->pane_rows[p] = r.h;
    switch (p) {
    case TUI_PANE_REGS:
        draw_regs(t, c, r, 1);
        break;
    case TUI_PANE_MAP:
        draw_map(t, c, r, v, map_side && r.w >= MAP_W + 11);
        break;
    case TUI_PANE_ASM: draw_disasm(t, c, r, v); break;
    case TUI_PANE_SRC: draw_source(t, c, r, v); break;
    case TUI_PANE_LOG: draw_log(t, c, r); break;
    case TUI_PANE_OUT: draw_ring(c, r, &t->out, NULL, "command output", t->scroll[TUI_PANE_OUT], TC_NONE); break;
    case TUI_PANE_CON:
        draw_ring(c, r, &t->con, t->con_plen ? t->con_partial : NULL, "guest console", t->scroll[TUI_PANE_CON],
                  TC_CONSOLE);
        break;
    default:
        break;
    }
}

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
    draw_message(t, c, H - 2);
    draw_cmdline(t, c, H - 1);
    int top = 1, bodyh = H - 3;
    struct view_at v;
    view_at(t, &v);
    int regs_h = draw_regs(t, c, (struct rect){ 0, 0, W, 0 }, 0);
    enum tui_layout lay = t->layout;
    if (lay == TUI_LAYOUT_SRC && !session_have_lines(t->s))
        lay = TUI_LAYOUT_ASM;           /* no line information: the code instead */
    if (lay == TUI_LAYOUT_MAP && W >= WIDE_MIN) {
        /* the map a column of its own; the command output full width below */
        /* the whole map when the height allows it and leaves the output 6 rows */
        int map_all = 2 + draw_legend(c, (struct rect){ 0, 0, MAP_W, 0 }, 0) + 64;
        int out_h = t->win_h[TUI_PANE_OUT] ? t->win_h[TUI_PANE_OUT] : bodyh - map_all >= 6 ? bodyh - map_all : bodyh / 4;
        if (out_h < 4) out_h = 4;
        if (out_h > bodyh - 12) out_h = bodyh - 12;
        int colh = bodyh - out_h, lw = MAP_W + 1, rx = lw + 1, rw = W - rx;
        struct rect map = { 0, top, MAP_W, colh };
        t->pane_rows[TUI_PANE_MAP] = colh;
        draw_map(t, c, map, &v, 0);
        for (int y = top; y < top + colh; y++)
            tui_canvas_put(c, lw, y, '|', TA_DIM, TC_NONE);
        int rr = draw_regs(t, c, (struct rect){ rx, 0, rw, 0 }, 0);
        struct slot s[] = { { TUI_PANE_REGS, 0, 0, rr + 1, 0 }, { TUI_PANE_ASM, 4, 30, 0, 0 },
                            { TUI_PANE_LOG, 3, 25, 0, 0 }, { TUI_PANE_CON, 2, 15, 0, 0 } };
        int n = (int)(sizeof(s) / sizeof(s[0]));
        int pages_h = colh / 6 > 3 ? colh / 6 : 3;
        stack(t, s, n, colh - pages_h);
        int y = top;
        for (int i = 0; i < n; i++) {
            struct rect r = { rx, y, rw, s[i].h };
            if (s[i].pane == TUI_PANE_REGS) {
                draw_regs(t, c, r, 1);
                draw_sregs(t, c, (struct rect){ rx, y + rr, rw, s[i].h - rr });
            } else {
                draw_pane(t, c, s[i].pane, r, &v, 0);
            }
            y += s[i].h;
            if (s[i].pane == TUI_PANE_ASM) {
                draw_pages(t, c, (struct rect){ rx, y, rw, pages_h }, v.page);
                y += pages_h;
            }
        }
        draw_pane(t, c, TUI_PANE_OUT, (struct rect){ 0, top + colh, W, out_h }, &v, 0);
        return;
    }
    struct slot s[8];
    int n = 0;
    s[n++] = (struct slot){ TUI_PANE_REGS, 0, 0, regs_h, 0 };
    switch (lay) {
    case TUI_LAYOUT_MAP:
        s[n++] = (struct slot){ TUI_PANE_MAP, 7, 30, 0, 0 };
        s[n++] = (struct slot){ TUI_PANE_ASM, 3, 20, 0, 0 };
        s[n++] = (struct slot){ TUI_PANE_LOG, 2, 8, 0, 0 };
        break;
    case TUI_LAYOUT_ASM:
        s[n++] = (struct slot){ TUI_PANE_ASM, 4, 40, 0, 0 };
        s[n++] = (struct slot){ TUI_PANE_LOG, 2, 10, 0, 0 };
        break;
    case TUI_LAYOUT_SRC:
        s[n++] = (struct slot){ TUI_PANE_SRC, 4, 45, 0, 0 };
        break;
    default:
        s[n++] = (struct slot){ TUI_PANE_SRC, 3, 25, 0, 0 };
        s[n++] = (struct slot){ TUI_PANE_ASM, 3, 20, 0, 0 };
        break;
    }
    s[n++] = (struct slot){ TUI_PANE_OUT, 4, 25, 0, 0 };
    s[n++] = (struct slot){ TUI_PANE_CON, 2, 5, 0, 0 };
    stack(t, s, n, bodyh);
    int y = top;
    for (int i = 0; i < n; i++) {
        draw_pane(t, c, s[i].pane, (struct rect){ 0, y, W, s[i].h }, &v, 1);
        y += s[i].h;
    }
}
