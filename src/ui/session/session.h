/* session.h — one scout session: a guest loaded into a VM, the enforcement
 * loop (unless raw), the event hub and an optional trace.  The batch front
 * end, scripts and the TUI all drive a session; none of them talks to KVM. */
#ifndef SCOUT_UI_SESSION_H
#define SCOUT_UI_SESSION_H
#include <stddef.h>
#include <stdint.h>

#include "monitor/dev/dev.h"
#include "monitor/enforce/enforce.h"
#include "monitor/events/events.h"
#include "monitor/loader/loader.h"
#include "monitor/kvm/kvm.h"
#include "trace/trace.h"

struct session_opts {
    struct loader_opts load;    /* the guest (a file, or bytes for the demo) */
    struct vm_config vm;
    int raw;                    /* plain KVM, no scanning */
    unsigned depth;             /* prescan depth (0 = lazy) */
    const char *trace_path;     /* --trace FILE */
    int trace_times;            /* --trace-times */
};

struct session {
    struct vm *vm;
    struct dev_bus *bus;        /* the devices */
    struct enf *ef;         /* NULL in raw mode */
    struct events events;
    struct trace_writer *trace;
    struct probe_result probe;
    struct loader_image image;
    char guest_name[256];       /* file name without directories */
    int raw;
    int running;                /* inside session_run (1) or session_step (2) */
    int ended;                  /* the guest finished: exit device, HLT, crash */
    struct vm_stop last;        /* why the last run stopped */
    char trace_path[512];       /* the trace being written, "" if none */
    /* tick hook (session_set_tick) */
    void (*tick)(void *ctx);
    void *tick_ctx;
    volatile int interrupt_pending;
};

/* Probes the host, creates the VM, loads the guest.  0, or -1 with
 * "what: why" in err. */
int  session_open(struct session *s, const struct session_opts *o, char *err, size_t errlen);
void session_close(struct session *s);

/* Runs or continues the guest until it stops; fills stop (also kept in
 * s->last) and emits run-start / run-stop.  0, or -1 (VM_STOP_ERROR). */
int  session_run(struct session *s, struct vm_stop *stop);
/* Executes one guest instruction (enf_step; not in raw mode), with the
 * same events and stop bookkeeping as session_run. */
int  session_step(struct session *s, struct vm_stop *stop);
/* Async-signal-safe: makes a running session_run return (why = VM_STOP_
 * INTERRUPTED or VM_STOP_TIMEOUT). */
void session_interrupt(struct session *s, int why);

/* A short stop the TUI asks for to redraw while the guest runs: vm_run
 * returns with this reason, session_run calls the tick hook and resumes
 * the guest; callers of session_run never see it. */
#define SESSION_STOP_TICK 64
/* fn NULL removes the hook. */
void session_set_tick(struct session *s, void (*fn)(void *ctx), void *ctx);
/* Async-signal-safe (call it from a timer's signal handler, with SIGINT
 * blocked in that handler): asks a running session_run for a tick.  Does
 * nothing when the session is not running, has no hook, or an interrupt
 * is already pending (a tick never swallows a Ctrl-C). */
void session_request_tick(struct session *s);

int  session_trace_start(struct session *s, const char *path, int times, char *err, size_t errlen);
int  session_trace_stop(struct session *s, char *err, size_t errlen);

/* Where guest console output goes (NULL: stdout). */
void session_set_console(struct session *s, const struct dev_console *c);
/* One line of monitor counters: "runs=... io_exits=... ..." (no newline). */
void session_format_monitor_stats(struct session *s, char *buf, size_t len);

/* "real", "prot32" or "long64" for the guest's current CPU mode. */
const char *session_mode_name(struct session *s);
/* The process exit status for how the guest ended (see scout --help). */
int  session_exit_status(const struct vm_stop *stop);
#endif
