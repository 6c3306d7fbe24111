/* shadow.c — --deprivilege on the guest's own page tables: the tables the
 * vCPU runs guest code with at CPL 3 (depriv.c puts their root in CR3
 * while the window is closed).
 *
 * A software TLB.  Empty after a flush, filled one page at a time at the
 * #PF the CPU raises on a miss, from a walk of the guest's own tables with
 * the rights of its virtual CPL 0.  Every guest page gets the user bit (the
 * guest believes it runs at CPL 0); the reserved region is mapped at its
 * own address, supervisor-only: scout's GDT, IDT, TSS, stubs and stack,
 * which the CPU reaches from CPL 3 only through gates and the TSS (the boot
 * information there stays the guest's to read).  A guest page that is
 * scout's memory is supervisor-only too: touching it is refused, as on
 * scout's boot tables.
 *
 * Coherence: the guest's paging-structure pages on every filled walk are
 * kept read-only (paging.c, ENF_PT_SHADOW) with A/D preset; a store into
 * one, a MOV to CR0/CR3/CR4 (a change of the paging bits), and
 * INVLPG/INVPCID flush it all (depriv.c).  So the shadow never maps what
 * the guest's tables no longer do, and scout's view of a linear address
 * (a walk of the guest's tables) is the CPU's.  KVM, which builds its own
 * translations from these tables, does not see scout rewrite them: every
 * flush makes it drop them (memslot_zap) before the guest runs again.
 * Fills and flushes are counted in --stats (depriv:). */
#include <inttypes.h>
#include <string.h>

#include "monitor/enforce/enforce_priv.h"

#define POOL_PAGES ((VM_RESERVED_SIZE - VM_RES_SHADOW) / PAGE_SIZE)
#define TABLE (X86_PTE_P | X86_PTE_RW | X86_PTE_US | X86_PTE_A)
#define KEY_CR0 (X86_CR0_PG | X86_CR0_WP)
#define KEY_CR4 (X86_CR4_PAE | X86_CR4_PSE | X86_CR4_LA57 | X86_CR4_PCIDE | X86_CR4_SMEP | X86_CR4_SMAP | \
                 X86_CR4_PKE)
#define KEY_EFER (X86_EFER_NXE | X86_EFER_LMA)

/* scout's own part of the reserved region (its exception stack with it):
 * all but the boot information, which the guest reads as raw does */
static int scout_private(const struct enf *ef, uint64_t a)
{
    enum vm_res_part p = vm_reserved_part(ef->vm, a);
    return p == VM_RES_PART_MONITOR || p == VM_RES_PART_STACK;
}

static int rd(struct enf *ef, uint64_t gpa, uint64_t *e) { return gmem_read_phys(ef->vm, gpa, e, 8); }
static int wr(struct enf *ef, uint64_t gpa, uint64_t e) { return gmem_write_phys(ef->vm, gpa, &e, 8); }

static int alloc_table(struct enf *ef, uint64_t *gpa)
{
    static const uint8_t zero[PAGE_SIZE];
    struct enf_shadow *sh = &ef->dp.shadow;
    if (sh->used >= POOL_PAGES)
        return 1;                       /* full: the caller flushes and starts again */
    *gpa = ef->reserved_base + VM_RES_SHADOW + (uint64_t)sh->used++ * PAGE_SIZE;
    return gmem_write_phys(ef->vm, *gpa, zero, PAGE_SIZE) != 0 ? -1 : 0;
}

/* The table at `level` (2: the PD, 1: the PT) for linear, made on the way
 * down.  1: the pool is full, or a large leaf is in the way; -1 error. */
static int table_for(struct enf *ef, uint64_t linear, int level, uint64_t *table)
{
    uint64_t t = ef->dp.shadow.root;
    for (int l = 4, shift = 39; l > level; l--, shift -= 9) {
        uint64_t slot = t + ((linear >> shift) & 0x1ff) * 8, e;
        if (rd(ef, slot, &e) != 0)
            return -1;
        if (!(e & X86_PTE_P)) {
            uint64_t nt;
            int rc = alloc_table(ef, &nt);
            if (rc != 0)
                return rc;
            e = nt | TABLE;
            if (wr(ef, slot, e) != 0)
                return -1;
        } else if (e & X86_PTE_PS) {
            return 1;
        }
        t = e & X86_PTE_ADDR;
    }
    *table = t;
    return 0;
}

/* scout's own pages of the reserved region at their own address,
 * supervisor-only. */
static int build(struct enf *ef)
{
    struct enf_shadow *sh = &ef->dp.shadow;
    sh->used = 0;
    sh->valid = 0;
    if (alloc_table(ef, &sh->root) != 0)
        return -1;
    for (uint64_t a = ef->reserved_base; a < vm_mem_size(ef->vm); a += PAGE_SIZE) {
        uint64_t pt;
        if (!scout_private(ef, a))
            continue;                   /* (the boot information: as the guest maps it) */
        if (table_for(ef, a, 1, &pt) != 0 ||
            wr(ef, pt + ((a >> 12) & 0x1ff) * 8, a | X86_PTE_P | X86_PTE_RW | X86_PTE_A | X86_PTE_D) != 0)
            return -1;
    }
    sh->valid = 1;
    return 0;
}

