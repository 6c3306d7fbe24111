/* inspect.c — the guest's descriptor tables and page tables as it set
 * them up, for Bochs' `info gdt/idt/ldt/tss/tab` and QEMU's `info mem/
 * tlb`: entries read through the one checked accessor (trap bytes
 * undone), decoded by the x86 table (x86.h).  Untrusted: limits are
 * checked, loops in page tables end at the leaf budget.  See session.h. */
#include "ui/session/session_priv.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "base/base.h"

static uint64_t le64(const uint8_t *b)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | b[i];
    return v;
}

const char *session_vector_name(unsigned vector) { return x86_vector_name(vector); }

unsigned session_table_entries(struct session *s, char which)
{
    struct kvm_regs r;
    struct kvm_sregs sr;
    if (session_regs(s, &r, &sr) != 0)
        return 0;
    int lm = x86_long_mode(&sr);
    switch (which) {
    case 'g': return (sr.gdt.limit + 1u) / 8u;
    case 'l': return sr.ldt.selector && sr.ldt.present && !sr.ldt.unusable ? (sr.ldt.limit + 1u) / 8u : 0;
    case 'i':
        if (!(sr.cr0 & X86_CR0_PE))
            return (sr.idt.limit + 1u) / 4u;
        return (sr.idt.limit + 1u) / (lm ? 16u : 8u);
    default: return 0;
    }
}

int session_read_desc(struct session *s, int ldt, unsigned index, struct x86_desc *d, uint64_t raw[2], char *err,
                      size_t errlen)
{
    struct kvm_regs r;
    struct kvm_sregs sr;
    uint8_t b[16] = {0};
    if (session_regs(s, &r, &sr) != 0)
        return base_err(err, errlen, "cannot read the vCPU state");
    uint64_t base = ldt ? sr.ldt.base : sr.gdt.base;
    uint32_t limit = ldt ? sr.ldt.limit : sr.gdt.limit;
    if (ldt && (!sr.ldt.selector || !sr.ldt.present || sr.ldt.unusable))
        return base_err(err, errlen, "no LDT is loaded (LDTR selector 0x%04x)", sr.ldt.selector);
    if ((uint64_t)index * 8 + 7 > limit)
        return base_err(err, errlen, "entry %u is beyond the %s limit 0x%x", index, ldt ? "LDT" : "GDT", limit);
    if (session_read_linear(s, base + (uint64_t)index * 8, b, 8) != 0)
        return base_err(err, errlen, "cannot read %s entry %u at 0x%" PRIx64, ldt ? "LDT" : "GDT", index,
                        base + (uint64_t)index * 8);
    raw[0] = le64(b);
    raw[1] = 0;
    /* a system descriptor (S=0) is 16 bytes in long mode */
    if (x86_long_mode(&sr) && !(b[5] & 0x10) && (b[5] & 0x0f) &&
        (uint64_t)index * 8 + 15 <= limit && session_read_linear(s, base + (uint64_t)index * 8 + 8, b + 8, 8) == 0)
        raw[1] = le64(b + 8);
    x86_desc_decode(raw[0], raw[1], d);
    return 0;
}

int session_read_gate(struct session *s, unsigned vector, struct x86_gate *g, char *err, size_t errlen)
{
    struct kvm_regs r;
    struct kvm_sregs sr;
    uint8_t b[16] = {0};
    if (session_regs(s, &r, &sr) != 0)
        return base_err(err, errlen, "cannot read the vCPU state");
    if (!(sr.cr0 & X86_CR0_PE)) {
        /* the real-mode IVT: offset, segment */
        if ((uint64_t)vector * 4 + 3 > sr.idt.limit)
            return base_err(err, errlen, "vector %u is beyond the IVT limit 0x%x", vector, sr.idt.limit);
        if (session_read_linear(s, sr.idt.base + (uint64_t)vector * 4, b, 4) != 0)
            return base_err(err, errlen, "cannot read IVT entry %u", vector);
        memset(g, 0, sizeof(*g));
        g->offset = (uint64_t)b[0] | (uint64_t)b[1] << 8;
        g->selector = (uint16_t)(b[2] | b[3] << 8);
        g->present = 1;
        return 0;
    }
    int lm = x86_long_mode(&sr);
    unsigned size = lm ? 16 : 8;
    if ((uint64_t)vector * size + size - 1 > sr.idt.limit)
        return base_err(err, errlen, "vector %u is beyond the IDT limit 0x%x", vector, sr.idt.limit);
    if (session_read_linear(s, sr.idt.base + (uint64_t)vector * size, b, size) != 0)
        return base_err(err, errlen, "cannot read IDT entry %u at 0x%" PRIx64, vector,
                        (uint64_t)sr.idt.base + (uint64_t)vector * size);
    x86_gate_decode(b, lm, g);
    return 0;
}

