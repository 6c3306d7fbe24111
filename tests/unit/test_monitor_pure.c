/* Pure parts of the monitor: ELF and multiboot parsing on crafted
 * buffers, the page walker on crafted page tables, the 8250 UART. */
#include "check.h"
#include "monitor/dev/dev.h"
#include "monitor/kvm/kvm.h"
#include "monitor/loader/loader.h"
#include <stdint.h>
#include <string.h>

static void w16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void w32(uint8_t *p, uint32_t v) { for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i)); }
static void w64(uint8_t *p, uint64_t v) { for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i)); }

/* ELF64 with one PT_LOAD: file [0x1000, 0x1100) -> paddr 0x400000, memsz 0x2000 */
static size_t make_elf64(uint8_t *b)
{
    memset(b, 0, 0x1100);
    memcpy(b, "\x7f" "ELF", 4); b[4] = 2; b[5] = 1; b[6] = 1;
    w16(b + 16, 2); w16(b + 18, 62); w32(b + 20, 1);
    w64(b + 24, 0x400010); w64(b + 32, 64); w16(b + 52, 64); w16(b + 54, 56); w16(b + 56, 1);
    uint8_t *ph = b + 64;
    w32(ph, 1); w64(ph + 8, 0x1000); w64(ph + 16, 0x400000); w64(ph + 24, 0x400000);
    w64(ph + 32, 0x100); w64(ph + 40, 0x2000);
    return 0x1100;
}

static uint8_t buf[0x3000];
static char err[256];

TEST(elf64_parses)
{
    struct loader_image li;
    size_t n = make_elf64(buf);
    CHECK_EQ(loader_detect(buf, n), LOADER_ELF);
    CHECK_EQ(loader_parse_elf(buf, n, 64 << 20, &li, err, sizeof err), 0);
    CHECK_EQ(li.mode, VM_MODE_LONG64);
    CHECK_EQ(li.entry, 0x400010);
    CHECK_EQ(li.nseg, 1);
    CHECK_EQ(li.seg[0].paddr, 0x400000);
    CHECK_EQ(li.seg[0].filesz, 0x100);
    CHECK_EQ(li.load_end, 0x402000);
}

TEST(elf_errors_name_the_field)
{
    struct loader_image li;
    size_t n = make_elf64(buf);
    CHECK_EQ(loader_parse_elf(buf, 40, 64 << 20, &li, err, sizeof err), -1);
    CHECK(strstr(err, "truncated") != NULL);
    make_elf64(buf); w64(buf + 32, 0xfffffffffffffff0ull);
    CHECK_EQ(loader_parse_elf(buf, n, 64 << 20, &li, err, sizeof err), -1);
    CHECK(strstr(err, "e_phoff") != NULL);
    make_elf64(buf); w64(buf + 64 + 8, 0xffffffffffffff00ull);     /* p_offset overflow */
    CHECK_EQ(loader_parse_elf(buf, n, 64 << 20, &li, err, sizeof err), -1);
    CHECK(strstr(err, "p_offset") != NULL);
    make_elf64(buf); w64(buf + 64 + 24, 0xfffffffffffff000ull);    /* paddr wraps */
    CHECK_EQ(loader_parse_elf(buf, n, 64 << 20, &li, err, sizeof err), -1);
    CHECK(strstr(err, "outside guest RAM") != NULL);
    make_elf64(buf); w16(buf + 18, 40);
    CHECK_EQ(loader_parse_elf(buf, n, 64 << 20, &li, err, sizeof err), -1);
    CHECK(strstr(err, "e_machine") != NULL);
    make_elf64(buf); w32(buf + 64, 0);                               /* no PT_LOAD */
    CHECK_EQ(loader_parse_elf(buf, n, 64 << 20, &li, err, sizeof err), -1);
    CHECK(strstr(err, "PT_LOAD") != NULL);
}

