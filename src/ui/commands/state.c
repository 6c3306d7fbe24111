/* state.c — looking at the guest: info registers, x, xp, disas,
 * info host, info pages, info trace. */
#include "ui/commands/commands_priv.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ── info registers ─────────────────────────────────────────────────── */

static void print_seg(struct cmd_ctx *ctx, const char *name, const struct kvm_segment *s)
{
    cmd_printf(ctx, "%-3s 0x%04x  base=0x%016llx limit=0x%08x type=%u dpl=%u%s%s%s%s\n", name, s->selector,
               (unsigned long long)s->base, s->limit, s->type, s->dpl, s->present ? " P" : "",
               s->s ? " S" : "", s->l ? " L" : "", s->db ? " D" : "");
}

/* info registers rax rip eflags ...: gdb's three columns: name, hex,
 * natural (decimal, <symbol> for code, [ flags ]). */
static int some_registers(struct cmd_ctx *ctx, int argc, char **argv)
{
    struct commands *c = cmds_of(ctx);
    for (int i = 1; i < argc; i++) {
        struct cmd_value v;
        char name[40], text[300];
        snprintf(name, sizeof name, "$%s", argv[i][0] == '$' ? argv[i] + 1 : argv[i]);
        if (strlen(argv[i]) > 32)
            return cmd_error(ctx, "invalid register \"%s\"", argv[i]);
        if (cmd_eval(ctx, name, 0, &v) != 0)
            return -1;                  /* (the evaluation said why) */
        if (v.lvalue != CMD_LVALUE_REG || isdigit((unsigned char)v.reg[0]))
            return cmd_error(ctx, "invalid register \"%s\"", argv[i]);
        cmds_format_value(c, &v, 0, text, sizeof text);
        cmd_printf(ctx, "%-14s 0x%-18" PRIx64 " %s\n", name + 1, v.v & (v.size >= 8 ? UINT64_MAX : (UINT64_C(1) << (v.size * 8)) - 1), text);
    }
    return 0;
}

static int cmd_info_registers(struct cmd_ctx *ctx, int argc, char **argv)
{
    struct commands *c = cmds_of(ctx);
    struct kvm_regs r;
    struct kvm_sregs s;
    int real = argc == 2 && strcmp(argv[1], "-real") == 0;
    if (argc > 1 && !real)
        return some_registers(ctx, argc, argv);
    if (real && !session_deprivileged(c->s))
        return cmd_error(ctx, "-real: the guest is not deprivileged (its state is the vCPU's)");
    int real_bits = 0, real_cpl = 0;
    if ((real ? session_real_regs(c->s, &r, &s, &real_bits, &real_cpl) : session_regs(c->s, &r, &s)) != 0)
        return cmd_error(ctx, "cannot read the vCPU state");
    if (real) {
        /* the vCPU as it ran: CPL 3, scout's tables, the shadow CR3 (the
         * general registers are the guest's own) */
        const struct { const char *n; uint64_t v; } g[] = {
            { "rax", r.rax }, { "rbx", r.rbx }, { "rcx", r.rcx }, { "rdx", r.rdx }, { "rsi", r.rsi },
            { "rdi", r.rdi }, { "rbp", r.rbp }, { "rsp", r.rsp }, { "r8", r.r8 }, { "r9", r.r9 },
            { "r10", r.r10 }, { "r11", r.r11 }, { "r12", r.r12 }, { "r13", r.r13 }, { "r14", r.r14 },
            { "r15", r.r15 } };
        cmd_printf(ctx, "(the vCPU's real state, deprivileged; the guest sees `info registers`)\n");
        for (size_t i = 0; i < sizeof g / sizeof g[0]; i++)
            cmd_printf(ctx, "%-6s 0x%016" PRIx64 "%s", g[i].n, g[i].v, i % 2 ? "\n" : "   ");
    }
    int k = 0;
    for (size_t i = 0; !real && i < session_reg_count(); i++) {
        const struct x86_reg_info *ri = session_reg_at(i);
        uint64_t v;
        if (ri->kind != X86_REG_GPR || session_reg_get(c->s, ri, &v) != 0)
            continue;
        cmd_printf(ctx, "%-6s 0x%016" PRIx64 "%s", ri->name, v, k++ % 2 ? "\n" : "   ");
    }
    char flags[64];
    session_format_flags(r.rflags & 0xfff, flags, sizeof flags);
    cmd_printf(ctx, "rip    0x%016llx   rflags 0x%08llx [%s] iopl=%u\n", (unsigned long long)r.rip,
               (unsigned long long)r.rflags, flags, (unsigned)(r.rflags >> 12 & 3));
    if (real)
        cmd_printf(ctx, "mode   %d-bit cpl=%d\n", real_bits, real_cpl);
    else
        cmd_printf(ctx, "mode   %s cpl=%d\n", session_mode_name(c->s), session_cpl(c->s));
    print_seg(ctx, "cs", &s.cs);
    print_seg(ctx, "ds", &s.ds);
    print_seg(ctx, "es", &s.es);
    print_seg(ctx, "fs", &s.fs);
    print_seg(ctx, "gs", &s.gs);
    print_seg(ctx, "ss", &s.ss);
    print_seg(ctx, "tr", &s.tr);
    print_seg(ctx, "ldt", &s.ldt);
    cmd_printf(ctx, "gdt    base=0x%016llx limit=0x%04x\n", (unsigned long long)s.gdt.base, s.gdt.limit);
    cmd_printf(ctx, "idt    base=0x%016llx limit=0x%04x\n", (unsigned long long)s.idt.base, s.idt.limit);
    cmd_printf(ctx, "cr0    0x%016llx   cr2    0x%016llx\n", (unsigned long long)s.cr0, (unsigned long long)s.cr2);
    cmd_printf(ctx, "cr3    0x%016llx   cr4    0x%016llx\n", (unsigned long long)s.cr3, (unsigned long long)s.cr4);
    cmd_printf(ctx, "efer   0x%016llx\n", (unsigned long long)s.efer);
    return 0;
}

