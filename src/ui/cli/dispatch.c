/* dispatch.c — running one command line: blank and comment lines, the
 * repeat of an empty interactive line, the /FMT suffix, argv words, the
 * handler, and its error line.  See command.h. */
#include "ui/cli/cli_priv.h"

#include <stdio.h>

#define MAX_ARGS        256

/* Splits args into words; buf has room for strlen(args)+1 bytes. */
static int split_args(struct cmd_ctx *ctx, const char *p, char *buf, char **argv, int *argc)
{
    char *o = buf;
    int n = *argc;
    for (;;) {
        p = cmd_skip_blanks(p);
        if (!*p)
            break;
        if (n >= MAX_ARGS)
            return cmd_error(ctx, "too many arguments (limit %d)", MAX_ARGS - 1);
        argv[n++] = o;
        while (*p && !cmd_is_blank(*p)) {
            if (*p == '"') {
                p++;
                while (*p && *p != '"') {
                    if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
                        p++;
                    *o++ = *p++;
                }
                if (!*p)
                    return cmd_error(ctx, "unterminated quote");
                p++;
            } else if (*p == '\'') {
                p++;
                while (*p && *p != '\'')
                    *o++ = *p++;
                if (!*p)
                    return cmd_error(ctx, "unterminated quote");
                p++;
            } else {
                *o++ = *p++;
            }
        }
        *o++ = 0;
    }
    argv[n] = NULL;
    *argc = n;
    return 0;
}

/* Trims blanks at both ends in place; an escaped final blank stays. */
static char *trim_line(char *s)
{
    s = (char *)cmd_skip_blanks(s);
    size_t len = strlen(s), orig = len;
    while (len > 0 && cmd_is_blank(s[len - 1]))
        len--;
    if (len < orig && s[len] != '\n' && s[len] != '\r') {
        size_t bs = 0;
        while (bs < len && s[len - 1 - bs] == '\\')
            bs++;
        if (bs % 2 == 1)
            len++;
    }
    s[len] = 0;
    return s;
}

static int execute(struct cmd_ctx *ctx, const char *line, bool interactive, bool repeat)
{
    char *copy = strdup(line);
    if (!copy)
        return cmd_error(ctx, "out of memory");
    char *text = trim_line(copy);
    if (ctx->capture && !repeat) {
        /* `commands` ... `end`: the line is the capturer's */
        int done = ctx->capture(ctx->capture_arg, text);
        if (done)
            cmd_capture_lines(ctx, NULL, NULL, NULL);
        free(copy);
        return done < 0 ? -1 : 0;
    }
    if (!*text) {
        free(copy);
        if (interactive && !repeat && ctx->last_line) {
            char *again = strdup(ctx->last_line);
            if (!again)
                return cmd_error(ctx, "out of memory");
            int rc = execute(ctx, again, interactive, true);
            free(again);
            return rc;
        }
        return 0;
    }
    if (*text == '#') {
        free(copy);
        return 0;
    }

    const struct cmd_node *node;
    const char *end;
    if (cmd_resolve_command(ctx, text, &node, &end, false) < 0) {
        free(copy);
        return -1;
    }
    if (interactive && !repeat) {
        free(ctx->last_line);
        ctx->last_line = NULL;
        if (!(node->def && (node->def->flags & CMD_F_NO_REPEAT)))
            ctx->last_line = strdup(text);
    }

    const struct cmd_node *saved_cur = ctx->cur;
    const char *saved_suffix = ctx->suffix, *saved_raw = ctx->raw;
    bool saved_repeat = ctx->repeat;
    unsigned long errors_before = ctx->nerrors;
    int rc = -1;
    char *suffix = NULL, *argbuf = NULL;
    char **argv = NULL;

    ctx->cur = node;
    ctx->repeat = repeat;
    const char *p = end;
    if (*p == '/') {
        const char *s = p;
        while (*p && !cmd_is_blank(*p))
            p++;
        if (!(node->def && (node->def->flags & CMD_F_SUFFIX))) {
            cmd_error(ctx, "unexpected \"%.*s\" (no /FORMAT suffix allowed)", (int)(p - s), s);
            goto out;
        }
        suffix = cmd_strndup(s, (size_t)(p - s));
        if (!suffix) {
            cmd_error(ctx, "out of memory");
            goto out;
        }
    }
    p = cmd_skip_blanks(p);
    ctx->suffix = suffix ? suffix : "";
    ctx->raw = p;

    if (!node->def || !node->def->run) {
        /* a prefix command without a handler */
        char list[512] = "";
        size_t used = 0;
        for (size_t i = 0; i < node->kids.n && used < sizeof list; i++) {
            if (node->kids.v[i]->target)
                continue;
            int k = snprintf(list + used, sizeof list - used, "%s%s", used ? ", " : "",
                             node->kids.v[i]->word);
            if (k < 0)
                break;
            used += (size_t)k;
        }
        cmd_error(ctx, "subcommand expected: %s", list);
        goto out;
    }

    argbuf = malloc(strlen(p) + 1);
    argv = malloc((MAX_ARGS + 1) * sizeof *argv);
    if (!argbuf || !argv) {
        cmd_error(ctx, "out of memory");
        goto out;
    }
    argv[0] = node->path;
    int argc = 1;
    if (node->def->flags & CMD_F_RAW)
        argv[1] = NULL;
    else if (split_args(ctx, p, argbuf, argv, &argc) < 0)
        goto out;
    rc = node->def->run(ctx, argc, argv);
    if (rc != 0 && ctx->nerrors == errors_before)
        cmd_error(ctx, "command failed");
out:
    if (!saved_cur)
        ctx->progress[0] = 0;
    ctx->cur = saved_cur;
    ctx->suffix = saved_suffix;
    ctx->raw = saved_raw;
    ctx->repeat = saved_repeat;
    free(suffix);
    free(argbuf);
    free(argv);
    free(copy);
    return rc == 0 ? 0 : -1;
}

int cmd_execute_line(struct cmd_ctx *ctx, const char *line, bool interactive)
{
    if (!line)
        line = "";
    return execute(ctx, line, interactive, false);
}
