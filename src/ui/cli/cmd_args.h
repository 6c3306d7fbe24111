/* cmd_args.h — argument helpers for command handlers: numbers, counts,
 * gdb-style /NFU format suffixes and a small address expression evaluator.
 *
 * Numbers follow gdb's rules (num.h): 0x hex, a leading 0 octal, decimal
 * otherwise.  The cmd_parse_* functions (num.h) only parse; the cmd_arg_*
 * ones also report the problem with cmd_error() and return -1. */
#ifndef SCOUT_UI_CMD_ARGS_H
#define SCOUT_UI_CMD_ARGS_H

#include <stdbool.h>
#include <stdint.h>

#include "ui/cli/num.h"

struct cmd_ctx;

/* Reporting versions.  Messages (after "CMD: "):
 *   number expected
 *   "12z" is not a number
 *   "99999999999999999999" is too large
 *   "-1" must not be negative
 *   5000 is out of range 0..1000                (cmd_arg_i64 bounds) */
int cmd_arg_u64(struct cmd_ctx *ctx, const char *s, uint64_t *out);
int cmd_arg_i64(struct cmd_ctx *ctx, const char *s, int64_t min, int64_t max,
                int64_t *out);

/* A count argument `[N]`: s == NULL leaves *out unchanged (the caller's
 * default).  Must be 1..max:
 *   count must be at least 1
 *   count 5000000 is too large (limit 1000000) */
int cmd_arg_count(struct cmd_ctx *ctx, const char *s, uint64_t max, uint64_t *out);

/* ---- /NFU ---------------------------------------------------------------
 * N count (decimal, 0 allowed), then letters in any order:
 * format x d u o t c a i s, size b h w g; a later letter of the same kind
 * wins (like gdb).  What is not given comes from *last; on success *last
 * becomes the format and size used (gdb remembers them between `x`
 * commands; after 's' the remembered size is b); the count is never
 * remembered.  Without a size letter, 'a' uses size g and 'c' size b.
 * Errors (after "CMD: "):
 *   bad format "/4q": unknown letter 'q'
 *   bad format "/": empty
 *   count 99999999 is too large (limit 4096) */
struct cmd_fmt {
    uint64_t count;
    char format;               /* x d u o t c a i s */
    char size;                 /* b h w g */
};
void cmd_fmt_init(struct cmd_fmt *f);              /* count 1, 'x', 'w' */
/* suffix is "" (nothing given: *last with count 1) or "/..." */
int cmd_parse_fmt(struct cmd_ctx *ctx, const char *suffix, uint64_t max_count,
                  struct cmd_fmt *last, struct cmd_fmt *out);
unsigned cmd_fmt_size_bytes(char size);            /* b1 h2 w4 g8, else 0 */

/* ---- address expressions ------------------------------------------------
 * TERM {(+|-) TERM}, with an optional leading '-'; TERM is a number or
 * $register (read through cmd_set_regs' callback).  Arithmetic wraps
 * modulo 2^64.  Errors (after "CMD: "):
 *   address expected
 *   unknown register "$foo"
 *   bad expression "1 + ": term expected after '+'
 *   bad expression "1 2": unexpected "2" */
int cmd_eval_addr(struct cmd_ctx *ctx, const char *expr, uint64_t *out);

#endif