TEST(multiboot_aout_kludge)
{
    struct loader_image li;
    size_t off;
    memset(buf, 0x90, 0x200);
    w32(buf + 0x40, 0x1BADB002); w32(buf + 0x44, 0x10000); w32(buf + 0x48, (uint32_t)-(0x1BADB002 + 0x10000));
    w32(buf + 0x4c, 0x100040); w32(buf + 0x50, 0x100000); w32(buf + 0x54, 0); w32(buf + 0x58, 0x101000);
    w32(buf + 0x5c, 0x100060);
    CHECK_EQ(loader_find_multiboot(buf, 0x200, &off), 1);
    CHECK_EQ(off, 0x40);
    CHECK_EQ(loader_detect(buf, 0x200), LOADER_MULTIBOOT);
    CHECK_EQ(loader_parse_multiboot(buf, 0x200, 64 << 20, &li, err, sizeof err), 0);
    CHECK_EQ(li.mode, VM_MODE_PROT32);
    CHECK_EQ(li.entry, 0x100060);
    CHECK_EQ(li.seg[0].file_off, 0);
    CHECK_EQ(li.seg[0].filesz, 0x200);
    CHECK_EQ(li.seg[0].memsz, 0x1000);
    w32(buf + 0x4c, 0x100080);          /* header_addr - load_addr > header offset */
    CHECK_EQ(loader_parse_multiboot(buf, 0x200, 64 << 20, &li, err, sizeof err), -1);
    CHECK(strstr(err, "header_addr") != NULL);
    w32(buf + 0x4c, 0x100040); w32(buf + 0x5c, 0x200000);
    CHECK_EQ(loader_parse_multiboot(buf, 0x200, 64 << 20, &li, err, sizeof err), -1);
    CHECK(strstr(err, "entry_addr") != NULL);
    w32(buf + 0x48, 0);
    CHECK_EQ(loader_find_multiboot(buf, 0x200, &off), -1);
    CHECK_EQ(loader_parse_multiboot(buf, 0x200, 64 << 20, &li, err, sizeof err), -1);
    CHECK(strstr(err, "checksum") != NULL);
}

TEST(multiboot_beyond_8k_not_found)
{
    size_t off;
    memset(buf, 0, sizeof buf);
    w32(buf + 0x2000, 0x1BADB002); w32(buf + 0x2008, (uint32_t)-0x1BADB002);
    CHECK_EQ(loader_find_multiboot(buf, sizeof buf, &off), 0);
    buf[510] = 0x55; buf[511] = 0xaa;
    CHECK_EQ(loader_detect(buf, 512), LOADER_BOOTSECTOR);
    CHECK_EQ(loader_detect(buf, sizeof buf), LOADER_BOOTSECTOR);   /* a disk image: its first sector boots */
    CHECK_EQ(loader_detect(buf, 511), LOADER_AUTO);
}

/* page walker over a plain buffer of "physical memory" */
static uint8_t phys[0x10000];
static int rdbuf(void *ctx, uint64_t gpa, void *b, size_t len)
{
    (void)ctx;
    if (gpa > sizeof phys || len > sizeof phys - gpa) return -1;
    memcpy(b, phys + gpa, len);
    return 0;
}

TEST(walk_4level)
{
    memset(phys, 0, sizeof phys);
    w64(phys + 0x1000, 0x2000 | 7);                 /* PML4[0] */
    w64(phys + 0x2000 + 8 * 1, 0x3000 | 7);          /* PDPT[1]: 1 GiB */
    w64(phys + 0x3000 + 8 * 2, 0x4000 | 7);          /* PD[2]: +4 MiB -> PT */
    w64(phys + 0x4000 + 8 * 5, 0x9000 | 5);          /* PT[5]: read-only user page */
    w64(phys + 0x3000 + 8 * 3, 0x00600000 | 0x83);   /* PD[3]: 2 MiB page */
    w64(phys + 0x2000 + 8 * 2, 0x80000000ull | 0x83);/* PDPT[2]: 1 GiB page */
    struct gmem_paging pg = { 0x80010001, 0x1000, 0x20, 0x500, 0 };
    uint64_t gpa = 0;
    CHECK_EQ(gmem_walk_kind(&pg), GMEM_WALK_4LEVEL);
    CHECK_EQ(gmem_walk(rdbuf, NULL, &pg, 0x40405123, 0, &gpa), 0);
    CHECK_EQ(gpa, 0x9123);
    CHECK_EQ(gmem_walk(rdbuf, NULL, &pg, 0x40405123, 1, &gpa), -1);   /* WP=1 and R/O */
    CHECK_EQ(gmem_walk(rdbuf, NULL, &pg, 0x40654321, 1, &gpa), 0);
    CHECK_EQ(gpa, 0x654321);
    CHECK_EQ(gmem_walk(rdbuf, NULL, &pg, 0x80001234, 0, &gpa), 0);
    CHECK_EQ(gpa, 0x80001234);
    CHECK_EQ(gmem_walk(rdbuf, NULL, &pg, 0x40406000, 0, &gpa), -1);   /* not present */
    CHECK_EQ(gmem_walk(rdbuf, NULL, &pg, 0x0000800000000000ull, 0, &gpa), -1); /* non-canonical */
    w64(phys + 0x1000, 0xfffff000 | 7);             /* table outside "RAM" */
    CHECK_EQ(gmem_walk(rdbuf, NULL, &pg, 0x40405123, 0, &gpa), -1);
}

