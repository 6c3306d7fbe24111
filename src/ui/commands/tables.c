/* tables.c — the guest's system tables as Bochs' and QEMU's monitors show
 * them: info gdt, info idt, info ldt, info tss, info tab / page ADDRESS
 * (the page walk), info mem (mapped ranges), info tlb (every mapping). */
#include "ui/commands/commands_priv.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define MAX_LEAVES 100000u      /* guest page tables are untrusted: a budget */
#define MAX_TLB_LINES 4096u
#define MAX_DESCS 256u           /* entries info gdt/ldt list without a range */

/* [FIRST [LAST]] entry numbers. */
static int range(struct cmd_ctx *ctx, int argc, char **argv, unsigned entries, unsigned *first, unsigned *last)
{
    uint64_t a = 0, b;
    if (argc > 3)
        return cmd_error(ctx, "usage: %s [FIRST [LAST]]", argv[0]);
    if (argc > 1 && cmd_arg_u64(ctx, argv[1], &a) != 0)
        return -1;
    b = argc > 2 ? 0 : entries ? entries - 1 : 0;
    if (argc == 2)
        b = a;
    if (argc > 2 && cmd_arg_u64(ctx, argv[2], &b) != 0)
        return -1;
    if (argc > 1 && (a >= entries || b < a))
        return cmd_error(ctx, "entries %" PRIu64 "..%" PRIu64 " are not in the table (it has %u)", a, b, entries);
    *first = (unsigned)a;
    *last = (unsigned)(b >= entries ? entries - 1 : b);
    return 0;
}

static void seg_text(const struct x86_desc *d, int lm, char *buf, size_t len)
{
    static const char *const sys[16] = { "reserved", "16-bit TSS (available)", "LDT", "16-bit TSS (busy)",
        "16-bit call gate", "task gate", "16-bit interrupt gate", "16-bit trap gate", "reserved",
        "TSS (available)", "reserved", "TSS (busy)", "call gate", "reserved", "interrupt gate", "trap gate" };
    if (!d->s) {
        snprintf(buf, len, "%s%s, base=0x%" PRIx64 ", limit=0x%x, dpl=%u%s",
                 lm && (d->type == 9 || d->type == 11) ? "64-bit " : "", sys[d->type & 15], d->base, d->limit, d->dpl,
                 d->present ? ", present" : ", not present");
        return;
    }
    int code = (d->type & 8) != 0;
    snprintf(buf, len, "%s %s, base=0x%" PRIx64 ", limit=0x%x, dpl=%u%s, %s%s%s", code ? "code" : "data",
             d->l && code ? "64-bit" : d->db ? "32-bit" : "16-bit", d->base, d->limit, d->dpl,
             d->present ? ", present" : ", not present",
             code ? (d->type & 2 ? "Execute/Read" : "Execute-Only") : (d->type & 2 ? "Read/Write" : "Read-Only"),
             code ? (d->type & 4 ? ", conforming" : "") : (d->type & 4 ? ", expand-down" : ""),
             d->type & 1 ? ", accessed" : "");
}

static int show_descs(struct cmd_ctx *ctx, int argc, char **argv, int ldt)
{
    struct commands *c = cmds_of(ctx);
    struct kvm_regs r;
    struct kvm_sregs sr;
    unsigned first, last, n = session_table_entries(c->s, ldt ? 'l' : 'g');
    if (session_regs(c->s, &r, &sr) != 0)
        return cmd_error(ctx, "cannot read the vCPU state");
    if (ldt && !n)
        return cmd_error(ctx, "no LDT is loaded (LDTR selector 0x%04x)", sr.ldt.selector);
    if (range(ctx, argc, argv, n, &first, &last) != 0)
        return -1;
    cmd_printf(ctx, "%s Descriptor Table (base=0x%" PRIx64 ", limit=0x%x):\n", ldt ? "Local" : "Global",
               (uint64_t)(ldt ? sr.ldt.base : sr.gdt.base), ldt ? sr.ldt.limit : sr.gdt.limit);
    if (!(sr.cr0 & X86_CR0_PE))
        cmd_printf(ctx, "(real mode: the CPU does not use it)\n");
    unsigned shown = 0, nulls = 0;
    for (unsigned i = first; i <= last && n; i++) {
        struct x86_desc d;
        uint64_t raw[2];
        char err[256], text[300];
        if (argc == 1 && shown == MAX_DESCS) {
            cmd_printf(ctx, "... more entries up to %u (info %s FIRST LAST)\n", last, ldt ? "ldt" : "gdt");
            break;
        }
        if (session_read_desc(c->s, ldt, i, &d, raw, err, sizeof err) != 0)
            return cmd_error(ctx, "%s", err);
        if (!raw[0] && argc == 1 && i) {
            nulls++;                    /* a listing of the whole table leaves out empty slots */
            continue;
        }
        shown++;
        if (!raw[0])
            snprintf(text, sizeof text, "null");
        else
            seg_text(&d, x86_long_mode(&sr), text, sizeof text);
        cmd_printf(ctx, "%s[%u] sel 0x%04x: %s\n", ldt ? "LDT" : "GDT", i, i * 8 | (ldt ? 4 : 0), text);
        if (raw[1] && !d.s && x86_long_mode(&sr))
            i++;                        /* its second half is not an entry of its own */
    }
    if (nulls)
        cmd_printf(ctx, "(%u null entries not shown)\n", nulls);
    return 0;
}

