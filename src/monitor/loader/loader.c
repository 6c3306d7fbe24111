/* loader.c — ELF, Multiboot v1, boot sector and flat images.  The parsers
 * are pure and check every field against the buffer and the RAM limit. */
#include "base/base.h"
#include "base/file.h"
#include "monitor/loader/loader.h"
#include "monitor/kvm/kvm.h"
#include <errno.h>
#include <stdio.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define MB_MAGIC 0x1BADB002u
#define MB_BOOT_MAGIC 0x2BADB002u
#define MB_SEARCH 8192u


static uint64_t le(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++) v |= (uint64_t)p[i] << (8 * i);
    return v;
}

const char *loader_format_name(enum loader_format f)
{
    switch (f) {
    case LOADER_ELF: return "elf";
    case LOADER_MULTIBOOT: return "multiboot";
    case LOADER_BOOTSECTOR: return "bootsector";
    case LOADER_FLAT: return "flat";
    default: return "auto";
    }
}

int loader_find_multiboot(const uint8_t *img, size_t len, size_t *hdr_off)
{
    size_t lim = len < MB_SEARCH ? len : MB_SEARCH;
    for (size_t off = 0; off + 12 <= lim; off += 4) {
        if (le(img + off, 4) != MB_MAGIC) continue;
        *hdr_off = off;
        uint32_t sum = (uint32_t)(MB_MAGIC + le(img + off + 4, 4) + le(img + off + 8, 4));
        return sum == 0 ? 1 : -1;
    }
    return 0;
}

static int is_elf(const uint8_t *img, size_t len)
{
    return len >= 4 && img[0] == 0x7f && img[1] == 'E' && img[2] == 'L' && img[3] == 'F';
}

enum loader_format loader_detect(const uint8_t *img, size_t len)
{
    size_t off;
    if (loader_find_multiboot(img, len, &off) != 0) return LOADER_MULTIBOOT;
    if (is_elf(img, len)) return LOADER_ELF;
    /* a boot sector, or a disk image whose first sector is one */
    if (len >= 512 && img[510] == 0x55 && img[511] == 0xAA) return LOADER_BOOTSECTOR;
    return LOADER_AUTO;
}

static int fits(uint64_t addr, uint64_t size, uint64_t limit)
{
    return addr <= limit && size <= limit - addr;
}

