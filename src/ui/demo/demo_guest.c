/* demo_guest.c — the demo guest's bytes and its ELF (symbols), linked in
 * by src/ui/demo/demo.mk. */
#include "ui/demo/demo_guest.h"

extern const uint8_t _binary_demo_bin_start[], _binary_demo_bin_end[];
extern const uint8_t _binary_demo_elf_start[], _binary_demo_elf_end[];

const uint8_t *demo_guest_image(size_t *len)
{
    *len = (size_t)(_binary_demo_bin_end - _binary_demo_bin_start);
    return _binary_demo_bin_start;
}

const uint8_t *demo_guest_symbols(size_t *len)
{
    *len = (size_t)(_binary_demo_elf_end - _binary_demo_elf_start);
    return _binary_demo_elf_start;
}
