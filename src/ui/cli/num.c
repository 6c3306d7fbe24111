/* num.c — the number parser with gdb's rules.  See num.h. */
#include "ui/cli/num.h"

int cmd_hex_digit(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int cmd_parse_u64_prefix(const char *s, uint64_t *out, const char **end)
{
    if (!s || !*s)
        return CMD_NUM_EMPTY;
    const char *p = s;
    unsigned base = 10;
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
        base = 16;
        p += 2;
    } else if (p[0] == '0') {
        base = 8;               /* the 0 itself is an octal digit */
    }
    const char *digits = p;
    uint64_t v = 0;
    int over = 0;
    for (;; p++) {
        int d = cmd_hex_digit((unsigned char)*p);
        if (d < 0 || (unsigned)d >= base)
            break;
        if (v > (UINT64_MAX - (unsigned)d) / base)
            over = 1;
        else
            v = v * base + (unsigned)d;
    }
    if (p == digits)
        return CMD_NUM_JUNK;
    if (end)
        *end = p;
    if (over)
        return CMD_NUM_OVERFLOW;
    *out = v;
    return CMD_NUM_OK;
}

/* The whole of s is an unsigned number (junk wins over overflow). */
static int parse_whole(const char *s, uint64_t *out)
{
    const char *end = s;
    uint64_t v = 0;
    int st = cmd_parse_u64_prefix(s, &v, &end);
    if (st == CMD_NUM_EMPTY || st == CMD_NUM_JUNK || *end)
        return st == CMD_NUM_EMPTY ? CMD_NUM_EMPTY : CMD_NUM_JUNK;
    if (st == CMD_NUM_OK)
        *out = v;
    return st;
}

int cmd_parse_u64(const char *s, uint64_t *out)
{
    if (!s || !*s)
        return CMD_NUM_EMPTY;
    if (*s == '-') {
        uint64_t dummy;
        int st = parse_whole(s + 1, &dummy);
        return st == CMD_NUM_OK || st == CMD_NUM_OVERFLOW ? CMD_NUM_NEGATIVE : CMD_NUM_JUNK;
    }
    return parse_whole(s, out);
}

int cmd_parse_i64(const char *s, int64_t *out)
{
    if (!s || !*s)
        return CMD_NUM_EMPTY;
    int neg = 0;
    if (*s == '-' || *s == '+') {
        neg = *s == '-';
        s++;
    }
    uint64_t m = 0;
    int st = parse_whole(s, &m);
    if (st == CMD_NUM_EMPTY)
        return CMD_NUM_JUNK;    /* a lone sign */
    if (st != CMD_NUM_OK)
        return st;
    if (neg) {
        if (m > (uint64_t)INT64_MAX + 1)
            return CMD_NUM_OVERFLOW;
        *out = m == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)m;
    } else {
        if (m > (uint64_t)INT64_MAX)
            return CMD_NUM_OVERFLOW;
        *out = (int64_t)m;
    }
    return CMD_NUM_OK;
}

int cmd_parse_hex_bytes(const char *s, uint8_t *out, size_t max, size_t *n)
{
    if (!s)
        return CMD_NUM_JUNK;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
        s += 2;
    size_t len = 0;
    for (; s[len]; len++)
        if (cmd_hex_digit((unsigned char)s[len]) < 0)
            return CMD_NUM_JUNK;
    if (len == 0 || len % 2)
        return CMD_NUM_JUNK;
    if (*n > max || len / 2 > max - *n)
        return CMD_NUM_OVERFLOW;
    for (size_t k = 0; k < len; k += 2)
        out[(*n)++] = (uint8_t)(cmd_hex_digit((unsigned char)s[k]) << 4 | cmd_hex_digit((unsigned char)s[k + 1]));
    return CMD_NUM_OK;
}

int cmd_parse_size(const char *s, uint64_t unit, uint64_t *out)
{
    const char *end = s;
    uint64_t x = 0, mul = unit;
    if (!s || !*s)
        return CMD_NUM_EMPTY;
    if (*s == '-')
        return CMD_NUM_NEGATIVE;
    int st = cmd_parse_u64_prefix(s, &x, &end);
    if (st == CMD_NUM_EMPTY || st == CMD_NUM_JUNK)
        return st;
    switch (*end) {
    case 'K': case 'k': mul = 1ull << 10; end++; break;
    case 'M': case 'm': mul = 1ull << 20; end++; break;
    case 'G': case 'g': mul = 1ull << 30; end++; break;
    default: break;
    }
    if (mul != unit && *end == 'i')
        end++;
    if (mul != unit && *end == 'B')
        end++;
    if (*end)
        return CMD_NUM_JUNK;
    if (st == CMD_NUM_OVERFLOW || (mul && x > UINT64_MAX / mul))
        return CMD_NUM_OVERFLOW;
    *out = x * mul;
    return CMD_NUM_OK;
}

int cmd_parse_seconds(const char *s, double max, double *out)
{
    if (!s || !*s)
        return CMD_NUM_EMPTY;
    if (*s == '-')
        return CMD_NUM_NEGATIVE;
    double v = 0, scale = 1;
    int digits = 0, dot = 0;
    for (const char *p = s; *p; p++) {
        if (*p == '.' && !dot) {
            dot = 1;
            continue;
        }
        if (*p < '0' || *p > '9')
            return CMD_NUM_JUNK;
        digits++;
        if (dot)
            v += (*p - '0') * (scale /= 10);
        else if ((v = v * 10 + (*p - '0')) > max)
            return CMD_NUM_OVERFLOW;
    }
    if (!digits)
        return CMD_NUM_JUNK;
    if (v > max)
        return CMD_NUM_OVERFLOW;
    *out = v;
    return CMD_NUM_OK;
}
