/* commands_priv.h — private to src/ui/commands/: the state the debugger
 * commands share, and the helpers they share.  One job per file:
 *   commands.c   the set: registration, $register reader, stats hook
 *   common.c     helpers the command files share (common to all of them)
 *   exec.c       execution (run, continue, stepi, break, delete, trace ...)
 *   state.c      looking at the guest (registers, x, disas, info)
 *   prescan.c    the engine (prescan, pstart/pstep, map, attr, poke,
 *                stats, depth and scan variables)
 * The files below commands.c call only common.c, the command language
 * (ui/cli) and the session (ui/session), never each other. */
#ifndef SCOUT_UI_COMMANDS_PRIV_H
#define SCOUT_UI_COMMANDS_PRIV_H
#include <stddef.h>
#include <stdint.h>

#include "ui/cli/cmd_args.h"
#include "ui/cli/command.h"
#include "ui/commands/commands.h"
#include "ui/session/session.h"

struct breakpoint {
    unsigned num;              /* 0: free slot */
    uint64_t linear, gpa;
    uint64_t hits, ignore;
};

struct commands {
    struct cmd_ctx *ctx;
    struct session *s;
    int started;               /* run or stepi happened */
    struct breakpoint bp[COMMANDS_MAX_BREAKPOINTS];
    unsigned next_bp;
    struct cmd_fmt last_x, last_xp;
    int pscan_active;          /* a pstart scan in progress */
    unsigned long psteps;
    unsigned last_depth;       /* recursive depth `set scan recursive` restores */
    int var_guard;             /* depth/scan variables updating each other */
    struct cmd_regs regs;      /* $register reader */
    const char **reg_names;    /* for completion, NULL-terminated */
    void (*stats_hook)(void *arg, struct cmd_ctx *ctx);
    void *stats_hook_arg;
};

static inline struct commands *cmds_of(struct cmd_ctx *ctx) { return cmd_user(ctx); }

/* common.c */
/* Errors if the session has no enforcement (--raw): "needs enforcement". */
int cmds_need_enforce(struct cmd_ctx *ctx);
/* Linear address -> guest-physical, with the errors
 * "0x... is not mapped" and "0x... is outside guest memory". */
int cmds_translate(struct cmd_ctx *ctx, uint64_t linear, uint64_t *gpa);
/* Prints "=> 0x...: insn" for RIP. */
void cmds_print_rip_line(struct cmd_ctx *ctx);

/* Registration of each file's commands and variables (0 or -1). */
int cmds_exec_register(struct cmd_ctx *ctx);
int cmds_state_register(struct cmd_ctx *ctx);
int cmds_prescan_register(struct cmd_ctx *ctx);
#endif
