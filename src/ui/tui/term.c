/* term.c — the terminal side of the TUI: ncurses owns the screen,
 * GNU readline's alternate (callback) interface edits the command line
 * (we feed it one byte at a time and draw its buffer ourselves), signals
 * (SIGWINCH resize, SIGINT stop, SIGALRM refresh while the guest runs).
 *
 * Refresh while running: the guest runs inside a command (continue ...),
 * in this thread.  Around each command an interval timer sends SIGALRM
 * every 100 ms; the handler calls session_request_tick(), which makes
 * KVM_RUN return at once (immediate_exit); session_run then calls our tick
 * hook, which redraws, and resumes the guest.  SIGINT calls
 * session_interrupt() while the guest runs (the command returns "stopped")
 * and clears the command line otherwise. */
#include "ui/tui/tui_priv.h"

#include <ctype.h>
#include <curses.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <readline/history.h>
#include <readline/readline.h>

#include "base/base.h"
#include "ui/cli/command.h"
#include "ui/guard/guard.h"

#define TICK_MS 100

static struct tui *g_tui;                 /* readline callbacks have no context */
static volatile sig_atomic_t got_winch, got_int;
static int in_tui;
static SCREEN *g_screen;                        /* ncurses is up */
static int have_color;
static struct tui_canvas g_canvas;
/* Bytes for readline: one key, or an escape sequence read whole (PgUp is
 * ESC [ 5 ~), so readline sees its bytes as available and matches the
 * sequence instead of taking ESC alone. */
static unsigned char input_q[32];
static size_t input_head, input_len;
static int quit_now;
static char hist_path[4096];
static char out_partial[2][1024];
static size_t out_plen[2];

/* ── signals ───────────────────────────────────────────────────────────── */

static void on_sigwinch(int sig)
{
    (void)sig;
    got_winch = 1;
}

static volatile sig_atomic_t in_command;   /* a command line is being run */

static void on_sigint(int sig)
{
    (void)sig;
    guard_sigint();             /* a second one before the loop took the first ends scout */
    if (g_tui && (in_command || session_running(g_tui->s)))
        session_interrupt(g_tui->s, VM_STOP_INTERRUPTED);   /* a run, or the next step of a loop */
    else
        got_int = 1;
}

static void on_sigalrm(int sig)
{
    (void)sig;
    if (g_tui)
        session_request_tick(g_tui->s);
}

static void set_timer(int on)
{
    struct itimerval it;
    memset(&it, 0, sizeof(it));
    if (on) {
        it.it_interval.tv_usec = TICK_MS * 1000;
        it.it_value.tv_usec = TICK_MS * 1000;
    }
    setitimer(ITIMER_REAL, &it, NULL);
}

/* ── drawing ───────────────────────────────────────────────────────────── */

static void init_colors(void)
{
    const char *nc = getenv("NO_COLOR");
    have_color = has_colors() && !(nc && *nc);
    if (!have_color)
        return;
    if (start_color() == ERR) {
        have_color = 0;
        return;
    }
    use_default_colors();
    static const short fg[TC_COUNT] = {
        [TC_TITLE] = COLOR_CYAN, [TC_CHANGED] = COLOR_YELLOW, [TC_NATIVE] = COLOR_GREEN, [TC_VIRT] = COLOR_RED,
        [TC_TRAP] = COLOR_MAGENTA, [TC_RIP] = COLOR_CYAN, [TC_WRITE] = COLOR_YELLOW, [TC_UNSCANNED] = COLOR_BLUE,
        [TC_BODY] = COLOR_GREEN, [TC_INVAL] = COLOR_RED, [TC_ERR] = COLOR_RED, [TC_HEAD] = COLOR_CYAN,
    };
    for (int i = 1; i < TC_COUNT && i < COLOR_PAIRS; i++)
        init_pair((short)i, fg[i], -1);
}

