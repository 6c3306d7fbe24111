/* breaks.c — breakpoints and watchpoints: break, tbreak, watch (rwatch
 * and awatch refused: reads cannot be watched), delete, enable, disable,
 * condition, ignore, commands ... end, info breakpoints.  Stops are
 * counted and reported in exec.c. */
#include "ui/commands/commands_priv.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A new numbered breakpoint or watchpoint, in the monitor.  NULL
 * (reported) when there is no room or the monitor refused it. */
static struct breakpoint *new_bp(struct cmd_ctx *ctx, enum bp_type type, uint64_t lin, unsigned len, const char *what)
{
    struct commands *c = cmds_of(ctx);
    struct breakpoint *b = cmds_bp_num(c, 0);
    char err[256];
    if (!b) {
        cmd_error(ctx, "too many breakpoints (limit %u)", COMMANDS_MAX_BREAKPOINTS);
        return NULL;
    }
    memset(b, 0, sizeof *b);
    b->type = type;
    b->linear = lin;
    b->len = len;
    if (cmds_bp_arm(c, b, err, sizeof err) != 0) {
        memset(b, 0, sizeof *b);
        cmd_error(ctx, "0x%" PRIx64 ": %s", lin, err);
        return NULL;
    }
    b->enabled = 1;
    b->num = ++c->next_bp;
    c->last_bp = b->num;
    snprintf(b->what, sizeof b->what, "%.159s", what);
    return b;
}

/* "LOCATION if COND": splits off the condition (NULL if none). */
static const char *split_if(char *text)
{
    for (char *p = text; (p = strstr(p, "if")) != NULL; p += 2)
        if ((p == text || p[-1] == ' ' || p[-1] == '\t') && (!p[2] || p[2] == ' ' || p[2] == '\t' || p[2] == '(')) {
            char *end = p;
            while (end > text && (end[-1] == ' ' || end[-1] == '\t'))
                end--;
            *end = 0;
            return p + 2;
        }
    return NULL;
}

static int set_break(struct cmd_ctx *ctx, int temporary)
{
    struct commands *c = cmds_of(ctx);
    uint64_t lin, gpa;
    char text[512];
    if (cmds_need_enforce(ctx))
        return -1;
    snprintf(text, sizeof text, "%s", cmd_args_raw(ctx));
    const char *cond = split_if(text);
    if (!*text)
        lin = session_rip_linear(c->s);          /* gdb: here */
    else if (cmds_location(ctx, text, &lin) != 0)
        return -1;
    if (cmds_translate(ctx, lin, &gpa) != 0)
        return -1;
    if (cond) {
        struct cmd_value v;
        while (*cond == ' ')
            cond++;
        if (!*cond)
            return cmd_error(ctx, "condition expected after \"if\"");
        if (cmd_eval(ctx, cond, 0, &v) != 0)
            return -1;
    }
    /* A trap byte inside a scanned instruction would change that instruction. */
    int mode = session_mode(c->s);
    if (!(session_attr(c->s, gpa, mode) & PRESCAN_ATTR_SCANNED))
        for (uint64_t back = 1; back < PRESCAN_MAX_INSN_LEN && back <= (gpa & 0xfff); back++) {
            uint8_t a = session_attr(c->s, gpa - back, mode);
            if ((a & PRESCAN_ATTR_SCANNED) && (a & PRESCAN_ATTR_LEN_MASK) > back)
                return cmd_error(ctx, "0x%" PRIx64 " is inside the instruction at 0x%" PRIx64, lin, lin - back);
        }
    struct breakpoint *other = cmds_bp_at_gpa(c, gpa, BP_BREAK);
    struct breakpoint *b = new_bp(ctx, BP_BREAK, lin, 0, *text ? text : "*$pc");
    if (!b)
        return -1;
    b->temporary = temporary;
    b->cond = cond ? strdup(cond) : NULL;
    char where[300];
    struct session_line ln;
    cmds_addr_text(c, lin, where, sizeof where);
    if (other)
        cmd_printf(ctx, "Note: breakpoint %u also set at %s.\n", other->num, where);
    cmd_printf(ctx, "%s %u at %s", temporary ? "Temporary breakpoint" : "Breakpoint", b->num, where);
    if (session_line_at(c->s, lin, &ln) == 0) {
        const char *base = strrchr(ln.file, '/');
        cmd_printf(ctx, ": file %s, line %u.", base ? base + 1 : ln.file, ln.line);
    }
    cmd_printf(ctx, "\n");
    return 0;
}