int loader_parse_elf(const uint8_t *img, size_t len, uint64_t ram_limit,
                     struct loader_image *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (!is_elf(img, len)) { base_err(err, errlen, "ELF header: bad magic (not an ELF file)"); return -1; }
    if (len < 16) { base_err(err, errlen, "ELF header: truncated (%zu bytes)", len); return -1; }
    int c64 = img[4] == 2;
    if (img[4] != 1 && img[4] != 2) { base_err(err, errlen, "ELF header: e_ident[EI_CLASS] %u is neither ELF32 nor ELF64", img[4]); return -1; }
    if (img[5] != 1) { base_err(err, errlen, "ELF header: e_ident[EI_DATA] %u: only little-endian is supported", img[5]); return -1; }
    size_t ehsize = c64 ? 64 : 52;
    if (len < ehsize) { base_err(err, errlen, "ELF header: truncated (%zu bytes, need %zu)", len, ehsize); return -1; }
    unsigned type = (unsigned)le(img + 16, 2), machine = (unsigned)le(img + 18, 2);
    if (type != 2 && type != 3) { base_err(err, errlen, "ELF header: e_type %u is not an executable", type); return -1; }
    if (machine != (c64 ? 62u : 3u)) { base_err(err, errlen, "ELF header: e_machine %u is not %s", machine, c64 ? "x86-64 (62)" : "i386 (3)"); return -1; }
    uint64_t entry = c64 ? le(img + 24, 8) : le(img + 24, 4);
    uint64_t phoff = c64 ? le(img + 32, 8) : le(img + 28, 4);
    unsigned phentsize = (unsigned)le(img + (c64 ? 54 : 42), 2), phnum = (unsigned)le(img + (c64 ? 56 : 44), 2);
    unsigned need = c64 ? 56 : 32;
    if (phnum == 0) { base_err(err, errlen, "ELF header: e_phnum is 0 (no program headers)"); return -1; }
    if (phentsize < need) { base_err(err, errlen, "ELF header: e_phentsize %u too small (need %u)", phentsize, need); return -1; }
    if (phoff > len || (uint64_t)phnum * phentsize > len - phoff) {
        base_err(err, errlen, "ELF header: e_phoff 0x%llx + %u program headers run past the end of the file (%zu bytes)",
               (unsigned long long)phoff, phnum, len);
        return -1;
    }
    out->format = LOADER_ELF;
    out->elf_class = c64 ? 64 : 32;
    out->mode = c64 ? VM_MODE_LONG64 : VM_MODE_PROT32;
    out->entry = entry;
    for (unsigned i = 0; i < phnum; i++) {
        const uint8_t *ph = img + phoff + (uint64_t)i * phentsize;
        if (le(ph, 4) != 1) continue;   /* PT_LOAD */
        uint64_t off, paddr, filesz, memsz;
        if (c64) { off = le(ph + 8, 8); paddr = le(ph + 24, 8); filesz = le(ph + 32, 8); memsz = le(ph + 40, 8); }
        else { off = le(ph + 4, 4); paddr = le(ph + 12, 4); filesz = le(ph + 16, 4); memsz = le(ph + 20, 4); }
        if (filesz > memsz) {
            base_err(err, errlen, "ELF program header %u: p_filesz 0x%llx larger than p_memsz 0x%llx", i,
                   (unsigned long long)filesz, (unsigned long long)memsz);
            return -1;
        }
        if (off > len || filesz > len - off) {
            base_err(err, errlen, "ELF program header %u: p_offset 0x%llx + p_filesz 0x%llx beyond end of file (%zu bytes)",
                   i, (unsigned long long)off, (unsigned long long)filesz, len);
            return -1;
        }
        if (memsz == 0) continue;
        if (!fits(paddr, memsz, ram_limit)) {
            base_err(err, errlen, "ELF program header %u: segment p_paddr 0x%llx size 0x%llx outside guest RAM (usable below 0x%llx)",
                   i, (unsigned long long)paddr, (unsigned long long)memsz, (unsigned long long)ram_limit);
            return -1;
        }
        if (out->nseg == LOADER_MAX_SEGMENTS) { base_err(err, errlen, "ELF program header %u: more than %d PT_LOAD segments", i, LOADER_MAX_SEGMENTS); return -1; }
        out->seg[out->nseg++] = (struct loader_segment){ off, filesz, paddr, memsz };
        if (paddr + memsz > out->load_end) out->load_end = paddr + memsz;
    }
    if (out->nseg == 0) { base_err(err, errlen, "ELF program headers: no PT_LOAD segment"); return -1; }
    if (entry >= ram_limit) { base_err(err, errlen, "ELF header: e_entry 0x%llx outside guest RAM", (unsigned long long)entry); return -1; }
    /* Guest RAM is identity-mapped at boot: the entry must be loaded code. */
    unsigned in = 0;
    while (in < out->nseg && (entry < out->seg[in].paddr || entry - out->seg[in].paddr >= out->seg[in].memsz))
        in++;
    if (in == out->nseg) {
        base_err(err, errlen, "ELF header: e_entry 0x%llx is not inside any PT_LOAD segment", (unsigned long long)entry);
        return -1;
    }
    return 0;
}

