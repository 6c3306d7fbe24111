/* session.c — see session.h. */
#include "ui/session/session.h"

#include <stdio.h>
#include <string.h>

#include "trace/trace_events.h"

int session_open(struct session *s, const struct session_opts *o, char *err, size_t errlen)
{
    char e2[512];
    memset(s, 0, sizeof(*s));
    s->raw = o->raw;
    const char *base = strrchr(o->load.path, '/');
    snprintf(s->guest_name, sizeof(s->guest_name), "%s", base ? base + 1 : o->load.path);
    if (probe_host(&s->probe, e2, sizeof(e2)) < 0) {
        snprintf(err, errlen, "%s", e2);
        return -1;
    }
    struct vm_config cfg = o->vm;
    if (!cfg.max_memslots && s->probe.nr_memslots > 0)
        cfg.max_memslots = (unsigned)s->probe.nr_memslots;
    if (vm_create(&cfg, &s->vm, e2, sizeof(e2)) < 0) {
        snprintf(err, errlen, "%s", e2);
        return -1;
    }
    vm_set_events(s->vm, &s->events);
    s->bus = dev_bus_new(s->vm, &s->events);
    if (!s->bus || dev_pc_init(s->bus) != 0) {
        snprintf(err, errlen, "cannot set up the devices: out of memory");
        session_close(s);
        return -1;
    }
    if (loader_load(s->vm, &o->load, &s->image, e2, sizeof(e2)) < 0) {
        snprintf(err, errlen, "%s", e2);
        session_close(s);
        return -1;
    }
    if (o->trace_path && session_trace_start(s, o->trace_path, o->trace_times, err, errlen) < 0) {
        session_close(s);
        return -1;
    }
    if (!s->raw) {
        struct enf_config ec = { o->depth, 0, s->probe.amd_branches };
#ifdef SCOUT_DEBUG
        ec.check_invariant = 1;
#endif
        s->ef = enf_new(s->vm, &ec, &s->events, e2, sizeof(e2));
        if (!s->ef) {
            snprintf(err, errlen, "%s", e2);
            session_close(s);
            return -1;
        }
        enf_set_io_rip_at_out(s->ef, s->probe.io_rip == PROBE_IO_RIP_AT_OUT);
    }
    return 0;
}

void session_close(struct session *s)
{
    char err[256];
    session_trace_stop(s, err, sizeof(err));
    enf_free(s->ef);
    s->ef = NULL;
    dev_bus_free(s->bus);
    s->bus = NULL;
    if (s->vm)
        vm_destroy(s->vm);
    s->vm = NULL;
}

int session_trace_start(struct session *s, const char *path, int times, char *err, size_t errlen)
{
    char e2[512];
    if (s->trace) {
        snprintf(err, errlen, "a trace is already being written (trace off first)");
        return -1;
    }
    s->trace = trace_writer_open(path, times, e2, sizeof(e2));
    if (!s->trace) {
        snprintf(err, errlen, "%s", e2);
        return -1;
    }
    events_subscribe(&s->events, trace_events_sink, s->trace);
    snprintf(s->trace_path, sizeof(s->trace_path), "%s", path);
    return 0;
}

int session_trace_stop(struct session *s, char *err, size_t errlen)
{
    if (!s->trace)
        return 0;
    events_unsubscribe(&s->events, trace_events_sink, s->trace);
    int rc = trace_writer_close(s->trace, err, errlen);
    s->trace = NULL;
    s->trace_path[0] = 0;
    return rc;
}

void session_set_console(struct session *s, const struct dev_console *c)
{
    if (s->bus)
        dev_bus_set_console(s->bus, c);
}

void session_format_monitor_stats(struct session *s, char *buf, size_t len)
{
    const struct vcpu_stats *v = vcpu_get_stats(vm_vcpu(s->vm));
    const struct dev_stats *d = dev_bus_stats(s->bus);
    snprintf(buf, len, "runs=%llu io_exits=%llu mmio_writes=%llu protected_writes=%llu "
             "unknown_port_reads=%llu unknown_port_writes=%llu completion_runs=%llu console_bytes=%llu",
             (unsigned long long)v->runs, (unsigned long long)v->io_exits, (unsigned long long)v->mmio_writes,
             (unsigned long long)v->protected_writes, (unsigned long long)d->unknown_port_reads,
             (unsigned long long)d->unknown_port_writes, (unsigned long long)v->completion_runs,
             (unsigned long long)d->console_bytes);
}

