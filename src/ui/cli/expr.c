/* expr.c — expressions as gdb users type them, for every command that
 * takes an address or a value (break, x, p, set $reg, condition ...).
 * See cmd_args.h for the language; values come from the context's
 * expression environment (cmd_set_expr_env). */
#include "ui/cli/cli_priv.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>

#include "ui/cli/cmd_args.h"

#define MAX_NEST 64             /* parentheses and unary operators */

struct parser {
    struct cmd_ctx *ctx;
    const struct cmd_expr_env *env;
    const char *s, *p, *end;    /* the expression, the cursor, its end */
    int allow_assign;
    int nest;
    int failed;
};

static int fail(struct parser *ps, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct parser *ps, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (!ps->failed)
        cmd_error(ps->ctx, "%s", msg);
    ps->failed = 1;
    return -1;
}

static int bad(struct parser *ps, const char *why)
{
    return fail(ps, "bad expression \"%.*s\": %s", (int)(ps->end - ps->s), ps->s, why);
}

static void skip(struct parser *ps)
{
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t'))
        ps->p++;
}

/* Consumes op if it is next (and not the start of a longer operator). */
static int take(struct parser *ps, const char *op)
{
    size_t n = strlen(op);
    skip(ps);
    if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, op, n) != 0)
        return 0;
    const char *after = ps->p + n;
    if (after < ps->end) {
        /* "<" is not "<<" or "<=", "&" not "&&", "=" not "==", "|" not "||" */
        if ((n == 1 && strchr("<>&|=!", op[0]) && (*after == op[0] || *after == '=') && op[0] != '!') ||
            (n == 1 && op[0] == '!' && *after == '='))
            return 0;
        if (n == 2 && (op[0] == '<' || op[0] == '>') && op[1] == op[0] && *after == '=')
            return 0;
    }
    ps->p = after;
    return 1;
}

static int is_ident_start(char c) { return isalpha((unsigned char)c) || c == '_' || c == '.'; }
static int is_ident(char c) { return isalnum((unsigned char)c) || c == '_' || c == '.' || c == '$' || c == '@'; }

/* ── values ──────────────────────────────────────────────────────────── */

static uint64_t mask_of(unsigned size) { return size >= 8 || size == 0 ? UINT64_MAX : (UINT64_C(1) << (size * 8)) - 1; }

/* The value as the type says: truncated, and sign-extended when signed. */
static void normalize(struct cmd_value *v)
{
    if (!v->size || v->size >= 8)
        return;
    v->v &= mask_of(v->size);
    if (v->is_signed && (v->v >> (v->size * 8 - 1)))
        v->v |= ~mask_of(v->size);
}

static void plain(struct cmd_value *v, uint64_t x)
{
    memset(v, 0, sizeof *v);
    v->v = x;
}

/* ── types: (int *), (unsigned char), (uint32_t *) ... ───────────────── */

struct ctype { const char *name; unsigned size; int is_signed; };
static const struct ctype ctypes[] = {
    { "char", 1, 1 }, { "signed char", 1, 1 }, { "unsigned char", 1, 0 },
    { "short", 2, 1 }, { "unsigned short", 2, 0 }, { "int", 4, 1 }, { "unsigned int", 4, 0 },
    { "unsigned", 4, 0 }, { "long", 8, 1 }, { "unsigned long", 8, 0 }, { "long long", 8, 1 },
    { "unsigned long long", 8, 0 }, { "int8_t", 1, 1 }, { "uint8_t", 1, 0 }, { "int16_t", 2, 1 },
    { "uint16_t", 2, 0 }, { "int32_t", 4, 1 }, { "uint32_t", 4, 0 }, { "int64_t", 8, 1 },
    { "uint64_t", 8, 0 },
};

/* At '(': a type name, optional '*', ')'.  1 and *t, *ptr filled and the
 * cursor moved; 0 if what follows is not a type (cursor unchanged). */
