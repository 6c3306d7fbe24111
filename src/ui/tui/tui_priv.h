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

#include "ui/session/session.h"
#include "ui/tui/tui.h"

/* ── canvas: the screen as cells; ncurses or plain text shows it ───────── */

enum { TA_BOLD = 1, TA_REV = 2, TA_UNDER = 4, TA_DIM = 8 };
enum tui_color {
    TC_NONE, TC_TITLE, TC_CHANGED, TC_NATIVE, TC_VIRT, TC_TRAP, TC_RIP, TC_WRITE,
    TC_UNSCANNED, TC_BODY, TC_INVAL, TC_ERR, TC_HEAD, TC_COUNT
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
    unsigned long invalidations, data_writes;
};

#define TUI_TERMS 6
#define TUI_LOG_TAIL 200
#define TUI_REGS 18                /* rip, rflags and the 16 GPRs */

struct tui {
    struct session *s;
    struct cmd_ctx *ctx;
    FILE *console_echo;            /* batch: guest console also goes here */
    int subscribed;

    /* event log: a trace writer on /dev/null keeping a tail of lines */
    FILE *devnull;
    struct trace_writer *log;

    struct tui_ring out;           /* command output (and command echo) */
    struct tui_ring con;           /* guest console, by line */
    struct tui_ring important;     /* log lines of invalidations, data writes, stops */
    char con_partial[512];
    size_t con_plen;

    struct tui_page *pages;
    size_t npages, cap_pages;

    /* where the map looks: the page of the last scan / write event, until
     * RIP moves */
    int focus_valid;
    uint64_t focus_page;
    unsigned focus_off;
    uint64_t focus_rip;            /* RIP when the focus was set */
    int focus_pinned;              /* an invalidating write holds the focus until the next command */

    int have_write;                /* the last guest/injected write to a code page */
    uint64_t write_gpa;
    unsigned write_len;

    /* the last invalidation, and the map page as it was before it */
    int inval_valid;
    uint64_t inval_page, inval_write, inval_hit;
    unsigned inval_len, inval_hit_len;
    size_t inval_dropped;
    uint8_t snap_attr[4096];       /* attribute page of the last drawn map page */
    uint64_t snap_page;
    int snap_valid;
    uint8_t ghost[4096];           /* scanned before the last invalidation */

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
    double run_started;            /* monotonic seconds at run-start */
    unsigned long ticks;           /* redraws while the guest ran */
};

/* view.c */
/* Sets up the view of t->s: rings, event log, event subscription, the
 * guest console.  0, or -1 with err. */
int  tui_view_init(struct tui *t, char *err, size_t errlen);
void tui_view_fini(struct tui *t);
int  tui_page_note(struct tui *t, uint64_t page, int inval, int dwrite);
uint64_t tui_rip(struct tui *t, int *ok);
double tui_now(void);             /* monotonic seconds */
void tui_output_line(struct tui *t, const char *s, size_t len, int err);

/* panes.c */
void tui_render(struct tui *t, struct tui_canvas *c);
#endif