/* ── x / xp ─────────────────────────────────────────────────────────── */

static int read_unit(struct commands *c, int phys, uint64_t a, void *buf, size_t n)
{
    return phys ? session_read_phys(c->s, a, buf, n) : session_read_linear(c->s, a, buf, n);
}

static int read_error(struct cmd_ctx *ctx, int phys, uint64_t a)
{
    struct commands *c = cmds_of(ctx);
    uint64_t gpa;
    if (phys)
        return cmd_error(ctx, "cannot read physical 0x%" PRIx64 ": outside guest memory (0x%" PRIx64 " bytes)", a,
                         session_mem_size(c->s));
    if (session_translate(c->s, a, &gpa) != 0)
        return cmd_error(ctx, "cannot read 0x%" PRIx64 ": not mapped", a);
    return cmd_error(ctx, "cannot read 0x%" PRIx64 ": outside guest memory", a);
}

static void put_char_escaped(char *out, size_t size, unsigned ch)
{
    switch (ch) {
    case '\n': snprintf(out, size, "\\n"); break;
    case '\t': snprintf(out, size, "\\t"); break;
    case '\r': snprintf(out, size, "\\r"); break;
    case '\\': snprintf(out, size, "\\\\"); break;
    case '"': snprintf(out, size, "\\\""); break;
    case '\'': snprintf(out, size, "\\'"); break;
    default:
        if (ch >= 0x20 && ch < 0x7f)
            snprintf(out, size, "%c", ch);
        else
            snprintf(out, size, "\\%03o", ch);
    }
}

static void format_value(char *out, size_t size, char f, unsigned bytes, uint64_t v)
{
    unsigned bits = bytes * 8;
    uint64_t mask = bits == 64 ? UINT64_MAX : (UINT64_C(1) << bits) - 1;
    v &= mask;
    switch (f) {
    case 'x': case 'a': snprintf(out, size, "0x%0*" PRIx64, (int)bytes * 2, v); break;
    case 'u': snprintf(out, size, "%" PRIu64, v); break;
    case 'o': snprintf(out, size, "0%" PRIo64, v); break;
    case 'd': {
        int64_t sv = bits == 64 ? (int64_t)v : (v >> (bits - 1)) ? (int64_t)(v | ~mask) : (int64_t)v;
        snprintf(out, size, "%" PRId64, sv);
        break;
    }
    case 't':
        for (unsigned i = 0; i < bits && i + 1 < size; i++)
            out[i] = (char)('0' + (v >> (bits - 1 - i) & 1));
        out[bits < size ? bits : size - 1] = 0;
        break;
    case 'c': {
        char e[8];
        put_char_escaped(e, sizeof e, (unsigned)(v & 0xff));
        snprintf(out, size, "%" PRId64 " '%s'", (int64_t)(int8_t)(v & 0xff), e);
        break;
    }
    default: snprintf(out, size, "?");
    }
}