int loader_parse_multiboot(const uint8_t *img, size_t len, uint64_t ram_limit,
                           struct loader_image *out, char *err, size_t errlen)
{
    size_t h;
    memset(out, 0, sizeof *out);
    int f = loader_find_multiboot(img, len, &h);
    if (f == 0) { base_err(err, errlen, "multiboot header: magic 0x1BADB002 not found in the first 8 KiB"); return -1; }
    uint32_t flags = (uint32_t)le(img + h + 4, 4);
    if (f < 0) {
        base_err(err, errlen, "multiboot header at offset 0x%zx: checksum 0x%08x wrong (magic+flags+checksum must be 0)",
               h, (unsigned)le(img + h + 8, 4));
        return -1;
    }
    if (flags & 0xfffc) {
        base_err(err, errlen, "multiboot header: flags 0x%08x request unsupported features (bits 2-15)", flags);
        return -1;
    }
    if (flags & 0x10000) {
        if (h + 32 > len) { base_err(err, errlen, "multiboot header: address fields (flag 16) truncated"); return -1; }
        uint64_t hdr = le(img + h + 12, 4), load = le(img + h + 16, 4), load_end = le(img + h + 20, 4),
                 bss_end = le(img + h + 24, 4), entry = le(img + h + 28, 4);
        if (load > hdr || hdr - load > h) {
            base_err(err, errlen, "multiboot header: load_addr 0x%llx / header_addr 0x%llx: load would start before the file",
                   (unsigned long long)load, (unsigned long long)hdr);
            return -1;
        }
        uint64_t off = h - (hdr - load), avail = len - off;
        if (load_end == 0) load_end = load + avail;
        if (load_end < load || load_end - load > avail) {
            base_err(err, errlen, "multiboot header: load_end_addr 0x%llx beyond the end of the file", (unsigned long long)load_end);
            return -1;
        }
        if (bss_end == 0) bss_end = load_end;
        if (bss_end < load_end) { base_err(err, errlen, "multiboot header: bss_end_addr 0x%llx below load_end_addr", (unsigned long long)bss_end); return -1; }
        if (!fits(load, bss_end - load, ram_limit)) {
            base_err(err, errlen, "multiboot header: load_addr 0x%llx..bss_end_addr 0x%llx outside guest RAM (usable below 0x%llx)",
                   (unsigned long long)load, (unsigned long long)bss_end, (unsigned long long)ram_limit);
            return -1;
        }
        if (entry < load || entry >= load_end) {
            base_err(err, errlen, "multiboot header: entry_addr 0x%llx outside the loaded image", (unsigned long long)entry);
            return -1;
        }
        out->format = LOADER_MULTIBOOT;
        out->nseg = 1;
        out->seg[0] = (struct loader_segment){ off, load_end - load, load, bss_end - load };
        out->load_end = bss_end;
        out->entry = entry;
    } else {
        if (!is_elf(img, len)) {
            base_err(err, errlen, "multiboot header: flags bit 16 (address fields) clear and the image is not ELF");
            return -1;
        }
        if (loader_parse_elf(img, len, ram_limit, out, err, errlen) < 0) return -1;
        if (out->entry > 0xffffffffu) { base_err(err, errlen, "ELF header: e_entry beyond 4 GiB for a multiboot kernel"); return -1; }
        out->format = LOADER_MULTIBOOT;
    }
    out->mode = VM_MODE_PROT32;
    out->mb_flags = flags;
    return 0;
}

/* ---- loading into a VM ---- */

/* The image or a module: a regular file, or a pipe (cat guest.elf |
 * scout /dev/stdin), never more than max bytes. */
static int read_file(const char *path, uint64_t max, uint8_t **buf, size_t *len, char *err, size_t errlen)
{
    struct base_file f;
    char why[256];
    char *b;
    *buf = NULL; *len = 0;
    if (base_file_open_read(path, BASE_FILE_STREAM, &f, why, sizeof why) < 0)
        return base_err(err, errlen, "%s: cannot open: %s", path, why);
    int rc = base_file_read_all(&f, max > SIZE_MAX - 1 ? SIZE_MAX - 1 : (size_t)max, NULL, NULL, &b, len, why, sizeof why);
    base_file_close(&f);
    if (rc < 0)
        return base_err(err, errlen, "%s: %s%s", path, why, strncmp(why, "larger", 6) ? "" : ": does not fit in guest RAM");
    if (*len == 0) {
        free(b);
        return base_err(err, errlen, "%s: empty file (0 bytes)", path);
    }
    *buf = (uint8_t *)b;
    return 0;
}

static int zero_phys(struct vm *vm, uint64_t gpa, uint64_t n)
{
    static const uint8_t z[4096];
    while (n) {
        size_t c = n > sizeof z ? sizeof z : (size_t)n;
        if (gmem_write_phys(vm, gpa, z, c) < 0) return -1;
        gpa += c; n -= c;
    }
    return 0;
}

static int copy_segments(struct vm *vm, const uint8_t *img, const struct loader_image *li)
{
    for (unsigned i = 0; i < li->nseg; i++) {
        const struct loader_segment *s = &li->seg[i];
        if (gmem_write_phys(vm, s->paddr, img + s->file_off, s->filesz) < 0) return -1;
        if (zero_phys(vm, s->paddr + s->filesz, s->memsz - s->filesz) < 0) return -1;
    }
    return 0;
}

static void put32(uint8_t *p, uint32_t v) { for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i)); }
static void put64(uint8_t *p, uint64_t v) { for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i)); }

struct strtab { struct vm *vm; uint64_t base, used, cap; };
static int add_str(struct strtab *t, const char *s, uint32_t *addr)
{
    size_t n = strlen(s) + 1;
    if (n > t->cap - t->used) return -1;
    if (gmem_write_phys(t->vm, t->base + t->used, s, n) < 0) return -1;
    *addr = (uint32_t)(t->base + t->used);
    t->used += n;
    return 0;
}

