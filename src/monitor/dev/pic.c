/* pic.c — the 8259A pair of the PC: master at 0x20/0x21 (vectors from
 * ICW2, IRQ 0-7), slave at 0xA0/0xA1 cascaded on the master's IRQ 2, and
 * the PIIX edge/level control registers at 0x4D0/0x4D1.  Its INTR output
 * is the CPU's external interrupt: the run loop injects the vector that
 * the acknowledge cycle (dev_pic_ack) returns.
 *
 * The model of one chip (dev_i8259_*) and of the pair (dev_pic_*) is pure
 * and unit-tested: initialization words, masks, fully nested priority with
 * rotation, specific and non-specific EOI, automatic EOI, special mask,
 * polling, IRR/ISR reads, edge and level triggering, spurious IRQ 7. */
#include <string.h>

#include "monitor/dev/dev.h"

#define PIC_MASTER   0x20
#define PIC_SLAVE    0xa0
#define PIC_ELCR     0x4d0

void dev_i8259_reset(struct dev_i8259 *c, uint8_t elcr_mask)
{
    uint8_t elcr = c->elcr & elcr_mask;
    memset(c, 0, sizeof *c);
    c->elcr = elcr;
    c->elcr_mask = elcr_mask;
}

/* Priority 0 (highest) .. 7 of the highest-priority bit in mask; 8: none. */
static int priority_of(const struct dev_i8259 *c, uint8_t mask)
{
    if (!mask)
        return 8;
    int p = 0;
    while (!(mask & (1u << ((p + c->prio_add) & 7))))
        p++;
    return p;
}

int dev_i8259_pending(const struct dev_i8259 *c, int is_master)
{
    int p = priority_of(c, c->irr & ~c->imr);
    if (p == 8)
        return -1;
    uint8_t in_service = c->isr;
    if (c->special_mask)
        in_service &= ~c->imr;          /* masked levels do not block lower ones */
    if (is_master && c->special_nested)
        in_service &= ~(1u << 2);       /* the slave may interrupt its own service */
    return p < priority_of(c, in_service) ? (p + c->prio_add) & 7 : -1;
}

void dev_i8259_set_line(struct dev_i8259 *c, unsigned irq, int level)
{
    uint8_t m = (uint8_t)(1u << (irq & 7));
    if (c->elcr & m) {                  /* level: IRR follows the line */
        if (level)
            c->irr |= m;
        else
            c->irr &= ~m;
    } else if (level && !(c->lines & m)) {
        c->irr |= m;                    /* edge: latched on the rising edge */
    }
    if (level)
        c->lines |= m;
    else
        c->lines &= ~m;
}

/* The acknowledge of one chip for irq. */
static void intack(struct dev_i8259 *c, int irq)
{
    uint8_t m = (uint8_t)(1u << irq);
    if (c->auto_eoi) {
        if (c->rotate_aeoi)
            c->prio_add = (uint8_t)((irq + 1) & 7);
    } else {
        c->isr |= m;
    }
    if (!(c->elcr & m))
        c->irr &= ~m;                   /* a level request stays while the line is up */
}

static void ocw2(struct dev_i8259 *c, uint8_t v)
{
    unsigned cmd = v >> 5, irq = v & 7;
    switch (cmd) {
    case 0: case 4:                     /* rotate in automatic EOI mode: clear / set */
        c->rotate_aeoi = cmd == 4;
        break;
    case 1: case 5: {                   /* non-specific EOI (and rotate) */
        int p = priority_of(c, c->isr);
        if (p != 8) {
            int i = (p + c->prio_add) & 7;
            c->isr &= (uint8_t)~(1u << i);
            if (cmd == 5)
                c->prio_add = (uint8_t)((i + 1) & 7);
        }
        break;
    }
    case 3:                             /* specific EOI */
        c->isr &= (uint8_t)~(1u << irq);
        break;
    case 6:                             /* set priority: irq becomes the lowest */
        c->prio_add = (uint8_t)((irq + 1) & 7);
        break;
    case 7:                             /* rotate on specific EOI */
        c->isr &= (uint8_t)~(1u << irq);
        c->prio_add = (uint8_t)((irq + 1) & 7);
        break;
    default:                            /* 2: no operation */
        break;
    }
}

void dev_i8259_write(struct dev_i8259 *c, unsigned a0, uint8_t v)
{
    if (!a0) {
        if (v & 0x10) {                 /* ICW1: start of initialization */
            uint8_t elcr = c->elcr, mask = c->elcr_mask, lines = c->lines;
            memset(c, 0, sizeof *c);
            c->elcr = elcr;
            c->elcr_mask = mask;
            c->lines = lines;
            c->irr = elcr & lines;
            c->init = 1;
            c->need_icw4 = v & 1;
            c->single = (v >> 1) & 1;
        } else if (v & 0x08) {          /* OCW3 */
            if (v & 0x04)
                c->poll = 1;
            if (v & 0x02)
                c->read_isr = v & 1;
            if (v & 0x40)
                c->special_mask = (v >> 5) & 1;
        } else {
            ocw2(c, v);
        }
        return;
    }
    switch (c->init) {
    case 0:                             /* OCW1 */
        c->imr = v;
        break;
    case 1:                             /* ICW2 */
        c->base = v & 0xf8;
        c->init = c->single ? (c->need_icw4 ? 3 : 0) : 2;
        break;
    case 2:                             /* ICW3: the cascade wiring is fixed here */
        c->init = c->need_icw4 ? 3 : 0;
        break;
    default:                            /* ICW4 */
        c->special_nested = (v >> 4) & 1;
        c->auto_eoi = (v >> 1) & 1;
        c->init = 0;
        break;
    }
}

