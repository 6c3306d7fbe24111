/* bus.c — the I/O bus: port and MMIO ranges claimed by devices, dispatch,
 * unknown accesses, the console sink, and the io event for every device
 * access (so raw runs trace guest I/O exactly as enforced runs do); the
 * devices' timers and interrupt lines, and what the run loop asks of them
 * (poll, the 8259's INTR, the IOAPIC's EOI, can anything wake a halt). */
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "monitor/dev/dev.h"
#include "monitor/events/events.h"

#define DEV_MAX_RANGES 64
#define DEV_MAX_TIMERS 8
#define DEV_MAX_CHIPS  2

struct range {
    uint64_t base, len;
    const char *name;
    dev_pio_fn pio;
    dev_mmio_fn mmio;
    void *ctx;
};

struct dev_timer {
    uint64_t deadline;          /* 0: stopped */
    dev_timer_fn fire;
    void *ctx;
    int line;                   /* the IRQ it raises, -1 none */
};

struct dev_bus {
    struct vm *vm;
    struct events *events;
    struct range pio[DEV_MAX_RANGES], mmio[DEV_MAX_RANGES];
    size_t npio, nmmio;
    struct dev_timer timers[DEV_MAX_TIMERS];
    size_t ntimers;
    struct dev_irq_chip chips[DEV_MAX_CHIPS];
    size_t nchips;
    int (*intr)(void *ctx);              /* the 8259's INTR and INTA */
    int (*ack)(void *ctx);
    void (*vectors)(void *ctx, uint64_t out[4]);
    void *extint_ctx;
    void (*eoi)(void *ctx, unsigned vector);   /* the IOAPIC's */
    void *eoi_ctx;
    int (*apic_idle)(void *ctx, const uint32_t busy[8]);
    void *apic_idle_ctx;
    struct dev_console console;
    struct dev_stats stats;
    VEC(void *) allocs;         /* device state, freed with the bus */
};

static const struct range *find(const struct range *r, size_t n, uint64_t a)
{
    for (size_t i = 0; i < n; i++)
        if (a - r[i].base < r[i].len)
            return &r[i];
    return NULL;
}

static int add(struct range *r, size_t *n, uint64_t base, uint64_t len, const char *name)
{
    if (*n == DEV_MAX_RANGES || len == 0 || base + len < base)
        return -1;
    for (size_t i = 0; i < *n; i++)
        if (base < r[i].base + r[i].len && r[i].base < base + len)
            return -1;
    memset(&r[*n], 0, sizeof(r[*n]));
    r[*n].base = base;
    r[*n].len = len;
    r[*n].name = name;
    (*n)++;
    return 0;
}

int dev_bus_register_pio(struct dev_bus *bus, uint16_t base, uint16_t len, const char *name,
                         dev_pio_fn fn, void *ctx)
{
    if (base + (uint32_t)len > 0x10000u || add(bus->pio, &bus->npio, base, len, name) != 0)
        return -1;
    bus->pio[bus->npio - 1].pio = fn;
    bus->pio[bus->npio - 1].ctx = ctx;
    return 0;
}

int dev_bus_register_mmio(struct dev_bus *bus, uint64_t base, uint64_t len, const char *name,
                          dev_mmio_fn fn, void *ctx)
{
    if (add(bus->mmio, &bus->nmmio, base, len, name) != 0)
        return -1;
    bus->mmio[bus->nmmio - 1].mmio = fn;
    bus->mmio[bus->nmmio - 1].ctx = ctx;
    return 0;
}

void *dev_bus_alloc(struct dev_bus *bus, size_t size)
{
    /* room first: a state block is never left unowned */
    if (VEC_RESERVE(&bus->allocs, bus->allocs.n + 1) != 0)
        return NULL;
    void *p = calloc(1, size);
    if (p)
        bus->allocs.v[bus->allocs.n++] = p;
    return p;
}

const char *dev_bus_port_owner(const struct dev_bus *bus, uint16_t port)
{
    const struct range *r = find(bus->pio, bus->npio, port);
    return r ? r->name : NULL;
}

