/* demo_guest.h — the guest scout runs when started with no guest file. */
#ifndef SCOUT_UI_DEMO_GUEST_H
#define SCOUT_UI_DEMO_GUEST_H
#include <stddef.h>
#include <stdint.h>

#define DEMO_GUEST_NAME "demo"
#define DEMO_GUEST_LOAD 0x400000u      /* flat 64-bit image: load address = entry */

const uint8_t *demo_guest_image(size_t *len);
/* The ELF the image was cut from: its symbols (`break mul_far`). */
const uint8_t *demo_guest_symbols(size_t *len);
#endif
