/* exec.c — execution: run (again), continue, stepi, nexti, finish,
 * until, advance, kill, interrupt, and trace on/off.  Every way of
 * running goes through resume(), which decides which stops the user sees
 * (conditions, ignore counts, this file's own stops) and reports them as
 * gdb does, then runs breakpoint command lists and displays. */
#include "ui/commands/commands_priv.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* ── this file's own stops (finish, until, advance, nexti) ──────────── */

/* A stop at gpa that counts once RSP is at least min_rsp (the frame it
 * belongs to has returned to it).  A user breakpoint there keeps its trap. */
static int internal_add(struct commands *c, uint64_t linear, char *err, size_t errlen)
{
    uint64_t gpa;
    if (c->ninternal == CMDS_MAX_INTERNAL) {
        snprintf(err, errlen, "too many stops of finish/until/advance at once");
        return -1;
    }
    if (session_translate(c->s, linear, &gpa) != 0) {
        snprintf(err, errlen, "0x%" PRIx64 " is not mapped", linear);
        return -1;
    }
    int mine = !(session_trap_kinds(c->s, gpa) & ENF_TRAP_BREAK);
    if (mine && session_break_insert(c->s, gpa, err, errlen) != 0)
        return -1;
    c->internal[c->ninternal].gpa = gpa;
    c->internal[c->ninternal++].planted = mine;
    return 0;
}

static void internal_clear(struct commands *c)
{
    char err[256];
    for (unsigned i = 0; i < c->ninternal; i++)
        if (c->internal[i].planted)
            session_break_remove(c->s, c->internal[i].gpa, err, sizeof err);
    c->ninternal = 0;
}

static uint64_t reg(struct commands *c, const char *name)
{
    uint64_t v = 0;
    session_reg_read(c->s, name, &v);
    return v;
}

static uint64_t stack_pointer(struct commands *c)
{
    int m = session_mode(c->s);
    return reg(c, m == 64 ? "rsp" : m == 32 ? "esp" : "sp");
}

/* ── running and reporting ──────────────────────────────────────────── */

struct outcome {
    int rc;                    /* -1: a scout error (the stop's message) */
    struct vm_stop st;
    struct breakpoint *hit;    /* the user breakpoint or watchpoint that stopped it */
    struct enf_watch_hit watch;
    int internal;              /* one of this file's stops */
    int cond_error;            /* a condition could not be evaluated: stopped */
};

/* 1 if the stop at a breakpoint or watchpoint b counts: hits, condition,
 * ignore count (gdb's order). */
static int counts(struct cmd_ctx *ctx, struct breakpoint *b, struct outcome *o)
{
    b->hits++;
    if (b->cond) {
        struct cmd_value v;
        if (cmd_eval(ctx, b->cond, 0, &v) != 0) {
            cmd_printf(ctx, "Error in testing condition for breakpoint %u.\n", b->num);
            o->cond_error = 1;
            return 1;
        }
        if (!v.v)
            return 0;
    }
    if (b->ignore) {
        b->ignore--;
        return 0;
    }
    return 1;
}

/* Runs (or steps once) until a stop the user should see. */
static void run_to_stop(struct cmd_ctx *ctx, int step, unsigned flags, uint64_t internal_min_rsp, struct outcome *o)
{
    struct commands *c = cmds_of(ctx);
    memset(o, 0, sizeof *o);
    for (;;) {
        fflush(stdout);
        o->rc = step ? session_step(c->s, &o->st) : session_run_flags(c->s, &o->st, flags);
        flags = 0;
        if (o->rc != 0 || o->st.why != VM_STOP_HOOK)
            return;
        uint64_t gpa;
        enum enf_stop k = session_stop_kind(c->s, &gpa);
        if (k == ENF_STOP_BREAK) {
            for (unsigned i = 0; i < c->ninternal; i++)
                if (c->internal[i].gpa == gpa && stack_pointer(c) >= internal_min_rsp) {
                    o->internal = 1;
                    return;
                }
            struct breakpoint *b = cmds_bp_at_gpa(c, gpa, BP_BREAK);
            if (!b && c->ninternal && !step)
                continue;               /* an own stop in another frame */
            if (!b || counts(ctx, b, o)) {
                o->hit = b;
                return;
            }
        } else if (k == ENF_STOP_WATCH) {
            struct breakpoint *b = NULL;
            if (session_last_watch(c->s, &o->watch) == 0)
                for (unsigned i = 0; i < COMMANDS_MAX_BREAKPOINTS && !b; i++)
                    if (c->bp[i].num && c->bp[i].type == BP_WATCH && c->bp[i].enabled &&
                        c->bp[i].gpa == o->watch.gpa && c->bp[i].len == o->watch.len)
                        b = &c->bp[i];
            /* as gdb: a store that leaves the value as it was does not stop */
            if (b && !memcmp(o->watch.old, o->watch.now, b->len < 8 ? b->len : 8))
                continue;
            if (!b || counts(ctx, b, o)) {
                o->hit = b;
                return;
            }
        } else {
            return;                     /* a step, or the monitor's own */
        }
        if (step)
            return;
    }
}