static int cmd_break(struct cmd_ctx *ctx, int argc, char **argv)
{
    (void)argc, (void)argv;
    return set_break(ctx, 0);
}

static int cmd_tbreak(struct cmd_ctx *ctx, int argc, char **argv)
{
    (void)argc, (void)argv;
    return set_break(ctx, 1);
}

/* ── watchpoints ────────────────────────────────────────────────────── */

static int cmd_watch(struct cmd_ctx *ctx, int argc, char **argv)
{
    struct commands *c = cmds_of(ctx);
    struct cmd_value v;
    struct session_sym sym;
    uint64_t lin, gpa;
    unsigned len;
    (void)argc, (void)argv;
    const char *expr = cmd_args_raw(ctx);
    if (cmds_need_enforce(ctx))
        return -1;
    if (!*expr)
        return cmd_error(ctx, "usage: watch SYMBOL | *ADDRESS | *(TYPE *)ADDRESS");
    if (cmd_eval(ctx, expr, 0, &v) != 0)
        return -1;
    if (v.lvalue == CMD_LVALUE_MEM) {
        lin = v.addr;
        len = v.size;
    } else if (v.kind == CMD_VALUE_CODE && v.lvalue == CMD_LVALUE_NONE && session_sym_lookup(c->s, expr, &sym) == 0) {
        lin = sym.addr;                 /* a variable: its size, 8 bytes when the symbol has none */
        len = sym.size && sym.size <= 4096 ? (unsigned)sym.size : 8;
    } else if (v.lvalue == CMD_LVALUE_REG) {
        return cmd_error(ctx, "cannot watch a register: scout watches guest stores to memory");
    } else {
        return cmd_error(ctx, "cannot watch a constant: use watch *ADDRESS or watch *(TYPE *)ADDRESS");
    }
    if (cmds_translate(ctx, lin, &gpa) != 0)
        return -1;
    if ((gpa & 0xfff) + len > 0x1000)
        return cmd_error(ctx, "0x%" PRIx64 "+%u crosses a page: a watched range must be inside one page", lin, len);
    if (!new_bp(ctx, BP_WATCH, lin, len, expr))
        return -1;
    cmd_printf(ctx, "Watchpoint %u: %s (%u byte%s at 0x%" PRIx64 ")\n", c->next_bp, expr, len, len == 1 ? "" : "s", lin);
    return 0;
}

static int cmd_rwatch(struct cmd_ctx *ctx, int argc, char **argv)
{
    (void)argc, (void)argv;
    return cmd_error(ctx, "scout cannot watch reads: KVM has no read-protected pages, only guest stores "
                          "reach the monitor (use watch)");
}

/* ── delete, enable, disable ────────────────────────────────────────── */

/* Each numbered breakpoint (all when none given) through fn. */
static int for_each(struct cmd_ctx *ctx, int argc, char **argv, void (*fn)(struct commands *c, struct breakpoint *b))
{
    struct commands *c = cmds_of(ctx);
    if (argc == 1) {
        for (unsigned i = 0; i < COMMANDS_MAX_BREAKPOINTS; i++)
            if (c->bp[i].num)
                fn(c, &c->bp[i]);
        return 0;
    }
    for (int i = 1; i < argc; i++) {
        uint64_t n;
        if (cmd_arg_u64(ctx, argv[i], &n) != 0)
            return -1;
        struct breakpoint *b = n && n <= UINT32_MAX ? cmds_bp_num(c, (unsigned)n) : NULL;
        if (!b)
            return cmd_error(ctx, "no breakpoint number %" PRIu64, n);
    }
    for (int i = 1; i < argc; i++) {
        uint64_t n = 0;
        cmd_parse_u64(argv[i], &n);
        struct breakpoint *b = cmds_bp_num(c, (unsigned)n);
        if (b)
            fn(c, b);
    }
    return 0;
}

