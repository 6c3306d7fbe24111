/* stats.c — the one formatter of scout's counters (monitor, enforcement,
 * engine) for `scout --stats` and the `stats` command.  See session.h. */
#include "ui/session/session_priv.h"

#include <stdarg.h>
#include <stdio.h>

#define U(x) ((unsigned long long)(x))

struct out {
    void (*line)(void *arg, const char *line);
    void *arg;
    char buf[1024];
    size_t n;
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct out *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (o->n < sizeof(o->buf)) {
        int k = vsnprintf(o->buf + o->n, sizeof(o->buf) - o->n, fmt, ap);
        o->n += k > 0 ? (size_t)k : 0;
        if (o->n >= sizeof(o->buf))
            o->n = sizeof(o->buf) - 1;
    }
    va_end(ap);
}

static void end_line(struct out *o)
{
    o->line(o->arg, o->buf);
    o->n = 0;
    o->buf[0] = 0;
}

/* " computed=N far=N ..." for each virtualize reason */
static void reasons(struct out *o, const uint64_t *by_reason)
{
    for (int r = 1; r < PRESCAN_REASON_COUNT; r++)
        put(o, " %s=%llu", prescan_reason_name((enum prescan_reason)r), U(by_reason[r]));
}

static void monitor_line(struct out *o, struct session_impl *si, const char *head)
{
    const struct vcpu_stats *v = vcpu_get_stats(si->cpu);
    const struct dev_stats *d = dev_bus_stats(si->bus);
    put(o, "%s: runs=%llu io_exits=%llu mmio_writes=%llu protected_writes=%llu "
        "unknown_port_reads=%llu unknown_port_writes=%llu completion_runs=%llu console_bytes=%llu "
        "ioctls=%llu slot_ioctls=%llu kicks=%llu irqs_injected=%llu halt_checks=%llu",
        head, U(v->runs), U(v->io_exits), U(v->mmio_writes), U(v->protected_writes), U(d->unknown_port_reads),
        U(d->unknown_port_writes), U(v->completion_runs), U(d->console_bytes), U(v->ioctls),
        U(memslot_ioctls(vcpu_vm(si->cpu))), U(v->kicks),
        U(v->injected), U(v->halt_checks));
    end_line(o);
}

/* What guards scan-before-execute did: handler entries reached, port I/O
 * nobody trapped (must stay 0), writable steps, table re-reads, split stores. */
static void guard_line(struct out *o, const struct enf_stats *e)
{
    put(o, "guard: entry_hits=%llu native_io=%llu unprotected_steps=%llu table_follows=%llu mmio_fragments=%llu denied_traps=%llu paging_writes=%llu",
        U(e->entry_hits), U(e->native_io), U(e->unprotected_steps), U(e->table_follows), U(e->mmio_fragments),
        U(e->denied_traps), U(e->paging_writes));
    end_line(o);
}

/* The technique switches, when on (or when they did something). */
static void switch_lines(struct out *o, struct session_impl *si, const struct enf_stats *e)
{
    if (enf_links(si->ef) || e->links_made) {
        put(o, "links: %s made=%llu cut=%llu live=%llu", enf_links(si->ef) ? "on" : "off", U(e->links_made),
            U(e->links_cut), U(e->links_made - e->links_cut));
        end_line(o);
    }
    if (enf_deprivileged(si->ef)) {
        const uint64_t *h = e->depriv_held;
        put(o, "depriv: on windows=%llu held=%llu (mode=%llu cpl=%llu cr4=%llu event=%llu) fills=%llu flushes=%llu "
            "reflected=%llu irqs=%llu cpl0=%llu", U(e->depriv_windows),
            U(h[ENF_HELD_MODE] + h[ENF_HELD_CPL] + h[ENF_HELD_CR4] + h[ENF_HELD_EVENT]), U(h[ENF_HELD_MODE]),
            U(h[ENF_HELD_CPL]), U(h[ENF_HELD_CR4]), U(h[ENF_HELD_EVENT]), U(e->depriv_fills), U(e->depriv_flushes),
            U(e->depriv_reflected), U(e->depriv_irqs), U(e->depriv_cpl0));
        end_line(o);
    }
    if (enf_smc_insn(si->ef)) {
        put(o, "smc: insn kept=%llu dumped=%llu", U(e->smc_kept), U(e->smc_dumped));
        end_line(o);
    }
}

