/* bios.c — the BIOS for real-mode guests: installs the ROM (bios.s, linked
 * in by bios.mk) at F0000 with the IVT, the BIOS data area and the text
 * screen it expects, and is the device at DEV_BIOS_PORT through which the
 * ROM reaches scout: the disk behind int 13h, the keyboard input behind
 * int 16h, the memory map behind int 15h.  The device never touches guest
 * memory once the guest runs: the ROM moves every byte itself.
 *
 * The disk is the image file read a sector at a time; the guest's writes
 * go to an overlay in memory and never to the file (a debugger should not
 * change what it debugs, and a second run sees the same disk). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/base.h"
#include "monitor/dev/dev.h"

extern const uint8_t _binary_bios_bin_start[], _binary_bios_bin_end[];

/* the ports (bios.s has the same numbers) */
enum { P_ARG = 0, P_CMD = 4, P_DATA = 8, P_KEY = 12, P_KEYW = 14 };
enum { CMD_DISK = 1, CMD_CHS, CMD_READ, CMD_WRITE, CMD_E820, CMD_MEM };
#define SECTOR 512u
#define MAX_ARGS 4
#define MAX_RES 12
#define EBDA_BOOT 0x10u
#define TEXT_SCREEN 0xB8000u
#define KEY_NONE 0u
#define KEY_ENDED 0xFFFFu

struct overlay_sector {
    uint64_t lba;
    uint8_t data[SECTOR];
};

struct dev_bios {
    struct vm *vm;
    int disk_fd;
    uint64_t disk_bytes;
    struct dev_bios_geometry geo;
    VEC(struct overlay_sector) written;   /* sorted by lba */
    uint8_t drive;
    /* the command interface */
    uint32_t arg[MAX_ARGS], res[MAX_RES];
    unsigned narg, nres, rpos;
    uint8_t buf[SECTOR];
    unsigned buf_pos;
    enum { BUF_IDLE, BUF_READ, BUF_WRITE } buf_mode;
    uint64_t buf_lba;
    /* keyboard input */
    int keys_fd, keys_owned;
    int have_key, keys_ended;
    uint16_t key;
};

/* ── pure parts ───────────────────────────────────────────────────────── */

void dev_bios_geometry(uint64_t bytes, struct dev_bios_geometry *g)
{
    /* the standard diskettes: size, tracks, heads, sectors a track, CMOS type */
    static const struct { uint32_t size; unsigned c, h, s, type; } fd[] = {
        { 163840, 40, 1, 8, 1 },  { 184320, 40, 1, 9, 1 },   { 327680, 40, 2, 8, 1 },
        { 368640, 40, 2, 9, 1 },  { 737280, 80, 2, 9, 3 },   { 1228800, 80, 2, 15, 2 },
        { 1474560, 80, 2, 18, 4 }, { 2949120, 80, 2, 36, 5 },
    };
    memset(g, 0, sizeof(*g));
    g->sectors = (bytes + SECTOR - 1) / SECTOR;
    for (size_t i = 0; i < sizeof(fd) / sizeof(fd[0]); i++)
        if (bytes == fd[i].size) {
            g->floppy = 1;
            g->cyls = fd[i].c;
            g->heads = fd[i].h;
            g->spt = fd[i].s;
            g->cmos_type = fd[i].type;
            return;
        }
    /* a hard disk: the usual 16 heads, 63 sectors a track */
    g->heads = 16;
    g->spt = 63;
    uint64_t c = (g->sectors + 16 * 63 - 1) / (16 * 63);
    g->cyls = c ? (c > 0xFFFFFFu ? 0xFFFFFFu : (unsigned)c) : 1;
}

int dev_bios_chs(const struct dev_bios_geometry *g, unsigned c, unsigned h, unsigned s, uint32_t *lba)
{
    /* (a cylinder beyond the 1024 that CHS can say is never asked for) */
    if (s == 0 || s > g->spt || h >= g->heads || c >= g->cyls)
        return 0x01;
    *lba = (uint32_t)(((uint64_t)c * g->heads + h) * g->spt + s - 1);
    return 0;
}