/* ── page tables ────────────────────────────────────────────────────── */

#define NX_BIT (1ull << 63)
#define ADDR_MASK 0x000ffffffffff000ull

struct paging {
    enum gmem_walk_kind kind;
    uint64_t cr3;
    int pse, nxe;
};

static int paging_of(struct session *s, struct paging *pg)
{
    struct kvm_regs r;
    struct kvm_sregs sr;
    if (session_regs(s, &r, &sr) != 0)
        return -1;
    struct gmem_paging gp = { sr.cr0, sr.cr3, sr.cr4, sr.efer, x86_cpl(&r, &sr) };
    pg->kind = gmem_walk_kind(&gp);
    pg->cr3 = sr.cr3;
    pg->pse = (sr.cr4 & X86_CR4_PSE) != 0;
    pg->nxe = (sr.efer & X86_EFER_NXE) != 0;
    return 0;
}

static int entry_at(struct session *s, uint64_t gpa, unsigned size, uint64_t *e)
{
    uint8_t b[8] = {0};
    if (session_read_phys(s, gpa, b, size) != 0)
        return -1;
    *e = le64(b);
    return 0;
}

static const char *const names4[] = { "PTE", "PDE", "PDPTE", "PML4E" };

void session_page_walk(struct session *s, uint64_t linear, struct session_walk *w)
{
    struct paging pg;
    memset(w, 0, sizeof(*w));
    w->paging = "?";
    if (paging_of(s, &pg) != 0)
        return;
    w->writable = w->user = 1;
    switch (pg.kind) {
    case GMEM_WALK_NONE:
        w->paging = "none";
        w->mapped = 1;
        w->gpa = linear & 0xffffffffull;
        w->page_size = BASE_PAGE_SIZE;
        return;
    case GMEM_WALK_UNSUPPORTED:
        w->paging = "5-level (not walked)";
        return;
    default:
        break;
    }
    int levels = pg.kind == GMEM_WALK_32 ? 2 : pg.kind == GMEM_WALK_PAE ? 3 : 4;
    unsigned esize = pg.kind == GMEM_WALK_32 ? 4 : 8;
    w->paging = pg.kind == GMEM_WALK_32 ? "32-bit" : pg.kind == GMEM_WALK_PAE ? "PAE" : "4-level";
    if (pg.kind != GMEM_WALK_4LEVEL)
        linear &= 0xffffffffull;
    else if ((linear >> 47) != 0 && (linear >> 47) != 0x1ffff)
        return;                         /* not canonical */
    uint64_t table = pg.kind == GMEM_WALK_32 ? pg.cr3 & 0xfffff000ull
                     : pg.kind == GMEM_WALK_PAE ? pg.cr3 & 0xffffffe0ull : pg.cr3 & ADDR_MASK;
    for (int l = levels; l >= 1; l--) {
        int shift = pg.kind == GMEM_WALK_32 ? 12 + 10 * (l - 1) : 12 + 9 * (l - 1);
        unsigned bits = pg.kind == GMEM_WALK_32 ? 10 : pg.kind == GMEM_WALK_PAE && l == 3 ? 2 : 9;
        uint64_t idx = (linear >> shift) & ((1u << bits) - 1);
        uint64_t e;
        uint64_t egpa = table + idx * esize;
        if (entry_at(s, egpa, esize, &e) != 0)
            return;
        int n = w->nlevels++;
        w->level[n].name = pg.kind == GMEM_WALK_32 ? (l == 2 ? "PDE" : "PTE") : names4[l - 1];
        w->level[n].entry_gpa = egpa;
        w->level[n].entry = e;
        if (!(e & X86_PTE_P))
            return;
        if (!(pg.kind == GMEM_WALK_PAE && l == 3)) {     /* PAE PDPTEs have no R/W, U/S */
            w->writable &= (e & X86_PTE_RW) != 0;
            w->user &= (e & X86_PTE_US) != 0;
        }
        int large = (e & X86_PTE_PS) && ((pg.kind == GMEM_WALK_32 && l == 2 && pg.pse) ||
                                         (pg.kind != GMEM_WALK_32 && (l == 2 || (l == 3 && levels == 4))));
        if (l == 1 || large) {
            uint64_t size = 1ull << shift;
            uint64_t frame = pg.kind == GMEM_WALK_32 && large ? (e & 0xffc00000ull) | (((e >> 13) & 0xff) << 32)
                             : pg.kind == GMEM_WALK_32 ? e & 0xfffff000ull : e & ADDR_MASK & ~(size - 1);
            w->mapped = 1;
            w->gpa = frame | (linear & (size - 1));
            w->page_size = size;
            w->flags = e & (0xfffull | (pg.nxe ? NX_BIT : 0));
            return;
        }
        table = pg.kind == GMEM_WALK_32 ? e & 0xfffff000ull : e & ADDR_MASK;
    }
}

