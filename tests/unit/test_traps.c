/* Trap table on a plain buffer standing in for guest-physical memory. */
#include "check.h"
#include "monitor/enforce/traps.h"

#define MEM_SIZE (3 * 4096)
static uint8_t mem[MEM_SIZE];

static int mem_read(void *ctx, uint64_t gpa, void *buf, size_t len)
{
    (void)ctx;
    if (gpa > MEM_SIZE || len > MEM_SIZE - gpa) return -1;
    memcpy(buf, mem + gpa, len);
    return 0;
}
static int mem_write(void *ctx, uint64_t gpa, const void *buf, size_t len)
{
    (void)ctx;
    if (gpa > MEM_SIZE || len > MEM_SIZE - gpa) return -1;
    memcpy(mem + gpa, buf, len);
    return 0;
}
static const struct trap_mem tmem = { NULL, mem_read, mem_write };

static void fill(void) { for (size_t i = 0; i < MEM_SIZE; i++) mem[i] = (uint8_t)(i * 7 + 1); }

TEST(plant_and_remove_restores_original)
{
    fill();
    struct trap_table *tt = trap_table_new(&tmem, 0xEE);
    uint8_t before = mem[0x1010], orig = 0;
    CHECK_EQ(trap_plant(tt, 0x1010, TRAP_VIRTUALIZE), 0);
    CHECK_EQ(mem[0x1010], 0xEE);
    CHECK_EQ(trap_kinds(tt, 0x1010), TRAP_VIRTUALIZE);
    CHECK_EQ(trap_original(tt, 0x1010, &orig), 0);
    CHECK_EQ(orig, before);
    /* A second kind on the same byte keeps the first original. */
    CHECK_EQ(trap_plant(tt, 0x1010, TRAP_STEP), 0);
    CHECK_EQ(trap_kinds(tt, 0x1010), TRAP_VIRTUALIZE | TRAP_STEP);
    CHECK_EQ(trap_count(tt), 1);
    CHECK_EQ(trap_remove(tt, 0x1010, TRAP_VIRTUALIZE), 0);
    CHECK_EQ(mem[0x1010], 0xEE);
    CHECK_EQ(trap_remove(tt, 0x1010, TRAP_STEP), 0);
    CHECK_EQ(mem[0x1010], before);
    CHECK_EQ(trap_kinds(tt, 0x1010), 0);
    CHECK_EQ(trap_count(tt), 0);
    CHECK(trap_original(tt, 0x1010, &orig) == -1);
    trap_table_free(tt);
}

TEST(undo_shows_guest_bytes_across_pages)
{
    fill();
    struct trap_table *tt = trap_table_new(&tmem, 0xEE);
    uint8_t want[8];
    memcpy(want, mem + 0xFFC, 8);
    trap_plant(tt, 0xFFD, TRAP_VIRTUALIZE);
    trap_plant(tt, 0x1001, TRAP_VIRTUALIZE);
    uint8_t copy[8];
    memcpy(copy, mem + 0xFFC, 8);
    CHECK_EQ(copy[1], 0xEE);
    CHECK_EQ(copy[5], 0xEE);
    trap_undo(tt, 0xFFC, copy, 8);
    CHECK(memcmp(copy, want, 8) == 0);
    CHECK_EQ(trap_count_page(tt, 0x0), 1);
    CHECK_EQ(trap_count_page(tt, 0x1000), 1);
    trap_table_free(tt);
}

TEST(guest_write_over_trap_updates_original_only)
{
    fill();
    struct trap_table *tt = trap_table_new(&tmem, 0xEE);
    trap_plant(tt, 0x1002, TRAP_VIRTUALIZE);
    const uint8_t data[4] = { 0x11, 0x22, 0x33, 0x44 };
    CHECK_EQ(trap_guest_write(tt, 0x1000, data, 4), 0);
    CHECK_EQ(mem[0x1000], 0x11);
    CHECK_EQ(mem[0x1001], 0x22);
    CHECK_EQ(mem[0x1002], 0xEE);      /* trap survives */
    CHECK_EQ(mem[0x1003], 0x44);
    uint8_t orig = 0;
    trap_original(tt, 0x1002, &orig);
    CHECK_EQ(orig, 0x33);
    trap_remove(tt, 0x1002, TRAP_VIRTUALIZE);
    CHECK_EQ(mem[0x1002], 0x33);
    trap_table_free(tt);
}

