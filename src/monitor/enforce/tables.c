/* tables.c — the tables the CPU reads to find code without an exit: the
 * IDT (or the real-mode IVT) and the GDT/LDT entries of its gates' code
 * segments.  They are followed: their pages are read-only to KVM, and when
 * one changes (a guest write, LIDT/LGDT/LLDT, a mode or paging change) they
 * are read again, and so are the page-table walks to them and to every
 * handler (paging.c).  Every handler they lead to is guarded by an ENTRY trap,
 * so an exception or interrupt the CPU delivers on its own -- in the middle
 * of an in-place step too -- arrives at an exit before the handler's first
 * instruction runs; the handler is scanned there, in the mode it is
 * entered in.
 *
 * A handler inside one of the tables themselves is neither scanned nor
 * trapped: a trap byte there would change the table the CPU reads (the
 * limit of byte patching that also makes guests see trap bytes in their
 * own code).
 *
 * The real-mode IVT shares page 0 with data (the BIOS data area, and
 * whatever a guest keeps there): a write elsewhere in the page changes no
 * vector, and a write into the IVT is followed for the vectors it touched
 * only.  By PC convention vectors 1Dh, 1Eh, 1Fh, 41h, 43h and 46h point at
 * parameter tables and fonts, not handlers: a trap byte there would change
 * what the guest reads.  In real mode they are guarded only while an
 * interrupt controller could deliver them (the 8259's vector blocks); the
 * CPU's own exceptions are 00h-13h, and INT n is emulated and scans its
 * target. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/enforce/enforce_priv.h"

struct range { uint64_t lo, hi; };          /* linear, [lo, hi) */

/* PC-convention data pointers among the real-mode vectors (see above) */
static const uint64_t real_mode_data[4] = { 7ull << 0x1d, 1ull << (0x41 - 64) | 1ull << (0x43 - 64) | 1ull << (0x46 - 64),
                                            0, 0 };

static int bit(const uint64_t *b, unsigned v) { return (b[v / 64] >> (v % 64)) & 1; }

/* Whether real-mode vector v leads to a handler to guard. */
static int real_mode_guarded(const struct enf_tables *t, unsigned v)
{
    return !bit(real_mode_data, v) || bit(t->ctl_vectors, v);
}

static int same_state(const struct enf_tables *t, const struct cpu_view *c)
{
    const struct kvm_sregs *s = &c->sregs;
    return t->valid && t->cr0 == s->cr0 && t->cr3 == s->cr3 && t->cr4 == s->cr4 && t->efer == s->efer &&
           t->idt.base == s->idt.base && t->idt.limit == s->idt.limit && t->gdt.base == s->gdt.base &&
           t->gdt.limit == s->gdt.limit && t->ldt_base == s->ldt.base && t->ldt_limit == s->ldt.limit;
}

/* The walk to a linear page the CPU reads or runs without an exit: its
 * paging-structure pages are kept still too (paging.c). */
static int keep_walk(struct enf *ef, const struct gmem_paging *pg, uint64_t lin)
{
    struct enf_ptpage path[ENF_PATH_MAX];
    int n = enf_paging_path(ef, pg, lin, path);
    return enf_paging_want(ef, ENF_PT_TABLES, path, n);
}

/* The table bytes [lin, lin+len): their pages protected, the bytes
 * themselves remembered (a write elsewhere on such a page -- the BIOS data
 * area beside the IVT -- needs no new look at the tables). */
static int add_pages(struct enf *ef, struct enf_tables *t, uint64_t lin, uint64_t len)
{
    struct gmem_paging pg = { t->cr0, t->cr3, t->cr4, t->efer, 0 };
    for (uint64_t a = PAGE_OF(lin); a < lin + len; a += PAGE_SIZE) {
        uint64_t gpa, lo = a > lin ? a : lin, hi = a + PAGE_SIZE < lin + len ? a + PAGE_SIZE : lin + len;
        if (keep_walk(ef, &pg, a) != 0)
            return -1;
        if (gmem_translate(ef->vm, lo, 0, &gpa) != 0 || gpa >= vm_mem_size(ef->vm))
            continue;
        struct enf_range r = { gpa, hi - lo };
        if (VEC_PUSH(&t->bytes, r) != 0)
            return -1;
        if (!enf_is_table_page(t, PAGE_OF(gpa)) && VEC_PUSH(&t->pages, PAGE_OF(gpa)) != 0)
            return -1;
    }
    return 0;
}

/* Whether [gpa, gpa+len) overlaps table bytes (not just their pages). */
static int tables_hit(const struct enf_tables *t, uint64_t gpa, uint64_t len)
{
    for (size_t i = 0; i < t->bytes.n; i++)
        if (gpa < t->bytes.v[i].gpa + t->bytes.v[i].len && t->bytes.v[i].gpa < gpa + len)
            return 1;
    return 0;
}

