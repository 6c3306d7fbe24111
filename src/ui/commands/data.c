/* data.c — values and symbols: print (p), output, display, undisplay,
 * info display, info symbol, info line, list, symbol-file, info functions,
 * info variables. */
#include "ui/commands/commands_priv.h"

#include <inttypes.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "/x" -> 'x' (one format letter; a size or count is not for print). */
static int print_format(struct cmd_ctx *ctx, char *fmt)
{
    const char *sfx = cmd_suffix(ctx);
    *fmt = 0;
    if (!*sfx)
        return 0;
    if (strlen(sfx) != 2 || !strchr("xduotca", sfx[1]))
        return cmd_error(ctx, "bad format \"%s\": one of /x /d /u /o /t /c /a", sfx);
    *fmt = sfx[1];
    return 0;
}

static int cmd_print(struct cmd_ctx *ctx, int argc, char **argv)
{
    struct commands *c = cmds_of(ctx);
    struct cmd_value v;
    char fmt, text[300];
    (void)argc, (void)argv;
    if (print_format(ctx, &fmt) != 0)
        return -1;
    const char *expr = cmd_args_raw(ctx);
    if (!*expr) {
        if (!c->nhist)
            return cmd_error(ctx, "the value history is empty (print EXPRESSION)");
        v = c->hist[(c->nhist - 1) % CMDS_HISTORY];
    } else if (cmd_eval(ctx, expr, 1, &v) != 0) {
        return -1;
    }
    cmds_format_value(c, &v, fmt, text, sizeof text);
    cmd_printf(ctx, "$%u = %s\n", cmds_history_add(c, &v), text);
    return 0;
}

static int cmd_output(struct cmd_ctx *ctx, int argc, char **argv)
{
    struct commands *c = cmds_of(ctx);
    struct cmd_value v;
    char fmt, text[300];
    (void)argc, (void)argv;
    if (print_format(ctx, &fmt) != 0 || cmd_eval(ctx, cmd_args_raw(ctx), 0, &v) != 0)
        return -1;
    cmds_format_value(c, &v, fmt, text, sizeof text);
    cmd_printf(ctx, "%s", text);
    return 0;
}

/* ── display ────────────────────────────────────────────────────────── */

static int cmd_display(struct cmd_ctx *ctx, int argc, char **argv)
{
    struct commands *c = cmds_of(ctx);
    struct cmd_value v;
    (void)argc, (void)argv;
    const char *expr = cmd_args_raw(ctx), *sfx = cmd_suffix(ctx);
    if (!*expr) {
        cmds_show_displays(ctx);
        return 0;
    }
    if (strlen(sfx) >= sizeof c->disp[0].fmt || strlen(expr) >= sizeof c->disp[0].expr)
        return cmd_error(ctx, "expression or format too long");
    int xstyle = strchr(sfx, 'i') || strchr(sfx, 's');
    if (xstyle) {
        struct cmd_fmt last = c->last_x, f;
        if (cmd_parse_fmt(ctx, sfx, COMMANDS_MAX_X_COUNT, &last, &f) != 0 || cmd_eval_addr(ctx, expr, &v.v) != 0)
            return -1;
    } else {
        char fmt;
        if (print_format(ctx, &fmt) != 0 || cmd_eval(ctx, expr, 0, &v) != 0)
            return -1;
    }
    struct display *d = NULL;
    for (unsigned i = 0; i < CMDS_MAX_DISPLAYS && !d; i++)
        if (!c->disp[i].num)
            d = &c->disp[i];
    if (!d)
        return cmd_error(ctx, "too many displays (limit %u)", CMDS_MAX_DISPLAYS);
    d->num = ++c->next_disp;
    snprintf(d->fmt, sizeof d->fmt, "%s", sfx);
    snprintf(d->expr, sizeof d->expr, "%s", expr);
    cmds_show_display(ctx, d);
    return 0;
}

static int cmd_undisplay(struct cmd_ctx *ctx, int argc, char **argv)
{
    struct commands *c = cmds_of(ctx);
    if (argc == 1) {
        memset(c->disp, 0, sizeof c->disp);
        return 0;
    }
    for (int i = 1; i < argc; i++) {
        uint64_t n;
        struct display *d = NULL;
        if (cmd_arg_u64(ctx, argv[i], &n) != 0)
            return -1;
        for (unsigned k = 0; k < CMDS_MAX_DISPLAYS && !d; k++)
            if (n && c->disp[k].num == n)
                d = &c->disp[k];
        if (!d)
            return cmd_error(ctx, "no display number %" PRIu64, n);
        memset(d, 0, sizeof *d);
    }
    return 0;
}

