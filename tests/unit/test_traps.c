/* Trap table on a plain buffer standing in for guest-physical memory. */
#include "check.h"
#include "monitor/enforce/enforce.h"

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
static const struct enf_trap_mem tmem = { NULL, mem_read, mem_write };

static void fill(void) { for (size_t i = 0; i < MEM_SIZE; i++) mem[i] = (uint8_t)(i * 7 + 1); }

TEST(plant_and_remove_restores_original)
{
    fill();
    struct enf_trap_table *tt = enf_trap_table_new(&tmem, 0xEE);
    uint8_t before = mem[0x1010], orig = 0;
    CHECK_EQ(enf_trap_plant(tt, 0x1010, ENF_TRAP_VIRTUALIZE), 0);
    CHECK_EQ(mem[0x1010], 0xEE);
    CHECK_EQ(enf_trap_kinds(tt, 0x1010), ENF_TRAP_VIRTUALIZE);
    CHECK_EQ(enf_trap_original(tt, 0x1010, &orig), 0);
    CHECK_EQ(orig, before);
    /* A second kind on the same byte keeps the first original. */
    CHECK_EQ(enf_trap_plant(tt, 0x1010, ENF_TRAP_STEP), 0);
    CHECK_EQ(enf_trap_kinds(tt, 0x1010), ENF_TRAP_VIRTUALIZE | ENF_TRAP_STEP);
    CHECK_EQ(enf_trap_count(tt), 1);
    CHECK_EQ(enf_trap_remove(tt, 0x1010, ENF_TRAP_VIRTUALIZE), 0);
    CHECK_EQ(mem[0x1010], 0xEE);
    CHECK_EQ(enf_trap_remove(tt, 0x1010, ENF_TRAP_STEP), 0);
    CHECK_EQ(mem[0x1010], before);
    CHECK_EQ(enf_trap_kinds(tt, 0x1010), 0);
    CHECK_EQ(enf_trap_count(tt), 0);
    CHECK(enf_trap_original(tt, 0x1010, &orig) == -1);
    enf_trap_table_free(tt);
}

TEST(undo_shows_guest_bytes_across_pages)
{
    fill();
    struct enf_trap_table *tt = enf_trap_table_new(&tmem, 0xEE);
    uint8_t want[8];
    memcpy(want, mem + 0xFFC, 8);
    enf_trap_plant(tt, 0xFFD, ENF_TRAP_VIRTUALIZE);
    enf_trap_plant(tt, 0x1001, ENF_TRAP_VIRTUALIZE);
    uint8_t copy[8];
    memcpy(copy, mem + 0xFFC, 8);
    CHECK_EQ(copy[1], 0xEE);
    CHECK_EQ(copy[5], 0xEE);
    enf_trap_undo(tt, 0xFFC, copy, 8);
    CHECK(memcmp(copy, want, 8) == 0);
    CHECK_EQ(enf_trap_count_page(tt, 0x0), 1);
    CHECK_EQ(enf_trap_count_page(tt, 0x1000), 1);
    enf_trap_table_free(tt);
}

TEST(guest_write_over_trap_updates_original_only)
{
    fill();
    struct enf_trap_table *tt = enf_trap_table_new(&tmem, 0xEE);
    enf_trap_plant(tt, 0x1002, ENF_TRAP_VIRTUALIZE);
    const uint8_t data[4] = { 0x11, 0x22, 0x33, 0x44 };
    CHECK_EQ(enf_trap_guest_write(tt, 0x1000, data, 4), 0);
    CHECK_EQ(mem[0x1000], 0x11);
    CHECK_EQ(mem[0x1001], 0x22);
    CHECK_EQ(mem[0x1002], 0xEE);      /* trap survives */
    CHECK_EQ(mem[0x1003], 0x44);
    uint8_t orig = 0;
    enf_trap_original(tt, 0x1002, &orig);
    CHECK_EQ(orig, 0x33);
    enf_trap_remove(tt, 0x1002, ENF_TRAP_VIRTUALIZE);
    CHECK_EQ(mem[0x1002], 0x33);
    enf_trap_table_free(tt);
}

