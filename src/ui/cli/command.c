/* command.c — the command table, lookup, line parsing, dispatch, output,
 * variables, completion and the built-in session commands.  See command.h. */
#include "ui/cli/command.h"
#include "ui/cli/cmd_args.h"
#include "ui/cli/script.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ARGS        256
#define MAX_CANDIDATES  20      /* listed in an "ambiguous" error */
#define MAX_WORDS       8       /* words in a command name */

struct node {
    char *word;                 /* name at this level */
    char *path;                 /* full path: "info registers" */
    const struct cmd_def *def;  /* NULL: implicit prefix, or alias */
    const struct cmd_def *owner;/* def that created this node (not implicit) */
    struct node *target;        /* alias: what it stands for */
    struct node *parent;
    struct node **kids;
    size_t nkids, cap;
};

struct var {
    const struct cmd_var_def *def;
    int64_t ival;
    bool bval;
    int eidx;
    char *sval;
};

struct cmd_ctx {
    struct node root;
    struct var *vars;
    size_t nvars, capvars;
    cmd_output_fn out;
    void *out_arg;
    void *user;
    /* the running command */
    const struct node *cur;
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
    struct cmd_regs regs;
    bool has_regs;
};

/* ======================================================================= */
/* small helpers                                                            */

static char *xstrndup(const char *s, size_t n)
{
    char *p = malloc(n + 1);
    if (p) {
        memcpy(p, s, n);
        p[n] = 0;
    }
    return p;
}

static bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

static const char *skip_blanks(const char *p)
{
    while (is_blank(*p))
        p++;
    return p;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A growable list of strings (candidates). */
struct strlist {
    char **v;
    size_t n, cap;
    bool oom;
};

static void sl_add(struct strlist *l, const char *s)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        char **v = realloc(l->v, cap * sizeof *v);
        if (!v) {
            l->oom = true;
            return;
        }
        l->v = v;
        l->cap = cap;
    }
    char *d = strdup(s);
    if (!d) {
        l->oom = true;
        return;
    }
    l->v[l->n++] = d;
}

static void sl_sort_unique(struct strlist *l)
{
    if (l->n == 0)
        return;
    qsort(l->v, l->n, sizeof *l->v, cmp_str);
    size_t j = 0;
    for (size_t i = 0; i < l->n; i++) {
        if (j > 0 && strcmp(l->v[j - 1], l->v[i]) == 0)
            free(l->v[i]);
        else
            l->v[j++] = l->v[i];
    }
    l->n = j;
}

static void sl_free(struct strlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    memset(l, 0, sizeof *l);
}

/* Joins up to MAX_CANDIDATES entries with ", " into buf. */
static void sl_join(const struct strlist *l, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = 0;
    for (size_t i = 0; i < l->n && used < size; i++) {
        int k;
        if (i == MAX_CANDIDATES)
            k = snprintf(buf + used, size - used, ", ...");
        else
            k = snprintf(buf + used, size - used, "%s%s", i ? ", " : "", l->v[i]);
        if (k < 0)
            break;
        used += (size_t)k;
        if (i == MAX_CANDIDATES)
            break;
    }
}

/* ======================================================================= */
/* output                                                                   */

static void default_output(void *arg, enum cmd_stream stream, const char *text, size_t len)
{
    (void)arg;
    if (stream == CMD_ERR) {
        fflush(stdout);
        fwrite(text, 1, len, stderr);
    } else {
        fwrite(text, 1, len, stdout);
    }
}

void cmd_set_output(struct cmd_ctx *ctx, cmd_output_fn fn, void *arg)
{
    ctx->out = fn ? fn : default_output;
    ctx->out_arg = fn ? arg : NULL;
}

void cmd_write(struct cmd_ctx *ctx, const char *text, size_t len)
{
    if (len)
        ctx->out(ctx->out_arg, CMD_OUT, text, len);
}

void cmd_vprintf(struct cmd_ctx *ctx, const char *fmt, va_list ap)
{
    char small[512];
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    if (n < 0) {
        va_end(ap2);
        return;
    }
    if ((size_t)n < sizeof small) {
        cmd_write(ctx, small, (size_t)n);
    } else {
        char *big = malloc((size_t)n + 1);
        if (big) {
            vsnprintf(big, (size_t)n + 1, fmt, ap2);
            cmd_write(ctx, big, (size_t)n);
            free(big);
        } else {
            cmd_write(ctx, small, sizeof small - 1);
        }
    }
    va_end(ap2);
}

void cmd_printf(struct cmd_ctx *ctx, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cmd_vprintf(ctx, fmt, ap);
    va_end(ap);
}

int cmd_verror(struct cmd_ctx *ctx, const char *fmt, va_list ap)
{
    char *b = ctx->last_error;
    size_t size = sizeof ctx->last_error, used = 0;
    int k = 0;
    if (ctx->where) {
        if (ctx->where[0] == '-')
            k = snprintf(b, size, "%s %lu: ", ctx->where, ctx->line);
        else
            k = snprintf(b, size, "%s:%lu: ", ctx->where, ctx->line);
        used = k < 0 ? 0 : ((size_t)k < size ? (size_t)k : size - 1);
    }
    if (ctx->cur) {
        k = snprintf(b + used, size - used, "%s: ", ctx->cur->path);
        used += k < 0 ? 0 : ((size_t)k < size - used ? (size_t)k : size - used - 1);
    }
    vsnprintf(b + used, size - used, fmt, ap);
    size_t len = strlen(b);
    while (len > 0 && b[len - 1] == '\n')
        b[--len] = 0;
    ctx->nerrors++;
    ctx->out(ctx->out_arg, CMD_ERR, b, len);
    ctx->out(ctx->out_arg, CMD_ERR, "\n", 1);
    return -1;
}

int cmd_error(struct cmd_ctx *ctx, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cmd_verror(ctx, fmt, ap);
    va_end(ap);
    return -1;
}

const char *cmd_last_error(const struct cmd_ctx *ctx) { return ctx->last_error; }
unsigned long cmd_error_count(const struct cmd_ctx *ctx) { return ctx->nerrors; }

/* ======================================================================= */
/* the command tree                                                         */

static const struct node *resolve(const struct node *n) { return n->target ? n->target : n; }

static bool has_kids(const struct node *n) { return n->nkids > 0; }

static struct node *find_exact(const struct node *parent, const char *word, size_t len)
{
    for (size_t i = 0; i < parent->nkids; i++) {
        struct node *k = parent->kids[i];
        if (strlen(k->word) == len && memcmp(k->word, word, len) == 0)
            return k;
    }
    return NULL;
}

enum lookup { LOOK_FOUND, LOOK_NONE, LOOK_AMBIGUOUS };

/* Exact name/alias first, then a unique prefix (counting targets, not
 * names).  On LOOK_AMBIGUOUS the matching names are in *cands. */