TEST(suspend_and_rearm)
{
    fill();
    struct trap_table *tt = trap_table_new(&tmem, 0xEE);
    uint8_t b0 = mem[0x20], b3 = mem[0x23];
    trap_plant(tt, 0x20, TRAP_VIRTUALIZE);
    trap_plant(tt, 0x23, TRAP_VIRTUALIZE);   /* overlapping start inside */
    CHECK(trap_is_armed(tt, 0x20));
    CHECK_EQ(trap_suspend_range(tt, 0x20, 5), 0);
    CHECK(trap_has_suspended(tt));
    CHECK(!trap_is_armed(tt, 0x20));
    CHECK_EQ(trap_kinds(tt, 0x20), TRAP_VIRTUALIZE);
    CHECK_EQ(mem[0x20], b0);
    CHECK_EQ(mem[0x23], b3);
    /* A guest write while suspended lands in memory and in the original. */
    const uint8_t nb = 0x90;
    trap_guest_write(tt, 0x23, &nb, 1);
    CHECK_EQ(mem[0x23], 0x90);
    CHECK_EQ(trap_rearm_suspended(tt), 0);
    CHECK(!trap_has_suspended(tt));
    CHECK_EQ(mem[0x20], 0xEE);
    CHECK_EQ(mem[0x23], 0xEE);
    trap_remove(tt, 0x23, TRAP_VIRTUALIZE);
    CHECK_EQ(mem[0x23], 0x90);
    /* Removing a suspended trap forgets it: rearm must not replant it. */
    trap_suspend_range(tt, 0x20, 1);
    trap_remove(tt, 0x20, TRAP_VIRTUALIZE);
    trap_rearm_suspended(tt);
    CHECK_EQ(mem[0x20], b0);
    trap_table_free(tt);
}

TEST(remove_page_and_kind_with_many_pages)
{
    fill();
    struct trap_table *tt = trap_table_new(&tmem, 0xEE);
    uint8_t saved[MEM_SIZE];
    memcpy(saved, mem, MEM_SIZE);
    for (uint64_t a = 0; a < MEM_SIZE; a += 5)
        CHECK_EQ(trap_plant(tt, a, (a / 5) % 2 ? TRAP_STEP : TRAP_VIRTUALIZE), 0);
    size_t total = (MEM_SIZE + 4) / 5;
    CHECK_EQ(trap_count(tt), total);
    size_t in_page1 = trap_count_page(tt, 0x1000);
    CHECK_EQ(trap_remove_page(tt, 0x1000), in_page1);
    CHECK(memcmp(mem + 0x1000, saved + 0x1000, 4096) == 0);
    size_t steps = trap_remove_kind(tt, TRAP_STEP);
    CHECK(steps > 0);
    CHECK_EQ(trap_count(tt), total - in_page1 - steps);
    for (uint64_t a = 0; a < MEM_SIZE; a += 5)
        trap_remove(tt, a, TRAP_VIRTUALIZE);
    CHECK_EQ(trap_count(tt), 0);
    CHECK(memcmp(mem, saved, MEM_SIZE) == 0);
    trap_table_free(tt);
}

TEST(unreadable_memory_is_an_error)
{
    struct trap_table *tt = trap_table_new(&tmem, 0xEE);
    CHECK_EQ(trap_plant(tt, MEM_SIZE + 10, TRAP_VIRTUALIZE), (uint64_t)-1);
    CHECK_EQ(trap_count(tt), 0);
    trap_table_free(tt);
}

int main(void)
{
    RUN(plant_and_remove_restores_original);
    RUN(undo_shows_guest_bytes_across_pages);
    RUN(guest_write_over_trap_updates_original_only);
    RUN(suspend_and_rearm);
    RUN(remove_page_and_kind_with_many_pages);
    RUN(unreadable_memory_is_an_error);
    CHECK_EXIT();
}