static void blit(void)
{
    struct tui_canvas *c = &g_canvas;
    for (int y = 0; y < c->h && y < LINES; y++) {
        move(y, 0);
        for (int x = 0; x < c->w && x < COLS; x++) {
            const struct tui_cell *cell = &c->cells[y * c->w + x];
            chtype a = 0;
            if (cell->attr & TA_BOLD) a |= A_BOLD;
            if (cell->attr & TA_REV) a |= A_REVERSE;
            if (cell->attr & TA_UNDER) a |= A_UNDERLINE;
            if (cell->attr & TA_DIM) a |= A_DIM;
            if (have_color && cell->color && cell->color < COLOR_PAIRS)
                a |= COLOR_PAIR(cell->color);
            if (y == LINES - 1 && x == COLS - 1)
                insch((chtype)(unsigned char)cell->ch | a);   /* the last cell: do not scroll */
            else
                addch((chtype)(unsigned char)cell->ch | a);
        }
    }
}

static void handle_resize(void)
{
    struct winsize ws;
    got_winch = 0;
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 && ws.ws_row > 0)
        resizeterm(ws.ws_row, ws.ws_col);
    clearok(curscr, TRUE);
}

static void draw(int full)
{
    if (!in_tui)
        return;
    if (got_winch)
        handle_resize(), full = 1;
    if (g_canvas.w != COLS || g_canvas.h != LINES)
        if (tui_canvas_resize(&g_canvas, COLS, LINES) < 0)
            return;
    const char *capture = cmd_capture_prompt(g_tui->ctx);
    if (in_command) {
        /* what is typed meanwhile (typeahead), after a "(running)" prompt */
        g_tui->typeahead[g_tui->ntypeahead] = 0;
        g_tui->cmdline = g_tui->typeahead;
        g_tui->cmdpoint = (int)g_tui->ntypeahead;
        g_tui->prompt = "(running) ";
    } else {
        g_tui->cmdline = rl_line_buffer ? rl_line_buffer : "";
        g_tui->cmdpoint = rl_point;
        /* readline's own prompt while it searches (Ctrl-R), `>` in `commands` */
        g_tui->prompt = rl_display_prompt && rl_prompt && strcmp(rl_display_prompt, rl_prompt) ? rl_display_prompt
                        : capture ? "> " : "(scout) ";
    }
    g_tui->term_cols = COLS;
    g_tui->term_rows = LINES;
    tui_render(g_tui, &g_canvas);
    if (full)
        clearok(curscr, TRUE);
    blit();
    int cy = g_tui->cursor_y, cx = g_tui->cursor_x;
    if (cy >= 0 && cy < LINES && cx >= 0 && cx < COLS)
        move(cy, cx);
    refresh();
    g_tui->wants_redraw = 0;
}

/* Typed while a command runs (the keyboard is read at each tick): shown on
 * the command line; Enter on `interrupt` (or a prefix from "int") stops
 * the guest at once, any other line waits for the command to end. */
static void typeahead_line(struct tui *t)
{
    char *l = t->typeahead;
    while (*l == ' ')
        l++;
    size_t n = strlen(l);
    while (n && l[n - 1] == ' ')
        l[--n] = 0;
    if (n >= 3 && strncmp("interrupt", l, n) == 0) {
        session_interrupt(t->s, VM_STOP_INTERRUPTED);
        tui_output_line(t, "(scout) interrupt", 17, 0);
    } else if (n && t->nqueued < TUI_QUEUE) {
        snprintf(t->queued[t->nqueued++], TUI_TYPEAHEAD, "%s", l);
    } else if (n) {
        tui_output_line(t, "typed while running: too many lines queued, this one is dropped", 64, 1);
    }
    t->ntypeahead = 0;
}

