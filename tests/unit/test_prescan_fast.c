/* The prescan engine's table-driven fast decoder against Zydis, on every
 * byte offset of real code on this machine (libc's .text) in 64-, 32- and
 * 16-bit mode, on random bytes and on random prefix/opcode mixes: wherever
 * the fast path accepts an offset, Zydis (the engine's own decoders, both
 * branch flavours) must decode it to the very same facts, the only input
 * classification has.  White-box: it uses src/prescan's private header. */
#include <elf.h>
#include <stdlib.h>
#include <Zydis/Zydis.h>
#include "check.h"
#include "prescan/prescan_priv.h"

static ZydisDecoder dec[3][2];            /* [16/32/64][amd_branches] */
static unsigned long long accepted, offsets, mismatches;

static int mode_i(unsigned bits) { return bits == 64 ? 2 : bits == 32 ? 1 : 0; }

static void dump(const char *what, unsigned bits, const uint8_t *p, size_t max)
{
    if (mismatches++ >= 10)
        return;
    printf("# %s, %u-bit:", what, bits);
    for (size_t i = 0; i < max && i < 15; i++)
        printf(" %02x", p[i]);
    printf("\n");
}

/* Every offset of buf in the given mode; max is what is left of buf, or
 * shorter when short_max (the window end cutting an instruction). */
static void compare_all(const uint8_t *buf, size_t size, unsigned bits, int short_max)
{
    unsigned long long bad = mismatches;
    for (size_t off = 0; off < size; off++) {
        size_t max = size - off;
        if (short_max && max > 1 + off % 15)
            max = 1 + off % 15;
        struct insn_facts ff, zf;
        offsets++;
        if (!prescan_decode_fast(bits, buf + off, max, &ff))
            continue;
        accepted++;
        for (int amd = 0; amd < 2; amd++) {
            ZydisDecodedInstruction in;
            if (!ZYAN_SUCCESS(ZydisDecoderDecodeInstruction(&dec[mode_i(bits)][amd], NULL, buf + off, max, &in))) {
                dump("Zydis rejects", bits, buf + off, max);
                continue;
            }
            prescan_facts_of_zydis(&in, amd, &zf);
            int same = ff.len == zf.len && ff.mnemonic == zf.mnemonic && ff.map == zf.map &&
                       ff.opcode == zf.opcode && ff.modrm_reg == zf.modrm_reg && ff.rel == zf.rel &&
                       ff.ip16 == zf.ip16 && ff.disp == zf.disp;
            if (!same) {
                dump("facts differ", bits, buf + off, max);
                if (mismatches <= 10)
                    printf("#   fast len %u %s rel %u disp %lld reg %u; Zydis len %u %s rel %u disp %lld reg %u\n",
                           ff.len, ZydisMnemonicGetString((ZydisMnemonic)ff.mnemonic), ff.rel, (long long)ff.disp,
                           ff.modrm_reg, zf.len, ZydisMnemonicGetString((ZydisMnemonic)zf.mnemonic), zf.rel,
                           (long long)zf.disp, zf.modrm_reg);
            }
        }
    }
    CHECK_EQ(mismatches - bad, 0);        /* the first ten are shown above */
}