static int parse_type(struct parser *ps, const struct ctype **t, int *ptr)
{
    const char *save = ps->p;
    char words[64] = "";
    size_t wl = 0;
    if (!take(ps, "("))
        return 0;
    for (;;) {
        skip(ps);
        const char *w = ps->p;
        while (ps->p < ps->end && (isalnum((unsigned char)*ps->p) || *ps->p == '_'))
            ps->p++;
        size_t n = (size_t)(ps->p - w);
        if (!n)
            break;
        if (wl + n + 2 > sizeof words) {
            ps->p = save;
            return 0;
        }
        if (wl)
            words[wl++] = ' ';
        memcpy(words + wl, w, n);
        wl += n;
        words[wl] = 0;
    }
    *ptr = take(ps, "*");
    *t = NULL;
    for (size_t i = 0; i < sizeof ctypes / sizeof ctypes[0]; i++)
        if (strcmp(ctypes[i].name, words) == 0)
            *t = &ctypes[i];
    if (!*t || !take(ps, ")")) {
        ps->p = save;
        return 0;
    }
    return 1;
}

/* ── terms ───────────────────────────────────────────────────────────── */

static int parse_assign(struct parser *ps, struct cmd_value *v);
static int parse_unary(struct parser *ps, struct cmd_value *v);

static int parse_number(struct parser *ps, struct cmd_value *v)
{
    const char *s = ps->p;
    while (ps->p < ps->end && (isalnum((unsigned char)*ps->p) || *ps->p == '_'))
        ps->p++;
    char tok[128];
    size_t tl = (size_t)(ps->p - s);
    if (tl >= sizeof tok)
        tl = sizeof tok - 1;
    memcpy(tok, s, tl);
    tok[tl] = 0;
    uint64_t x;
    int st = cmd_parse_u64(tok, &x);
    if (st == CMD_NUM_OVERFLOW)
        return fail(ps, "\"%s\" is too large", tok);
    if (st != CMD_NUM_OK)
        return fail(ps, "\"%s\" is not a number", tok);
    plain(v, x);
    v->is_signed = x <= INT64_MAX;      /* as gdb types literals: long, or unsigned long */
    return 0;
}

static int parse_register(struct parser *ps, struct cmd_value *v)
{
    const char *s = ps->p++;            /* '$' */
    while (ps->p < ps->end && (isalnum((unsigned char)*ps->p) || *ps->p == '_'))
        ps->p++;
    size_t nlen = (size_t)(ps->p - s - 1);
    char name[16];
    uint64_t x;
    unsigned bits = 64;
    if (nlen == 0)
        return bad(ps, "register name expected after '$'");
    if (nlen >= sizeof name || !ps->env || !ps->env->read_reg)
        return fail(ps, "unknown register \"%.*s\"", (int)(ps->p - s), s);
    memcpy(name, s + 1, nlen);
    name[nlen] = 0;
    if (ps->env->read_reg(ps->env->arg, name, &x, &bits) != 0) {
        if (isdigit((unsigned char)name[0]))
            return fail(ps, "history is empty or has no value %s", s);
        return fail(ps, "unknown register \"%.*s\"", (int)(ps->p - s), s);
    }
    plain(v, x);
    v->size = bits >= 64 || bits == 0 ? 8 : (bits + 7) / 8;
    v->is_signed = 1;
    v->lvalue = CMD_LVALUE_REG;
    snprintf(v->reg, sizeof v->reg, "%.15s", name);
    if (!strcmp(name, "pc") || !strcmp(name, "rip") || !strcmp(name, "eip") || !strcmp(name, "ip"))
        v->kind = CMD_VALUE_CODE;
    return 0;
}

static int parse_symbol(struct parser *ps, struct cmd_value *v)
{
    const char *s = ps->p;
    while (ps->p < ps->end && is_ident(*ps->p))
        ps->p++;
    char name[256];
    size_t n = (size_t)(ps->p - s);
    uint64_t a;
    if (n >= sizeof name)
        return fail(ps, "symbol name too long");
    memcpy(name, s, n);
    name[n] = 0;
    if (!ps->env || !ps->env->symbol)
        return fail(ps, "\"%s\" is not a number", name);
    int r = ps->env->symbol(ps->env->arg, name, &a);
    if (r == CMD_SYMBOL_NONE_LOADED)
        return fail(ps, "\"%s\" is not a number, and no symbols are loaded (symbol-file FILE)", name);
    if (r != 0)
        return fail(ps, "no symbol \"%s\" in the guest's symbols", name);
    plain(v, a);
    v->kind = CMD_VALUE_CODE;
    return 0;
}