uint16_t dev_bios_key(uint8_t c)
{
    /* US layout: the scan code of the key that types c (shifted or not) */
    static const char row[] =
        "\x1b" "1234567890-=\b\tqwertyuiop[]\r asdfghjkl;'` \\zxcvbnm,./";
    static const char shifted[] = "!@#$%^&*()_+";
    static const uint8_t shifted_scan[] = { 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13 };
    static const char more_shifted[] = "{}:\"~|<>?";
    static const uint8_t more_shifted_scan[] = { 0x1a, 0x1b, 0x27, 0x28, 0x29, 0x2b, 0x33, 0x34, 0x35 };
    if (c == '\n' || c == '\r')
        return 0x1c0d;
    if (c == 0x7f)
        return 0x0e08;
    if (c == 0)
        return 0x0300;              /* Ctrl-@ */
    if (c == ' ')
        return 0x3920;
    uint8_t lc = c >= 'A' && c <= 'Z' ? (uint8_t)(c - 'A' + 'a') : c;
    if (c >= 1 && c <= 26 && c != '\b' && c != '\t')
        lc = (uint8_t)('a' + c - 1);  /* Ctrl-letter: the letter's key */
    for (size_t i = 0; i < sizeof(row) - 1; i++)
        if ((uint8_t)row[i] == lc && lc != ' ')
            return (uint16_t)((i + 1) << 8 | c);
    for (size_t i = 0; i < sizeof(shifted) - 1; i++)
        if ((uint8_t)shifted[i] == c)
            return (uint16_t)(shifted_scan[i] << 8 | c);
    for (size_t i = 0; i < sizeof(more_shifted) - 1; i++)
        if ((uint8_t)more_shifted[i] == c)
            return (uint16_t)(more_shifted_scan[i] << 8 | c);
    return c;                       /* no key types it: scan code 0 */
}

/* ── the disk ─────────────────────────────────────────────────────────── */

static struct overlay_sector *written(struct dev_bios *b, uint64_t lba, size_t *at)
{
    size_t lo = 0, hi = b->written.n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (b->written.v[mid].lba < lba)
            lo = mid + 1;
        else
            hi = mid;
    }
    *at = lo;
    return lo < b->written.n && b->written.v[lo].lba == lba ? &b->written.v[lo] : NULL;
}

/* A sector as the guest last left it; past the file's end, zeros.  A
 * file that cannot be read any more reads as zeros (the guest sees a disk
 * that changed, not a crash). */