static void poll_typeahead(struct tui *t)
{
    int ch;
    wtimeout(stdscr, 0);
    while ((ch = wgetch(stdscr)) != ERR) {
        if (ch == '\r' || ch == '\n')
            typeahead_line(t);
        else if ((ch == 0x7f || ch == 0x08 || ch == KEY_BACKSPACE) && t->ntypeahead)
            t->ntypeahead--;
        else if (ch == 0x15)            /* Ctrl-U */
            t->ntypeahead = 0;
        else if (ch >= 0x20 && ch < 0x7f && t->ntypeahead + 1 < TUI_TYPEAHEAD)
            t->typeahead[t->ntypeahead++] = (char)ch;
    }
    wtimeout(stdscr, TICK_MS);
}

/* session tick: called inside session_run while the guest runs, and
 * between the steps of a long command */
static void on_tick(void *ctx)
{
    (void)ctx;
    g_tui->ticks++;
    poll_typeahead(g_tui);
    draw(0);
}

/* ── command output ────────────────────────────────────────────────────── */

static void out_flush(int stream)
{
    if (out_plen[stream]) {
        tui_output_line(g_tui, out_partial[stream], out_plen[stream], stream == CMD_ERR);
        out_plen[stream] = 0;
    }
}

static void on_output(void *arg, enum cmd_stream stream, const char *text, size_t len)
{
    (void)arg;
    int k = stream == CMD_ERR ? 1 : 0;
    for (size_t i = 0; i < len; i++) {
        if (text[i] == '\n') {
            tui_output_line(g_tui, out_partial[k], out_plen[k], k);
            out_plen[k] = 0;
        } else if (out_plen[k] < sizeof(out_partial[k])) {
            out_partial[k][out_plen[k]++] = text[i] == '\t' ? ' ' : text[i];
        }
    }
    g_tui->wants_redraw = 1;
}

/* ── readline ──────────────────────────────────────────────────────────── */

static int rl_getc_cb(FILE *f)
{
    (void)f;
    if (input_head == input_len)
        return EOF;
    return input_q[input_head++];
}

static int rl_input_avail_cb(void) { return input_head < input_len; }

static void rl_redisplay_cb(void) { draw(0); }

static void no_prep(int meta) { (void)meta; }
static void no_deprep(void) {}

static void run_command(const char *line)
{
    char echo[600];
    const char *capture = cmd_capture_prompt(g_tui->ctx);
    snprintf(echo, sizeof(echo), "%s%.500s%s", capture ? "> " : "(scout) ", line, strlen(line) > 500 ? "..." : "");
    tui_output_line(g_tui, echo, strlen(echo), 0);
    if (!capture) {
        g_tui->status_msg[0] = 0;
        tui_command_begins(g_tui);
    }
    in_command = 1;
    draw(0);
    set_timer(1);
    cmd_execute_line(g_tui->ctx, line, true);
    set_timer(0);
    in_command = 0;
    session_cancel_interrupt(g_tui->s);     /* a Ctrl-C nothing took */
    g_tui->ntypeahead = 0;
    out_flush(0);
    out_flush(1);
    int status;
    if (cmd_quit_requested(g_tui->ctx, &status))
        quit_now = 1;
}

static void on_line(char *line)
{
    if (!line) {               /* Ctrl-D on an empty line */
        quit_now = 1;
        return;
    }
    if (*line) {
        HIST_ENTRY *last = history_length > 0 ? history_get(history_base + history_length - 1) : NULL;
        if (!last || strcmp(last->line, line) != 0)
            add_history(line);
    }
    run_command(line);
    free(line);
    /* lines typed while it ran, in order */
    while (g_tui->nqueued && !quit_now) {
        char next[TUI_TYPEAHEAD];
        snprintf(next, sizeof(next), "%s", g_tui->queued[0]);
        memmove(g_tui->queued[0], g_tui->queued[1], (TUI_QUEUE - 1) * TUI_TYPEAHEAD);
        g_tui->nqueued--;
        add_history(next);
        run_command(next);
    }
    if (g_tui->wants_redraw == 2)
        draw(1);
    else
        draw(0);
}

