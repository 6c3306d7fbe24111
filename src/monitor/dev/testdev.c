/* testdev.c — QEMU's pc-testdev (the device kvm-unit-tests' emulator and
 * realmode tests use), offered with --device pc-testdev: a 32-bit data
 * register at 0xE0-0xE3 that reads back what was written (any width), the
 * "flush page" port at 0xE4 (nothing to flush here: scout keeps no TLB of
 * its own), ISA IRQ lines driven by writing a level to 0x2000 + n (n <
 * 24), and 64 KiB of RAM-like MMIO at 0xFF000000 (IORAM: every access
 * exits, as an emulated device's does). */
#include <string.h>

#include "monitor/dev/dev.h"

#define TD_PORT     0xe0
#define TD_FLUSH    0xe4
#define TD_IRQ      0x2000
#define TD_IRQS     24
#define TD_IOMEM    0xff000000ull
#define TD_IOMEM_LEN 0x10000u

struct testdev {
    struct dev_bus *bus;
    uint32_t data;
    uint8_t iomem[TD_IOMEM_LEN];
};

static enum vm_io_result td_io(void *ctx, uint16_t port, int out, int size, uint8_t *data, int *status)
{
    struct testdev *d = ctx;
    (void)status;
    if (port >= TD_IRQ) {
        if (out)
            dev_irq_set(d->bus, port - TD_IRQ, data[0] != 0);
        else
            memset(data, 0xff, (size_t)size);
        return VM_IO_OK;
    }
    if (port >= TD_FLUSH) {
        if (!out)
            memset(data, 0xff, (size_t)size);
        return VM_IO_OK;
    }
    unsigned shift = 8 * (port - TD_PORT);
    for (int i = 0; i < size && shift < 32; i++, shift += 8) {
        if (out)
            d->data = (d->data & ~(0xffu << shift)) | (uint32_t)data[i] << shift;
        else
            data[i] = (uint8_t)(d->data >> shift);
    }
    return VM_IO_OK;
}

static enum vm_io_result td_mmio(void *ctx, uint64_t gpa, int write, unsigned len, uint8_t *data, int *status)
{
    struct testdev *d = ctx;
    uint64_t off = gpa - TD_IOMEM;
    (void)status;
    for (unsigned i = 0; i < len && off + i < TD_IOMEM_LEN; i++) {
        if (write)
            d->iomem[off + i] = data[i];
        else
            data[i] = d->iomem[off + i];
    }
    return VM_IO_OK;
}

int dev_testdev_init(struct dev_bus *bus)
{
    struct testdev *d = dev_bus_alloc(bus, sizeof(*d));
    if (!d)
        return -1;
    d->bus = bus;
    return dev_bus_register_pio(bus, TD_PORT, 8, "pc-testdev", td_io, d) ||
           dev_bus_register_pio(bus, TD_IRQ, TD_IRQS, "pc-testdev", td_io, d) ||
           dev_bus_register_mmio(bus, TD_IOMEM, TD_IOMEM_LEN, "pc-testdev", td_mmio, d) ? -1 : 0;
}
