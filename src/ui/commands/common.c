/* common.c — helpers every command file shares: addresses with
 * <symbol+off>, locations, source lines, the stop line, values as print
 * shows them, displays, and breakpoints in and out of the monitor.  See
 * commands_priv.h. */
#include "ui/commands/commands_priv.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cmds_need_enforce(struct cmd_ctx *ctx)
{
    if (session_enforced(cmds_of(ctx)->s))
        return 0;
    return cmd_error(ctx, "needs enforcement (scout was started with --raw)");
}

int cmds_translate(struct cmd_ctx *ctx, uint64_t linear, uint64_t *gpa)
{
    struct session *s = cmds_of(ctx)->s;
    if (session_translate(s, linear, gpa) != 0)
        return cmd_error(ctx, "0x%" PRIx64 " is not mapped", linear);
    if (*gpa >= session_mem_size(s))
        return cmd_error(ctx, "0x%" PRIx64 " is outside guest memory", linear);
    return 0;
}

void cmds_sym_suffix(struct commands *c, uint64_t a, char *buf, size_t len)
{
    char sym[256];
    if (session_sym_format(c->s, a, sym, sizeof sym))
        snprintf(buf, len, " <%s>", sym);
    else if (len)
        buf[0] = 0;
}

void cmds_addr_text(struct commands *c, uint64_t a, char *buf, size_t len)
{
    char sym[270];
    cmds_sym_suffix(c, a, sym, sizeof sym);
    snprintf(buf, len, "0x%" PRIx64 "%s", a, sym);
}

/* FILE:LINE (a name with a ':' and digits after it, no blanks). */
static int file_line(const char *t, char *file, size_t flen, unsigned *line)
{
    const char *colon = strrchr(t, ':');
    if (!colon || colon == t || !colon[1] || strpbrk(t, " \t$*+()"))
        return 0;
    for (const char *p = colon + 1; *p; p++)
        if (!isdigit((unsigned char)*p))
            return 0;
    if ((size_t)(colon - t) >= flen)
        return 0;
    memcpy(file, t, (size_t)(colon - t));
    file[colon - t] = 0;
    *line = (unsigned)strtoul(colon + 1, NULL, 10);
    return 1;
}

int cmds_location(struct cmd_ctx *ctx, const char *text, uint64_t *linear)
{
    struct commands *c = cmds_of(ctx);
    char file[512];
    unsigned line;
    while (*text == ' ' || *text == '\t')
        text++;
    if (*text == '*')
        return cmd_eval_addr(ctx, text + 1, linear);
    if (file_line(text, file, sizeof file, &line)) {
        if (!session_have_lines(c->s))
            return cmd_error(ctx, "%s: no line information (the guest's symbols have none: assemble with -g)", text);
        if (line == 0 || session_line_addr(c->s, file, line, linear, NULL) < 0)
            return cmd_error(ctx, "no code at or after line %u of \"%s\"", line, file);
        return 0;
    }
    return cmd_eval_addr(ctx, text, linear);
}

/* ── source lines ───────────────────────────────────────────────────── */

const char *cmds_source_text(struct commands *c, const char *file, unsigned line, size_t *len, unsigned *n)
{
    return session_source_line(c->s, file, line, len, n);
}

void cmds_print_rip_line(struct cmd_ctx *ctx)
{
    struct commands *c = cmds_of(ctx);
    struct session *s = c->s;
    struct session_insn in;
    struct session_line ln;
    size_t len;
    char where[300];
    uint64_t rip = session_rip_linear(s);
    if (session_line_at(s, rip, &ln) == 0) {
        const char *src = cmds_source_text(c, ln.file, ln.line, &len, NULL);
        const char *base = strrchr(ln.file, '/');
        cmd_printf(ctx, "%s:%u\t%.*s\n", base ? base + 1 : ln.file, ln.line, src ? (int)len : 0, src ? src : "");
    }
    session_disasm(s, rip, session_mode(s), SESSION_DISASM_SYMBOLS, &in);
    cmds_addr_text(c, rip, where, sizeof where);
    cmd_printf(ctx, "=> %s:\t%s\n", where, in.text);
}

/* ── values ─────────────────────────────────────────────────────────── */

/* Registers gdb prints as numbers; the rest (stack and frame pointers,
 * segment bases, control registers) as addresses in hex. */
static int data_register(const char *name)
{
    static const char *const data[] = { "rax", "rbx", "rcx", "rdx", "rsi", "rdi", "eax", "ebx", "ecx", "edx",
        "esi", "edi", "ax", "bx", "cx", "dx", "si", "di", "al", "bl", "cl", "dl", "ah", "bh", "ch", "dh",
        "sil", "dil", "cs", "ds", "es", "fs", "gs", "ss", NULL };
    for (int i = 0; data[i]; i++)
        if (strcasecmp(name, data[i]) == 0)
            return 1;
    return (name[0] == 'r' || name[0] == 'R') && isdigit((unsigned char)name[1]);   /* r8..r15 and parts */
}

