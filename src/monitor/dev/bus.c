/* bus.c — the I/O bus: port and MMIO ranges claimed by devices, dispatch,
 * unknown accesses, the console sink, and the io event for every device
 * access (so raw runs trace guest I/O exactly as enforced runs do). */
#include <stdlib.h>
#include <string.h>

#include "monitor/dev/dev.h"
#include "monitor/events/events.h"

#define DEV_MAX_RANGES 64

struct range {
    uint64_t base, len;
    const char *name;
    dev_pio_fn pio;
    dev_mmio_fn mmio;
    void *ctx;
};

struct dev_bus {
    struct vm *vm;
    struct events *events;
    struct range pio[DEV_MAX_RANGES], mmio[DEV_MAX_RANGES];
    size_t npio, nmmio;
    struct dev_console console;
    struct dev_stats stats;
    void **allocs;              /* device state, freed with the bus */
    size_t nallocs;
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
    void **a = realloc(bus->allocs, (bus->nallocs + 1) * sizeof(*a));
    if (!a)
        return NULL;
    bus->allocs = a;
    void *p = calloc(1, size);
    if (p)
        bus->allocs[bus->nallocs++] = p;
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

static const struct vm_io_ops bus_ops = { bus_pio, bus_mmio };

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
    for (size_t i = 0; i < bus->nallocs; i++)
        free(bus->allocs[i]);
    free(bus->allocs);
    free(bus);
}
