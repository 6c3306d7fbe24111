/* dev.h — scout's devices.  Each device registers its own port and MMIO
 * ranges with the one I/O bus (kvmtool's model); the bus is the VM's I/O
 * handler (vm_set_io), dispatches every access, counts the ones nobody
 * claims (unknown ports read as all-ones), and emits an io event for every
 * access to a device, raw or enforced.  Devices also keep timers on the
 * bus (deadlines on vm_now()'s clock, fired by the run loop) and drive ISA
 * interrupt lines, which the bus passes to the interrupt controllers.
 *
 * Devices (one file each): the debug console at 0xE9 (Bochs/QEMU), an
 * 8250 UART at 0x3F8, isa-debug-exit at 0xF4 (status (v << 1) | 1), the
 * 8259 pair (pic.c), the 8254 (pit.c), the IOAPIC (ioapic.c), CMOS/RTC
 * (rtc.c), PCI configuration ports with no devices (pci.c), QEMU's fw_cfg
 * (fwcfg.c), ACPI tables and the PM timer (acpi.c), QEMU's pc-testdev
 * (testdev.c, on request), and the BIOS for real-mode guests (below).
 * KVM's local APIC is the CPU's (kvm/intr.c).
 * Guest output goes to the console sink.  The UART's register model is
 * pure and unit-tested on its own, and so are the 8259's, the 8254's and
 * the ACPI table builder. */
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

struct vm *dev_bus_vm(struct dev_bus *bus);

/* ── time ─────────────────────────────────────────────────────────────
 * A timer: a deadline on vm_now()'s clock (ns); when it has passed, the
 * run loop's poll calls fire (which may set the next).  `line` is the ISA
 * IRQ the timer raises (-1: none), for the halt check: can an interrupt
 * still come by itself?  NULL when the bus has no room. */
struct dev_timer;
typedef void (*dev_timer_fn)(void *ctx, uint64_t now);
struct dev_timer *dev_timer_new(struct dev_bus *bus, dev_timer_fn fire, void *ctx, int line);
void dev_timer_set(struct dev_timer *t, uint64_t deadline);     /* 0: stop */
uint64_t dev_timer_deadline(const struct dev_timer *t);

/* ── interrupt lines ──────────────────────────────────────────────────
 * ISA IRQ lines 0-15 (and IOAPIC pins to 23): a device drives a level,
 * the bus hands it to every interrupt controller that registered (the
 * 8259 pair takes 0-15, the IOAPIC its pins, ISA IRQ 0 on pin 2). */
struct dev_irq_chip {
    void (*set)(void *ctx, unsigned line, int level);
    int (*open)(void *ctx, unsigned line);   /* unmasked: an interrupt on it would reach the CPU */
    void *ctx;
};
int  dev_bus_add_irq_chip(struct dev_bus *bus, const struct dev_irq_chip *chip);   /* 0 or -1 */
void dev_irq_set(struct dev_bus *bus, unsigned line, int level);
void dev_irq_pulse(struct dev_bus *bus, unsigned line);     /* an edge: up, then down */
/* What the CPU asks the controllers (vm_io_ops.extint, vectors and eoi):
 * the 8259's INTR, interrupt acknowledge (the vector, or -1) and the
 * vectors it could deliver, the IOAPIC's end of interrupt for a
 * level-triggered vector. */
void dev_bus_set_extint(struct dev_bus *bus, int (*intr)(void *ctx), int (*ack)(void *ctx),
                        void (*vectors)(void *ctx, uint64_t out[4]), void *ctx);
void dev_bus_set_eoi(struct dev_bus *bus, void (*eoi)(void *ctx, unsigned vector), void *ctx);
/* The IOAPIC's check of a halted CPU's in-service vectors (vm_io_ops.apic_idle). */
void dev_bus_set_apic_idle(struct dev_bus *bus, int (*fn)(void *ctx, const uint32_t busy[8]), void *ctx);
/* The irq event: a controller handed `vector` to the CPU (src "pic" or
 * "ioapic", line the ISA IRQ or pin). */
void dev_bus_irq_event(struct dev_bus *bus, unsigned vector, int line, const char *src);

/* The platform (pc.c). */
struct dev_pc_config {
    uint64_t ram_size;          /* guest RAM (CMOS, fw_cfg) */
    const char *cmdline;        /* fw_cfg's kernel command line; NULL: empty */
    int testdev;                /* QEMU's pc-testdev (--device pc-testdev) */
};
/* Every device of the platform, and the ACPI tables written into guest RAM
 * (before the guest is loaded: an image over them wins).  0 or -1. */
int dev_pc_init(struct dev_bus *bus, const struct dev_pc_config *cfg);