static int in_ranges(const struct range *r, size_t n, uint64_t lin)
{
    for (size_t i = 0; i < n; i++)
        if (lin >= r[i].lo && lin < r[i].hi)
            return 1;
    return 0;
}

const struct enf_entry *enf_tables_entry(const struct enf *ef, uint64_t gpa)
{
    for (size_t i = 0; i < ef->tables.entries.n; i++)
        if (ef->tables.entries.v[i].gpa == gpa)
            return &ef->tables.entries.v[i];
    return NULL;
}

static void drop_entry(struct enf *ef, uint64_t gpa)
{
    enf_unplant(ef, gpa, ENF_TRAP_ENTRY);
    prescan_unpin(ef->ps, gpa);
    enf_sync_protection(ef, PAGE_OF(gpa));
}

static int guard_entry(struct enf *ef, uint64_t gpa)
{
    if (prescan_pin(ef->ps, gpa) != 0) {
        enf_fail(ef, "out of memory");
        return -1;
    }
    if (enf_sync_touched(ef) != 0 || enf_plant(ef, gpa, ENF_TRAP_ENTRY) != 0)
        return -1;
    return enf_sync_protection(ef, PAGE_OF(gpa));
}

/* A task gate: the CPU switches to the TSS's task and runs from its CS:EIP,
 * under its CR3.  The TSS and its descriptor are table data too. */
static int task_entry(struct enf *ef, struct enf_tables *t, const struct cpu_view *c, const struct x86_emul_cpu *e,
                      const struct x86_emul_mem *mem, uint16_t sel, struct x86_target *tg, uint64_t *gpa)
{
    uint32_t cr3;
    uint64_t tss;
    if (x86_emul_task_target(e, mem, sel, tg, &cr3, &tss) != 0)
        return -1;
    /* The switch reads the TSS and, in the GDT, the TSS's, the new LDT's
     * and (mostly) the new CS's descriptors: all of the GDT is followed.
     * (A CS in the new task's LDT is not: no host here switches tasks.) */
    if (add_pages(ef, t, c->sregs.gdt.base, (uint64_t)c->sregs.gdt.limit + 1) != 0 || add_pages(ef, t, tss, 0x68) != 0)
        return -1;
    struct gmem_paging pg = { c->sregs.cr0, cr3, c->sregs.cr4, c->sregs.efer, 0 };
    if (keep_walk(ef, &pg, tg->linear) != 0)
        return -1;
    return enf_translate_paging(ef, &pg, tg->linear, gpa);
}

static void tables_event(struct enf *ef)
{
    const struct enf_tables *t = &ef->tables;
    if (!events_wanted(ef->events))
        return;
    struct scout_event ev;
    memset(&ev, 0, sizeof(ev));
    ev.type = SCOUT_EV_TABLES;
    ev.u.tables.idt = t->idt.base;
    ev.u.tables.limit = t->idt.limit;
    ev.u.tables.entries = t->entries.n;
    ev.u.tables.pages = t->pages.n;
    enf_emit(ef, &ev);
}