static uint64_t watched_value(const uint8_t *b, unsigned len)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < len && i < 8; i++)
        v |= (uint64_t)b[i] << (8 * i);
    return v;
}

static void print_watch_value(struct cmd_ctx *ctx, const char *what, const uint8_t *b, unsigned len)
{
    if (len == 1 || len == 2 || len == 4 || len == 8) {
        uint64_t v = watched_value(b, len);
        int64_t sv = len == 8 ? (int64_t)v : (v >> (len * 8 - 1)) ? (int64_t)(v | ~((UINT64_C(1) << (len * 8)) - 1))
                                                                   : (int64_t)v;
        cmd_printf(ctx, "%s = %" PRId64 "\n", what, sv);
        return;
    }
    cmd_printf(ctx, "%s =", what);
    for (unsigned i = 0; i < len && i < 8; i++)
        cmd_printf(ctx, " 0x%02x", b[i]);
    cmd_printf(ctx, "%s\n", len > 8 ? " ..." : "");
}

/* Prints how a run/step ended, as gdb does.  Returns 0, or -1 for a scout
 * error. */
static int report(struct cmd_ctx *ctx, const struct outcome *o)
{
    struct commands *c = cmds_of(ctx);
    const struct vm_stop *st = &o->st;
    char where[300];
    c->list_next = 0;                   /* list: around the new RIP */
    if (o->rc < 0 || st->why == VM_STOP_ERROR)
        return cmd_error(ctx, "%s", st->message);
    if (st->why == VM_STOP_HOOK && session_enforced(c->s)) {
        const struct breakpoint *b = o->hit;
        int silent = b && b->commands && strncmp(b->commands, "silent\n", 7) == 0;
        if (b && b->type == BP_WATCH) {
            cmd_printf(ctx, "\n%satchpoint %u: %s\n\n", b->temporary ? "Temporary w" : "W", b->num, b->what);
            print_watch_value(ctx, "Old value", o->watch.old, b->len);
            print_watch_value(ctx, "New value", o->watch.now, b->len);
        } else if (b && !silent) {
            cmds_addr_text(c, b->linear, where, sizeof where);
            cmd_printf(ctx, "%s %u, %s\n", b->temporary ? "Temporary breakpoint" : "Breakpoint", b->num, where);
        } else if (!b && !o->internal && session_stop_kind(c->s, NULL) != ENF_STOP_STEP) {
            cmd_printf(ctx, "%s\n", st->message);
        }
        if (!silent)
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

/* After a reported stop: a temporary breakpoint goes, a breakpoint's
 * commands run (1: one of them was `continue`), displays show. */
static int after_stop(struct cmd_ctx *ctx, struct outcome *o)
{
    struct commands *c = cmds_of(ctx);
    struct breakpoint *b = o->hit;
    int resume = 0;
    if (b && b->commands && !c->in_bp_commands && !o->cond_error) {
        char *copy = strdup(b->commands), *save = NULL;
        c->in_bp_commands = 1;
        c->resume_requested = 0;
        for (char *l = copy ? strtok_r(copy, "\n", &save) : NULL; l && !c->resume_requested;
             l = strtok_r(NULL, "\n", &save))
            if (strcmp(l, "silent") != 0 && cmd_execute_line(ctx, l, false) != 0)
                break;
        resume = c->resume_requested;
        c->in_bp_commands = 0;
        c->resume_requested = 0;
        free(copy);
    }
    if (b && b->temporary && b->num)
        cmds_bp_delete(c, b);
    if (!resume)
        cmds_show_displays(ctx);
    return resume;
}

/* Runs until a stop the user sees, reports it, and goes on while a
 * breakpoint's commands say `continue`. */
static int resume(struct cmd_ctx *ctx, unsigned flags)
{
    struct outcome o;
    for (;;) {
        run_to_stop(ctx, 0, flags, 0, &o);
        flags = 0;
        if (report(ctx, &o) != 0)
            return -1;
        if (!after_stop(ctx, &o))
            return 0;
    }
}

static int need_live(struct cmd_ctx *ctx)
{
    struct commands *c = cmds_of(ctx);
    if (session_ended(c->s))
        return cmd_error(ctx, "the guest has ended (%s); run starts it again", session_last_stop(c->s)->message);
    return 0;
}

static int need_started(struct cmd_ctx *ctx)
{
    if (need_live(ctx))
        return -1;
    if (!cmds_of(ctx)->started)
        return cmd_error(ctx, "the guest is not running (use run)");
    return 0;
}

/* ── run, kill ──────────────────────────────────────────────────────── */

static int cmd_run(struct cmd_ctx *ctx, int argc, char **argv)
{
    struct commands *c = cmds_of(ctx);
    char err[512];
    (void)argv;
    if (argc > 1)
        return cmd_error(ctx, "takes no arguments (the guest is loaded at start-up)");
    if (c->started || session_ended(c->s)) {
        /* again: from the image's initial state, breakpoints kept */
        if (session_restart(c->s, err, sizeof err) != 0)
            return cmd_error(ctx, "cannot restart: %s", err);
        c->pscan_active = 0;
        c->x_valid = c->xp_valid = 0;
        cmd_printf(ctx, "Starting %s again from its initial state.\n", session_guest_name(c->s));
        for (unsigned i = 0; i < COMMANDS_MAX_BREAKPOINTS; i++) {
            struct breakpoint *b = &c->bp[i];
            if (b->num && b->enabled && cmds_bp_arm(c, b, err, sizeof err) != 0)
                cmd_printf(ctx, "warning: %s %u not set again: %s\n",
                           b->type == BP_WATCH ? "watchpoint" : "breakpoint", b->num, err);
        }
    }
    c->started = 1;
    return resume(ctx, SESSION_RUN_BREAK_HERE);
}

static int cmd_kill(struct cmd_ctx *ctx, int argc, char **argv)
{
    struct commands *c = cmds_of(ctx);
    (void)argv;
    if (argc > 1)
        return cmd_error(ctx, "takes no arguments");
    if (!c->started || session_ended(c->s))
        return cmd_error(ctx, "the guest is not being run");
    session_kill(c->s);
    c->started = 0;
    cmd_printf(ctx, "[guest %s killed]\n", session_guest_name(c->s));
    return 0;
}

/* ── continue ───────────────────────────────────────────────────────── */

static int cmd_continue(struct cmd_ctx *ctx, int argc, char **argv)
{
    struct commands *c = cmds_of(ctx);
    uint64_t n = 1, gpa;
    if (argc > 2)
        return cmd_error(ctx, "usage: continue [N]");
    if (cmd_arg_count(ctx, argc > 1 ? argv[1] : NULL, COMMANDS_MAX_STEPS, &n) != 0)
        return -1;
    if (need_started(ctx))
        return -1;
    if (c->in_bp_commands) {
        c->resume_requested = 1;       /* the run this list belongs to goes on */
        return 0;
    }
    if (n > 1) {
        struct breakpoint *b = session_stop_kind(c->s, &gpa) == ENF_STOP_BREAK ? cmds_bp_at_gpa(c, gpa, BP_BREAK) : NULL;
        if (!b)
            return cmd_error(ctx, "not stopped at a breakpoint: N cannot apply");
        b->ignore = n - 1;
        cmd_printf(ctx, "Will ignore next %" PRIu64 " crossings of breakpoint %u.\n", n - 1, b->num);
    }
    return resume(ctx, 0);
}

/* ── stepi, nexti ───────────────────────────────────────────────────── */

/* Runs a call at RIP to its return (an own stop after it, in this frame).
 * 0 returned there; 1 something else stopped the guest (reported in o). */
static int step_over_call(struct cmd_ctx *ctx, const struct session_insn *in, struct outcome *o)
{
    struct commands *c = cmds_of(ctx);
    char err[256];
    uint64_t rip = session_rip_linear(c->s), sp = stack_pointer(c);
    if (internal_add(c, rip + in->length, err, sizeof err) != 0) {
        run_to_stop(ctx, 1, 0, 0, o);   /* no stop after it possible: step into it */
        return 0;
    }
    run_to_stop(ctx, 0, 0, sp, o);
    internal_clear(c);
    return !o->internal;
}

static int steps(struct cmd_ctx *ctx, int argc, char **argv, int over)
{
    struct commands *c = cmds_of(ctx);
    uint64_t n = 1, i;
    struct outcome o;
    if (argc > 2)
        return cmd_error(ctx, "usage: %s [N]", over ? "nexti" : "stepi");
    if (cmd_arg_count(ctx, argc > 1 ? argv[1] : NULL, COMMANDS_MAX_STEPS, &n) != 0)
        return -1;
    if (cmds_need_enforce(ctx) || need_live(ctx))
        return -1;
    c->started = 1;
    for (i = 0; i < n; i++) {
        struct session_insn in;
        if (n > 1) {
            cmd_set_progress(ctx, "%s %" PRIu64 "/%" PRIu64, over ? "nexti" : "stepi", i, n);
            session_service_tick(c->s);
        }
        session_disasm(c->s, session_rip_linear(c->s), session_mode(c->s), 0, &in);
        if (over && (in.flow & SESSION_INSN_CALL) && in.length) {
            if (step_over_call(ctx, &in, &o))
                break;
            if (o.rc == 0 && o.st.why == VM_STOP_HOOK)
                continue;
            break;
        }
        run_to_stop(ctx, 1, 0, 0, &o);
        int stepped = o.rc == 0 && o.st.why == VM_STOP_HOOK && session_stop_kind(c->s, NULL) == ENF_STOP_STEP;
        if (!stepped)
            break;
    }
    if (o.rc == 0 && o.st.why == VM_STOP_INTERRUPTED && n > 1)
        cmd_printf(ctx, "%s: interrupted after %" PRIu64 " of %" PRIu64 " instructions\n", over ? "nexti" : "stepi",
                   i, n);
    if (report(ctx, &o) != 0)
        return -1;
    after_stop(ctx, &o);
    return 0;
}

static int cmd_stepi(struct cmd_ctx *ctx, int argc, char **argv) { return steps(ctx, argc, argv, 0); }
static int cmd_nexti(struct cmd_ctx *ctx, int argc, char **argv) { return steps(ctx, argc, argv, 1); }

/* ── finish, until, advance ─────────────────────────────────────────── */

/* Steps one instruction at a time, a call run to its return, until
 * done(c, insn stepped, start RIP, start RSP) says so or another stop
 * comes: finish (a return left the frame) and until (a later address). */
static void step_until(struct cmd_ctx *ctx, const char *what,
                       int (*done)(struct commands *c, const struct session_insn *in, uint64_t rip0, uint64_t sp0),
                       struct outcome *o)
{
    struct commands *c = cmds_of(ctx);
    uint64_t rip0 = session_rip_linear(c->s), sp0 = stack_pointer(c);
    for (uint64_t i = 0; i < COMMANDS_MAX_STEPS; i++) {
        struct session_insn in;
        if ((i & 255) == 0) {
            cmd_set_progress(ctx, "%s: %" PRIu64 " instructions", what, i);
            session_service_tick(c->s);
        }
        session_disasm(c->s, session_rip_linear(c->s), session_mode(c->s), 0, &in);
        if ((in.flow & SESSION_INSN_CALL) && in.length) {
            if (step_over_call(ctx, &in, o))
                return;
        } else {
            run_to_stop(ctx, 1, 0, 0, o);
            if (o->rc != 0 || o->st.why != VM_STOP_HOOK || session_stop_kind(c->s, NULL) != ENF_STOP_STEP || o->hit)
                return;
        }
        if (done(c, &in, rip0, sp0)) {
            o->internal = 1;
            return;
        }
    }
    o->rc = -1;
    snprintf(o->st.message, sizeof o->st.message, "gave up after %u instructions", COMMANDS_MAX_STEPS);
}

/* finish, not at a function's entry: a return that leaves the frame */
static int returned(struct commands *c, const struct session_insn *in, uint64_t rip0, uint64_t sp0)
{
    (void)rip0;
    return (in->flow & SESSION_INSN_RET) && stack_pointer(c) > sp0;
}

/* until: an address after this one (a loop runs through), or out of the frame */
static int later(struct commands *c, const struct session_insn *in, uint64_t rip0, uint64_t sp0)
{
    (void)in;
    return session_rip_linear(c->s) > rip0 || stack_pointer(c) > sp0;
}

static int cmd_finish(struct cmd_ctx *ctx, int argc, char **argv)
{
    struct commands *c = cmds_of(ctx);
    struct session_sym sym;
    struct outcome o;
    uint64_t off, rip, ret = 0;
    char where[300], err[256];
    (void)argv;
    if (argc > 1)
        return cmd_error(ctx, "takes no arguments");
    if (cmds_need_enforce(ctx) || need_started(ctx))
        return -1;
    rip = session_rip_linear(c->s);
    cmds_addr_text(c, rip, where, sizeof where);
    cmd_printf(ctx, "Run till exit from %s\n", where);
    int mode = session_mode(c->s);
    unsigned word = mode == 64 ? 8 : mode == 32 ? 4 : 2;
    uint64_t sp = stack_pointer(c);
    if (session_sym_at(c->s, rip, &sym, &off) == 0 && off == 0 && sym.func &&
        session_read_linear(c->s, sp, &ret, word) == 0 && internal_add(c, ret, err, sizeof err) == 0) {
        /* at a function's entry: its return address is on the stack */
        run_to_stop(ctx, 0, 0, sp + word, &o);
        internal_clear(c);
    } else {
        step_until(ctx, "finish", returned, &o);
    }
    if (o.rc < 0 && o.st.why != VM_STOP_ERROR)
        return cmd_error(ctx, "%s", o.st.message);
    if (report(ctx, &o) != 0)
        return -1;
    if (o.internal) {
        struct cmd_value v = { 0 };
        char text[200];
        v.v = reg(c, mode == 64 ? "rax" : mode == 32 ? "eax" : "ax");
        v.size = word;
        v.is_signed = 1;
        cmds_format_value(c, &v, 0, text, sizeof text);
        cmd_printf(ctx, "Value returned is $%u = %s\n", cmds_history_add(c, &v), text);
    }
    after_stop(ctx, &o);
    return 0;
}

static int run_to_location(struct cmd_ctx *ctx, int argc, char **argv, int same_frame)
{
    struct commands *c = cmds_of(ctx);
    struct outcome o;
    uint64_t at;
    char err[256];
    if (cmds_need_enforce(ctx) || need_started(ctx))
        return -1;
    if (argc == 1 && same_frame) {
        step_until(ctx, "until", later, &o);
        o.internal = 0;
        if (o.rc < 0 && o.st.why != VM_STOP_ERROR)
            return cmd_error(ctx, "%s", o.st.message);
    } else {
        if (argc != 2)
            return cmd_error(ctx, "usage: %s LOCATION (*ADDRESS, SYMBOL[+OFF], FILE:LINE)",
                             same_frame ? "until" : "advance");
        if (cmds_location(ctx, argv[1], &at) != 0)
            return -1;
        if (internal_add(c, at, err, sizeof err) != 0)
            return cmd_error(ctx, "%s", err);
        run_to_stop(ctx, 0, 0, same_frame ? stack_pointer(c) : 0, &o);
        internal_clear(c);
    }
    if (report(ctx, &o) != 0)
        return -1;
    after_stop(ctx, &o);
    return 0;
}

static int cmd_until(struct cmd_ctx *ctx, int argc, char **argv) { return run_to_location(ctx, argc, argv, 1); }
static int cmd_advance(struct cmd_ctx *ctx, int argc, char **argv) { return run_to_location(ctx, argc, argv, 0); }

/* ── interrupt, trace ───────────────────────────────────────────────── */

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
    if (argc >= 3 && argc <= 5 && strcmp(argv[1], "on") == 0) {
        unsigned flags = 0;
        for (int i = 3; i < argc; i++) {
            if (strcmp(argv[i], "times") == 0)
                flags |= SESSION_TRACE_TIMES;
            else if (strcmp(argv[i], "symbols") == 0)
                flags |= SESSION_TRACE_SYMBOLS;
            else
                return cmd_error(ctx, "unknown trace option \"%s\" (times, symbols)", argv[i]);
        }
        if (session_trace_start(c->s, argv[2], flags, err, sizeof err) != 0)
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
    return cmd_error(ctx, "usage: trace on FILE [times] [symbols] | trace off");
}

static const struct cmd_def exec_cmds[] = {
    { "run", "r", "", "start the guest; again: from its initial state (breakpoints kept)",
      "The first run stops before the entry instruction when a breakpoint is on it.\n"
      "Run again (or after kill, or after the guest ended) starts a new VM from the\n"
      "image with the same options and the current depth; breakpoints and\n"
      "watchpoints are set again.",
      CMD_CLASS_EXECUTION, CMD_COMPLETE_NONE, CMD_F_NO_REPEAT, cmd_run, NULL },
    { "kill", "k", "", "stop the guest for good (run starts it again)", NULL, CMD_CLASS_EXECUTION,
      CMD_COMPLETE_NONE, CMD_F_NO_REPEAT, cmd_kill, NULL },
    { "continue", "c,cont,fg", "[N]", "resume the guest; N: ignore this breakpoint N-1 more times",
      "Resuming on a breakpoint runs its instruction: it stops there again on the\n"
      "next arrival (a `jmp .` with a breakpoint stops after one iteration).",
      CMD_CLASS_EXECUTION, CMD_COMPLETE_NONE, 0, cmd_continue, NULL },
    { "stepi", "si", "[N]", "execute N guest instructions (default 1), one at a time",
      "A virtualize instruction is handled as at its trap (emulated, resolved\n"
      "or run in place) without entering the guest; a native one runs in place.\n"
      "Each step stops at the first exit after the instruction; a branch to itself\n"
      "(`jmp .`, a taken `loop .`) steps once.  Ctrl-C stops a long stepi N and\n"
      "says how many ran; the TUI redraws as it goes.",
      CMD_CLASS_EXECUTION, CMD_COMPLETE_NONE, 0, cmd_stepi, NULL },
    { "nexti", "ni", "[N]", "like stepi, but a call runs to its return", NULL, CMD_CLASS_EXECUTION,
      CMD_COMPLETE_NONE, 0, cmd_nexti, NULL },
    { "finish", "fin", "", "run until the current function returns; prints rax as the value",
      "At a function's entry the return address on the stack gets a stop of its own;\n"
      "elsewhere scout steps (over calls) until a ret leaves the frame.",
      CMD_CLASS_EXECUTION, CMD_COMPLETE_NONE, CMD_F_NO_REPEAT, cmd_finish, NULL },
    { "until", "u", "[LOCATION]", "run to a later address (a loop runs through), or to LOCATION in this frame",
      NULL, CMD_CLASS_EXECUTION, CMD_COMPLETE_ADDRESS, 0, cmd_until, NULL },
    { "advance", NULL, "LOCATION", "run until LOCATION is reached (any frame)", NULL, CMD_CLASS_EXECUTION,
      CMD_COMPLETE_ADDRESS, CMD_F_NO_REPEAT, cmd_advance, NULL },
    { "interrupt", NULL, "", "stop the running guest (Ctrl-C does the same)", NULL,
      CMD_CLASS_EXECUTION, CMD_COMPLETE_NONE, CMD_F_NO_REPEAT, cmd_interrupt, NULL },
    { "trace", NULL, "on FILE [times] [symbols] | off", "start or stop writing a deterministic event trace",
      "times: t=<ns> on every event; symbols: code addresses get sym=NAME+OFF.",
      CMD_CLASS_SESSION, CMD_COMPLETE_FILE, CMD_F_NO_REPEAT, cmd_trace, NULL },
};

int cmds_exec_register(struct cmd_ctx *ctx)
{
    return cmd_register(ctx, exec_cmds, sizeof exec_cmds / sizeof exec_cmds[0]);
}