static void do_delete(struct commands *c, struct breakpoint *b) { cmds_bp_delete(c, b); }

static void do_enable(struct commands *c, struct breakpoint *b)
{
    char err[256];
    if (b->enabled)
        return;
    b->enabled = 1;
    if (cmds_bp_arm(c, b, err, sizeof err) != 0) {
        b->enabled = 0;
        cmd_printf(c->ctx, "breakpoint %u stays disabled: %s\n", b->num, err);
    }
}

static void do_disable(struct commands *c, struct breakpoint *b)
{
    if (!b->enabled)
        return;
    cmds_bp_disarm(c, b);
    b->enabled = 0;
}

static int cmd_delete(struct cmd_ctx *ctx, int argc, char **argv)
{
    return cmds_need_enforce(ctx) ? -1 : for_each(ctx, argc, argv, do_delete);
}

static int cmd_enable(struct cmd_ctx *ctx, int argc, char **argv)
{
    return cmds_need_enforce(ctx) ? -1 : for_each(ctx, argc, argv, do_enable);
}

static int cmd_disable(struct cmd_ctx *ctx, int argc, char **argv)
{
    return cmds_need_enforce(ctx) ? -1 : for_each(ctx, argc, argv, do_disable);
}

/* ── condition, ignore ──────────────────────────────────────────────── */

static struct breakpoint *numbered(struct cmd_ctx *ctx, const char *arg)
{
    uint64_t n;
    if (cmd_arg_u64(ctx, arg, &n) != 0)
        return NULL;
    struct breakpoint *b = n && n <= UINT32_MAX ? cmds_bp_num(cmds_of(ctx), (unsigned)n) : NULL;
    if (!b)
        cmd_error(ctx, "no breakpoint number %" PRIu64, n);
    return b;
}

static int cmd_condition(struct cmd_ctx *ctx, int argc, char **argv)
{
    const char *raw = cmd_args_raw(ctx);
    char num[32];
    struct cmd_value v;
    (void)argv;
    if (argc < 2 || sscanf(raw, "%31s", num) != 1)
        return cmd_error(ctx, "usage: condition N [EXPRESSION] (none: unconditional)");
    struct breakpoint *b = numbered(ctx, num);
    if (!b)
        return -1;
    const char *expr = raw + strlen(num);
    while (*expr == ' ' || *expr == '\t')
        expr++;
    if (*expr && cmd_eval(ctx, expr, 0, &v) != 0)
        return -1;
    free(b->cond);
    b->cond = *expr ? strdup(expr) : NULL;
    if (!*expr)
        cmd_printf(ctx, "Breakpoint %u now unconditional.\n", b->num);
    return 0;
}

static int cmd_ignore(struct cmd_ctx *ctx, int argc, char **argv)
{
    uint64_t n;
    if (argc != 3)
        return cmd_error(ctx, "usage: ignore N COUNT");
    struct breakpoint *b = numbered(ctx, argv[1]);
    if (!b || cmd_arg_u64(ctx, argv[2], &n) != 0)
        return -1;
    b->ignore = n;
    if (n)
        cmd_printf(ctx, "Will ignore next %" PRIu64 " crossings of breakpoint %u.\n", n, b->num);
    else
        cmd_printf(ctx, "Will stop next time breakpoint %u is reached.\n", b->num);
    return 0;
}

/* ── commands N ... end ─────────────────────────────────────────────── */

