/* exec.c — execution: run, continue, stepi, break, delete, info
 * breakpoints, interrupt, and trace on/off. */
#include "ui/commands/commands_priv.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* ── running ────────────────────────────────────────────────────────── */

static struct breakpoint *bp_at_gpa(struct commands *c, uint64_t gpa)
{
    for (unsigned i = 0; i < COMMANDS_MAX_BREAKPOINTS; i++)
        if (c->bp[i].num && c->bp[i].gpa == gpa)
            return &c->bp[i];
    return NULL;
}

static struct breakpoint *bp_num(struct commands *c, unsigned num)
{
    for (unsigned i = 0; i < COMMANDS_MAX_BREAKPOINTS; i++)
        if (c->bp[i].num == num)
            return &c->bp[i];
    return NULL;
}

/* The breakpoint the guest is stopped on, if the last stop was one. */
static struct breakpoint *bp_stopped_at(struct commands *c)
{
    uint64_t gpa;
    if (session_ended(c->s) || session_stop_kind(c->s, &gpa) != ENF_STOP_BREAK)
        return NULL;
    return bp_at_gpa(c, gpa);
}

/* Prints how a run/step ended.  Returns 0, or -1 for a scout error. */
static int report_stop(struct cmd_ctx *ctx, const struct vm_stop *st, int rc, int quiet_step)
{
    struct commands *c = cmds_of(ctx);
    if (rc < 0 || st->why == VM_STOP_ERROR)
        return cmd_error(ctx, "%s", st->message);
    if (st->why == VM_STOP_HOOK && session_enforced(c->s)) {
        uint64_t gpa;
        enum enf_stop k = session_stop_kind(c->s, &gpa);
        struct breakpoint *b = k == ENF_STOP_BREAK ? bp_at_gpa(c, gpa) : NULL;
        if (b)
            cmd_printf(ctx, "Breakpoint %u, 0x%" PRIx64 "\n", b->num, b->linear);
        else if (k != ENF_STOP_STEP)
            cmd_printf(ctx, "%s\n", st->message);
        if (!quiet_step || k != ENF_STOP_STEP || b)
            cmds_print_rip_line(ctx);
        return 0;
    }
    if (st->why == VM_STOP_INTERRUPTED || st->why == VM_STOP_TIMEOUT) {
        cmd_printf(ctx, "%s\n", st->message);
        cmds_print_rip_line(ctx);
        return 0;
    }
    if (st->why == VM_STOP_EXIT_DEVICE)
        cmd_printf(ctx, "guest exited: status %d\n", session_exit_status(st));
    else
        cmd_printf(ctx, "%s\n", st->message);
    return 0;
}

/* Runs until a stop that is not an ignored breakpoint. */
static int go(struct cmd_ctx *ctx)
{
    struct commands *c = cmds_of(ctx);
    struct vm_stop st;
    for (;;) {
        fflush(stdout);
        int rc = session_run(c->s, &st);
        struct breakpoint *b = rc == 0 ? bp_stopped_at(c) : NULL;
        if (b) {
            b->hits++;
            if (b->ignore) {
                b->ignore--;
                continue;
            }
        }
        fflush(stdout);
        return report_stop(ctx, &st, rc, 0);
    }
}

static int need_live(struct cmd_ctx *ctx)
{
    struct commands *c = cmds_of(ctx);
    if (session_ended(c->s))
        return cmd_error(ctx, "the guest has ended (%s)", session_last_stop(c->s)->message);
    return 0;
}

static int cmd_run(struct cmd_ctx *ctx, int argc, char **argv)
{
    struct commands *c = cmds_of(ctx);
    (void)argv;
    if (argc > 1)
        return cmd_error(ctx, "takes no arguments (the guest is loaded at start-up)");
    if (need_live(ctx))
        return -1;
    if (c->started)
        return cmd_error(ctx, "the guest is already running (use continue)");
    c->started = 1;
    return go(ctx);
}

static int cmd_continue(struct cmd_ctx *ctx, int argc, char **argv)
{
    struct commands *c = cmds_of(ctx);
    uint64_t n = 1;
    if (argc > 2)
        return cmd_error(ctx, "usage: continue [N]");
    if (cmd_arg_count(ctx, argc > 1 ? argv[1] : NULL, COMMANDS_MAX_STEPS, &n) != 0)
        return -1;
    if (need_live(ctx))
        return -1;
    if (!c->started)
        return cmd_error(ctx, "the guest is not running (use run)");
    if (n > 1) {
        struct breakpoint *b = bp_stopped_at(c);
        if (!b)
            return cmd_error(ctx, "not stopped at a breakpoint: N cannot apply");
        b->ignore = n - 1;
        cmd_printf(ctx, "Will ignore next %" PRIu64 " crossings of breakpoint %u.\n", n - 1, b->num);
    }
    return go(ctx);
}