const struct dev_stats *dev_bus_stats(const struct dev_bus *bus) { return &bus->stats; }

void dev_bus_set_console(struct dev_bus *bus, const struct dev_console *c)
{
    if (c)
        bus->console = *c;
    else
        memset(&bus->console, 0, sizeof(bus->console));
}

void dev_console_write(struct dev_bus *bus, const void *buf, size_t len)
{
    bus->stats.console_bytes += len;
    if (bus->console.write) {
        bus->console.write(bus->console.ctx, buf, len);
        return;
    }
    FILE *f = bus->console.file ? bus->console.file : stdout;
    fwrite(buf, 1, len, f);
    fflush(f);
}

static void io_event(struct dev_bus *bus, uint16_t port, int out, int size, const uint8_t *data)
{
    if (!events_wanted(bus->events))
        return;
    struct scout_event ev;
    memset(&ev, 0, sizeof(ev));
    ev.type = SCOUT_EV_IO;
    ev.u.io.port = port;
    ev.u.io.out = out;
    ev.u.io.size = (unsigned)size;
    if (out)
        memcpy(&ev.u.io.value, data, (size_t)size <= 4 ? (size_t)size : 4);
    events_emit(bus->events, &ev);
}

static enum vm_io_result bus_pio(void *ctx, uint16_t port, int out, int size, uint8_t *data, int *status)
{
    struct dev_bus *bus = ctx;
    const struct range *r = find(bus->pio, bus->npio, port);
    if (!r) {
        if (out) {
            bus->stats.unknown_port_writes++;
        } else {
            bus->stats.unknown_port_reads++;
            memset(data, 0xff, (size_t)size);
        }
        return VM_IO_OK;
    }
    io_event(bus, port, out, size, data);
    return r->pio(r->ctx, port, out, size, data, status);
}

static enum vm_io_result bus_mmio(void *ctx, uint64_t gpa, int write, unsigned len, uint8_t *data, int *status)
{
    struct dev_bus *bus = ctx;
    const struct range *r = find(bus->mmio, bus->nmmio, gpa);
    if (!r) {
        if (write) {
            bus->stats.unknown_mmio_writes++;
        } else {
            bus->stats.unknown_mmio_reads++;
            memset(data, 0xff, len);
        }
        return VM_IO_OK;
    }
    return r->mmio(r->ctx, gpa, write, len, data, status);
}

/* ── time ─────────────────────────────────────────────────────────────── */

struct dev_timer *dev_timer_new(struct dev_bus *bus, dev_timer_fn fire, void *ctx, int line)
{
    if (bus->ntimers == DEV_MAX_TIMERS)
        return NULL;
    struct dev_timer *t = &bus->timers[bus->ntimers++];
    t->deadline = 0;
    t->fire = fire;
    t->ctx = ctx;
    t->line = line;
    return t;
}

void dev_timer_set(struct dev_timer *t, uint64_t deadline) { t->deadline = deadline; }
uint64_t dev_timer_deadline(const struct dev_timer *t) { return t->deadline; }

static uint64_t bus_poll(void *ctx, uint64_t now)
{
    struct dev_bus *bus = ctx;
    uint64_t next = 0;
    for (size_t i = 0; i < bus->ntimers; i++) {
        struct dev_timer *t = &bus->timers[i];
        if (t->deadline && t->deadline <= now) {
            t->deadline = 0;
            t->fire(t->ctx, now);       /* may set the next one */
        }
        if (t->deadline && (!next || t->deadline < next))
            next = t->deadline;
    }
    return next;
}

/* ── interrupt lines ─────────────────────────────────────────────────── */

int dev_bus_add_irq_chip(struct dev_bus *bus, const struct dev_irq_chip *chip)
{
    if (bus->nchips == DEV_MAX_CHIPS)
        return -1;
    bus->chips[bus->nchips++] = *chip;
    return 0;
}

void dev_irq_set(struct dev_bus *bus, unsigned line, int level)
{
    for (size_t i = 0; i < bus->nchips; i++)
        bus->chips[i].set(bus->chips[i].ctx, line, level);
}