uint8_t dev_i8259_read(struct dev_i8259 *c, unsigned a0, int is_master)
{
    if (c->poll) {                      /* a poll command: this read acknowledges */
        c->poll = 0;
        int irq = dev_i8259_pending(c, is_master);
        if (irq < 0)
            return 0;
        intack(c, irq);
        return (uint8_t)(0x80 | irq);
    }
    if (a0)
        return c->imr;
    return c->read_isr ? c->isr : c->irr;
}

/* ── the pair ─────────────────────────────────────────────────────────── */

/* The slave's INTR is the master's IRQ 2 (a level). */
static void cascade(struct dev_pic *p)
{
    dev_i8259_set_line(&p->m, 2, dev_i8259_pending(&p->s, 0) >= 0);
}

void dev_pic_reset(struct dev_pic *p)
{
    memset(p, 0, sizeof *p);
    dev_i8259_reset(&p->m, 0xf8);       /* IRQ 0-2 are always edge */
    dev_i8259_reset(&p->s, 0xde);       /* IRQ 8 and 13 likewise */
}

void dev_pic_set_irq(struct dev_pic *p, unsigned line, int level)
{
    if (line < 8) {
        dev_i8259_set_line(&p->m, line, level);
    } else if (line < 16) {
        dev_i8259_set_line(&p->s, line - 8, level);
        cascade(p);
    }
}

int dev_pic_intr(const struct dev_pic *p) { return dev_i8259_pending(&p->m, 1) >= 0; }

int dev_pic_ack(struct dev_pic *p, int *line)
{
    int irq = dev_i8259_pending(&p->m, 1), vector;
    if (irq < 0) {                      /* nothing by the time of the acknowledge */
        *line = 7;
        return p->m.base + 7;
    }
    intack(&p->m, irq);
    if (irq == 2) {
        int s = dev_i8259_pending(&p->s, 0);
        if (s >= 0)
            intack(&p->s, s);
        else
            s = 7;                      /* the slave's spurious IRQ 15 */
        *line = 8 + s;
        vector = p->s.base + s;
        cascade(p);
    } else {
        *line = irq;
        vector = p->m.base + irq;
    }
    return vector;
}

void dev_pic_write(struct dev_pic *p, unsigned slave, unsigned a0, uint8_t v)
{
    dev_i8259_write(slave ? &p->s : &p->m, a0, v);
    cascade(p);
}

uint8_t dev_pic_read(struct dev_pic *p, unsigned slave, unsigned a0)
{
    uint8_t v = dev_i8259_read(slave ? &p->s : &p->m, a0, !slave);
    cascade(p);
    return v;
}

int dev_pic_line_open(const struct dev_pic *p, unsigned line)
{
    if (line < 8)
        return !(p->m.imr & (1u << line));
    return line < 16 && !(p->s.imr & (1u << (line - 8))) && !(p->m.imr & 4);
}

/* ── the device ───────────────────────────────────────────────────────── */

struct pic {
    struct dev_bus *bus;
    struct dev_pic pic;
};

static enum vm_io_result pic_io(void *ctx, uint16_t port, int out, int size, uint8_t *data, int *status)
{
    struct pic *d = ctx;
    (void)status;
    for (int i = 0; i < size; i++) {
        unsigned p = port + (unsigned)i;
        if (p == PIC_ELCR || p == PIC_ELCR + 1) {
            struct dev_i8259 *c = p == PIC_ELCR ? &d->pic.m : &d->pic.s;
            if (out)
                c->elcr = data[i] & c->elcr_mask;
            else
                data[i] = c->elcr;
            continue;
        }
        unsigned slave = (p & ~1u) == PIC_SLAVE, a0 = p & 1;
        if (out)
            dev_pic_write(&d->pic, slave, a0, data[i]);
        else
            data[i] = dev_pic_read(&d->pic, slave, a0);
    }
    return VM_IO_OK;
}

static void pic_set(void *ctx, unsigned line, int level)
{
    struct pic *d = ctx;
    dev_pic_set_irq(&d->pic, line, level);
}

static int pic_open(void *ctx, unsigned line)
{
    const struct pic *d = ctx;
    return dev_pic_line_open(&d->pic, line);
}

static int pic_intr(void *ctx)
{
    const struct pic *d = ctx;
    return dev_pic_intr(&d->pic);
}

static int pic_ack(void *ctx)
{
    struct pic *d = ctx;
    int line, v = dev_pic_ack(&d->pic, &line);
    dev_bus_irq_event(d->bus, (unsigned)v, line, "pic");
    return v;
}

/* Both blocks of eight, masked lines too (a mask is one OUT away). */
static void pic_vectors(void *ctx, uint64_t out[4])
{
    const struct pic *d = ctx;
    for (unsigned i = 0; i < 8; i++) {
        unsigned m = d->pic.m.base + i, s = d->pic.s.base + i;
        out[m / 64] |= 1ull << (m % 64);
        out[s / 64] |= 1ull << (s % 64);
    }
}

int dev_pic_init(struct dev_bus *bus)
{
    struct pic *d = dev_bus_alloc(bus, sizeof(*d));
    if (!d)
        return -1;
    d->bus = bus;
    dev_pic_reset(&d->pic);
    const struct dev_irq_chip chip = { pic_set, pic_open, d };
    if (dev_bus_register_pio(bus, PIC_MASTER, 2, "pic", pic_io, d) ||
        dev_bus_register_pio(bus, PIC_SLAVE, 2, "pic", pic_io, d) ||
        dev_bus_register_pio(bus, PIC_ELCR, 2, "pic", pic_io, d) || dev_bus_add_irq_chip(bus, &chip))
        return -1;
    dev_bus_set_extint(bus, pic_intr, pic_ack, pic_vectors, d);
    return 0;
}
