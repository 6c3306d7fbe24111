/* commands_priv.h — private to src/ui/commands*.c: the state the debugger
 * commands share, and helpers.  One job per file:
 *   commands.c          execution + session (run, continue, stepi, break...)
 *   commands_state.c    looking at the guest (registers, x, disas, info)
 *   commands_prescan.c  the engine (prescan, pstart/pstep, map, attr, poke,
 *                       stats, depth and scan variables) */
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
    int var_guard;
    struct cmd_regs regs;             /* depth/scan variables updating each other */
    void (*stats_hook)(void *arg, struct cmd_ctx *ctx);
    void *stats_hook_arg;
};

static inline struct commands *cmds_of(struct cmd_ctx *ctx) { return cmd_user(ctx); }

/* Errors if the session has no enforcement (--raw): "needs enforcement". */
int cmds_need_enforce(struct cmd_ctx *ctx);
/* Linear address -> guest-physical, with the errors
 * "0x... is not mapped" and "0x... is outside guest memory". */
int cmds_translate(struct cmd_ctx *ctx, uint64_t linear, uint64_t *gpa);
/* Guest bytes as the guest wrote them (trap bytes undone). 0 or -1. */
int cmds_read_linear(struct commands *c, uint64_t linear, void *buf, size_t len);
int cmds_read_phys(struct commands *c, uint64_t gpa, void *buf, size_t len);
/* "0x401000:  lea rsi, [rip+0x1D]" style text of the instruction at
 * linear; returns its length (0 if unreadable/undecodable: text says). */
unsigned cmds_format_insn(struct commands *c, uint64_t linear, int mode, char *text, size_t size);
/* Prints "=> 0x...: insn" for RIP. */
void cmds_print_rip_line(struct cmd_ctx *ctx);
/* The current decode mode (16/32/64). */
int cmds_mode(struct commands *c);
uint64_t cmds_rip_linear(struct commands *c);

/* Registration of each file's commands/variables (0 or -1). */
int commands_state_register(struct cmd_ctx *ctx);
int commands_prescan_register(struct cmd_ctx *ctx);
#endif