/* *ADDR, *(TYPE *)ADDR: the memory there. */
static int deref(struct parser *ps, const struct cmd_value *addr, unsigned size, int is_signed, struct cmd_value *v)
{
    uint8_t b[8] = {0};
    if (!ps->env || !ps->env->read_mem)
        return fail(ps, "cannot read memory here");
    if (ps->env->read_mem(ps->env->arg, addr->v, b, size) != 0)
        return fail(ps, "cannot access memory at address 0x%" PRIx64, addr->v);
    plain(v, 0);
    for (unsigned i = 0; i < size; i++)
        v->v |= (uint64_t)b[i] << (8 * i);
    v->size = size;
    v->is_signed = is_signed;
    v->lvalue = CMD_LVALUE_MEM;
    v->addr = addr->v;
    normalize(v);
    return 0;
}

static int parse_primary(struct parser *ps, struct cmd_value *v)
{
    skip(ps);
    if (ps->p == ps->end)
        return -2;                      /* no term: the caller says where */
    char c = *ps->p;
    if (c == '$')
        return parse_register(ps, v);
    if (isdigit((unsigned char)c))
        return parse_number(ps, v);
    if (is_ident_start(c))
        return parse_symbol(ps, v);
    if (c == '\'' && ps->end - ps->p >= 3 && ps->p[2] == '\'') {
        plain(v, (unsigned char)ps->p[1]);
        v->size = 1;
        v->is_signed = 1;
        ps->p += 3;
        return 0;
    }
    if (c == '(') {
        if (++ps->nest > MAX_NEST)
            return bad(ps, "nested too deeply");
        ps->p++;
        if (parse_assign(ps, v) != 0)
            return -1;
        ps->nest--;
        if (!take(ps, ")"))
            return bad(ps, "')' expected");
        return 0;
    }
    return -2;
}

static int term_missing(struct parser *ps, const char *after)
{
    if (ps->p < ps->end && !after)
        return fail(ps, "bad expression \"%.*s\": unexpected \"%.*s\"", (int)(ps->end - ps->s), ps->s,
                    (int)(ps->end - ps->p), ps->p);
    if (!after)
        return bad(ps, "term expected");
    char why[64];
    snprintf(why, sizeof why, "term expected after '%s'", after);
    return bad(ps, why);
}

static int unary_operand(struct parser *ps, const char *op, struct cmd_value *v)
{
    if (++ps->nest > MAX_NEST)
        return bad(ps, "nested too deeply");
    int r = parse_unary(ps, v);
    ps->nest--;
    if (r == -2)
        return term_missing(ps, op);
    return r;
}

static int parse_unary(struct parser *ps, struct cmd_value *v)
{
    const struct ctype *t;
    int ptr;
    skip(ps);
    if (take(ps, "-")) {
        if (unary_operand(ps, "-", v))
            return -1;
        plain(v, (uint64_t)0 - v->v);
        v->is_signed = 1;
        return 0;
    }
    if (take(ps, "+"))
        return unary_operand(ps, "+", v);
    if (take(ps, "~")) {
        if (unary_operand(ps, "~", v))
            return -1;
        unsigned size = v->size;
        plain(v, ~v->v);
        v->size = size;
        normalize(v);
        return 0;
    }
    if (take(ps, "!")) {
        if (unary_operand(ps, "!", v))
            return -1;
        plain(v, v->v == 0);
        return 0;
    }
    if (take(ps, "&")) {
        /* &SYMBOL (its address, as the symbol alone), &*ADDR */
        if (unary_operand(ps, "&", v))
            return -1;
        if (v->lvalue == CMD_LVALUE_REG)
            return fail(ps, "cannot take the address of a register");
        uint64_t a = v->lvalue == CMD_LVALUE_MEM ? v->addr : v->v;
        plain(v, a);
        v->kind = CMD_VALUE_CODE;
        return 0;
    }
    if (take(ps, "*")) {
        skip(ps);
        unsigned size = 8;
        int is_signed = 1;
        if (parse_type(ps, &t, &ptr)) {
            if (!ptr)
                return bad(ps, "a pointer type expected after '*': *(int *)ADDRESS");
            size = t->size;
            is_signed = t->is_signed;
        }
        struct cmd_value a;
        if (unary_operand(ps, "*", &a))
            return -1;
        return deref(ps, &a, size, is_signed, v);
    }
    if (ps->p < ps->end && *ps->p == '(' && parse_type(ps, &t, &ptr)) {
        /* a cast: (int)X truncates and extends; (int *)X is an address */
        if (unary_operand(ps, ")", v))
            return -1;
        uint64_t x = v->v;
        plain(v, x);
        if (!ptr) {
            v->size = t->size;
            v->is_signed = t->is_signed;
            normalize(v);
        }
        return 0;
    }
    return parse_primary(ps, v);
}