static enum lookup lookup_word(const struct node *parent, const char *word, size_t len,
                               const struct node **out, struct strlist *cands)
{
    const struct node *ex = find_exact(parent, word, len);
    if (ex) {
        *out = resolve(ex);
        return LOOK_FOUND;
    }
    const struct node *found = NULL;
    bool many = false;
    for (size_t i = 0; i < parent->nkids; i++) {
        const struct node *k = parent->kids[i];
        if (strncmp(k->word, word, len) != 0)
            continue;
        if (cands)
            sl_add(cands, k->word);
        if (!found)
            found = resolve(k);
        else if (found != resolve(k))
            many = true;
    }
    if (!found)
        return LOOK_NONE;
    if (many) {
        if (cands)
            sl_sort_unique(cands);
        return LOOK_AMBIGUOUS;
    }
    *out = found;
    return LOOK_FOUND;
}

static void node_free(struct node *n)
{
    for (size_t i = 0; i < n->nkids; i++) {
        node_free(n->kids[i]);
        free(n->kids[i]);
    }
    free(n->kids);
    free(n->word);
    free(n->path);
    n->kids = NULL;
    n->nkids = n->cap = 0;
}

static struct node *node_add(struct node *parent, const char *word, size_t len)
{
    if (parent->nkids == parent->cap) {
        size_t cap = parent->cap ? parent->cap * 2 : 8;
        struct node **kids = realloc(parent->kids, cap * sizeof *kids);
        if (!kids)
            return NULL;
        parent->kids = kids;
        parent->cap = cap;
    }
    struct node *n = calloc(1, sizeof *n);
    if (!n)
        return NULL;
    n->word = xstrndup(word, len);
    size_t plen = parent->path ? strlen(parent->path) : 0;
    n->path = malloc(plen + len + 2);
    if (!n->word || !n->path) {
        free(n->word);
        free(n->path);
        free(n);
        return NULL;
    }
    if (plen)
        sprintf(n->path, "%s %.*s", parent->path, (int)len, word);
    else
        sprintf(n->path, "%.*s", (int)len, word);
    n->parent = parent;
    /* keep kids sorted by word for listings */
    size_t at = parent->nkids;
    while (at > 0 && strcmp(parent->kids[at - 1]->word, n->word) > 0)
        at--;
    memmove(parent->kids + at + 1, parent->kids + at, (parent->nkids - at) * sizeof *parent->kids);
    parent->kids[at] = n;
    parent->nkids++;
    return n;
}

static bool word_char(char c)
{
    return isalnum((unsigned char)c) || c == '-' || c == '_' || c == '.';
}

/* Checks "w1 w2 ..." syntax; fills word starts/lengths. */
static int split_name(const char *name, const char **w, size_t *wl, size_t max)
{
    size_t n = 0;
    const char *p = name;
    if (!p || !*p)
        return -1;
    for (;;) {
        const char *s = p;
        while (word_char(*p))
            p++;
        if (p == s || n == max)
            return -1;
        w[n] = s;
        wl[n++] = (size_t)(p - s);
        if (*p == 0)
            return (int)n;
        if (*p != ' ' || !word_char(p[1]))
            return -1;
        p++;
    }
}

/* Walks an exact path; NULL if some word is missing. */
static struct node *walk_exact(struct node *root, const char *name)
{
    const char *w[MAX_WORDS];
    size_t wl[MAX_WORDS];
    int n = split_name(name, w, wl, MAX_WORDS);
    if (n < 0)
        return NULL;
    struct node *cur = root;
    for (int i = 0; i < n && cur; i++)
        cur = find_exact(cur, w[i], wl[i]);
    return cur;
}

/* Calls fn for each alias path in a comma separated list. */
static int each_alias(const char *aliases, int (*fn)(const char *path, void *arg), void *arg)
{
    if (!aliases)
        return 0;
    const char *p = aliases;
    while (*p) {
        p = skip_blanks(p);
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        while (len > 0 && is_blank(p[len - 1]))
            len--;
        char buf[256];
        if (len == 0 || len >= sizeof buf)
            return fn(NULL, arg);
        memcpy(buf, p, len);
        buf[len] = 0;
        int rc = fn(buf, arg);
        if (rc)
            return rc;
        if (!e)
            break;
        p = e + 1;
    }
    return 0;
}

/* Registration check: is this path free (or an implicit prefix for a
 * name)?  Also rejects paths that go through an alias. */
struct reg_check {
    struct cmd_ctx *ctx;
    const struct cmd_def *defs;
    size_t n, self;
    bool is_alias;
    const char *bad;            /* reason */
};

static bool path_equal_norm(const char *a, const char *b) { return strcmp(a, b) == 0; }

static int batch_mentions(const struct reg_check *rc, const char *path, size_t upto_def,
                          bool count_self_name);

static int check_path(const char *path, void *arg)
{
    struct reg_check *rc = arg;
    const char *w[MAX_WORDS];
    size_t wl[MAX_WORDS];
    if (!path || split_name(path, w, wl, MAX_WORDS) < 0) {
        rc->bad = "bad name";
        return -1;
    }
    int n = split_name(path, w, wl, MAX_WORDS);
    struct node *cur = &rc->ctx->root;
    for (int i = 0; i < n; i++) {
        struct node *k = find_exact(cur, w[i], wl[i]);
        if (!k)
            break;
        if (k->target) {
            rc->bad = i == n - 1 ? "already defined" : "a word of it is an alias";
            return -1;
        }
        if (i == n - 1 && (rc->is_alias || k->def)) {
            rc->bad = "already defined";
            return -1;
        }
        cur = k;
    }
    if (batch_mentions(rc, path, rc->self, rc->is_alias)) {
        rc->bad = "already defined";
        return -1;
    }
    return 0;
}

struct mention { const char *path; int found; };

static int mention_fn(const char *p, void *arg)
{
    struct mention *m = arg;
    if (p && path_equal_norm(p, m->path))
        m->found = 1;
    return 0;
}

/* Does an earlier def in the batch (or, for an alias, this def's own name)
 * already use path? */
static int batch_mentions(const struct reg_check *rc, const char *path, size_t upto_def,
                          bool count_self_name)
{
    for (size_t i = 0; i <= upto_def && i < rc->n; i++) {
        if ((i < upto_def || count_self_name) && path_equal_norm(rc->defs[i].name, path))
            return 1;
        struct mention m = { path, 0 };
        if (i < upto_def)
            each_alias(rc->defs[i].aliases, mention_fn, &m);
        if (m.found)
            return 1;
    }
    return 0;
}

static struct node *make_path(struct node *root, const char *path)
{
    const char *w[MAX_WORDS];
    size_t wl[MAX_WORDS];
    int n = split_name(path, w, wl, MAX_WORDS);
    struct node *cur = root;
    for (int i = 0; i < n && cur; i++) {
        struct node *k = find_exact(cur, w[i], wl[i]);
        cur = k ? k : node_add(cur, w[i], wl[i]);
    }
    return cur;
}

struct alias_add { struct cmd_ctx *ctx; struct node *target; const struct cmd_def *def; int fail; };

static int alias_add_fn(const char *path, void *arg)
{
    struct alias_add *a = arg;
    struct node *n = make_path(&a->ctx->root, path);
    if (!n) {
        a->fail = 1;
        return -1;
    }
    n->target = a->target;
    n->owner = a->def;
    return 0;
}

static void prune(struct node *n, const struct cmd_def *defs, size_t ndefs, size_t *removed);

