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

/* ---- expressions (expr.c) -----------------------------------------------
 * What gdb users type, C's operators with C's precedence:
 *     =                      assignment, to $register or *ADDRESS (print, set)
 *     ||  &&                 logical
 *     |  ^  &                bitwise
 *     ==  !=  <  >  <=  >=   comparisons (1 or 0)
 *     <<  >>                 shifts
 *     +  -                   arithmetic, modulo 2^64
 *     *  /  %                (division by zero is an error)
 *     -X ~X !X               unary
 *     *ADDR                  the 8 bytes at a linear address (a `long`)
 *     *(TYPE *)ADDR          as many bytes as the type: char, short, int,
 *                            long, long long, [un]signed ..., [u]int8_t ..
 *                            [u]int64_t
 *     (TYPE)X                truncated to the type (and sign-extended)
 *     &SYMBOL, &*ADDR        an address
 * Terms: numbers (gdb's rules, num.h), $register ($rax $eax $al $pc
 * $eflags $cr3 ...) and $N (value history) through the environment's
 * read_reg, SYMBOL and SYMBOL+OFF (its address, through the environment's
 * symbol lookup), 'c' (a character), ( EXPR ).
 * Errors (after "CMD: "):
 *   address expected / expression expected
 *   unknown register "$foo"
 *   no symbol "foo" in the guest's symbols
 *   "foo" is not a number, and no symbols are loaded (symbol-file FILE)
 *   bad expression "1 + ": term expected after '+'
 *   bad expression "1 2": unexpected "2"
 *   cannot access memory at address 0x...
 *   division by zero */
enum cmd_value_kind {
    CMD_VALUE_NUMBER,           /* print as a number */
    CMD_VALUE_CODE,             /* an address: a symbol, SYMBOL+N, $pc (print with <sym>) */
};
enum cmd_lvalue { CMD_LVALUE_NONE, CMD_LVALUE_REG, CMD_LVALUE_MEM };
struct cmd_value {
    uint64_t v;
    unsigned size;              /* bytes of its type (register, deref, cast); 0: a number */
    int is_signed;
    enum cmd_value_kind kind;
    enum cmd_lvalue lvalue;     /* where it came from, for assignment */
    char reg[16];               /* CMD_LVALUE_REG: the name, without '$' */
    uint64_t addr;              /* CMD_LVALUE_MEM: the address */
};
/* allow_assign: `=` may store (through the environment's writers). */
int cmd_eval(struct cmd_ctx *ctx, const char *expr, int allow_assign, struct cmd_value *out);
/* An expression used as an address (no assignment): "address expected"
 * when empty. */
int cmd_eval_addr(struct cmd_ctx *ctx, const char *expr, uint64_t *out);

#endif