static int examine(struct cmd_ctx *ctx, int phys)
{
    struct commands *c = cmds_of(ctx);
    struct cmd_fmt *last = phys ? &c->last_xp : &c->last_x, f;
    const char *raw = cmd_args_raw(ctx);
    uint64_t a;
    int *valid = phys ? &c->xp_valid : &c->x_valid;
    uint64_t *next = phys ? &c->xp_next : &c->x_next;
    if (cmd_parse_fmt(ctx, cmd_suffix(ctx), COMMANDS_MAX_X_COUNT, last, &f) != 0)
        return -1;
    if ((!*raw || cmd_is_repeat(ctx)) && *valid) {
        a = *next;                      /* gdb: x (or Enter) goes on after the last */
        if (cmd_is_repeat(ctx)) {
            f.count = c->x_count;
            f.format = last->format;
        }
    } else if (!*raw) {
        return cmd_error(ctx, "address expected (usage: %s/NFU ADDRESS)", phys ? "xp" : "x");
    } else if (cmd_eval_addr(ctx, raw, &a) != 0) {
        return -1;
    }
    c->x_count = f.count;
    if (f.count == 0)
        return 0;
    *valid = 0;
    int mode = session_mode(c->s);
    if (f.format == 'i') {
        if (phys)
            return cmd_error(ctx, "format 'i' needs a linear address (use x/i)");
        for (uint64_t i = 0; i < f.count; i++) {
            struct session_insn in;
            unsigned len = session_disasm(c->s, a, mode, SESSION_DISASM_SYMBOLS, &in);
            if (!in.nbytes)
                return read_error(ctx, 0, a);
            char where[300];
            cmds_addr_text(c, a, where, sizeof where);
            cmd_printf(ctx, "%s%s:\t%s\n", a == session_rip_linear(c->s) ? "=> " : "   ", where, in.text);
            a += len ? len : 1;
        }
        *valid = 1;
        *next = a;
        return 0;
    }
    if (f.format == 's') {
        for (uint64_t i = 0; i < f.count; i++) {
            char line[1200];
            size_t n = 0;
            uint64_t start = a;
            char where[300];
            if (phys)
                snprintf(where, sizeof where, "0x%" PRIx64, start);
            else
                cmds_addr_text(c, start, where, sizeof where);
            n += (size_t)snprintf(line, sizeof line, "%s:\t\"", where);
            for (unsigned k = 0; k < 200; k++) {
                uint8_t ch;
                if (read_unit(c, phys, a, &ch, 1) != 0) {
                    if (k == 0)
                        return read_error(ctx, phys, a);
                    break;
                }
                a++;
                if (ch == 0)
                    break;
                put_char_escaped(line + n, sizeof line - n, ch);
                n += strlen(line + n);
                if (k == 199)
                    n += (size_t)snprintf(line + n, sizeof line - n, "\"...");
            }
            if (n < sizeof line - 3 && line[n - 1] != '.')
                snprintf(line + n, sizeof line - n, "\"");
            cmd_printf(ctx, "%s\n", line);
        }
        *valid = 1;
        *next = a;
        return 0;
    }
    unsigned size = cmd_fmt_size_bytes(f.size);
    unsigned per_line = size == 8 ? 2 : size == 4 ? 4 : 8;
    if (f.format == 'c' || f.format == 't')
        per_line = f.format == 't' && size >= 4 ? 2 : per_line;
    for (uint64_t i = 0; i < f.count; i++) {
        uint64_t v = 0;
        char text[80];
        if (read_unit(c, phys, a, &v, size) != 0) {
            if (i % per_line)
                cmd_printf(ctx, "\n");
            return read_error(ctx, phys, a);
        }
        if (i % per_line == 0) {
            char where[300];
            if (phys)
                snprintf(where, sizeof where, "0x%" PRIx64, a);
            else
                cmds_addr_text(c, a, where, sizeof where);
            cmd_printf(ctx, "%s:", where);
        }
        if (f.format == 'a') {
            cmds_addr_text(c, v, text, sizeof text);
            cmd_printf(ctx, "\t%s", text);
            if (i % per_line == per_line - 1 || i + 1 == f.count)
                cmd_printf(ctx, "\n");
            a += size;
            continue;
        }
        format_value(text, sizeof text, f.format, size, v);
        cmd_printf(ctx, "\t%s", text);
        if (i % per_line == per_line - 1 || i + 1 == f.count)
            cmd_printf(ctx, "\n");
        a += size;
    }
    *valid = 1;
    *next = a;
    return 0;
}

