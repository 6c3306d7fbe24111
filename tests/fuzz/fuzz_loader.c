/* libFuzzer target for src/monitor/loader: the pure parsers on every
 * input, and loader_load into a real VM (created once, 8 MiB; skipped
 * without /dev/kvm) with options taken from the input.
 * Input: [0] format (auto/elf/multiboot/bootsector/flat) and flat mode,
 * [1] flags (cpl 3, --load, --entry, a module, a command line),
 * [2..9] load address, [10..17] entry, [18..19] the module's length,
 * then the image (and after it the module's bytes, in a memfd file).
 * Oracle: a loaded image's segments lie below the reserved region and its
 * entry is inside a segment (ELF) or RAM (flat); errors are one line. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "monitor/kvm/kvm.h"
#include "monitor/loader/loader.h"

static struct vm *vm;
static int tried;

static uint64_t le(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

static void one_line(const char *err)
{
    if (!err[0] || strchr(err, '\n'))
        __builtin_trap();
}

static void check_image(const struct loader_image *li, uint64_t limit)
{
    for (unsigned i = 0; i < li->nseg; i++)
        if (li->seg[i].paddr > limit || li->seg[i].memsz > limit - li->seg[i].paddr ||
            li->seg[i].filesz > li->seg[i].memsz)
            __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[512];
    struct loader_image li;
    const uint64_t ram = 8u << 20, limit = ram - VM_RESERVED_SIZE;
    if (size < 20)
        return 0;
    /* the pure parsers, on the whole input */
    size_t off;
    (void)loader_find_multiboot(data, size, &off);
    (void)loader_detect(data, size);
    if (loader_parse_elf(data, size, limit, &li, err, sizeof err) == 0)
        check_image(&li, limit);
    else
        one_line(err);
    if (loader_parse_multiboot(data, size, limit, &li, err, sizeof err) == 0)
        check_image(&li, limit);
    else
        one_line(err);

    if (!tried) {
        tried = 1;
        struct vm_config cfg = { .mem_size = ram };
        if (vm_create(&cfg, &vm, err, sizeof err) != 0)
            vm = NULL;                  /* no KVM: the parsers only */
    }
    if (!vm)
        return 0;
    static const enum loader_format fmts[5] = { LOADER_AUTO, LOADER_ELF, LOADER_MULTIBOOT,
                                                LOADER_BOOTSECTOR, LOADER_FLAT };
    static const enum vm_mode modes[4] = { VM_MODE_REAL, VM_MODE_PROT32, VM_MODE_LONG64, VM_MODE_LONG64 };
    struct loader_opts o;
    memset(&o, 0, sizeof o);
    o.path = "fuzz";
    o.format = fmts[(data[0] & 7) % 5];
    if (o.format == LOADER_FLAT || (data[0] & 0x80))
        o.mode = modes[(data[0] >> 3) & 3];
    o.cpl = data[1] & 1 ? 3 : 0;
    o.have_load = (data[1] >> 1) & 1;
    o.have_entry = (data[1] >> 2) & 1;
    o.load_addr = le(data + 2, 8) % (ram * 2);
    o.entry = le(data + 10, 8) % (ram * 2);
    size_t mlen = (size_t)le(data + 18, 2);
    const uint8_t *img = data + 20;
    size_t ilen = size - 20;
    int mfd = -1;
    char mspec[64];
    if ((data[1] >> 3) & 1) {
        if (mlen > ilen)
            mlen = ilen;
        ilen -= mlen;
        mfd = memfd_create("fuzz-module", MFD_CLOEXEC);
        if (mfd >= 0 && (!mlen || write(mfd, img + ilen, mlen) == (ssize_t)mlen)) {
            snprintf(mspec, sizeof mspec, "/proc/self/fd/%d some args", mfd);
            o.modules[0] = mspec;
            o.nmodules = 1;
        }
    }
    if ((data[1] >> 4) & 1)
        o.cmdline = "console=ttyS0 fuzz";
    o.image = img;
    o.image_len = ilen;
    if (loader_load(vm, &o, &li, err, sizeof err) == 0) {
        check_image(&li, limit);
        if (li.format == LOADER_FLAT && li.entry >= limit)
            __builtin_trap();
    } else {
        one_line(err);
    }
    if (mfd >= 0)
        close(mfd);
    return 0;
}
