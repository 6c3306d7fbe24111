/* session.c — a session's life cycle, what was loaded, the trace, the
 * console and the event hub.  See session.h. */
#include "ui/session/session_priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "trace/trace_events.h"

int session_open(struct session *s, const struct session_opts *o, char *err, size_t errlen)
{
    char e2[512];
    memset(s, 0, sizeof(*s));
    struct session_impl *si = calloc(1, sizeof(*si));
    if (!si)
        return base_err(err, errlen, "cannot open a session: out of memory");
    s->impl = si;
    si->raw = o->raw;
    const char *base = strrchr(o->load.path, '/');
    snprintf(si->guest_name, sizeof(si->guest_name), "%s", base ? base + 1 : o->load.path);
    if (probe_host(&si->probe, e2, sizeof(e2)) < 0) {
        session_close(s);
        return base_err(err, errlen, "%s", e2);
    }
    struct vm_config cfg = o->vm;
    if (!cfg.max_memslots && si->probe.nr_memslots > 0)
        cfg.max_memslots = (unsigned)si->probe.nr_memslots;
    if (vm_create(&cfg, &si->vm, e2, sizeof(e2)) < 0) {
        session_close(s);
        return base_err(err, errlen, "%s", e2);
    }
    si->cpu = vm_vcpu(si->vm);
    vm_set_events(si->vm, &si->events);
    si->bus = dev_bus_new(si->vm, &si->events);
    struct dev_pc_config pc = { vm_mem_size(si->vm), o->load.cmdline, o->pc_testdev };
    if (!si->bus || dev_pc_init(si->bus, &pc) != 0) {
        session_close(s);
        return base_err(err, errlen, "cannot set up the devices: out of memory");
    }
    if (loader_load(si->vm, &o->load, &si->image, e2, sizeof(e2)) < 0) {
        session_close(s);
        return base_err(err, errlen, "%s", e2);
    }
    if (o->trace_path && session_trace_start(s, o->trace_path, o->trace_times, err, errlen) < 0) {
        session_close(s);
        return -1;
    }
    if (!si->raw) {
        struct enf_config ec = { o->depth, 0, si->probe.amd_branches };
#ifdef SCOUT_DEBUG
        ec.check_invariant = 1;
#endif
        si->ef = enf_new(si->vm, &ec, &si->events, e2, sizeof(e2));
        if (!si->ef) {
            session_close(s);
            return base_err(err, errlen, "%s", e2);
        }
        enf_set_io_rip_at_out(si->ef, si->probe.io_rip == PROBE_IO_RIP_AT_OUT);
    }
    return 0;
}

int session_open_detached(struct session *s, char *err, size_t errlen)
{
    s->impl = calloc(1, sizeof(*s->impl));
    if (!s->impl)
        return base_err(err, errlen, "out of memory");
    s->impl->raw = 1;
    s->impl->ended = 1;
    return 0;
}

void session_close(struct session *s)
{
    struct session_impl *si = s->impl;
    char err[256];
    if (!si)
        return;
    session_trace_stop(s, err, sizeof(err));
    enf_free(si->ef);
    dev_bus_free(si->bus);
    if (si->vm)
        vm_destroy(si->vm);
    free(si);
    s->impl = NULL;
}

int session_prepare(struct session *s, char *err, size_t errlen)
{
    return s->impl->ef ? enf_prepare(s->impl->ef, err, errlen) : 0;
}

/* ── what is loaded ─────────────────────────────────────────────────── */

const char *session_guest_name(const struct session *s) { return s->impl->guest_name; }
int session_enforced(const struct session *s) { return s->impl->ef != NULL; }

void session_image(const struct session *s, struct session_image *out)
{
    const struct loader_image *im = &s->impl->image;
    out->base = UINT64_MAX;
    for (unsigned i = 0; i < im->nseg; i++)
        if (im->seg[i].memsz && im->seg[i].paddr < out->base)
            out->base = im->seg[i].paddr;
    if (out->base == UINT64_MAX)
        out->base = im->entry;
    out->end = im->load_end > out->base ? im->load_end : out->base;
    out->entry = im->entry;
    out->mode = (int)im->mode;
}

void session_format_probe(const struct session *s, char *buf, size_t len)
{
    probe_format(&s->impl->probe, buf, len);
}

int session_probe_host(char *buf, size_t len, char *err, size_t errlen)
{
    struct probe_result pr;
    if (probe_host(&pr, err, errlen) < 0)
        return -1;
    probe_format(&pr, buf, len);
    return 0;
}

/* ── events, trace, console ─────────────────────────────────────────── */

/* (A session never opened -- `--list-commands` -- has no events to give.) */
int session_subscribe(struct session *s, scout_event_fn fn, void *ctx)
{
    return s->impl ? events_subscribe(&s->impl->events, fn, ctx) : 0;
}

void session_unsubscribe(struct session *s, scout_event_fn fn, void *ctx)
{
    if (s->impl)
        events_unsubscribe(&s->impl->events, fn, ctx);
}

int session_trace_start(struct session *s, const char *path, int times, char *err, size_t errlen)
{
    struct session_impl *si = s->impl;
    char e2[512];
    if (si->trace)
        return base_err(err, errlen, "a trace is already being written (trace off first)");
    si->trace = trace_writer_open(path, times, e2, sizeof(e2));
    if (!si->trace)
        return base_err(err, errlen, "%s", e2);
    events_subscribe(&si->events, trace_events_sink, si->trace);
    snprintf(si->trace_path, sizeof(si->trace_path), "%s", path);
    return 0;
}

int session_trace_stop(struct session *s, char *err, size_t errlen)
{
    struct session_impl *si = s->impl;
    if (!si->trace)
        return 0;
    events_unsubscribe(&si->events, trace_events_sink, si->trace);
    int rc = trace_writer_close(si->trace, err, errlen);
    si->trace = NULL;
    si->trace_path[0] = 0;
    return rc;
}

const char *session_trace_path(const struct session *s)
{
    return s->impl->trace ? s->impl->trace_path : NULL;
}

void session_set_console(struct session *s, const struct dev_console *c)
{
    if (s->impl->bus)
        dev_bus_set_console(s->impl->bus, c);
}
