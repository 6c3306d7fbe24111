/* command.c — the stub in the command language: `monitor CMD` run in a
 * command context, and the `gdbserver [HOST:]PORT` command (the TUI,
 * scripts, -ex), which serves one client with the guest stopped and
 * gives the prompt back when it detaches. */
#include "ui/gdbstub/gdbstub.h"

#include "ui/cli/command.h"

#include <stdio.h>

struct capture {
    void (*out)(void *oarg, const char *text, size_t len);
    void *oarg;
};

static void capture_output(void *arg, enum cmd_stream stream, const char *text, size_t len)
{
    struct capture *c = arg;
    (void)stream;               /* errors too: gdb shows both */
    c->out(c->oarg, text, len);
}

int gdbstub_monitor_ctx(void *arg, const char *line, void (*out)(void *oarg, const char *text, size_t len),
                        void *oarg)
{
    struct cmd_ctx *ctx = arg;
    struct capture c = { out, oarg };
    cmd_output_fn prev;
    void *prev_arg;
    cmd_get_output(ctx, &prev, &prev_arg);
    cmd_set_output(ctx, capture_output, &c);
    int rc = cmd_execute_line(ctx, line, false);
    cmd_set_output(ctx, prev, prev_arg);
    fflush(stdout);             /* guest output the command made */
    return rc;
}

/* One session a process: the command's table is static. */
static struct session *cmd_session;

/* Ctrl-C (the TUI's or the batch front end's handler interrupts the
 * session) ends the wait for the client or its packets. */
static int interrupted(void *arg)
{
    struct session *s = cmd_session;
    (void)arg;
    if (!session_interrupt_pending(s))
        return 0;
    session_cancel_interrupt(s);
    return 130;
}

static int run_gdbserver(struct cmd_ctx *ctx, int argc, char **argv)
{
    char err[512];
    if (argc != 2)
        return cmd_error(ctx, "usage: gdbserver [HOST:]PORT");
    if (session_ended(cmd_session))
        return cmd_error(ctx, "the guest has ended; run starts it again");
    struct gdbstub_hooks h = { ctx, gdbstub_monitor_ctx, interrupted, NULL };
    struct gdbstub *g = gdbstub_open(cmd_session, argv[1], NULL, &h, err, sizeof err);
    if (!g)
        return cmd_error(ctx, "%s", err);
    cmd_printf(ctx, "Listening for gdb on %s (Ctrl-C gives up)\n", gdbstub_where(g));
    fflush(stdout);
    int rc = gdbstub_serve(g, GDBSTUB_WAIT | GDBSTUB_ONCE);
    gdbstub_close(g);
    if (rc == 130)
        cmd_printf(ctx, "gdbserver: interrupted\n");
    else if (session_ended(cmd_session))
        cmd_printf(ctx, "gdbserver: %s\n", session_last_stop(cmd_session)->message);
    else
        cmd_printf(ctx, "gdbserver: the client left; the guest is stopped at rip=0x%llx\n",
                   (unsigned long long)session_rip_linear(cmd_session));
    return 0;
}

static const struct cmd_def defs[] = {
    { "gdbserver", NULL, "[HOST:]PORT", "serve gdb's remote protocol on a TCP port until the client leaves",
      "The guest stays stopped until the client continues it; `detach` gives the\n"
      "prompt back with the guest where it stopped.  HOST defaults to 127.0.0.1,\n"
      "PORT 0 takes a free port (printed).  `monitor CMD` from gdb runs scout's\n"
      "commands.  Ctrl-C gives up waiting.",
      CMD_CLASS_EXECUTION, CMD_COMPLETE_NONE, CMD_F_NO_REPEAT, run_gdbserver, NULL },
};

int gdbstub_register_commands(struct cmd_ctx *ctx, struct session *s)
{
    cmd_session = s;
    return cmd_register(ctx, defs, sizeof defs / sizeof defs[0]);
}
