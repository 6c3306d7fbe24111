/* guard.c — the watchdog thread, Ctrl-C counting, plugin callback time
 * and the emergency exit.  See guard.h.
 *
 * Shared state is atomics only (the SIGINT handler touches it too); the
 * stack of running plugin callbacks is a seqlock: the main thread bumps
 * frames_seq to odd, writes, bumps it to even; the watchdog copies and
 * retries until it read an even, unchanged sequence. */
#include "ui/guard/guard.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define POLL_MS 50
#define FRAMES 8
#define GUARD_KICK SIGUSR1          /* the watchdog's nudge to the main thread */

struct frame {
    char plugin[64];
    char what[48];
    long long start_ms;
};

static pthread_t main_thread, watchdog;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake;
static int running, stopping;                   /* under lock */

static double timeout_s;
static long long start_ms;
static void (*interrupt_fn)(enum guard_why);
static atomic_int kick_why;
static atomic_int timeout_fired, timeout_settled;
static atomic_llong timeout_at_ms;
static atomic_int sigint_pending;
static atomic_llong sigint_at_ms;
static atomic_llong plugin_limit_ms = GUARD_PLUGIN_LIMIT * 1000LL;
static const char *_Atomic phase = "starting";

static struct frame frames[FRAMES];
static atomic_int depth;                        /* may exceed FRAMES: deeper frames are not tracked */
static atomic_uint frames_seq;

static struct termios saved_tio;
static atomic_int have_tio, tui_on;
static char reset_seq[128];

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);     /* async-signal-safe, and cheap per callback */
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ── the emergency exit ─────────────────────────────────────────────── */

