/* tui_priv.h — internals shared by the TUI's files, one job each:
 *   canvas.c  the screen as cells, and line rings (no scout state)
 *   view.c    the view model: what the panes show, kept up to date from
 *             the session's events, the guest console and command output
 *   panes.c   layout and drawing of the view model into a canvas
 *   tui.c     a screen's life cycle and its commands (`screen`, `refresh`)
 *   term.c    the terminal: ncurses shows the canvas, readline edits the
 *             command line, signals and the refresh timer
 * Calls go one way, down this list's dependencies: term.c and tui.c ->
 * panes.c -> view.c -> canvas.c; nothing calls term.c but the front end.
 * Not a public header. */
#ifndef SCOUT_UI_TUI_PRIV_H
#define SCOUT_UI_TUI_PRIV_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/base.h"
#include "trace/trace_events.h"
#include "ui/session/session.h"
#include "ui/tui/tui.h"

/* ── canvas: the screen as cells; ncurses or plain text shows it ───────── */

enum { TA_BOLD = 1, TA_REV = 2, TA_UNDER = 4, TA_DIM = 8 };
enum tui_color {
    TC_NONE, TC_TITLE, TC_CHANGED, TC_NATIVE, TC_VIRT, TC_TRAP, TC_RIP, TC_WRITE,
    TC_UNSCANNED, TC_BODY, TC_INVAL, TC_ERR, TC_HEAD, TC_CONSOLE, TC_COUNT
};
struct tui_cell { char ch; uint8_t attr; uint8_t color; };
struct tui_canvas { int w, h; struct tui_cell *cells; };

int  tui_canvas_resize(struct tui_canvas *c, int w, int h);    /* 0 or -1 (ENOMEM) */
void tui_canvas_free(struct tui_canvas *c);
void tui_canvas_clear(struct tui_canvas *c);
void tui_canvas_put(struct tui_canvas *c, int x, int y, char ch, unsigned attr, unsigned color);
/* Text at (x, y), clipped to maxw columns; returns columns written. */
int  tui_canvas_text(struct tui_canvas *c, int x, int y, int maxw, unsigned attr, unsigned color,
                     const char *s);
int  tui_canvas_printf(struct tui_canvas *c, int x, int y, int maxw, unsigned attr, unsigned color,
                       const char *fmt, ...) __attribute__((format(printf, 7, 8)));
void tui_canvas_fill(struct tui_canvas *c, int x, int y, int w, int h, char ch, unsigned attr, unsigned color);

/* ── line rings: command output, guest console ─────────────────────────── */

struct tui_ring {
    char **line;
    unsigned char *flag;       /* per line: 1 = error output */
    size_t cap, n, head;       /* head: index of the oldest */
};
void tui_ring_init(struct tui_ring *r, size_t cap);
void tui_ring_free(struct tui_ring *r);
void tui_ring_push(struct tui_ring *r, const char *s, size_t len, int flag);
/* i = 0 oldest .. n-1 newest */
const char *tui_ring_get(const struct tui_ring *r, size_t i, int *flag);

/* ── the view model ─────────────────────────────────────────────────────── */

struct tui_page {
    uint64_t page;
    unsigned long invalidations, data_writes, exits;
};

#define TUI_TERMS 6
#define TUI_LOG_TAIL 400
#define TUI_REGS 18                /* rip, rflags and the 16 GPRs */

/* The arrangements of `layout` (gdb's src, asm, split; scout's map). */
enum tui_layout { TUI_LAYOUT_MAP, TUI_LAYOUT_ASM, TUI_LAYOUT_SRC, TUI_LAYOUT_SPLIT, TUI_LAYOUT_COUNT };
/* Panes `winheight` and `focus` name. */
enum tui_pane { TUI_PANE_REGS, TUI_PANE_MAP, TUI_PANE_ASM, TUI_PANE_SRC, TUI_PANE_LOG, TUI_PANE_OUT,
                TUI_PANE_CON, TUI_PANE_COUNT };

#define TUI_TYPEAHEAD 256
#define TUI_QUEUE 8