int cmd_register(struct cmd_ctx *ctx, const struct cmd_def *defs, size_t n)
{
    struct reg_check rc = { ctx, defs, n, 0, false, NULL };
    for (size_t i = 0; i < n; i++) {
        rc.self = i;
        rc.is_alias = false;
        if (check_path(defs[i].name, &rc) < 0) {
            cmd_error(ctx, "cannot register command \"%s\": %s",
                      defs[i].name ? defs[i].name : "(null)", rc.bad);
            return -1;
        }
        rc.is_alias = true;
        if (each_alias(defs[i].aliases, check_path, &rc) < 0) {
            cmd_error(ctx, "cannot register command \"%s\": alias: %s", defs[i].name, rc.bad);
            return -1;
        }
    }
    for (size_t i = 0; i < n; i++) {
        struct node *nd = make_path(&ctx->root, defs[i].name);
        if (!nd)
            goto oom;
        nd->def = &defs[i];
        nd->owner = &defs[i];
    }
    for (size_t i = 0; i < n; i++) {
        struct alias_add a = { ctx, walk_exact(&ctx->root, defs[i].name), &defs[i], 0 };
        each_alias(defs[i].aliases, alias_add_fn, &a);
        if (a.fail)
            goto oom;
    }
    return 0;
oom:
    cmd_unregister(ctx, defs, n);
    cmd_error(ctx, "cannot register commands: out of memory");
    return -1;
}

static bool owned_by(const struct node *n, const struct cmd_def *defs, size_t ndefs)
{
    return n->owner && n->owner >= defs && n->owner < defs + ndefs;
}

/* Removes nodes owned by defs (and aliases pointing into removed nodes);
 * a removed command that still has subcommands becomes an implicit
 * prefix; implicit prefixes left without subcommands go away. */
static void prune(struct node *n, const struct cmd_def *defs, size_t ndefs, size_t *removed)
{
    for (size_t i = 0; i < n->nkids;) {
        struct node *k = n->kids[i];
        prune(k, defs, ndefs, removed);
        bool drop = false;
        if (owned_by(k, defs, ndefs)) {
            if (!k->target)
                (*removed)++;
            k->def = NULL;
            k->owner = NULL;
            drop = k->target != NULL || k->nkids == 0;
        } else if (!k->def && !k->target && k->nkids == 0) {
            drop = true;        /* empty implicit prefix */
        }
        if (drop) {
            node_free(k);
            free(k);
            memmove(n->kids + i, n->kids + i + 1, (n->nkids - i - 1) * sizeof *n->kids);
            n->nkids--;
        } else {
            i++;
        }
    }
}

/* Aliases whose target lost its def (and became implicit) are dropped. */
static void prune_dangling(struct node *root, struct node *n)
{
    for (size_t i = 0; i < n->nkids;) {
        struct node *k = n->kids[i];
        prune_dangling(root, k);
        if (k->target && !k->target->def) {
            node_free(k);
            free(k);
            memmove(n->kids + i, n->kids + i + 1, (n->nkids - i - 1) * sizeof *n->kids);
            n->nkids--;
        } else {
            i++;
        }
    }
}

size_t cmd_unregister(struct cmd_ctx *ctx, const struct cmd_def *defs, size_t n)
{
    size_t removed = 0;
    if (!defs || !n)
        return 0;
    prune(&ctx->root, defs, n, &removed);
    prune_dangling(&ctx->root, &ctx->root);
    /* a second pass drops implicit prefixes emptied by dangling aliases */
    size_t dummy = 0;
    prune(&ctx->root, defs, 0, &dummy);
    return removed;
}

/* ======================================================================= */
/* parsing a line                                                           */

/* Resolves the command words at the start of p.  On success *out is the
 * command node, *end points after the last command word (at the suffix if
 * any).  Errors are reported (and -1 returned). */
static int resolve_command(struct cmd_ctx *ctx, const char *p, const struct node **out,
                           const char **end, bool for_help)
{
    const struct node *node = &ctx->root;
    for (;;) {
        const char *s = p;
        while (*p && !is_blank(*p) && *p != '/')
            p++;
        size_t len = (size_t)(p - s);
        if (len == 0) {
            if (node == &ctx->root) {
                const char *e = s;
                while (*e && !is_blank(*e))
                    e++;
                return cmd_error(ctx, "unknown command \"%.*s\"; try \"help\"", (int)(e - s), s);
            }
            break;
        }
        const struct node *found = NULL;
        struct strlist cands = { 0 };
        enum lookup r = lookup_word(node, s, len, &found, &cands);
        if (r == LOOK_NONE && node != &ctx->root && node->def && node->def->run && !for_help) {
            p = s;              /* a prefix with its own handler: args */
            sl_free(&cands);
            break;
        }
        if (r != LOOK_FOUND) {
            char list[512];
            sl_join(&cands, list, sizeof list);
            sl_free(&cands);
            const char *pre = node == &ctx->root ? "" : node->path;
            const char *sp = node == &ctx->root ? "" : " ";
            if (r == LOOK_AMBIGUOUS)
                return cmd_error(ctx, "ambiguous command \"%s%s%.*s\": %s", pre, sp, (int)len, s, list);
            if (node == &ctx->root)
                return cmd_error(ctx, "unknown command \"%.*s\"; try \"help\"", (int)len, s);
            return cmd_error(ctx, "unknown command \"%s %.*s\"; try \"help %s\"", pre, (int)len, s, pre);
        }
        sl_free(&cands);
        node = found;
        if (*p == '/')
            break;
        const char *q = skip_blanks(p);
        if (!has_kids(node) || !*q)
            break;
        p = q;
    }
    *out = node;
    *end = p;
    return 0;
}

/* Splits args into words; buf has room for strlen(args)+1 bytes. */
static int split_args(struct cmd_ctx *ctx, const char *p, char *buf, char **argv, int *argc)
{
    char *o = buf;
    int n = *argc;
    for (;;) {
        p = skip_blanks(p);
        if (!*p)
            break;
        if (n >= MAX_ARGS)
            return cmd_error(ctx, "too many arguments (limit %d)", MAX_ARGS - 1);
        argv[n++] = o;
        while (*p && !is_blank(*p)) {
            if (*p == '"') {
                p++;
                while (*p && *p != '"') {
                    if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
                        p++;
                    *o++ = *p++;
                }
                if (!*p)
                    return cmd_error(ctx, "unterminated quote");
                p++;
            } else if (*p == '\'') {
                p++;
                while (*p && *p != '\'')
                    *o++ = *p++;
                if (!*p)
                    return cmd_error(ctx, "unterminated quote");
                p++;
            } else {
                *o++ = *p++;
            }
        }
        *o++ = 0;
    }
    argv[n] = NULL;
    *argc = n;
    return 0;
}

/* Trims blanks at both ends in place; an escaped final blank stays. */
static char *trim_line(char *s)
{
    s = (char *)skip_blanks(s);
    size_t len = strlen(s), orig = len;
    while (len > 0 && is_blank(s[len - 1]))
        len--;
    if (len < orig && s[len] != '\n' && s[len] != '\r') {
        size_t bs = 0;
        while (bs < len && s[len - 1 - bs] == '\\')
            bs++;
        if (bs % 2 == 1)
            len++;
    }
    s[len] = 0;
    return s;
}

