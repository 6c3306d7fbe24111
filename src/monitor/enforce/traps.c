/* traps.c — see traps.h.  Pages that hold traps live in an open-addressing
 * hash table keyed by page number; each keeps, per byte, the kinds present
 * and the guest's original byte. */
#include "monitor/enforce/enforce.h"

#include "base/base.h"

#include <stdlib.h>
#include <string.h>

#define PAGE_SIZE 4096u
#define KIND_MASK (ENF_TRAP_VIRTUALIZE | ENF_TRAP_STEP | ENF_TRAP_BREAK | ENF_TRAP_ENTRY)
#define SUSPENDED 0x80u   /* in kinds[]: original byte temporarily restored */

struct trap_page {
    uint64_t page_gpa;
    unsigned count;                 /* bytes with any kind */
    uint8_t kinds[PAGE_SIZE];
    uint8_t orig[PAGE_SIZE];
};

struct enf_trap_table {
    struct enf_trap_mem mem;
    uint8_t enf_trap_byte;
    struct trap_page **slots;       /* open addressing; NULL = empty */
    size_t nslots, npages, ntraps;
    size_t nkind[4];                /* bytes holding each kind (bit i of KIND_MASK) */
    VEC(uint64_t) suspended;        /* gpas whose trap is suspended */
};

static size_t slot_of(const struct enf_trap_table *tt, uint64_t page_gpa)
{
    uint64_t h = (page_gpa >> 12) * 0x9e3779b97f4a7c15ull;
    return (size_t)(h >> 20) & (tt->nslots - 1);
}

static struct trap_page *page_find(const struct enf_trap_table *tt, uint64_t page_gpa)
{
    for (size_t i = slot_of(tt, page_gpa);; i = (i + 1) & (tt->nslots - 1)) {
        struct trap_page *p = tt->slots[i];
        if (!p || p->page_gpa == page_gpa)
            return p;
    }
}

static int table_grow(struct enf_trap_table *tt)
{
    size_t old_n = tt->nslots;
    struct trap_page **old = tt->slots;
    struct trap_page **slots = calloc(old_n * 2, sizeof(*slots));
    if (!slots)
        return -1;
    tt->slots = slots;
    tt->nslots = old_n * 2;
    for (size_t i = 0; i < old_n; i++) {
        if (!old[i])
            continue;
        size_t j = slot_of(tt, old[i]->page_gpa);
        while (tt->slots[j])
            j = (j + 1) & (tt->nslots - 1);
        tt->slots[j] = old[i];
    }
    free(old);
    return 0;
}

static struct trap_page *page_get(struct enf_trap_table *tt, uint64_t page_gpa)
{
    struct trap_page *p = page_find(tt, page_gpa);
    if (p)
        return p;
    if ((tt->npages + 1) * 2 > tt->nslots && table_grow(tt) != 0)
        return NULL;
    p = calloc(1, sizeof(*p));
    if (!p)
        return NULL;
    p->page_gpa = page_gpa;
    size_t i = slot_of(tt, page_gpa);
    while (tt->slots[i])
        i = (i + 1) & (tt->nslots - 1);
    tt->slots[i] = p;
    tt->npages++;
    return p;
}

/* Deletes an empty page; re-inserts the cluster after it (linear probing). */
static void page_drop(struct enf_trap_table *tt, struct trap_page *p)
{
    size_t i = slot_of(tt, p->page_gpa);
    while (tt->slots[i] != p)
        i = (i + 1) & (tt->nslots - 1);
    tt->slots[i] = NULL;
    free(p);
    tt->npages--;
    for (size_t j = (i + 1) & (tt->nslots - 1); tt->slots[j]; j = (j + 1) & (tt->nslots - 1)) {
        struct trap_page *q = tt->slots[j];
        tt->slots[j] = NULL;
        size_t k = slot_of(tt, q->page_gpa);
        while (tt->slots[k])
            k = (k + 1) & (tt->nslots - 1);
        tt->slots[k] = q;
    }
}

struct enf_trap_table *enf_trap_table_new(const struct enf_trap_mem *mem, uint8_t enf_trap_byte)
{
    struct enf_trap_table *tt = calloc(1, sizeof(*tt));
    if (!tt)
        return NULL;
    tt->mem = *mem;
    tt->enf_trap_byte = enf_trap_byte;
    tt->nslots = 64;
    tt->slots = calloc(tt->nslots, sizeof(*tt->slots));
    if (!tt->slots) {
        free(tt);
        return NULL;
    }
    return tt;
}

void enf_trap_table_free(struct enf_trap_table *tt)
{
    if (!tt)
        return;
    for (size_t i = 0; i < tt->nslots; i++)
        free(tt->slots[i]);
    free(tt->slots);
    VEC_FREE(&tt->suspended);
    free(tt);
}

uint8_t enf_trap_byte(const struct enf_trap_table *tt) { return tt->enf_trap_byte; }