static int cmd_stepi(struct cmd_ctx *ctx, int argc, char **argv)
{
    struct commands *c = cmds_of(ctx);
    uint64_t n = 1;
    struct vm_stop st;
    if (argc > 2)
        return cmd_error(ctx, "usage: stepi [N]");
    if (cmd_arg_count(ctx, argc > 1 ? argv[1] : NULL, COMMANDS_MAX_STEPS, &n) != 0)
        return -1;
    if (cmds_need_enforce(ctx) || need_live(ctx))
        return -1;
    c->started = 1;
    for (uint64_t i = 0; i < n; i++) {
        fflush(stdout);
        int rc = session_step(c->s, &st);
        int stepped = rc == 0 && st.why == VM_STOP_HOOK && session_stop_kind(c->s, NULL) == ENF_STOP_STEP;
        if (!stepped || i + 1 == n) {
            fflush(stdout);
            return report_stop(ctx, &st, rc, 0);
        }
    }
    return 0;
}

static int cmd_break(struct cmd_ctx *ctx, int argc, char **argv)
{
    struct commands *c = cmds_of(ctx);
    uint64_t lin, gpa;
    char err[256];
    if (cmds_need_enforce(ctx))
        return -1;
    if (argc != 2)
        return cmd_error(ctx, "usage: break ADDRESS (a linear address, e.g. 0x401000 or $rip+4)");
    if (cmd_eval_addr(ctx, argv[1], &lin) != 0 || cmds_translate(ctx, lin, &gpa) != 0)
        return -1;
    /* A trap byte inside a scanned instruction would change that instruction. */
    int mode = session_mode(c->s);
    if (!(session_attr(c->s, gpa, mode) & PRESCAN_ATTR_SCANNED))
        for (uint64_t back = 1; back < PRESCAN_MAX_INSN_LEN && back <= (gpa & 0xfff); back++) {
            uint8_t a = session_attr(c->s, gpa - back, mode);
            if ((a & PRESCAN_ATTR_SCANNED) && (a & PRESCAN_ATTR_LEN_MASK) > back)
                return cmd_error(ctx, "0x%" PRIx64 " is inside the instruction at 0x%" PRIx64, lin, lin - back);
        }
    struct breakpoint *old = bp_at_gpa(c, gpa);
    if (old)
        return cmd_error(ctx, "breakpoint %u is already at 0x%" PRIx64, old->num, old->linear);
    struct breakpoint *b = bp_num(c, 0);
    if (!b)
        return cmd_error(ctx, "too many breakpoints (limit %u)", COMMANDS_MAX_BREAKPOINTS);
    if (session_break_insert(c->s, gpa, err, sizeof err) != 0)
        return cmd_error(ctx, "0x%" PRIx64 ": %s", lin, err);
    memset(b, 0, sizeof *b);
    b->num = ++c->next_bp;
    b->linear = lin;
    b->gpa = gpa;
    cmd_printf(ctx, "Breakpoint %u at 0x%" PRIx64 "\n", b->num, lin);
    return 0;
}

static int cmd_delete(struct cmd_ctx *ctx, int argc, char **argv)
{
    struct commands *c = cmds_of(ctx);
    char err[256];
    if (cmds_need_enforce(ctx))
        return -1;
    if (argc == 1) {
        for (unsigned i = 0; i < COMMANDS_MAX_BREAKPOINTS; i++)
            if (c->bp[i].num) {
                session_break_remove(c->s, c->bp[i].gpa, err, sizeof err);
                c->bp[i].num = 0;
            }
        return 0;
    }
    for (int i = 1; i < argc; i++) {
        uint64_t n;
        if (cmd_arg_u64(ctx, argv[i], &n) != 0)
            return -1;
        struct breakpoint *b = n && n <= UINT32_MAX ? bp_num(c, (unsigned)n) : NULL;
        if (!b)
            return cmd_error(ctx, "no breakpoint number %" PRIu64, n);
        if (session_break_remove(c->s, b->gpa, err, sizeof err) != 0)
            return cmd_error(ctx, "%s", err);
        b->num = 0;
    }
    return 0;
}