static int execute(struct cmd_ctx *ctx, const char *line, bool interactive, bool repeat)
{
    char *copy = strdup(line);
    if (!copy)
        return cmd_error(ctx, "out of memory");
    char *text = trim_line(copy);
    if (!*text) {
        free(copy);
        if (interactive && !repeat && ctx->last_line) {
            char *again = strdup(ctx->last_line);
            if (!again)
                return cmd_error(ctx, "out of memory");
            int rc = execute(ctx, again, interactive, true);
            free(again);
            return rc;
        }
        return 0;
    }
    if (*text == '#') {
        free(copy);
        return 0;
    }

    const struct node *node;
    const char *end;
    if (resolve_command(ctx, text, &node, &end, false) < 0) {
        free(copy);
        return -1;
    }
    if (interactive && !repeat) {
        free(ctx->last_line);
        ctx->last_line = NULL;
        if (!(node->def && (node->def->flags & CMD_F_NO_REPEAT)))
            ctx->last_line = strdup(text);
    }

    const struct node *saved_cur = ctx->cur;
    const char *saved_suffix = ctx->suffix, *saved_raw = ctx->raw;
    bool saved_repeat = ctx->repeat;
    unsigned long errors_before = ctx->nerrors;
    int rc = -1;
    char *suffix = NULL, *argbuf = NULL;
    char **argv = NULL;

    ctx->cur = node;
    ctx->repeat = repeat;
    const char *p = end;
    if (*p == '/') {
        const char *s = p;
        while (*p && !is_blank(*p))
            p++;
        if (!(node->def && (node->def->flags & CMD_F_SUFFIX))) {
            cmd_error(ctx, "unexpected \"%.*s\" (no /FORMAT suffix allowed)", (int)(p - s), s);
            goto out;
        }
        suffix = xstrndup(s, (size_t)(p - s));
        if (!suffix) {
            cmd_error(ctx, "out of memory");
            goto out;
        }
    }
    p = skip_blanks(p);
    ctx->suffix = suffix ? suffix : "";
    ctx->raw = p;

    if (!node->def || !node->def->run) {
        /* a prefix command without a handler */
        char list[512] = "";
        size_t used = 0;
        for (size_t i = 0; i < node->nkids && used < sizeof list; i++) {
            if (node->kids[i]->target)
                continue;
            int k = snprintf(list + used, sizeof list - used, "%s%s", used ? ", " : "",
                             node->kids[i]->word);
            if (k < 0)
                break;
            used += (size_t)k;
        }
        cmd_error(ctx, "subcommand expected: %s", list);
        goto out;
    }

    argbuf = malloc(strlen(p) + 1);
    argv = malloc((MAX_ARGS + 1) * sizeof *argv);
    if (!argbuf || !argv) {
        cmd_error(ctx, "out of memory");
        goto out;
    }
    argv[0] = node->path;
    int argc = 1;
    if (node->def->flags & CMD_F_RAW)
        argv[1] = NULL;
    else if (split_args(ctx, p, argbuf, argv, &argc) < 0)
        goto out;
    rc = node->def->run(ctx, argc, argv);
    if (rc != 0 && ctx->nerrors == errors_before)
        cmd_error(ctx, "command failed");
out:
    ctx->cur = saved_cur;
    ctx->suffix = saved_suffix;
    ctx->raw = saved_raw;
    ctx->repeat = saved_repeat;
    free(suffix);
    free(argbuf);
    free(argv);
    free(copy);
    return rc == 0 ? 0 : -1;
}

int cmd_execute_line(struct cmd_ctx *ctx, const char *line, bool interactive)
{
    if (!line)
        line = "";
    return execute(ctx, line, interactive, false);
}

const char *cmd_name(const struct cmd_ctx *ctx) { return ctx->cur ? ctx->cur->path : ""; }
const char *cmd_suffix(const struct cmd_ctx *ctx) { return ctx->suffix ? ctx->suffix : ""; }
const char *cmd_args_raw(const struct cmd_ctx *ctx) { return ctx->raw ? ctx->raw : ""; }
void *cmd_data(const struct cmd_ctx *ctx)
{
    return ctx->cur && ctx->cur->def ? ctx->cur->def->data : NULL;
}
bool cmd_is_repeat(const struct cmd_ctx *ctx) { return ctx->repeat; }

bool cmd_quit_requested(const struct cmd_ctx *ctx, int *status)
{
    if (ctx->quit && status)
        *status = ctx->quit_status;
    return ctx->quit;
}

void cmd_request_quit(struct cmd_ctx *ctx, int status)
{
    ctx->quit = true;
    ctx->quit_status = status;
}

void cmd_set_user(struct cmd_ctx *ctx, void *user) { ctx->user = user; }
void *cmd_user(const struct cmd_ctx *ctx) { return ctx->user; }

void cmd_set_regs(struct cmd_ctx *ctx, const struct cmd_regs *regs)
{
    ctx->has_regs = regs != NULL;
    if (regs)
        ctx->regs = *regs;
}

const struct cmd_regs *cmd_get_regs(const struct cmd_ctx *ctx)
{
    return ctx->has_regs ? &ctx->regs : NULL;
}

void cmd_location_push(struct cmd_ctx *ctx, struct cmd_location *saved, const char *where)
{
    saved->where = ctx->where;
    saved->line = ctx->line;
    saved->cmd = ctx->cur;
    ctx->where = where;
    ctx->line = 0;
    ctx->cur = NULL;
}

void cmd_location_line(struct cmd_ctx *ctx, unsigned long line) { ctx->line = line; }

void cmd_location_pop(struct cmd_ctx *ctx, const struct cmd_location *saved)
{
    ctx->where = saved->where;
    ctx->line = saved->line;
    ctx->cur = saved->cmd;
}

unsigned cmd_script_depth(const struct cmd_ctx *ctx) { return ctx->depth; }
void cmd_script_set_depth(struct cmd_ctx *ctx, unsigned depth) { ctx->depth = depth; }
bool cmd_script_aborted(const struct cmd_ctx *ctx) { return ctx->aborted; }
void cmd_script_set_aborted(struct cmd_ctx *ctx, bool aborted) { ctx->aborted = aborted; }

/* ======================================================================= */
/* variables                                                                */

static struct var *var_find(const struct cmd_ctx *ctx, const char *name, size_t len)
{
    for (size_t i = 0; i < ctx->nvars; i++)
        if (strlen(ctx->vars[i].def->name) == len && memcmp(ctx->vars[i].def->name, name, len) == 0)
            return &ctx->vars[i];
    return NULL;
}

static const struct var *var_get(const struct cmd_ctx *ctx, const char *name, enum cmd_var_type t)
{
    if (!name)
        return NULL;
    const struct var *v = var_find(ctx, name, strlen(name));
    return v && v->def->type == t ? v : NULL;
}

/* The i-th choice of "a|b|c" into buf; false past the end. */
static bool enum_choice(const char *choices, int i, char *buf, size_t size)
{
    const char *p = choices ? choices : "";
    for (int k = 0; k < i; k++) {
        p = strchr(p, '|');
        if (!p)
            return false;
        p++;
    }
    size_t len = strcspn(p, "|");
    if (len >= size)
        len = size - 1;
    memcpy(buf, p, len);
    buf[len] = 0;
    return true;
}