static int multiboot_info(struct vm *vm, const struct loader_opts *o, uint64_t end,
                          uint32_t *info_addr, char *err, size_t errlen)
{
    uint64_t res = vm_reserved_base(vm);
    uint8_t info[0x1000];
    memset(info, 0, sizeof info);
    struct strtab st = { vm, res + VM_RES_STRINGS, 0, VM_RES_PML4 - VM_RES_STRINGS };
    uint32_t a;
    uint32_t flags = 0x1 | 0x4 | 0x8 | 0x40 | 0x200;
    put32(info + 4, VM_EBDA_BASE / 1024);
    put32(info + 8, (uint32_t)((res - 0x100000) / 1024));
    /* As GRUB and QEMU pass it: the kernel's path, then its arguments
     * (kvm-unit-tests take the first word as argv[0]). */
    char cmd[VM_RES_PML4 - VM_RES_STRINGS];
    const char *args = o->cmdline ? o->cmdline : "";
    if ((size_t)snprintf(cmd, sizeof cmd, "%s%s%s", o->path, *args ? " " : "", args) >= sizeof cmd ||
        add_str(&st, cmd, &a) < 0) {
        base_err(err, errlen, "--cmdline: too long");
        return -1;
    }
    put32(info + 16, a);
    if (add_str(&st, "scout", &a) < 0) return -1;
    put32(info + 64, a);
    /* modules, page-aligned after the kernel */
    uint64_t next = (end + 0xfff) & ~0xfffull;
    if (next < 0x100000) next = 0x100000;
    for (unsigned i = 0; i < o->nmodules; i++) {
        char path[4096];
        const char *spec = o->modules[i], *sp = strchr(spec, ' ');
        size_t pl = sp ? (size_t)(sp - spec) : strlen(spec);
        if (pl >= sizeof path) { base_err(err, errlen, "--module %u: path too long", i + 1); return -1; }
        memcpy(path, spec, pl); path[pl] = 0;
        uint8_t *b; size_t n;
        if (read_file(path, res, &b, &n, err, errlen) < 0) return -1;
        if (!fits(next, n, res)) { free(b); base_err(err, errlen, "%s: module does not fit in guest RAM", path); return -1; }
        int w = gmem_write_phys(vm, next, b, n);
        free(b);
        if (w < 0 || add_str(&st, spec, &a) < 0) { base_err(err, errlen, "%s: cannot place module", path); return -1; }
        uint8_t *m = info + 0x100 + 16 * i;
        put32(m, (uint32_t)next); put32(m + 4, (uint32_t)(next + n)); put32(m + 8, a);
        next = (next + n + 0xfff) & ~0xfffull;
    }
    put32(info + 20, o->nmodules);
    put32(info + 24, (uint32_t)(res + VM_RES_BOOTINFO + 0x100));
    struct vm_map_entry mm[VM_MAP_MAX];
    unsigned nmm = vm_memory_map(vm, mm);
    for (unsigned i = 0; i < nmm; i++) {
        uint8_t *e = info + 0x200 + 24 * i;
        put32(e, 20); put64(e + 4, mm[i].base); put64(e + 12, mm[i].len); put32(e + 20, mm[i].type);
    }
    put32(info + 44, 24 * nmm);
    put32(info + 48, (uint32_t)(res + VM_RES_BOOTINFO + 0x200));
    put32(info, flags);
    *info_addr = (uint32_t)(res + VM_RES_BOOTINFO);
    return gmem_write_phys(vm, res + VM_RES_BOOTINFO, info, sizeof info);
}