/* Reads the tables again and brings entries, traps and protection up to date. */
static void follow(struct enf *ef, const struct cpu_view *c)
{
    struct enf_tables *t = &ef->tables;
    struct x86_emul_cpu e;
    struct x86_emul_mem mem = { ef, enf_emul_read, NULL };
    VEC(struct enf_entry) entries = { 0 };
    VEC(uint64_t) old_pages;
    const struct kvm_sregs *s = &c->sregs;
    int real = !(s->cr0 & X86_CR0_PE), lm = x86_long_mode(s);

    ef->st.table_follows++;
    t->valid = 1;
    t->dirty = 0;
    t->cr0 = s->cr0;
    t->cr3 = s->cr3;
    t->cr4 = s->cr4;
    t->efer = s->efer;
    t->idt = s->idt;
    t->gdt = s->gdt;
    t->ldt_base = s->ldt.base;
    t->ldt_limit = s->ldt.limit;
    memcpy(&old_pages, &t->pages, sizeof(old_pages));
    memset(&t->pages, 0, sizeof(t->pages));
    t->bytes.n = 0;
    enf_paging_mark_stale(ef, ENF_PT_TABLES);
    for (unsigned v = 0; v < 256; v++)
        t->vec_gpa[v] = UINT64_MAX;
    memset(t->vec_dirty, 0, sizeof(t->vec_dirty));
    vm_intr_vectors(ef->vm, t->ctl_vectors);

    /* the tables' own bytes: protected, and never a trap byte */
    struct range tab[3];
    size_t ntab = 0;
    uint64_t idt_len = (uint64_t)s->idt.limit + 1;
    if (real && idt_len > 0x400)
        idt_len = 0x400;
    if (!real && idt_len > (lm ? 4096u : 2048u))
        idt_len = lm ? 4096u : 2048u;
    tab[ntab++] = (struct range){ s->idt.base, s->idt.base + idt_len };
    if (add_pages(ef, t, s->idt.base, idt_len) != 0)
        goto oom;

    enf_cpu_to_emul(ef, c, &e);
    e.rflags &= ~X86_RFLAGS_VM;
    unsigned size = real ? 4 : lm ? 16 : 8;
    for (unsigned v = 0; v < 256 && (uint64_t)v * size + size <= idt_len; v++) {
        struct x86_target tg;
        uint64_t gpa;
        if (real && !real_mode_guarded(t, v))
            continue;
        int r = x86_emul_vector(&e, &mem, v, &tg);
        if (r == -2) {
            if (task_entry(ef, t, c, &e, &mem, tg.selector, &tg, &gpa) != 0)
                continue;               /* the switch faults: #TS/#GP, to a guarded handler */
            goto entry;
        }
        if (r != 0)
            continue;                   /* not present: the CPU faults */
        if (!real) {
            /* the descriptor of the gate's code segment is read at every
             * delivery (and its accessed bit written: made first) */
            uint64_t base = (tg.selector & 4) ? s->ldt.base : s->gdt.base;
            if (add_pages(ef, t, base + (tg.selector & ~7u), 8) != 0)
                goto oom;
            enf_touch_selector(ef, c, tg.selector);
        }
        struct gmem_paging pg = { s->cr0, s->cr3, s->cr4, s->efer, 0 };
        if (keep_walk(ef, &pg, tg.linear) != 0)
            goto oom;
        if (gmem_translate(ef->vm, tg.linear, 0, &gpa) != 0)
            continue;                   /* not mapped: delivery faults on the fetch */
    entry:
        if (enf_in_monitor(ef, gpa))
            continue;
        size_t i;
        for (i = 0; i < entries.n && entries.v[i].gpa != gpa; i++)
            ;
        if (i < entries.n) {
            entries.v[i].nvectors++;
            entries.v[i].gp |= v == X86_VEC_GP;
            t->vec_gpa[v] = gpa;
            continue;
        }
        if (in_ranges(tab, ntab, tg.linear))
            continue;                   /* inside the table itself: see the top of the file */
        t->vec_gpa[v] = gpa;
        struct enf_entry ent = { gpa, v, 1, v == X86_VEC_GP };
        if (VEC_PUSH(&entries, ent) != 0)
            goto oom;
    }

    /* entries that went away lose their traps; new ones get theirs */
    for (size_t i = 0; i < t->entries.n; i++) {
        size_t k;
        for (k = 0; k < entries.n && entries.v[k].gpa != t->entries.v[i].gpa; k++)
            ;
        if (k == entries.n)
            drop_entry(ef, t->entries.v[i].gpa);
    }
    for (size_t k = 0; k < entries.n && !ef->failed; k++)
        if (!(enf_trap_kinds(ef->tt, entries.v[k].gpa) & ENF_TRAP_ENTRY))
            guard_entry(ef, entries.v[k].gpa);
    VEC_FREE(&t->entries);
    memcpy(&t->entries, &entries, sizeof(entries));
    /* table pages: protect the new ones, let the old ones go */
    for (size_t i = 0; i < t->pages.n; i++)
        enf_sync_protection(ef, t->pages.v[i]);
    for (size_t i = 0; i < old_pages.n; i++)
        if (!enf_is_table_page(t, old_pages.v[i]))
            enf_sync_protection(ef, old_pages.v[i]);
    VEC_FREE(&old_pages);
    enf_paging_drop_stale(ef);
    t->dirty = 0;                       /* (the accessed bits set above are no change to follow) */
    memset(t->vec_dirty, 0, sizeof(t->vec_dirty));
    tables_event(ef);
    return;
oom:
    VEC_FREE(&entries);
    VEC_FREE(&old_pages);
    enf_fail(ef, "out of memory following the interrupt tables");
}

static int real_ivt(const struct enf_tables *t) { return t->valid && !(t->cr0 & X86_CR0_PE); }

static uint64_t ivt_end(const struct enf_tables *t)
{
    uint64_t len = (uint64_t)t->idt.limit + 1;
    return t->idt.base + (len < 0x400 ? len : 0x400);
}