TEST(suspend_and_rearm)
{
    fill();
    struct enf_trap_table *tt = enf_trap_table_new(&tmem, 0xEE);
    uint8_t b0 = mem[0x20], b3 = mem[0x23];
    enf_trap_plant(tt, 0x20, ENF_TRAP_VIRTUALIZE);
    enf_trap_plant(tt, 0x23, ENF_TRAP_VIRTUALIZE);   /* overlapping start inside */
    CHECK(enf_trap_is_armed(tt, 0x20));
    CHECK_EQ(enf_trap_suspend_range(tt, 0x20, 5), 0);
    CHECK(enf_trap_has_suspended(tt));
    CHECK(!enf_trap_is_armed(tt, 0x20));
    CHECK_EQ(enf_trap_kinds(tt, 0x20), ENF_TRAP_VIRTUALIZE);
    CHECK_EQ(mem[0x20], b0);
    CHECK_EQ(mem[0x23], b3);
    /* A guest write while suspended lands in memory and in the original. */
    const uint8_t nb = 0x90;
    enf_trap_guest_write(tt, 0x23, &nb, 1);
    CHECK_EQ(mem[0x23], 0x90);
    CHECK_EQ(enf_trap_rearm_suspended(tt), 0);
    CHECK(!enf_trap_has_suspended(tt));
    CHECK_EQ(mem[0x20], 0xEE);
    CHECK_EQ(mem[0x23], 0xEE);
    enf_trap_remove(tt, 0x23, ENF_TRAP_VIRTUALIZE);
    CHECK_EQ(mem[0x23], 0x90);
    /* Removing a suspended trap forgets it: rearm must not replant it. */
    enf_trap_suspend_range(tt, 0x20, 1);
    enf_trap_remove(tt, 0x20, ENF_TRAP_VIRTUALIZE);
    enf_trap_rearm_suspended(tt);
    CHECK_EQ(mem[0x20], b0);
    enf_trap_table_free(tt);
}

TEST(remove_page_and_count_kinds_with_many_pages)
{
    fill();
    struct enf_trap_table *tt = enf_trap_table_new(&tmem, 0xEE);
    uint8_t saved[MEM_SIZE];
    memcpy(saved, mem, MEM_SIZE);
    for (uint64_t a = 0; a < MEM_SIZE; a += 5)
        CHECK_EQ(enf_trap_plant(tt, a, (a / 5) % 2 ? ENF_TRAP_STEP : ENF_TRAP_VIRTUALIZE), 0);
    size_t total = (MEM_SIZE + 4) / 5;
    CHECK_EQ(enf_trap_count(tt), total);
    size_t in_page1 = enf_trap_count_page(tt, 0x1000);
    CHECK_EQ(enf_trap_remove_page(tt, 0x1000), in_page1);
    CHECK(memcmp(mem + 0x1000, saved + 0x1000, 4096) == 0);
    size_t steps = enf_trap_count_kind(tt, ENF_TRAP_STEP);
    CHECK(steps > 0);
    CHECK_EQ(steps + enf_trap_count_kind(tt, ENF_TRAP_VIRTUALIZE), total - in_page1);
    CHECK_EQ(enf_trap_count_kind(tt, ENF_TRAP_STEP | ENF_TRAP_VIRTUALIZE), total - in_page1);
    for (uint64_t a = 0; a < MEM_SIZE; a += 5)
        enf_trap_remove(tt, a, ENF_TRAP_STEP);
    CHECK_EQ(enf_trap_count_kind(tt, ENF_TRAP_STEP), 0);
    CHECK_EQ(enf_trap_count(tt), total - in_page1 - steps);
    for (uint64_t a = 0; a < MEM_SIZE; a += 5)
        enf_trap_remove(tt, a, ENF_TRAP_VIRTUALIZE);
    CHECK_EQ(enf_trap_count(tt), 0);
    CHECK(memcmp(mem, saved, MEM_SIZE) == 0);
    enf_trap_table_free(tt);
}

TEST(unreadable_memory_is_an_error)
{
    struct enf_trap_table *tt = enf_trap_table_new(&tmem, 0xEE);
    CHECK_EQ(enf_trap_plant(tt, MEM_SIZE + 10, ENF_TRAP_VIRTUALIZE), (uint64_t)-1);
    CHECK_EQ(enf_trap_count(tt), 0);
    enf_trap_table_free(tt);
}

int main(void)
{
    RUN(plant_and_remove_restores_original);
    RUN(undo_shows_guest_bytes_across_pages);
    RUN(guest_write_over_trap_updates_original_only);
    RUN(suspend_and_rearm);
    RUN(remove_page_and_count_kinds_with_many_pages);
    RUN(unreadable_memory_is_an_error);
    CHECK_EXIT();
}
