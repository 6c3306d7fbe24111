/* commands.c — see commands.h.  This file: the set of debugger commands
 * (registration of each file's commands), the $register reader of address
 * expressions, and the stats hook. */
#include "ui/commands/commands_priv.h"

#include <stdlib.h>
#include <string.h>

/* ── registers for $reg in address expressions ─────────────────────── */

/* The register table's names, and $pc: the linear address of CS:RIP. */
static int read_reg(void *arg, const char *name, uint64_t *v)
{
    struct commands *c = arg;
    if (strcmp(name, "pc") == 0) {
        *v = session_rip_linear(c->s);
        return 0;
    }
    return session_reg_read(c->s, name, v);
}

/* Completion candidates: the table, then the aliases $pc and $eflags. */
static const char **reg_names(void)
{
    size_t n = session_reg_count();
    const char **v = calloc(n + 3, sizeof(*v));
    if (!v)
        return NULL;
    for (size_t i = 0; i < n; i++)
        v[i] = session_reg_at(i)->name;
    v[n] = "pc";
    v[n + 1] = "eflags";
    return v;
}

/* ── the set ────────────────────────────────────────────────────────── */

struct commands *commands_new(struct cmd_ctx *ctx, struct session *s)
{
    struct commands *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->ctx = ctx;
    c->s = s;
    c->last_depth = session_depth(s) ? session_depth(s) : ENF_DEFAULT_DEPTH;
    cmd_fmt_init(&c->last_x);
    cmd_fmt_init(&c->last_xp);
    c->reg_names = reg_names();
    if (!c->reg_names) {
        free(c);
        return NULL;
    }
    cmd_set_user(ctx, c);
    c->regs.read = read_reg;
    c->regs.names = c->reg_names;
    c->regs.arg = c;
    cmd_set_regs(ctx, &c->regs);
    if (cmds_exec_register(ctx) != 0 || cmds_state_register(ctx) != 0 || cmds_prescan_register(ctx) != 0) {
        cmd_set_regs(ctx, NULL);
        cmd_set_user(ctx, NULL);
        free(c->reg_names);
        free(c);
        return NULL;
    }
    return c;
}

void commands_free(struct commands *c)
{
    if (!c)
        return;
    cmd_set_regs(c->ctx, NULL);
    cmd_set_user(c->ctx, NULL);
    free(c->reg_names);
    free(c);
}

void commands_set_stats_hook(struct commands *c, void (*hook)(void *arg, struct cmd_ctx *ctx), void *arg)
{
    c->stats_hook = hook;
    c->stats_hook_arg = arg;
}