const char *session_mode_name(struct session *s)
{
    switch (vcpu_code_size(vm_vcpu(s->vm))) {
    case 16: return "real";
    case 32: return "prot32";
    default: return "long64";
    }
}

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
static int session_tick(struct session *s)
{
    if (s->tick)
        s->tick(s->tick_ctx);
    return 1;
}

static int session_go(struct session *s, struct vm_stop *stop, int step)
{
    struct scout_event ev;
    int rc;
    if (s->ended) {
        memset(stop, 0, sizeof(*stop));
        stop->why = VM_STOP_ERROR;
        snprintf(stop->message, sizeof(stop->message), "the guest has ended (%.200s)", s->last.message);
        return -1;
    }
    if (step && s->raw) {
        memset(stop, 0, sizeof(*stop));
        stop->why = VM_STOP_ERROR;
        snprintf(stop->message, sizeof(stop->message), "stepping needs enforcement (not --raw)");
        return -1;
    }
    if (events_wanted(&s->events)) {
        memset(&ev, 0, sizeof(ev));
        ev.type = SCOUT_EV_RUN_START;
        ev.u.run_start.mode = session_mode_name(s);
        ev.u.run_start.scan = s->raw ? "raw" : enf_depth(s->ef) ? "recursive" : "lazy";
        ev.u.run_start.depth = s->raw ? 0 : enf_depth(s->ef);
        ev.u.run_start.guest = s->guest_name;
        events_emit(&s->events, &ev);
    }
    s->running = step ? 2 : 1;
    if (s->raw) {
        do
            rc = vcpu_run(vm_vcpu(s->vm), NULL, stop);
        while (rc == 0 && (int)stop->why == SESSION_STOP_TICK && session_tick(s));
    } else {
        char err[256];
        rc = enf_prepare(s->ef, err, sizeof(err));
        if (rc == 0) {
            if (step)
                rc = enf_step(s->ef, stop);     /* no ticks while stepping (running == 2) */
            else
                do
                    rc = enf_run(s->ef, stop);
                while (rc == 0 && (int)stop->why == SESSION_STOP_TICK && session_tick(s));
        } else {
            memset(stop, 0, sizeof(*stop));
            stop->why = VM_STOP_ERROR;
            snprintf(stop->message, sizeof(stop->message), "%s", err);
        }
    }
    s->running = 0;
    s->interrupt_pending = 0;
    s->last = *stop;
    if (stop->why != VM_STOP_INTERRUPTED && stop->why != VM_STOP_TIMEOUT && stop->why != VM_STOP_HOOK)
        s->ended = 1;
    if (events_wanted(&s->events)) {
        memset(&ev, 0, sizeof(ev));
        ev.type = SCOUT_EV_RUN_STOP;
        ev.u.run_stop.why = vm_stop_name(stop->why);
        ev.u.run_stop.status = session_exit_status(stop);
        events_emit(&s->events, &ev);
    }
    return rc;
}

int session_run(struct session *s, struct vm_stop *stop) { return session_go(s, stop, 0); }
int session_step(struct session *s, struct vm_stop *stop) { return session_go(s, stop, 1); }

void session_interrupt(struct session *s, int why)
{
    if (s && s->vm) {
        s->interrupt_pending = 1;
        vcpu_request_stop(vm_vcpu(s->vm), why);
    }
}

void session_set_tick(struct session *s, void (*fn)(void *ctx), void *ctx)
{
    s->tick = fn;
    s->tick_ctx = ctx;
}

void session_request_tick(struct session *s)
{
    if (s && s->vm && s->running == 1 && s->tick && !s->interrupt_pending)
        vcpu_request_stop(vm_vcpu(s->vm), SESSION_STOP_TICK);
}