static int capture(void *arg, const char *line)
{
    struct commands *c = arg;
    struct breakpoint *b = c->defining;
    if (strcmp(line, "end") == 0) {
        if (b) {
            free(b->commands);
            b->commands = c->defining_len ? strdup(c->defining_buf) : NULL;
        }
        c->defining = NULL;
        return 1;
    }
    if (!*line || *line == '#')
        return 0;
    size_t n = strlen(line);
    if (c->defining_len + n + 2 > sizeof c->defining_buf) {
        cmd_error(c->ctx, "the command list is too long (limit %zu bytes)", sizeof c->defining_buf);
        return 0;
    }
    memcpy(c->defining_buf + c->defining_len, line, n);
    c->defining_len += n;
    c->defining_buf[c->defining_len++] = '\n';
    c->defining_buf[c->defining_len] = 0;
    return 0;
}

static int cmd_commands(struct cmd_ctx *ctx, int argc, char **argv)
{
    struct commands *c = cmds_of(ctx);
    struct breakpoint *b;
    if (argc > 2)
        return cmd_error(ctx, "usage: commands [N], then one command a line, then end");
    if (argc == 2)
        b = numbered(ctx, argv[1]);
    else if (!(b = c->last_bp ? cmds_bp_num(c, c->last_bp) : NULL))
        cmd_error(ctx, "no breakpoint to give commands to");
    if (!b)
        return -1;
    c->defining = b;
    c->defining_len = 0;
    c->defining_buf[0] = 0;
    cmd_printf(ctx, "Type commands for breakpoint %u, one per line.\nEnd with a line saying just \"end\".\n", b->num);
    cmd_capture_lines(ctx, capture, c, ">");
    return 0;
}

/* ── info breakpoints ───────────────────────────────────────────────── */