/* A byte's kinds change from `was` to `now`: keep the per-kind counts. */
static void recount(struct enf_trap_table *tt, unsigned was, unsigned now)
{
    for (unsigned b = 0; b < 4; b++) {
        unsigned k = 1u << b;
        if ((was & k) && !(now & k))
            tt->nkind[b]--;
        else if (!(was & k) && (now & k))
            tt->nkind[b]++;
    }
}

size_t enf_trap_count_kind(const struct enf_trap_table *tt, unsigned kind)
{
    size_t n = 0;
    for (unsigned b = 0; b < 4; b++)
        if (kind & (1u << b))
            n += tt->nkind[b];
    return n;
}

int enf_trap_plant(struct enf_trap_table *tt, uint64_t gpa, unsigned kind)
{
    kind &= KIND_MASK;
    if (!kind)
        return 0;
    uint64_t page_gpa = gpa & ~(uint64_t)(PAGE_SIZE - 1);
    unsigned off = (unsigned)(gpa & (PAGE_SIZE - 1));
    struct trap_page *p = page_find(tt, page_gpa);
    if (p && (p->kinds[off] & KIND_MASK)) {
        recount(tt, p->kinds[off] & KIND_MASK, (p->kinds[off] | kind) & KIND_MASK);
        p->kinds[off] |= (uint8_t)kind;
        return 0;
    }
    uint8_t orig;
    if (tt->mem.read(tt->mem.ctx, gpa, &orig, 1) != 0)
        return -1;
    p = page_get(tt, page_gpa);
    if (!p)
        return -1;
    if (tt->mem.write(tt->mem.ctx, gpa, &tt->enf_trap_byte, 1) != 0) {
        if (p->count == 0)
            page_drop(tt, p);
        return -1;
    }
    p->orig[off] = orig;
    p->kinds[off] = (uint8_t)kind;
    recount(tt, 0, kind);
    p->count++;
    tt->ntraps++;
    return 0;
}

/* Forgets the trap at off; puts the original back unless suspended
 * (where it is already back). */
static int trap_clear(struct enf_trap_table *tt, struct trap_page *p, unsigned off)
{
    int rc = 0;
    if (!(p->kinds[off] & SUSPENDED))
        rc = tt->mem.write(tt->mem.ctx, p->page_gpa + off, &p->orig[off], 1);
    else
        for (size_t i = 0; i < tt->suspended.n; i++)
            if (tt->suspended.v[i] == p->page_gpa + off)
                tt->suspended.v[i] = tt->suspended.v[--tt->suspended.n];
    recount(tt, p->kinds[off] & KIND_MASK, 0);
    p->kinds[off] = 0;
    p->count--;
    tt->ntraps--;
    return rc;
}

int enf_trap_remove(struct enf_trap_table *tt, uint64_t gpa, unsigned kind)
{
    uint64_t page_gpa = gpa & ~(uint64_t)(PAGE_SIZE - 1);
    unsigned off = (unsigned)(gpa & (PAGE_SIZE - 1));
    struct trap_page *p = page_find(tt, page_gpa);
    if (!p || !(p->kinds[off] & KIND_MASK))
        return 0;
    unsigned left = p->kinds[off] & KIND_MASK & ~(kind & KIND_MASK);
    if (left) {
        recount(tt, p->kinds[off] & KIND_MASK, left);
        p->kinds[off] = (uint8_t)((p->kinds[off] & SUSPENDED) | left);
        return 0;
    }
    int rc = trap_clear(tt, p, off);
    if (p->count == 0)
        page_drop(tt, p);
    return rc;
}

size_t enf_trap_remove_page(struct enf_trap_table *tt, uint64_t page_gpa)
{
    struct trap_page *p = page_find(tt, page_gpa & ~(uint64_t)(PAGE_SIZE - 1));
    if (!p)
        return 0;
    size_t n = 0;
    for (unsigned off = 0; off < PAGE_SIZE && p->count; off++)
        if (p->kinds[off] & KIND_MASK) {
            trap_clear(tt, p, off);
            n++;
        }
    page_drop(tt, p);
    return n;
}

unsigned enf_trap_kinds(const struct enf_trap_table *tt, uint64_t gpa)
{
    const struct trap_page *p = page_find(tt, gpa & ~(uint64_t)(PAGE_SIZE - 1));
    return p ? p->kinds[gpa & (PAGE_SIZE - 1)] & KIND_MASK : 0;
}

int enf_trap_is_armed(const struct enf_trap_table *tt, uint64_t gpa)
{
    const struct trap_page *p = page_find(tt, gpa & ~(uint64_t)(PAGE_SIZE - 1));
    if (!p)
        return 0;
    uint8_t k = p->kinds[gpa & (PAGE_SIZE - 1)];
    return (k & KIND_MASK) && !(k & SUSPENDED);
}

