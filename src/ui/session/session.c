/* session.c — a session's life cycle, what was loaded, the trace, the
 * console and the event hub.  See session.h. */
#include "ui/session/session_priv.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"

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

/* The image's bytes (the demo's, or the file's) for the trace's `guest`
 * event: its size and digest.  The file is read again: the digest is "-"
 * when that does not give the bytes loaded (a pipe, read once already;
 * a file changed since). */
static void image_digest(const struct loader_opts *lo, const struct loader_image *im, size_t *size, char hex[65])
{
    char err[256];
    size_t n = 0;
    uint8_t *buf = lo->image ? NULL : session_file_read(lo->path, 0, &n, err, sizeof(err));
    snprintf(hex, 65, "-");
    *size = lo->image ? lo->image_len : im->file_size;
    if (lo->image || (buf && n == im->file_size))
        session_sha256_hex(lo->image ? lo->image : buf, *size, hex);
    free(buf);
}

/* The first events of a trace: what guest, with which options. */
static void trace_preamble(struct session *s)
{
    struct session_impl *si = s->impl;
    const struct session_opts *o = &si->opts;
    char name[300], hex[65];
    size_t size;
    image_digest(&o->load, &si->image, &size, hex);
    trace_escape(name, sizeof(name), si->guest_name);
    trace_emit(si->trace, "guest", "name=%s format=%s size=%zu sha256=%s", name,
               loader_format_name(si->image.format), size, hex);
    trace_emit(si->trace, "option", "name=scan value=%s", si->raw ? "raw" : session_depth(s) ? "recursive" : "lazy");
    trace_emit(si->trace, "option", "name=depth value=%u", session_depth(s));
    if (session_links(s))               /* (only when not the default: older traces stay comparable) */
        trace_emit(si->trace, "option", "name=links value=on");
    if (session_smc_insn(s))
        trace_emit(si->trace, "option", "name=smc value=insn");
    trace_emit(si->trace, "option", "name=mem value=0x%" PRIx64, vm_mem_size(si->vm));
    trace_emit(si->trace, "option", "name=cpl value=%d", o->load.cpl);
    if (o->deprivilege)
        trace_emit(si->trace, "option", "name=deprivilege value=on");
}

/* Symbols: --symbols FILE, else the given bytes, else the guest's file
 * (quietly nothing when it is not an ELF). */
static int load_symbols(struct session_impl *si, char *err, size_t errlen)
{
    const struct session_opts *o = &si->opts;
    struct session tmp = { si };
    if (o->symbols_path)
        return session_symbols_load(&tmp, o->symbols_path, err, errlen) < 0 ? -1 : 0;
    if (o->symbols_image) {
        si->syms = session_syms_load(si->guest_name, o->symbols_image, o->symbols_image_len, 0, err, errlen);
        return si->syms ? 0 : -1;
    }
    if (o->load.image)
        return 0;
    char e2[256];
    if (session_symbols_load(&tmp, o->load.path, e2, sizeof(e2)) < 0)
        session_syms_free(si->syms), si->syms = NULL;   /* not an ELF with symbols: none */
    return 0;
}

/* Everything but the trace and the symbols: VM, devices, image, engine,
 * the entry scanned and the pokes made when there are any. */