/* completion through the command framework */
/* readline's list: v[0] the common prefix, v[1..n] the candidates, NULL */
typedef VEC(char *) comp_list;

static void comp_cb(void *arg, const char *cand)
{
    comp_list *c = arg;
    if (VEC_RESERVE(c, c->n + 3) != 0)      /* v[0], this one, the NULL */
        return;
    char *d = strdup(cand);
    if (d)
        c->v[1 + c->n++] = d;
}

static char **attempt_completion(const char *text, int start, int end)
{
    (void)text;
    rl_attempted_completion_over = 1;
    comp_list c = {0};
    size_t ws = (size_t)start;
    cmd_complete(g_tui->ctx, rl_line_buffer, (size_t)end, &ws, comp_cb, &c);
    if (!c.n) {
        free(c.v);
        return NULL;
    }
    /* readline replaces from `start`; the framework's word began at ws */
    for (size_t i = 1; i <= c.n; i++) {
        char *s = c.v[i];
        if (ws < (size_t)start) {
            size_t skip = (size_t)start - ws;
            if (strlen(s) >= skip)
                memmove(s, s + skip, strlen(s + skip) + 1);
        } else if (ws > (size_t)start) {
            size_t pre = ws - (size_t)start;
            char *n = malloc(pre + strlen(s) + 1);
            if (n) {
                memcpy(n, rl_line_buffer + start, pre);
                strcpy(n + pre, s);
                free(s);
                c.v[i] = n;
            }
        }
    }
    /* v[0]: the longest common prefix */
    size_t lcp = strlen(c.v[1]);
    for (size_t i = 2; i <= c.n; i++) {
        size_t k = 0;
        while (k < lcp && c.v[i][k] == c.v[1][k])
            k++;
        lcp = k;
    }
    c.v[0] = strndup(c.v[1], lcp);
    c.v[c.n + 1] = NULL;
    if (!c.v[0]) {
        for (size_t i = 1; i <= c.n; i++)
            free(c.v[i]);
        free(c.v);
        return NULL;
    }
    if (c.n == 1) {            /* a unique match: readline uses v[0] */
        free(c.v[1]);
        c.v[1] = NULL;
    }
    return c.v;
}

static void display_matches(char **matches, int n, int maxlen)
{
    (void)maxlen;
    char line[1024];
    size_t len = 0;
    line[0] = 0;
    for (int i = 1; i <= n && matches[i]; i++) {
        size_t l = strlen(matches[i]);
        if (len + l + 2 >= sizeof(line) || (int)(len + l + 2) > (COLS > 0 ? COLS : 80)) {
            tui_output_line(g_tui, line, len, 0);
            len = 0;
        }
        len += (size_t)snprintf(line + len, sizeof(line) - len, "%s  ", matches[i]);
    }
    if (len)
        tui_output_line(g_tui, line, len, 0);
    draw(0);
}

static int key_redraw(int count, int key)
{
    (void)count;
    (void)key;
    draw(1);
    return 0;
}

static int key_page_up(int count, int key)
{
    (void)count;
    (void)key;
    tui_scroll(g_tui, -1);
    draw(0);
    return 0;
}

static int key_page_down(int count, int key)
{
    (void)count;
    (void)key;
    tui_scroll(g_tui, 1);
    draw(0);
    return 0;
}

/* ── main loop ─────────────────────────────────────────────────────────── */

static FILE *rl_null;

static void history_setup(void)
{
    const char *p = getenv("SCOUT_HISTORY");
    if (p && *p) {
        snprintf(hist_path, sizeof(hist_path), "%s", p);
    } else {
        const char *home = getenv("HOME");
        if (home && *home)
            snprintf(hist_path, sizeof(hist_path), "%s/.scout_history", home);
        else
            hist_path[0] = 0;
    }
    using_history();
    stifle_history(1000);
    /* readline opens it blocking: only a regular file (or none yet) */
    struct stat st;
    if (hist_path[0] && stat(hist_path, &st) == 0 && !S_ISREG(st.st_mode))
        hist_path[0] = 0;
    if (hist_path[0])
        read_history(hist_path);
}