/* .text of an ELF64 file, malloc'd; NULL if unreadable. */
static uint8_t *load_text(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    Elf64_Ehdr eh;
    uint8_t *text = NULL;
    if (fread(&eh, sizeof eh, 1, f) == 1 && memcmp(eh.e_ident, ELFMAG, SELFMAG) == 0 &&
        eh.e_ident[EI_CLASS] == ELFCLASS64 && eh.e_shentsize == sizeof(Elf64_Shdr) && eh.e_shstrndx < eh.e_shnum) {
        Elf64_Shdr *sh = calloc(eh.e_shnum, sizeof *sh);
        char names[4096] = { 0 };
        if (sh && fseek(f, (long)eh.e_shoff, SEEK_SET) == 0 && fread(sh, sizeof *sh, eh.e_shnum, f) == eh.e_shnum &&
            fseek(f, (long)sh[eh.e_shstrndx].sh_offset, SEEK_SET) == 0 &&
            fread(names, 1, sizeof names - 1, f) > 0) {
            for (unsigned i = 0; i < eh.e_shnum; i++) {
                if (sh[i].sh_name >= sizeof names - 8 || strcmp(names + sh[i].sh_name, ".text") != 0)
                    continue;
                text = malloc(sh[i].sh_size);
                if (text && (fseek(f, (long)sh[i].sh_offset, SEEK_SET) != 0 ||
                             fread(text, 1, sh[i].sh_size, f) != sh[i].sh_size)) {
                    free(text);
                    text = NULL;
                }
                *size = sh[i].sh_size;
                break;
            }
        }
        free(sh);
    }
    fclose(f);
    return text;
}

TEST(fast_decoder_matches_zydis_on_libc)
{
    size_t size = 0;
    uint8_t *text = load_text("/lib/x86_64-linux-gnu/libc.so.6", &size);
    CHECK(text != NULL && size > 100000);
    if (!text)
        return;
    unsigned long long a0 = accepted, o0 = offsets;
    compare_all(text, size, 64, 0);
    printf("# libc .text, 64-bit: fast path took %.1f%% of %llu offsets\n",
           100.0 * (double)(accepted - a0) / (double)(offsets - o0), offsets - o0);
    compare_all(text, size, 32, 0);
    compare_all(text, size / 4, 16, 0);      /* 16-bit: a quarter is plenty */
    compare_all(text, size / 8, 64, 1);      /* a window end inside instructions */
    free(text);
}

static uint64_t rng = 0x2545f4914f6cdd1dull;
static uint32_t rnd(void)
{
    rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17;
    return (uint32_t)(rng >> 16);
}

TEST(fast_decoder_matches_zydis_on_random_bytes)
{
    enum { N = 1 << 20 };
    uint8_t *buf = malloc(N);
    CHECK(buf != NULL);
    if (!buf)
        return;
    for (size_t i = 0; i < N; i++)
        buf[i] = (uint8_t)rnd();
    compare_all(buf, N / 2, 64, 0);
    compare_all(buf + N / 2, N / 4, 32, 0);
    compare_all(buf + 3 * N / 4, N / 4, 16, 1);
    /* prefix runs (the only ones the fast path takes, REX, and some it
     * must refuse) before 0F and one-byte opcodes: what random bytes rarely
     * hit */
    static const uint8_t pre[] = { 0x66, 0x66, 0x2e, 0x3e, 0x26, 0x36, 0x64, 0x65, 0x40, 0x41, 0x48, 0x4c,
                                   0x4f, 0xf0, 0xf2, 0xf3, 0x67, 0x0f, 0x0f, 0x0f };
    size_t i = 0;
    while (i + 20 < N) {
        unsigned np = rnd() % 5;
        for (unsigned k = 0; k < np; k++)
            buf[i++] = pre[rnd() % sizeof pre];
        i += 1 + rnd() % 8;                   /* random opcode, ModRM, ... */
    }
    compare_all(buf, N / 2, 64, 0);
    compare_all(buf + N / 2, N / 4, 32, 0);
    compare_all(buf + 3 * N / 4, N / 4, 16, 0);
    free(buf);
}

int main(void)
{
    for (int m = 0; m < 3; m++)
        for (int amd = 0; amd < 2; amd++)
            if (prescan_decoder_init(&dec[m][amd], m == 2 ? 64 : m == 1 ? 32 : 16, amd, 1) != 0) {
                printf("not ok init: Zydis decoder\n");
                return 1;
            }
    RUN(fast_decoder_matches_zydis_on_libc);
    RUN(fast_decoder_matches_zydis_on_random_bytes);
    printf("# fast path accepted %llu of %llu offsets; %llu mismatches\n", accepted, offsets, mismatches);
    CHECK_EXIT();
}
