/* session.c — a session's life cycle, what was loaded, the trace, the
 * console and the event hub.  See session.h. */
#include "ui/session/session_priv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "trace/trace_events.h"

/* The BIOS is for boot sectors, and for real-mode images that leave its
 * memory alone (IVT and BIOS data area, EBDA, text screen, ROM). */
static int bios_wanted(const struct loader_image *im)
{
    static const uint64_t busy[][2] = {
        { 0, 0x500 }, { DEV_BIOS_EBDA, 0xA0000 }, { 0xB8000, 0xC0000 }, { DEV_BIOS_ROM, 0x100000 },
    };
    if (im->format == LOADER_BOOTSECTOR)
        return 1;
    if (im->format != LOADER_FLAT || im->mode != VM_MODE_REAL)
        return 0;
    for (unsigned i = 0; i < im->nseg; i++)
        for (unsigned k = 0; k < sizeof(busy) / sizeof(busy[0]); k++)
            if (im->seg[i].paddr < busy[k][1] && busy[k][0] < im->seg[i].paddr + im->seg[i].memsz)
                return 0;
    return 1;
}

static int bios_open(struct session_impl *si, const struct session_opts *o, char *err, size_t errlen)
{
    struct dev_bios_config bc = { o->disk ? o->disk : o->load.path, o->keys };
    si->bios = dev_bios_new(si->bus, si->vm, &bc, err, errlen);
    return si->bios ? 0 : -1;
}

/* Loads the guest, and the BIOS it gets (with DL = its boot drive). */
static int load_guest(struct session_impl *si, const struct session_opts *o, char *err, size_t errlen)
{
    struct loader_opts lo = o->load;
    uint8_t sector[512];
    if (o->boot_disk) {
        if (bios_open(si, o, err, errlen) < 0)
            return -1;
        if (dev_bios_boot_sector(si->bios, sector) < 0)
            return base_err(err, errlen, "disk image %s: not bootable: its first sector does not end in 55 AA", o->disk);
        lo.image = sector;
        lo.image_len = sizeof(sector);
        lo.format = LOADER_BOOTSECTOR;
    }
    if (loader_load(si->vm, &lo, &si->image, err, errlen) < 0)
        return -1;
    if (!si->bios && !o->no_bios && bios_wanted(&si->image) && bios_open(si, o, err, errlen) < 0)
        return -1;
    if (!si->bios && (o->disk || o->keys))
        return base_err(err, errlen, "%s: only a guest with the BIOS has one (boot sectors and real-mode images%s)",
                        o->disk ? "--disk" : "--keys", o->no_bios ? "; not with --no-bios" : " that leave its memory free");
    if (si->bios && si->image.format == LOADER_BOOTSECTOR) {
        struct kvm_regs r;
        if (vcpu_get_regs(si->cpu, &r) < 0)
            return base_err(err, errlen, "KVM_GET_REGS: %s", strerror(errno));
        r.rdx = dev_bios_boot_drive(si->bios);
        vcpu_set_regs(si->cpu, &r);
    }
    return 0;
}

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
    if (!si->bus || dev_pc_init(si->bus) != 0) {
        session_close(s);
        return base_err(err, errlen, "cannot set up the devices: out of memory");
    }
    if (load_guest(si, o, e2, sizeof(e2)) < 0) {
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
    dev_bios_free(si->bios);
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