static int cmd_info_gdt(struct cmd_ctx *ctx, int argc, char **argv) { return show_descs(ctx, argc, argv, 0); }
static int cmd_info_ldt(struct cmd_ctx *ctx, int argc, char **argv) { return show_descs(ctx, argc, argv, 1); }

static int cmd_info_idt(struct cmd_ctx *ctx, int argc, char **argv)
{
    struct commands *c = cmds_of(ctx);
    struct kvm_regs r;
    struct kvm_sregs sr;
    unsigned first, last, n = session_table_entries(c->s, 'i');
    if (session_regs(c->s, &r, &sr) != 0)
        return cmd_error(ctx, "cannot read the vCPU state");
    if (n > 256)
        n = 256;
    if (range(ctx, argc, argv, n, &first, &last) != 0)
        return -1;
    int real = !(sr.cr0 & X86_CR0_PE), lm = x86_long_mode(&sr);
    cmd_printf(ctx, "%s (base=0x%" PRIx64 ", limit=0x%x):\n", real ? "Interrupt Vector Table" : "Interrupt Descriptor Table",
               (uint64_t)sr.idt.base, sr.idt.limit);
    for (unsigned i = first; i <= last && n; i++) {
        struct x86_gate g;
        char err[256], where[300];
        if (session_read_gate(c->s, i, &g, err, sizeof err) != 0)
            return cmd_error(ctx, "%s", err);
        if (real) {
            cmd_printf(ctx, "IVT[0x%02x]=%04x:%04" PRIx64 "\n", i, g.selector, g.offset);
            continue;
        }
        const char *kind = g.type == X86_GATE_INT32 ? "interrupt gate" : g.type == X86_GATE_TRAP32 ? "trap gate"
                         : g.type == X86_GATE_INT16 ? "16-bit interrupt gate" : g.type == X86_GATE_TRAP16 ? "16-bit trap gate"
                         : g.type == X86_GATE_TASK ? "task gate" : "not a gate";
        cmds_addr_text(c, g.offset, where, sizeof where);
        cmd_printf(ctx, "IDT[0x%02x]=%s%s, selector=0x%04x, offset=%s, dpl=%u%s", i, lm && g.type >= 0xe ? "64-bit " : "",
                   kind, g.selector, where, g.dpl, g.present ? ", present" : ", not present");
        if (g.ist)
            cmd_printf(ctx, ", ist=%u", g.ist);
        cmd_printf(ctx, " (%s)\n", session_vector_name(i));
    }
    return 0;
}

