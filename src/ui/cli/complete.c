/* complete.c — completion of the word before the cursor: command names
 * at each level, then arguments by the command's completion kind.  See
 * command.h. */
#include "ui/cli/cli_priv.h"

#include <ctype.h>

#include <dirent.h>
#include <stdio.h>

static void complete_kids(const struct cmd_node *n, const char *word, size_t len, struct cmd_strlist *l)
{
    for (size_t i = 0; i < n->kids.n; i++)
        if (strncmp(n->kids.v[i]->word, word, len) == 0)
            cmd_strlist_add(l, n->kids.v[i]->word);
}

static void complete_files(const char *word, struct cmd_strlist *l)
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
        cmd_strlist_add(l, full);
    }
    closedir(d);
}

struct sym_match {
    struct cmd_strlist *l;
    const char *prefix;         /* the word up to the symbol being typed */
    size_t plen;
    const char *part;           /* the symbol's first characters */
    size_t len;
};

static void add_symbol(void *arg, const char *name)
{
    struct sym_match *m = arg;
    char buf[512];
    if (strncmp(name, m->part, m->len) == 0 &&
        snprintf(buf, sizeof buf, "%.*s%s", (int)m->plen, m->prefix, name) < (int)sizeof buf)
        cmd_strlist_add(m->l, buf);
}

static void complete_regs(const struct cmd_ctx *ctx, const char *word, size_t len,
                          bool dollar, struct cmd_strlist *l)
{
    if (!ctx->has_env || !ctx->env.reg_names)
        return;
    for (const char *const *r = ctx->env.reg_names; *r; r++) {
        char buf[128];
        snprintf(buf, sizeof buf, "%s%s", dollar ? "$" : "", *r);
        if (strncmp(buf, word, len) == 0)
            cmd_strlist_add(l, buf);
    }
}

/* Words of line[0..cursor): fills l with candidates for the last word. */
static void complete_in(struct cmd_ctx *ctx, const char *text, size_t wstart, struct cmd_strlist *l,
                        int depth)
{
    const char *word = text + wstart;
    size_t wlen = strlen(word);
    const struct cmd_node *node = &ctx->root;
    const char *p = cmd_skip_blanks(text);
    /* walk the command words before the current one */
    bool in_args = false;
    while ((size_t)(p - text) < wstart) {
        const char *s = p;
        while (*p && !cmd_is_blank(*p) && *p != '/')
            p++;
        size_t len = (size_t)(p - s);
        bool slash = *p == '/';
        if (node != &ctx->root && !cmd_node_has_kids(node)) {
            p = s;
            in_args = true;
            break;
        }
        const struct cmd_node *found = NULL;
        if (cmd_tree_lookup(node, s, len, &found, NULL) != CMD_LOOK_FOUND) {
            if (node != &ctx->root && node->def && node->def->run) {
                p = s;
                in_args = true;
                break;
            }
            return;
        }
        node = found;
        if (slash) {
            while (*p && !cmd_is_blank(*p))
                p++;
            in_args = true;
        }
        p = cmd_skip_blanks(p);
        if (in_args)
            break;
    }
    if (!in_args && (node == &ctx->root || cmd_node_has_kids(node))) {
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
        q = cmd_skip_blanks(q);
        if ((size_t)(q - text) >= wstart)
            break;
        const char *s = q;
        while (*q && !cmd_is_blank(*q))
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
    case CMD_COMPLETE_SETTING:
        if (argi == 0) {
            for (size_t i = 0; i < ctx->vars.n; i++)
                if (strncmp(ctx->vars.v[i].def->name, word, wlen) == 0)
                    cmd_strlist_add(l, ctx->vars.v[i].def->name);
        } else if (argi == 1 && node->def->complete == CMD_COMPLETE_SETTING) {
            const struct cmd_var *v = NULL;
            for (size_t i = 0; i < ctx->vars.n && !v; i++)
                if (strlen(ctx->vars.v[i].def->name) == first_len &&
                    memcmp(ctx->vars.v[i].def->name, first_arg, first_len) == 0)
                    v = &ctx->vars.v[i];
            if (!v) {
                for (size_t i = 0; i < ctx->vars.n; i++)
                    if (strncmp(ctx->vars.v[i].def->name, first_arg, first_len) == 0) {
                        if (v) {
                            v = NULL;
                            break;
                        }
                        v = &ctx->vars.v[i];
                    }
            }
            if (v && v->def->type == CMD_VAR_ENUM) {
                char c[128];
                for (int i = 0; cmd_enum_choice(v->def->choices, i, c, sizeof c); i++)
                    if (strncmp(c, word, wlen) == 0)
                        cmd_strlist_add(l, c);
            } else if (v && v->def->type == CMD_VAR_BOOL) {
                if (strncmp("on", word, wlen) == 0)
                    cmd_strlist_add(l, "on");
                if (strncmp("off", word, wlen) == 0)
                    cmd_strlist_add(l, "off");
            }
        }
        break;
    case CMD_COMPLETE_REGISTER:
        complete_regs(ctx, word, wlen, word[0] == '$', l);
        break;
    case CMD_COMPLETE_ADDRESS:
        if (word[0] == '$')
            complete_regs(ctx, word, wlen, true, l);
        else if (ctx->has_env && ctx->env.symbol_names) {
            /* a symbol: the word after the last operator */
            const char *w = word + wlen;
            while (w > word && (isalnum((unsigned char)w[-1]) || w[-1] == '_' || w[-1] == '.'))
                w--;
            struct sym_match m = { l, word, (size_t)(w - word), w, wlen - (size_t)(w - word) };
            ctx->env.symbol_names(ctx->env.arg, add_symbol, &m);
        }
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
    char *text = cmd_strndup(line, cursor);
    if (!text)
        return 0;
    size_t ws = cursor;
    while (ws > 0 && !cmd_is_blank(text[ws - 1]))
        ws--;
    if (word_start)
        *word_start = ws;
    struct cmd_strlist l = { 0 };
    const char *t = cmd_skip_blanks(text);
    if (*t != '#')
        complete_in(ctx, text, ws, &l, 0);
    cmd_strlist_sort(&l);
    if (cb)
        for (size_t i = 0; i < l.n; i++)
            cb(arg, l.v[i]);
    size_t n = l.n;
    cmd_strlist_free(&l);
    free(text);
    return n;
}