int loader_load(struct vm *vm, const struct loader_opts *o, struct loader_image *li,
                char *err, size_t errlen)
{
    uint8_t *img;
    size_t len;
    char e2[200];
    uint64_t limit = vm_reserved_base(vm);
    memset(li, 0, sizeof *li);
    if (o->image) {
        if (o->image_len == 0 || o->image_len > limit || !(img = malloc(o->image_len))) {
            base_err(err, errlen, "%s: image of %zu bytes does not fit in guest RAM", o->path, o->image_len);
            return -1;
        }
        memcpy(img, o->image, o->image_len);
        len = o->image_len;
    } else if (read_file(o->path, limit, &img, &len, err, errlen) < 0) {
        return -1;
    }
    enum loader_format fmt = o->format;
    if (fmt == LOADER_AUTO && o->mode) fmt = LOADER_FLAT;
    if (fmt == LOADER_AUTO) fmt = loader_detect(img, len);
    int rc = -1;
    switch (fmt) {
    case LOADER_AUTO:
        base_err(err, errlen, "%s: unrecognized image: no Multiboot header in the first 8 KiB, no ELF header, "
               "no boot sector (first 512 bytes ending in 55 AA) (use --mode real|prot32|long64 for a flat binary)", o->path);
        goto out;
    case LOADER_ELF:
        if (loader_parse_elf(img, len, limit, li, e2, sizeof e2) < 0) { base_err(err, errlen, "%s: %s", o->path, e2); goto out; }
        break;
    case LOADER_MULTIBOOT:
        if (loader_parse_multiboot(img, len, limit, li, e2, sizeof e2) < 0) { base_err(err, errlen, "%s: %s", o->path, e2); goto out; }
        break;
    case LOADER_BOOTSECTOR:
        if (len < 512 || img[510] != 0x55 || img[511] != 0xAA) {
            base_err(err, errlen, "%s: boot sector: the first 512 bytes must end in 55 AA (%s)", o->path,
                     len < 512 ? "the file is shorter" : "they do not");
            goto out;
        }
        li->format = LOADER_BOOTSECTOR; li->mode = VM_MODE_REAL; li->entry = 0x7c00;
        li->nseg = 1; li->seg[0] = (struct loader_segment){ 0, 512, 0x7c00, 512 };
        li->load_end = 0x7e00;
        break;
    case LOADER_FLAT: {
        if (!o->mode) { base_err(err, errlen, "%s: flat binary: --mode real|prot32|long64 is required", o->path); goto out; }
        uint64_t load = o->have_load ? o->load_addr : (o->mode == VM_MODE_REAL ? 0x7c00 : 0x100000);
        uint64_t lim = o->mode == VM_MODE_REAL && limit > 0x100000 ? 0x100000 : limit;
        if (!fits(load, len, lim)) {
            base_err(err, errlen, "%s: --load 0x%llx: %zu bytes do not fit in guest RAM%s", o->path,
                   (unsigned long long)load, len, o->mode == VM_MODE_REAL ? " below 1 MiB" : "");
            goto out;
        }
        li->format = LOADER_FLAT; li->mode = o->mode;
        li->entry = o->have_entry ? o->entry : load;
        if (li->entry >= lim) {
            base_err(err, errlen, "%s: --entry 0x%llx: outside guest RAM (usable below 0x%llx%s)", o->path,
                     (unsigned long long)li->entry, (unsigned long long)lim, o->mode == VM_MODE_REAL ? " in real mode" : "");
            goto out;
        }
        li->nseg = 1; li->seg[0] = (struct loader_segment){ 0, len, load, len };
        li->load_end = load + len;
        break;
    }
    }
    if (o->cpl && li->mode != VM_MODE_LONG64) {
        base_err(err, errlen, "%s: --cpl %d needs a 64-bit guest (this %s image starts in %d-bit mode)", o->path, o->cpl,
               loader_format_name(li->format), (int)li->mode);
        goto out;
    }
    if (copy_segments(vm, img, li) < 0) { base_err(err, errlen, "%s: cannot copy segments into guest RAM", o->path); goto out; }
    if (vm_boot_cpu(vm, li->mode, o->cpl, li->entry, 0, e2, sizeof e2) < 0) { base_err(err, errlen, "%s: %s", o->path, e2); goto out; }
    struct kvm_regs r;
    if (vcpu_get_regs(vm_vcpu(vm), &r) < 0) { base_err(err, errlen, "%s: KVM_GET_REGS: %s", o->path, strerror(errno)); goto out; }
    if (li->format == LOADER_MULTIBOOT) {
        uint32_t info;
        if (multiboot_info(vm, o, li->load_end, &info, e2, sizeof e2) < 0) { base_err(err, errlen, "%s: %s", o->path, e2); goto out; }
        r.rax = MB_BOOT_MAGIC; r.rbx = info;
    } else if (li->format == LOADER_BOOTSECTOR) {
        r.rdx = 0x80;
    }
    vcpu_set_regs(vm_vcpu(vm), &r);
    li->file_size = len;
    rc = 0;
out:
    free(img);
    return rc;
}
