/* builtins.c — the commands every context has: set, show, echo, source,
 * help, quit, and the on-error variable.  See command.h. */
#include "ui/cli/cli_priv.h"

#include <stdio.h>

#include "ui/cli/cmd_args.h"
#include "ui/cli/script.h"

/* `set var EXPR`, `set $reg = EXPR`, `set *(int *)ADDR = EXPR`. */
static int assign(struct cmd_ctx *ctx, const char *expr)
{
    struct cmd_value v;
    if (!strchr(expr, '='))
        return cmd_error(ctx, "expected an assignment: set $REGISTER = VALUE, set *(TYPE *)ADDRESS = VALUE");
    return cmd_eval(ctx, expr, 1, &v);
}

static bool word_is(const char *p, const char *w)
{
    size_t n = strlen(w);
    return strncmp(p, w, n) == 0 && (!p[n] || cmd_is_blank(p[n]));
}

static int run_set(struct cmd_ctx *ctx, int argc, char **argv)
{
    (void)argc;
    (void)argv;
    const char *p = cmd_args_raw(ctx);
    if (!*p)
        return cmd_error(ctx, "variable name expected; try \"show\"");
    if (*p == '$' || *p == '*' || *p == '(')
        return assign(ctx, p);
    if (word_is(p, "var") || word_is(p, "variable"))
        return assign(ctx, cmd_skip_blanks(p + (p[3] == 'i' ? 8 : 3)));
    if (word_is(p, "logging"))
        return cmd_logging_set(ctx, cmd_skip_blanks(p + 7));
    const char *s = p;
    while (*p && !cmd_is_blank(*p))
        p++;
    struct cmd_var *v = cmd_var_lookup(ctx, s, (size_t)(p - s));
    if (!v)
        return -1;
    if (cmd_var_assign(ctx, v, p, false) < 0)
        return -1;
    unsigned long errors = ctx->nerrors;
    if (v->def->changed)
        v->def->changed(ctx, v->def->name, v->def->arg);
    return ctx->nerrors != errors ? -1 : 0;     /* (the change was refused: the callback said why) */
}

static void show_one(struct cmd_ctx *ctx, const struct cmd_var *v)
{
    char buf[1024];
    cmd_var_text(v, buf, sizeof buf);
    cmd_printf(ctx, "%s = %s\n", v->def->name, buf);
}

static int run_show(struct cmd_ctx *ctx, int argc, char **argv)
{
    if (argc > 2)
        return cmd_error(ctx, "unexpected \"%s\"", argv[2]);
    if (argc == 1) {
        for (size_t i = 0; i < ctx->vars.n; i++)
            show_one(ctx, &ctx->vars.v[i]);
        return 0;
    }
    if (strcmp(argv[1], "logging") == 0) {
        cmd_logging_show(ctx);
        return 0;
    }
    struct cmd_var *v = cmd_var_lookup(ctx, argv[1], strlen(argv[1]));
    if (!v)
        return -1;
    show_one(ctx, v);
    return 0;
}

static int run_echo(struct cmd_ctx *ctx, int argc, char **argv)
{
    (void)argc;
    (void)argv;
    const char *p = cmd_args_raw(ctx);
    size_t n = strlen(p);
    char *out = malloc(n + 1);
    if (!out)
        return cmd_error(ctx, "out of memory");
    size_t o = 0;
    while (*p) {
        if (*p != '\\') {
            out[o++] = *p++;
            continue;
        }
        p++;
        if (!*p)
            break;              /* a final lone backslash prints nothing */
        char c = *p++;
        switch (c) {
        case 'n': out[o++] = '\n'; break;
        case 't': out[o++] = '\t'; break;
        case 'r': out[o++] = '\r'; break;
        case 'a': out[o++] = '\a'; break;
        case 'b': out[o++] = '\b'; break;
        case 'f': out[o++] = '\f'; break;
        case 'v': out[o++] = '\v'; break;
        case 'e': out[o++] = 033; break;
        case '0': case '1': case '2': case '3':
        case '4': case '5': case '6': case '7': {
            unsigned v = (unsigned)(c - '0');
            for (int k = 0; k < 2 && *p >= '0' && *p <= '7'; k++)
                v = v * 8 + (unsigned)(*p++ - '0');
            out[o++] = (char)(v & 0xff);
            break;
        }
        default: out[o++] = c; break;   /* \\ \" \' \  and the rest */
        }
    }
    cmd_write(ctx, out, o);
    free(out);
    return 0;
}