static void read_sector(struct dev_bios *b, uint64_t lba, uint8_t *out)
{
    size_t at;
    const struct overlay_sector *w = written(b, lba, &at);
    if (w) {
        memcpy(out, w->data, SECTOR);
        return;
    }
    memset(out, 0, SECTOR);
    size_t got = 0;
    while (got < SECTOR) {
        ssize_t n = pread(b->disk_fd, out + got, SECTOR - got, (off_t)(lba * SECTOR + got));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
}

static void write_sector(struct dev_bios *b, uint64_t lba, const uint8_t *in)
{
    size_t at;
    struct overlay_sector *w = written(b, lba, &at);
    if (!w) {
        struct overlay_sector s = { .lba = lba };
        if (VEC_PUSH(&b->written, s) != 0)
            return;                 /* out of memory: the write is lost, as on a failing disk */
        memmove(&b->written.v[at + 1], &b->written.v[at], (b->written.n - 1 - at) * sizeof(s));
        w = &b->written.v[at];
        w->lba = lba;
    }
    memcpy(w->data, in, SECTOR);
}

static int open_disk(struct dev_bios *b, const char *path, char *err, size_t errlen)
{
    struct stat st;
    uint8_t first[SECTOR];
    /* O_NONBLOCK: a FIFO given as the disk must not hang the open */
    b->disk_fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (b->disk_fd < 0)
        return base_err(err, errlen, "disk image %s: cannot open: %s", path, strerror(errno));
    if (fstat(b->disk_fd, &st) < 0)
        return base_err(err, errlen, "disk image %s: cannot stat: %s", path, strerror(errno));
    if (S_ISDIR(st.st_mode))
        return base_err(err, errlen, "disk image %s: is a directory", path);
    if (!S_ISREG(st.st_mode))
        return base_err(err, errlen, "disk image %s: not a regular file", path);
    if (st.st_size == 0)
        return base_err(err, errlen, "disk image %s: empty file (0 bytes)", path);
    if (pread(b->disk_fd, first, sizeof(first), 0) < 0)
        return base_err(err, errlen, "disk image %s: cannot read: %s", path, strerror(errno));
    b->disk_bytes = (uint64_t)st.st_size;
    dev_bios_geometry(b->disk_bytes, &b->geo);
    b->drive = b->geo.floppy ? 0x00 : 0x80;
    return 0;
}

/* ── the keyboard ─────────────────────────────────────────────────────── */

/* "-" is stdin (left open); a file, pipe or terminal is read as it comes. */
static int open_keys(struct dev_bios *b, const char *path, char *err, size_t errlen)
{
    struct stat st;
    if (!path)
        return 0;
    if (strcmp(path, "-") == 0) {
        b->keys_fd = STDIN_FILENO;
        return 0;
    }
    b->keys_fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (b->keys_fd < 0)
        return base_err(err, errlen, "keyboard input %s: cannot open: %s", path, strerror(errno));
    b->keys_owned = 1;
    if (fstat(b->keys_fd, &st) == 0 && S_ISDIR(st.st_mode))
        return base_err(err, errlen, "keyboard input %s: is a directory", path);
    return 0;
}

/* The next key into b->key, waiting for one when asked to.  A wait that a
 * signal (Ctrl-C, --timeout) cuts short returns with none: the ROM asks
 * again, and the run loop stops before it can. */
static void key_fill(struct dev_bios *b, int wait)
{
    if (b->have_key || b->keys_ended)
        return;
    if (b->keys_fd < 0) {
        b->keys_ended = 1;
        return;
    }
    struct pollfd p = { b->keys_fd, POLLIN, 0 };
    if (poll(&p, 1, wait ? -1 : 0) <= 0)
        return;
    uint8_t c;
    ssize_t n = read(b->keys_fd, &c, 1);
    if (n == 1) {
        b->key = dev_bios_key(c);
        b->have_key = 1;
    } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
        b->keys_ended = 1;
    }
}

static uint16_t key_state(const struct dev_bios *b)
{
    return b->have_key ? b->key : b->keys_ended ? KEY_ENDED : KEY_NONE;
}

/* ── the commands ─────────────────────────────────────────────────────── */

static void put(struct dev_bios *b, uint64_t v)
{
    if (b->nres < MAX_RES)
        b->res[b->nres++] = (uint32_t)v;
}

static void command(struct dev_bios *b, uint8_t cmd)
{
    const struct dev_bios_geometry *g = &b->geo;
    int ours = b->narg > 0 && b->arg[0] == b->drive;
    uint64_t lba = b->narg >= 3 ? b->arg[1] | (uint64_t)b->arg[2] << 32 : 0, chs;
    b->nres = b->rpos = 0;
    switch (cmd) {
    case CMD_DISK:
        put(b, ours);
        put(b, g->floppy);
        put(b, g->cyls);
        put(b, g->heads);
        put(b, g->spt);
        put(b, g->sectors);
        put(b, g->sectors >> 32);
        put(b, g->cmos_type);
        chs = (uint64_t)g->cyls * g->heads * g->spt;      /* what CHS reaches (int 13h AH=15h) */
        put(b, chs > UINT32_MAX ? UINT32_MAX : chs);
        break;
    case CMD_CHS: {
        uint32_t l = 0;
        int st = ours && b->narg == 4 ? dev_bios_chs(g, b->arg[1], b->arg[2], b->arg[3], &l) : 0x01;
        put(b, (uint32_t)st);
        put(b, l);
        break;
    }
    case CMD_READ:
    case CMD_WRITE:
        b->buf_mode = BUF_IDLE;
        if (!ours || b->narg != 3) {
            put(b, 0x01);
        } else if (lba >= g->sectors) {
            put(b, 0x04);               /* sector not found: past the disk's end */
        } else {
            b->buf_pos = 0;
            b->buf_lba = lba;
            b->buf_mode = cmd == CMD_READ ? BUF_READ : BUF_WRITE;
            if (cmd == CMD_READ)
                read_sector(b, lba, b->buf);
            put(b, 0);
        }
        break;
    case CMD_E820: {
        struct vm_map_entry m[VM_MAP_MAX];
        unsigned n = vm_memory_map(b->vm, m);     /* the map every guest gets */
        uint32_t i = b->narg ? b->arg[0] : UINT32_MAX;
        if (i >= n) {
            put(b, 1);
            break;
        }
        put(b, 0);
        put(b, m[i].base);
        put(b, m[i].base >> 32);
        put(b, m[i].len);
        put(b, m[i].len >> 32);
        put(b, m[i].type);
        put(b, i + 1 < n ? i + 1 : 0);
        break;
    }
    case CMD_MEM: {
        uint64_t top = vm_reserved_base(b->vm), mib = 1 << 20;
        uint64_t ext = (top - mib) / 1024, low = (top < 16 * mib ? top : 16 * mib) - mib;
        put(b, ext > 0xFC00 ? 0xFC00 : ext);                      /* 88h: at most 63 MiB */
        put(b, low / 1024);                                       /* E801h: 1-16 MiB in KiB */
        put(b, top > 16 * mib ? (top - 16 * mib) >> 16 : 0);      /* and 64 KiB blocks above */
        break;
    }
    default:
        break;
    }
    b->narg = 0;
}

