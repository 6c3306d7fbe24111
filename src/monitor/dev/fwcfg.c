/* fwcfg.c — QEMU's firmware configuration device at 0x510 (16-bit
 * selector) and 0x511 (data, a byte at a time), with the DMA interface at
 * 0x514 (the big-endian address of an access descriptor; writing its low
 * half starts it).  Items are little-endian as in QEMU: the signature
 * "QEMU", the interface ID (traditional + DMA), NB_CPUS and MAX_CPUS (1),
 * RAM_SIZE, the kernel command line (CMDLINE_SIZE/CMDLINE_DATA), the IRQ 0
 * override, and the file directory with etc/e820 (scout's memory map).
 * Unknown items read as zeros; the data port ignores writes.  DMA writes
 * into guest RAM go through vm_device_write (the enforcement layer's write
 * check); DMA writes to items are refused with the error bit. */
#include <stdlib.h>
#include <string.h>

#include "monitor/dev/dev.h"

#define FW_PORT        0x510
#define FW_DMA_PORT    0x514
#define FW_SIGNATURE   0x0000
#define FW_ID          0x0001
#define FW_UUID        0x0002
#define FW_RAM_SIZE    0x0003
#define FW_NOGRAPHIC   0x0004
#define FW_NB_CPUS     0x0005
#define FW_MAX_CPUS    0x000f
#define FW_CMDLINE_SIZE 0x0014
#define FW_CMDLINE_DATA 0x0015
#define FW_FILE_DIR    0x0019
#define FW_FILE_FIRST  0x0020
#define FW_IRQ0_OVERRIDE 0x8002
#define FW_MAX_ITEMS   16

#define DMA_ERROR      0x01
#define DMA_READ       0x02
#define DMA_SKIP       0x04
#define DMA_SELECT     0x08
#define DMA_WRITE      0x10

struct item { uint16_t key; const char *file; uint8_t *data; uint32_t len; };

struct fwcfg {
    struct dev_bus *bus;
    struct item items[FW_MAX_ITEMS];
    unsigned nitems;
    uint16_t select;
    uint32_t offset;
    uint8_t dma[8];                     /* the descriptor address, as written (big-endian) */
};

static void put_le(uint8_t *p, uint64_t v, unsigned n) { for (unsigned i = 0; i < n; i++) p[i] = (uint8_t)(v >> (8 * i)); }
static void put_be(uint8_t *p, uint64_t v, unsigned n) { for (unsigned i = 0; i < n; i++) p[i] = (uint8_t)(v >> (8 * (n - 1 - i))); }
static uint64_t get_be(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++)
        v = v << 8 | p[i];
    return v;
}

/* An item owning a copy of its bytes (freed with the bus). */
static int add(struct fwcfg *d, uint16_t key, const char *file, const void *data, uint32_t len)
{
    if (d->nitems == FW_MAX_ITEMS)
        return -1;
    uint8_t *copy = dev_bus_alloc(d->bus, len ? len : 1);
    if (!copy)
        return -1;
    memcpy(copy, data, len);
    d->items[d->nitems++] = (struct item){ key, file, copy, len };
    return 0;
}

static int add_le(struct fwcfg *d, uint16_t key, uint64_t v, unsigned n)
{
    uint8_t b[8];
    put_le(b, v, n);
    return add(d, key, NULL, b, n);
}

/* The directory of the file items: a big-endian count, then size, key
 * and a 56-byte name each. */
static int add_dir(struct fwcfg *d)
{
    uint8_t dir[4 + FW_MAX_ITEMS * 64];
    uint32_t n = 0;
    memset(dir, 0, sizeof dir);
    for (unsigned i = 0; i < d->nitems; i++) {
        const struct item *it = &d->items[i];
        if (!it->file)
            continue;
        uint8_t *e = dir + 4 + 64 * n++;
        put_be(e, it->len, 4);
        put_be(e + 4, it->key, 2);
        strncpy((char *)e + 8, it->file, 55);
    }
    put_be(dir, n, 4);
    return add(d, FW_FILE_DIR, NULL, dir, 4 + 64 * n);
}

static const struct item *current(const struct fwcfg *d)
{
    for (unsigned i = 0; i < d->nitems; i++)
        if (d->items[i].key == (d->select & 0xbfff))   /* the write channel bit does not matter */
            return &d->items[i];
    return NULL;
}

static uint8_t next_byte(struct fwcfg *d)
{
    const struct item *it = current(d);
    if (!it || d->offset >= it->len)
        return 0;
    return it->data[d->offset++];
}

/* One DMA access: the 16-byte descriptor at gpa (control, length,
 * address, all big-endian); its control word is written back 0 or ERROR. */
