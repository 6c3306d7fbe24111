/* cmd_args.c — argument helpers for command handlers.  See cmd_args.h. */
#include "ui/cli/cmd_args.h"
#include "ui/cli/command.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static int report(struct cmd_ctx *ctx, int st, const char *s)
{
    switch (st) {
    case CMD_NUM_EMPTY:
        return cmd_error(ctx, "number expected");
    case CMD_NUM_OVERFLOW:
        return cmd_error(ctx, "\"%s\" is too large", s);
    case CMD_NUM_NEGATIVE:
        return cmd_error(ctx, "\"%s\" must not be negative", s);
    default:
        return cmd_error(ctx, "\"%s\" is not a number", s);
    }
}

int cmd_arg_u64(struct cmd_ctx *ctx, const char *s, uint64_t *out)
{
    uint64_t v;
    int st = cmd_parse_u64(s, &v);
    if (st != CMD_NUM_OK)
        return report(ctx, st, s);
    *out = v;
    return 0;
}

int cmd_arg_i64(struct cmd_ctx *ctx, const char *s, int64_t min, int64_t max, int64_t *out)
{
    int64_t v;
    int st = cmd_parse_i64(s, &v);
    if (st != CMD_NUM_OK)
        return report(ctx, st, s);
    if (v < min || v > max)
        return cmd_error(ctx, "%" PRId64 " is out of range %" PRId64 "..%" PRId64, v, min, max);
    *out = v;
    return 0;
}

int cmd_arg_count(struct cmd_ctx *ctx, const char *s, uint64_t max, uint64_t *out)
{
    uint64_t v;
    if (!s)
        return 0;
    int st = cmd_parse_u64(s, &v);
    if (st == CMD_NUM_OVERFLOW)
        return cmd_error(ctx, "count %s is too large (limit %" PRIu64 ")", s, max);
    if (st != CMD_NUM_OK)
        return report(ctx, st, s);
    if (v == 0)
        return cmd_error(ctx, "count must be at least 1");
    if (v > max)
        return cmd_error(ctx, "count %" PRIu64 " is too large (limit %" PRIu64 ")", v, max);
    *out = v;
    return 0;
}

/* ---- /NFU ---------------------------------------------------------------- */

void cmd_fmt_init(struct cmd_fmt *f)
{
    f->count = 1;
    f->format = 'x';
    f->size = 'w';
}

unsigned cmd_fmt_size_bytes(char size)
{
    switch (size) {
    case 'b': return 1;
    case 'h': return 2;
    case 'w': return 4;
    case 'g': return 8;
    default: return 0;
    }
}

int cmd_parse_fmt(struct cmd_ctx *ctx, const char *suffix, uint64_t max_count,
                  struct cmd_fmt *last, struct cmd_fmt *out)
{
    struct cmd_fmt r = *last;
    r.count = 1;
    if (!suffix || !*suffix) {
        *out = r;
        return 0;
    }
    if (suffix[0] != '/')
        return cmd_error(ctx, "bad format \"%s\": must start with '/'", suffix);
    const char *p = suffix + 1;
    if (!*p)
        return cmd_error(ctx, "bad format \"%s\": empty", suffix);
    if (isdigit((unsigned char)*p)) {
        const char *s = p;
        uint64_t v = 0;
        bool big = false;
        while (isdigit((unsigned char)*p)) {
            unsigned d = (unsigned)(*p - '0');
            if (v > (UINT64_MAX - d) / 10)
                big = true;
            else
                v = v * 10 + d;
            p++;
        }
        if (big)
            return cmd_error(ctx, "count %.*s is too large (limit %" PRIu64 ")",
                             (int)(p - s), s, max_count);
        if (v > max_count)
            return cmd_error(ctx, "count %" PRIu64 " is too large (limit %" PRIu64 ")", v, max_count);
        r.count = v;
    }
    char fmt = 0, size = 0;
    for (; *p; p++) {
        if (*p && strchr("xduotcais", *p))
            fmt = *p;
        else if (*p && strchr("bhwg", *p))
            size = *p;
        else if (isprint((unsigned char)*p))
            return cmd_error(ctx, "bad format \"%s\": unknown letter '%c'", suffix, *p);
        else
            return cmd_error(ctx, "bad format: unknown byte 0x%02x", (unsigned char)*p);
    }
    if (fmt)
        r.format = fmt;
    if (size)
        r.size = size;
    else if (fmt == 'a')
        r.size = 'g';
    else if (fmt == 'c')
        r.size = 'b';
    last->format = r.format;
    last->size = r.format == 's' ? 'b' : r.size;
    *out = r;
    return 0;
}