static int cmd_info_display(struct cmd_ctx *ctx, int argc, char **argv)
{
    struct commands *c = cmds_of(ctx);
    int any = 0;
    (void)argc, (void)argv;
    for (unsigned i = 0; i < CMDS_MAX_DISPLAYS; i++) {
        const struct display *d = &c->disp[i];
        if (!d->num)
            continue;
        if (!any++)
            cmd_printf(ctx, "Auto-display expressions now in effect:\nNum Expression\n");
        cmd_printf(ctx, "%u:  %s%s%s\n", d->num, d->fmt, *d->fmt ? " " : "", d->expr);
    }
    if (!any)
        cmd_printf(ctx, "There are no auto-display expressions now.\n");
    return 0;
}

/* ── symbols ────────────────────────────────────────────────────────── */

static int cmd_info_symbol(struct cmd_ctx *ctx, int argc, char **argv)
{
    struct commands *c = cmds_of(ctx);
    struct session_sym sym;
    struct session_line ln;
    uint64_t a, off;
    (void)argc, (void)argv;
    if (!*cmd_args_raw(ctx))
        return cmd_error(ctx, "usage: info symbol ADDRESS");
    if (cmd_eval_addr(ctx, cmd_args_raw(ctx), &a) != 0)
        return -1;
    if (session_sym_at(c->s, a, &sym, &off) != 0) {
        cmd_printf(ctx, "No symbol matches %s.\n", cmd_args_raw(ctx));
        return 0;
    }
    cmd_printf(ctx, off ? "%s + %" PRIu64 : "%s", sym.name, off);
    cmd_printf(ctx, " (%s at 0x%" PRIx64 ")", sym.func ? "code" : "data", sym.addr);
    if (session_line_at(c->s, a, &ln) == 0) {
        const char *base = strrchr(ln.file, '/');
        cmd_printf(ctx, ", %s:%u", base ? base + 1 : ln.file, ln.line);
    }
    cmd_printf(ctx, "\n");
    return 0;
}

static int need_lines(struct cmd_ctx *ctx)
{
    if (session_have_lines(cmds_of(ctx)->s))
        return 0;
    if (!session_sym_count(cmds_of(ctx)->s))
        return cmd_error(ctx, "no symbols are loaded (symbol-file FILE)");
    return cmd_error(ctx, "no line information: the guest's symbols have none (assemble with as -g, compile with -g)");
}

static int cmd_info_line(struct cmd_ctx *ctx, int argc, char **argv)
{
    struct commands *c = cmds_of(ctx);
    struct session_line ln;
    uint64_t a;
    char s1[300], s2[300];
    (void)argc, (void)argv;
    if (need_lines(ctx))
        return -1;
    if (!*cmd_args_raw(ctx))
        a = session_rip_linear(c->s);
    else if (cmds_location(ctx, cmd_args_raw(ctx), &a) != 0)
        return -1;
    if (session_line_at(c->s, a, &ln) != 0) {
        cmd_printf(ctx, "No line number information available for address 0x%" PRIx64 "\n", a);
        return 0;
    }
    const char *base = strrchr(ln.file, '/');
    cmds_addr_text(c, ln.start, s1, sizeof s1);
    cmds_addr_text(c, ln.end, s2, sizeof s2);
    cmd_printf(ctx, "Line %u of \"%s\" starts at address %s and ends at %s.\n", ln.line, base ? base + 1 : ln.file,
               s1, s2);
    return 0;
}

#define LISTSIZE 10u

static void list_lines(struct cmd_ctx *ctx, const char *file, unsigned first, unsigned count)
{
    struct commands *c = cmds_of(ctx);
    size_t len;
    unsigned n = 0, l;
    for (l = first; l < first + count; l++) {
        const char *t = cmds_source_text(c, file, l, &len, &n);
        if (!t)
            break;
        cmd_printf(ctx, "%u\t%.*s\n", l, (int)len, t);
    }
    snprintf(c->list_file, sizeof c->list_file, "%s", file);
    c->list_next = l;
}