/* Each device registers itself: 0, or -1 (ENOMEM, range taken). */
int dev_debugcon_init(struct dev_bus *bus);
int dev_uart_init(struct dev_bus *bus);
int dev_debug_exit_init(struct dev_bus *bus);
int dev_pic_init(struct dev_bus *bus);
int dev_pit_init(struct dev_bus *bus);
int dev_ioapic_init(struct dev_bus *bus);
int dev_rtc_init(struct dev_bus *bus, uint64_t ram_size);
int dev_pci_init(struct dev_bus *bus);
int dev_fwcfg_init(struct dev_bus *bus, const struct dev_pc_config *cfg);
int dev_acpi_init(struct dev_bus *bus);
int dev_testdev_init(struct dev_bus *bus);

/* The 8250's registers, pure (testable). */
struct dev_uart_regs {
    uint8_t ier, lcr, mcr, scr, dll, dlm, fcr;
};
void    dev_uart_reset(struct dev_uart_regs *u);
/* offset 0..7; returns 1 and sets *out when the write is a THR byte to emit */
int     dev_uart_write(struct dev_uart_regs *u, unsigned offset, uint8_t val, uint8_t *out);
uint8_t dev_uart_read(struct dev_uart_regs *u, unsigned offset);

/* One 8259A, pure (testable).  a0: the port's address bit (0: 0x20/0xA0,
 * 1: 0x21/0xA1). */
struct dev_i8259 {
    uint8_t irr, isr, imr, lines;       /* lines: the input levels */
    uint8_t elcr, elcr_mask;            /* level-triggered inputs (PIIX ELCR) */
    uint8_t base, prio_add;             /* vector base (ICW2); the lowest priority is prio_add - 1 */
    uint8_t init, need_icw4, single;    /* init: the ICW expected next (0: none) */
    uint8_t auto_eoi, rotate_aeoi, special_mask, special_nested, poll, read_isr;
};
void    dev_i8259_reset(struct dev_i8259 *c, uint8_t elcr_mask);
void    dev_i8259_write(struct dev_i8259 *c, unsigned a0, uint8_t v);
uint8_t dev_i8259_read(struct dev_i8259 *c, unsigned a0, int is_master);
void    dev_i8259_set_line(struct dev_i8259 *c, unsigned irq, int level);
/* The IRQ (0-7) it would interrupt with now, or -1. */
int     dev_i8259_pending(const struct dev_i8259 *c, int is_master);
/* The master/slave pair: lines 0-15, the slave on the master's IRQ 2. */
struct dev_pic { struct dev_i8259 m, s; };
void    dev_pic_reset(struct dev_pic *p);
void    dev_pic_set_irq(struct dev_pic *p, unsigned line, int level);
void    dev_pic_write(struct dev_pic *p, unsigned slave, unsigned a0, uint8_t v);
uint8_t dev_pic_read(struct dev_pic *p, unsigned slave, unsigned a0);
int     dev_pic_intr(const struct dev_pic *p);                  /* INTR asserted */
/* The acknowledge cycle: the vector (the spurious IRQ 7/15's when nothing
 * is left), and the line it came from. */
int     dev_pic_ack(struct dev_pic *p, int *line);
int     dev_pic_line_open(const struct dev_pic *p, unsigned line);

/* One 8254 channel, pure (testable): times are ns on any clock. */
#define DEV_PIT_HZ 1193182u
struct dev_pit_channel {
    uint32_t count;                     /* 1..0x10000; 0: no count written since the control word */
    uint64_t load;                      /* when it started counting */
    uint64_t held;                      /* ticks counted when the gate went low */
    uint8_t mode, rw, bcd, gate;
    uint8_t read_state, write_state, write_lsb;
    uint8_t latched;                    /* the access state of a latched count, 0: none */
    uint16_t latch;
    uint8_t status_latched, status;
};
void     dev_pit_reset(struct dev_pit_channel *c, int gate);
void     dev_pit_control(struct dev_pit_channel ch[3], uint8_t v, uint64_t now);   /* port 0x43 */
void     dev_pit_write(struct dev_pit_channel *c, uint8_t v, uint64_t now);
uint8_t  dev_pit_read(struct dev_pit_channel *c, uint64_t now);
void     dev_pit_set_gate(struct dev_pit_channel *c, int gate, uint64_t now);
uint64_t dev_pit_ticks(const struct dev_pit_channel *c, uint64_t now);
uint16_t dev_pit_count(const struct dev_pit_channel *c, uint64_t now);
int      dev_pit_out(const struct dev_pit_channel *c, uint64_t now);
/* When OUT next rises for an interrupt (modes 0, 2, 3, 4), 0: never. */
uint64_t dev_pit_next_irq(const struct dev_pit_channel *c, uint64_t now);

/* The ACPI tables for guest-physical `base` into buf (at least 1 KiB):
 * their length, 0 if buf is too small. */
size_t dev_acpi_build(uint8_t *buf, size_t size, uint64_t base);

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
#define DEV_BIOS_EBDA  VM_EBDA_BASE   /* 1 KiB; RAM below it: 639 KiB */

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

#endif