TEST(walk_32bit_and_pae_and_none)
{
    memset(phys, 0, sizeof phys);
    struct gmem_paging pg = { 0x80000001, 0x1000, 0x10, 0, 3 };
    w32(phys + 0x1000 + 4 * 1, 0x2000 | 7);           /* PDE[1] -> PT */
    w32(phys + 0x2000 + 4 * 3, 0x5000 | 7);           /* PTE[3] */
    w32(phys + 0x1000 + 4 * 2, 0x00800000 | 0x87 | (1u << 13)); /* 4 MiB page, PSE-36 bit 32 */
    uint64_t gpa;
    CHECK_EQ(gmem_walk_kind(&pg), GMEM_WALK_32);
    CHECK_EQ(gmem_walk(rdbuf, NULL, &pg, 0x00403abc, 1, &gpa), 0);
    CHECK_EQ(gpa, 0x5abc);
    CHECK_EQ(gmem_walk(rdbuf, NULL, &pg, 0x00812345, 0, &gpa), 0);
    CHECK_EQ(gpa, 0x100812345ull);
    /* PAE: PDPTE[0] -> PD at 0x3000, PD[1] 2 MiB page */
    memset(phys, 0, sizeof phys);
    struct gmem_paging pae = { 0x80000001, 0x1000, 0x20, 0, 0 };
    w64(phys + 0x1000, 0x3000 | 1);
    w64(phys + 0x3000 + 8, 0x00a00000 | 0x83);
    CHECK_EQ(gmem_walk_kind(&pae), GMEM_WALK_PAE);
    CHECK_EQ(gmem_walk(rdbuf, NULL, &pae, 0x00212345, 0, &gpa), 0);
    CHECK_EQ(gpa, 0xa12345);
    struct gmem_paging none = { 0x11, 0, 0, 0, 0 };
    CHECK_EQ(gmem_walk(rdbuf, NULL, &none, 0x123456, 1, &gpa), 0);
    CHECK_EQ(gpa, 0x123456);
}

TEST(uart_registers)
{
    struct dev_uart_regs u;
    uint8_t c = 0;
    dev_uart_reset(&u);
    CHECK_EQ(dev_uart_read(&u, 5) & 0x60, 0x60);          /* THR empty */
    CHECK_EQ(dev_uart_write(&u, 3, 0x80, &c), 0);        /* DLAB */
    dev_uart_write(&u, 0, 0x01, &c); dev_uart_write(&u, 1, 0x02, &c);
    CHECK_EQ(dev_uart_read(&u, 0), 0x01);
    CHECK_EQ(dev_uart_read(&u, 1), 0x02);
    dev_uart_write(&u, 3, 0x03, &c);
    CHECK_EQ(dev_uart_read(&u, 3), 0x03);
    CHECK_EQ(dev_uart_write(&u, 0, 'A', &c), 1);
    CHECK_EQ(c, 'A');
    dev_uart_write(&u, 1, 0x0f, &c);
    CHECK_EQ(dev_uart_read(&u, 1), 0x0f);
    CHECK_EQ(dev_uart_read(&u, 2), 0x02);                 /* THRE interrupt identified */
    dev_uart_write(&u, 1, 0x00, &c);
    CHECK_EQ(dev_uart_read(&u, 2) & 0x0f, 0x01);          /* none pending */
    dev_uart_write(&u, 7, 0xa5, &c);
    CHECK_EQ(dev_uart_read(&u, 7), 0xa5);
    dev_uart_write(&u, 4, 0x1b, &c);                      /* loopback: nothing transmitted */
    CHECK_EQ(dev_uart_read(&u, 4), 0x1b);
    CHECK_EQ(dev_uart_write(&u, 0, 'B', &c), 0);
}

