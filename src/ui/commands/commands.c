/* commands.c — see commands.h.  This file: the set of debugger commands
 * (registration of each file's commands), the environment expressions
 * read and write ($registers, the value history $N, symbols, guest
 * memory), and the hooks. */
#include "ui/commands/commands_priv.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* ── the expression environment ─────────────────────────────────────── */

/* $N: the value history; the register table's names (and parts: eax, al);
 * $pc: the linear address of CS:RIP. */
static int read_reg(void *arg, const char *name, uint64_t *v, unsigned *bits)
{
    struct commands *c = arg;
    unsigned shift, width = 64;
    if (isdigit((unsigned char)name[0])) {
        char *end;
        unsigned long n = strtoul(name, &end, 10);
        if (*end || n == 0 || n > c->nhist || c->nhist - n >= CMDS_HISTORY)
            return -1;
        *v = c->hist[(n - 1) % CMDS_HISTORY].v;
        *bits = 64;
        return 0;
    }
    if (strcmp(name, "pc") == 0) {
        *v = session_rip_linear(c->s);
        *bits = 64;
        return 0;
    }
    if (!session_reg_find(name, &shift, &width) || session_reg_read(c->s, name, v) != 0)
        return -1;
    *bits = width;
    return 0;
}

static int write_reg(void *arg, const char *name, uint64_t v, char *err, size_t errlen)
{
    struct commands *c = arg;
    return session_reg_write(c->s, name, v, err, errlen);
}

static int symbol(void *arg, const char *name, uint64_t *addr)
{
    struct commands *c = arg;
    struct session_sym sym;
    if (!session_sym_count(c->s))
        return CMD_SYMBOL_NONE_LOADED;
    if (session_sym_lookup(c->s, name, &sym) != 0)
        return -1;
    *addr = sym.addr;
    return 0;
}

static void symbol_names(void *arg, void (*cb)(void *cbarg, const char *name), void *cbarg)
{
    struct commands *c = arg;
    struct session_sym sym;
    for (size_t i = 0; session_sym_get(c->s, i, &sym) == 0; i++)
        cb(cbarg, sym.name);
}

static int read_mem(void *arg, uint64_t addr, void *buf, size_t len)
{
    struct commands *c = arg;
    return session_read_linear(c->s, addr, buf, len);
}

/* A store as if the guest made it: through the write check. */
static int write_mem(void *arg, uint64_t addr, const void *buf, size_t len, char *err, size_t errlen)
{
    struct commands *c = arg;
    return session_write_linear(c->s, addr, buf, len, 0, err, errlen);
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
    c->env = (struct cmd_expr_env){ c, read_reg, c->reg_names, write_reg, symbol, symbol_names, read_mem, write_mem };
    cmd_set_expr_env(ctx, &c->env);
    if (cmds_exec_register(ctx) != 0 || cmds_breaks_register(ctx) != 0 || cmds_data_register(ctx) != 0 ||
        cmds_state_register(ctx) != 0 || cmds_tables_register(ctx) != 0 || cmds_prescan_register(ctx) != 0) {
        cmd_set_expr_env(ctx, NULL);
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
    cmd_set_expr_env(c->ctx, NULL);
    cmd_set_user(c->ctx, NULL);
    for (unsigned i = 0; i < COMMANDS_MAX_BREAKPOINTS; i++) {
        free(c->bp[i].cond);
        free(c->bp[i].commands);
    }
    free(c->reg_names);
    free(c);
}

void commands_set_stats_hook(struct commands *c, void (*hook)(void *arg, struct cmd_ctx *ctx), void *arg)
{
    c->stats_hook = hook;
    c->stats_hook_arg = arg;
}

void commands_set_focus_hook(struct commands *c, void (*hook)(void *arg, int follow_rip, uint64_t linear), void *arg)
{
    c->focus_hook = hook;
    c->focus_hook_arg = arg;
}
