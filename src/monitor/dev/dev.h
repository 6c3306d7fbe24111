/* dev.h — scout's devices.  Each device registers its own port and MMIO
 * ranges with the one I/O bus (kvmtool's model); the bus is the VM's I/O
 * handler (vm_set_io), dispatches every access, counts the ones nobody
 * claims (unknown ports read as all-ones), and emits an io event for every
 * access to a device, raw or enforced.
 *
 * Devices (one file each): the debug console at 0xE9 (Bochs/QEMU), an
 * 8250 UART at 0x3F8, isa-debug-exit at 0xF4 (status (v << 1) | 1), the
 * BIOS for real-mode guests (below).  Guest output goes to the console
 * sink.  The UART's register model is pure and unit-tested on its own. */
#ifndef SCOUT_MONITOR_DEV_H
#define SCOUT_MONITOR_DEV_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "monitor/kvm/kvm.h"

struct events;
struct dev_bus;

#define DEV_DEBUGCON_PORT 0xE9
#define DEV_UART_BASE     0x3F8
#define DEV_EXIT_PORT     0xF4     /* iosize 4: 0xF4..0xF7 */

/* A device's port handler: one element of an access (size 1, 2, 4;
 * little-endian data; fill it for IN).  Return VM_IO_EXIT (with *status)
 * to end the run. */
typedef enum vm_io_result (*dev_pio_fn)(void *ctx, uint16_t port, int out, int size, uint8_t *data,
                                        int *status);
typedef enum vm_io_result (*dev_mmio_fn)(void *ctx, uint64_t gpa, int write, unsigned len, uint8_t *data,
                                         int *status);

struct dev_stats {
    uint64_t unknown_port_reads, unknown_port_writes;
    uint64_t unknown_mmio_reads, unknown_mmio_writes;
    uint64_t console_bytes;
};

/* Where guest console output goes: write if set, else file (stdout when
 * both are unset). */
struct dev_console {
    FILE *file;
    void (*write)(void *ctx, const void *buf, size_t len);
    void *ctx;
};

/* A bus for the VM, set as its I/O handler.  NULL on ENOMEM. */
struct dev_bus *dev_bus_new(struct vm *vm, struct events *events);
void dev_bus_free(struct dev_bus *bus);
/* Claims [base, base+len) for a device named `name` (a static string).
 * 0, or -1 if the range overlaps another device's or the table is full. */
int dev_bus_register_pio(struct dev_bus *bus, uint16_t base, uint16_t len, const char *name,
                         dev_pio_fn fn, void *ctx);
int dev_bus_register_mmio(struct dev_bus *bus, uint64_t base, uint64_t len, const char *name,
                          dev_mmio_fn fn, void *ctx);
/* Device state that lives as long as the bus (zeroed); NULL on ENOMEM. */
void *dev_bus_alloc(struct dev_bus *bus, size_t size);
/* The device that owns a port, or NULL. */
const char *dev_bus_port_owner(const struct dev_bus *bus, uint16_t port);
const struct dev_stats *dev_bus_stats(const struct dev_bus *bus);
void dev_bus_set_console(struct dev_bus *bus, const struct dev_console *c);
void dev_console_write(struct dev_bus *bus, const void *buf, size_t len);

/* Each device registers itself: 0, or -1 (ENOMEM, range taken). */
int dev_debugcon_init(struct dev_bus *bus);
int dev_uart_init(struct dev_bus *bus);
int dev_debug_exit_init(struct dev_bus *bus);
/* The standard set: debug console, UART, isa-debug-exit.  0 or -1. */
int dev_pc_init(struct dev_bus *bus);

/* The 8250's registers, pure (testable). */
struct dev_uart_regs {
    uint8_t ier, lcr, mcr, scr, dll, dlm, fcr;
};
void    dev_uart_reset(struct dev_uart_regs *u);
/* offset 0..7; returns 1 and sets *out when the write is a THR byte to emit */
int     dev_uart_write(struct dev_uart_regs *u, unsigned offset, uint8_t val, uint8_t *out);
uint8_t dev_uart_read(struct dev_uart_regs *u, unsigned offset);

/* ── the BIOS (bios.c; its ROM is bios.s) ──────────────────────────────
 * For boot sectors and real-mode images: a 64 KiB ROM at F0000 (guest
 * code like any other), the IVT pointing into it, the BIOS data area, the
 * EBDA and a blank text screen; int 10h, 11h-13h, 15h, 16h, 18h, 19h, 1Ah.
 * The ROM reaches scout through the device at DEV_BIOS_PORT: the disk
 * (int 13h), keyboard input (int 16h), the memory map (int 15h).  The
 * device never writes guest memory: the ROM stores every byte itself.  The
 * disk is a file read a sector at a time; the guest's writes go to an
 * overlay in memory, never to the file. */
#define DEV_BIOS_PORT  0xAB0u      /* 16 ports */
#define DEV_BIOS_ROM   0xF0000u    /* to 1 MiB */
#define DEV_BIOS_EBDA  0x9FC00u    /* 1 KiB; RAM below it: 639 KiB */
#define DEV_BIOS_E820_MAX 8

struct dev_bios_config {
    const char *disk;              /* the image int 13h sees */
    const char *keys;              /* int 16h's input, a byte a key ("-": stdin); NULL: none */
};
struct dev_bios;
/* Opens the disk and the keyboard input, installs ROM, IVT, BIOS data
 * area, EBDA and text screen into guest RAM and registers the ports.  NULL
 * with err ("disk image PATH: why").  Free with dev_bios_free after the bus. */
struct dev_bios *dev_bios_new(struct dev_bus *bus, struct vm *vm, const struct dev_bios_config *c,
                              char *err, size_t errlen);
void dev_bios_free(struct dev_bios *b);
/* DL at boot: 0x00 for a diskette-sized image, else 0x80 (a hard disk). */
unsigned dev_bios_boot_drive(const struct dev_bios *b);
/* The disk's first sector: 0, or -1 when it does not end in 55 AA. */
int dev_bios_boot_sector(struct dev_bios *b, uint8_t out[512]);

/* Pure parts.  Geometry from the image size: the standard diskettes by
 * their exact sizes, anything else a hard disk of 16 heads and 63 sectors
 * a track (sectors: the size rounded up to whole sectors). */
struct dev_bios_geometry {
    int floppy;
    unsigned cyls, heads, spt, cmos_type;
    uint64_t sectors;
};
void dev_bios_geometry(uint64_t bytes, struct dev_bios_geometry *g);
/* CHS (sector from 1) to LBA: 0, or the BIOS status 01h (out of the geometry). */
int dev_bios_chs(const struct dev_bios_geometry *g, unsigned c, unsigned h, unsigned s, uint32_t *lba);
/* A byte of keyboard input as int 16h gives it: scan code << 8 | ASCII
 * (US layout; LF and CR are Enter, DEL is Backspace). */
uint16_t dev_bios_key(uint8_t byte);
/* The E820 map (type 1 RAM, 2 reserved), ascending: the entry count. */
struct dev_bios_e820_entry { uint64_t base, len; uint32_t type; };
unsigned dev_bios_e820(uint64_t mem_size, uint64_t reserved_base, struct dev_bios_e820_entry *out);

#endif