/* ── binary operators, by precedence ─────────────────────────────────── */

static const struct level {
    const char *ops[4];
} levels[] = {
    { { "||" } }, { { "&&" } }, { { "|" } }, { { "^" } }, { { "&" } }, { { "==", "!=" } },
    { { "<=", ">=", "<", ">" } }, { { "<<", ">>" } }, { { "+", "-" } }, { { "*", "/", "%" } },
};
#define NLEVELS (sizeof levels / sizeof levels[0])

static int both_signed(const struct cmd_value *a, const struct cmd_value *b) { return a->is_signed && b->is_signed; }

static int apply(struct parser *ps, const char *op, struct cmd_value *a, const struct cmd_value *b)
{
    uint64_t x = a->v, y = b->v, r;
    int sg = both_signed(a, b);
    switch (op[0] == op[1] && op[0] != '=' ? op[0] | 0x100 : op[1] == '=' ? op[0] | 0x200 : op[0]) {
    case '|' | 0x100: r = x || y; break;
    case '&' | 0x100: r = x && y; break;
    case '|': r = x | y; break;
    case '^': r = x ^ y; break;
    case '&': r = x & y; break;
    case '=' | 0x200: r = x == y; break;
    case '!' | 0x200: r = x != y; break;
    case '<' | 0x200: r = sg ? (int64_t)x <= (int64_t)y : x <= y; break;
    case '>' | 0x200: r = sg ? (int64_t)x >= (int64_t)y : x >= y; break;
    case '<': r = sg ? (int64_t)x < (int64_t)y : x < y; break;
    case '>': r = sg ? (int64_t)x > (int64_t)y : x > y; break;
    case '<' | 0x100: r = y >= 64 ? 0 : x << y; break;
    case '>' | 0x100: r = y >= 64 ? (sg && (int64_t)x < 0 ? UINT64_MAX : 0) : sg ? (uint64_t)((int64_t)x >> y) : x >> y; break;
    case '+': r = x + y; break;
    case '-': r = x - y; break;
    case '*': r = x * y; break;
    case '/':
    case '%':
        if (y == 0)
            return fail(ps, "division by zero");
        if (sg && (int64_t)y == -1)
            r = op[0] == '/' ? (uint64_t)0 - x : 0;  /* no INT64_MIN / -1 trap */
        else if (sg)
            r = op[0] == '/' ? (uint64_t)((int64_t)x / (int64_t)y) : (uint64_t)((int64_t)x % (int64_t)y);
        else
            r = op[0] == '/' ? x / y : x % y;
        break;
    default:
        return bad(ps, "unknown operator");
    }
    int keep_code = (op[0] == '+' || op[0] == '-') && op[1] == 0 && a->kind == CMD_VALUE_CODE;
    plain(a, r);
    a->is_signed = sg;
    if (keep_code)
        a->kind = CMD_VALUE_CODE;       /* main+4 is still a code address */
    return 0;
}

