/* pit.c — the 8254 interval timer at 0x40-0x43 (channel 0 raises IRQ 0,
 * channel 2's gate and output are in port 0x61 with the speaker bits) on
 * the host's clock: a channel counts 1193182 Hz ticks since its count was
 * written.  Channel 0's interrupts are deadlines on the bus; ticks the
 * guest was too slow to take are dropped, as QEMU's lost_tick_policy=
 * discard does (one edge, then the next period).
 *
 * The channel model (dev_pit_*) is pure and unit-tested: control words,
 * LSB/MSB/word access, counter latch and read-back, modes 0-5 (6 and 7 as
 * 2 and 3), count 0 as 65536, the count and OUT at a given time, the next
 * IRQ edge.  BCD counting is accepted and counted in binary. */
#include <string.h>

#include "monitor/dev/dev.h"

#define PIT_BASE   0x40
#define PIT_PORT61 0x61
#define NS         1000000000ull

enum { RW_LATCH = 0, RW_LSB = 1, RW_MSB = 2, RW_WORD = 3, RW_WORD_MSB = 4 };

static uint64_t ns_to_ticks(uint64_t ns) { return (uint64_t)((unsigned __int128)ns * DEV_PIT_HZ / NS); }
static uint64_t ticks_to_ns(uint64_t t) { return (uint64_t)(((unsigned __int128)t * NS + DEV_PIT_HZ - 1) / DEV_PIT_HZ); }

uint64_t dev_pit_ticks(const struct dev_pit_channel *c, uint64_t now)
{
    if (!c->count)
        return 0;
    if (!c->gate)
        return c->held;
    return now > c->load ? ns_to_ticks(now - c->load) : 0;
}

uint16_t dev_pit_count(const struct dev_pit_channel *c, uint64_t now)
{
    uint64_t d = dev_pit_ticks(c, now);
    uint32_t n = c->count ? c->count : 0x10000;
    switch (c->mode) {
    case 0: case 1: case 4: case 5: return (uint16_t)((n - d) & 0xffff);
    case 3: return (uint16_t)(n - (2 * d) % n);
    default: return (uint16_t)(n - d % n);
    }
}

int dev_pit_out(const struct dev_pit_channel *c, uint64_t now)
{
    if (!c->count)
        return c->mode != 0;            /* after a control word: low in mode 0, high otherwise */
    uint64_t d = dev_pit_ticks(c, now), n = c->count;
    switch (c->mode) {
    case 0: return d >= n;
    case 1: return d >= n;
    case 3: return d % n < (n + 1) / 2;
    case 4: case 5: return d != n;
    default: return d % n != n - 1;     /* 2: low for the one tick before reload */
    }
}

uint64_t dev_pit_next_irq(const struct dev_pit_channel *c, uint64_t now)
{
    if (!c->count || !c->gate)
        return 0;
    uint64_t d = dev_pit_ticks(c, now), n = c->count, at;
    switch (c->mode) {
    case 0: case 4:
        if (d >= n)
            return 0;                   /* one-shot, done */
        at = n;
        break;
    case 2: case 3:
        at = (d / n + 1) * n;           /* the end of this period */
        break;
    default:
        return 0;                       /* 1 and 5 need a gate edge channel 0 never gets */
    }
    return c->load + ticks_to_ns(at);
}

void dev_pit_reset(struct dev_pit_channel *c, int gate)
{
    memset(c, 0, sizeof *c);
    c->gate = (uint8_t)gate;
    c->rw = c->read_state = c->write_state = RW_WORD;
}

static void load_count(struct dev_pit_channel *c, uint32_t v, uint64_t now)
{
    c->count = v ? v : 0x10000;
    c->load = now;
    c->held = 0;
}

static void latch_count(struct dev_pit_channel *c, uint64_t now)
{
    if (c->latched)
        return;                         /* the first latch holds until read */
    c->latch = dev_pit_count(c, now);
    c->latched = c->rw;
}

void dev_pit_control(struct dev_pit_channel ch[3], uint8_t v, uint64_t now)
{
    unsigned sel = v >> 6;
    if (sel == 3) {                     /* read-back */
        for (unsigned i = 0; i < 3; i++) {
            struct dev_pit_channel *c = &ch[i];
            if (!(v & (2u << i)))
                continue;
            if (!(v & 0x20))
                latch_count(c, now);
            if (!(v & 0x10) && !c->status_latched) {
                c->status = (uint8_t)((dev_pit_out(c, now) << 7) | (!c->count << 6) | (c->rw << 4) |
                                      (c->mode << 1) | c->bcd);
                c->status_latched = 1;
            }
        }
        return;
    }
    struct dev_pit_channel *c = &ch[sel];
    unsigned rw = (v >> 4) & 3;
    if (rw == RW_LATCH) {
        latch_count(c, now);
        return;
    }
    c->rw = c->read_state = c->write_state = (uint8_t)rw;
    c->mode = (v >> 1) & 7;
    if (c->mode > 5)
        c->mode -= 4;                   /* 6, 7 are 2, 3 */
    c->bcd = v & 1;
    c->count = 0;                       /* stopped until the count is written */
    c->latched = 0;
}

