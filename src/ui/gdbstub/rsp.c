/* rsp.c — gdb's remote serial protocol on the wire: "$payload#cs"
 * packets, '+'/'-' acks, 0x03 interrupts, '}' escapes, hex.  Pure: it
 * sees bytes, never a socket (tests/unit/test_gdbstub.c feeds it). */
#include "ui/gdbstub/gdbstub.h"

#include "ui/cli/num.h"

enum { ST_IDLE, ST_DATA, ST_CS1, ST_CS2 };

void gdbstub_rsp_init(struct gdbstub_rsp *r)
{
    r->state = ST_IDLE;
    r->len = 0;
    r->overflow = 0;
    r->buf[0] = 0;
}

enum gdbstub_rsp_event gdbstub_rsp_byte(struct gdbstub_rsp *r, uint8_t c)
{
    int d;
    switch (r->state) {
    case ST_IDLE:
        if (c == '$') {
            r->state = ST_DATA;
            r->len = 0;
            r->overflow = 0;
            r->sum = 0;
            return GDBSTUB_RSP_NONE;
        }
        if (c == 0x03) return GDBSTUB_RSP_INTERRUPT;
        if (c == '+') return GDBSTUB_RSP_ACK;
        if (c == '-') return GDBSTUB_RSP_NAK;
        return GDBSTUB_RSP_NONE;            /* noise between packets */
    case ST_DATA:
        if (c == '#') {
            r->state = ST_CS1;
            return GDBSTUB_RSP_NONE;
        }
        if (c == '$') {                     /* a new packet: the old one was cut off */
            r->len = 0;
            r->overflow = 0;
            r->sum = 0;
            return GDBSTUB_RSP_NONE;
        }
        r->sum = (uint8_t)(r->sum + c);
        if (r->len < GDBSTUB_PACKET_MAX)
            r->buf[r->len++] = (char)c;
        else
            r->overflow = 1;
        return GDBSTUB_RSP_NONE;
    case ST_CS1:
        d = cmd_hex_digit(c);
        r->cs = d < 0 ? 0x100 : (unsigned)d << 4;     /* 0x100: never matches */
        r->state = ST_CS2;
        return GDBSTUB_RSP_NONE;
    default:
        d = cmd_hex_digit(c);
        r->state = ST_IDLE;
        r->buf[r->len] = 0;
        if (d < 0 || (r->cs | (unsigned)d) != r->sum)
            return GDBSTUB_RSP_BAD;
        return r->overflow ? GDBSTUB_RSP_TOO_LONG : GDBSTUB_RSP_PACKET;
    }
}

static int must_escape(uint8_t c) { return c == '#' || c == '$' || c == '}' || c == '*'; }

size_t gdbstub_rsp_frame(char *out, size_t max, const void *payload, size_t len)
{
    const uint8_t *p = payload;
    size_t n = 0;
    uint8_t sum = 0;
    if (max < 5)
        return 0;
    out[n++] = '$';
    for (size_t i = 0; i < len; i++) {
        if (n + 2 + 4 > max)
            return 0;
        uint8_t c = p[i];
        if (must_escape(c)) {
            out[n++] = '}';
            sum = (uint8_t)(sum + '}');
            c ^= 0x20;
        }
        out[n++] = (char)c;
        sum = (uint8_t)(sum + c);
    }
    static const char hex[] = "0123456789abcdef";
    out[n++] = '#';
    out[n++] = hex[sum >> 4];
    out[n++] = hex[sum & 15];
    out[n] = 0;
    return n;
}

long gdbstub_rsp_unescape(uint8_t *buf, size_t len)
{
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        if (buf[i] == '}') {
            if (++i == len)
                return -1;
            buf[o++] = buf[i] ^ 0x20;
        } else {
            buf[o++] = buf[i];
        }
    }
    return (long)o;
}

void gdbstub_hex_encode(char *out, const void *in, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    const uint8_t *p = in;
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = hex[p[i] >> 4];
        out[2 * i + 1] = hex[p[i] & 15];
    }
    out[2 * len] = 0;
}

int gdbstub_hex_u64(const char **p, uint64_t *v)
{
    const char *s = *p;
    uint64_t x = 0;
    int n = 0, d;
    while ((d = cmd_hex_digit((unsigned char)*s)) >= 0) {
        if (++n > 16)
            return -1;
        x = x << 4 | (uint64_t)d;
        s++;
    }
    if (!n)
        return -1;
    *v = x;
    *p = s;
    return 0;
}

int gdbstub_hex_decode(uint8_t *out, const char *in, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        int hi = cmd_hex_digit((unsigned char)in[2 * i]);
        int lo = hi < 0 ? -1 : cmd_hex_digit((unsigned char)in[2 * i + 1]);
        if (lo < 0)
            return -1;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return 0;
}