static int enum_count(const char *choices)
{
    int n = 1;
    for (const char *p = choices; p && *p; p++)
        n += *p == '|';
    return n;
}

static void enum_list(const char *choices, char *buf, size_t size)
{
    size_t used = 0;
    char c[128];
    buf[0] = 0;
    for (int i = 0; enum_choice(choices, i, c, sizeof c) && used < size; i++) {
        int k = snprintf(buf + used, size - used, "%s%s", i ? ", " : "", c);
        if (k < 0)
            break;
        used += (size_t)k;
    }
}

/* Parses value for v; on success stores it (unless dry). */
static int var_assign(struct cmd_ctx *ctx, struct var *v, const char *value, bool dry)
{
    const struct cmd_var_def *d = v->def;
    const char *name = d->name;
    value = skip_blanks(value ? value : "");
    switch (d->type) {
    case CMD_VAR_INT: {
        int64_t x;
        if (!*value)
            return cmd_error(ctx, "%s: value expected", name);
        int st = cmd_parse_i64(value, &x);
        if (st == CMD_NUM_OVERFLOW)
            return cmd_error(ctx, "%s: \"%s\" is too large", name, value);
        if (st != CMD_NUM_OK)
            return cmd_error(ctx, "%s: \"%s\" is not a number", name, value);
        if (x < d->min || x > d->max)
            return cmd_error(ctx, "%s: %" PRId64 " is out of range %" PRId64 "..%" PRId64,
                             name, x, d->min, d->max);
        if (!dry)
            v->ival = x;
        return 0;
    }
    case CMD_VAR_BOOL: {
        static const char *const on[] = { "on", "1", "yes", "enable", NULL };
        static const char *const off[] = { "off", "0", "no", "disable", NULL };
        bool b;
        if (!*value) {
            b = true;           /* gdb: "set confirm" means on */
        } else {
            int which = -1;
            for (int i = 0; on[i]; i++) {
                if (strcmp(value, on[i]) == 0)
                    which = 1;
                if (strcmp(value, off[i]) == 0)
                    which = 0;
            }
            if (which < 0)
                return cmd_error(ctx, "%s: \"%s\" is not on or off", name, value);
            b = which == 1;
        }
        if (!dry)
            v->bval = b;
        return 0;
    }
    case CMD_VAR_ENUM: {
        char list[512];
        enum_list(d->choices, list, sizeof list);
        if (!*value)
            return cmd_error(ctx, "%s: value expected (one of: %s)", name, list);
        int n = enum_count(d->choices), exact = -1, pre = -1, npre = 0;
        size_t len = strlen(value);
        char c[128];
        for (int i = 0; i < n && enum_choice(d->choices, i, c, sizeof c); i++) {
            if (strcmp(c, value) == 0)
                exact = i;
            else if (strncmp(c, value, len) == 0) {
                pre = i;
                npre++;
            }
        }
        int pick = exact >= 0 ? exact : (npre == 1 ? pre : -1);
        if (pick < 0 && npre > 1) {
            char amb[512];
            size_t used = 0;
            amb[0] = 0;
            for (int i = 0; i < n && enum_choice(d->choices, i, c, sizeof c); i++) {
                if (strncmp(c, value, len) != 0)
                    continue;
                int k = snprintf(amb + used, sizeof amb - used, "%s%s", used ? ", " : "", c);
                if (k < 0 || (size_t)k >= sizeof amb - used)
                    break;
                used += (size_t)k;
            }
            return cmd_error(ctx, "%s: ambiguous value \"%s\": %s", name, value, amb);
        }
        if (pick < 0)
            return cmd_error(ctx, "%s: \"%s\" is not one of: %s", name, value, list);
        if (!dry)
            v->eidx = pick;
        return 0;
    }
    case CMD_VAR_STRING: {
        size_t len = strlen(value);
        char *s = malloc(len + 1);
        if (!s)
            return cmd_error(ctx, "out of memory");
        if (*value == '"') {
            const char *p = value + 1;
            char *o = s;
            while (*p && *p != '"') {
                if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
                    p++;
                *o++ = *p++;
            }
            *o = 0;
            if (*p != '"') {
                free(s);
                return cmd_error(ctx, "%s: unterminated quote", name);
            }
            if (*skip_blanks(p + 1)) {
                free(s);
                return cmd_error(ctx, "%s: unexpected text after the closing quote", name);
            }
        } else {
            memcpy(s, value, len + 1);
        }
        if (dry) {
            free(s);
        } else {
            free(v->sval);
            v->sval = s;
        }
        return 0;
    }
    }
    return cmd_error(ctx, "%s: bad variable type", name);
}

int cmd_var_register(struct cmd_ctx *ctx, const struct cmd_var_def *defs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const char *w[1];
        size_t wl[1];
        const char *name = defs[i].name ? defs[i].name : "(null)";
        if (split_name(defs[i].name, w, wl, 1) != 1)
            return cmd_error(ctx, "cannot register variable \"%s\": bad name", name);
        bool dup = var_find(ctx, name, strlen(name)) != NULL;
        for (size_t j = 0; j < i; j++)
            dup |= strcmp(defs[j].name, name) == 0;
        if (dup)
            return cmd_error(ctx, "cannot register variable \"%s\": already defined", name);
        if (defs[i].type == CMD_VAR_INT && defs[i].min > defs[i].max)
            return cmd_error(ctx, "cannot register variable \"%s\": bad range", name);
        if (defs[i].type == CMD_VAR_ENUM && (!defs[i].choices || !*defs[i].choices))
            return cmd_error(ctx, "cannot register variable \"%s\": no choices", name);
        if ((unsigned)defs[i].type > CMD_VAR_STRING)
            return cmd_error(ctx, "cannot register variable \"%s\": bad type", name);
        struct var tmp = { .def = &defs[i] };
        if (var_assign(ctx, &tmp, defs[i].init, true) < 0)
            return cmd_error(ctx, "cannot register variable \"%s\": bad initial value", name);
    }
    if (ctx->nvars + n > ctx->capvars) {
        size_t cap = ctx->capvars ? ctx->capvars : 16;
        while (cap < ctx->nvars + n)
            cap *= 2;
        struct var *v = realloc(ctx->vars, cap * sizeof *v);
        if (!v)
            return cmd_error(ctx, "cannot register variables: out of memory");
        ctx->vars = v;
        ctx->capvars = cap;
    }
    for (size_t i = 0; i < n; i++) {
        struct var v = { .def = &defs[i] };
        if (var_assign(ctx, &v, defs[i].init, false) < 0)
            return -1;          /* cannot happen after the dry run, except OOM */
        size_t at = ctx->nvars;
        while (at > 0 && strcmp(ctx->vars[at - 1].def->name, v.def->name) > 0)
            at--;
        memmove(ctx->vars + at + 1, ctx->vars + at, (ctx->nvars - at) * sizeof v);
        ctx->vars[at] = v;
        ctx->nvars++;
    }
    return 0;
}

