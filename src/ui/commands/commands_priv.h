/* commands_priv.h — private to src/ui/commands/: the state the debugger
 * commands share, and the helpers they share.  One job per file:
 *   commands.c   the set: registration, the expression environment
 *                ($registers, value history, symbols, memory), hooks
 *   common.c     helpers the command files share (common to all of them):
 *                addresses with <symbol+off>, locations, stop lines,
 *                values as print shows them, displays, breakpoint lookup
 *   exec.c       execution (run, continue, stepi, nexti, finish, until,
 *                advance, kill, interrupt, trace ...)
 *   breaks.c     breakpoints and watchpoints (break, tbreak, watch,
 *                delete, enable, disable, condition, ignore, commands)
 *   data.c       values and symbols (print, display, info symbol, info
 *                line, list, symbol-file, info functions)
 *   state.c      looking at the guest (registers, x, disas, info)
 *   tables.c     descriptor and page tables (info gdt/idt/ldt/tss/tab,
 *                info mem/tlb)
 *   prescan.c    the engine (prescan, pstart/pstep, map, attr, poke,
 *                rescan, forget, stats, depth and scan variables)
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

enum bp_type { BP_BREAK, BP_WATCH };

struct breakpoint {
    unsigned num;              /* 0: free slot */
    enum bp_type type;
    int temporary;             /* tbreak: deleted when it stops the guest */
    int enabled;               /* disabled ones are not in the monitor */
    uint64_t linear, gpa;
    unsigned len;              /* watchpoints: bytes watched */
    char what[160];            /* as typed (watch EXPR, break LOCATION) */
    uint64_t hits, ignore;
    char *cond;                /* stop only if this is non-zero, or NULL */
    char *commands;            /* lines run after it stops it ("a\nb\n"), or NULL */
};

struct display {
    unsigned num;              /* 0: free */
    char fmt[16];              /* "/x", "/i" ... or "" */
    char expr[200];
};

#define CMDS_MAX_DISPLAYS 32
#define CMDS_HISTORY 256
#define CMDS_MAX_INTERNAL 4

struct commands {
    struct cmd_ctx *ctx;
    struct session *s;
    int started;               /* run or stepi happened */
    struct breakpoint bp[COMMANDS_MAX_BREAKPOINTS];
    unsigned next_bp, last_bp;
    struct display disp[CMDS_MAX_DISPLAYS];
    unsigned next_disp;
    struct cmd_value hist[CMDS_HISTORY];   /* $1, $2 ... (the last CMDS_HISTORY) */
    unsigned nhist;
    struct cmd_fmt last_x, last_xp;
    int x_valid, xp_valid;     /* where x / xp go on without an address */
    uint64_t x_next, xp_next;
    uint64_t x_count;          /* the count Enter repeats */
    char list_file[1024];      /* list: where it goes on */
    unsigned list_next;
    /* finish, until, advance: stops of their own (not numbered) */
    struct { uint64_t gpa; int planted; } internal[CMDS_MAX_INTERNAL];
    unsigned ninternal;
    int in_bp_commands;        /* running a breakpoint's command list */
    int resume_requested;      /* `continue` inside it */
    struct breakpoint *defining;   /* `commands N` collecting lines */
    char defining_buf[4096];
    size_t defining_len;
    int pscan_active;          /* a pstart scan in progress */
    unsigned long psteps;
    unsigned last_depth;       /* recursive depth `set scan recursive` restores */
    int var_guard;             /* depth/scan variables updating each other */
    struct cmd_expr_env env;   /* $registers, symbols, memory for expressions */
    const char **reg_names;    /* for completion, NULL-terminated */
    void (*stats_hook)(void *arg, struct cmd_ctx *ctx);
    void *stats_hook_arg;
    void (*focus_hook)(void *arg, int follow_rip, uint64_t linear);
    void *focus_hook_arg;
};

static inline struct commands *cmds_of(struct cmd_ctx *ctx) { return cmd_user(ctx); }

/* common.c */
/* Errors if the session has no enforcement (--raw): "needs enforcement". */
int cmds_need_enforce(struct cmd_ctx *ctx);
/* Linear address -> guest-physical, with the errors
 * "0x... is not mapped" and "0x... is outside guest memory". */
int cmds_translate(struct cmd_ctx *ctx, uint64_t linear, uint64_t *gpa);
/* "0x400010 <add3+4>" (no symbol: "0x400010"). */
void cmds_addr_text(struct commands *c, uint64_t a, char *buf, size_t len);
/* " <add3+4>" or "". */
void cmds_sym_suffix(struct commands *c, uint64_t a, char *buf, size_t len);
/* A location as break, until, advance and list take it: *EXPR,
 * FILE:LINE, or an expression (SYMBOL, SYMBOL+OFF, $pc+4, 0x401000).
 * 0, or -1 (reported). */
int cmds_location(struct cmd_ctx *ctx, const char *text, uint64_t *linear);
/* Line `line` (1-based) of a source file (session_source_line); NULL if
 * unreadable.  *n (may be NULL): the file's line count. */
const char *cmds_source_text(struct commands *c, const char *file, unsigned line, size_t *len, unsigned *n);
/* Prints where the guest is: "FILE:LINE\tsource" when line info says so,
 * then "=> 0x...<sym+off>:\tinsn". */
void cmds_print_rip_line(struct cmd_ctx *ctx);
/* A value as print shows it (fmt 0: natural; x d u o t c a). */
void cmds_format_value(struct commands *c, const struct cmd_value *v, char fmt, char *buf, size_t len);
/* Records a value in the history; returns its number ($N). */
unsigned cmds_history_add(struct commands *c, const struct cmd_value *v);
/* The displays, after a stop (display EXPR). */
void cmds_show_displays(struct cmd_ctx *ctx);
void cmds_show_display(struct cmd_ctx *ctx, const struct display *d);
struct breakpoint *cmds_bp_at_gpa(struct commands *c, uint64_t gpa, enum bp_type type);
struct breakpoint *cmds_bp_num(struct commands *c, unsigned num);
/* Puts an enabled breakpoint or watchpoint into the monitor (translating
 * its linear address again: after a restart), or takes it out.  0, or -1
 * with err. */
int  cmds_bp_arm(struct commands *c, struct breakpoint *b, char *err, size_t errlen);
void cmds_bp_disarm(struct commands *c, struct breakpoint *b);
/* Takes it out and frees the slot. */
void cmds_bp_delete(struct commands *c, struct breakpoint *b);

/* Registration of each file's commands and variables (0 or -1). */
int cmds_exec_register(struct cmd_ctx *ctx);
int cmds_breaks_register(struct cmd_ctx *ctx);
int cmds_data_register(struct cmd_ctx *ctx);
int cmds_state_register(struct cmd_ctx *ctx);
int cmds_tables_register(struct cmd_ctx *ctx);
int cmds_prescan_register(struct cmd_ctx *ctx);
#endif
