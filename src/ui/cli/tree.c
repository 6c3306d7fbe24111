/* tree.c — the command tree: registering and unregistering commands and
 * their aliases, and looking names up (exact, then unique prefix).  See
 * command.h. */
#include "ui/cli/cli_priv.h"

#include <ctype.h>
#include <stdio.h>

#define MAX_WORDS       8       /* words in a command name */

static struct cmd_node *find_exact(const struct cmd_node *parent, const char *word, size_t len)
{
    for (size_t i = 0; i < parent->kids.n; i++) {
        struct cmd_node *k = parent->kids.v[i];
        if (strlen(k->word) == len && memcmp(k->word, word, len) == 0)
            return k;
    }
    return NULL;
}

enum cmd_lookup cmd_tree_lookup(const struct cmd_node *parent, const char *word, size_t len,
                               const struct cmd_node **out, struct cmd_strlist *cands)
{
    const struct cmd_node *ex = find_exact(parent, word, len);
    if (ex) {
        *out = cmd_node_target(ex);
        return CMD_LOOK_FOUND;
    }
    const struct cmd_node *found = NULL;
    bool many = false;
    for (size_t i = 0; i < parent->kids.n; i++) {
        const struct cmd_node *k = parent->kids.v[i];
        if (strncmp(k->word, word, len) != 0)
            continue;
        if (cands)
            cmd_strlist_add(cands, k->word);
        if (!found)
            found = cmd_node_target(k);
        else if (found != cmd_node_target(k))
            many = true;
    }
    if (!found)
        return CMD_LOOK_NONE;
    if (many) {
        if (cands)
            cmd_strlist_sort(cands);
        return CMD_LOOK_AMBIGUOUS;
    }
    *out = found;
    return CMD_LOOK_FOUND;
}

void cmd_tree_free(struct cmd_node *n)
{
    for (size_t i = 0; i < n->kids.n; i++) {
        cmd_tree_free(n->kids.v[i]);
        free(n->kids.v[i]);
    }
    VEC_FREE(&n->kids);
    free(n->word);
    free(n->path);
}

static struct cmd_node *node_add(struct cmd_node *parent, const char *word, size_t len)
{
    if (VEC_RESERVE(&parent->kids, parent->kids.n + 1) != 0)
        return NULL;
    struct cmd_node *n = calloc(1, sizeof *n);
    if (!n)
        return NULL;
    n->word = cmd_strndup(word, len);
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
    size_t at = parent->kids.n;
    while (at > 0 && strcmp(parent->kids.v[at - 1]->word, n->word) > 0)
        at--;
    memmove(parent->kids.v + at + 1, parent->kids.v + at, (parent->kids.n - at) * sizeof *parent->kids.v);
    parent->kids.v[at] = n;
    parent->kids.n++;
    return n;
}

static bool word_char(char c)
{
    return isalnum((unsigned char)c) || c == '-' || c == '_' || c == '.';
}