static int cmd_x(struct cmd_ctx *ctx, int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return examine(ctx, 0);
}

static int cmd_xp(struct cmd_ctx *ctx, int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return examine(ctx, 1);
}

/* ── disas ──────────────────────────────────────────────────────────── */

/* "native", "virtualize out-of-page", "unscanned" (+ traps) for one address. */
static void attr_text(struct commands *c, uint64_t gpa, int mode, int have_gpa, char *out, size_t size)
{
    if (!session_enforced(c->s) || !have_gpa) {
        snprintf(out, size, "%s", session_enforced(c->s) ? "unmapped" : "raw");
        return;
    }
    uint8_t a = session_attr(c->s, gpa, mode);
    size_t n;
    if (!(a & PRESCAN_ATTR_SCANNED))
        n = (size_t)snprintf(out, size, "unscanned");
    else if (a & PRESCAN_ATTR_VIRTUALIZE)
        n = (size_t)snprintf(out, size, "virtualize %s", session_reason_name(session_reason_at(c->s, gpa, mode)));
    else
        n = (size_t)snprintf(out, size, "native");
    unsigned k = session_trap_kinds(c->s, gpa);
    if (k && n < size)
        snprintf(out + n, size - n, " [trap%s%s%s]", k & ENF_TRAP_VIRTUALIZE ? " virtualize" : "",
                 k & ENF_TRAP_STEP ? " step" : "", k & ENF_TRAP_BREAK ? " break" : "");
}

static int cmd_disas(struct cmd_ctx *ctx, int argc, char **argv)
{
    struct commands *c = cmds_of(ctx);
    uint64_t a = session_rip_linear(c->s), n = 8;
    if (argc > 3)
        return cmd_error(ctx, "usage: disas [ADDRESS [N]]");
    if (argc > 1 && cmds_location(ctx, argv[1], &a) != 0)
        return -1;
    if (argc > 2 && cmd_arg_count(ctx, argv[2], COMMANDS_MAX_DISAS, &n) != 0)
        return -1;
    int mode = session_mode(c->s);
    uint64_t rip = session_rip_linear(c->s);
    for (uint64_t i = 0; i < n; i++) {
        struct session_insn in;
        char attr[96], hex[48] = "";
        uint64_t gpa;
        unsigned len = session_disasm(c->s, a, mode, SESSION_DISASM_SYMBOLS, &in);
        if (!in.nbytes)
            return read_error(ctx, 0, a);
        unsigned shown = len ? len : 1;
        char where[300];
        cmds_addr_text(c, a, where, sizeof where);
        for (unsigned k = 0; k < shown && k < 8 && k < in.nbytes; k++)
            snprintf(hex + strlen(hex), sizeof hex - strlen(hex), "%02x ", in.bytes[k]);
        if (shown > 8)
            strcat(hex, "..");
        int have = session_translate(c->s, a, &gpa) == 0;
        attr_text(c, gpa, mode, have, attr, sizeof attr);
        cmd_printf(ctx, "%s%s:  %-26s %-36s ; %s\n", a == rip ? "=> " : "   ", where, hex, in.text, attr);
        a += shown;
    }
    return 0;
}

/* ── info host / pages / trace ──────────────────────────────────────── */

static int cmd_info_host(struct cmd_ctx *ctx, int argc, char **argv)
{
    struct commands *c = cmds_of(ctx);
    char buf[1024];
    (void)argc;
    (void)argv;
    session_format_probe(c->s, buf, sizeof buf);
    cmd_printf(ctx, "%s", buf);
    return 0;
}

static int page_cmp(const void *a, const void *b)
{
    const struct prescan_page_info *x = a, *y = b;
    if (x->page_gpa != y->page_gpa)
        return x->page_gpa < y->page_gpa ? -1 : 1;
    return x->mode - y->mode;
}

