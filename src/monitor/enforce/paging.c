/* paging.c — the guest's page tables, where they decide which physical page
 * native code runs from.  scout scans physical pages; the CPU fetches
 * through linear addresses.  Between two exits native code runs only in
 * RIP's linear page (leaving it exits: out-of-page branches, page-end
 * fall-through), so what must not change without an exit is the walk that
 * maps that page -- and the walks of an in-place step's successors, and
 * of every interrupt handler and of the IDT/GDT, which the CPU uses on its
 * own (tables.c).  The paging-structure pages on those walks are
 * read-only to KVM: a guest store into one exits, goes through the write
 * path, and the guest's TLB is flushed so the CPU and scout agree on the
 * new mapping from the next instruction on.
 *
 * KVM drops the Accessed and Dirty bits the CPU would set in a read-only
 * page, so scout sets them first, when it protects a paging-structure
 * page and in the entries the guest writes there: A in every present
 * entry, D in every present writable leaf.  The guest sees them set early
 * (never late: no dirty page looks clean).  Not in an entry whose bytes
 * are also scanned code: those are not touched.  (They are not only for the guest's
 * eyes: this host's KVM spins, without an exit, on an A/D update it cannot
 * make in a read-only page.) */
#include <inttypes.h>
#include <string.h>

#include "monitor/enforce/enforce_priv.h"

struct recorder { struct vm *vm; struct enf_ptpage *out; int n; unsigned esize; };

/* Records every entry the walk reads (the walker reads only entries). */
static int record_read(void *ctx, uint64_t gpa, void *buf, size_t len)
{
    struct recorder *r = ctx;
    if (r->n < ENF_PATH_MAX) {
        r->out[r->n].page = PAGE_OF(gpa);
        r->out[r->n].esize = (uint8_t)len;
        r->n++;
    }
    return gmem_read_phys(r->vm, gpa, buf, len);
}

int enf_paging_path(struct enf *ef, const struct gmem_paging *pg, uint64_t linear, struct enf_ptpage *out)
{
    struct recorder r = { ef->vm, out, 0, 0 };
    enum gmem_walk_kind k = gmem_walk_kind(pg);
    uint64_t gpa;
    if (k == GMEM_WALK_NONE || k == GMEM_WALK_UNSUPPORTED)
        return 0;
    gmem_walk(record_read, &r, pg, linear, 0, &gpa);   /* a walk that fails: what it read so far */
    /* levels, top first: 4-level 4,3,2,1; PAE 3 (the PDPTEs, no A/D) 2,1; 32-bit 2,1 */
    int top = k == GMEM_WALK_4LEVEL ? 4 : k == GMEM_WALK_PAE ? 3 : 2;
    for (int i = 0; i < r.n; i++) {
        out[i].level = (uint8_t)(top - i);
        out[i].pae_pdpt = k == GMEM_WALK_PAE && i == 0;
        out[i].why = 0;
    }
    return r.n;
}

static struct enf_ptpage *find(struct enf *ef, uint64_t page)
{
    for (size_t i = 0; i < ef->ptpages.n; i++)
        if (ef->ptpages.v[i].page == page)
            return &ef->ptpages.v[i];
    return NULL;
}

static int entry_is_code(struct enf *ef, uint64_t gpa, unsigned len)
{
    for (unsigned i = 0; i < len; i++)
        if (prescan_covered(ef->ps, gpa + i))
            return 1;
    return 0;
}

/* A in present entries, D in present writable leaves, in [off, end). */
static void preset_ad(struct enf *ef, const struct enf_ptpage *p, unsigned off, unsigned end)
{
    uint8_t buf[PAGE_SIZE];
    unsigned es = p->esize ? p->esize : 8;
    if (p->pae_pdpt || gmem_read_phys(ef->vm, p->page, buf, PAGE_SIZE) != 0)
        return;
    int code = enf_page_has_attrs(ef, p->page);
    off -= off % es;
    int changed = 0;
    for (unsigned o = off; o < end && o + es <= PAGE_SIZE; o += es) {
        uint64_t e = 0;
        memcpy(&e, buf + o, es);
        if (!(e & X86_PTE_P) || (code && entry_is_code(ef, p->page + o, es)))
            continue;
        uint64_t want = e | X86_PTE_A;
        int leaf = p->level == 1 || ((p->level == 2 || p->level == 3) && (e & X86_PTE_PS));
        if (leaf && (e & X86_PTE_RW))
            want |= X86_PTE_D;
        if (want != e) {
            memcpy(buf + o, &want, es);
            changed = 1;
        }
    }
    if (changed)
        gmem_write_phys(ef->vm, p->page + off, buf + off, (end < PAGE_SIZE ? end : PAGE_SIZE) - off);
}

