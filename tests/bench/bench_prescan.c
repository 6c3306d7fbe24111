/* bench_prescan — prescan throughput on the .text of the system's libc,
 * entered at its exported function symbols (recursive mode, max depth 512),
 * against a plain Zydis minimal-mode linear sweep of the same bytes, in the
 * same run (interleaved, 7 rounds, medians).  Prints only; no pass/fail.
 * (Rounds are short, a few ms of engine time on libc: on a loaded machine
 * rerun it, the ratio moves by some 0.1x.)
 * usage: bench_prescan [elf-file] [max-depth] [read|map] */
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <Zydis/Zydis.h>
#include "prescan/prescan.h"

struct image { uint8_t *mem; uint64_t base, size; };   /* page-aligned copy of .text */

static int img_read(void *ctx, uint64_t page_gpa, uint8_t *page)
{
    const struct image *im = ctx;
    if (page_gpa < im->base || page_gpa - im->base >= im->size)
        return -1;
    memcpy(page, im->mem + (page_gpa - im->base), PRESCAN_PAGE_SIZE);
    return 0;
}

static const uint8_t *img_map(void *ctx, uint64_t page_gpa)
{
    const struct image *im = ctx;
    if (page_gpa < im->base || page_gpa - im->base >= im->size)
        return NULL;
    return im->mem + (page_gpa - im->base);
}

static int use_map;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int fail(const char *what, const char *path)
{
    fprintf(stderr, "bench_prescan: %s: %s\n", path, what);
    return 1;
}

