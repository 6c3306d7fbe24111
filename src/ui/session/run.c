/* run.c — running a session: run, step, interrupt, the TUI's ticks, how a
 * run stopped, and breakpoints.  See session.h. */
#include "ui/session/session_priv.h"

#include <stdio.h>
#include <string.h>

#include "base/base.h"

int session_exit_status(const struct vm_stop *st)
{
    switch (st->why) {
    case VM_STOP_EXIT_DEVICE: return st->exit_status & 0xff;
    case VM_STOP_HLT: return 0;
    case VM_STOP_TIMEOUT: return 124;
    case VM_STOP_INTERRUPTED: return 130;
    case VM_STOP_HOOK: return 0;        /* a breakpoint or step: paused, not failed */
    case VM_STOP_GUEST_EXCEPTION:
    case VM_STOP_SHUTDOWN: return 4;
    default: return 2;
    }
}

/* A tick stop: run the hook, then go on running (1). */
static int tick(struct session_impl *si)
{
    if (si->tick)
        si->tick(si->tick_ctx);
    return 1;
}

static int refuse(struct vm_stop *stop, const char *fmt, const char *arg)
{
    memset(stop, 0, sizeof(*stop));
    stop->why = VM_STOP_ERROR;
    snprintf(stop->message, sizeof(stop->message), fmt, arg);
    return -1;
}

static int go(struct session *s, struct vm_stop *stop, int step)
{
    struct session_impl *si = s->impl;
    struct scout_event ev;
    int rc;
    if (si->ended)
        return refuse(stop, "the guest has ended (%.200s)", si->last.message);
    if (step && si->raw)
        return refuse(stop, "%s", "stepping needs enforcement (not --raw)");
    if (events_wanted(&si->events)) {
        memset(&ev, 0, sizeof(ev));
        ev.type = SCOUT_EV_RUN_START;
        ev.u.run_start.mode = session_mode_name(s);
        ev.u.run_start.scan = si->raw ? "raw" : enf_depth(si->ef) ? "recursive" : "lazy";
        ev.u.run_start.depth = si->raw ? 0 : enf_depth(si->ef);
        ev.u.run_start.guest = si->guest_name;
        events_emit(&si->events, &ev);
    }
    si->running = step ? 2 : 1;
    if (si->raw) {
        do
            rc = vcpu_run(si->cpu, NULL, stop);
        while (rc == 0 && (int)stop->why == SESSION_STOP_TICK && tick(si));
    } else {
        char err[256];
        rc = enf_prepare(si->ef, err, sizeof(err));
        if (rc == 0) {
            if (step)
                rc = enf_step(si->ef, stop);     /* no ticks while stepping (running == 2) */
            else
                do
                    rc = enf_run(si->ef, stop);
                while (rc == 0 && (int)stop->why == SESSION_STOP_TICK && tick(si));
        } else {
            refuse(stop, "%s", err);
        }
    }
    si->running = 0;
    si->interrupt_pending = 0;
    si->last = *stop;
    if (stop->why != VM_STOP_INTERRUPTED && stop->why != VM_STOP_TIMEOUT && stop->why != VM_STOP_HOOK)
        si->ended = 1;
    if (events_wanted(&si->events)) {
        memset(&ev, 0, sizeof(ev));
        ev.type = SCOUT_EV_RUN_STOP;
        ev.u.run_stop.why = vm_stop_name(stop->why);
        ev.u.run_stop.status = session_exit_status(stop);
        events_emit(&si->events, &ev);
    }
    return rc;
}

int session_run(struct session *s, struct vm_stop *stop) { return go(s, stop, 0); }
int session_step(struct session *s, struct vm_stop *stop) { return go(s, stop, 1); }

void session_interrupt(struct session *s, int why)
{
    if (s && s->impl && s->impl->vm) {
        s->impl->interrupt_pending = 1;
        vcpu_request_stop(s->impl->cpu, why);
    }
}

void session_set_tick(struct session *s, void (*fn)(void *ctx), void *ctx)
{
    s->impl->tick = fn;
    s->impl->tick_ctx = ctx;
}

void session_request_tick(struct session *s)
{
    struct session_impl *si = s ? s->impl : NULL;
    if (si && si->vm && si->running == 1 && si->tick && !si->interrupt_pending)
        vcpu_request_stop(si->cpu, SESSION_STOP_TICK);
}

int session_running(const struct session *s) { return s->impl->running; }
int session_ended(const struct session *s) { return s->impl->ended; }
const struct vm_stop *session_last_stop(const struct session *s) { return &s->impl->last; }

enum enf_stop session_stop_kind(const struct session *s, uint64_t *gpa)
{
    const struct session_impl *si = s->impl;
    if (!si->ef || si->last.why != VM_STOP_HOOK)
        return ENF_STOP_NONE;
    return enf_last_stop(si->ef, gpa);
}

/* ── breakpoints ────────────────────────────────────────────────────── */

int session_break_insert(struct session *s, uint64_t gpa, char *err, size_t errlen)
{
    if (!s->impl->ef)
        return base_err(err, errlen, "needs enforcement");
    return enf_break_insert(s->impl->ef, gpa, err, errlen);
}

int session_break_remove(struct session *s, uint64_t gpa, char *err, size_t errlen)
{
    if (!s->impl->ef)
        return base_err(err, errlen, "needs enforcement");
    return enf_break_remove(s->impl->ef, gpa, err, errlen);
}