int enf_paging_want(struct enf *ef, unsigned why, const struct enf_ptpage *path, int n)
{
    for (int i = 0; i < n; i++) {
        struct enf_ptpage *p = find(ef, path[i].page);
        if (p) {
            p->why |= why;
            p->stale &= ~why;
            continue;
        }
        struct enf_ptpage np = path[i];
        np.why = (uint8_t)why;
        np.stale = 0;
        if (VEC_PUSH(&ef->ptpages, np) != 0) {
            enf_fail(ef, "out of memory");
            return -1;
        }
        preset_ad(ef, &np, 0, PAGE_SIZE);
        if (enf_sync_protection(ef, np.page) != 0)
            return -1;
    }
    return 0;
}

void enf_paging_mark_stale(struct enf *ef, unsigned why)
{
    for (size_t i = 0; i < ef->ptpages.n; i++)
        if (ef->ptpages.v[i].why & why)
            ef->ptpages.v[i].stale |= (uint8_t)why;
}

int enf_paging_drop_stale(struct enf *ef)
{
    for (size_t i = 0; i < ef->ptpages.n;) {
        struct enf_ptpage *p = &ef->ptpages.v[i];
        p->why &= (uint8_t)~p->stale;
        p->stale = 0;
        if (p->why) {
            i++;
            continue;
        }
        uint64_t page = p->page;
        ef->ptpages.v[i] = ef->ptpages.v[--ef->ptpages.n];
        if (enf_sync_protection(ef, page) != 0)
            return -1;
    }
    return 0;
}

/* The walks native code depends on until the next exit: RIP's page and
 * the successors of an in-place step.  Recomputed only when one of them,
 * the paging registers or a paging-structure page changed. */
int enf_paging_guard(struct enf *ef, const struct cpu_view *c, uint64_t rip_linear)
{
    const struct kvm_sregs *s = &c->sregs;
    uint64_t key[4] = { PAGE_OF(rip_linear), s->cr3, s->cr0 ^ (s->cr4 << 1) ^ (s->efer << 2),
                        ef->step == ENF_STEP_NONE ? 0 : ef->step_gen };
    if (ef->paging_gen == ef->paging_seen_gen && !memcmp(key, ef->paging_key, sizeof key))
        return 0;
    memcpy(ef->paging_key, key, sizeof key);
    ef->paging_seen_gen = ef->paging_gen;
    struct gmem_paging pg = { s->cr0, s->cr3, s->cr4, s->efer, c->cpl };
    struct enf_ptpage path[ENF_PATH_MAX];
    enf_paging_mark_stale(ef, ENF_PT_RUN);
    int n = enf_paging_path(ef, &pg, rip_linear, path);
    if (enf_paging_want(ef, ENF_PT_RUN, path, n) != 0)
        return -1;
    for (size_t i = 0; i < ef->step_lin.n; i++) {
        n = enf_paging_path(ef, &pg, ef->step_lin.v[i], path);
        if (enf_paging_want(ef, ENF_PT_RUN, path, n) != 0)
            return -1;
    }
    return enf_paging_drop_stale(ef);
}

/* A write the guest made into a paging-structure page scout protects: the
 * A/D bits it would have had, the walks above recomputed, the tables
 * followed again, and the guest's TLB flushed before it runs on.  Returns
 * why the page is kept (ENF_PT_*; the caller cuts the links for LINKS). */
unsigned enf_paging_written(struct enf *ef, uint64_t gpa, size_t len)
{
    struct enf_ptpage *p = find(ef, PAGE_OF(gpa));
    if (!p)
        return 0;
    unsigned off = (unsigned)base_page_off(gpa);
    preset_ad(ef, p, off, off + (unsigned)len);
    if (p->why & ENF_PT_TABLES)
        ef->tables.dirty = 1;
    ef->paging_gen++;
    ef->flush_tlb = 1;
    ef->st.paging_writes++;
    return p->why;
}

void enf_paging_free(struct enf *ef)
{
    VEC_FREE(&ef->ptpages);
    VEC_FREE(&ef->step_lin);
}