/* Checks "w1 w2 ..." syntax; fills word starts/lengths. */
int cmd_split_name(const char *name, const char **w, size_t *wl, size_t max)
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
static struct cmd_node *walk_exact(struct cmd_node *root, const char *name)
{
    const char *w[MAX_WORDS];
    size_t wl[MAX_WORDS];
    int n = cmd_split_name(name, w, wl, MAX_WORDS);
    if (n < 0)
        return NULL;
    struct cmd_node *cur = root;
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
        p = cmd_skip_blanks(p);
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        while (len > 0 && cmd_is_blank(p[len - 1]))
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
    if (!path || cmd_split_name(path, w, wl, MAX_WORDS) < 0) {
        rc->bad = "bad name";
        return -1;
    }
    int n = cmd_split_name(path, w, wl, MAX_WORDS);
    struct cmd_node *cur = &rc->ctx->root;
    for (int i = 0; i < n; i++) {
        struct cmd_node *k = find_exact(cur, w[i], wl[i]);
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

static struct cmd_node *make_path(struct cmd_node *root, const char *path)
{
    const char *w[MAX_WORDS];
    size_t wl[MAX_WORDS];
    int n = cmd_split_name(path, w, wl, MAX_WORDS);
    struct cmd_node *cur = root;
    for (int i = 0; i < n && cur; i++) {
        struct cmd_node *k = find_exact(cur, w[i], wl[i]);
        cur = k ? k : node_add(cur, w[i], wl[i]);
    }
    return cur;
}

struct alias_add { struct cmd_ctx *ctx; struct cmd_node *target; const struct cmd_def *def; int fail; };

static int alias_add_fn(const char *path, void *arg)
{
    struct alias_add *a = arg;
    struct cmd_node *n = make_path(&a->ctx->root, path);
    if (!n) {
        a->fail = 1;
        return -1;
    }
    n->target = a->target;
    n->owner = a->def;
    return 0;
}

static void prune(struct cmd_node *n, const struct cmd_def *defs, size_t ndefs, size_t *removed);

int cmd_name_taken(struct cmd_ctx *ctx, const char *name)
{
    struct reg_check rc = { ctx, NULL, 0, 0, false, NULL };
    return check_path(name, &rc) < 0;
}

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
        struct cmd_node *nd = make_path(&ctx->root, defs[i].name);
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

static bool owned_by(const struct cmd_node *n, const struct cmd_def *defs, size_t ndefs)
{
    return n->owner && n->owner >= defs && n->owner < defs + ndefs;
}

/* Frees n's i-th subtree and closes the gap. */
static void drop_kid(struct cmd_node *n, size_t i)
{
    struct cmd_node *k = n->kids.v[i];
    cmd_tree_free(k);
    free(k);
    memmove(n->kids.v + i, n->kids.v + i + 1, (n->kids.n - i - 1) * sizeof *n->kids.v);
    n->kids.n--;
}

/* Removes nodes owned by defs (and aliases pointing into removed nodes);
 * a removed command that still has subcommands becomes an implicit
 * prefix; implicit prefixes left without subcommands go away. */
static void prune(struct cmd_node *n, const struct cmd_def *defs, size_t ndefs, size_t *removed)
{
    for (size_t i = 0; i < n->kids.n;) {
        struct cmd_node *k = n->kids.v[i];
        prune(k, defs, ndefs, removed);
        bool drop = false;
        if (owned_by(k, defs, ndefs)) {
            if (!k->target)
                (*removed)++;
            k->def = NULL;
            k->owner = NULL;
            drop = k->target != NULL || k->kids.n == 0;
        } else if (!k->def && !k->target && k->kids.n == 0) {
            drop = true;        /* empty implicit prefix */
        }
        if (drop)
            drop_kid(n, i);
        else
            i++;
    }
}

/* Aliases whose target lost its def (and became implicit) are dropped. */
static void prune_dangling(struct cmd_node *root, struct cmd_node *n)
{
    for (size_t i = 0; i < n->kids.n;) {
        struct cmd_node *k = n->kids.v[i];
        prune_dangling(root, k);
        if (k->target && !k->target->def)
            drop_kid(n, i);
        else
            i++;
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

/* ── resolving a line's command words ─────────────────────────────── */

int cmd_resolve_command(struct cmd_ctx *ctx, const char *p, const struct cmd_node **out,
                           const char **end, bool for_help)
{
    const struct cmd_node *node = &ctx->root;
    for (;;) {
        const char *s = p;
        while (*p && !cmd_is_blank(*p) && *p != '/')
            p++;
        size_t len = (size_t)(p - s);
        if (len == 0) {
            if (node == &ctx->root) {
                const char *e = s;
                while (*e && !cmd_is_blank(*e))
                    e++;
                return cmd_error(ctx, "unknown command \"%.*s\"; try \"help\"", (int)(e - s), s);
            }
            break;
        }
        const struct cmd_node *found = NULL;
        struct cmd_strlist cands = { 0 };
        enum cmd_lookup r = cmd_tree_lookup(node, s, len, &found, &cands);
        if (r == CMD_LOOK_NONE && node != &ctx->root && node->def && node->def->run && !for_help) {
            p = s;              /* a prefix with its own handler: args */
            cmd_strlist_free(&cands);
            break;
        }
        if (r != CMD_LOOK_FOUND) {
            char list[512];
            cmd_strlist_join(&cands, list, sizeof list);
            cmd_strlist_free(&cands);
            const char *pre = node == &ctx->root ? "" : node->path;
            const char *sp = node == &ctx->root ? "" : " ";
            if (r == CMD_LOOK_AMBIGUOUS)
                return cmd_error(ctx, "ambiguous command \"%s%s%.*s\": %s", pre, sp, (int)len, s, list);
            if (node == &ctx->root)
                return cmd_error(ctx, "unknown command \"%.*s\"; try \"help\"", (int)len, s);
            return cmd_error(ctx, "unknown command \"%s %.*s\"; try \"help %s\"", pre, (int)len, s, pre);
        }
        cmd_strlist_free(&cands);
        node = found;
        if (*p == '/')
            break;
        const char *q = cmd_skip_blanks(p);
        if (!cmd_node_has_kids(node) || !*q)
            break;
        p = q;
    }
    *out = node;
    *end = p;
    return 0;
}