static void dma_run(struct fwcfg *d, uint64_t gpa)
{
    struct vm *vm = dev_bus_vm(d->bus);
    uint8_t desc[16], buf[512];
    if (gmem_read_phys(vm, gpa, desc, sizeof desc) < 0)
        return;
    uint32_t control = (uint32_t)get_be(desc, 4), len = (uint32_t)get_be(desc + 4, 4);
    uint64_t addr = get_be(desc + 8, 8);
    uint32_t result = 0;
    if (control & DMA_SELECT) {
        d->select = (uint16_t)(control >> 16);
        d->offset = 0;
    }
    if (control & DMA_WRITE) {
        result = DMA_ERROR;             /* items are read-only here */
    } else if (control & (DMA_READ | DMA_SKIP)) {
        while (len) {
            uint32_t n = len < sizeof buf ? len : (uint32_t)sizeof buf;
            for (uint32_t i = 0; i < n; i++)
                buf[i] = next_byte(d);  /* past the end: zeros */
            if ((control & DMA_READ) && vm_device_write(vm, addr, buf, n) < 0) {
                result = DMA_ERROR;
                break;
            }
            addr += n;
            len -= n;
        }
    }
    uint8_t c[4];
    put_be(c, result, 4);
    (void)vm_device_write(vm, gpa, c, 4);
}

static enum vm_io_result fw_io(void *ctx, uint16_t port, int out, int size, uint8_t *data, int *status)
{
    struct fwcfg *d = ctx;
    (void)status;
    if (port == FW_PORT) {
        if (out) {
            d->select = (uint16_t)(data[0] | (size > 1 ? data[1] << 8 : 0));
            d->offset = 0;
        } else {
            memset(data, 0, (size_t)size);
        }
        return VM_IO_OK;
    }
    if (port == FW_PORT + 1) {
        for (int i = 0; i < size; i++)
            if (!out)
                data[i] = next_byte(d);
        return VM_IO_OK;
    }
    unsigned off = (unsigned)(port - FW_DMA_PORT);
    if (off >= 8)
        return VM_IO_OK;
    if (!out) {
        static const char sig[8] = "QEMU CFG";
        for (int i = 0; i < size && off + (unsigned)i < 8; i++)
            data[i] = (uint8_t)sig[off + (unsigned)i];
        return VM_IO_OK;
    }
    for (int i = 0; i < size && off + (unsigned)i < 8; i++)
        d->dma[off + (unsigned)i] = data[i];
    if (off + (unsigned)size == 8) {    /* the low half written: go */
        dma_run(d, get_be(d->dma, 8));
        memset(d->dma, 0, sizeof d->dma);
    }
    return VM_IO_OK;
}

int dev_fwcfg_init(struct dev_bus *bus, const struct dev_pc_config *cfg)
{
    struct fwcfg *d = dev_bus_alloc(bus, sizeof(*d));
    if (!d)
        return -1;
    d->bus = bus;
    struct vm_map_entry map[VM_MAP_MAX];
    unsigned n = vm_memory_map(dev_bus_vm(bus), map);
    uint8_t e820[VM_MAP_MAX * 20], uuid[16] = { 0 };
    for (unsigned i = 0; i < n; i++) {
        put_le(e820 + 20 * i, map[i].base, 8);
        put_le(e820 + 20 * i + 8, map[i].len, 8);
        put_le(e820 + 20 * i + 16, map[i].type, 4);
    }
    const char *cmd = cfg->cmdline ? cfg->cmdline : "";
    uint32_t clen = (uint32_t)strlen(cmd) + 1;
    int rc = add(d, FW_SIGNATURE, NULL, "QEMU", 4) || add_le(d, FW_ID, 3, 4) ||
             add(d, FW_UUID, NULL, uuid, 16) || add_le(d, FW_RAM_SIZE, cfg->ram_size, 8) ||
             add_le(d, FW_NOGRAPHIC, 1, 2) || add_le(d, FW_NB_CPUS, 1, 2) || add_le(d, FW_MAX_CPUS, 1, 2) ||
             add_le(d, FW_CMDLINE_SIZE, clen, 4) || add(d, FW_CMDLINE_DATA, NULL, cmd, clen) ||
             add_le(d, FW_IRQ0_OVERRIDE, 1, 4) || add(d, FW_FILE_FIRST, "etc/e820", e820, 20 * n) ||
             add_dir(d);
    if (rc)
        return -1;
    return dev_bus_register_pio(bus, FW_PORT, 2, "fw_cfg", fw_io, d) ||
           dev_bus_register_pio(bus, FW_DMA_PORT, 8, "fw_cfg", fw_io, d) ? -1 : 0;
}