static int cmd_info_tss(struct cmd_ctx *ctx, int argc, char **argv)
{
    struct commands *c = cmds_of(ctx);
    struct kvm_regs r;
    struct kvm_sregs sr;
    uint8_t t[104] = {0};
    (void)argv;
    if (argc > 1)
        return cmd_error(ctx, "takes no arguments");
    if (session_regs(c->s, &r, &sr) != 0)
        return cmd_error(ctx, "cannot read the vCPU state");
    if (!sr.tr.present || sr.tr.unusable)
        return cmd_error(ctx, "no task register is loaded (TR selector 0x%04x)", sr.tr.selector);
    unsigned size = sr.tr.limit + 1 < sizeof t ? sr.tr.limit + 1 : sizeof t;
    if (session_read_linear(c->s, sr.tr.base, t, size) != 0)
        return cmd_error(ctx, "cannot read the TSS at 0x%llx", (unsigned long long)sr.tr.base);
#define U32(o) ((uint32_t)t[o] | (uint32_t)t[(o) + 1] << 8 | (uint32_t)t[(o) + 2] << 16 | (uint32_t)t[(o) + 3] << 24)
#define U64(o) ((uint64_t)U32(o) | (uint64_t)U32((o) + 4) << 32)
    cmd_printf(ctx, "TR 0x%04x: TSS at 0x%llx, limit 0x%x, %s\n", sr.tr.selector, (unsigned long long)sr.tr.base,
               sr.tr.limit, sr.tr.type == 11 || sr.tr.type == 3 ? "busy" : "available");
    if (x86_long_mode(&sr)) {
        cmd_printf(ctx, "rsp0 0x%016" PRIx64 "  rsp1 0x%016" PRIx64 "  rsp2 0x%016" PRIx64 "\n", U64(4), U64(12), U64(20));
        for (int i = 1; i <= 7; i++)
            cmd_printf(ctx, "ist%d 0x%016" PRIx64 "%s", i, U64(36 + (i - 1) * 8), i % 3 == 0 || i == 7 ? "\n" : "  ");
        cmd_printf(ctx, "iomap base 0x%04x\n", (unsigned)(t[102] | t[103] << 8));
    } else {
        cmd_printf(ctx, "link 0x%04x  esp0 0x%08x ss0 0x%04x  esp1 0x%08x ss1 0x%04x  esp2 0x%08x ss2 0x%04x\n",
                   U32(0) & 0xffff, U32(4), U32(8) & 0xffff, U32(12), U32(16) & 0xffff, U32(20), U32(24) & 0xffff);
        cmd_printf(ctx, "cr3 0x%08x  eip 0x%08x  eflags 0x%08x\n", U32(28), U32(32), U32(36));
        cmd_printf(ctx, "eax 0x%08x ecx 0x%08x edx 0x%08x ebx 0x%08x esp 0x%08x ebp 0x%08x esi 0x%08x edi 0x%08x\n",
                   U32(40), U32(44), U32(48), U32(52), U32(56), U32(60), U32(64), U32(68));
        cmd_printf(ctx, "es 0x%04x cs 0x%04x ss 0x%04x ds 0x%04x fs 0x%04x gs 0x%04x ldt 0x%04x  iomap base 0x%04x\n",
                   U32(72) & 0xffff, U32(76) & 0xffff, U32(80) & 0xffff, U32(84) & 0xffff, U32(88) & 0xffff,
                   U32(92) & 0xffff, U32(96) & 0xffff, U32(100) >> 16);
    }
#undef U32
#undef U64
    return 0;
}

/* ── page tables ────────────────────────────────────────────────────── */

static void flags_text(uint64_t e, char *buf, size_t len)
{
    snprintf(buf, len, "%s%s%s%s%s%s%s", e >> 63 ? "NX " : "", e & X86_PTE_PS ? "PS " : "", e & X86_PTE_D ? "D " : "",
             e & X86_PTE_A ? "A " : "", e & X86_PTE_US ? "U " : "S ", e & X86_PTE_RW ? "W " : "R ",
             e & X86_PTE_P ? "P" : "not-present");
}

static int cmd_page(struct cmd_ctx *ctx, int argc, char **argv)
{
    struct commands *c = cmds_of(ctx);
    struct session_walk w;
    uint64_t a;
    (void)argc, (void)argv;
    if (!*cmd_args_raw(ctx))
        return cmd_error(ctx, "usage: page ADDRESS (info mem: every mapping)");
    if (cmd_eval_addr(ctx, cmd_args_raw(ctx), &a) != 0)
        return -1;
    session_page_walk(c->s, a, &w);
    cmd_printf(ctx, "linear 0x%" PRIx64 ", paging %s\n", a, w.paging);
    for (int i = 0; i < w.nlevels; i++) {
        char f[64];
        flags_text(w.level[i].entry, f, sizeof f);
        cmd_printf(ctx, "%-6s at 0x%012" PRIx64 ": 0x%016" PRIx64 "  %s\n", w.level[i].name, w.level[i].entry_gpa,
                   w.level[i].entry, f);
    }
    if (w.mapped)
        cmd_printf(ctx, "linear page 0x%" PRIx64 " maps to physical 0x%" PRIx64 " (%s page, %s, %s%s)\n",
                   a & ~(w.page_size - 1), w.gpa & ~(w.page_size - 1),
                   w.page_size == 1ull << 30 ? "1G" : w.page_size == 1ull << 22 ? "4M" : w.page_size == 1ull << 21 ? "2M" : "4K",
                   w.writable ? "writable" : "read-only", w.user ? "user" : "supervisor", w.flags >> 63 ? ", no-execute" : "");
    else
        cmd_printf(ctx, "not mapped\n");
    return 0;
}

struct ranges {
    struct cmd_ctx *ctx;
    int have, tlb;
    uint64_t lin, end, gpa;     /* the run being merged (info mem / info tab) */
    int w, u, nx;
    unsigned lines;
    uint64_t more;
};

