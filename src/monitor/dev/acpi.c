/* acpi.c — the ACPI tables a PC's firmware leaves in memory, and the
 * power-management timer they point at.
 *
 * The tables (dev_acpi_build, pure and unit-tested) go into the BIOS area
 * at VM_BIOS_AREA, where the RSDP is found by the 16-byte scan of
 * 0xE0000-0xFFFFF: RSDP (revision 2) -> RSDT and XSDT -> FADT (revision 3:
 * PM1a event/control blocks and the 24-bit PM timer at 0x600, SCI on IRQ 9,
 * no SMI command port: already in ACPI mode) -> FACS and an empty DSDT;
 * MADT: the local APIC at 0xFEE00000 (ID 0), the IOAPIC at 0xFEC00000
 * (GSI base 0), ISA IRQ 0 -> GSI 2 and the SCI level-triggered, LINT1 as
 * NMI.  The PM block: PM1 status (write 1 to clear) and enable, PM1
 * control with SCI_EN set (sleep requests are not acted on), and the PM
 * timer counting 3.579545 MHz on the host's clock. */
#include <string.h>

#include "monitor/dev/dev.h"

#define PM_BASE     0x600
#define PM_TMR_HZ   3579545ull
#define SCI_IRQ     9

/* offsets inside the area */
#define OFF_RSDP    0x000
#define OFF_FACS    0x040                /* 64-byte aligned */
#define OFF_DSDT    0x080
#define OFF_FADT    0x0c0
#define OFF_MADT    0x1c0
#define OFF_RSDT    0x240
#define OFF_XSDT    0x280
#define ACPI_END    0x2c0

static void put(uint8_t *p, uint64_t v, unsigned n) { for (unsigned i = 0; i < n; i++) p[i] = (uint8_t)(v >> (8 * i)); }

static uint8_t sum(const uint8_t *p, size_t n)
{
    uint8_t s = 0;
    for (size_t i = 0; i < n; i++)
        s = (uint8_t)(s + p[i]);
    return s;
}

/* A table header; the checksum is set by finish(). */
static void header(uint8_t *t, const char *sig, uint32_t len, uint8_t rev)
{
    memcpy(t, sig, 4);
    put(t + 4, len, 4);
    t[8] = rev;
    memcpy(t + 10, "SCOUT ", 6);
    memcpy(t + 16, "SCOUTVM ", 8);
    put(t + 24, 1, 4);
    memcpy(t + 28, "SCT ", 4);
    put(t + 32, 1, 4);
}

static void finish(uint8_t *t, uint32_t len) { t[9] = (uint8_t)(0 - sum(t, len)); }

/* A generic address structure: system I/O space. */
static void gas_io(uint8_t *g, unsigned bits, uint64_t addr)
{
    g[0] = 1;
    g[1] = (uint8_t)bits;
    put(g + 4, addr, 8);
}