static int cmd_info_breakpoints(struct cmd_ctx *ctx, int argc, char **argv)
{
    struct commands *c = cmds_of(ctx);
    (void)argc;
    (void)argv;
    unsigned order[COMMANDS_MAX_BREAKPOINTS], n = 0;
    for (unsigned i = 0; i < COMMANDS_MAX_BREAKPOINTS; i++)
        if (c->bp[i].num)
            order[n++] = i;
    if (n == 0) {
        cmd_printf(ctx, "No breakpoints or watchpoints.\n");
        return 0;
    }
    for (unsigned i = 1; i < n; i++)    /* by number */
        for (unsigned j = i; j > 0 && c->bp[order[j - 1]].num > c->bp[order[j]].num; j--) {
            unsigned t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
    cmd_printf(ctx, "Num  Type        Disp Enb Address             Physical            Hits  What\n");
    for (unsigned i = 0; i < n; i++) {
        const struct breakpoint *b = &c->bp[order[i]];
        char what[300];
        if (b->type == BP_WATCH)
            snprintf(what, sizeof what, "%s (%u byte%s)", b->what, b->len, b->len == 1 ? "" : "s");
        else
            cmds_sym_suffix(c, b->linear, what, sizeof what);
        if (!what[0])
            snprintf(what, sizeof what, "%s", b->what);     /* no symbol: as typed */
        cmd_printf(ctx, "%-4u %-11s %-4s %-3s 0x%016" PRIx64 "  0x%016" PRIx64 "  %-5" PRIu64 " %s\n", b->num,
                   b->type == BP_WATCH ? "watchpoint" : "breakpoint", b->temporary ? "del" : "keep",
                   b->enabled ? "y" : "n", b->linear, b->gpa, b->hits, what[0] == ' ' ? what + 1 : what);
        if (b->cond)
            cmd_printf(ctx, "        stop only if %s\n", b->cond);
        if (b->ignore)
            cmd_printf(ctx, "        will ignore next %" PRIu64 " crossings\n", b->ignore);
        for (const char *l = b->commands; l && *l;) {
            const char *e = strchr(l, '\n');
            int len = e ? (int)(e - l) : (int)strlen(l);
            cmd_printf(ctx, "        %.*s\n", len, l);
            l = e ? e + 1 : l + len;
        }
    }
    return 0;
}

static const struct cmd_def breaks_cmds[] = {
    { "break", "b,br", "[LOCATION] [if COND]", "set a breakpoint (LOCATION: SYMBOL[+OFF], ADDRESS, *EXPR, FILE:LINE)",
      "Breakpoints are 1-byte traps; the guest never sees them in its memory\n"
      "reads through scout, and they survive invalidation of their page.  A bare\n"
      "number is an address (gdb's *ADDRESS; both work).  No LOCATION: here.\n"
      "`if COND` stops only when the expression is non-zero.",
      CMD_CLASS_EXECUTION, CMD_COMPLETE_ADDRESS, CMD_F_NO_REPEAT | CMD_F_RAW, cmd_break, NULL },
    { "tbreak", NULL, "[LOCATION] [if COND]", "a breakpoint deleted when it stops the guest", NULL,
      CMD_CLASS_EXECUTION, CMD_COMPLETE_ADDRESS, CMD_F_NO_REPEAT | CMD_F_RAW, cmd_tbreak, NULL },
    { "watch", NULL, "SYMBOL | *ADDRESS | *(TYPE *)ADDRESS", "stop right after the guest stores into it",
      "On the write path: the page is kept read-only to KVM and every store into it\n"
      "is checked.  A symbol watches its size (8 bytes when it has none); *ADDRESS 8\n"
      "bytes; *(TYPE *)ADDRESS the type's size.  Reports old and new values.",
      CMD_CLASS_EXECUTION, CMD_COMPLETE_ADDRESS, CMD_F_NO_REPEAT | CMD_F_RAW, cmd_watch, NULL },
    { "rwatch", NULL, "EXPRESSION", "refused: reads cannot be watched (KVM has no read-protected pages)", NULL,
      CMD_CLASS_EXECUTION, CMD_COMPLETE_ADDRESS, CMD_F_NO_REPEAT | CMD_F_RAW, cmd_rwatch, NULL },
    { "awatch", NULL, "EXPRESSION", "refused: reads cannot be watched (use watch for stores)", NULL,
      CMD_CLASS_EXECUTION, CMD_COMPLETE_ADDRESS, CMD_F_NO_REPEAT | CMD_F_RAW, cmd_rwatch, NULL },
    { "delete", "d", "[N...]", "delete breakpoints and watchpoints N (all when none given)", NULL,
      CMD_CLASS_EXECUTION, CMD_COMPLETE_NONE, CMD_F_NO_REPEAT, cmd_delete, NULL },
    { "enable", NULL, "[N...]", "enable breakpoints N (all when none given)", NULL, CMD_CLASS_EXECUTION,
      CMD_COMPLETE_NONE, CMD_F_NO_REPEAT, cmd_enable, NULL },
    { "disable", NULL, "[N...]", "disable breakpoints N (all when none given)", NULL, CMD_CLASS_EXECUTION,
      CMD_COMPLETE_NONE, CMD_F_NO_REPEAT, cmd_disable, NULL },
    { "condition", NULL, "N [EXPRESSION]", "stop at breakpoint N only when EXPRESSION is non-zero", NULL,
      CMD_CLASS_EXECUTION, CMD_COMPLETE_ADDRESS, CMD_F_NO_REPEAT, cmd_condition, NULL },
    { "ignore", NULL, "N COUNT", "let breakpoint N pass COUNT times", NULL, CMD_CLASS_EXECUTION,
      CMD_COMPLETE_NONE, CMD_F_NO_REPEAT, cmd_ignore, NULL },
    { "commands", NULL, "[N]", "commands to run when breakpoint N stops the guest (then: end)",
      "One command a line, then `end`.  A first line `silent` keeps the stop quiet;\n"
      "`continue` in the list resumes the guest.",
      CMD_CLASS_EXECUTION, CMD_COMPLETE_NONE, CMD_F_NO_REPEAT, cmd_commands, NULL },
    { "info breakpoints", "info b,info watchpoints", "", "breakpoints and watchpoints: hits, conditions, commands",
      NULL, CMD_CLASS_EXECUTION, CMD_COMPLETE_NONE, 0, cmd_info_breakpoints, NULL },
};

int cmds_breaks_register(struct cmd_ctx *ctx)
{
    return cmd_register(ctx, breaks_cmds, sizeof breaks_cmds / sizeof breaks_cmds[0]);
}