static int cmd_list(struct cmd_ctx *ctx, int argc, char **argv)
{
    struct commands *c = cmds_of(ctx);
    struct session_line ln;
    const char *arg = cmd_args_raw(ctx), *file;
    unsigned center, n = 0;
    size_t len;
    uint64_t a;
    char name[512];
    (void)argc, (void)argv;
    if (need_lines(ctx))
        return -1;
    if (!*arg && c->list_file[0] && (cmd_is_repeat(ctx) || c->list_next)) {
        if (!cmds_source_text(c, c->list_file, c->list_next, &len, &n)) {
            const char *base = strrchr(c->list_file, '/');
            return cmd_error(ctx, "line %u is beyond the end of \"%s\" (%u lines)", c->list_next,
                             base ? base + 1 : c->list_file, n);
        }
        list_lines(ctx, c->list_file, c->list_next, LISTSIZE);
        return 0;
    }
    if (!*arg) {
        a = session_rip_linear(c->s);
    } else if (strspn(arg, "0123456789") == strlen(arg)) {
        /* a line of the file listed last (or RIP's) */
        uint64_t l;
        if (cmd_arg_u64(ctx, arg, &l) != 0)
            return -1;
        if (!c->list_file[0] && session_line_at(c->s, session_rip_linear(c->s), &ln) == 0)
            snprintf(c->list_file, sizeof c->list_file, "%s", ln.file);
        if (!c->list_file[0])
            return cmd_error(ctx, "no source file yet: list FILE:LINE or list FUNCTION");
        if (!l || !cmds_source_text(c, c->list_file, (unsigned)(l > UINT32_MAX ? UINT32_MAX : l), &len, &n)) {
            const char *base = strrchr(c->list_file, '/');
            return cmd_error(ctx, "line %s is out of range: \"%s\" has %u lines", arg, base ? base + 1 : c->list_file, n);
        }
        center = (unsigned)l;
        file = c->list_file;
        goto show;
    } else if (cmds_location(ctx, arg, &a) != 0) {
        return -1;
    }
    if (session_line_at(c->s, a, &ln) != 0)
        return cmd_error(ctx, "no line information for 0x%" PRIx64, a);
    snprintf(name, sizeof name, "%s", ln.file);
    file = name;
    center = ln.line;
    if (!cmds_source_text(c, file, center, &len, &n))
        return cmd_error(ctx, "cannot read %s (line %u)", file, center);
show:
    list_lines(ctx, file, center > LISTSIZE / 2 ? center - LISTSIZE / 2 : 1, LISTSIZE);
    return 0;
}

static int cmd_symbol_file(struct cmd_ctx *ctx, int argc, char **argv)
{
    struct commands *c = cmds_of(ctx);
    char err[512];
    if (argc != 2)
        return cmd_error(ctx, "usage: symbol-file FILE (an ELF, or nm / System.map text)");
    long n = session_symbols_load(c->s, argv[1], err, sizeof err);
    if (n < 0)
        return cmd_error(ctx, "%s", err);
    c->list_file[0] = 0;
    cmd_printf(ctx, "Reading symbols from %s: %ld symbol%s, %s.\n", argv[1], n, n == 1 ? "" : "s",
               session_have_lines(c->s) ? "with line information" : "no line information");
    return 0;
}

static int list_symbols(struct cmd_ctx *ctx, int funcs)
{
    struct commands *c = cmds_of(ctx);
    struct session_sym sym;
    regex_t re;
    const char *pat = cmd_args_raw(ctx);
    if (*pat) {
        int rc = regcomp(&re, pat, REG_EXTENDED | REG_NOSUB);
        if (rc != 0) {
            char why[128];
            regerror(rc, &re, why, sizeof why);
            return cmd_error(ctx, "bad regular expression \"%s\": %s", pat, why);
        }
        cmd_printf(ctx, "All %s matching regular expression \"%s\":\n", funcs ? "functions" : "variables", pat);
    } else {
        cmd_printf(ctx, "All defined %s:\n", funcs ? "functions" : "variables");
    }
    for (size_t i = 0; session_sym_get(c->s, i, &sym) == 0; i++)
        if (sym.func == funcs && (!*pat || regexec(&re, sym.name, 0, NULL, 0) == 0))
            cmd_printf(ctx, "0x%016" PRIx64 "  %s\n", sym.addr, sym.name);
    if (*pat)
        regfree(&re);
    return 0;
}

