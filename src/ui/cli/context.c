/* context.c — a new command context with the built-ins, and freeing it.
 * See command.h. */
#include "ui/cli/cli_priv.h"

struct cmd_ctx *cmd_ctx_new(void)
{
    struct cmd_ctx *ctx = calloc(1, sizeof *ctx);
    if (!ctx)
        return NULL;
    cmd_set_output(ctx, NULL, NULL);
    if (cmd_builtins_register(ctx) < 0) {
        cmd_ctx_free(ctx);
        return NULL;
    }
    ctx->nerrors = 0;
    ctx->last_error[0] = 0;
    return ctx;
}

void cmd_ctx_free(struct cmd_ctx *ctx)
{
    if (!ctx)
        return;
    cmd_logging_stop(ctx);
    cmd_tree_free(&ctx->root);
    cmd_vars_free(ctx);
    free(ctx->last_line);
    free(ctx);
}
