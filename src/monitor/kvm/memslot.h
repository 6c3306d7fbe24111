/* memslot.h — KVM memory slots over guest RAM.  RAM starts as one slot;
 * pages can be made read-only to KVM (KVM_MEM_READONLY) one 4 KiB page at
 * a time, which splits slots; unprotecting merges neighbours back.  Slots
 * are always maximal runs of pages with the same protection.  The budget
 * is the probe's KVM_CAP_NR_MEMSLOTS (or vm_config.max_memslots).
 * Guest stores to a protected page arrive as KVM_EXIT_MMIO writes (KVM did
 * not write); see run.h's protected_write hook. */
#ifndef SCOUT_MONITOR_MEMSLOT_H
#define SCOUT_MONITOR_MEMSLOT_H
#include <stddef.h>
#include <stdint.h>

struct vm;

int memslot_protect(struct vm *vm, uint64_t page_gpa);    /* 0; -1 errno=ENOSPC (out of slots), EINVAL (not RAM / unaligned), or the ioctl's errno */
int memslot_unprotect(struct vm *vm, uint64_t page_gpa);  /* 0 or -1 */
int memslot_is_protected(struct vm *vm, uint64_t page_gpa); /* 1, 0, or -1 (not RAM) */
size_t memslot_count(struct vm *vm);                      /* slots in use */
size_t memslot_limit(struct vm *vm);

#endif