int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : "/lib/x86_64-linux-gnu/libc.so.6";
    unsigned depth = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 0) : 512;
    use_map = argc > 3 && strcmp(argv[3], "map") == 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return fail("cannot open", path);
    fseek(f, 0, SEEK_END);
    long fsize = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *file = malloc((size_t)fsize);
    if (!file || fread(file, 1, (size_t)fsize, f) != (size_t)fsize)
        return fail("cannot read", path);
    fclose(f);
    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)file;
    if ((size_t)fsize < sizeof *eh || memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 ||
        eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_shentsize != sizeof(Elf64_Shdr) ||
        eh->e_shoff + (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr) > (uint64_t)fsize ||
        eh->e_shstrndx >= eh->e_shnum)
        return fail("not a usable ELF64 file", path);
    const Elf64_Shdr *sh = (const Elf64_Shdr *)(file + eh->e_shoff);
    const char *shstr = (const char *)file + sh[eh->e_shstrndx].sh_offset;
    int text = -1, dynsym = -1;
    for (int i = 0; i < eh->e_shnum; i++) {
        if (sh[i].sh_name >= sh[eh->e_shstrndx].sh_size)
            continue;
        const char *n = shstr + sh[i].sh_name;
        if (strcmp(n, ".text") == 0)
            text = i;
        else if (sh[i].sh_type == SHT_DYNSYM)
            dynsym = i;
    }
    if (text < 0 || dynsym < 0 || sh[text].sh_offset + sh[text].sh_size > (uint64_t)fsize ||
        sh[dynsym].sh_offset + sh[dynsym].sh_size > (uint64_t)fsize)
        return fail("no .text or .dynsym", path);

    struct image im;
    uint64_t taddr = sh[text].sh_addr, tsize = sh[text].sh_size;
    im.base = taddr & ~(uint64_t)(PRESCAN_PAGE_SIZE - 1);
    im.size = (taddr + tsize - im.base + PRESCAN_PAGE_SIZE - 1) & ~(uint64_t)(PRESCAN_PAGE_SIZE - 1);
    im.mem = calloc(1, im.size);
    if (!im.mem)
        return fail("out of memory", path);
    memcpy(im.mem + (taddr - im.base), file + sh[text].sh_offset, tsize);

    const Elf64_Sym *syms = (const Elf64_Sym *)(file + sh[dynsym].sh_offset);
    size_t nsyms = sh[dynsym].sh_size / sizeof(Elf64_Sym), nentries = 0;
    uint64_t *entries = malloc((nsyms + 1) * sizeof *entries);
    if (!entries)
        return fail("out of memory", path);
    for (size_t i = 0; i < nsyms; i++)
        if (ELF64_ST_TYPE(syms[i].st_info) == STT_FUNC && syms[i].st_shndx == text &&
            syms[i].st_value >= taddr && syms[i].st_value < taddr + tsize)
            entries[nentries++] = syms[i].st_value;

    ZydisDecoder dec;
    ZydisDecoderInit(&dec, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64);
    ZydisDecoderEnableMode(&dec, ZYDIS_DECODER_MODE_MINIMAL, ZYAN_TRUE);

    enum { ROUNDS = 7 };
    double eng_ips[ROUNDS], eng_mbs[ROUNDS], sw_ips[ROUNDS], sw_mbs[ROUNDS], same_ips[ROUNDS];
    uint64_t *scanned = malloc(im.size * sizeof *scanned);   /* offsets the engine marked */
    size_t nscanned = 0;
    if (!scanned)
        return fail("out of memory", path);
    struct prescan_stats st = { 0 };
    uint64_t sw_insns = 0;
    for (int r = 0; r < ROUNDS; r++) {
        /* engine: fresh state every round */
        struct prescan_config cfg = { .read = img_read, .read_ctx = &im, .max_depth = depth,
                                      .map = use_map ? img_map : NULL };
        struct prescan *ps = prescan_new(&cfg);
        if (!ps)
            return fail("prescan_new failed", path);
        double t0 = now();
        for (size_t i = 0; i < nentries; i++)
            prescan_scan(ps, entries[i], PRESCAN_MODE_64);
        double t1 = now();
        prescan_get_stats(ps, &st);
        nscanned = 0;
        for (uint64_t pg = im.base; pg < im.base + im.size; pg += PRESCAN_PAGE_SIZE) {
            const uint8_t *a = prescan_attr_page(ps, pg, PRESCAN_MODE_64);
            for (unsigned o = 0; a && o < PRESCAN_PAGE_SIZE; o++)
                if (a[o] & PRESCAN_ATTR_SCANNED)
                    scanned[nscanned++] = pg + o - im.base;
        }
        prescan_free(ps);
        /* decode-only cost of exactly the instructions the engine decoded */
        {
            ZydisDecodedInstruction in;
            double s0 = now();
            for (size_t i = 0; i < nscanned; i++) {
                uint64_t o = scanned[i];
                uint64_t lim = PRESCAN_PAGE_SIZE - (o & (PRESCAN_PAGE_SIZE - 1));
                (void)ZydisDecoderDecodeInstruction(&dec, NULL, im.mem + o, lim, &in);
            }
            same_ips[r] = nscanned / (now() - s0);
        }
        eng_ips[r] = st.insns_scanned / (t1 - t0);
        eng_mbs[r] = st.bytes_decoded / (t1 - t0) / 1e6;

        /* linear sweep, minimal mode */
        const uint8_t *p = im.mem + (taddr - im.base);
        uint64_t off = 0, n = 0, bytes = 0;
        ZydisDecodedInstruction in;
        t0 = now();
        while (off < tsize) {
            if (ZYAN_SUCCESS(ZydisDecoderDecodeInstruction(&dec, NULL, p + off, tsize - off, &in))) {
                off += in.length;
                bytes += in.length;
                n++;
            } else {
                off++;
            }
        }
        t1 = now();
        sw_insns = n;
        sw_ips[r] = n / (t1 - t0);
        sw_mbs[r] = bytes / (t1 - t0) / 1e6;
    }
    qsort(eng_ips, ROUNDS, sizeof(double), cmp_d);
    qsort(eng_mbs, ROUNDS, sizeof(double), cmp_d);
    qsort(sw_ips, ROUNDS, sizeof(double), cmp_d);
    qsort(sw_mbs, ROUNDS, sizeof(double), cmp_d);
    qsort(same_ips, ROUNDS, sizeof(double), cmp_d);
    printf("bench_prescan: %s .text %llu bytes, %zu function entries, depth %u, page access %s, %d rounds (medians)\n",
           path, (unsigned long long)tsize, nentries, depth, use_map ? "map (zero-copy)" : "read (copy)", ROUNDS);
    printf("  prescan engine : %8.2f M insn/s  %7.2f MB/s  (%llu insns, %llu bytes, %llu pages, %llu scans,"
           " %llu steps, %llu flips, worklist hw %zu, max depth %u)\n",
           eng_ips[ROUNDS / 2] / 1e6, eng_mbs[ROUNDS / 2], (unsigned long long)st.insns_scanned,
           (unsigned long long)st.bytes_decoded, (unsigned long long)st.pages_allocated,
           (unsigned long long)st.scans, (unsigned long long)st.steps,
           (unsigned long long)st.branch_flips, st.worklist_high_water, st.max_depth_reached);
    printf("  linear sweep   : %8.2f M insn/s  %7.2f MB/s  (%llu insns)\n",
           sw_ips[ROUNDS / 2] / 1e6, sw_mbs[ROUNDS / 2], (unsigned long long)sw_insns);
    printf("  ratio engine/sweep: %.2fx insn/s, %.2fx MB/s\n",
           eng_ips[ROUNDS / 2] / sw_ips[ROUNDS / 2], eng_mbs[ROUNDS / 2] / sw_mbs[ROUNDS / 2]);
    printf("  Zydis decode-only of the engine's own instructions (same mix, minimal mode): %.2f M insn/s;"
           " engine/that = %.2fx (the engine decodes most of them with its table-driven fast path)\n",
           same_ips[ROUNDS / 2] / 1e6, eng_ips[ROUNDS / 2] / same_ips[ROUNDS / 2]);
    printf("  virtualize marks:");
    for (int i = 1; i < PRESCAN_REASON_COUNT; i++)
        printf(" %s=%llu", prescan_reason_name((enum prescan_reason)i), (unsigned long long)st.virtualize[i]);
    printf("\n");
    free(scanned);
    free(entries);
    free(im.mem);
    free(file);
    return 0;
}