void dev_irq_pulse(struct dev_bus *bus, unsigned line)
{
    dev_irq_set(bus, line, 1);
    dev_irq_set(bus, line, 0);
}

void dev_bus_set_extint(struct dev_bus *bus, int (*intr)(void *ctx), int (*ack)(void *ctx),
                        void (*vectors)(void *ctx, uint64_t out[4]), void *ctx)
{
    bus->intr = intr;
    bus->ack = ack;
    bus->vectors = vectors;
    bus->extint_ctx = ctx;
}

void dev_bus_set_eoi(struct dev_bus *bus, void (*eoi)(void *ctx, unsigned vector), void *ctx)
{
    bus->eoi = eoi;
    bus->eoi_ctx = ctx;
}

struct vm *dev_bus_vm(struct dev_bus *bus) { return bus->vm; }

void dev_bus_irq_event(struct dev_bus *bus, unsigned vector, int line, const char *src)
{
    if (!events_wanted(bus->events))
        return;
    struct kvm_regs r;
    struct scout_event ev;
    memset(&ev, 0, sizeof(ev));
    ev.type = SCOUT_EV_IRQ;
    ev.u.irq.vector = vector;
    ev.u.irq.line = line;
    ev.u.irq.src = src;
    ev.u.irq.rip = vcpu_get_regs(vm_vcpu(bus->vm), &r) == 0 ? r.rip : 0;
    events_emit(bus->events, &ev);
}

static void bus_vectors(void *ctx, uint64_t out[4])
{
    struct dev_bus *bus = ctx;
    if (bus->vectors)
        bus->vectors(bus->extint_ctx, out);
}

static int bus_extint(void *ctx, int ack)
{
    struct dev_bus *bus = ctx;
    if (!bus->intr)
        return ack ? -1 : 0;
    return ack ? bus->ack(bus->extint_ctx) : bus->intr(bus->extint_ctx);
}

void dev_bus_set_apic_idle(struct dev_bus *bus, int (*fn)(void *ctx, const uint32_t busy[8]), void *ctx)
{
    bus->apic_idle = fn;
    bus->apic_idle_ctx = ctx;
}

static int bus_apic_idle(void *ctx, const uint32_t busy[8])
{
    struct dev_bus *bus = ctx;
    return bus->apic_idle ? bus->apic_idle(bus->apic_idle_ctx, busy) : 0;
}

static void bus_eoi(void *ctx, unsigned vector)
{
    struct dev_bus *bus = ctx;
    if (bus->eoi)
        bus->eoi(bus->eoi_ctx, vector);
}

/* An armed timer whose line some controller lets through to the CPU. */
static int bus_can_wake(void *ctx)
{
    struct dev_bus *bus = ctx;
    for (size_t i = 0; i < bus->ntimers; i++) {
        const struct dev_timer *t = &bus->timers[i];
        if (!t->deadline || t->line < 0)
            continue;
        for (size_t k = 0; k < bus->nchips; k++)
            if (bus->chips[k].open(bus->chips[k].ctx, (unsigned)t->line))
                return 1;
    }
    return 0;
}

static const struct vm_io_ops bus_ops = { bus_pio, bus_mmio, bus_poll, bus_extint, bus_eoi, bus_apic_idle,
                                          bus_can_wake, bus_vectors };

struct dev_bus *dev_bus_new(struct vm *vm, struct events *events)
{
    struct dev_bus *bus = calloc(1, sizeof(*bus));
    if (!bus)
        return NULL;
    bus->vm = vm;
    bus->events = events;
    vm_set_io(vm, &bus_ops, bus);
    return bus;
}

void dev_bus_free(struct dev_bus *bus)
{
    if (!bus)
        return;
    vm_set_io(bus->vm, NULL, NULL);
    for (size_t i = 0; i < bus->allocs.n; i++)
        free(bus->allocs.v[i]);
    VEC_FREE(&bus->allocs);
    free(bus);
}
