/* ioapic.c — the I/O APIC at 0xFEC00000 (version 0x20: 24 pins, and the
 * EOI register at +0x40), delivering as QEMU does with KVM's split
 * irqchip: a redirection entry becomes an MSI (KVM_SIGNAL_MSI) to KVM's
 * local APIC.  ISA IRQ 0 is pin 2 (the override the MADT declares), the
 * other ISA lines their own pins.  Level-triggered pins set Remote IRR
 * when delivered; the local APIC's EOI of that vector comes back as an
 * exit (the pins are also MSI routes, so KVM knows which vectors are
 * level-triggered) and clears it, delivering again if the line is still
 * up; an EOI whose exit did not come is found when the CPU halts.  An edge that arrives while its pin is masked is kept and delivered
 * at the unmask (QEMU's behaviour). */
#include <string.h>

#include "monitor/dev/dev.h"

#define IOAPIC_PINS     24
#define IOAPIC_VERSION  0x20
#define REG_SELECT      0x00
#define REG_WINDOW      0x10
#define REG_EOI         0x40

#define RTE_VECTOR      0xffull
#define RTE_MODE        (7ull << 8)
#define RTE_DEST_LOGICAL (1ull << 11)
#define RTE_PENDING     (1ull << 12)     /* delivery status (read-only) */
#define RTE_REMOTE_IRR  (1ull << 14)     /* read-only */
#define RTE_LEVEL       (1ull << 15)
#define RTE_MASKED      (1ull << 16)
#define RTE_RO          (RTE_PENDING | RTE_REMOTE_IRR)

struct ioapic {
    struct dev_bus *bus;
    uint32_t select;
    uint8_t id;
    uint64_t rte[IOAPIC_PINS];
    uint32_t lines;                     /* line levels */
    uint32_t irr;                       /* requests not delivered yet */
};

static unsigned pin_of(unsigned line) { return line == 0 ? 2 : line == 2 ? IOAPIC_PINS : line; }

static void msi_of(uint64_t rte, uint32_t *addr, uint32_t *data)
{
    *addr = VM_LAPIC_BASE | (uint32_t)((rte >> 56) << 12) | ((rte & RTE_DEST_LOGICAL) ? 4u : 0u);
    *data = (uint32_t)(rte & (RTE_VECTOR | RTE_MODE | RTE_LEVEL));
}

/* The routes KVM reads to know the level-triggered vectors (their EOIs exit). */
static void update_routes(struct ioapic *d)
{
    uint32_t addr[IOAPIC_PINS], data[IOAPIC_PINS];
    for (unsigned i = 0; i < IOAPIC_PINS; i++)
        msi_of(d->rte[i], &addr[i], &data[i]);
    (void)vm_set_msi_routes(dev_bus_vm(d->bus), IOAPIC_PINS, addr, data);
}

static void service(struct ioapic *d, unsigned pin)
{
    uint64_t rte = d->rte[pin];
    if (!(d->irr & (1u << pin)) || (rte & RTE_MASKED))
        return;
    if (rte & RTE_LEVEL) {
        if (rte & RTE_REMOTE_IRR)
            return;                     /* until the EOI */
        d->rte[pin] |= RTE_REMOTE_IRR;
    } else {
        d->irr &= ~(1u << pin);
    }
    uint32_t addr, data;
    msi_of(rte, &addr, &data);
    dev_bus_irq_event(d->bus, (unsigned)(rte & RTE_VECTOR), (int)pin, "ioapic");
    (void)vm_signal_msi(dev_bus_vm(d->bus), addr, data);
}

static void ioapic_set(void *ctx, unsigned line, int level)
{
    struct ioapic *d = ctx;
    unsigned pin = pin_of(line);
    if (pin >= IOAPIC_PINS)
        return;
    uint32_t m = 1u << pin;
    if (d->rte[pin] & RTE_LEVEL) {
        if (level)
            d->irr |= m;
        else
            d->irr &= ~m;
    } else if (level && !(d->lines & m)) {
        d->irr |= m;
    }
    if (level)
        d->lines |= m;
    else
        d->lines &= ~m;
    service(d, pin);
}

static int ioapic_open(void *ctx, unsigned line)
{
    const struct ioapic *d = ctx;
    unsigned pin = pin_of(line);
    return pin < IOAPIC_PINS && !(d->rte[pin] & RTE_MASKED);
}