struct tui {
    struct session *s;
    struct cmd_ctx *ctx;
    FILE *console_echo;            /* batch: guest console also goes here */
    int subscribed;

    /* event log: a trace writer on /dev/null keeping a tail of lines, code
     * addresses annotated with symbols */
    FILE *devnull;
    struct trace_writer *log;
    struct trace_events_annotated log_an;

    struct tui_ring out;           /* command output (and command echo) */
    struct tui_ring con;           /* guest console, by line */
    struct tui_ring important;     /* log lines of invalidations, data writes, stops */
    char con_partial[512];
    size_t con_plen;

    VEC(struct tui_page) pages;    /* sorted by page */

    /* where the map looks: the page of the last scan / write event, until
     * RIP moves */
    int focus_valid;
    uint64_t focus_page;
    unsigned focus_off;
    uint64_t focus_rip;            /* RIP when the focus was set */
    int focus_pinned;              /* an invalidating write holds the focus until the next command */
    /* `map ADDR` / `focus ADDR`: the map and disassembly look there until
     * `focus rip` (or `map` alone) */
    int user_focus;
    uint64_t user_linear;

    /* recursive scan progress (pstep) */
    int scan_valid;
    uint64_t scan_gpa;
    unsigned scan_depth, scan_len;
    int scan_virt;
    const char *scan_reason;
    unsigned long scan_count;      /* instructions classified in all */
    struct { uint64_t gpa; unsigned depth; } terms[TUI_TERMS];
    size_t nterms;

    /* registers shown (rip, rflags, GPRs): changes against the previous
     * distinct state */
    const struct x86_reg_info *reg[TUI_REGS];
    int nregs;
    int have_regs;
    uint64_t last_regs[TUI_REGS], base_regs[TUI_REGS];

    /* layout: the arrangement, heights asked for (0: shared), scrolling */
    enum tui_layout layout;
    int win_h[TUI_PANE_COUNT];
    enum tui_pane scroll_pane;     /* what PgUp/PgDn scroll (focus PANE) */
    int scroll[TUI_PANE_COUNT];    /* lines back from the newest (out, log), or down (src) */
    int pane_rows[TUI_PANE_COUNT]; /* rows each pane had at the last draw */

    /* interactive */
    int interactive;
    int term_cols, term_rows;      /* the terminal's size while interactive */
    int wants_redraw;
    int map_whole;                 /* the last layout showed the whole map */
    const char *cmdline;           /* readline's buffer, to draw */
    int cmdpoint;
    int cursor_x, cursor_y;        /* where the terminal cursor goes */
    const char *prompt;
    char status_msg[200];
    int status_kind;               /* 0 plain (a stop), 1 an invalidation, 2 an error */
    char inval_msg[200];           /* the last invalidation: stays until the next command */
    double run_started;            /* monotonic seconds at run-start */
    unsigned long ticks;           /* redraws while the guest ran */
    /* typed while a command runs: shown, `interrupt` acts at once, the rest
     * runs after the command */
    char typeahead[TUI_TYPEAHEAD];
    size_t ntypeahead;
    char queued[TUI_QUEUE][TUI_TYPEAHEAD];
    size_t nqueued;
};

/* view.c */
/* Sets up the view of t->s: rings, event log, event subscription, the
 * guest console.  0, or -1 with err. */
int  tui_view_init(struct tui *t, char *err, size_t errlen);
void tui_view_fini(struct tui *t);
int  tui_page_note(struct tui *t, uint64_t page, int inval, int dwrite, int exits);
uint64_t tui_rip(struct tui *t, int *ok);
double tui_now(void);             /* monotonic seconds */
void tui_output_line(struct tui *t, const char *s, size_t len, int err);

/* panes.c */
void tui_render(struct tui *t, struct tui_canvas *c);
/* PgUp (dir -1) / PgDn (1) on the pane `focus` chose. */
void tui_scroll(struct tui *t, int dir);
/* layout / winheight / focus names; -1 if unknown. */
int tui_layout_named(const char *name);
const char *tui_layout_name(int layout);
int tui_pane_named(const char *name);
const char *tui_pane_name(int pane);
#endif
