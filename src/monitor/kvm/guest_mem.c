/* guest_mem.c — the one checked accessor for guest memory, and the page
 * walker (pure: it reads page-table entries through a callback). */
#include "monitor/kvm/kvm_priv.h"
#include "monitor/x86/x86.h"
#include <string.h>

static int in_ram(const struct vm *vm, uint64_t gpa, size_t len)
{
    return gpa <= vm->mem_size && len <= vm->mem_size - gpa;
}

int gmem_read_phys(struct vm *vm, uint64_t gpa, void *buf, size_t len)
{
    if (!vm || !vm->ram || (len && !buf) || !in_ram(vm, gpa, len)) return -1;
    if (len) memcpy(buf, vm->ram + gpa, len);
    return 0;
}

int gmem_write_phys(struct vm *vm, uint64_t gpa, const void *buf, size_t len)
{
    if (!vm || !vm->ram || (len && !buf) || !in_ram(vm, gpa, len)) return -1;
    if (len) memcpy(vm->ram + gpa, buf, len);
    return 0;
}

#define CR0_PG X86_CR0_PG
#define CR0_WP X86_CR0_WP
#define CR4_PSE X86_CR4_PSE
#define CR4_PAE X86_CR4_PAE
#define CR4_LA57 X86_CR4_LA57
#define EFER_LMA X86_EFER_LMA
#define PTE_P X86_PTE_P
#define PTE_RW X86_PTE_RW
#define PTE_PS X86_PTE_PS
#define ADDR_MASK 0x000ffffffffff000ull

enum gmem_walk_kind gmem_walk_kind(const struct gmem_paging *pg)
{
    if (!(pg->cr0 & CR0_PG)) return GMEM_WALK_NONE;
    if (!(pg->cr4 & CR4_PAE)) return GMEM_WALK_32;
    if (!(pg->efer & EFER_LMA)) return GMEM_WALK_PAE;
    if (pg->cr4 & CR4_LA57) return GMEM_WALK_UNSUPPORTED;
    return GMEM_WALK_4LEVEL;
}

static int rd(gmem_phys_reader read, void *ctx, uint64_t gpa, unsigned size, uint64_t *v)
{
    uint8_t b[8] = {0};
    if (read(ctx, gpa, b, size) < 0) return -1;
    *v = 0;
    for (unsigned i = 0; i < size; i++) *v |= (uint64_t)b[i] << (8 * i);
    return 0;
}

int gmem_walk(gmem_phys_reader read, void *ctx, const struct gmem_paging *pg,
              uint64_t linear, int write, uint64_t *gpa)
{
    enum gmem_walk_kind k = gmem_walk_kind(pg);
    int need_rw = write && (pg->cpl == 3 || (pg->cr0 & CR0_WP));
    uint64_t e;
    if (k == GMEM_WALK_NONE) { *gpa = linear & 0xffffffffull; return 0; }
    if (k == GMEM_WALK_UNSUPPORTED) return -1;
    if (k == GMEM_WALK_32) {
        uint32_t lin = (uint32_t)linear;
        if (rd(read, ctx, (pg->cr3 & 0xfffff000ull) + ((lin >> 22) << 2), 4, &e) < 0 || !(e & PTE_P)) return -1;
        int rw = (e & PTE_RW) != 0;
        if ((e & PTE_PS) && (pg->cr4 & CR4_PSE)) {
            if (need_rw && !rw) return -1;
            *gpa = (e & 0xffc00000ull) | (((e >> 13) & 0xff) << 32) | (lin & 0x3fffff);
            return 0;
        }
        if (rd(read, ctx, (e & 0xfffff000ull) + (((lin >> 12) & 0x3ff) << 2), 4, &e) < 0 || !(e & PTE_P)) return -1;
        if (need_rw && !(rw && (e & PTE_RW))) return -1;
        *gpa = (e & 0xfffff000ull) | (lin & 0xfff);
        return 0;
    }
    int levels, shift;
    uint64_t table;
    if (k == GMEM_WALK_PAE) {
        uint32_t lin = (uint32_t)linear;
        linear = lin;
        if (rd(read, ctx, (pg->cr3 & 0xffffffe0ull) + ((lin >> 30) << 3), 8, &e) < 0 || !(e & PTE_P)) return -1;
        table = e & ADDR_MASK; levels = 2; shift = 21;
    } else {
        /* canonical check */
        uint64_t top = linear >> 47;
        if (top != 0 && top != 0x1ffff) return -1;
        table = pg->cr3 & ADDR_MASK; levels = 4; shift = 39;
    }
    int rw = 1;
    for (int l = levels; l >= 1; l--, shift -= 9) {
        if (rd(read, ctx, table + (((linear >> shift) & 0x1ff) << 3), 8, &e) < 0 || !(e & PTE_P)) return -1;
        rw &= (e & PTE_RW) != 0;
        if (l == 1 || ((e & PTE_PS) && (shift == 21 || shift == 30))) {
            if (l == 1 && (shift != 12)) return -1;
            if (need_rw && !rw) return -1;
            uint64_t mask = (1ull << shift) - 1;
            *gpa = (e & ADDR_MASK & ~mask) | (linear & mask);
            return 0;
        }
        table = e & ADDR_MASK;
    }
    return -1;
}

static int vm_reader(void *ctx, uint64_t gpa, void *buf, size_t len)
{
    return gmem_read_phys(ctx, gpa, buf, len);
}

int gmem_translate(struct vm *vm, uint64_t linear, int write, uint64_t *gpa)
{
    struct kvm_sregs s;
    if (!vm || !gpa || vcpu_get_sregs(&vm->cpu, &s) < 0) return -1;
    struct gmem_paging pg = { s.cr0, s.cr3, s.cr4, s.efer, x86_cpl(NULL, &s) };
    return gmem_walk(vm_reader, vm, &pg, linear, write, gpa);
}

static int linear_access(struct vm *vm, uint64_t linear, void *buf, size_t len, int write)
{
    uint8_t *p = buf;
    if (len && !buf) return -1;
    while (len) {
        uint64_t gpa;
        size_t chunk = 4096 - (linear & 0xfff);
        if (chunk > len) chunk = len;
        if (gmem_translate(vm, linear, write, &gpa) < 0) return -1;
        if (write ? gmem_write_phys(vm, gpa, p, chunk) : gmem_read_phys(vm, gpa, p, chunk)) return -1;
        p += chunk; linear += chunk; len -= chunk;
    }
    return 0;
}

int gmem_read_linear(struct vm *vm, uint64_t linear, void *buf, size_t len)
{
    return linear_access(vm, linear, buf, len, 0);
}

int gmem_write_linear(struct vm *vm, uint64_t linear, const void *buf, size_t len)
{
    return linear_access(vm, linear, (void *)buf, len, 1);
}
