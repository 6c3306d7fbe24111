/* rtc.c — the MC146818 real-time clock and CMOS memory at 0x70 (index;
 * bit 7 masks NMI) and 0x71 (data).  The clock reads the host's UTC time
 * (QEMU's -rtc base=utc), in BCD or binary and 12- or 24-hour form as
 * status register B says; writes to the time registers are not kept.  The
 * memory-size bytes say what RAM the guest has (base 640 KiB, extended up
 * to 64 MiB in KiB, above 16 MiB in 64 KiB units), like a PC BIOS setup.
 * No interrupts (alarm, periodic, update): IRQ 8 never fires. */
#include <string.h>
#include <time.h>

#include "monitor/dev/dev.h"

#define RTC_PORT    0x70
#define REG_A       0x0a
#define REG_B       0x0b
#define REG_C       0x0c
#define REG_D       0x0d
#define B_24H       0x02
#define B_BINARY    0x04

struct rtc {
    uint8_t index;
    uint8_t cmos[128];
};

static uint8_t bcd(unsigned v) { return (uint8_t)(((v / 10) << 4) | (v % 10)); }

static uint8_t clock_reg(const struct rtc *d, unsigned reg)
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    unsigned v;
    int hour12 = 0;
    switch (reg) {
    case 0x00: v = (unsigned)tm.tm_sec; break;
    case 0x02: v = (unsigned)tm.tm_min; break;
    case 0x04:
        v = (unsigned)tm.tm_hour;
        if (!(d->cmos[REG_B] & B_24H)) {
            hour12 = v >= 12;
            v = v % 12 ? v % 12 : 12;
        }
        break;
    case 0x06: v = (unsigned)tm.tm_wday + 1; break;
    case 0x07: v = (unsigned)tm.tm_mday; break;
    case 0x08: v = (unsigned)tm.tm_mon + 1; break;
    case 0x09: v = (unsigned)tm.tm_year % 100; break;
    default: v = (unsigned)(tm.tm_year + 1900) / 100; break;   /* 0x32: century */
    }
    uint8_t b = (d->cmos[REG_B] & B_BINARY) ? (uint8_t)v : bcd(v);
    return (uint8_t)(b | (hour12 ? 0x80 : 0));
}

static int is_clock(unsigned reg)
{
    return reg == 0 || reg == 2 || reg == 4 || (reg >= 6 && reg <= 9) || reg == 0x32;
}

static enum vm_io_result rtc_io(void *ctx, uint16_t port, int out, int size, uint8_t *data, int *status)
{
    struct rtc *d = ctx;
    (void)status;
    for (int i = 0; i < size; i++) {
        unsigned p = port + (unsigned)i;
        if (p == RTC_PORT) {
            if (out)
                d->index = data[i] & 0x7f;
            else
                data[i] = 0xff;         /* the index register is write-only */
            continue;
        }
        if (p != RTC_PORT + 1)
            continue;
        unsigned r = d->index;
        if (out) {
            if (r == REG_C || r == REG_D || is_clock(r))
                continue;               /* read-only, or the host's time */
            d->cmos[r] = r == REG_A ? (uint8_t)(data[i] & 0x7f) : data[i];   /* UIP is read-only */
        } else if (is_clock(r)) {
            data[i] = clock_reg(d, r);
        } else {
            data[i] = d->cmos[r];
            if (r == REG_C)
                d->cmos[REG_C] = 0;     /* reading clears the flags */
        }
    }
    return VM_IO_OK;
}

int dev_rtc_init(struct dev_bus *bus, uint64_t ram_size)
{
    struct rtc *d = dev_bus_alloc(bus, sizeof(*d));
    if (!d)
        return -1;
    uint64_t ext_kib = ram_size > (1u << 20) ? (ram_size - (1u << 20)) >> 10 : 0;
    uint64_t above16 = ram_size > (16u << 20) ? (ram_size - (16u << 20)) >> 16 : 0;
    if (ext_kib > 0xfc00)
        ext_kib = 0xfc00;               /* 1 MiB .. 64 MiB */
    if (above16 > 0xffff)
        above16 = 0xffff;
    d->cmos[REG_A] = 0x26;              /* 32.768 kHz time base, 1024 Hz rate */
    d->cmos[REG_B] = B_24H;
    d->cmos[REG_D] = 0x80;              /* valid RAM and time */
    d->cmos[0x14] = 0x06;               /* equipment: a math coprocessor, a colour display */
    d->cmos[0x15] = 0x80;               /* base memory: 640 KiB */
    d->cmos[0x16] = 0x02;
    d->cmos[0x17] = d->cmos[0x30] = (uint8_t)ext_kib;
    d->cmos[0x18] = d->cmos[0x31] = (uint8_t)(ext_kib >> 8);
    d->cmos[0x34] = (uint8_t)above16;
    d->cmos[0x35] = (uint8_t)(above16 >> 8);
    return dev_bus_register_pio(bus, RTC_PORT, 2, "rtc", rtc_io, d);
}