static void put(const char *s)
{
    size_t n = strlen(s);
    while (n) {
        ssize_t w = write(STDERR_FILENO, s, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return;
        s += w;
        n -= (size_t)w;
    }
}

/* Async-signal-safe: the terminal back, one line, _exit. */
static void emergency(int status, const char *line)
{
    if (atomic_load(&tui_on)) {
        ssize_t w = write(STDOUT_FILENO, reset_seq, strlen(reset_seq));
        (void)w;
    }
    if (atomic_load(&have_tio))
        tcsetattr(STDIN_FILENO, TCSANOW, &saved_tio);
    put("scout: ");
    put(line);
    put("\n");
    _exit(status);
}

/* ── Ctrl-C and the front end ───────────────────────────────────────── */

void guard_sigint(void)
{
    if (atomic_exchange(&sigint_pending, 1))
        emergency(GUARD_EXIT_INTERRUPT, "interrupted twice; exiting now");
    atomic_store(&sigint_at_ms, now_ms());
}

void guard_settled(void)
{
    atomic_store(&sigint_pending, 0);
    if (atomic_load(&timeout_fired))
        atomic_store(&timeout_settled, 1);
}

int guard_timed_out(void) { return atomic_load(&timeout_fired); }

void guard_phase(const char *what) { atomic_store(&phase, what ? what : ""); }

/* ── plugin callbacks ───────────────────────────────────────────────── */

void guard_enter(const char *plugin, const char *what)
{
    int d = atomic_load(&depth);
    if (d >= 0 && d < FRAMES) {
        atomic_fetch_add(&frames_seq, 1);
        snprintf(frames[d].plugin, sizeof frames[d].plugin, "%s", plugin ? plugin : "?");
        snprintf(frames[d].what, sizeof frames[d].what, "%s", what ? what : "?");
        frames[d].start_ms = now_ms();
        atomic_fetch_add(&frames_seq, 1);
    }
    atomic_store(&depth, d + 1);
}

void guard_leave(void)
{
    int d = atomic_load(&depth);
    if (d > 0)
        atomic_store(&depth, d - 1);
}

void guard_set_plugin_limit(double seconds)
{
    atomic_store(&plugin_limit_ms, seconds > 0 ? (long long)(seconds * 1000) : 0);
}

double guard_plugin_limit(void) { return (double)atomic_load(&plugin_limit_ms) / 1000; }

/* The running callbacks, innermost last: how many copied. */
static int copy_frames(struct frame *out)
{
    for (;;) {
        unsigned s1 = atomic_load(&frames_seq);
        int d = atomic_load(&depth);
        if (s1 & 1)
            continue;
        if (d > FRAMES)
            d = FRAMES;
        if (d > 0)
            memcpy(out, frames, (size_t)d * sizeof *out);
        if (atomic_load(&frames_seq) == s1 && atomic_load(&depth) >= d)
            return d < 0 ? 0 : d;
    }
}

/* ── the terminal ───────────────────────────────────────────────────── */

void guard_terminal(const char *reset)
{
    if (!reset) {
        atomic_store(&tui_on, 0);
        return;
    }
    snprintf(reset_seq, sizeof reset_seq, "%s", reset);
    atomic_store(&tui_on, 1);
}

/* ── the watchdog ───────────────────────────────────────────────────── */

static void on_kick(int sig)
{
    int why = atomic_exchange(&kick_why, 0);
    (void)sig;
    if (why && interrupt_fn)
        interrupt_fn((enum guard_why)why);
}

static void kick(enum guard_why why)
{
    atomic_store(&kick_why, why);
    pthread_kill(main_thread, GUARD_KICK);
}

/* One look at everything: may end the process. */
static void check(void)
{
    long long now = now_ms();
    char line[512];
    struct frame f[FRAMES];
    int n = copy_frames(f);
    /* a plugin callback over its limit, or ignoring Ctrl-C */
    long long limit = atomic_load(&plugin_limit_ms);
    for (int i = n - 1; i >= 0; i--) {
        long long took = now - f[i].start_ms;
        if (limit > 0 && took > limit) {
            snprintf(line, sizeof line, "plugin %s: %s callback did not return within %g s "
                     "(--plugin-timeout, set plugin-timeout); exiting", f[i].plugin, f[i].what,
                     (double)limit / 1000);
            emergency(GUARD_EXIT_PLUGIN, line);
        }
        long long at = atomic_load(&sigint_at_ms);
        if (atomic_load(&sigint_pending) && at >= f[i].start_ms && now - at > GUARD_SIGINT_GRACE * 1000) {
            snprintf(line, sizeof line, "plugin %s: %s callback ignored Ctrl-C for %g s; exiting",
                     f[i].plugin, f[i].what, GUARD_SIGINT_GRACE);
            emergency(GUARD_EXIT_INTERRUPT, line);
        }
    }
    /* --timeout */
    if (timeout_s > 0 && now - start_ms >= (long long)(timeout_s * 1000)) {
        if (!atomic_exchange(&timeout_fired, 1))
            atomic_store(&timeout_at_ms, now);
        kick(GUARD_WHY_TIMEOUT);                /* again each poll: later runs stop too */
        if (!atomic_load(&timeout_settled) && now - atomic_load(&timeout_at_ms) > GUARD_TIMEOUT_GRACE * 1000) {
            if (n > 0)
                snprintf(line, sizeof line, "timed out after %g s, stuck in plugin %s's %s callback; exiting",
                         timeout_s, f[n - 1].plugin, f[n - 1].what);
            else
                snprintf(line, sizeof line, "timed out after %g s, still %s %g s later; exiting",
                         timeout_s, atomic_load(&phase), GUARD_TIMEOUT_GRACE);
            emergency(GUARD_EXIT_TIMEOUT, line);
        }
    }
}

static void *watch(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&lock);
    while (!stopping) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        ts.tv_nsec += POLL_MS * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&wake, &lock, &ts);
        if (stopping)
            break;
        pthread_mutex_unlock(&lock);
        check();
        pthread_mutex_lock(&lock);
    }
    pthread_mutex_unlock(&lock);
    return NULL;
}

int guard_start(const struct guard_config *c, char *err, size_t errlen)
{
    if (running) {
        snprintf(err, errlen, "guard: started twice");
        return -1;
    }
    main_thread = pthread_self();
    timeout_s = c->timeout;
    interrupt_fn = c->interrupt;
    guard_set_plugin_limit(c->plugin_limit);
    start_ms = now_ms();
    if (isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved_tio) == 0)
        atomic_store(&have_tio, 1);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_kick;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(GUARD_KICK, &sa, NULL);

    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&wake, &ca);
    pthread_condattr_destroy(&ca);
    /* every signal stays with the main thread (KVM_RUN must see them) */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int rc = pthread_create(&watchdog, NULL, watch, NULL);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        snprintf(err, errlen, "guard: cannot start the watchdog thread: %s", strerror(rc));
        return -1;
    }
    running = 1;
    return 0;
}

void guard_stop(void)
{
    if (!running)
        return;
    pthread_mutex_lock(&lock);
    stopping = 1;
    pthread_cond_signal(&wake);
    pthread_mutex_unlock(&lock);
    pthread_join(watchdog, NULL);
    running = 0;
    stopping = 0;
}
