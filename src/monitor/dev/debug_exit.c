/* debug_exit.c — QEMU's isa-debug-exit at 0xF4 (iosize 4): a write of v
 * ends the run with exit status (v << 1) | 1; reads return all-ones. */
#include <string.h>

#include "monitor/dev/dev.h"

static enum vm_io_result exit_io(void *ctx, uint16_t port, int out, int size, uint8_t *data, int *status)
{
    (void)ctx;
    (void)port;
    if (!out) {
        memset(data, 0xff, (size_t)size);
        return VM_IO_OK;
    }
    uint32_t v = 0;
    for (int i = 0; i < size; i++)
        v |= (uint32_t)data[i] << (8 * i);
    *status = (int)((v << 1) | 1);
    return VM_IO_EXIT;
}

int dev_debug_exit_init(struct dev_bus *bus)
{
    return dev_bus_register_pio(bus, DEV_EXIT_PORT, 4, "debug-exit", exit_io, NULL);
}
