/* prescan_mem.h — a plain guest-memory buffer for prescan tests. */
#ifndef SCOUT_TEST_PRESCAN_MEM_H
#define SCOUT_TEST_PRESCAN_MEM_H
#include <stdint.h>
#include <string.h>
#include "prescan/prescan.h"

struct tmem { uint64_t base; size_t size; uint8_t *bytes; int fail_reads; };

static int tmem_read(void *ctx, uint64_t page_gpa, uint8_t *page)
{
    struct tmem *m = ctx;
    if (m->fail_reads || page_gpa < m->base || page_gpa - m->base + PRESCAN_PAGE_SIZE > m->size)
        return -1;
    memcpy(page, m->bytes + (page_gpa - m->base), PRESCAN_PAGE_SIZE);
    return 0;
}
#endif