static void ioapic_eoi(void *ctx, unsigned vector)
{
    struct ioapic *d = ctx;
    for (unsigned i = 0; i < IOAPIC_PINS; i++) {
        if ((d->rte[i] & RTE_VECTOR) != vector || !(d->rte[i] & RTE_REMOTE_IRR))
            continue;
        d->rte[i] &= ~RTE_REMOTE_IRR;
        if (d->lines & (1u << i))
            d->irr |= 1u << i;          /* still asserted: again */
        service(d, i);
    }
}

/* A halted CPU with a level-triggered vector of ours in neither its ISR nor
 * its IRR has EOI'd it, though no EOI exit came (kvm_pvm holds that exit
 * while the vCPU is halted): the EOI is made here. */
static int ioapic_apic_idle(void *ctx, const uint32_t busy[8])
{
    struct ioapic *d = ctx;
    int woke = 0;
    for (unsigned i = 0; i < IOAPIC_PINS; i++) {
        unsigned v = (unsigned)(d->rte[i] & RTE_VECTOR);
        if ((d->rte[i] & RTE_REMOTE_IRR) && !(busy[v / 32] & (1u << (v % 32)))) {
            ioapic_eoi(d, v);
            woke = 1;
        }
    }
    return woke;
}

static uint32_t reg_read(const struct ioapic *d)
{
    unsigned r = d->select;
    if (r == 0 || r == 2)
        return (uint32_t)d->id << 24;
    if (r == 1)
        return (uint32_t)(IOAPIC_PINS - 1) << 16 | IOAPIC_VERSION;
    if (r >= 0x10 && r < 0x10 + 2 * IOAPIC_PINS) {
        uint64_t rte = d->rte[(r - 0x10) / 2];
        return (r & 1) ? (uint32_t)(rte >> 32) : (uint32_t)rte;
    }
    return 0;
}

static void reg_write(struct ioapic *d, uint32_t v)
{
    unsigned r = d->select;
    if (r == 0) {
        d->id = (v >> 24) & 0x0f;
        return;
    }
    if (r < 0x10 || r >= 0x10 + 2 * IOAPIC_PINS)
        return;
    unsigned pin = (r - 0x10) / 2;
    uint64_t rte = d->rte[pin];
    if (r & 1)
        rte = (rte & 0xffffffffull) | (uint64_t)v << 32;
    else
        rte = (rte & ~0xffffffffull) | (v & ~(uint32_t)RTE_RO) | (rte & RTE_RO);
    if (!(rte & RTE_LEVEL))
        rte &= ~RTE_REMOTE_IRR;
    d->rte[pin] = rte;
    if ((rte & RTE_LEVEL) && (d->lines & (1u << pin)))
        d->irr |= 1u << pin;
    update_routes(d);
    service(d, pin);
}

static enum vm_io_result ioapic_mmio(void *ctx, uint64_t gpa, int write, unsigned len, uint8_t *data, int *status)
{
    struct ioapic *d = ctx;
    unsigned off = (unsigned)(gpa - VM_IOAPIC_BASE);
    uint32_t v = 0;
    (void)status;
    if (write) {
        memcpy(&v, data, len < 4 ? len : 4);
        if (off == REG_SELECT)
            d->select = v & 0xff;
        else if (off == REG_WINDOW)
            reg_write(d, v);
        else if (off == REG_EOI)
            ioapic_eoi(d, v & 0xff);
        return VM_IO_OK;
    }
    if (off == REG_SELECT)
        v = d->select;
    else if (off == REG_WINDOW)
        v = reg_read(d);
    memset(data, 0, len);
    memcpy(data, &v, len < 4 ? len : 4);
    return VM_IO_OK;
}

int dev_ioapic_init(struct dev_bus *bus)
{
    struct ioapic *d = dev_bus_alloc(bus, sizeof(*d));
    if (!d)
        return -1;
    d->bus = bus;
    for (unsigned i = 0; i < IOAPIC_PINS; i++)
        d->rte[i] = RTE_MASKED;
    const struct dev_irq_chip chip = { ioapic_set, ioapic_open, d };
    if (dev_bus_register_mmio(bus, VM_IOAPIC_BASE, 0x1000, "ioapic", ioapic_mmio, d) ||
        dev_bus_add_irq_chip(bus, &chip))
        return -1;
    dev_bus_set_eoi(bus, ioapic_eoi, d);
    dev_bus_set_apic_idle(bus, ioapic_apic_idle, d);
    return 0;
}