static int open_guest(struct session_impl *si, char *err, size_t errlen)
{
    const struct session_opts *o = &si->opts;
    char e2[512];
    if (probe_host(&si->probe, e2, sizeof(e2)) < 0)
        return base_err(err, errlen, "%s", e2);
    struct vm_config cfg = o->vm;
    if (!cfg.max_memslots && si->probe.nr_memslots > 0)
        cfg.max_memslots = (unsigned)si->probe.nr_memslots;
    if (vm_create(&cfg, &si->vm, e2, sizeof(e2)) < 0)
        return base_err(err, errlen, "%s", e2);
    si->cpu = vm_vcpu(si->vm);
    vm_set_events(si->vm, &si->events);
    si->bus = dev_bus_new(si->vm, &si->events);
    struct dev_pc_config pc = { vm_mem_size(si->vm), o->load.cmdline, o->pc_testdev };
    if (!si->bus || dev_pc_init(si->bus, &pc) != 0)
        return base_err(err, errlen, "cannot set up the devices: out of memory");
    if (load_guest(si, o, e2, sizeof(e2)) < 0)
        return base_err(err, errlen, "%s", e2);
    if (!si->raw) {
        struct enf_config ec = { o->depth, 0, si->probe.amd_branches, o->links, o->smc_insn };
#ifdef SCOUT_DEBUG
        ec.check_invariant = 1;
#endif
        si->ef = enf_new(si->vm, &ec, &si->events, e2, sizeof(e2));
        if (!si->ef)
            return base_err(err, errlen, "%s", e2);
        enf_set_io_rip_at_out(si->ef, si->probe.io_rip == PROBE_IO_RIP_AT_OUT);
        if (o->deprivilege && enf_deprivilege(si->ef, e2, sizeof(e2)) != 0)
            return base_err(err, errlen, "%s: %s", si->guest_name, e2);
        vcpu_set_out_completion(si->cpu, si->probe.out_done_at_exit ? VCPU_OUT_COMPLETE_NEVER
                                         : si->probe.out_redirect ? VCPU_OUT_COMPLETE_AT_OUT
                                         : VCPU_OUT_COMPLETE_ALWAYS);
    }
    return 0;
}

/* The pokes, once (the entry is scanned first, so a poke can hit
 * scanned code). */
static int make_pokes(struct session *s, char *err, size_t errlen)
{
    const struct session_opts *o = &s->impl->opts;
    char e2[256];
    if (s->impl->poked)
        return 0;
    s->impl->poked = 1;
    for (size_t i = 0; i < o->npokes; i++)
        if (session_write_phys(s, o->pokes[i].gpa, o->pokes[i].bytes, o->pokes[i].len, e2, sizeof(e2)) < 0)
            return base_err(err, errlen, "--poke 0x%" PRIx64 ": %s", o->pokes[i].gpa, e2);
    return 0;
}

int session_open(struct session *s, const struct session_opts *o, char *err, size_t errlen)
{
    memset(s, 0, sizeof(*s));
    struct session_impl *si = calloc(1, sizeof(*si));
    if (!si)
        return base_err(err, errlen, "cannot open a session: out of memory");
    s->impl = si;
    si->opts = *o;
    si->opts.trace_path = NULL;
    si->raw = o->raw;
    const char *base = strrchr(o->load.path, '/');
    snprintf(si->guest_name, sizeof(si->guest_name), "%s", base ? base + 1 : o->load.path);
    if (open_guest(si, err, errlen) < 0 || load_symbols(si, err, errlen) < 0 ||
        (o->trace_path && session_trace_start(s, o->trace_path, o->trace_flags, err, errlen) < 0)) {
        session_close(s);
        return -1;
    }
    return 0;
}

/* The VM and what belongs to it; not the trace, the symbols, or what front
 * ends attached. */
static void close_guest(struct session_impl *si)
{
    enf_free(si->ef);
    si->ef = NULL;
    dev_bus_free(si->bus);
    si->bus = NULL;
    dev_bios_free(si->bios);    /* (after the bus, whose ports it registered) */
    si->bios = NULL;
    if (si->vm)
        vm_destroy(si->vm);
    si->vm = NULL;
}

