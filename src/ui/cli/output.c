/* output.c — a context's output and error lines, and the accessors of its
 * state: the running command, quit, the user pointer, the expression
 * environment, the script location.  Calls nothing else in cli.  See
 * command.h. */
#include "ui/cli/cli_priv.h"

#include "base/text.h"

#include <stdarg.h>
#include <stdio.h>

static void default_output(void *arg, enum cmd_stream stream, const char *text, size_t len)
{
    (void)arg;
    if (stream == CMD_ERR) {
        fflush(stdout);
        fwrite(text, 1, len, stderr);
    } else {
        fwrite(text, 1, len, stdout);
    }
}

void cmd_set_output(struct cmd_ctx *ctx, cmd_output_fn fn, void *arg)
{
    ctx->out = fn ? fn : default_output;
    ctx->out_arg = fn ? arg : NULL;
}

void cmd_get_output(const struct cmd_ctx *ctx, cmd_output_fn *fn, void **arg)
{
    *fn = ctx->out;
    *arg = ctx->out_arg;
}

/* To the sink, and to the log file while `set logging` is on (only to
 * the file with `set logging redirect on`, errors excepted). */
static void emit(struct cmd_ctx *ctx, enum cmd_stream stream, const char *text, size_t len)
{
    if (ctx->log)
        fwrite(text, 1, len, ctx->log);
    if (!ctx->log || !ctx->log_redirect || stream == CMD_ERR)
        ctx->out(ctx->out_arg, stream, text, len);
}

void cmd_write(struct cmd_ctx *ctx, const char *text, size_t len)
{
    if (len)
        emit(ctx, CMD_OUT, text, len);
}

void cmd_vprintf(struct cmd_ctx *ctx, const char *fmt, va_list ap)
{
    char small[512];
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    if (n < 0) {
        va_end(ap2);
        return;
    }
    if ((size_t)n < sizeof small) {
        cmd_write(ctx, small, (size_t)n);
    } else {
        char *big = malloc((size_t)n + 1);
        if (big) {
            vsnprintf(big, (size_t)n + 1, fmt, ap2);
            cmd_write(ctx, big, (size_t)n);
            free(big);
        } else {
            cmd_write(ctx, small, sizeof small - 1);
        }
    }
    va_end(ap2);
}

void cmd_printf(struct cmd_ctx *ctx, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cmd_vprintf(ctx, fmt, ap);
    va_end(ap);
}

/* An error line: location, command, message; whatever it quotes that a
 * terminal would act on (control characters, DEL, C1) is written \xNN. */
int cmd_verror(struct cmd_ctx *ctx, const char *fmt, va_list ap)
{
    char b[sizeof ctx->last_error];
    size_t size = sizeof b, used = 0;
    int k = 0;
    if (ctx->where) {
        if (ctx->where[0] == '-')
            k = snprintf(b, size, "%s %lu: ", ctx->where, ctx->line);
        else
            k = snprintf(b, size, "%s:%lu: ", ctx->where, ctx->line);
        used = k < 0 ? 0 : ((size_t)k < size ? (size_t)k : size - 1);
    }
    if (ctx->cur) {
        k = snprintf(b + used, size - used, "%s: ", ctx->cur->path);
        used += k < 0 ? 0 : ((size_t)k < size - used ? (size_t)k : size - used - 1);
    }
    vsnprintf(b + used, size - used, fmt, ap);
    size_t len = strlen(b);
    while (len > 0 && b[len - 1] == '\n')
        b[--len] = 0;
    base_escape_text(ctx->last_error, sizeof ctx->last_error, b, 0);
    len = strlen(ctx->last_error);
    ctx->nerrors++;
    emit(ctx, CMD_ERR, ctx->last_error, len);
    emit(ctx, CMD_ERR, "\n", 1);
    return -1;
}

int cmd_error(struct cmd_ctx *ctx, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cmd_verror(ctx, fmt, ap);
    va_end(ap);
    return -1;
}

const char *cmd_last_error(const struct cmd_ctx *ctx) { return ctx->last_error; }
unsigned long cmd_error_count(const struct cmd_ctx *ctx) { return ctx->nerrors; }

const char *cmd_name(const struct cmd_ctx *ctx) { return ctx->cur ? ctx->cur->path : ""; }
const char *cmd_suffix(const struct cmd_ctx *ctx) { return ctx->suffix ? ctx->suffix : ""; }
const char *cmd_args_raw(const struct cmd_ctx *ctx) { return ctx->raw ? ctx->raw : ""; }
void *cmd_data(const struct cmd_ctx *ctx)
{
    return ctx->cur && ctx->cur->def ? ctx->cur->def->data : NULL;
}
bool cmd_is_repeat(const struct cmd_ctx *ctx) { return ctx->repeat; }

bool cmd_quit_requested(const struct cmd_ctx *ctx, int *status)
{
    if (ctx->quit && status)
        *status = ctx->quit_status;
    return ctx->quit;
}

void cmd_request_quit(struct cmd_ctx *ctx, int status)
{
    ctx->quit = true;
    ctx->quit_status = status;
}

void cmd_set_progress(struct cmd_ctx *ctx, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ctx->progress, sizeof ctx->progress, fmt, ap);
    va_end(ap);
}

const char *cmd_progress(const struct cmd_ctx *ctx) { return ctx->progress; }

void cmd_capture_lines(struct cmd_ctx *ctx, int (*fn)(void *arg, const char *line), void *arg, const char *prompt)
{
    ctx->capture = fn;
    ctx->capture_arg = fn ? arg : NULL;
    ctx->capture_prompt = fn ? (prompt ? prompt : ">") : NULL;
}

const char *cmd_capture_prompt(const struct cmd_ctx *ctx) { return ctx->capture ? ctx->capture_prompt : NULL; }

void cmd_set_user(struct cmd_ctx *ctx, void *user) { ctx->user = user; }
void *cmd_user(const struct cmd_ctx *ctx) { return ctx->user; }

void cmd_set_expr_env(struct cmd_ctx *ctx, const struct cmd_expr_env *env)
{
    ctx->has_env = env != NULL;
    if (env)
        ctx->env = *env;
}

const struct cmd_expr_env *cmd_get_expr_env(const struct cmd_ctx *ctx)
{
    return ctx->has_env ? &ctx->env : NULL;
}

void cmd_location_push(struct cmd_ctx *ctx, struct cmd_location *saved, const char *where)
{
    saved->where = ctx->where;
    saved->line = ctx->line;
    saved->cmd = ctx->cur;
    ctx->where = where;
    ctx->line = 0;
    ctx->cur = NULL;
}

void cmd_location_line(struct cmd_ctx *ctx, unsigned long line) { ctx->line = line; }

void cmd_location_pop(struct cmd_ctx *ctx, const struct cmd_location *saved)
{
    ctx->where = saved->where;
    ctx->line = saved->line;
    ctx->cur = saved->cmd;
}

unsigned cmd_script_depth(const struct cmd_ctx *ctx) { return ctx->depth; }
void cmd_script_set_depth(struct cmd_ctx *ctx, unsigned depth) { ctx->depth = depth; }
bool cmd_script_aborted(const struct cmd_ctx *ctx) { return ctx->aborted; }
void cmd_script_set_aborted(struct cmd_ctx *ctx, bool aborted) { ctx->aborted = aborted; }