void dev_pit_write(struct dev_pit_channel *c, uint8_t v, uint64_t now)
{
    switch (c->write_state) {
    case RW_LSB: load_count(c, v, now); break;
    case RW_MSB: load_count(c, (uint32_t)v << 8, now); break;
    case RW_WORD: c->write_lsb = v; c->write_state = RW_WORD_MSB; break;
    default: load_count(c, c->write_lsb | (uint32_t)v << 8, now); c->write_state = RW_WORD; break;
    }
}

/* One byte of a 16-bit value by access state; *state moves on. */
static uint8_t byte_of(uint16_t v, uint8_t *state, int latch)
{
    switch (*state) {
    case RW_LSB: return (uint8_t)v;
    case RW_MSB: return (uint8_t)(v >> 8);
    case RW_WORD: *state = RW_WORD_MSB; return (uint8_t)v;
    default: *state = latch ? 0 : RW_WORD; return (uint8_t)(v >> 8);
    }
}

uint8_t dev_pit_read(struct dev_pit_channel *c, uint64_t now)
{
    if (c->status_latched) {
        c->status_latched = 0;
        return c->status;
    }
    if (c->latched) {
        uint8_t st = c->latched;
        uint8_t b = byte_of(c->latch, &st, 1);
        c->latched = st == RW_WORD_MSB ? RW_WORD_MSB : 0;   /* a word latch holds for its MSB */
        return b;
    }
    return byte_of(dev_pit_count(c, now), &c->read_state, 0);
}

void dev_pit_set_gate(struct dev_pit_channel *c, int gate, uint64_t now)
{
    gate = gate != 0;
    if (gate == c->gate)
        return;
    if (!gate) {
        c->held = dev_pit_ticks(c, now);  /* counting stops */
    } else if (c->count) {
        if (c->mode == 0 || c->mode == 4)
            c->load = now - ticks_to_ns(c->held);   /* goes on from where it stopped */
        else
            c->load = now;              /* a rising gate (re)starts modes 1, 2, 3, 5 */
    }
    c->gate = (uint8_t)gate;
}

/* ── the device ───────────────────────────────────────────────────────── */

struct pit {
    struct dev_bus *bus;
    struct dev_pit_channel ch[3];
    struct dev_timer *irq0;
    uint8_t port61;                     /* speaker data enable, parity/channel check bits */
};

static void rearm(struct pit *d, uint64_t now)
{
    dev_timer_set(d->irq0, dev_pit_next_irq(&d->ch[0], now));
}

static void irq0_fire(void *ctx, uint64_t now)
{
    struct pit *d = ctx;
    dev_irq_pulse(d->bus, 0);           /* however many periods passed: one edge */
    rearm(d, now);
}

static enum vm_io_result pit_io(void *ctx, uint16_t port, int out, int size, uint8_t *data, int *status)
{
    struct pit *d = ctx;
    uint64_t now = vm_now();
    (void)status;
    for (int i = 0; i < size; i++) {
        unsigned p = port + (unsigned)i;
        if (p == PIT_PORT61) {
            if (out) {
                d->port61 = data[i] & 0x0e;
                dev_pit_set_gate(&d->ch[2], data[i] & 1, now);
            } else {
                unsigned refresh = (unsigned)(now / 15085) & 1;   /* DRAM refresh toggles every 15 us */
                data[i] = (uint8_t)(d->ch[2].gate | d->port61 | refresh << 4 | dev_pit_out(&d->ch[2], now) << 5);
            }
            continue;
        }
        if (p > PIT_BASE + 3)
            break;
        if (p == PIT_BASE + 3) {
            if (out)
                dev_pit_control(d->ch, data[i], now);
            else
                data[i] = 0xff;         /* the control word register cannot be read */
        } else if (out) {
            dev_pit_write(&d->ch[p - PIT_BASE], data[i], now);
        } else {
            data[i] = dev_pit_read(&d->ch[p - PIT_BASE], now);
        }
    }
    if (out)
        rearm(d, now);
    return VM_IO_OK;
}

int dev_pit_init(struct dev_bus *bus)
{
    struct pit *d = dev_bus_alloc(bus, sizeof(*d));
    if (!d)
        return -1;
    d->bus = bus;
    for (int i = 0; i < 3; i++)
        dev_pit_reset(&d->ch[i], i != 2);
    d->irq0 = dev_timer_new(bus, irq0_fire, d, 0);
    if (!d->irq0)
        return -1;
    return dev_bus_register_pio(bus, PIT_BASE, 4, "pit", pit_io, d) ||
           dev_bus_register_pio(bus, PIT_PORT61, 1, "pit", pit_io, d) ? -1 : 0;
}