int cmd_var_set(struct cmd_ctx *ctx, const char *name, const char *value)
{
    struct var *v = name ? var_find(ctx, name, strlen(name)) : NULL;
    if (!v)
        return cmd_error(ctx, "unknown variable \"%s\"; try \"show\"", name ? name : "");
    if (var_assign(ctx, v, value, false) < 0)
        return -1;
    if (v->def->changed)
        v->def->changed(ctx, v->def->name, v->def->arg);
    return 0;
}

int64_t cmd_var_int(const struct cmd_ctx *ctx, const char *name)
{
    const struct var *v = var_get(ctx, name, CMD_VAR_INT);
    return v ? v->ival : 0;
}

bool cmd_var_bool(const struct cmd_ctx *ctx, const char *name)
{
    const struct var *v = var_get(ctx, name, CMD_VAR_BOOL);
    return v ? v->bval : false;
}

int cmd_var_enum_index(const struct cmd_ctx *ctx, const char *name)
{
    const struct var *v = var_get(ctx, name, CMD_VAR_ENUM);
    return v ? v->eidx : -1;
}

const char *cmd_var_enum(const struct cmd_ctx *ctx, const char *name)
{
    const struct var *v = var_get(ctx, name, CMD_VAR_ENUM);
    if (!v)
        return NULL;
    /* points into the choices string: "stop|continue" -> "stop" needs a
     * terminator, so keep the formatted copy in sval */
    char buf[128];
    if (!enum_choice(v->def->choices, v->eidx, buf, sizeof buf))
        return NULL;
    struct var *mv = (struct var *)v;
    if (!mv->sval || strcmp(mv->sval, buf) != 0) {
        char *s = strdup(buf);
        if (!s)
            return NULL;
        free(mv->sval);
        mv->sval = s;
    }
    return mv->sval;
}

const char *cmd_var_string(const struct cmd_ctx *ctx, const char *name)
{
    const struct var *v = var_get(ctx, name, CMD_VAR_STRING);
    return v ? (v->sval ? v->sval : "") : NULL;
}

static void format_var(const struct var *v, char *buf, size_t size)
{
    switch (v->def->type) {
    case CMD_VAR_INT:
        snprintf(buf, size, "%" PRId64, v->ival);
        break;
    case CMD_VAR_BOOL:
        snprintf(buf, size, "%s", v->bval ? "on" : "off");
        break;
    case CMD_VAR_ENUM:
        if (!enum_choice(v->def->choices, v->eidx, buf, size))
            snprintf(buf, size, "?");
        break;
    case CMD_VAR_STRING: {
        size_t o = 0;
        const char *s = v->sval ? v->sval : "";
        if (size < 3) {
            if (size)
                buf[0] = 0;
            break;
        }
        buf[o++] = '"';
        for (; *s && o + 3 < size; s++) {
            if (*s == '"' || *s == '\\')
                buf[o++] = '\\';
            buf[o++] = *s;
        }
        buf[o++] = '"';
        buf[o] = 0;
        break;
    }
    }
}

const char *cmd_var_format(const struct cmd_ctx *ctx, const char *name, char *buf, size_t size)
{
    const struct var *v = name ? var_find(ctx, name, strlen(name)) : NULL;
    if (!v || !size)
        return NULL;
    format_var(v, buf, size);
    return buf;
}

/* Unique-prefix lookup of a variable name; reports errors. */
static struct var *var_lookup(struct cmd_ctx *ctx, const char *name, size_t len)
{
    struct var *ex = var_find(ctx, name, len);
    if (ex)
        return ex;
    struct strlist c = { 0 };
    struct var *found = NULL;
    for (size_t i = 0; i < ctx->nvars; i++)
        if (strncmp(ctx->vars[i].def->name, name, len) == 0) {
            found = &ctx->vars[i];
            sl_add(&c, found->def->name);
        }
    if (c.n == 1) {
        sl_free(&c);
        return found;
    }
    if (c.n == 0) {
        cmd_error(ctx, "unknown variable \"%.*s\"; try \"show\"", (int)len, name);
    } else {
        char list[512];
        sl_join(&c, list, sizeof list);
        cmd_error(ctx, "ambiguous variable \"%.*s\": %s", (int)len, name, list);
    }
    sl_free(&c);
    return NULL;
}

/* ======================================================================= */
/* built-in commands                                                        */

static int run_set(struct cmd_ctx *ctx, int argc, char **argv)
{
    (void)argc;
    (void)argv;
    const char *p = cmd_args_raw(ctx);
    if (!*p)
        return cmd_error(ctx, "variable name expected; try \"show\"");
    const char *s = p;
    while (*p && !is_blank(*p))
        p++;
    struct var *v = var_lookup(ctx, s, (size_t)(p - s));
    if (!v)
        return -1;
    if (var_assign(ctx, v, p, false) < 0)
        return -1;
    if (v->def->changed)
        v->def->changed(ctx, v->def->name, v->def->arg);
    return 0;
}

static void show_one(struct cmd_ctx *ctx, const struct var *v)
{
    char buf[1024];
    format_var(v, buf, sizeof buf);
    cmd_printf(ctx, "%s = %s\n", v->def->name, buf);
}

static int run_show(struct cmd_ctx *ctx, int argc, char **argv)
{
    if (argc > 2)
        return cmd_error(ctx, "unexpected \"%s\"", argv[2]);
    if (argc == 1) {
        for (size_t i = 0; i < ctx->nvars; i++)
            show_one(ctx, &ctx->vars[i]);
        return 0;
    }
    struct var *v = var_lookup(ctx, argv[1], strlen(argv[1]));
    if (!v)
        return -1;
    show_one(ctx, v);
    return 0;
}

static int run_echo(struct cmd_ctx *ctx, int argc, char **argv)
{
    (void)argc;
    (void)argv;
    const char *p = cmd_args_raw(ctx);
    size_t n = strlen(p);
    char *out = malloc(n + 1);
    if (!out)
        return cmd_error(ctx, "out of memory");
    size_t o = 0;
    while (*p) {
        if (*p != '\\') {
            out[o++] = *p++;
            continue;
        }
        p++;
        if (!*p)
            break;              /* a final lone backslash prints nothing */
        char c = *p++;
        switch (c) {
        case 'n': out[o++] = '\n'; break;
        case 't': out[o++] = '\t'; break;
        case 'r': out[o++] = '\r'; break;
        case 'a': out[o++] = '\a'; break;
        case 'b': out[o++] = '\b'; break;
        case 'f': out[o++] = '\f'; break;
        case 'v': out[o++] = '\v'; break;
        case 'e': out[o++] = 033; break;
        case '0': case '1': case '2': case '3':
        case '4': case '5': case '6': case '7': {
            unsigned v = (unsigned)(c - '0');
            for (int k = 0; k < 2 && *p >= '0' && *p <= '7'; k++)
                v = v * 8 + (unsigned)(*p++ - '0');
            out[o++] = (char)(v & 0xff);
            break;
        }
        default: out[o++] = c; break;   /* \\ \" \' \  and the rest */
        }
    }
    cmd_write(ctx, out, o);
    free(out);
    return 0;
}

