/* help.c — `help`: the command list by class, or one command's usage,
 * aliases, subcommands and (for set/show) the variables.  See command.h. */
#include "ui/cli/cli_priv.h"

#include <inttypes.h>
#include <stdio.h>

static const char *const class_names[CMD_CLASS_COUNT] = {
    "Execution", "State", "Prescan", "Session",
};

/* class of an implicit prefix: that of its first real subcommand */
static enum cmd_class node_class(const struct cmd_node *n)
{
    if (n->def)
        return n->def->cls < CMD_CLASS_COUNT ? n->def->cls : CMD_CLASS_SESSION;
    for (size_t i = 0; i < n->kids.n; i++)
        if (!n->kids.v[i]->target)
            return node_class(n->kids.v[i]);
    return CMD_CLASS_SESSION;
}

static void help_line(struct cmd_ctx *ctx, const struct cmd_node *n)
{
    if (n->def && n->def->help)
        cmd_printf(ctx, "  %s -- %s\n", n->path, n->def->help);
    else if (cmd_node_has_kids(n))
        cmd_printf(ctx, "  %s -- %s subcommands\n", n->path, n->path);
    else
        cmd_printf(ctx, "  %s\n", n->path);
}

static void var_type_text(const struct cmd_var_def *d, char *buf, size_t size)
{
    switch (d->type) {
    case CMD_VAR_INT:
        snprintf(buf, size, "%" PRId64 "..%" PRId64, d->min, d->max);
        break;
    case CMD_VAR_BOOL:
        snprintf(buf, size, "on|off");
        break;
    case CMD_VAR_ENUM:
        snprintf(buf, size, "%s", d->choices);
        break;
    case CMD_VAR_STRING:
        snprintf(buf, size, "text");
        break;
    }
}

static void collect_aliases(const struct cmd_node *x, const struct cmd_node *target, struct cmd_strlist *l)
{
    for (size_t i = 0; i < x->kids.n; i++) {
        const struct cmd_node *k = x->kids.v[i];
        if (k->target == target)
            cmd_strlist_add(l, k->path);
        else if (!k->target)
            collect_aliases(k, target, l);
    }
}

int cmd_help_run(struct cmd_ctx *ctx, int argc, char **argv)
{
    (void)argv;
    if (argc == 1) {
        cmd_printf(ctx, "List of commands:\n");
        for (int c = 0; c < CMD_CLASS_COUNT; c++) {
            bool head = false;
            for (size_t i = 0; i < ctx->root.kids.n; i++) {
                const struct cmd_node *k = ctx->root.kids.v[i];
                if (k->target || node_class(k) != (enum cmd_class)c)
                    continue;
                if (!head)
                    cmd_printf(ctx, "\n%s:\n", class_names[c]);
                head = true;
                help_line(ctx, k);
            }
        }
        cmd_printf(ctx, "\nType \"help COMMAND\" for details.  "
                        "Commands may be abbreviated if unambiguous.\n");
        return 0;
    }
    const struct cmd_node *n;
    const char *end;
    const char *raw = cmd_args_raw(ctx);
    if (cmd_resolve_command(ctx, raw, &n, &end, true) < 0)
        return -1;
    if (*cmd_skip_blanks(end))
        return cmd_error(ctx, "unexpected \"%s\"", cmd_skip_blanks(end));
    const struct cmd_def *d = n->def;
    const char *syn = d && d->syntax ? d->syntax : "";
    if ((!d || !d->run) && cmd_node_has_kids(n) && !*syn)
        syn = "SUBCOMMAND";
    cmd_printf(ctx, "Usage: %s%s%s\n", n->path, (*syn && *syn != '/') ? " " : "", syn);
    if (d && d->help)
        cmd_printf(ctx, "%s.\n", d->help);
    if (d && d->long_help && *d->long_help) {
        size_t len = strlen(d->long_help);
        cmd_printf(ctx, "%s%s", d->long_help, d->long_help[len - 1] == '\n' ? "" : "\n");
    }
    /* aliases: every alias node pointing at n */
    struct cmd_strlist al = { 0 };
    collect_aliases(&ctx->root, n, &al);
    if (al.n) {
        char list[512];
        cmd_strlist_sort(&al);
        cmd_strlist_join(&al, list, sizeof list);
        cmd_printf(ctx, "Aliases: %s.\n", list);
    }
    cmd_strlist_free(&al);
    if (cmd_node_has_kids(n)) {
        cmd_printf(ctx, "Subcommands:\n");
        for (size_t i = 0; i < n->kids.n; i++)
            if (!n->kids.v[i]->target)
                help_line(ctx, n->kids.v[i]);
    }
    if (d && (d->complete == CMD_COMPLETE_VARIABLE || d->complete == CMD_COMPLETE_SETTING) && ctx->vars.n) {
        cmd_printf(ctx, "Variables:\n");
        for (size_t i = 0; i < ctx->vars.n; i++) {
            char t[256];
            var_type_text(ctx->vars.v[i].def, t, sizeof t);
            cmd_printf(ctx, "  %s (%s) -- %s\n", ctx->vars.v[i].def->name, t,
                       ctx->vars.v[i].def->help ? ctx->vars.v[i].def->help : "");
        }
    }
    return 0;
}