/* ── line mode: a terminal that cannot draw (TERM=dumb, unknown) ───── */

static struct session *line_session;

static void on_sigint_line(int sig)
{
    (void)sig;
    if (line_session && session_running(line_session))
        session_interrupt(line_session, VM_STOP_INTERRUPTED);
}

/* gdb's plain command line: a prompt, commands, their output and the
 * guest's console on the terminal as they come. */
static int line_mode(struct tui *t, const char *why)
{
    struct sigaction sa, old_int;
    memset(&sa, 0, sizeof(sa));
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_sigint_line;
    sigaction(SIGINT, &sa, &old_int);
    line_session = t->s;
    struct dev_console con = { stdout, NULL, NULL };
    session_set_console(t->s, &con);
    fprintf(stderr, "scout: %s: line mode (no screen; `help` for commands)\n", why);
    rl_catch_signals = 0;
    rl_readline_name = "scout";
    history_setup();
    quit_now = 0;
    while (!quit_now) {
        const char *capture = cmd_capture_prompt(t->ctx);
        char *line = readline(capture ? "> " : "(scout) ");
        if (!line)
            break;
        if (*line)
            add_history(line);
        cmd_execute_line(t->ctx, line, true);
        session_cancel_interrupt(t->s);
        free(line);
        fflush(stdout);
        int status;
        if (cmd_quit_requested(t->ctx, &status))
            quit_now = 1;
    }
    if (hist_path[0])
        write_history(hist_path);
    sigaction(SIGINT, &old_int, NULL);
    line_session = NULL;
    return 0;
}