void enf_shadow_flush(struct enf *ef)
{
    struct enf_shadow *sh = &ef->dp.shadow;
    if (sh->valid)
        ef->st.depriv_flushes++;
    sh->valid = 0;
    ef->dp.pf_rip = ef->dp.pf_addr = 0; /* (a fault again after this is a new miss, not a fill that did not hold) */
    /* (the guest's paging-structure pages it used need no guard now) */
    enf_paging_mark_stale(ef, ENF_PT_SHADOW);
    enf_paging_drop_stale(ef);
    ef->dp.tlb = 1;
}

int enf_shadow_root(struct enf *ef, const struct kvm_sregs *v, uint64_t *root)
{
    struct enf_shadow *sh = &ef->dp.shadow;
    uint64_t key[4] = { v->cr3, v->cr0 & KEY_CR0, v->cr4 & KEY_CR4, v->efer & KEY_EFER };
    if (!sh->valid || memcmp(key, sh->key, sizeof key) != 0) {
        enf_shadow_flush(ef);
        if (build(ef) != 0) {
            enf_fail(ef, "cannot build the shadow page tables");
            return -1;
        }
        memcpy(sh->key, key, sizeof key);
    }
    *root = sh->root;
    return 0;
}

/* The guest's own walk of linear, as its CPU would make it at CPL 0. */
struct gwalk {
    uint64_t base;              /* the leaf's physical base */
    unsigned shift;             /* its size: 12, 21 or 30 */
    uint64_t leaf;              /* the leaf entry */
    int rw, nx;                 /* the walk's rights */
    int present;                /* 0: it ended at a not-present entry */
    int rsvd;                   /* it ended at an entry with a reserved bit set */
    struct enf_ptpage path[ENF_PATH_MAX];
    int n;
};

/* The bits of a present entry at `level` that are reserved for the guest
 * (the CPU faults with RSVD on them): physical address bits beyond its
 * MAXPHYADDR, XD without EFER.NXE, PS in a PML4E (or a PDPTE without
 * 1 GiB pages), the low bits of a large page's address. */
static int reserved_bits(const struct enf *ef, const struct kvm_sregs *v, int level, uint64_t e)
{
    unsigned maxphy = vm_guest_maxphyaddr(ef->vm);
    uint64_t rsvd = maxphy < 52 ? ((1ull << 52) - 1) & ~((1ull << maxphy) - 1) : 0;
    if (!(v->efer & X86_EFER_NXE))
        rsvd |= X86_PTE_XD;
    if ((e & X86_PTE_PS) && (level == 4 || (level == 3 && !vm_guest_gbpages(ef->vm))))
        return 1;
    if ((e & X86_PTE_PS) && (level == 2 || level == 3))
        rsvd |= ((1ull << (level == 2 ? 21 : 30)) - 1) & ~0x1fffull;   /* (bit 12 is PAT) */
    return (e & rsvd) != 0;
}

static int guest_walk(struct enf *ef, const struct kvm_sregs *v, uint64_t linear, struct gwalk *w)
{
    memset(w, 0, sizeof *w);
    w->rw = 1;
    uint64_t t = v->cr3 & X86_PTE_ADDR;
    int nxe = (v->efer & X86_EFER_NXE) != 0;
    for (int l = 4, shift = 39; l >= 1; l--, shift -= 9) {
        uint64_t slot = t + ((linear >> shift) & 0x1ff) * 8, e;
        w->path[w->n++] = (struct enf_ptpage){ PAGE_OF(slot), (uint8_t)l, 8, 0, 0, 0 };
        if (rd(ef, slot, &e) != 0)
            return -1;
        if (!(e & X86_PTE_P))
            return 0;
        if (reserved_bits(ef, v, l, e)) {
            w->rsvd = 1;
            return 0;
        }
        w->rw &= (e & X86_PTE_RW) != 0;
        w->nx |= nxe && (e & X86_PTE_XD);
        if (l == 1 || ((l == 2 || l == 3) && (e & X86_PTE_PS))) {
            w->present = 1;
            w->shift = (unsigned)shift;
            w->leaf = e;
            w->base = e & X86_PTE_ADDR & ~((1ull << shift) - 1);
            return 0;
        }
        t = e & X86_PTE_ADDR;
    }
    return -1;
}

static uint64_t leaf_bits(const struct gwalk *w, int large)
{
    uint64_t b = X86_PTE_P | X86_PTE_A | X86_PTE_D | (w->leaf & (X86_PTE_PWT | X86_PTE_PCD));
    uint64_t pat = w->shift == 12 ? X86_PTE_PAT_4K : X86_PTE_PAT_LARGE;
    if (w->leaf & pat)
        b |= large ? X86_PTE_PAT_LARGE : X86_PTE_PAT_4K;
    if (w->rw)
        b |= X86_PTE_RW;
    if (w->nx)
        b |= X86_PTE_XD;
    return b;
}