/* the BIOS device's pure parts: disk geometry, CHS, keys, the E820 map */
TEST(bios_geometry)
{
    struct dev_bios_geometry g;
    dev_bios_geometry(1474560, &g);                 /* 1.44 MB: a diskette */
    CHECK_EQ(g.floppy, 1);
    CHECK_EQ(g.cyls, 80); CHECK_EQ(g.heads, 2); CHECK_EQ(g.spt, 18); CHECK_EQ(g.cmos_type, 4);
    CHECK_EQ(g.sectors, 2880);
    dev_bios_geometry(368640, &g);                  /* 360 KB */
    CHECK_EQ(g.floppy, 1); CHECK_EQ(g.cyls, 40); CHECK_EQ(g.spt, 9);
    dev_bios_geometry(1474560 + 512, &g);           /* not a diskette's size: a hard disk */
    CHECK_EQ(g.floppy, 0);
    CHECK_EQ(g.heads, 16); CHECK_EQ(g.spt, 63); CHECK_EQ(g.cyls, 3);   /* 2881 sectors / 1008 */
    dev_bios_geometry(512, &g);                     /* one sector: still a cylinder */
    CHECK_EQ(g.sectors, 1); CHECK_EQ(g.cyls, 1);
    dev_bios_geometry(1000, &g);                    /* a partial last sector counts */
    CHECK_EQ(g.sectors, 2);
}

TEST(bios_chs)
{
    struct dev_bios_geometry g;
    uint32_t lba = 99;
    dev_bios_geometry(1474560, &g);
    CHECK_EQ(dev_bios_chs(&g, 0, 0, 1, &lba), 0); CHECK_EQ(lba, 0);
    CHECK_EQ(dev_bios_chs(&g, 0, 1, 1, &lba), 0); CHECK_EQ(lba, 18);
    CHECK_EQ(dev_bios_chs(&g, 79, 1, 18, &lba), 0); CHECK_EQ(lba, 2879);
    lba = 99;
    CHECK_EQ(dev_bios_chs(&g, 0, 0, 0, &lba), 0x01);        /* sectors count from 1 */
    CHECK_EQ(dev_bios_chs(&g, 0, 0, 19, &lba), 0x01);
    CHECK_EQ(dev_bios_chs(&g, 0, 2, 1, &lba), 0x01);
    CHECK_EQ(dev_bios_chs(&g, 80, 0, 1, &lba), 0x01);
    CHECK_EQ(lba, 99);                                      /* untouched on error */
}

TEST(bios_keys)
{
    CHECK_EQ(dev_bios_key('a'), 0x1e61);
    CHECK_EQ(dev_bios_key('A'), 0x1e41);
    CHECK_EQ(dev_bios_key('x'), 0x2d78);
    CHECK_EQ(dev_bios_key('1'), 0x0231);
    CHECK_EQ(dev_bios_key('!'), 0x0221);
    CHECK_EQ(dev_bios_key('0'), 0x0b30);
    CHECK_EQ(dev_bios_key('?'), 0x353f);
    CHECK_EQ(dev_bios_key(' '), 0x3920);
    CHECK_EQ(dev_bios_key('\n'), 0x1c0d);
    CHECK_EQ(dev_bios_key('\r'), 0x1c0d);
    CHECK_EQ(dev_bios_key(0x1b), 0x011b);                   /* Esc */
    CHECK_EQ(dev_bios_key('\b'), 0x0e08);
    CHECK_EQ(dev_bios_key(0x7f), 0x0e08);                   /* DEL types Backspace */
    CHECK_EQ(dev_bios_key('\t'), 0x0f09);
    CHECK_EQ(dev_bios_key(3), 0x2e03);                      /* Ctrl-C: the C key */
    CHECK_EQ(dev_bios_key(0), 0x0300);
    CHECK_EQ(dev_bios_key(0xe9), 0x00e9);                   /* no key types it */
}

int main(void)
{
    RUN(elf64_parses);
    RUN(elf_errors_name_the_field);
    RUN(multiboot_aout_kludge);
    RUN(multiboot_beyond_8k_not_found);
    RUN(walk_4level);
    RUN(walk_32bit_and_pae_and_none);
    RUN(uart_registers);
    RUN(bios_geometry);
    RUN(bios_chs);
    RUN(bios_keys);
    CHECK_EXIT();
}
