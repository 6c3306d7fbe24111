/* memslot.c — RAM as maximal runs of same-protection 4 KiB pages, each run
 * one KVM memslot.  Protecting a page splits its run; unprotecting merges. */
#include "monitor/kvm/kvm_priv.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

static int kvm_slot(struct vm *vm, unsigned slot, uint64_t gpa, uint64_t size, int ro)
{
    struct kvm_userspace_memory_region m = {0};
    m.slot = slot;
    m.flags = ro ? KVM_MEM_READONLY : 0;
    m.guest_phys_addr = gpa;
    m.memory_size = size;
    m.userspace_addr = size ? (uint64_t)(uintptr_t)(vm->ram + gpa) : 0;
    vm->slot_ioctls++;
    return ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &m);
}

int memslot_init(struct vm *vm, size_t limit)
{
    if (limit > 32768) limit = 32768;
    vm->slot_limit = limit;
    vm->free_slots = calloc(limit, sizeof *vm->free_slots);
    if (!vm->free_slots || VEC_RESERVE(&vm->regions, 16) != 0) { errno = ENOMEM; return -1; }
    for (size_t i = 0; i < limit; i++) vm->free_slots[i] = (unsigned)(limit - 1 - i);
    vm->nfree = limit;
    vm->regions.v[0] = (struct memslot_region){ 0, vm->mem_size, 0, vm->free_slots[--vm->nfree] };
    vm->regions.n = 1;
    return kvm_slot(vm, vm->regions.v[0].slot, 0, vm->mem_size, 0) < 0 ? -1 : 0;
}

void memslot_fini(struct vm *vm)
{
    VEC_FREE(&vm->regions);
    free(vm->free_slots); vm->free_slots = NULL; vm->nfree = 0;
}

size_t memslot_count(struct vm *vm) { return vm->regions.n; }
size_t memslot_limit(struct vm *vm) { return vm->slot_limit; }
uint64_t memslot_ioctls(struct vm *vm) { return vm->slot_ioctls; }

static long find_region(struct vm *vm, uint64_t gpa)
{
    size_t lo = 0, hi = vm->regions.n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        const struct memslot_region *r = &vm->regions.v[mid];
        if (gpa < r->gpa) hi = mid;
        else if (gpa >= r->gpa + r->size) lo = mid + 1;
        else return (long)mid;
    }
    return -1;
}

int memslot_is_protected(struct vm *vm, uint64_t page_gpa)
{
    long i = find_region(vm, page_gpa & ~0xfffull);
    return i < 0 ? -1 : vm->regions.v[i].readonly;
}

/* Replace regions [first, last] by the `n` new runs in `nr` (slots unset). */
static int replace(struct vm *vm, size_t first, size_t last, struct memslot_region *nr, size_t n)
{
    size_t old = last - first + 1;
    if (vm->regions.n - old + n > vm->slot_limit || vm->nfree + old < n) { errno = ENOSPC; return -1; }
    if (VEC_RESERVE(&vm->regions, vm->regions.n - old + n) != 0) { errno = ENOMEM; return -1; }
    /* delete old slots, then create new ones */
    for (size_t i = first; i <= last; i++) {
        if (kvm_slot(vm, vm->regions.v[i].slot, vm->regions.v[i].gpa, 0, 0) < 0) return -1;
        vm->free_slots[vm->nfree++] = vm->regions.v[i].slot;
    }
    for (size_t i = 0; i < n; i++) {
        nr[i].slot = vm->free_slots[--vm->nfree];
        if (kvm_slot(vm, nr[i].slot, nr[i].gpa, nr[i].size, nr[i].readonly) < 0) return -1;
    }
    memmove(&vm->regions.v[first + n], &vm->regions.v[last + 1], (vm->regions.n - last - 1) * sizeof *vm->regions.v);
    memcpy(&vm->regions.v[first], nr, n * sizeof *nr);
    vm->regions.n = vm->regions.n - old + n;
    return 0;
}

static int set_page(struct vm *vm, uint64_t gpa, int ro)
{
    if (gpa & 0xfff) { errno = EINVAL; return -1; }
    long i = find_region(vm, gpa);
    if (i < 0) { errno = EINVAL; return -1; }
    struct memslot_region r = vm->regions.v[i];
    if (r.readonly == ro) return 0;
    struct memslot_region nr[3];
    size_t n = 0, first = (size_t)i, last = (size_t)i;
    uint64_t pstart = gpa, pend = gpa + 4096;
    /* merge with neighbours of the new protection when the page touches them */
    if (gpa == r.gpa && i > 0 && vm->regions.v[i - 1].readonly == ro) { first--; pstart = vm->regions.v[first].gpa; }
    if (pend == r.gpa + r.size && (size_t)i + 1 < vm->regions.n && vm->regions.v[i + 1].readonly == ro) {
        last++; pend = vm->regions.v[last].gpa + vm->regions.v[last].size;
    }
    if (gpa > r.gpa) nr[n++] = (struct memslot_region){ r.gpa, gpa - r.gpa, r.readonly, 0 };
    nr[n++] = (struct memslot_region){ pstart, pend - pstart, ro, 0 };
    if (gpa + 4096 < r.gpa + r.size) nr[n++] = (struct memslot_region){ gpa + 4096, r.gpa + r.size - gpa - 4096, r.readonly, 0 };
    return replace(vm, first, last, nr, n);
}

int memslot_protect(struct vm *vm, uint64_t page_gpa) { return set_page(vm, page_gpa, 1); }
int memslot_unprotect(struct vm *vm, uint64_t page_gpa) { return set_page(vm, page_gpa, 0); }