void enf_tables_written(struct enf *ef, uint64_t gpa, size_t len)
{
    struct enf_tables *t = &ef->tables;
    if (!tables_hit(t, gpa, len))
        return;                         /* data beside the tables (the BIOS data area) */
    if (!real_ivt(t)) {
        t->dirty = 1;
        return;
    }
    /* (no paging in real mode: linear = physical) */
    for (uint64_t a = gpa < t->idt.base ? t->idt.base : gpa; a < gpa + len && a < ivt_end(t); a++) {
        unsigned v = (unsigned)((a - t->idt.base) / 4);
        t->vec_dirty[v / 64] |= 1ull << (v % 64);
    }
}

/* Vector v of the IVT now leads to gpa (UINT64_MAX: nothing to guard):
 * the entries, their counts and traps follow.  1 if anything changed. */
static int move_vector(struct enf *ef, unsigned v, uint64_t gpa)
{
    struct enf_tables *t = &ef->tables;
    uint64_t old = t->vec_gpa[v];
    if (old == gpa)
        return 0;
    t->vec_gpa[v] = gpa;
    for (size_t i = 0; old != UINT64_MAX && i < t->entries.n; i++) {
        struct enf_entry *e = &t->entries.v[i];
        if (e->gpa != old)
            continue;
        if (--e->nvectors == 0) {
            drop_entry(ef, old);
            t->entries.v[i] = t->entries.v[--t->entries.n];
            break;
        }
        if (v == X86_VEC_GP)
            e->gp = 0;
        if (e->vector == v)
            for (e->vector = 0; t->vec_gpa[e->vector] != old; e->vector++)
                ;
        break;
    }
    if (gpa == UINT64_MAX)
        return 1;
    for (size_t i = 0; i < t->entries.n; i++)
        if (t->entries.v[i].gpa == gpa) {
            t->entries.v[i].nvectors++;
            t->entries.v[i].gp |= v == X86_VEC_GP;
            if (v < t->entries.v[i].vector)
                t->entries.v[i].vector = v;
            return 1;
        }
    struct enf_entry ent = { gpa, v, 1, v == X86_VEC_GP };
    if (VEC_PUSH(&t->entries, ent) != 0) {
        enf_fail(ef, "out of memory following the interrupt tables");
        return 1;
    }
    if (!(enf_trap_kinds(ef->tt, gpa) & ENF_TRAP_ENTRY))
        guard_entry(ef, gpa);
    return 1;
}

/* The IVT vectors a write changed, followed again one by one. */
static void follow_vectors(struct enf *ef, const struct cpu_view *c)
{
    struct enf_tables *t = &ef->tables;
    struct x86_emul_cpu e;
    struct x86_emul_mem mem = { ef, enf_emul_read, NULL };
    int changed = 0;
    enf_cpu_to_emul(ef, c, &e);
    e.rflags &= ~X86_RFLAGS_VM;
    for (unsigned v = 0; v < 256 && !ef->failed; v++) {
        if (!bit(t->vec_dirty, v))
            continue;
        struct x86_target tg;
        uint64_t gpa;
        if (x86_emul_vector(&e, &mem, v, &tg) != 0 || gmem_translate(ef->vm, tg.linear, 0, &gpa) != 0 ||
            enf_in_monitor(ef, gpa) || (tg.linear >= t->idt.base && tg.linear < ivt_end(t)) ||
            !real_mode_guarded(t, v))
            gpa = UINT64_MAX;           /* as follow() leaves them: nothing to guard */
        changed |= move_vector(ef, v, gpa);
    }
    memset(t->vec_dirty, 0, sizeof(t->vec_dirty));
    if (changed) {
        ef->st.table_follows++;
        tables_event(ef);
    }
}

/* Whether the controllers' vectors changed over a data-convention vector
 * (real mode: guarded now, or no longer). */
static int controllers_moved(struct enf *ef)
{
    uint64_t now[4];
    if (!real_ivt(&ef->tables))
        return 0;
    vm_intr_vectors(ef->vm, now);
    for (unsigned i = 0; i < 4; i++)
        if ((now[i] ^ ef->tables.ctl_vectors[i]) & real_mode_data[i])
            return 1;
    return 0;
}

void enf_tables_check(struct enf *ef, const struct cpu_view *c)
{
    const uint64_t *d = ef->tables.vec_dirty;
    if (ef->tables.dirty || !same_state(&ef->tables, c) || controllers_moved(ef))
        follow(ef, c);
    else if (d[0] | d[1] | d[2] | d[3])
        follow_vectors(ef, c);
}

void enf_tables_free(struct enf *ef)
{
    VEC_FREE(&ef->tables.entries);
    VEC_FREE(&ef->tables.pages);
    VEC_FREE(&ef->tables.bytes);
}
