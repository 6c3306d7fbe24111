/* pc.c — the standard set of devices every guest gets. */
#include "monitor/dev/dev.h"

int dev_pc_init(struct dev_bus *bus)
{
    return dev_debugcon_init(bus) || dev_uart_init(bus) || dev_debug_exit_init(bus) ? -1 : 0;
}