static void data_port(struct dev_bios *b, int out, int size, uint8_t *data)
{
    for (int i = 0; i < size; i++) {
        if (b->buf_mode == BUF_IDLE || b->buf_pos >= SECTOR) {
            if (!out)
                data[i] = 0xff;
            continue;
        }
        if (out && b->buf_mode == BUF_WRITE)
            b->buf[b->buf_pos] = data[i];
        else if (!out && b->buf_mode == BUF_READ)
            data[i] = b->buf[b->buf_pos];
        else if (!out)
            data[i] = 0xff;
        b->buf_pos++;
    }
    if (b->buf_mode == BUF_WRITE && b->buf_pos == SECTOR) {
        write_sector(b, b->buf_lba, b->buf);
        b->buf_mode = BUF_IDLE;
    }
}

static enum vm_io_result bios_io(void *ctx, uint16_t port, int out, int size, uint8_t *data, int *status)
{
    struct dev_bios *b = ctx;
    unsigned off = port - DEV_BIOS_PORT;
    uint32_t v = 0;
    (void)status;
    for (int i = 0; i < size; i++)
        v |= (uint32_t)data[i] << (8 * i);
    if (!out)
        memset(data, 0xff, (size_t)size);
    switch (off) {
    case P_ARG:
        if (out && b->narg < MAX_ARGS)
            b->arg[b->narg++] = v;
        else if (!out) {
            v = b->rpos < b->nres ? b->res[b->rpos++] : 0;
            for (int i = 0; i < size; i++)
                data[i] = (uint8_t)(v >> (8 * i));
        }
        break;
    case P_CMD:
        if (out)
            command(b, (uint8_t)v);
        break;
    case P_DATA:
        data_port(b, out, size, data);
        break;
    case P_KEY:
    case P_KEYW:
        if (out) {
            b->have_key = 0;            /* taken */
        } else {
            key_fill(b, off == P_KEYW);
            uint16_t k = key_state(b);
            for (int i = 0; i < size && i < 2; i++)
                data[i] = (uint8_t)(k >> (8 * i));
        }
        break;
    default:
        break;
    }
    return VM_IO_OK;
}

/* ── installing it ────────────────────────────────────────────────────── */

static void w16(uint8_t *p, unsigned v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }

/* The IVT from the ROM's table, the BIOS data area, the EBDA, a blank
 * text screen: the machine as the ROM expects to find it at power-on. */
