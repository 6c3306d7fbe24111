/* memslot.c — RAM as maximal runs of same-protection 4 KiB pages, each run
 * one KVM memslot.  Protecting a page splits its run; unprotecting merges.
 * Changes edit the wanted runs only; memslot_commit() makes KVM's slots
 * match them before the next KVM_RUN, touching only the runs that differ,
 * so a page unprotected and protected again within one exit (an
 * invalidation followed by the rescan) costs no ioctl at all. */
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
    if (VEC_PUSH(&vm->kregions, vm->regions.v[0]) != 0) { errno = ENOMEM; return -1; }
    return kvm_slot(vm, vm->regions.v[0].slot, 0, vm->mem_size, 0) < 0 ? -1 : 0;
}

void memslot_fini(struct vm *vm)
{
    VEC_FREE(&vm->regions);
    VEC_FREE(&vm->kregions);
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

/* Replace wanted runs [first, last] by the `n` runs in `nr`. */
static int replace(struct vm *vm, size_t first, size_t last, struct memslot_region *nr, size_t n)
{
    size_t old = last - first + 1;
    if (vm->regions.n - old + n > vm->slot_limit) { errno = ENOSPC; return -1; }
    if (VEC_RESERVE(&vm->regions, vm->regions.n - old + n) != 0) { errno = ENOMEM; return -1; }
    memmove(&vm->regions.v[first + n], &vm->regions.v[last + 1], (vm->regions.n - last - 1) * sizeof *vm->regions.v);
    memcpy(&vm->regions.v[first], nr, n * sizeof *nr);
    vm->regions.n = vm->regions.n - old + n;
    vm->slots_dirty = 1;
    return 0;
}

static int same_run(const struct memslot_region *a, const struct memslot_region *b)
{
    return a->gpa == b->gpa && a->size == b->size && a->readonly == b->readonly;
}

/* Both lists are sorted and cover RAM: a KVM slot whose run is still
 * wanted stays; the others are deleted first (freeing slot ids), then the
 * wanted runs KVM lacks are created. */
static int commit_runs(struct vm *vm, int *deleted);
static int zap_now(struct vm *vm);

int memslot_commit(struct vm *vm)
{
    int zap = vm->zap_wanted, deleted = 0;
    vm->zap_wanted = 0;
    if (vm->slots_dirty && commit_runs(vm, &deleted) != 0)
        return -1;
    return zap && !deleted ? zap_now(vm) : 0;
}

static int commit_runs(struct vm *vm, int *deleted)
{
    struct memslot_region *w = vm->regions.v, *k = vm->kregions.v;
    size_t nw = vm->regions.n, nk = vm->kregions.n;
    for (size_t i = 0, j = 0; j < nk; j++) {
        while (i < nw && w[i].gpa < k[j].gpa)
            i++;
        if (i < nw && same_run(&w[i], &k[j])) {
            w[i].slot = k[j].slot;
            continue;
        }
        if (kvm_slot(vm, k[j].slot, k[j].gpa, 0, 0) < 0) return -1;
        *deleted = 1;
        vm->free_slots[vm->nfree++] = k[j].slot;
        k[j].size = 0;                  /* deleted */
    }
    for (size_t i = 0, j = 0; i < nw; i++) {
        while (j < nk && (k[j].size == 0 || k[j].gpa < w[i].gpa))
            j++;
        if (j < nk && same_run(&w[i], &k[j]))
            continue;
        if (vm->nfree == 0) { errno = ENOSPC; return -1; }
        w[i].slot = vm->free_slots[--vm->nfree];
        if (kvm_slot(vm, w[i].slot, w[i].gpa, w[i].size, w[i].readonly) < 0) return -1;
    }
    vm->kregions.n = 0;
    if (VEC_RESERVE(&vm->kregions, nw) != 0) { errno = ENOMEM; return -1; }
    memcpy(vm->kregions.v, w, nw * sizeof *w);
    vm->kregions.n = nw;
    vm->slots_dirty = 0;
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

/* KVM keeps what it built from page tables in guest memory until the
 * guest writes them (it write-protects them for that) -- a rewrite through
 * scout's own mapping it does not see, and a TLB flush does not make it
 * look again.  Removing a memslot makes it drop all of it: the next
 * memslot_commit removes one anyway, or makes and removes a one-page slot
 * far above RAM and the devices (the vCPU is not running then). */
#define ZAP_GPA (1ull << 35)
void memslot_zap(struct vm *vm) { vm->zap_wanted = 1; }

static int zap_now(struct vm *vm)
{
    if (!vm->nfree) {
        errno = ENOSPC;
        return -1;
    }
    struct kvm_userspace_memory_region m = {0};
    m.slot = vm->free_slots[vm->nfree - 1];
    m.guest_phys_addr = ZAP_GPA;
    m.memory_size = BASE_PAGE_SIZE;
    m.userspace_addr = (uint64_t)(uintptr_t)vm->ram;
    vm->slot_ioctls += 2;
    if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &m) < 0)
        return -1;
    m.memory_size = 0;
    return ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &m) < 0 ? -1 : 0;
}