static int run_source(struct cmd_ctx *ctx, int argc, char **argv)
{
    if (argc < 2)
        return cmd_error(ctx, "file name expected");
    if (argc > 2)
        return cmd_error(ctx, "unexpected \"%s\"", argv[2]);
    return script_run_file(ctx, argv[1]) == 0 ? 0 : -1;
}

static int run_quit(struct cmd_ctx *ctx, int argc, char **argv)
{
    int64_t status = 0;
    if (argc > 2)
        return cmd_error(ctx, "unexpected \"%s\"", argv[2]);
    if (argc == 2 && cmd_arg_i64(ctx, argv[1], 0, 255, &status) < 0)
        return -1;
    cmd_request_quit(ctx, (int)status);
    return 0;
}

static const char *const class_names[CMD_CLASS_COUNT] = {
    "Execution", "State", "Prescan", "Session",
};

/* class of an implicit prefix: that of its first real subcommand */
static enum cmd_class node_class(const struct node *n)
{
    if (n->def)
        return n->def->cls < CMD_CLASS_COUNT ? n->def->cls : CMD_CLASS_SESSION;
    for (size_t i = 0; i < n->nkids; i++)
        if (!n->kids[i]->target)
            return node_class(n->kids[i]);
    return CMD_CLASS_SESSION;
}

