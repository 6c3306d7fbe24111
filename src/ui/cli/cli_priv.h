/* cli_priv.h — private to src/ui/cli/: a command context's insides and
 * the helpers its files share.  One job per file:
 *   num.c       the number parser (gdb's rules)           — calls nothing
 *   strlist.c   sorted lists of candidate names            — calls nothing
 *   output.c    output, error lines, and the context's state accessors
 *               (running command, quit, user, registers, script location)
 *   tree.c      the command tree: register, unregister, name lookup
 *   vars.c      variables: register, set, read, format
 *   dispatch.c  a line: comments, repeat, /FMT suffix, argv, the handler
 *   help.c      `help`
 *   complete.c  completion of command names and arguments
 *   builtins.c  set, show, echo, source, help, quit and on-error
 *   script.c    command files and -ex lists
 *   cmd_args.c  argument helpers for handlers (numbers, /NFU)
 *   expr.c      expressions (addresses, print, set $reg, conditions)
 *   logging.c   set logging: output copied to a file (output.c writes it)
 *   context.c   a new context (with the built-ins) and freeing it
 * Calls go one way (down this list, roughly): no two files call each
 * other. */
#ifndef SCOUT_UI_CLI_PRIV_H
#define SCOUT_UI_CLI_PRIV_H
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "ui/cli/command.h"

struct cmd_node {
    char *word;                 /* name at this level */
    char *path;                 /* full path: "info registers" */
    const struct cmd_def *def;  /* NULL: implicit prefix, or alias */
    const struct cmd_def *owner;/* def that created this node (not implicit) */
    struct cmd_node *target;    /* alias: what it stands for */
    struct cmd_node *parent;
    VEC(struct cmd_node *) kids;  /* sorted by word */
};

struct cmd_var {
    const struct cmd_var_def *def;
    int64_t ival;
    bool bval;
    int eidx;
    char *sval;
};

struct cmd_ctx {
    struct cmd_node root;
    VEC(struct cmd_var) vars;   /* sorted by name */
    cmd_output_fn out;
    void *out_arg;
    void *user;
    /* the running command */
    const struct cmd_node *cur;
    const char *suffix, *raw;
    bool repeat;
    /* location for error lines */
    const char *where;
    unsigned long line;
    char last_error[1024];
    unsigned long nerrors;
    bool quit;
    int quit_status;
    unsigned depth;
    bool aborted;
    char *last_line;            /* repeated by an empty interactive line */
    struct cmd_expr_env env;
    bool has_env;
    char progress[160];         /* cmd_set_progress */
    int (*capture)(void *arg, const char *line);
    void *capture_arg;
    const char *capture_prompt;
    /* set logging (logging.c) */
    FILE *log;
    char log_file[512];
    bool log_overwrite, log_redirect;
};

/* ── text ──────────────────────────────────────────────────────────── */

static inline char *cmd_strndup(const char *s, size_t n)
{
    char *p = malloc(n + 1);
    if (p) {
        memcpy(p, s, n);
        p[n] = 0;
    }
    return p;
}

static inline bool cmd_is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

static inline const char *cmd_skip_blanks(const char *p)
{
    while (cmd_is_blank(*p))
        p++;
    return p;
}

/* ── strlist.c: a growable list of strings (candidates) ────────────── */

struct cmd_strlist {
    VEC(char *);                /* unnamed: l->v, l->n, l->cap */
    bool oom;
};
void cmd_strlist_add(struct cmd_strlist *l, const char *s);
void cmd_strlist_sort(struct cmd_strlist *l);            /* sorted, duplicates dropped */
void cmd_strlist_free(struct cmd_strlist *l);
/* Joins up to 20 entries with ", " into buf (then ", ..."). */
void cmd_strlist_join(const struct cmd_strlist *l, char *buf, size_t size);

/* ── tree.c ────────────────────────────────────────────────────────── */

static inline const struct cmd_node *cmd_node_target(const struct cmd_node *n) { return n->target ? n->target : n; }
static inline bool cmd_node_has_kids(const struct cmd_node *n) { return n->kids.n > 0; }

enum cmd_lookup { CMD_LOOK_FOUND, CMD_LOOK_NONE, CMD_LOOK_AMBIGUOUS };
/* Exact name/alias first, then a unique prefix (counting targets, not
 * names).  On CMD_LOOK_AMBIGUOUS the matching names are in *cands. */
enum cmd_lookup cmd_tree_lookup(const struct cmd_node *parent, const char *word, size_t len,
                                const struct cmd_node **out, struct cmd_strlist *cands);
void cmd_tree_free(struct cmd_node *n);
/* Checks "w1 w2 ..." syntax; fills word starts/lengths; the word count or -1. */
int cmd_split_name(const char *name, const char **w, size_t *wl, size_t max);
/* Resolves the command words at the start of p.  On success *out is the
 * command node, *end points after the last command word (at the suffix if
 * any).  Errors are reported (and -1 returned). */
int cmd_resolve_command(struct cmd_ctx *ctx, const char *p, const struct cmd_node **out,
                        const char **end, bool for_help);

/* ── vars.c ────────────────────────────────────────────────────────── */

/* The i-th choice of "a|b|c" into buf; false past the end. */
bool cmd_enum_choice(const char *choices, int i, char *buf, size_t size);
/* Unique-prefix lookup of a variable name; reports errors. */
struct cmd_var *cmd_var_lookup(struct cmd_ctx *ctx, const char *name, size_t len);
/* Parses value for v; on success stores it (unless dry). */
int cmd_var_assign(struct cmd_ctx *ctx, struct cmd_var *v, const char *value, bool dry);
/* The value as `show` prints it. */
void cmd_var_text(const struct cmd_var *v, char *buf, size_t size);
void cmd_vars_free(struct cmd_ctx *ctx);

/* ── logging.c: set logging ────────────────────────────────────────── */

int  cmd_logging_set(struct cmd_ctx *ctx, const char *args);    /* after "set logging" */
void cmd_logging_show(struct cmd_ctx *ctx);
void cmd_logging_stop(struct cmd_ctx *ctx);

/* ── help.c, builtins.c ────────────────────────────────────────────── */

int cmd_help_run(struct cmd_ctx *ctx, int argc, char **argv);
/* Registers set, show, echo, source, help, quit and on-error.  0 or -1. */
int cmd_builtins_register(struct cmd_ctx *ctx);
#endif
