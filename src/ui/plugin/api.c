/* api.c — what plugins call: the scout_plugin_* functions of the one
 * public header include/scout/plugin.h (the only symbols the binary
 * exports, plugin_exports.list).  Guest state goes through the session
 * facade: registers by the x86 register table, memory as the guest wrote
 * it, writes through the guest's write check.  See plugin_priv.h. */
#include "ui/plugin/plugin_priv.h"

#include "base/text.h"
#include "ui/guard/guard.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ── callbacks ───────────────────────────────────────────────────────── */

/* One entry of the plugin's callback table: scout_plugin_register_X_cb. */
#define REGISTER_CB(field, type, ev)                                          \
    int scout_plugin_register_##field##_cb(scout_plugin_id id, type fn, void *ud) \
    {                                                                         \
        struct plugin *p = plugin_find(id);                                   \
        if (!p)                                                               \
            return -1;                                                        \
        p->cb[ev].fn.field = fn;                                              \
        p->cb[ev].ud = ud;                                                    \
        return 0;                                                             \
    }
REGISTER_CB(classify, scout_classify_cb, PLUGIN_EV_CLASSIFY)
REGISTER_CB(vexit, scout_vexit_cb, PLUGIN_EV_VEXIT)
REGISTER_CB(write, scout_write_cb, PLUGIN_EV_WRITE)
REGISTER_CB(invalidate, scout_invalidate_cb, PLUGIN_EV_INVALIDATE)
REGISTER_CB(io, scout_io_cb, PLUGIN_EV_IO)
REGISTER_CB(run, scout_run_cb, PLUGIN_EV_RUN)
REGISTER_CB(exit, scout_exit_cb, PLUGIN_EV_EXIT)

/* The session, if id names a loaded plugin. */
static struct session *session_of(scout_plugin_id id)
{
    return plugin_find(id) ? plugin_host()->s : NULL;
}

/* The register table's entry for a scout_reg: GPRs by encoding number. */
static const struct x86_reg_info *reg_info(enum scout_reg reg)
{
    for (size_t i = 0; i < session_reg_count(); i++) {
        const struct x86_reg_info *ri = session_reg_at(i);
        if ((ri->kind == X86_REG_GPR && (unsigned)reg < 16 && ri->index == (unsigned)reg) ||
            (ri->kind == X86_REG_RIP && reg == SCOUT_REG_RIP) ||
            (ri->kind == X86_REG_RFLAGS && reg == SCOUT_REG_RFLAGS))
            return ri;
    }
    return NULL;
}

int scout_plugin_reg_read(scout_plugin_id id, enum scout_reg reg, uint64_t *value)
{
    struct session *s = session_of(id);
    if (!s || !value)
        return -1;
    return session_reg_get(s, reg_info(reg), value);
}

int scout_plugin_reg_write(scout_plugin_id id, enum scout_reg reg, uint64_t value)
{
    struct session *s = session_of(id);
    return s ? session_reg_set(s, reg_info(reg), value) : -1;
}

int scout_plugin_seg_base(scout_plugin_id id, enum scout_seg seg, uint64_t *base)
{
    struct session *s = session_of(id);
    /* scout_seg and the table's segment numbers are both es, cs, ss, ds, fs, gs */
    const struct x86_reg_info ri = { "seg_base", X86_REG_SEGBASE, (unsigned)seg, 64, 0 };
    if (!s || !base || (unsigned)seg > SCOUT_SEG_GS)
        return -1;
    return session_reg_get(s, &ri, base);
}

int scout_plugin_cpu_mode(scout_plugin_id id)
{
    struct session *s = session_of(id);
    return s ? session_mode(s) : -1;
}

int scout_plugin_read_phys(scout_plugin_id id, uint64_t gpa, void *buf, size_t len)
{
    struct session *s = session_of(id);
    if (!s || (len && !buf))
        return -1;
    return session_read_phys(s, gpa, buf, len);
}

int scout_plugin_read_linear(scout_plugin_id id, uint64_t linear, void *buf, size_t len)
{
    struct session *s = session_of(id);
    if (!s || (len && !buf))
        return -1;
    return session_read_linear(s, linear, buf, len);
}

int scout_plugin_write_phys(scout_plugin_id id, uint64_t gpa, const void *buf, size_t len)
{
    struct session *s = session_of(id);
    char err[256];
    if (!s || (len && !buf) || plugin_host()->in_classify)
        return -1;
    return session_write_phys(s, gpa, buf, len, err, sizeof(err)) == 0 ? 0 : -1;
}

int scout_plugin_write_linear(scout_plugin_id id, uint64_t linear, const void *buf, size_t len)
{
    struct session *s = session_of(id);
    char err[256];
    if (!s || (len && !buf) || plugin_host()->in_classify)
        return -1;
    return session_write_linear(s, linear, buf, len, 1, err, sizeof(err)) == 0 ? 0 : -1;
}

/* ── commands, counters, output ──────────────────────────────────────── */

/* The handler of every command a plugin registers. */
static int run_plugin_cmd(struct cmd_ctx *ctx, int argc, char **argv)
{
    struct plugin_cmd *pc = cmd_data(ctx);
    struct plugin *p = plugin_find(pc->id);
    struct plugins *h = plugin_host();
    if (!p || p->dead)
        return cmd_error(ctx, "the plugin is being unloaded");
    struct cmd_ctx *saved = h->out_ctx;
    char what[48];
    snprintf(what, sizeof(what), "command %s", pc->name);
    h->out_ctx = ctx;
    h->depth++;
    p->error[0] = 0;
    guard_enter(p->name, what);
    int rc = pc->fn(p->id, argc, (const char **)argv);
    guard_leave();
    h->depth--;
    h->out_ctx = saved;
    if (rc != 0)
        cmd_error(ctx, "%s", p->error[0] ? p->error : "failed");
    plugin_reap(h);
    return rc != 0 ? -1 : 0;
}