static void batch_lines(struct out *o, const struct enf_stats *e, const struct prescan_stats *p)
{
    put(o, "enforce: vexits=%llu", U(e->vexits));
    reasons(o, e->vexit_reason);
    put(o, " resolved=%llu emulated=%llu stepped=%llu refused=%llu ud=%llu", U(e->resolved), U(e->emulated),
        U(e->stepped), U(e->refused), U(e->ud_injected));
    end_line(o);
    guard_line(o, e);
    put(o, "writes: invalidations=%llu dropped=%llu data_writes=%llu injected=%llu", U(e->invalidations),
        U(e->attrs_dropped), U(e->data_writes), U(e->injected_writes));
    end_line(o);
    put(o, "prescan: scans=%llu insns=%llu bytes=%llu pages_live=%llu pages_allocated=%llu max_depth=%u "
        "worklist_max=%zu traps_planted=%llu pages_protected=%llu", U(e->scans), U(p->insns_scanned),
        U(p->bytes_decoded), U(p->pages_live), U(p->pages_allocated), p->max_depth_reached, p->worklist_high_water,
        U(e->traps_planted), U(e->pages_protected));
    end_line(o);
}

static void command_lines(struct out *o, const struct enf_stats *e, const struct prescan_stats *p, size_t live)
{
    put(o, "enforce: vexits=%llu", U(e->vexits));
    reasons(o, e->vexit_reason);
    end_line(o);
    put(o, "enforce: resolved=%llu emulated=%llu stepped=%llu refused=%llu ud=%llu step_trap_hits=%llu",
        U(e->resolved), U(e->emulated), U(e->stepped), U(e->refused), U(e->ud_injected),
        U(e->step_trap_hits));
    end_line(o);
    guard_line(o, e);
    put(o, "writes: invalidations=%llu dropped=%llu data_writes=%llu injected=%llu", U(e->invalidations),
        U(e->attrs_dropped), U(e->data_writes), U(e->injected_writes));
    end_line(o);
    put(o, "traps: planted=%llu removed=%llu live=%zu pages_protected=%llu pages_unprotected=%llu",
        U(e->traps_planted), U(e->traps_removed), live, U(e->pages_protected), U(e->pages_unprotected));
    end_line(o);
    put(o, "engine: scans=%llu steps=%llu insns=%llu bytes=%llu pages_live=%llu pages_allocated=%llu "
        "pages_freed=%llu flips=%llu max_depth=%u worklist_max=%zu", U(p->scans), U(p->steps),
        U(p->insns_scanned), U(p->bytes_decoded), U(p->pages_live), U(p->pages_allocated), U(p->pages_freed),
        U(p->branch_flips), p->max_depth_reached, p->worklist_high_water);
    end_line(o);
    put(o, "engine: virtualize");
    reasons(o, p->virtualize);
    end_line(o);
    put(o, "engine: write_checks=%llu write_hits=%llu data_writes=%llu invalidations=%llu", U(p->write_checks),
        U(p->write_hits), U(p->data_writes), U(p->invalidations));
    end_line(o);
}

void session_format_stats(struct session *s, enum session_stats_style style,
                          void (*line)(void *arg, const char *line), void *arg)
{
    struct session_impl *si = s->impl;
    struct out o = { line, arg, "", 0 };
    monitor_line(&o, si, style == SESSION_STATS_BATCH ? "stats" : "monitor");
    if (!si->ef) {
        if (style == SESSION_STATS_COMMAND) {
            put(&o, "enforcement: off (--raw)");
            end_line(&o);
        }
        return;
    }
    struct enf_stats e;
    struct prescan_stats p;
    enf_get_stats(si->ef, &e);
    prescan_get_stats(enf_engine(si->ef), &p);
    if (style == SESSION_STATS_BATCH)
        batch_lines(&o, &e, &p);
    else
        command_lines(&o, &e, &p, enf_trap_count(enf_traps(si->ef)));
    switch_lines(&o, si, &e);
}
