/* logging.c — gdb's `set logging`: command output copied to a file
 *     set logging on | off          (also: set logging enabled on|off)
 *     set logging file FILE         (default scout.txt)
 *     set logging overwrite on|off  (default off: append)
 *     set logging redirect on|off   (on: output only to the file)
 *     show logging
 * output.c does the copying while ctx->log is open.  See cli_priv.h. */
#include "ui/cli/cli_priv.h"

#include <errno.h>
#include <unistd.h>

#include "base/file.h"

#define DEFAULT_LOG "scout.txt"

static const char *log_file(const struct cmd_ctx *ctx) { return ctx->log_file[0] ? ctx->log_file : DEFAULT_LOG; }

/* on|off and their synonyms; -1 otherwise */
static int onoff(const char *v)
{
    static const char *const on[] = { "on", "1", "yes", "enable", NULL }, *const off[] = { "off", "0", "no", "disable", NULL };
    for (int i = 0; on[i]; i++)
        if (strcmp(v, on[i]) == 0)
            return 1;
    for (int i = 0; off[i]; i++)
        if (strcmp(v, off[i]) == 0)
            return 0;
    return -1;
}

static int start(struct cmd_ctx *ctx)
{
    if (ctx->log)
        return cmd_error(ctx, "already logging to %s", log_file(ctx));
    /* as every file scout writes: no hang on a FIFO, no device */
    char why[256];
    int fd = base_file_open_write(log_file(ctx), BASE_FILE_STREAM | (ctx->log_overwrite ? 0 : BASE_FILE_APPEND), why,
                                  sizeof why);
    FILE *f = fd < 0 ? NULL : fdopen(fd, ctx->log_overwrite ? "w" : "a");
    if (!f) {
        if (fd >= 0)
            close(fd);
        return cmd_error(ctx, "cannot open %s: %s", log_file(ctx), fd < 0 ? why : strerror(errno));
    }
    cmd_printf(ctx, "Copying output to %s.\n", log_file(ctx));
    if (ctx->log_redirect)
        cmd_printf(ctx, "Redirecting output to %s.\n", log_file(ctx));
    ctx->log = f;
    return 0;
}

void cmd_logging_stop(struct cmd_ctx *ctx)
{
    if (!ctx->log)
        return;
    fclose(ctx->log);
    ctx->log = NULL;
}

int cmd_logging_set(struct cmd_ctx *ctx, const char *args)
{
    char word[32], value[512];
    int n = sscanf(args, "%31s %511s", word, value);
    if (n < 1)
        return cmd_error(ctx, "usage: set logging on|off | file FILE | overwrite on|off | redirect on|off");
    int v = onoff(word);
    if (n == 1 && v >= 0) {
        if (!v) {
            if (!ctx->log)
                return 0;
            cmd_logging_stop(ctx);
            cmd_printf(ctx, "Done logging to %s.\n", log_file(ctx));
            return 0;
        }
        return start(ctx);
    }
    if (n == 2 && strcmp(word, "enabled") == 0 && onoff(value) >= 0)
        return cmd_logging_set(ctx, value);
    if (n == 2 && strcmp(word, "file") == 0) {
        if (ctx->log)
            return cmd_error(ctx, "cannot change the log file while logging (set logging off first)");
        if (strlen(value) >= sizeof ctx->log_file)
            return cmd_error(ctx, "file name too long");
        snprintf(ctx->log_file, sizeof ctx->log_file, "%s", value);
        return 0;
    }
    if (n == 2 && (strcmp(word, "overwrite") == 0 || strcmp(word, "redirect") == 0) && onoff(value) >= 0) {
        *(word[0] == 'o' ? &ctx->log_overwrite : &ctx->log_redirect) = onoff(value) == 1;
        return 0;
    }
    return cmd_error(ctx, "usage: set logging on|off | file FILE | overwrite on|off | redirect on|off");
}

void cmd_logging_show(struct cmd_ctx *ctx)
{
    cmd_printf(ctx, "logging: %s, file %s, overwrite %s, redirect %s\n", ctx->log ? "on" : "off", log_file(ctx),
               ctx->log_overwrite ? "on" : "off", ctx->log_redirect ? "on" : "off");
}
