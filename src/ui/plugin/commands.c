/* commands.c — the plugin host in the command language: `plugin load`,
 * `plugin unload`, `info plugins`, plugins' own commands as the context
 * is attached, and the counters `stats`, `info plugins` and --stats show.
 * See plugin_priv.h. */
#include "ui/plugin/plugin_priv.h"

#include "base/text.h"
#include "ui/guard/guard.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* ── counters ────────────────────────────────────────────────────────── */

void plugins_format_counters(const struct plugins *h, void (*line)(void *arg, const char *line), void *arg)
{
    char buf[4096];
    for (size_t i = 0; i < h->n; i++) {
        const struct plugin *p = h->pl[i];
        if (!p->nctrs)
            continue;
        size_t o = (size_t)snprintf(buf, sizeof(buf), "plugin %s:", p->name);
        for (int k = 0; k < p->nctrs && o < sizeof(buf); k++)
            o += (size_t)snprintf(buf + o, sizeof(buf) - o, " %s=%" PRIu64, p->ctrs[k]->name, p->ctrs[k]->value);
        line(arg, buf);
    }
}

static void print_line(void *arg, const char *line) { fprintf(arg, "scout: %s\n", line); }

void plugins_print_counters(const struct plugins *h, FILE *f)
{
    if (h)
        plugins_format_counters(h, print_line, f);
}

/* ── commands ────────────────────────────────────────────────────────── */

/* plugin load / plugin unload: the plugin's output (its install or exit
 * callback) goes where the command's does. */
static int load_or_unload(struct cmd_ctx *ctx, int argc, char **argv, int load)
{
    struct plugins *h = cmd_data(ctx);
    char err[512];
    if (argc != 2)
        return cmd_error(ctx, load ? "usage: plugin load PATH[,ARG=VAL...]" : "usage: plugin unload NAME");
    struct cmd_ctx *saved = h->out_ctx;
    h->out_ctx = ctx;
    int rc = load ? plugins_load(h, argv[1], err, sizeof(err)) : plugins_unload(h, argv[1], err, sizeof(err));
    h->out_ctx = saved;
    if (rc != 0)
        return cmd_error(ctx, "%s", err);
    cmd_printf(ctx, "plugin %s %s\n", load ? h->pl[h->n - 1]->name : argv[1], load ? "loaded" : "unloaded");
    return 0;
}

static int cmd_plugin_load(struct cmd_ctx *ctx, int argc, char **argv) { return load_or_unload(ctx, argc, argv, 1); }
static int cmd_plugin_unload(struct cmd_ctx *ctx, int argc, char **argv) { return load_or_unload(ctx, argc, argv, 0); }

static void ctx_line(void *arg, const char *line) { cmd_printf(arg, "  %s\n", line); }

static int cmd_info_plugins(struct cmd_ctx *ctx, int argc, char **argv)
{
    struct plugins *h = cmd_data(ctx);
    (void)argv;
    if (argc != 1)
        return cmd_error(ctx, "takes no arguments");
    if (!h->n) {
        cmd_printf(ctx, "no plugins loaded\n");
        return 0;
    }
    for (size_t i = 0; i < h->n; i++) {
        const struct plugin *p = h->pl[i];
        char spec[512];
        base_escape_text(spec, sizeof(spec), p->spec, 0);
        cmd_printf(ctx, "%s: %s", p->name, spec);
        if (p->ncmds) {
            cmd_printf(ctx, " (commands:");
            for (int k = 0; k < p->ncmds; k++)
                cmd_printf(ctx, " %s", p->cmds[k]->name);
            cmd_printf(ctx, ")");
        }
        cmd_printf(ctx, "\n");
    }
    plugins_format_counters(h, ctx_line, ctx);
    return 0;
}

static struct cmd_def builtin_defs[3];

/* set plugin-timeout N: the guard's limit for one plugin callback */
static void timeout_changed(struct cmd_ctx *ctx, const char *name, void *arg)
{
    (void)arg;
    guard_set_plugin_limit((double)cmd_var_int(ctx, name));
}

static const struct cmd_var_def timeout_var = {
    "plugin-timeout", CMD_VAR_INT, "10",
    "seconds one plugin callback may run before scout ends (status 2); 0: no limit",
    0, 86400, NULL, timeout_changed, NULL,
};

int plugins_attach_commands(struct plugins *h, struct cmd_ctx *ctx)
{
    const struct cmd_def defs[3] = {
        { "plugin load", NULL, "PATH[,ARG=VAL...]", "load a plugin (a shared object built against scout/plugin.h)",
          NULL, CMD_CLASS_SESSION, CMD_COMPLETE_FILE, CMD_F_NO_REPEAT, cmd_plugin_load, h },
        { "plugin unload", NULL, "NAME", "unload a plugin: its callbacks, commands and counters go",
          NULL, CMD_CLASS_SESSION, CMD_COMPLETE_NONE, CMD_F_NO_REPEAT, cmd_plugin_unload, h },
        { "info plugins", NULL, "", "loaded plugins, their arguments, commands and counters",
          NULL, CMD_CLASS_SESSION, CMD_COMPLETE_NONE, 0, cmd_info_plugins, h },
    };
    if (h->ctx)
        return 0;
    memcpy(builtin_defs, defs, sizeof(defs));
    if (cmd_register(ctx, builtin_defs, 3) != 0)
        return -1;
    char now[32];
    snprintf(now, sizeof(now), "%.0f", guard_plugin_limit());    /* --plugin-timeout's */
    if (cmd_var_register(ctx, &timeout_var, 1) != 0 || cmd_var_set(ctx, timeout_var.name, now) != 0) {
        cmd_unregister(ctx, builtin_defs, 3);
        return -1;
    }
    h->ctx = ctx;
    /* commands plugins added before there was a command language: a name
       it has already (cmd_register says which) is left out, the plugin stays */
    for (size_t i = 0; i < h->n; i++)
        for (int k = 0; k < h->pl[i]->ncmds; k++) {
            if (cmd_register(ctx, &h->pl[i]->cmds[k]->def, 1) == 0)
                h->pl[i]->cmds[k]->registered = 1;
            else
                plugin_report(h, "plugin %s: command \"%s\" left out (scout has that name)", h->pl[i]->name,
                              h->pl[i]->cmds[k]->name);
        }
    return 0;
}

void plugins_detach_commands(struct plugins *h)
{
    if (!h->ctx)
        return;
    for (size_t i = 0; i < h->n; i++)
        plugin_unregister_commands(h, h->pl[i]);
    cmd_unregister(h->ctx, builtin_defs, 3);
    h->ctx = NULL;
}

