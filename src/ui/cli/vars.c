/* vars.c — session variables (set VAR VALUE / show [VAR]): registration,
 * parsing values by type, readers, the text `show` prints.  See
 * command.h. */
#include "ui/cli/cli_priv.h"

#include <inttypes.h>
#include <stdio.h>

#include "ui/cli/num.h"

static struct cmd_var *var_find(const struct cmd_ctx *ctx, const char *name, size_t len)
{
    for (size_t i = 0; i < ctx->vars.n; i++)
        if (strlen(ctx->vars.v[i].def->name) == len && memcmp(ctx->vars.v[i].def->name, name, len) == 0)
            return &ctx->vars.v[i];
    return NULL;
}

static const struct cmd_var *var_get(const struct cmd_ctx *ctx, const char *name, enum cmd_var_type t)
{
    if (!name)
        return NULL;
    const struct cmd_var *v = var_find(ctx, name, strlen(name));
    return v && v->def->type == t ? v : NULL;
}

bool cmd_enum_choice(const char *choices, int i, char *buf, size_t size)
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
    for (int i = 0; cmd_enum_choice(choices, i, c, sizeof c) && used < size; i++) {
        int k = snprintf(buf + used, size - used, "%s%s", i ? ", " : "", c);
        if (k < 0)
            break;
        used += (size_t)k;
    }
}

int cmd_var_assign(struct cmd_ctx *ctx, struct cmd_var *v, const char *value, bool dry)
{
    const struct cmd_var_def *d = v->def;
    const char *name = d->name;
    value = cmd_skip_blanks(value ? value : "");
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
        for (int i = 0; i < n && cmd_enum_choice(d->choices, i, c, sizeof c); i++) {
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
            for (int i = 0; i < n && cmd_enum_choice(d->choices, i, c, sizeof c); i++) {
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
            if (*cmd_skip_blanks(p + 1)) {
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
        if (cmd_split_name(defs[i].name, w, wl, 1) != 1)
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
        struct cmd_var tmp = { .def = &defs[i] };
        if (cmd_var_assign(ctx, &tmp, defs[i].init, true) < 0)
            return cmd_error(ctx, "cannot register variable \"%s\": bad initial value", name);
    }
    if (VEC_RESERVE(&ctx->vars, ctx->vars.n + n) != 0)
        return cmd_error(ctx, "cannot register variables: out of memory");
    for (size_t i = 0; i < n; i++) {
        struct cmd_var v = { .def = &defs[i] };
        if (cmd_var_assign(ctx, &v, defs[i].init, false) < 0)
            return -1;          /* cannot happen after the dry run, except OOM */
        size_t at = ctx->vars.n;
        while (at > 0 && strcmp(ctx->vars.v[at - 1].def->name, v.def->name) > 0)
            at--;
        memmove(ctx->vars.v + at + 1, ctx->vars.v + at, (ctx->vars.n - at) * sizeof v);
        ctx->vars.v[at] = v;
        ctx->vars.n++;
    }
    return 0;
}

int cmd_var_set(struct cmd_ctx *ctx, const char *name, const char *value)
{
    struct cmd_var *v = name ? var_find(ctx, name, strlen(name)) : NULL;
    if (!v)
        return cmd_error(ctx, "unknown variable \"%s\"; try \"show\"", name ? name : "");
    if (cmd_var_assign(ctx, v, value, false) < 0)
        return -1;
    unsigned long errors = ctx->nerrors;
    if (v->def->changed)
        v->def->changed(ctx, v->def->name, v->def->arg);
    return ctx->nerrors != errors ? -1 : 0;     /* (the change was refused: the callback said why) */
}

int64_t cmd_var_int(const struct cmd_ctx *ctx, const char *name)
{
    const struct cmd_var *v = var_get(ctx, name, CMD_VAR_INT);
    return v ? v->ival : 0;
}

bool cmd_var_bool(const struct cmd_ctx *ctx, const char *name)
{
    const struct cmd_var *v = var_get(ctx, name, CMD_VAR_BOOL);
    return v ? v->bval : false;
}

int cmd_var_enum_index(const struct cmd_ctx *ctx, const char *name)
{
    const struct cmd_var *v = var_get(ctx, name, CMD_VAR_ENUM);
    return v ? v->eidx : -1;
}

const char *cmd_var_enum(const struct cmd_ctx *ctx, const char *name)
{
    const struct cmd_var *v = var_get(ctx, name, CMD_VAR_ENUM);
    if (!v)
        return NULL;
    /* points into the choices string: "stop|continue" -> "stop" needs a
     * terminator, so keep the formatted copy in sval */
    char buf[128];
    if (!cmd_enum_choice(v->def->choices, v->eidx, buf, sizeof buf))
        return NULL;
    struct cmd_var *mv = (struct cmd_var *)v;
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
    const struct cmd_var *v = var_get(ctx, name, CMD_VAR_STRING);
    return v ? (v->sval ? v->sval : "") : NULL;
}

void cmd_var_text(const struct cmd_var *v, char *buf, size_t size)
{
    switch (v->def->type) {
    case CMD_VAR_INT:
        snprintf(buf, size, "%" PRId64, v->ival);
        break;
    case CMD_VAR_BOOL:
        snprintf(buf, size, "%s", v->bval ? "on" : "off");
        break;
    case CMD_VAR_ENUM:
        if (!cmd_enum_choice(v->def->choices, v->eidx, buf, size))
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
    const struct cmd_var *v = name ? var_find(ctx, name, strlen(name)) : NULL;
    if (!v || !size)
        return NULL;
    cmd_var_text(v, buf, size);
    return buf;
}

struct cmd_var *cmd_var_lookup(struct cmd_ctx *ctx, const char *name, size_t len)
{
    struct cmd_var *ex = var_find(ctx, name, len);
    if (ex)
        return ex;
    struct cmd_strlist c = { 0 };
    struct cmd_var *found = NULL;
    for (size_t i = 0; i < ctx->vars.n; i++)
        if (strncmp(ctx->vars.v[i].def->name, name, len) == 0) {
            found = &ctx->vars.v[i];
            cmd_strlist_add(&c, found->def->name);
        }
    if (c.n == 1) {
        cmd_strlist_free(&c);
        return found;
    }
    if (c.n == 0) {
        cmd_error(ctx, "unknown variable \"%.*s\"; try \"show\"", (int)len, name);
    } else {
        char list[512];
        cmd_strlist_join(&c, list, sizeof list);
        cmd_error(ctx, "ambiguous variable \"%.*s\": %s", (int)len, name, list);
    }
    cmd_strlist_free(&c);
    return NULL;
}

void cmd_vars_free(struct cmd_ctx *ctx)
{
    for (size_t i = 0; i < ctx->vars.n; i++)
        free(ctx->vars.v[i].sval);
    VEC_FREE(&ctx->vars);
}
