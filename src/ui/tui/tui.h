/* tui.h — scout's interactive screen (ncurses + GNU readline) and the
 * headless `screen` command that prints the same panes as text.
 *
 * A struct tui watches one session: it subscribes to the session's events
 * (event log, per-page invalidation / data-write counts, invalidation
 * marks, scan progress), takes over the guest console (kept by line; in
 * batch also echoed to console_echo) and registers its commands in the
 * command context:
 *     screen [COLSxROWS]   print the panes as text (default: the terminal
 *                          size in the TUI, 100x40 otherwise)
 *     refresh              redraw the whole screen (also Ctrl-L)
 *     layout NAME          map, asm, src, split (gdb's arrangements)
 *     winheight PANE N     a pane's height
 *     focus ADDR|PANE      where the map looks; what PgUp/PgDn scroll
 * Layout and the map's cell characters: see panes.c.  Below 80x24 the
 * screen shows a "too small" message instead of panes.
 *
 * tui_main() runs the interactive loop on the terminal until `quit`, EOF
 * (Ctrl-D on an empty line) or a fatal terminal error, then restores the
 * terminal.  The front end calls it only when stdin and stdout are
 * terminals and no script (-x, -ex, --batch) was given; scout never starts
 * ncurses otherwise.
 *
 * While a command runs the guest (continue, stepi ...), the screen is
 * redrawn about 10 times a second through the session's tick hook
 * (session_set_tick: a SIGALRM interval timer asks the run loop for a
 * short stop, the hook redraws, the run resumes), and Ctrl-C (SIGINT)
 * interrupts the guest with session_interrupt.  The screen is also redrawn
 * after every command (so each `pstep` shows one more instruction in the
 * map, with the worklist, depth and the terminals of the scan), not in the
 * middle of one (`pstep 50` shows the end state).  --timeout is not used
 * by the TUI (its SIGALRM is the refresh timer). */
#ifndef SCOUT_UI_TUI_H
#define SCOUT_UI_TUI_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct session;
struct cmd_ctx;
struct tui;

#define TUI_MIN_COLS 80
#define TUI_MIN_ROWS 24

/* NULL with a reason in err (out of memory, command registration). */
struct tui *tui_new(struct session *s, struct cmd_ctx *ctx, FILE *console_echo,
                    char *err, size_t errlen);
/* Unsubscribes, gives the console back to console_echo, frees. */
void tui_free(struct tui *t);

/* The interactive loop.  Returns 0 after quit/EOF, -1 with err if the
 * terminal could not be set up (nothing was changed on it then). */
int tui_main(struct tui *t, char *err, size_t errlen);

/* The panes as plain text, cols x rows (clamped to 20..1000 x 5..1000),
 * one line per row with trailing blanks removed. */
int tui_screen_text(struct tui *t, int cols, int rows, FILE *out);
/* A new command starts: the map may follow scans again (an invalidating
 * write holds the map's focus for the rest of the command that made it),
 * the last invalidation's message goes, the output shows its end. */
void tui_command_begins(struct tui *t);
/* Where the map, disassembly and source look: follow_rip, or linear
 * (`map ADDR`, `focus ADDR`; a commands_set_focus_hook callback). */
void tui_focus(struct tui *t, int follow_rip, uint64_t linear);

#endif