/* A name a plugin gives: 1 to max bytes of [A-Za-z0-9_-] (and '.' when
 * dots), or words of them joined by single spaces when words. */
static int good_name(const char *name, size_t max, int words, int dots)
{
    size_t n = 0, w = 0;
    if (!name || !*name)
        return 0;
    for (const char *c = name; *c; c++, n++) {
        if (*c == ' ' && words && c > name && c[1] && c[1] != ' ' && ++w < 3)
            continue;
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
              *c == '_' || *c == '-' || (dots && *c == '.')))
            return 0;
    }
    return n <= max;
}

/* Is name a command of a loaded plugin already? */
static int plugin_command_taken(const char *name)
{
    struct plugins *h = plugin_host();
    for (size_t i = 0; i < h->n; i++)
        for (int k = 0; k < h->pl[i]->ncmds; k++)
            if (strcmp(h->pl[i]->cmds[k]->name, name) == 0)
                return 1;
    return 0;
}

static void free_cmd(struct plugin_cmd *pc)
{
    free(pc->name);
    free(pc->help);
    free(pc);
}

int scout_plugin_register_command(scout_plugin_id id, const char *name, const char *help, scout_command_fn fn)
{
    struct plugin *p = plugin_find(id);
    if (!p || !fn || p->ncmds == PLUGIN_MAX_COMMANDS || !good_name(name, 63, 1, 0) ||
        plugin_command_taken(name))
        return -1;
    struct plugin_cmd *pc = calloc(1, sizeof(*pc));
    if (!pc)
        return -1;
    size_t hl = base_escape_text(NULL, 0, help ? help : "", 0) + 1;
    pc->name = strdup(name);
    pc->help = malloc(hl);
    if (!pc->name || !pc->help) {
        free_cmd(pc);
        return -1;
    }
    base_escape_text(pc->help, hl, help ? help : "", 0);
    pc->fn = fn;
    pc->id = id;
    pc->def.name = pc->name;
    pc->def.syntax = "[ARGS...]";
    pc->def.help = pc->help;
    pc->def.cls = CMD_CLASS_SESSION;
    pc->def.complete = CMD_COMPLETE_NONE;
    pc->def.flags = CMD_F_NO_REPEAT;
    pc->def.run = run_plugin_cmd;
    pc->def.data = pc;
    if (plugin_host()->ctx) {
        /* with commands attached (the front end attaches them before any
           plugin loads): now, so a name scout has ("run") is -1 here */
        if (cmd_name_taken(plugin_host()->ctx, name) || cmd_register(plugin_host()->ctx, &pc->def, 1) != 0) {
            free_cmd(pc);
            return -1;
        }
        pc->registered = 1;
    }
    p->cmds[p->ncmds++] = pc;
    return 0;
}

scout_plugin_counter *scout_plugin_counter_new(scout_plugin_id id, const char *name)
{
    struct plugin *p = plugin_find(id);
    if (!p || !good_name(name, sizeof(p->ctrs[0]->name) - 1, 0, 1) || p->nctrs == PLUGIN_MAX_COUNTERS)
        return NULL;
    struct scout_plugin_counter *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    snprintf(c->name, sizeof(c->name), "%s", name);
    p->ctrs[p->nctrs++] = c;
    return c;
}

static int owns_counter(const struct plugin *p, const scout_plugin_counter *c)
{
    for (int i = 0; p && i < p->nctrs; i++)
        if (p->ctrs[i] == c)
            return 1;
    return 0;
}

void scout_plugin_counter_add(scout_plugin_id id, scout_plugin_counter *c, uint64_t n)
{
    if (owns_counter(plugin_find(id), c))
        c->value += n;
}

uint64_t scout_plugin_counter_get(scout_plugin_id id, const scout_plugin_counter *c)
{
    return owns_counter(plugin_find(id), c) ? c->value : 0;
}

/* Plugin text reaches a terminal: lines and tabs as written, any other
 * control character (ESC, DEL, C1) as \xNN. */
void scout_plugin_outs(scout_plugin_id id, const char *text)
{
    if (!plugin_find(id) || !text)
        return;
    char small[1024], *safe = small;
    size_t need = base_escape_text(NULL, 0, text, BASE_TEXT_NEWLINE) + 1;
    if (need > sizeof(small) && !(safe = malloc(need)))
        return;
    base_escape_text(safe, need, text, BASE_TEXT_NEWLINE);
    if (plugin_host()->out_ctx)
        cmd_write(plugin_host()->out_ctx, safe, strlen(safe));
    else
        fputs(safe, stderr);
    if (safe != small)
        free(safe);
}

void scout_plugin_printf(scout_plugin_id id, const char *fmt, ...)
{
    char buf[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    scout_plugin_outs(id, buf);
}

void scout_plugin_set_error(scout_plugin_id id, const char *fmt, ...)
{
    struct plugin *p = plugin_find(id);
    if (!p)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->error, sizeof(p->error), fmt, ap);
    va_end(ap);
}