/* The shadow entry for linear's page from the guest's walk: a 2 MiB leaf
 * where the guest's is as large and scout's memory is not inside, else
 * 4 KiB.  1: the pool is full; -1: refused or error. */
static int fill(struct enf *ef, uint64_t linear, const struct gwalk *w)
{
    uint64_t lin2 = linear & ~0x1fffffull;
    uint64_t phys2 = (w->base + (linear & ((1ull << w->shift) - 1))) & ~0x1fffffull;
    uint64_t res = ef->reserved_base, end = vm_mem_size(ef->vm);
    int rc;
    if (w->shift >= 21 && !(phys2 < end && phys2 + 0x200000 > res) && !(lin2 < end && lin2 + 0x200000 > res)) {
        uint64_t pd, slot, e;
        rc = table_for(ef, linear, 2, &pd);
        if (rc == 0) {
            slot = pd + ((linear >> 21) & 0x1ff) * 8;
            if (rd(ef, slot, &e) != 0)
                return -1;
            if (!(e & X86_PTE_P) || (e & X86_PTE_PS))
                return wr(ef, slot, phys2 | leaf_bits(w, 1) | X86_PTE_PS | X86_PTE_US) != 0 ? -1 : 0;
        } else if (rc < 0) {
            return -1;
        } else if (ef->dp.shadow.used >= POOL_PAGES) {
            return 1;
        }
        /* (a table is there already: this region is mapped page by page) */
    }
    uint64_t page = linear & ~0xfffull;
    uint64_t phys = (w->base + (linear & ((1ull << w->shift) - 1))) & ~0xfffull;
    if (scout_private(ef, page)) {
        if (phys != page) {
            ef->st.refused++;
            enf_fail(ef, "refused to go on deprivileged: the guest maps linear 0x%" PRIx64 " to 0x%" PRIx64
                     ", where scout keeps its own tables in this mode (not in this mode yet)", page, phys);
            return -1;
        }
        return 0;                       /* scout's own entry stays: supervisor-only */
    }
    uint64_t pt;
    rc = table_for(ef, linear, 1, &pt);
    if (rc != 0)
        return rc;
    uint64_t e = phys | leaf_bits(w, 0) | (scout_private(ef, phys) ? 0 : X86_PTE_US);
    return wr(ef, pt + ((linear >> 12) & 0x1ff) * 8, e) != 0 ? -1 : 0;
}

enum enf_shadow_verdict enf_shadow_fault(struct enf *ef, const struct kvm_sregs *v, uint64_t addr, int write,
                                         int fetch, uint32_t *guest_err)
{
    struct gwalk w;
    uint64_t root;
    if (enf_shadow_root(ef, v, &root) != 0)
        return ENF_SHADOW_ERROR;
    if (guest_walk(ef, v, addr, &w) != 0) {
        enf_fail(ef, "cannot read the guest's page tables for 0x%" PRIx64, addr);
        return ENF_SHADOW_ERROR;
    }
    int nx_or_smep = (v->efer & X86_EFER_NXE) || (v->cr4 & X86_CR4_SMEP);
    uint32_t err = (write ? 2u : 0u) | (fetch && nx_or_smep ? 0x10u : 0u);
    if (!w.present) {
        *guest_err = err | (w.rsvd ? 9u : 0u);     /* (RSVD: present, reserved bit) */
        return ENF_SHADOW_FAULT;
    }
    if ((fetch && w.nx) || (write && !w.rw && (v->cr0 & X86_CR0_WP))) {
        *guest_err = err | 1u;
        return ENF_SHADOW_FAULT;
    }
    uint64_t phys = w.base + (addr & ((1ull << w.shift) - 1));
    if (scout_private(ef, phys)) {
        ef->st.refused++;
        enf_fail(ef, "refused to go on deprivileged: the guest touched scout's reserved region at 0x%" PRIx64
                 " (kept from it in this mode)", addr);
        return ENF_SHADOW_ERROR;
    }
    if (write && !w.rw)
        return ENF_SHADOW_EMULATE;      /* CR0.WP clear: only CPL 0 may write there */
    if (enf_paging_want(ef, ENF_PT_SHADOW, w.path, w.n) != 0)
        return ENF_SHADOW_ERROR;
    /* (A/D are preset by now: re-read the leaf for its cache bits only) */
    int rc = fill(ef, addr, &w);
    if (rc > 0) {                       /* the pool is full: start again */
        enf_shadow_flush(ef);
        if (enf_shadow_root(ef, v, &root) != 0 || enf_paging_want(ef, ENF_PT_SHADOW, w.path, w.n) != 0)
            return ENF_SHADOW_ERROR;
        rc = fill(ef, addr, &w);
    }
    if (rc != 0) {
        if (!ef->failed)
            enf_fail(ef, "cannot fill the shadow page tables at 0x%" PRIx64, addr);
        return ENF_SHADOW_ERROR;
    }
    ef->st.depriv_fills++;
    return ENF_SHADOW_FILLED;
}
