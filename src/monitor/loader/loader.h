/* loader.h — guest image loaders: ELF32/ELF64, Multiboot v1 (header with
 * a.out-kludge fields, or ELF), boot sector (a file whose first 512 bytes
 * end in 55 AA: only those are loaded), flat binary.
 * Parsing is pure (works on a buffer) so it can be unit tested; errors
 * name the field: "ELF program header 2: p_offset+p_filesz beyond end of file". */
#ifndef SCOUT_MONITOR_LOADER_H
#define SCOUT_MONITOR_LOADER_H
#include <stddef.h>
#include <stdint.h>
#include "monitor/kvm/kvm.h"

struct vm;

enum loader_format { LOADER_AUTO, LOADER_ELF, LOADER_MULTIBOOT, LOADER_BOOTSECTOR, LOADER_FLAT };

#define LOADER_MAX_SEGMENTS 32
struct loader_segment {
    uint64_t file_off, filesz, paddr, memsz;   /* [paddr, paddr+memsz), zero past filesz */
};
struct loader_image {
    enum loader_format format;
    enum vm_mode mode;
    uint64_t entry;
    unsigned nseg;
    struct loader_segment seg[LOADER_MAX_SEGMENTS];
    uint64_t load_end;          /* highest byte loaded + 1 (bss included) */
    int elf_class;              /* 32 or 64 for ELF, 0 otherwise */
    uint32_t mb_flags;          /* multiboot header flags */
    size_t file_size;           /* the bytes read from the file (or given) */
};

/* Pure parsers: 0, or -1 with err set to "FIELD: why".  ram_limit: the
 * highest usable guest-physical address + 1 (segments must fit below). */
int loader_find_multiboot(const uint8_t *img, size_t len, size_t *hdr_off); /* 1 found (checksum ok), 0 not found, -1 magic found but checksum bad */
int loader_parse_multiboot(const uint8_t *img, size_t len, uint64_t ram_limit,
                           struct loader_image *out, char *err, size_t errlen);
int loader_parse_elf(const uint8_t *img, size_t len, uint64_t ram_limit,
                     struct loader_image *out, char *err, size_t errlen);
enum loader_format loader_detect(const uint8_t *img, size_t len);

struct loader_opts {
    const char *path;            /* the file; with image set, only its name */
    const uint8_t *image;        /* optional: load these bytes instead of reading path */
    size_t image_len;
    enum loader_format format;   /* LOADER_AUTO: detect (flat when mode != 0) */
    enum vm_mode mode;           /* flat: required; others: 0 */
    int cpl;                     /* 0 or 3 (3 only in long64) */
    uint64_t load_addr, entry;   /* flat (entry defaults to load address) */
    int have_load, have_entry;
    const char *cmdline;         /* multiboot */
    const char *modules[16];     /* multiboot modules ("FILE" or "FILE args") */
    unsigned nmodules;
};

/* Reads the file, loads it into guest RAM and sets the initial CPU state.
 * Errors: "PATH: what: why" in err. */
int loader_load(struct vm *vm, const struct loader_opts *o, struct loader_image *img,
                char *err, size_t errlen);
const char *loader_format_name(enum loader_format f);

#endif