static void help_line(struct cmd_ctx *ctx, const struct node *n)
{
    if (n->def && n->def->help)
        cmd_printf(ctx, "  %s -- %s\n", n->path, n->def->help);
    else if (has_kids(n))
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

static void collect_aliases(const struct node *x, const struct node *target, struct strlist *l)
{
    for (size_t i = 0; i < x->nkids; i++) {
        const struct node *k = x->kids[i];
        if (k->target == target)
            sl_add(l, k->path);
        else if (!k->target)
            collect_aliases(k, target, l);
    }
}

static int run_help(struct cmd_ctx *ctx, int argc, char **argv)
{
    (void)argv;
    if (argc == 1) {
        cmd_printf(ctx, "List of commands:\n");
        for (int c = 0; c < CMD_CLASS_COUNT; c++) {
            bool head = false;
            for (size_t i = 0; i < ctx->root.nkids; i++) {
                const struct node *k = ctx->root.kids[i];
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
    const struct node *n;
    const char *end;
    const char *raw = cmd_args_raw(ctx);
    if (resolve_command(ctx, raw, &n, &end, true) < 0)
        return -1;
    if (*skip_blanks(end))
        return cmd_error(ctx, "unexpected \"%s\"", skip_blanks(end));
    const struct cmd_def *d = n->def;
    const char *syn = d && d->syntax ? d->syntax : "";
    if ((!d || !d->run) && has_kids(n) && !*syn)
        syn = "SUBCOMMAND";
    cmd_printf(ctx, "Usage: %s%s%s\n", n->path, (*syn && *syn != '/') ? " " : "", syn);
    if (d && d->help)
        cmd_printf(ctx, "%s.\n", d->help);
    if (d && d->long_help && *d->long_help) {
        size_t len = strlen(d->long_help);
        cmd_printf(ctx, "%s%s", d->long_help, d->long_help[len - 1] == '\n' ? "" : "\n");
    }
    /* aliases: every alias node pointing at n */
    struct strlist al = { 0 };
    collect_aliases(&ctx->root, n, &al);
    if (al.n) {
        char list[512];
        sl_sort_unique(&al);
        sl_join(&al, list, sizeof list);
        cmd_printf(ctx, "Aliases: %s.\n", list);
    }
    sl_free(&al);
    if (has_kids(n)) {
        cmd_printf(ctx, "Subcommands:\n");
        for (size_t i = 0; i < n->nkids; i++)
            if (!n->kids[i]->target)
                help_line(ctx, n->kids[i]);
    }
    if (d && (d->run == run_set || d->run == run_show) && ctx->nvars) {
        cmd_printf(ctx, "Variables:\n");
        for (size_t i = 0; i < ctx->nvars; i++) {
            char t[256];
            var_type_text(ctx->vars[i].def, t, sizeof t);
            cmd_printf(ctx, "  %s (%s) -- %s\n", ctx->vars[i].def->name, t,
                       ctx->vars[i].def->help ? ctx->vars[i].def->help : "");
        }
    }
    return 0;
}

static const struct cmd_def builtin_cmds[] = {
    { "set", NULL, "VARIABLE VALUE", "Set a session variable",
      "Integers follow gdb's rules (0x hex, a leading 0 octal, else decimal), booleans\n"
      "on|off, choices may be abbreviated.  \"set NAME\" alone turns a boolean on.\n"
      "Quote text to keep blanks.",
      CMD_CLASS_SESSION, CMD_COMPLETE_VARIABLE, CMD_F_NO_REPEAT | CMD_F_RAW, run_set, NULL },
    { "show", NULL, "[VARIABLE]", "Show one session variable, or all of them", NULL,
      CMD_CLASS_SESSION, CMD_COMPLETE_VARIABLE, CMD_F_NO_REPEAT, run_show, NULL },
    { "echo", NULL, "TEXT", "Print text; no newline is added (like gdb)",
      "Escapes: \\n newline, \\t tab, \\\\ backslash, \\\" quote, \\e escape, \\NNN octal;\n"
      "\"\\ \" keeps a blank at the end.  Leading and trailing blanks are dropped.",
      CMD_CLASS_SESSION, CMD_COMPLETE_NONE, CMD_F_NO_REPEAT | CMD_F_RAW, run_echo, NULL },
    { "source", NULL, "FILE", "Run the commands in FILE",
      "Blank lines and lines starting with # are skipped.  \"set on-error continue\"\n"
      "keeps a script going after a failing command.",
      CMD_CLASS_SESSION, CMD_COMPLETE_FILE, CMD_F_NO_REPEAT, run_source, NULL },
    { "help", "h", "[COMMAND]", "List commands, or describe one", NULL,
      CMD_CLASS_SESSION, CMD_COMPLETE_COMMAND, CMD_F_NO_REPEAT, run_help, NULL },
    { "quit", "q", "[STATUS]", "Leave scout (exit status 0..255, default 0)", NULL,
      CMD_CLASS_SESSION, CMD_COMPLETE_NONE, CMD_F_NO_REPEAT, run_quit, NULL },
};

static const struct cmd_var_def builtin_vars[] = {
    { "on-error", CMD_VAR_ENUM, "stop",
      "What a script does after a failing command: stop it, or continue with the next line",
      0, 0, "stop|continue", NULL, NULL },
};

/* ======================================================================= */
/* completion                                                               */

static void complete_kids(const struct node *n, const char *word, size_t len, struct strlist *l)
{
    for (size_t i = 0; i < n->nkids; i++)
        if (strncmp(n->kids[i]->word, word, len) == 0)
            sl_add(l, n->kids[i]->word);
}

static void complete_files(const char *word, struct strlist *l)
{
    const char *slash = strrchr(word, '/');
    char dir[4096];
    const char *base = word;
    if (slash) {
        size_t dl = (size_t)(slash - word) + 1;
        if (dl >= sizeof dir)
            return;
        memcpy(dir, word, dl);
        dir[dl] = 0;
        base = slash + 1;
    } else {
        dir[0] = 0;
    }
    DIR *d = opendir(*dir ? dir : ".");
    if (!d)
        return;
    size_t bl = strlen(base);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (e->d_name[0] == '.' && base[0] != '.')
            continue;
        if (strncmp(e->d_name, base, bl) != 0)
            continue;
        char full[8192];
        snprintf(full, sizeof full, "%s%s", dir, e->d_name);
        bool isdir = e->d_type == DT_DIR;
        if (e->d_type == DT_UNKNOWN || e->d_type == DT_LNK) {
            DIR *t = opendir(full);
            if (t) {
                isdir = true;
                closedir(t);
            }
        }
        if (isdir)
            strncat(full, "/", sizeof full - strlen(full) - 1);
        sl_add(l, full);
    }
    closedir(d);
}

static void complete_regs(const struct cmd_ctx *ctx, const char *word, size_t len,
                          bool dollar, struct strlist *l)
{
    if (!ctx->has_regs || !ctx->regs.names)
        return;
    for (const char *const *r = ctx->regs.names; *r; r++) {
        char buf[128];
        snprintf(buf, sizeof buf, "%s%s", dollar ? "$" : "", *r);
        if (strncmp(buf, word, len) == 0)
            sl_add(l, buf);
    }
}

/* Words of line[0..cursor): fills l with candidates for the last word. */
static void complete_in(struct cmd_ctx *ctx, const char *text, size_t wstart, struct strlist *l,
                        int depth)
{
    const char *word = text + wstart;
    size_t wlen = strlen(word);
    const struct node *node = &ctx->root;
    const char *p = skip_blanks(text);
    /* walk the command words before the current one */
    bool in_args = false;
    while ((size_t)(p - text) < wstart) {
        const char *s = p;
        while (*p && !is_blank(*p) && *p != '/')
            p++;
        size_t len = (size_t)(p - s);
        bool slash = *p == '/';
        if (node != &ctx->root && !has_kids(node)) {
            p = s;
            in_args = true;
            break;
        }
        const struct node *found = NULL;
        if (lookup_word(node, s, len, &found, NULL) != LOOK_FOUND) {
            if (node != &ctx->root && node->def && node->def->run) {
                p = s;
                in_args = true;
                break;
            }
            return;
        }
        node = found;
        if (slash) {
            while (*p && !is_blank(*p))
                p++;
            in_args = true;
        }
        p = skip_blanks(p);
        if (in_args)
            break;
    }
    if (!in_args && (node == &ctx->root || has_kids(node))) {
        if (memchr(word, '/', wlen))
            return;
        complete_kids(node, word, wlen, l);
        return;
    }
    if (!node->def)
        return;
    /* args: count words between p and the current word */
    const char *args = p;
    int argi = 0;
    const char *first_arg = NULL;
    size_t first_len = 0;
    for (const char *q = args; (size_t)(q - text) < wstart;) {
        q = skip_blanks(q);
        if ((size_t)(q - text) >= wstart)
            break;
        const char *s = q;
        while (*q && !is_blank(*q))
            q++;
        if (argi == 0) {
            first_arg = s;
            first_len = (size_t)(q - s);
        }
        argi++;
    }
    switch (node->def->complete) {
    case CMD_COMPLETE_NONE:
        break;
    case CMD_COMPLETE_COMMAND:
        if (depth < 4)
            complete_in(ctx, args, wstart - (size_t)(args - text), l, depth + 1);
        break;
    case CMD_COMPLETE_VARIABLE:
        if (argi == 0) {
            for (size_t i = 0; i < ctx->nvars; i++)
                if (strncmp(ctx->vars[i].def->name, word, wlen) == 0)
                    sl_add(l, ctx->vars[i].def->name);
        } else if (argi == 1 && node->def->run == run_set) {
            const struct var *v = NULL;
            for (size_t i = 0; i < ctx->nvars && !v; i++)
                if (strlen(ctx->vars[i].def->name) == first_len &&
                    memcmp(ctx->vars[i].def->name, first_arg, first_len) == 0)
                    v = &ctx->vars[i];
            if (!v) {
                for (size_t i = 0; i < ctx->nvars; i++)
                    if (strncmp(ctx->vars[i].def->name, first_arg, first_len) == 0) {
                        if (v) {
                            v = NULL;
                            break;
                        }
                        v = &ctx->vars[i];
                    }
            }
            if (v && v->def->type == CMD_VAR_ENUM) {
                char c[128];
                for (int i = 0; enum_choice(v->def->choices, i, c, sizeof c); i++)
                    if (strncmp(c, word, wlen) == 0)
                        sl_add(l, c);
            } else if (v && v->def->type == CMD_VAR_BOOL) {
                if (strncmp("on", word, wlen) == 0)
                    sl_add(l, "on");
                if (strncmp("off", word, wlen) == 0)
                    sl_add(l, "off");
            }
        }
        break;
    case CMD_COMPLETE_REGISTER:
        complete_regs(ctx, word, wlen, word[0] == '$', l);
        break;
    case CMD_COMPLETE_ADDRESS:
        if (word[0] == '$')
            complete_regs(ctx, word, wlen, true, l);
        break;
    case CMD_COMPLETE_FILE:
        complete_files(word, l);
        break;
    }
}

size_t cmd_complete(struct cmd_ctx *ctx, const char *line, size_t cursor, size_t *word_start,
                    cmd_complete_cb cb, void *arg)
{
    if (!line)
        line = "";
    size_t len = strlen(line);
    if (cursor > len)
        cursor = len;
    char *text = xstrndup(line, cursor);
    if (!text)
        return 0;
    size_t ws = cursor;
    while (ws > 0 && !is_blank(text[ws - 1]))
        ws--;
    if (word_start)
        *word_start = ws;
    struct strlist l = { 0 };
    const char *t = skip_blanks(text);
    if (*t != '#')
        complete_in(ctx, text, ws, &l, 0);
    sl_sort_unique(&l);
    if (cb)
        for (size_t i = 0; i < l.n; i++)
            cb(arg, l.v[i]);
    size_t n = l.n;
    sl_free(&l);
    free(text);
    return n;
}

/* ======================================================================= */
/* context                                                                  */

struct cmd_ctx *cmd_ctx_new(void)
{
    struct cmd_ctx *ctx = calloc(1, sizeof *ctx);
    if (!ctx)
        return NULL;
    ctx->out = default_output;
    if (cmd_register(ctx, builtin_cmds, sizeof builtin_cmds / sizeof builtin_cmds[0]) < 0 ||
        cmd_var_register(ctx, builtin_vars, sizeof builtin_vars / sizeof builtin_vars[0]) < 0) {
        cmd_ctx_free(ctx);
        return NULL;
    }
    ctx->nerrors = 0;
    ctx->last_error[0] = 0;
    return ctx;
}

void cmd_ctx_free(struct cmd_ctx *ctx)
{
    if (!ctx)
        return;
    node_free(&ctx->root);
    for (size_t i = 0; i < ctx->nvars; i++)
        free(ctx->vars[i].sval);
    free(ctx->vars);
    free(ctx->last_line);
    free(ctx);
}