int enf_trap_original(const struct enf_trap_table *tt, uint64_t gpa, uint8_t *orig)
{
    const struct trap_page *p = page_find(tt, gpa & ~(uint64_t)(PAGE_SIZE - 1));
    unsigned off = (unsigned)(gpa & (PAGE_SIZE - 1));
    if (!p || !(p->kinds[off] & KIND_MASK))
        return -1;
    *orig = p->orig[off];
    return 0;
}

void enf_trap_undo(const struct enf_trap_table *tt, uint64_t gpa, uint8_t *bytes, size_t len)
{
    size_t done = 0;
    while (done < len) {
        uint64_t a = gpa + done;
        uint64_t page_gpa = a & ~(uint64_t)(PAGE_SIZE - 1);
        size_t off = (size_t)(a - page_gpa);
        size_t n = PAGE_SIZE - off < len - done ? PAGE_SIZE - off : len - done;
        const struct trap_page *p = page_find(tt, page_gpa);
        if (p)
            for (size_t i = 0; i < n; i++)
                if ((p->kinds[off + i] & KIND_MASK) && !(p->kinds[off + i] & SUSPENDED))
                    bytes[done + i] = p->orig[off + i];
        done += n;
    }
}

int enf_trap_guest_write(struct enf_trap_table *tt, uint64_t gpa, const void *data, size_t len)
{
    const uint8_t *src = data;
    size_t run = 0;     /* bytes pending a direct write, ending before i */
    for (size_t i = 0; i <= len; i++) {
        struct trap_page *p = NULL;
        unsigned off = 0;
        if (i < len) {
            off = (unsigned)((gpa + i) & (PAGE_SIZE - 1));
            p = page_find(tt, (gpa + i) & ~(uint64_t)(PAGE_SIZE - 1));
        }
        int trapped = p && (p->kinds[off] & KIND_MASK) && !(p->kinds[off] & SUSPENDED);
        if (i == len || trapped) {
            if (run && tt->mem.write(tt->mem.ctx, gpa + i - run, src + i - run, run) != 0)
                return -1;
            run = 0;
            if (trapped)
                p->orig[off] = src[i];
        } else {
            if (p && (p->kinds[off] & SUSPENDED))
                p->orig[off] = src[i];
            run++;
        }
    }
    return 0;
}

int enf_trap_suspend_range(struct enf_trap_table *tt, uint64_t gpa, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        uint64_t a = gpa + i;
        struct trap_page *p = page_find(tt, a & ~(uint64_t)(PAGE_SIZE - 1));
        unsigned off = (unsigned)(a & (PAGE_SIZE - 1));
        if (!p || !(p->kinds[off] & KIND_MASK) || (p->kinds[off] & SUSPENDED))
            continue;
        /* room first: a restored byte is always on the list */
        if (VEC_RESERVE(&tt->suspended, tt->suspended.n + 1) != 0)
            return -1;
        if (tt->mem.write(tt->mem.ctx, a, &p->orig[off], 1) != 0)
            return -1;
        p->kinds[off] |= SUSPENDED;
        tt->suspended.v[tt->suspended.n++] = a;
    }
    return 0;
}

int enf_trap_rearm_suspended(struct enf_trap_table *tt)
{
    int rc = 0;
    while (tt->suspended.n) {
        uint64_t a = tt->suspended.v[--tt->suspended.n];
        struct trap_page *p = page_find(tt, a & ~(uint64_t)(PAGE_SIZE - 1));
        unsigned off = (unsigned)(a & (PAGE_SIZE - 1));
        if (!p || !(p->kinds[off] & SUSPENDED))
            continue;
        p->kinds[off] &= (uint8_t)~SUSPENDED;
        if (tt->mem.write(tt->mem.ctx, a, &tt->enf_trap_byte, 1) != 0)
            rc = -1;
    }
    return rc;
}

int enf_trap_has_suspended(const struct enf_trap_table *tt) { return tt->suspended.n != 0; }
size_t enf_trap_count(const struct enf_trap_table *tt) { return tt->ntraps; }

size_t enf_trap_count_page(const struct enf_trap_table *tt, uint64_t page_gpa)
{
    const struct trap_page *p = page_find(tt, page_gpa & ~(uint64_t)(PAGE_SIZE - 1));
    return p ? p->count : 0;
}

void enf_trap_for_each_in_page(const struct enf_trap_table *tt, uint64_t page_gpa,
                           void (*fn)(void *ctx, uint64_t gpa, unsigned kinds, uint8_t orig),
                           void *ctx)
{
    const struct trap_page *p = page_find(tt, page_gpa & ~(uint64_t)(PAGE_SIZE - 1));
    if (!p)
        return;
    for (unsigned off = 0; off < PAGE_SIZE; off++)
        if (p->kinds[off] & KIND_MASK)
            fn(ctx, p->page_gpa + off, p->kinds[off] & KIND_MASK, p->orig[off]);
}
