/* guard.h — the process guard: nothing scout waits on keeps it from
 * ending.  The front end starts it before anything can block (right after
 * reading the options); from then on:
 *
 *   --timeout  A watchdog thread (not a SIGALRM timer the TUI's refresh
 *              ticks could take over) asks the front end's interrupt
 *              function to stop a running guest when the time is up, and
 *              every poll after that (a run started later stops at once).
 *              If the front end has not settled (guard_settled) within
 *              GUARD_TIMEOUT_GRACE seconds -- it is stuck in a read, a
 *              plugin, anything -- scout ends: status 124.
 *   Ctrl-C     The front end's SIGINT handler calls guard_sigint(), then
 *              stops the guest as before.  A second Ctrl-C before the
 *              front end settled the first ends scout at once from the
 *              handler: status 130.
 *   plugins    Every plugin callback runs between guard_enter and
 *              guard_leave.  One that runs longer than the plugin limit
 *              (--plugin-timeout / `set plugin-timeout`, default
 *              GUARD_PLUGIN_LIMIT seconds, 0 none) ends scout: status 2;
 *              one that was running when Ctrl-C came and has not returned
 *              GUARD_SIGINT_GRACE seconds later: status 130.
 *
 * Ending scout here is an emergency exit, on the watchdog thread or in the
 * signal handler: the terminal is restored (the TUI registers how, with
 * guard_terminal), one line "scout: WHY" goes to stderr and the process
 * _exit()s with the status above.  Nothing else runs: the code that would
 * (exit callbacks, trace and stdio flushes) may be what is stuck, or be
 * interrupted half-way on the main thread; so buffered guest output and
 * the end of a --trace are lost, and a plugin's exit callback does not
 * run.  Why not siglongjmp out of the callback: the plugin (and libc
 * locks it may hold) and scout's engine would be left half-way through
 * an update and then used again; a clean exit is the one safe end. */
#ifndef SCOUT_UI_GUARD_H
#define SCOUT_UI_GUARD_H
#include <stddef.h>

#define GUARD_PLUGIN_LIMIT   10      /* seconds a plugin callback may take (default) */
#define GUARD_SIGINT_GRACE   1.0     /* seconds a callback may ignore Ctrl-C */
#define GUARD_TIMEOUT_GRACE  2.0     /* seconds to stop after --timeout */
#define GUARD_EXIT_PLUGIN    2
#define GUARD_EXIT_TIMEOUT   124
#define GUARD_EXIT_INTERRUPT 130

enum guard_why { GUARD_WHY_TIMEOUT = 1, GUARD_WHY_INTERRUPT = 2 };

struct guard_config {
    double timeout;                 /* --timeout seconds; 0: none */
    double plugin_limit;            /* seconds; 0: no limit */
    /* Stops a running guest (session_interrupt); called on the main thread
     * from a signal handler: async-signal-safe. */
    void (*interrupt)(enum guard_why why);
};

/* Starts the watchdog thread (signals stay with the main thread).  0, or
 * -1 with err.  Call once, from the main thread. */
int  guard_start(const struct guard_config *c, char *err, size_t errlen);
/* Stops and joins it (before main returns). */
void guard_stop(void);

/* What scout is doing, for the report ("loading the guest"); a static
 * string. */
void guard_phase(const char *what);

/* From a SIGINT handler: async-signal-safe.  Returns on the first Ctrl-C;
 * on a second one that came before guard_settled, ends scout (130). */
void guard_sigint(void);
/* The front end has taken what was pending (a run stopped, the prompt is
 * back): a later Ctrl-C is a first one again, and a passed --timeout no
 * longer counts down to the emergency exit. */
void guard_settled(void);
/* 1 once --timeout has passed. */
int  guard_timed_out(void);

/* Around every plugin callback (nested calls nest): plugin's name and the
 * callback ("install", "vexit", "command foo" ...); both copied. */
void guard_enter(const char *plugin, const char *what);
void guard_leave(void);
void guard_set_plugin_limit(double seconds);
double guard_plugin_limit(void);

/* The TUI owns the terminal: reset is what puts it back (leave the
 * alternate screen, show the cursor); the termios saved at guard_start
 * are restored with it.  NULL: the TUI has left. */
void guard_terminal(const char *reset);

#endif