static int cmd_info_pages(struct cmd_ctx *ctx, int argc, char **argv)
{
    struct commands *c = cmds_of(ctx);
    (void)argc;
    (void)argv;
    if (cmds_need_enforce(ctx))
        return -1;
    size_t n = session_pages(c->s, NULL, 0);
    struct prescan_page_info *pi = calloc(n ? n : 1, sizeof *pi);
    if (!pi)
        return cmd_error(ctx, "out of memory");
    n = session_pages(c->s, pi, n);
    qsort(pi, n, sizeof *pi, page_cmp);
    cmd_printf(ctx, "%zu attribute page%s\n", n, n == 1 ? "" : "s");
    if (n)
        cmd_printf(ctx, "Page                Mode  Scanned  Virtualize  Traps\n");
    for (size_t i = 0; i < n; i++)
        cmd_printf(ctx, "0x%016" PRIx64 "  %-4d  %-7u  %-10u  %zu\n", pi[i].page_gpa, pi[i].mode, pi[i].scanned,
                   pi[i].virtualize, session_trap_count_page(c->s, pi[i].page_gpa));
    free(pi);
    cmd_printf(ctx, "traps: %zu planted, %zu handler entries guarded\n", session_trap_count(c->s),
               session_entry_count(c->s));
    return 0;
}

static int cmd_info_trace(struct cmd_ctx *ctx, int argc, char **argv)
{
    struct commands *c = cmds_of(ctx);
    (void)argc;
    (void)argv;
    if (session_trace_path(c->s))
        cmd_printf(ctx, "trace: writing %s\n", session_trace_path(c->s));
    else
        cmd_printf(ctx, "trace: off\n");
    return 0;
}

static const struct cmd_def state_cmds[] = {
    { "info registers", "regs,info r", "[REGISTER...|-real]", "general, segment, descriptor-table and control registers",
      "With names (rax, $eax, al, rip, eflags, cr3 ...): each one as gdb shows it,\n"
      "name, hex and natural value.  Deprivileged (set deprivilege), the state is\n"
      "the one the guest sees; -real shows the vCPU's as it last ran (CPL 3,\n"
      "scout's GDT/IDT/TSS, the shadow page tables' CR3).",
      CMD_CLASS_STATE, CMD_COMPLETE_REGISTER, 0, cmd_info_registers, NULL },
    { "x", NULL, "/NFU ADDRESS", "examine guest memory at a linear address",
      "N count (max 4096); F format: x hex, d signed, u unsigned, o octal, t binary,\n"
      "c char, a address, s string, i instruction; U size: b h w g.  F and U are\n"
      "remembered.  Shows the guest's own bytes (scout's trap bytes undone).  x alone\n"
      "(or Enter) goes on after the last line; ADDRESS may be a symbol.",
      CMD_CLASS_STATE, CMD_COMPLETE_ADDRESS, CMD_F_SUFFIX, cmd_x, NULL },
    { "xp", NULL, "/NFU ADDRESS", "examine guest memory at a physical address (like x)", NULL,
      CMD_CLASS_STATE, CMD_COMPLETE_ADDRESS, CMD_F_SUFFIX, cmd_xp, NULL },
    { "disas", NULL, "[ADDRESS [N]]", "disassemble N (default 8) instructions with their attributes",
      "Each line: address, bytes, instruction, then the attribute of its first byte\n"
      "in the current mode (native, virtualize REASON, unscanned) and any traps.",
      CMD_CLASS_STATE, CMD_COMPLETE_ADDRESS, 0, cmd_disas, NULL },
    { "info host", NULL, "", "what the host KVM probe found", NULL, CMD_CLASS_STATE, CMD_COMPLETE_NONE, 0,
      cmd_info_host, NULL },
    { "info pages", NULL, "", "every attribute page: scanned and virtualize counts, traps", NULL,
      CMD_CLASS_PRESCAN, CMD_COMPLETE_NONE, 0, cmd_info_pages, NULL },
    { "info trace", NULL, "", "whether a trace is being written, and where", NULL, CMD_CLASS_SESSION,
      CMD_COMPLETE_NONE, 0, cmd_info_trace, NULL },
};

int cmds_state_register(struct cmd_ctx *ctx)
{
    return cmd_register(ctx, state_cmds, sizeof state_cmds / sizeof state_cmds[0]);
}