static int install(struct dev_bios *b, char *err, size_t errlen)
{
    const uint8_t *rom = _binary_bios_bin_start;
    size_t rom_len = (size_t)(_binary_bios_bin_end - _binary_bios_bin_start);
    if (rom_len != 0x10000 || memcmp(rom, "SCOUTBIOS1", 10) != 0)
        return base_err(err, errlen, "the built-in BIOS ROM is damaged (%zu bytes)", rom_len);
    unsigned table = (unsigned)(rom[10] | rom[11] << 8);
    uint8_t ivt[0x400], bda[0x100], ebda[0x400];
    for (unsigned v = 0; v < 256; v++) {
        unsigned o = rom[table + 2 * v] | rom[table + 2 * v + 1] << 8;
        if (v == 0x1e && !b->geo.floppy)
            o = 0;                      /* the diskette table only for a diskette */
        w16(ivt + 4 * v, o);
        w16(ivt + 4 * v + 2, o ? DEV_BIOS_ROM >> 4 : 0);
    }
    memset(bda, 0, sizeof(bda));
    w16(bda + 0x00, DEV_UART_BASE);                 /* COM1 */
    w16(bda + 0x0e, DEV_BIOS_EBDA >> 4);
    /* equipment: an FPU, 80x25 colour, one serial port, the diskette */
    w16(bda + 0x10, 0x0002 | 0x0020 | 1u << 9 | (b->geo.floppy ? 0x0001 : 0));
    w16(bda + 0x13, DEV_BIOS_EBDA / 1024);          /* 639 KiB */
    w16(bda + 0x1a, 0x1e);                          /* the keyboard buffer, empty */
    w16(bda + 0x1c, 0x1e);
    bda[0x49] = 3;                                  /* 80x25 text */
    w16(bda + 0x4a, 80);
    w16(bda + 0x4c, 0x1000);
    w16(bda + 0x60, 0x0607);                        /* cursor shape */
    w16(bda + 0x63, 0x3d4);
    bda[0x75] = b->geo.floppy ? 0 : 1;              /* hard disks */
    w16(bda + 0x80, 0x1e);
    w16(bda + 0x82, 0x3e);
    bda[0x84] = 24;                                 /* rows - 1 */
    w16(bda + 0x85, 16);
    memset(ebda, 0, sizeof(ebda));
    ebda[0] = 1;                                    /* KiB */
    ebda[EBDA_BOOT] = b->drive;
    uint8_t blank[0x1000];
    for (size_t i = 0; i < sizeof(blank); i += 2)
        w16(blank + i, 0x0720);
    int bad = gmem_write_phys(b->vm, 0, ivt, sizeof(ivt)) || gmem_write_phys(b->vm, 0x400, bda, sizeof(bda)) ||
              gmem_write_phys(b->vm, DEV_BIOS_EBDA, ebda, sizeof(ebda)) ||
              gmem_write_phys(b->vm, DEV_BIOS_ROM, rom, rom_len);
    for (unsigned p = 0; p < 8 && !bad; p++)
        bad = gmem_write_phys(b->vm, TEXT_SCREEN + p * sizeof(blank), blank, sizeof(blank));
    return bad ? base_err(err, errlen, "guest RAM too small for the BIOS") : 0;
}

struct dev_bios *dev_bios_new(struct dev_bus *bus, struct vm *vm, const struct dev_bios_config *c,
                              char *err, size_t errlen)
{
    struct dev_bios *b = calloc(1, sizeof(*b));
    if (!b) {
        base_err(err, errlen, "out of memory");
        return NULL;
    }
    b->vm = vm;
    b->disk_fd = b->keys_fd = -1;
    if (open_disk(b, c->disk, err, errlen) < 0 || open_keys(b, c->keys, err, errlen) < 0 ||
        install(b, err, errlen) < 0) {
        dev_bios_free(b);
        return NULL;
    }
    if (dev_bus_register_pio(bus, DEV_BIOS_PORT, 16, "bios", bios_io, b) != 0) {
        base_err(err, errlen, "BIOS ports 0x%x-0x%x: taken", DEV_BIOS_PORT, DEV_BIOS_PORT + 15);
        dev_bios_free(b);
        return NULL;
    }
    return b;
}

void dev_bios_free(struct dev_bios *b)
{
    if (!b)
        return;
    if (b->disk_fd >= 0)
        close(b->disk_fd);
    if (b->keys_owned)
        close(b->keys_fd);
    VEC_FREE(&b->written);
    free(b);
}

unsigned dev_bios_boot_drive(const struct dev_bios *b) { return b->drive; }

int dev_bios_boot_sector(struct dev_bios *b, uint8_t out[512])
{
    read_sector(b, 0, out);
    return out[510] == 0x55 && out[511] == 0xAA ? 0 : -1;
}
