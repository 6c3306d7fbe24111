/* pci.c — PCI configuration mechanism #1 at 0xCF8 (the address register,
 * read back as written) and 0xCFC-0xCFF (data), with no device on any
 * bus: every configuration read is all-ones (no vendor), writes go
 * nowhere.  Byte accesses to 0xCF8-0xCFB are not the address register
 * (0xCF9 is the PIIX reset control, which scout does not offer): they read
 * as nothing there. */
#include <string.h>

#include "monitor/dev/dev.h"

#define PCI_ADDR 0xcf8
#define PCI_DATA 0xcfc

struct pci { uint32_t addr; };

static enum vm_io_result pci_io(void *ctx, uint16_t port, int out, int size, uint8_t *data, int *status)
{
    struct pci *d = ctx;
    (void)status;
    if (port == PCI_ADDR && size == 4) {
        if (out)
            memcpy(&d->addr, data, 4);
        else
            memcpy(data, &d->addr, 4);
        return VM_IO_OK;
    }
    if (!out)
        memset(data, 0xff, (size_t)size);   /* no device answers */
    return VM_IO_OK;
}

int dev_pci_init(struct dev_bus *bus)
{
    struct pci *d = dev_bus_alloc(bus, sizeof(*d));
    if (!d)
        return -1;
    return dev_bus_register_pio(bus, PCI_ADDR, 8, "pci", pci_io, d);
}
