/* common.c — helpers every command file shares.  See commands_priv.h. */
#include "ui/commands/commands_priv.h"

#include <inttypes.h>

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

void cmds_print_rip_line(struct cmd_ctx *ctx)
{
    struct session *s = cmds_of(ctx)->s;
    struct session_insn in;
    uint64_t rip = session_rip_linear(s);
    session_disasm(s, rip, session_mode(s), 0, &in);
    cmd_printf(ctx, "=> 0x%" PRIx64 ":\t%s\n", rip, in.text);
}