int session_restart(struct session *s, char *err, size_t errlen)
{
    struct session_impl *old = s->impl, *si = calloc(1, sizeof(*si));
    if (!si)
        return base_err(err, errlen, "cannot restart: out of memory");
    si->opts = old->opts;
    if (old->ef) {
        si->opts.depth = enf_depth(old->ef);
        si->opts.links = enf_links(old->ef);
        si->opts.smc_insn = enf_smc_insn(old->ef);
    }
    si->raw = old->raw;
    memcpy(si->guest_name, old->guest_name, sizeof(si->guest_name));
    si->events = old->events;   /* subscribers: the trace, the TUI, plugins */
    if (open_guest(si, err, errlen) < 0) {
        close_guest(si);
        free(si);
        return -1;
    }
    si->trace = old->trace;
    si->trace_an = old->trace_an;
    memcpy(si->trace_path, old->trace_path, sizeof(si->trace_path));
    si->syms = old->syms;
    si->tick = old->tick;
    si->tick_ctx = old->tick_ctx;
    si->console = old->console;
    si->have_console = old->have_console;
    si->classify = old->classify;
    si->classify_ctx = old->classify_ctx;
    si->vexit = old->vexit;
    si->vexit_ctx = old->vexit_ctx;
    si->marks = old->marks;
    si->source = old->source;
    if (si->marks)
        session_marks_reset(si->marks);
    s->impl = si;
    if (si->have_console)
        dev_bus_set_console(si->bus, &si->console);
    if (si->ef && si->classify)
        prescan_set_classifier(enf_engine(si->ef), si->classify, si->classify_ctx);
    if (si->ef && si->vexit)
        enf_set_vexit_hook(si->ef, si->vexit, si->vexit_ctx);
    close_guest(old);
    free(old);
    session_trace_note(s, "restart", "guest=%s", "initial-state");
    return session_prepare(s, err, errlen);
}

void session_kill(struct session *s)
{
    struct session_impl *si = s->impl;
    if (!si->vm || si->ended)
        return;
    si->ended = 1;
    si->killed = 1;
    memset(&si->last, 0, sizeof(si->last));
    si->last.why = VM_STOP_INTERRUPTED;
    si->last.rip = session_rip_linear(s);
    snprintf(si->last.message, sizeof(si->last.message), "killed at rip=0x%" PRIx64, si->last.rip);
    session_trace_note(s, "kill", "rip=0x%" PRIx64, si->last.rip);
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
    session_marks_free(s);
    session_source_free(si);
    close_guest(si);
    session_syms_free(si->syms);
    free(si);
    s->impl = NULL;
}

int session_prepare(struct session *s, char *err, size_t errlen)
{
    if (s->impl->ef && enf_prepare(s->impl->ef, err, errlen) != 0)
        return -1;
    return make_pokes(s, err, errlen);
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

static size_t symbolize(void *arg, uint64_t addr, char *buf, size_t len)
{
    return session_sym_format(arg, addr, buf, len);
}

int session_trace_start(struct session *s, const char *path, unsigned flags, char *err, size_t errlen)
{
    struct session_impl *si = s->impl;
    char e2[512];
    if (si->trace)
        return base_err(err, errlen, "a trace is already being written (trace off first)");
    if ((flags & SESSION_TRACE_SYMBOLS) && !(si->trace_an = calloc(1, sizeof(*si->trace_an))))
        return base_err(err, errlen, "out of memory");
    si->trace = trace_writer_open(path, (flags & SESSION_TRACE_TIMES) != 0, e2, sizeof(e2));
    if (!si->trace) {
        free(si->trace_an);
        si->trace_an = NULL;
        return base_err(err, errlen, "%s", e2);
    }
    if (si->trace_an) {
        *si->trace_an = (struct trace_events_annotated){ si->trace, symbolize, s };
        events_subscribe(&si->events, trace_events_sink_annotated, si->trace_an);
    } else {
        events_subscribe(&si->events, trace_events_sink, si->trace);
    }
    snprintf(si->trace_path, sizeof(si->trace_path), "%s", path);
    trace_preamble(s);
    return 0;
}

void session_trace_note(struct session *s, const char *type, const char *fmt, ...)
{
    va_list ap;
    if (!s->impl || !s->impl->trace)
        return;
    va_start(ap, fmt);
    trace_emitv(s->impl->trace, type, fmt, ap);
    va_end(ap);
}

int session_trace_stop(struct session *s, char *err, size_t errlen)
{
    struct session_impl *si = s->impl;
    if (!si->trace)
        return 0;
    if (si->trace_an)
        events_unsubscribe(&si->events, trace_events_sink_annotated, si->trace_an);
    else
        events_unsubscribe(&si->events, trace_events_sink, si->trace);
    free(si->trace_an);
    si->trace_an = NULL;
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
    if (!s->impl->bus)
        return;
    s->impl->console = *c;
    s->impl->have_console = 1;
    dev_bus_set_console(s->impl->bus, c);
}