static int run_source(struct cmd_ctx *ctx, int argc, char **argv)
{
    if (argc < 2)
        return cmd_error(ctx, "file name expected");
    if (argc > 2)
        return cmd_error(ctx, "unexpected \"%s\"", argv[2]);
    return script_run_file(ctx, argv[1]) == 0 ? 0 : -1;
}

static int run_quit(struct cmd_ctx *ctx, int argc, char **argv)
{
    int64_t status = 0;
    if (argc > 2)
        return cmd_error(ctx, "unexpected \"%s\"", argv[2]);
    if (argc == 2 && cmd_arg_i64(ctx, argv[1], 0, 255, &status) < 0)
        return -1;
    cmd_request_quit(ctx, (int)status);
    return 0;
}


static const struct cmd_def builtin_cmds[] = {
    { "set", NULL, "VARIABLE VALUE | $REG = EXPR | var EXPR | logging ...", "Set a session variable, a register or memory",
      "Integers follow gdb's rules (0x hex, a leading 0 octal, else decimal), booleans\n"
      "on|off, choices may be abbreviated.  \"set NAME\" alone turns a boolean on.\n"
      "Quote text to keep blanks.\n"
      "set $rax = 5, set $al = 'A', set *(int *)0x401000 = 7, set var EXPR: an\n"
      "assignment (memory writes go through the guest's write check).\n"
      "set logging on|off, file FILE, overwrite on|off, redirect on|off: copy\n"
      "command output to a file (default scout.txt).",
      CMD_CLASS_SESSION, CMD_COMPLETE_SETTING, CMD_F_NO_REPEAT | CMD_F_RAW, run_set, NULL },
    { "show", NULL, "[VARIABLE]", "Show one session variable, or all of them", NULL,
      CMD_CLASS_SESSION, CMD_COMPLETE_VARIABLE, CMD_F_NO_REPEAT, run_show, NULL },
    { "echo", NULL, "TEXT", "Print text; no newline is added (like gdb)",
      "Escapes: \\n newline, \\t tab, \\\\ backslash, \\\" quote, \\e escape, \\NNN octal;\n"
      "\"\\ \" keeps a blank at the end.  Leading and trailing blanks are dropped.",
      CMD_CLASS_SESSION, CMD_COMPLETE_NONE, CMD_F_NO_REPEAT | CMD_F_RAW, run_echo, NULL },
    { "source", NULL, "FILE", "Run the commands in FILE",
      "Blank lines and lines starting with # are skipped.  \"set on-error continue\"\n"
      "keeps a script going after a failing command.",
      CMD_CLASS_SESSION, CMD_COMPLETE_FILE, CMD_F_NO_REPEAT, run_source, NULL },
    { "help", "h", "[COMMAND]", "List commands, or describe one", NULL,
      CMD_CLASS_SESSION, CMD_COMPLETE_COMMAND, CMD_F_NO_REPEAT, cmd_help_run, NULL },
    { "quit", "q", "[STATUS]", "Leave scout (exit status 0..255, default 0)", NULL,
      CMD_CLASS_SESSION, CMD_COMPLETE_NONE, CMD_F_NO_REPEAT, run_quit, NULL },
};

static const struct cmd_var_def builtin_vars[] = {
    { "on-error", CMD_VAR_ENUM, "stop",
      "What a script does after a failing command: stop it, or continue with the next line",
      0, 0, "stop|continue", NULL, NULL },
};

int cmd_builtins_register(struct cmd_ctx *ctx)
{
    if (cmd_register(ctx, builtin_cmds, sizeof builtin_cmds / sizeof builtin_cmds[0]) < 0 ||
        cmd_var_register(ctx, builtin_vars, sizeof builtin_vars / sizeof builtin_vars[0]) < 0)
        return -1;
    return 0;
}
