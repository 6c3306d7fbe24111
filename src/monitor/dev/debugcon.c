/* debugcon.c — the Bochs/QEMU debug console at port 0xE9: bytes written go
 * to the console; reads return 0xE9 (how guests detect it). */
#include <string.h>

#include "monitor/dev/dev.h"

static enum vm_io_result debugcon_io(void *ctx, uint16_t port, int out, int size, uint8_t *data, int *status)
{
    (void)port;
    (void)status;
    if (out) {
        dev_console_write(ctx, data, 1);
    } else {
        memset(data, 0, (size_t)size);
        data[0] = DEV_DEBUGCON_PORT;
    }
    return VM_IO_OK;
}

int dev_debugcon_init(struct dev_bus *bus)
{
    return dev_bus_register_pio(bus, DEV_DEBUGCON_PORT, 1, "debugcon", debugcon_io, bus);
}