void cmds_format_value(struct commands *c, const struct cmd_value *v, char fmt, char *buf, size_t len)
{
    unsigned bits = v->size ? v->size * 8 : 64;
    uint64_t mask = bits >= 64 ? UINT64_MAX : (UINT64_C(1) << bits) - 1, x = v->v & mask;
    int natural_hex = v->lvalue == CMD_LVALUE_REG && !isdigit((unsigned char)v->reg[0]) && !data_register(v->reg);
    if (!fmt && v->kind == CMD_VALUE_CODE)
        fmt = 'a';
    if (!fmt && v->lvalue == CMD_LVALUE_REG && (!strcasecmp(v->reg, "eflags") || !strcasecmp(v->reg, "rflags"))) {
        char flags[128];
        session_format_flags(v->v, flags, sizeof flags);
        snprintf(buf, len, "[ %s%s]", flags, *flags ? " " : "");
        return;
    }
    if (!fmt && natural_hex)
        fmt = 'x';
    switch (fmt) {
    case 'x': snprintf(buf, len, "0x%" PRIx64, x); break;
    case 'o': snprintf(buf, len, "0%" PRIo64, x); break;
    case 'u': snprintf(buf, len, "%" PRIu64, x); break;
    case 't': {
        int top = 63;
        while (top > 0 && !(x >> top & 1))
            top--;
        size_t k = 0;
        for (int b = top; b >= 0 && k + 1 < len; b--)
            buf[k++] = (char)('0' + (x >> b & 1));
        buf[k < len ? k : len - 1] = 0;
        break;
    }
    case 'c': {
        unsigned ch = (unsigned)(x & 0xff);
        snprintf(buf, len, ch >= 0x20 && ch < 0x7f ? "%d '%c'" : "%d '\\%03o'", (int)(int8_t)ch, ch);
        break;
    }
    case 'a': cmds_addr_text(c, v->v, buf, len); break;
    case 'd': {
        int64_t sv = bits >= 64 ? (int64_t)x : (x >> (bits - 1)) ? (int64_t)(x | ~mask) : (int64_t)x;
        snprintf(buf, len, "%" PRId64, sv);
        break;
    }
    default:
        if (v->is_signed)
            cmds_format_value(c, v, 'd', buf, len);
        else
            snprintf(buf, len, "%" PRIu64, x);
    }
}

unsigned cmds_history_add(struct commands *c, const struct cmd_value *v)
{
    c->hist[c->nhist % CMDS_HISTORY] = *v;
    return ++c->nhist;
}

/* ── displays ───────────────────────────────────────────────────────── */

void cmds_show_display(struct cmd_ctx *ctx, const struct display *d)
{
    struct commands *c = cmds_of(ctx);
    if (strchr(d->fmt, 'i') || strchr(d->fmt, 's')) {
        /* an x-style display: "1: x/i $pc" then what x prints */
        char line[300];
        cmd_printf(ctx, "%u: x%s %s\n", d->num, d->fmt, d->expr);
        snprintf(line, sizeof line, "x%s %s", d->fmt, d->expr);
        cmd_execute_line(ctx, line, false);
        return;
    }
    struct cmd_value v;
    char text[300];
    if (cmd_eval(ctx, d->expr, 0, &v) != 0)
        return;
    cmds_format_value(c, &v, d->fmt[0] == '/' ? d->fmt[1] : 0, text, sizeof text);
    cmd_printf(ctx, "%u: %s%s%s = %s\n", d->num, *d->fmt ? d->fmt : "", *d->fmt ? " " : "", d->expr, text);
}

void cmds_show_displays(struct cmd_ctx *ctx)
{
    struct commands *c = cmds_of(ctx);
    if (session_ended(c->s))
        return;
    for (unsigned i = 0; i < CMDS_MAX_DISPLAYS; i++)
        if (c->disp[i].num)
            cmds_show_display(ctx, &c->disp[i]);
}

/* ── breakpoints ────────────────────────────────────────────────────── */

struct breakpoint *cmds_bp_at_gpa(struct commands *c, uint64_t gpa, enum bp_type type)
{
    for (unsigned i = 0; i < COMMANDS_MAX_BREAKPOINTS; i++) {
        struct breakpoint *b = &c->bp[i];
        if (b->num && b->type == type && b->enabled &&
            (type == BP_BREAK ? b->gpa == gpa : gpa >= b->gpa && gpa < b->gpa + b->len))
            return b;
    }
    return NULL;
}

struct breakpoint *cmds_bp_num(struct commands *c, unsigned num)
{
    for (unsigned i = 0; i < COMMANDS_MAX_BREAKPOINTS; i++)
        if (c->bp[i].num == num)
            return &c->bp[i];
    return NULL;
}

int cmds_bp_arm(struct commands *c, struct breakpoint *b, char *err, size_t errlen)
{
    uint64_t gpa;
    if (session_translate(c->s, b->linear, &gpa) != 0) {
        snprintf(err, errlen, "0x%" PRIx64 " is not mapped", b->linear);
        return -1;
    }
    b->gpa = gpa;
    return b->type == BP_BREAK ? session_break_insert(c->s, gpa, err, errlen)
                               : session_watch_insert(c->s, gpa, b->len, err, errlen);
}

void cmds_bp_disarm(struct commands *c, struct breakpoint *b)
{
    char err[256];
    /* another enabled breakpoint at the same place keeps the trap */
    for (unsigned i = 0; i < COMMANDS_MAX_BREAKPOINTS; i++) {
        const struct breakpoint *o = &c->bp[i];
        if (o != b && o->num && o->enabled && o->type == b->type && o->gpa == b->gpa && o->len == b->len)
            return;
    }
    if (b->type == BP_BREAK)
        session_break_remove(c->s, b->gpa, err, sizeof err);
    else
        session_watch_remove(c->s, b->gpa, b->len, err, sizeof err);
}

void cmds_bp_delete(struct commands *c, struct breakpoint *b)
{
    if (b->enabled)
        cmds_bp_disarm(c, b);
    free(b->cond);
    free(b->commands);
    if (c->defining == b)
        c->defining = NULL;
    memset(b, 0, sizeof *b);
}
