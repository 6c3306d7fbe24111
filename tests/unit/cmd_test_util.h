/* cmd_test_util.h — shared by the command/script unit tests: an output
 * sink that captures CMD_OUT and CMD_ERR text separately. */
#ifndef SCOUT_TEST_CMD_UTIL_H
#define SCOUT_TEST_CMD_UTIL_H
#include "ui/cli/command.h"
#include <stdlib.h>
#include <string.h>

struct capture {
    char out[65536], err[65536];
    size_t olen, elen;
};

static void capture_sink(void *arg, enum cmd_stream stream, const char *text, size_t len)
{
    struct capture *c = arg;
    char *buf = stream == CMD_OUT ? c->out : c->err;
    size_t *n = stream == CMD_OUT ? &c->olen : &c->elen;
    if (*n + len >= sizeof c->out)
        len = sizeof c->out - 1 - *n;
    memcpy(buf + *n, text, len);
    *n += len;
    buf[*n] = 0;
}

static void capture_reset(struct capture *c)
{
    c->olen = c->elen = 0;
    c->out[0] = c->err[0] = 0;
}

static struct cmd_ctx *new_ctx(struct capture *c)
{
    struct cmd_ctx *ctx = cmd_ctx_new();
    capture_reset(c);
    if (ctx)
        cmd_set_output(ctx, capture_sink, c);
    return ctx;
}
#endif