struct map_walk {
    struct session *s;
    struct paging pg;
    size_t max, n;
    void (*fn)(void *ctx, uint64_t lin, uint64_t gpa, uint64_t size, int w, int u, int nx);
    void *ctx;
};

/* The entries of one table at `level` (the top is `levels`), linear
 * addresses from base; 1 when the leaf budget ran out. */
static int walk_table(struct map_walk *mw, uint64_t table, int level, int levels, uint64_t base, int wr, int us,
                      int nx)
{
    const struct paging *pg = &mw->pg;
    int is32 = pg->kind == GMEM_WALK_32, pae_top = pg->kind == GMEM_WALK_PAE && level == 3;
    unsigned esize = is32 ? 4 : 8, count = is32 ? 1024 : pae_top ? 4 : 512;
    int shift = is32 ? 12 + 10 * (level - 1) : 12 + 9 * (level - 1);
    for (unsigned i = 0; i < count; i++) {
        uint64_t e;
        if (entry_at(mw->s, table + (uint64_t)i * esize, esize, &e) != 0 || !(e & X86_PTE_P))
            continue;
        uint64_t lin = base + ((uint64_t)i << shift);
        if (levels == 4 && level == 4 && i >= 256)
            lin |= 0xffff000000000000ull;   /* the upper half, sign-extended */
        int w = pae_top ? wr : wr && (e & X86_PTE_RW);
        int u = pae_top ? us : us && (e & X86_PTE_US);
        int x = nx || (pg->nxe && (e & NX_BIT));
        int large = (e & X86_PTE_PS) && ((is32 && level == 2 && pg->pse) || (!is32 && (level == 2 || (level == 3 && levels == 4))));
        if (level == 1 || large) {
            uint64_t size = 1ull << shift;
            uint64_t frame = is32 && large ? (e & 0xffc00000ull) | (((e >> 13) & 0xff) << 32)
                             : is32 ? e & 0xfffff000ull : e & ADDR_MASK & ~(size - 1);
            if (mw->n++ == mw->max)
                return 1;
            mw->fn(mw->ctx, lin, frame, size, w, u, x);
            continue;
        }
        if (walk_table(mw, is32 ? e & 0xfffff000ull : e & ADDR_MASK, level - 1, levels, lin, w, u, x))
            return 1;
    }
    return 0;
}

int session_mappings(struct session *s, size_t max,
                     void (*fn)(void *ctx, uint64_t lin, uint64_t gpa, uint64_t size, int w, int u, int nx), void *ctx)
{
    struct map_walk mw = { s, { 0 }, max, 0, fn, ctx };
    if (paging_of(s, &mw.pg) != 0 || mw.pg.kind == GMEM_WALK_NONE || mw.pg.kind == GMEM_WALK_UNSUPPORTED)
        return -1;
    int levels = mw.pg.kind == GMEM_WALK_32 ? 2 : mw.pg.kind == GMEM_WALK_PAE ? 3 : 4;
    uint64_t table = mw.pg.kind == GMEM_WALK_32 ? mw.pg.cr3 & 0xfffff000ull
                     : mw.pg.kind == GMEM_WALK_PAE ? mw.pg.cr3 & 0xffffffe0ull : mw.pg.cr3 & ADDR_MASK;
    return walk_table(&mw, table, levels, levels, 0, 1, 1, 0);
}
