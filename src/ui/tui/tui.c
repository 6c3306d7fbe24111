/* tui.c — a screen's life cycle (the view model of a session, and its
 * commands in the command context) and the commands themselves: `screen`
 * prints the panes as text, `refresh` redraws the terminal.  See
 * tui_priv.h. */
#include "ui/tui/tui_priv.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ui/cli/cmd_args.h"
#include "ui/cli/command.h"

/* ── commands ──────────────────────────────────────────────────────────── */

int tui_screen_text(struct tui *t, int cols, int rows, FILE *out)
{
    struct tui_canvas c = {0};
    if (cols < 20) cols = 20;
    if (cols > 1000) cols = 1000;
    if (rows < 5) rows = 5;
    if (rows > 1000) rows = 1000;
    if (tui_canvas_resize(&c, cols, rows) < 0)
        return -1;
    t->cmdline = NULL;
    tui_render(t, &c);
    char *line = malloc((size_t)cols + 2);
    if (!line) {
        tui_canvas_free(&c);
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
    tui_canvas_free(&c);
    return 0;
}

static int run_screen(struct cmd_ctx *ctx, int argc, char **argv)
{
    struct tui *t = cmd_data(ctx);
    int cols = 100, rows = 40;
    if (t->interactive && t->term_cols > 0) {
        cols = t->term_cols;
        rows = t->term_rows;
    }
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

static int run_layout(struct cmd_ctx *ctx, int argc, char **argv)
{
    struct tui *t = cmd_data(ctx);
    int l;
    if (argc == 1) {
        cmd_printf(ctx, "layout %s (layouts: map, asm, src, split)\n", tui_layout_name(t->layout));
        return 0;
    }
    if (argc == 2 && (!strcmp(argv[1], "next") || !strcmp(argv[1], "prev"))) {
        t->layout = (enum tui_layout)((t->layout + (argv[1][0] == 'n' ? 1 : TUI_LAYOUT_COUNT - 1)) % TUI_LAYOUT_COUNT);
    } else if (argc != 2 || (l = tui_layout_named(argv[1])) < 0) {
        return cmd_error(ctx, "usage: layout map|asm|src|split|next|prev");
    } else {
        t->layout = (enum tui_layout)l;
        if (l == TUI_LAYOUT_SRC || l == TUI_LAYOUT_SPLIT)
            t->scroll_pane = TUI_PANE_SRC;
    }
    if (t->layout == TUI_LAYOUT_SRC && !session_have_lines(t->s))
        cmd_printf(ctx, "no line information (as -g; --symbols FILE): the disassembly instead\n");
    t->wants_redraw = 1;
    return 0;
}

static int run_winheight(struct cmd_ctx *ctx, int argc, char **argv)
{
    struct tui *t = cmd_data(ctx);
    int p;
    int64_t n;
    if (argc != 3 || (p = tui_pane_named(argv[1])) < 0)
        return cmd_error(ctx, "usage: winheight regs|map|asm|src|log|out|con [+|-]N (0: shared again)");
    const char *v = argv[2];
    int rel = *v == '+' || *v == '-';
    if (cmd_arg_i64(ctx, v + (*v == '+'), -1000, 1000, &n) != 0)
        return -1;
    int h = rel ? (t->win_h[p] ? t->win_h[p] : t->pane_rows[p]) + (int)n : (int)n;
    if (h != 0 && (h < 2 || h > 1000))
        return cmd_error(ctx, "a pane is 2 to 1000 rows (0: shared again), not %d", h);
    t->win_h[p] = h;
    t->wants_redraw = 1;
    return 0;
}

static int run_focus(struct cmd_ctx *ctx, int argc, char **argv)
{
    struct tui *t = cmd_data(ctx);
    uint64_t a, gpa;
    int p;
    (void)argc;
    (void)argv;
    const char *arg = cmd_args_raw(ctx);
    if (!*arg || !strcmp(arg, "rip")) {
        tui_focus(t, 1, 0);
        return 0;
    }
    if ((p = tui_pane_named(arg)) >= 0 || !strcmp(arg, "next")) {
        if (p < 0)
            p = t->scroll_pane == TUI_PANE_OUT ? TUI_PANE_LOG : TUI_PANE_OUT;
        t->scroll_pane = (enum tui_pane)p;
        cmd_printf(ctx, "PgUp/PgDn scroll the %s pane\n", tui_pane_name(p));
        return 0;
    }
    if (cmd_eval_addr(ctx, arg, &a) != 0)
        return -1;
    if (session_translate(t->s, a, &gpa) != 0)
        return cmd_error(ctx, "0x%" PRIx64 " is not mapped", a);
    tui_focus(t, 0, a);
    return 0;
}

static const struct cmd_def tui_cmds[] = {
    { "screen", NULL, "[COLSxROWS]", "print the TUI panes as text",
      "Draws registers, disassembly, the attribute map, pages, the event log and the\n"
      "guest console as plain text (default size: the terminal in the TUI, else 100x40).",
      CMD_CLASS_STATE, CMD_COMPLETE_NONE, CMD_F_NO_REPEAT, run_screen, NULL },
    { "refresh", NULL, "", "redraw the whole screen (also Ctrl-L)", NULL,
      CMD_CLASS_SESSION, CMD_COMPLETE_NONE, CMD_F_NO_REPEAT, run_refresh, NULL },
    { "layout", NULL, "[map|asm|src|split|next|prev]", "arrange the TUI's panes (as gdb's layout)",
      "map: registers, attribute map, disassembly, event log, output, console (the\n"
      "default); asm: the disassembly large; src: the source (needs line\n"
      "information); split: source and disassembly.  The command output is always\n"
      "full width; PgUp/PgDn scroll it (focus PANE picks another).",
      CMD_CLASS_SESSION, CMD_COMPLETE_NONE, CMD_F_NO_REPEAT, run_layout, NULL },
    { "winheight", "wh", "PANE [+|-]N", "a pane's height in rows (0: shared again)",
      "PANE: regs, map, asm, src, log, out (cmd), con.", CMD_CLASS_SESSION, CMD_COMPLETE_NONE, CMD_F_NO_REPEAT,
      run_winheight, NULL },
    { "focus", "fs", "[ADDRESS | rip | out|log|src|asm|con]", "where the map and disassembly look; what PgUp/PgDn scroll",
      "focus ADDRESS: the map, disassembly and source show ADDRESS's page (map ADDRESS\n"
      "does too); focus or focus rip: they follow RIP again; focus PANE: PgUp/PgDn\n"
      "scroll that pane (out by default).",
      CMD_CLASS_SESSION, CMD_COMPLETE_ADDRESS, CMD_F_NO_REPEAT | CMD_F_RAW, run_focus, NULL },
};

void tui_focus(struct tui *t, int follow_rip, uint64_t linear)
{
    t->user_focus = !follow_rip;
    t->user_linear = linear;
    t->scroll[TUI_PANE_ASM] = t->scroll[TUI_PANE_SRC] = 0;
    t->wants_redraw = 1;
}

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
    t->scroll_pane = TUI_PANE_OUT;      /* PgUp/PgDn: the command output */
    if (tui_view_init(t, err, errlen) < 0) {
        tui_free(t);
        return NULL;
    }
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
    tui_view_fini(t);
    free(t);
}
