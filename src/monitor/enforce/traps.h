/* traps.h — the table of 1-byte traps planted in guest memory.
 *
 * A trap replaces the first byte of an instruction with a byte that exits
 * to the monitor (by default 0xEE, `out dx, al`).  The table remembers the
 * original byte so that the prescan engine always sees guest code as the
 * guest wrote it, and so that a guest write onto a trap byte updates the
 * saved original instead of destroying the trap.
 *
 * A byte can hold a trap for several reasons at once (kinds, a bitmask):
 *   TRAP_VIRTUALIZE  the instruction there is marked virtualize;
 *   TRAP_STEP        a temporary trap at a successor of an instruction the
 *                    monitor is executing in place (removed at next exit);
 *   TRAP_BREAK       a user breakpoint.
 * The byte in guest memory is the trap byte while any kind is present and
 * the trap is not suspended; suspending puts the original back for one
 * in-place step.  Pure C: memory is reached through callbacks. */
#ifndef SCOUT_MONITOR_TRAPS_H
#define SCOUT_MONITOR_TRAPS_H
#include <stddef.h>
#include <stdint.h>

enum trap_kind {
    TRAP_VIRTUALIZE = 1u << 0,
    TRAP_STEP       = 1u << 1,
    TRAP_BREAK      = 1u << 2,
};

struct trap_mem {               /* guest-physical byte access */
    void *ctx;
    int (*read)(void *ctx, uint64_t gpa, void *buf, size_t len);
    int (*write)(void *ctx, uint64_t gpa, const void *buf, size_t len);
};

struct trap_table;

struct trap_table *trap_table_new(const struct trap_mem *mem, uint8_t trap_byte);
void trap_table_free(struct trap_table *tt);
uint8_t trap_byte(const struct trap_table *tt);

/* Adds `kind` at gpa, planting the trap byte if none was there.
 * Returns 0, or -1 if guest memory could not be read or written. */
int trap_plant(struct trap_table *tt, uint64_t gpa, unsigned kind);
/* Removes `kind`; when no kind is left the original byte goes back. */
int trap_remove(struct trap_table *tt, uint64_t gpa, unsigned kind);
/* Removes every trap in the page at page_gpa; returns how many. */
size_t trap_remove_page(struct trap_table *tt, uint64_t page_gpa);
/* Removes `kind` everywhere (e.g. all TRAP_STEP traps); returns how many. */
size_t trap_remove_kind(struct trap_table *tt, unsigned kind);

/* 1 if the trap byte is in guest memory at gpa now (present, not suspended). */
int trap_is_armed(const struct trap_table *tt, uint64_t gpa);
/* Kinds present at gpa (0: no trap). */
unsigned trap_kinds(const struct trap_table *tt, uint64_t gpa);
/* The guest's own byte at gpa if a trap holds it; returns 0, or -1 if no trap. */
int trap_original(const struct trap_table *tt, uint64_t gpa, uint8_t *orig);
/* Overwrites trap bytes in a copy of guest bytes starting at gpa with the
 * originals, so the copy reads as the guest wrote it. */
void trap_undo(const struct trap_table *tt, uint64_t gpa, uint8_t *bytes, size_t len);
/* A guest (or injected) data write of len bytes at gpa: writes guest memory
 * except at trap bytes, whose saved originals are updated instead. */
int trap_guest_write(struct trap_table *tt, uint64_t gpa, const void *data, size_t len);

/* In-place stepping: put the original bytes back for every trap in
 * [gpa, gpa+len) until trap_rearm_suspended(). */
int trap_suspend_range(struct trap_table *tt, uint64_t gpa, size_t len);
int trap_rearm_suspended(struct trap_table *tt);
int trap_has_suspended(const struct trap_table *tt);

size_t trap_count(const struct trap_table *tt);
size_t trap_count_page(const struct trap_table *tt, uint64_t page_gpa);
/* Calls fn for each trap in the page, in address order. */
void trap_for_each_in_page(const struct trap_table *tt, uint64_t page_gpa,
                           void (*fn)(void *ctx, uint64_t gpa, unsigned kinds, uint8_t orig),
                           void *ctx);
#endif