static void flush(struct ranges *r)
{
    if (!r->have)
        return;
    cmd_printf(r->ctx, "%016" PRIx64 "-%016" PRIx64 " %016" PRIx64 " %c%c%c  -> %012" PRIx64 "\n", r->lin, r->end,
               r->end - r->lin, r->u ? 'u' : '-', 'r', r->w ? 'w' : '-', r->gpa);
    r->have = 0;
}

static void on_leaf(void *ctx, uint64_t lin, uint64_t gpa, uint64_t size, int w, int u, int nx)
{
    struct ranges *r = ctx;
    if (r->tlb) {
        if (r->lines++ < MAX_TLB_LINES)
            cmd_printf(r->ctx, "%016" PRIx64 ": %012" PRIx64 " %s %c%c%s\n", lin, gpa,
                       size == 1ull << 30 ? "1G" : size == 1ull << 22 ? "4M" : size == 1ull << 21 ? "2M" : "4K",
                       u ? 'U' : 'S', w ? 'W' : 'R', nx ? " NX" : "");
        else
            r->more++;
        return;
    }
    /* info mem: contiguous linear and physical, same permissions */
    if (r->have && lin == r->end && gpa == r->gpa + (r->end - r->lin) && w == r->w && u == r->u && nx == r->nx) {
        r->end += size;
        return;
    }
    flush(r);
    *r = (struct ranges){ r->ctx, 1, 0, lin, lin + size, gpa, w, u, nx, r->lines, r->more };
}

static int mappings(struct cmd_ctx *ctx, int tlb)
{
    struct commands *c = cmds_of(ctx);
    struct ranges r = { ctx, 0, tlb, 0, 0, 0, 0, 0, 0, 0, 0 };
    struct session_walk w;
    session_page_walk(c->s, 0, &w);
    if (!strcmp(w.paging, "none")) {
        cmd_printf(ctx, "paging is off: linear addresses are physical (the first 4 GiB)\n");
        return 0;
    }
    if (!tlb)
        cmd_printf(ctx, "linear range                      size             prot -> physical\n");
    int rc = session_mappings(c->s, MAX_LEAVES, on_leaf, &r);
    flush(&r);
    if (rc < 0)
        return cmd_error(ctx, "paging %s: not walked", w.paging);
    if (r.more)
        cmd_printf(ctx, "... %" PRIu64 " more mappings\n", r.more);
    if (rc > 0)
        cmd_printf(ctx, "... stopped after %u mappings\n", MAX_LEAVES);
    return 0;
}

static int cmd_info_mem(struct cmd_ctx *ctx, int argc, char **argv)
{
    (void)argc, (void)argv;
    return mappings(ctx, 0);
}

static int cmd_info_tlb(struct cmd_ctx *ctx, int argc, char **argv)
{
    (void)argc, (void)argv;
    return mappings(ctx, 1);
}

static const struct cmd_def tables_cmds[] = {
    { "info gdt", NULL, "[FIRST [LAST]]", "the GDT's descriptors, decoded (Bochs)", NULL, CMD_CLASS_STATE,
      CMD_COMPLETE_NONE, 0, cmd_info_gdt, NULL },
    { "info ldt", NULL, "[FIRST [LAST]]", "the current LDT's descriptors (Bochs)", NULL, CMD_CLASS_STATE,
      CMD_COMPLETE_NONE, 0, cmd_info_ldt, NULL },
    { "info idt", NULL, "[FIRST [LAST]]", "the IDT's gates (the IVT in real mode) with their handlers (Bochs)",
      NULL, CMD_CLASS_STATE, CMD_COMPLETE_NONE, 0, cmd_info_idt, NULL },
    { "info tss", NULL, "", "the task state segment TR points to (Bochs)", NULL, CMD_CLASS_STATE,
      CMD_COMPLETE_NONE, 0, cmd_info_tss, NULL },
    { "page", NULL, "ADDRESS", "a linear address through the page tables, level by level (Bochs)", NULL,
      CMD_CLASS_STATE, CMD_COMPLETE_ADDRESS, CMD_F_RAW, cmd_page, NULL },
    { "info mem", "info tab", "", "mapped linear ranges with permissions and physical addresses (QEMU, Bochs)", NULL, CMD_CLASS_STATE,
      CMD_COMPLETE_NONE, 0, cmd_info_mem, NULL },
    { "info tlb", NULL, "", "every page mapping: linear, physical, size, permissions (QEMU)", NULL,
      CMD_CLASS_STATE, CMD_COMPLETE_NONE, 0, cmd_info_tlb, NULL },
};

int cmds_tables_register(struct cmd_ctx *ctx)
{
    return cmd_register(ctx, tables_cmds, sizeof tables_cmds / sizeof tables_cmds[0]);
}
