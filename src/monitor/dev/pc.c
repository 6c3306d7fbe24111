/* pc.c — the platform every guest gets: the console and exit devices, the
 * PC's interrupt controllers and timers, CMOS, PCI configuration, fw_cfg,
 * ACPI; pc-testdev on request.  (KVM's local APIC comes with the VM.) */
#include "monitor/dev/dev.h"

int dev_pc_init(struct dev_bus *bus, const struct dev_pc_config *cfg)
{
    if (dev_debugcon_init(bus) || dev_uart_init(bus) || dev_debug_exit_init(bus) || dev_pic_init(bus) ||
        dev_pit_init(bus) || dev_ioapic_init(bus) || dev_rtc_init(bus, cfg->ram_size) || dev_pci_init(bus) ||
        dev_fwcfg_init(bus, cfg) || dev_acpi_init(bus))
        return -1;
    return cfg->testdev ? dev_testdev_init(bus) : 0;
}