static int cmd_info_breakpoints(struct cmd_ctx *ctx, int argc, char **argv)
{
    struct commands *c = cmds_of(ctx);
    (void)argc;
    (void)argv;
    unsigned order[COMMANDS_MAX_BREAKPOINTS], n = 0;
    for (unsigned i = 0; i < COMMANDS_MAX_BREAKPOINTS; i++)
        if (c->bp[i].num)
            order[n++] = i;
    if (n == 0) {
        cmd_printf(ctx, "No breakpoints.\n");
        return 0;
    }
    for (unsigned i = 1; i < n; i++)    /* by number */
        for (unsigned j = i; j > 0 && c->bp[order[j - 1]].num > c->bp[order[j]].num; j--) {
            unsigned t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
    cmd_printf(ctx, "Num  Address             Physical            Hits  Ignore\n");
    for (unsigned i = 0; i < n; i++) {
        const struct breakpoint *b = &c->bp[order[i]];
        cmd_printf(ctx, "%-4u 0x%016" PRIx64 "  0x%016" PRIx64 "  %-5" PRIu64 " %" PRIu64 "\n", b->num, b->linear,
                   b->gpa, b->hits, b->ignore);
    }
    return 0;
}

static int cmd_interrupt(struct cmd_ctx *ctx, int argc, char **argv)
{
    struct commands *c = cmds_of(ctx);
    (void)argc;
    (void)argv;
    if (session_running(c->s)) {
        session_interrupt(c->s, VM_STOP_INTERRUPTED);
        return 0;
    }
    if (need_live(ctx))
        return -1;
    cmd_printf(ctx, "the guest is not running (stopped at 0x%" PRIx64 ")\n", session_rip_linear(c->s));
    return 0;
}

static int cmd_trace(struct cmd_ctx *ctx, int argc, char **argv)
{
    struct commands *c = cmds_of(ctx);
    char err[512];
    if (argc == 3 && strcmp(argv[1], "on") == 0) {
        if (session_trace_start(c->s, argv[2], 0, err, sizeof err) != 0)
            return cmd_error(ctx, "%s", err);
        cmd_printf(ctx, "tracing to %s\n", argv[2]);
        return 0;
    }
    if (argc == 2 && strcmp(argv[1], "off") == 0) {
        if (!session_trace_path(c->s))
            return cmd_error(ctx, "no trace is being written");
        char path[512];
        snprintf(path, sizeof path, "%s", session_trace_path(c->s));
        if (session_trace_stop(c->s, err, sizeof err) != 0)
            return cmd_error(ctx, "%s", err);
        cmd_printf(ctx, "trace %s closed\n", path);
        return 0;
    }
    return cmd_error(ctx, "usage: trace on FILE | trace off");
}

static const struct cmd_def exec_cmds[] = {
    { "run", "r", "", "start the guest (a session runs once)", NULL, CMD_CLASS_EXECUTION,
      CMD_COMPLETE_NONE, CMD_F_NO_REPEAT, cmd_run, NULL },
    { "continue", "c,cont", "[N]", "resume the guest; N: ignore this breakpoint N-1 more times",
      NULL, CMD_CLASS_EXECUTION, CMD_COMPLETE_NONE, 0, cmd_continue, NULL },
    { "stepi", "si", "[N]", "execute N guest instructions (default 1), one at a time",
      "A virtualize instruction is handled as at its trap (emulated, resolved\n"
      "or run in place) without entering the guest; a native one runs in place.\n"
      "Each step stops at the first exit after the instruction.",
      CMD_CLASS_EXECUTION, CMD_COMPLETE_NONE, 0, cmd_stepi, NULL },
    { "break", "b", "ADDRESS", "set a breakpoint at a linear address",
      "Breakpoints are 1-byte traps; the guest never sees them in its memory\n"
      "reads through scout, and they survive invalidation of their page.",
      CMD_CLASS_EXECUTION, CMD_COMPLETE_ADDRESS, CMD_F_NO_REPEAT, cmd_break, NULL },
    { "delete", "d", "[N...]", "delete breakpoints N (all when none given)", NULL,
      CMD_CLASS_EXECUTION, CMD_COMPLETE_NONE, CMD_F_NO_REPEAT, cmd_delete, NULL },
    { "info breakpoints", "info b", "", "list breakpoints with hit and ignore counts", NULL,
      CMD_CLASS_EXECUTION, CMD_COMPLETE_NONE, 0, cmd_info_breakpoints, NULL },
    { "interrupt", NULL, "", "stop the running guest (Ctrl-C does the same)", NULL,
      CMD_CLASS_EXECUTION, CMD_COMPLETE_NONE, CMD_F_NO_REPEAT, cmd_interrupt, NULL },
    { "trace", NULL, "on FILE | off", "start or stop writing a deterministic event trace", NULL,
      CMD_CLASS_SESSION, CMD_COMPLETE_FILE, CMD_F_NO_REPEAT, cmd_trace, NULL },
};

int cmds_exec_register(struct cmd_ctx *ctx)
{
    return cmd_register(ctx, exec_cmds, sizeof exec_cmds / sizeof exec_cmds[0]);
}
