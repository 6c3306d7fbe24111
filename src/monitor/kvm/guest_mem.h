/* guest_mem.h — the ONE place guest memory is accessed.  Every read or
 * write of guest RAM, by physical or linear address, is bounds-checked
 * here.  All functions return 0, or -1 (outside RAM / not mapped); they
 * never crash on any address or length. */
#ifndef SCOUT_MONITOR_GUEST_MEM_H
#define SCOUT_MONITOR_GUEST_MEM_H
#include <stddef.h>
#include <stdint.h>

struct vm;

int gmem_read_phys(struct vm *vm, uint64_t gpa, void *buf, size_t len);
/* host-side write: works even on pages that are read-only to KVM */
int gmem_write_phys(struct vm *vm, uint64_t gpa, const void *buf, size_t len);
/* Page walk for the vCPU's current mode (from sregs): none, 32-bit (PSE),
 * PAE, 4-level.  Checks present bits, and writability when write != 0
 * (supervisor writes only when CR0.WP; at CPL 3 always).  No U/S check:
 * the debugger may look at supervisor pages. */
int gmem_translate(struct vm *vm, uint64_t linear, int write, uint64_t *gpa);
int gmem_read_linear(struct vm *vm, uint64_t linear, void *buf, size_t len);   /* may cross pages */
int gmem_write_linear(struct vm *vm, uint64_t linear, const void *buf, size_t len);

/* The pure page walker, usable on any memory (unit tests use a buffer). */
typedef int (*gmem_phys_reader)(void *ctx, uint64_t gpa, void *buf, size_t len);
struct gmem_paging {
    uint64_t cr0, cr3, cr4, efer;
    int cpl;            /* 3 = user access (write checks always honour R/W) */
};
enum gmem_walk_kind { GMEM_WALK_NONE, GMEM_WALK_32, GMEM_WALK_PAE, GMEM_WALK_4LEVEL, GMEM_WALK_UNSUPPORTED };
enum gmem_walk_kind gmem_walk_kind(const struct gmem_paging *pg);
int gmem_walk(gmem_phys_reader read, void *ctx, const struct gmem_paging *pg,
              uint64_t linear, int write, uint64_t *gpa);

#endif