size_t dev_acpi_build(uint8_t *a, size_t size, uint64_t base)
{
    if (size < ACPI_END)
        return 0;
    memset(a, 0, ACPI_END);
    /* FACS: no checksum */
    uint8_t *facs = a + OFF_FACS;
    memcpy(facs, "FACS", 4);
    put(facs + 4, 64, 4);
    facs[32] = 2;                       /* version */
    /* DSDT: a definition block with no AML */
    header(a + OFF_DSDT, "DSDT", 36, 2);
    finish(a + OFF_DSDT, 36);
    /* FADT */
    uint8_t *f = a + OFF_FADT;
    header(f, "FACP", 244, 3);
    put(f + 36, base + OFF_FACS, 4);
    put(f + 40, base + OFF_DSDT, 4);
    put(f + 46, SCI_IRQ, 2);
    put(f + 56, PM_BASE, 4);            /* PM1a_EVT_BLK */
    put(f + 64, PM_BASE + 4, 4);        /* PM1a_CNT_BLK */
    put(f + 76, PM_BASE + 8, 4);        /* PM_TMR_BLK */
    f[88] = 4;                          /* PM1_EVT_LEN */
    f[89] = 2;                          /* PM1_CNT_LEN */
    f[91] = 4;                          /* PM_TMR_LEN */
    put(f + 96, 0xfff, 2);              /* C2, C3: not supported */
    put(f + 98, 0xfff, 2);
    f[108] = 0x32;                      /* the RTC's century register */
    put(f + 109, 1, 2);                 /* IAPC_BOOT_ARCH: legacy devices */
    put(f + 112, 0x1 | 0x4 | 0x10 | 0x20, 4);   /* WBINVD, PROC_C1, no power/sleep buttons */
    put(f + 132, base + OFF_FACS, 8);
    put(f + 140, base + OFF_DSDT, 8);
    gas_io(f + 148, 32, PM_BASE);
    gas_io(f + 172, 16, PM_BASE + 4);
    gas_io(f + 208, 32, PM_BASE + 8);
    finish(f, 244);
    /* MADT */
    uint8_t *m = a + OFF_MADT, *e = m + 44;
    put(m + 36, VM_LAPIC_BASE, 4);
    put(m + 40, 1, 4);                  /* PCAT_COMPAT: there are 8259s */
    e[0] = 0; e[1] = 8; e[2] = 0; e[3] = 0; put(e + 4, 1, 4); e += 8;          /* the CPU's APIC, enabled */
    e[0] = 1; e[1] = 12; e[2] = 0; put(e + 4, VM_IOAPIC_BASE, 4); put(e + 8, 0, 4); e += 12;
    e[0] = 2; e[1] = 10; e[2] = 0; e[3] = 0; put(e + 4, 2, 4); put(e + 8, 0, 2); e += 10;   /* IRQ 0 -> GSI 2 */
    e[0] = 2; e[1] = 10; e[2] = 0; e[3] = SCI_IRQ; put(e + 4, SCI_IRQ, 4); put(e + 8, 0xd, 2); e += 10;
    e[0] = 4; e[1] = 6; e[2] = 0xff; put(e + 3, 0, 2); e[5] = 1; e += 6;          /* LINT1: NMI */
    uint32_t mlen = (uint32_t)(e - m);
    header(m, "APIC", mlen, 3);
    finish(m, mlen);
    /* RSDT, XSDT */
    const uint64_t tables[] = { base + OFF_FADT, base + OFF_MADT };
    uint8_t *r = a + OFF_RSDT, *x = a + OFF_XSDT;
    header(r, "RSDT", 36 + 4 * 2, 1);
    header(x, "XSDT", 36 + 8 * 2, 1);
    for (unsigned i = 0; i < 2; i++) {
        put(r + 36 + 4 * i, tables[i], 4);
        put(x + 36 + 8 * i, tables[i], 8);
    }
    finish(r, 36 + 4 * 2);
    finish(x, 36 + 8 * 2);
    /* RSDP: checksum over the first 20 bytes, extended over all 36 */
    uint8_t *p = a + OFF_RSDP;
    memcpy(p, "RSD PTR ", 8);
    memcpy(p + 9, "SCOUT ", 6);
    p[15] = 2;
    put(p + 16, base + OFF_RSDT, 4);
    put(p + 20, 36, 4);
    put(p + 24, base + OFF_XSDT, 8);
    p[8] = (uint8_t)(0 - sum(p, 20));
    p[32] = (uint8_t)(0 - sum(p, 36));
    return ACPI_END;
}

/* ── the PM block ─────────────────────────────────────────────────────── */

struct pm {
    uint16_t sts, en, cnt;
};

static enum vm_io_result pm_io(void *ctx, uint16_t port, int out, int size, uint8_t *data, int *status)
{
    struct pm *d = ctx;
    unsigned off = (unsigned)(port - PM_BASE);
    uint32_t v = 0;
    (void)status;
    if (out) {
        memcpy(&v, data, (size_t)size);
        if (off == 0)
            d->sts &= (uint16_t)~v;     /* write 1 to clear */
        else if (off == 2)
            d->en = (uint16_t)v;
        else if (off == 4)
            d->cnt = (uint16_t)((v & ~0x2000u) | 1);   /* SLP_EN is not acted on; SCI_EN stays */
        return VM_IO_OK;
    }
    if (off >= 8)
        v = (uint32_t)((unsigned __int128)vm_now() * PM_TMR_HZ / 1000000000ull) & 0xffffff;
    else if (off >= 4)
        v = d->cnt;
    else if (off >= 2)
        v = d->en;
    else
        v = d->sts;
    unsigned shift = 8 * (off & (off >= 8 ? 3 : 1));
    v >>= shift;
    memcpy(data, &v, (size_t)size);
    return VM_IO_OK;
}

int dev_acpi_init(struct dev_bus *bus)
{
    uint8_t tables[ACPI_END];
    struct pm *d = dev_bus_alloc(bus, sizeof(*d));
    if (!d)
        return -1;
    d->cnt = 1;                         /* SCI_EN: ACPI mode from the start */
    size_t n = dev_acpi_build(tables, sizeof tables, VM_BIOS_AREA);
    if (!n || gmem_write_phys(dev_bus_vm(bus), VM_BIOS_AREA, tables, n) < 0)
        return -1;
    return dev_bus_register_pio(bus, PM_BASE, 12, "acpi-pm", pm_io, d);
}