static int parse_level(struct parser *ps, size_t lvl, struct cmd_value *v)
{
    if (lvl == NLEVELS) {
        int r = parse_unary(ps, v);
        return r == -2 ? term_missing(ps, NULL) : r;
    }
    if (parse_level(ps, lvl + 1, v) != 0)
        return -1;
    for (;;) {
        const char *op = NULL;
        for (int i = 0; i < 4 && levels[lvl].ops[i]; i++)
            if (take(ps, levels[lvl].ops[i])) {
                op = levels[lvl].ops[i];
                break;
            }
        if (!op)
            return 0;
        struct cmd_value b;
        if (lvl + 1 == NLEVELS) {
            int r = parse_unary(ps, &b);
            if (r == -2)
                return term_missing(ps, op);
            if (r)
                return -1;
        } else {
            skip(ps);
            if (ps->p == ps->end)
                return term_missing(ps, op);
            if (parse_level(ps, lvl + 1, &b) != 0)
                return -1;
        }
        if (apply(ps, op, v, &b) != 0)
            return -1;
    }
}

static int assign(struct parser *ps, struct cmd_value *lhs, const struct cmd_value *rhs)
{
    char err[256] = "";
    const struct cmd_expr_env *env = ps->env;
    if (!ps->allow_assign)
        return bad(ps, "assignment is not allowed here");
    if (lhs->lvalue == CMD_LVALUE_REG) {
        if (!env || !env->write_reg || env->write_reg(env->arg, lhs->reg, rhs->v, err, sizeof err) != 0)
            return fail(ps, "cannot set $%s%s%s", lhs->reg, *err ? ": " : "", err);
        uint64_t x;
        unsigned bits = 64;
        if (env->read_reg(env->arg, lhs->reg, &x, &bits) == 0)
            lhs->v = x;
        return 0;
    }
    if (lhs->lvalue == CMD_LVALUE_MEM) {
        uint8_t b[8];
        for (unsigned i = 0; i < lhs->size; i++)
            b[i] = (uint8_t)(rhs->v >> (8 * i));
        if (!env || !env->write_mem || env->write_mem(env->arg, lhs->addr, b, lhs->size, err, sizeof err) != 0)
            return fail(ps, "cannot write memory at address 0x%" PRIx64 "%s%s", lhs->addr, *err ? ": " : "", err);
        lhs->v = rhs->v;
        normalize(lhs);
        return 0;
    }
    return bad(ps, "left of '=' must be a $register or *ADDRESS");
}

static int parse_assign(struct parser *ps, struct cmd_value *v)
{
    if (parse_level(ps, 0, v) != 0)
        return -1;
    if (!take(ps, "="))
        return 0;
    struct cmd_value rhs;
    skip(ps);
    if (ps->p == ps->end)
        return term_missing(ps, "=");
    if (parse_assign(ps, &rhs) != 0)
        return -1;
    return assign(ps, v, &rhs);
}

int cmd_eval(struct cmd_ctx *ctx, const char *expr, int allow_assign, struct cmd_value *out)
{
    if (!expr)
        expr = "";
    while (*expr == ' ' || *expr == '\t')
        expr++;
    size_t elen = strlen(expr);
    while (elen > 0 && (expr[elen - 1] == ' ' || expr[elen - 1] == '\t'))
        elen--;
    if (elen == 0)
        return cmd_error(ctx, "expression expected");
    struct parser ps = { ctx, cmd_get_expr_env(ctx), expr, expr, expr + elen, allow_assign, 0, 0 };
    struct cmd_value v;
    if (parse_assign(&ps, &v) != 0)
        return -1;
    skip(&ps);
    if (ps.p != ps.end) {
        if (*ps.p == ')')
            return bad(&ps, "unbalanced ')'");
        return fail(&ps, "bad expression \"%.*s\": unexpected \"%.*s\"", (int)elen, expr, (int)(ps.end - ps.p), ps.p);
    }
    *out = v;
    return 0;
}

int cmd_eval_addr(struct cmd_ctx *ctx, const char *expr, uint64_t *out)
{
    struct cmd_value v;
    const char *p = expr ? expr : "";
    while (*p == ' ' || *p == '\t')
        p++;
    if (!*p)
        return cmd_error(ctx, "address expected");
    if (cmd_eval(ctx, p, 0, &v) != 0)
        return -1;
    *out = v.v;
    return 0;
}