int tui_main(struct tui *t, char *err, size_t errlen)
{
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
        snprintf(err, errlen, "tui: stdin and stdout must be terminals");
        return -1;
    }
    const char *term = getenv("TERM");
    if (!term || !*term || !strcmp(term, "dumb"))
        return line_mode(t, term && *term ? "TERM=dumb" : "TERM is not set");
    g_tui = t;
    t->interactive = 1;
    struct sigaction sa, old_int, old_alrm, old_winch;
    memset(&sa, 0, sizeof(sa));
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sa.sa_handler = on_sigwinch;
    sigaction(SIGWINCH, &sa, &old_winch);     /* before initscr: ncurses keeps ours */
    sigaddset(&sa.sa_mask, SIGALRM);
    sa.sa_handler = on_sigint;
    sigaction(SIGINT, &sa, &old_int);
    sigemptyset(&sa.sa_mask);
    sigaddset(&sa.sa_mask, SIGINT);           /* a tick never overwrites a Ctrl-C */
    sa.sa_handler = on_sigalrm;
    sigaction(SIGALRM, &sa, &old_alrm);

    g_screen = newterm(NULL, stdout, stdin);
    if (!g_screen) {
        char why[200];
        snprintf(why, sizeof(why), "cannot draw on TERM=%s", term);
        sigaction(SIGWINCH, &old_winch, NULL);
        sigaction(SIGINT, &old_int, NULL);
        sigaction(SIGALRM, &old_alrm, NULL);
        g_tui = NULL;
        t->interactive = 0;
        (void)err, (void)errlen;
        return line_mode(t, why);
    }
    in_tui = 1;
    /* what the guard writes to give the terminal back if scout has to end
       at once: leave the alternate screen, show the cursor, plain text */
    char reset[128];
    const char *seq[3] = { tigetstr("rmcup"), tigetstr("cnorm"), tigetstr("sgr0") };
    reset[0] = 0;
    for (int i = 0; i < 3; i++)
        if (seq[i] && seq[i] != (char *)-1 && strlen(reset) + strlen(seq[i]) < sizeof(reset) - 3)
            strcat(reset, seq[i]);
    strcat(reset, "\r\n");
    guard_terminal(reset);
    cbreak();
    noecho();
    nonl();
    keypad(stdscr, FALSE);     /* escape sequences go to readline as bytes */
    meta(stdscr, TRUE);
    intrflush(stdscr, FALSE);
    wtimeout(stdscr, TICK_MS);
    init_colors();

    /* readline: we feed it, we draw it */
    rl_null = fopen("/dev/null", "w");
    rl_instream = stdin;
    rl_outstream = rl_null ? rl_null : stdout;
    rl_catch_signals = 0;
    rl_catch_sigwinch = 0;
    rl_change_environment = 0;
    rl_prep_term_function = no_prep;
    rl_deprep_term_function = no_deprep;
    rl_getc_function = rl_getc_cb;
    rl_input_available_hook = rl_input_avail_cb;
    rl_redisplay_function = rl_redisplay_cb;
    rl_attempted_completion_function = attempt_completion;
    rl_completion_display_matches_hook = display_matches;
    rl_completer_word_break_characters = (char *)" \t";
    rl_readline_name = "scout";
    history_setup();
    rl_callback_handler_install("(scout) ", on_line);
    rl_bind_key('\f', key_redraw);            /* Ctrl-L: our redraw, not readline's clear-screen */
    rl_bind_keyseq("\\e[5~", key_page_up);     /* PgUp / PgDn: scroll the output (focus PANE: another) */
    rl_bind_keyseq("\\e[6~", key_page_down);
    rl_bind_keyseq("\\e[5;2~", key_page_up);   /* with Shift */
    rl_bind_keyseq("\\e[6;2~", key_page_down);

    cmd_set_output(t->ctx, on_output, t);
    session_set_tick(t->s, on_tick, t);
    quit_now = 0;
    draw(1);

    while (!quit_now) {
        guard_settled();                      /* the prompt is here: nothing pending */
        int ch = wgetch(stdscr);
        if (got_winch) {
            draw(1);
        }
        if (got_int) {
            got_int = 0;
            rl_replace_line("", 0);
            rl_point = rl_end = 0;
            draw(0);
        }
        if (ch == ERR) {
            if (t->wants_redraw)
                draw(t->wants_redraw == 2);
            continue;
        }
        if (ch == KEY_RESIZE) {
            draw(1);
            continue;
        }
        if (ch < 0 || ch > 255)
            continue;                         /* other curses key codes: ignored */
        input_head = input_len = 0;
        input_q[input_len++] = (unsigned char)ch;
        if (ch == 27) {
            /* the rest of an escape sequence arrives with it */
            wtimeout(stdscr, 25);
            int more;
            while (input_len < sizeof(input_q) && (more = wgetch(stdscr)) != ERR && more >= 0 && more <= 255) {
                input_q[input_len++] = (unsigned char)more;
                if (input_len > 2 && (isalpha(more) || more == '~'))
                    break;                    /* a CSI sequence ends with a letter or ~ */
                wtimeout(stdscr, 0);
            }
            wtimeout(stdscr, TICK_MS);
        }
        while (input_head < input_len && !quit_now)
            rl_callback_read_char();
    }

    set_timer(0);
    session_set_tick(t->s, NULL, NULL);
    cmd_set_output(t->ctx, NULL, NULL);
    rl_callback_handler_remove();
    if (hist_path[0])
        write_history(hist_path);
    endwin();
    guard_terminal(NULL);
    delscreen(g_screen);
    g_screen = NULL;
    in_tui = 0;
    tui_canvas_free(&g_canvas);
    if (rl_null) {
        rl_outstream = stdout;
        fclose(rl_null);
        rl_null = NULL;
    }
    sigaction(SIGWINCH, &old_winch, NULL);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGALRM, &old_alrm, NULL);
    t->interactive = 0;
    g_tui = NULL;
    return 0;
}