static int cmd_info_functions(struct cmd_ctx *ctx, int argc, char **argv)
{
    (void)argc, (void)argv;
    return list_symbols(ctx, 1);
}

static int cmd_info_variables(struct cmd_ctx *ctx, int argc, char **argv)
{
    (void)argc, (void)argv;
    return list_symbols(ctx, 0);
}

static const struct cmd_def data_cmds[] = {
    { "print", "p,inspect", "[/F] [EXPRESSION]", "the value of an expression, as $N in the value history",
      "Expressions: numbers (0x hex, 0 octal), $registers ($rax $eax $al $pc\n"
      "$eflags $cr3 ...), $N (history), symbols (their address), SYMBOL+OFF,\n"
      "+ - * / % & | ^ << >> ~ ! == != < > <= >= && ||, *ADDRESS (8 bytes),\n"
      "*(char|short|int|long *)ADDRESS, (int)X casts, and assignment:\n"
      "p $rax = 5.  F: x hex, d signed, u unsigned, o octal, t binary, c char,\n"
      "a address <symbol+off>.",
      CMD_CLASS_STATE, CMD_COMPLETE_ADDRESS, CMD_F_SUFFIX | CMD_F_RAW, cmd_print, NULL },
    { "output", NULL, "[/F] EXPRESSION", "like print, without history and newline", NULL, CMD_CLASS_STATE,
      CMD_COMPLETE_ADDRESS, CMD_F_SUFFIX | CMD_F_RAW, cmd_output, NULL },
    { "display", NULL, "[/F] [EXPRESSION]", "print EXPRESSION after every stop (display/i $pc: x/i)", NULL,
      CMD_CLASS_STATE, CMD_COMPLETE_ADDRESS, CMD_F_SUFFIX | CMD_F_RAW | CMD_F_NO_REPEAT, cmd_display, NULL },
    { "undisplay", NULL, "[N...]", "stop displaying N (all when none given)", NULL, CMD_CLASS_STATE,
      CMD_COMPLETE_NONE, CMD_F_NO_REPEAT, cmd_undisplay, NULL },
    { "info display", NULL, "", "the expressions display shows", NULL, CMD_CLASS_STATE, CMD_COMPLETE_NONE, 0,
      cmd_info_display, NULL },
    { "info symbol", NULL, "ADDRESS", "which symbol an address is in (and its source line)", NULL,
      CMD_CLASS_STATE, CMD_COMPLETE_ADDRESS, CMD_F_RAW, cmd_info_symbol, NULL },
    { "info line", NULL, "[LOCATION]", "where a source line's code starts and ends", NULL, CMD_CLASS_STATE,
      CMD_COMPLETE_ADDRESS, CMD_F_RAW, cmd_info_line, NULL },
    { "info functions", NULL, "[REGEX]", "code symbols (matching REGEX)", NULL, CMD_CLASS_STATE,
      CMD_COMPLETE_NONE, CMD_F_RAW, cmd_info_functions, NULL },
    { "info variables", NULL, "[REGEX]", "data symbols (matching REGEX)", NULL, CMD_CLASS_STATE,
      CMD_COMPLETE_NONE, CMD_F_RAW, cmd_info_variables, NULL },
    { "list", "l", "[LINE | FILE:LINE | FUNCTION | *ADDRESS]", "source lines (needs line information: as -g)",
      "Without an argument: around RIP's line, then the next ten (Enter goes on).",
      CMD_CLASS_STATE, CMD_COMPLETE_ADDRESS, CMD_F_RAW, cmd_list, NULL },
    { "symbol-file", NULL, "FILE", "read symbols (and line information) from FILE",
      "An ELF file -- the one a flat image or boot sector was linked from -- or text\n"
      "lines \"ADDRESS [TYPE] NAME\" as nm and System.map print them.  Replaces the\n"
      "symbols loaded before (scout --symbols FILE does it at start-up).",
      CMD_CLASS_SESSION, CMD_COMPLETE_FILE, CMD_F_NO_REPEAT, cmd_symbol_file, NULL },
};

int cmds_data_register(struct cmd_ctx *ctx)
{
    return cmd_register(ctx, data_cmds, sizeof data_cmds / sizeof data_cmds[0]);
}
