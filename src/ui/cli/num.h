/* num.h — the one number parser of scout's front ends, with gdb's rules,
 * shared by command-line options (--load, --entry, --mem, --poke ...) and
 * commands (break, x, poke, set depth ...):
 *
 *     0x1F, 0X1f    hexadecimal
 *     017           octal (a leading 0; "08" is not a number)
 *     15            decimal
 *
 * The whole string must be the number: no blanks, no sign (a leading '-'
 * is reported as negative, '+' as junk), no trailing characters; a value
 * that does not fit in 64 bits is an overflow.  Pure: nothing printed. */
#ifndef SCOUT_UI_CLI_NUM_H
#define SCOUT_UI_CLI_NUM_H

#include <stddef.h>
#include <stdint.h>

enum cmd_num_status {
    CMD_NUM_OK,
    CMD_NUM_EMPTY,             /* "" */
    CMD_NUM_JUNK,              /* "12z", "0x", "08", "--1", " 1" */
    CMD_NUM_OVERFLOW,          /* does not fit */
    CMD_NUM_NEGATIVE,          /* "-1" where only unsigned makes sense */
};

/* Whole string must be the number; returns an enum cmd_num_status. */
int cmd_parse_u64(const char *s, uint64_t *out);
int cmd_parse_i64(const char *s, int64_t *out);   /* optional leading - or + */

/* The number at the start of s (same rules, no sign); *end points after
 * it.  For options with a unit suffix ("64M").  CMD_NUM_OK or
 * CMD_NUM_OVERFLOW set *end; CMD_NUM_EMPTY / CMD_NUM_JUNK when s does not
 * start with a digit (or "0x" has no hex digit after it). */
int cmd_parse_u64_prefix(const char *s, uint64_t *out, const char **end);

/* A size: a number (the rules above) and an optional unit K, M or G
 * (powers of 1024, either case, optionally followed by "i" and/or "B":
 * 64M, 64MiB, 2g); a bare number counts `unit` bytes (1 for bytes,
 * 1 << 20 for --mem's MiB).  CMD_NUM_OVERFLOW when the bytes do not fit
 * in 64 bits (17179869185G), never a wrapped value. */
int cmd_parse_size(const char *s, uint64_t unit, uint64_t *out);

/* Seconds: decimal digits with an optional fraction ("10", "0.5", "1.");
 * no sign, exponent, hex or blanks.  CMD_NUM_OVERFLOW above max. */
int cmd_parse_seconds(const char *s, double max, double *out);

/* 0..15 for a hexadecimal digit, else -1. */
int cmd_hex_digit(int c);

/* Hex bytes "9090" or "0x9090" (an even number of digits) appended to
 * out[*n..max).  CMD_NUM_OK; CMD_NUM_JUNK (odd count, not hex, no
 * digits); CMD_NUM_OVERFLOW (more than max bytes in all).  *n is only
 * advanced on success. */
int cmd_parse_hex_bytes(const char *s, uint8_t *out, size_t max, size_t *n);

#endif
