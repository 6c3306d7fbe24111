/* test_gdbstub — the gdb stub's wire format (src/ui/gdbstub/rsp.c):
 * packets, checksums, acks, Ctrl-C, overlong packets, escapes, hex. */
#include "check.h"
#include "ui/gdbstub/gdbstub.h"

#include <stdlib.h>

static struct gdbstub_rsp r;

/* Feeds a string; returns the last event that was not NONE. */
static int feed(const char *s, size_t n)
{
    int last = GDBSTUB_RSP_NONE;
    for (size_t i = 0; i < n; i++) {
        int ev = gdbstub_rsp_byte(&r, (uint8_t)s[i]);
        if (ev != GDBSTUB_RSP_NONE)
            last = ev;
    }
    return last;
}
#define FEED(s) feed(s, sizeof(s) - 1)

TEST(packets)
{
    gdbstub_rsp_init(&r);
    CHECK_EQ(FEED("$g#67"), GDBSTUB_RSP_PACKET);
    CHECK_STR(r.buf, "g");
    CHECK_EQ(FEED("$qSupported#37"), GDBSTUB_RSP_PACKET);
    CHECK_STR(r.buf, "qSupported");
    CHECK_EQ(FEED("$#00"), GDBSTUB_RSP_PACKET);       /* empty */
    CHECK_EQ(r.len, 0);
    CHECK_EQ(FEED("$m0,4#FD"), GDBSTUB_RSP_PACKET);   /* upper-case checksum digits */
    CHECK_EQ(FEED("junk$?#3f"), GDBSTUB_RSP_PACKET);  /* noise before '$' */
    CHECK_STR(r.buf, "?");
    CHECK_EQ(FEED("$m4$?#3f"), GDBSTUB_RSP_PACKET);   /* '$' restarts a packet */
    CHECK_STR(r.buf, "?");
}

TEST(bad_and_control)
{
    gdbstub_rsp_init(&r);
    CHECK_EQ(FEED("$g#66"), GDBSTUB_RSP_BAD);
    CHECK_EQ(FEED("$g#6z"), GDBSTUB_RSP_BAD);
    CHECK_EQ(FEED("$g#z7"), GDBSTUB_RSP_BAD);
    CHECK_EQ(FEED("\x03"), GDBSTUB_RSP_INTERRUPT);
    CHECK_EQ(FEED("+"), GDBSTUB_RSP_ACK);
    CHECK_EQ(FEED("-"), GDBSTUB_RSP_NAK);
    CHECK_EQ(FEED("$\x03#03"), GDBSTUB_RSP_PACKET);   /* 0x03 inside a packet is data */
    CHECK_EQ(r.len, 1);
}

TEST(overlong)
{
    size_t n = GDBSTUB_PACKET_MAX + 100;
    char *p = malloc(n + 5);
    unsigned sum = 0;
    p[0] = '$';
    for (size_t i = 1; i <= n; i++) {
        p[i] = 'a';
        sum += 'a';
    }
    snprintf(p + n + 1, 5, "#%02x", sum & 0xff);
    gdbstub_rsp_init(&r);
    CHECK_EQ(feed(p, n + 4), GDBSTUB_RSP_TOO_LONG);
    CHECK_EQ(r.len, GDBSTUB_PACKET_MAX);
    CHECK_EQ(FEED("$g#67"), GDBSTUB_RSP_PACKET);      /* and the next one is fine */
    free(p);
}

TEST(frame_and_escapes)
{
    char out[64];
    CHECK_EQ(gdbstub_rsp_frame(out, sizeof out, "OK", 2), 6);
    CHECK_STR(out, "$OK#9a");
    CHECK_EQ(gdbstub_rsp_frame(out, sizeof out, "", 0), 4);
    CHECK_STR(out, "$#00");
    /* '#', '$', '}' and '*' go out as '}' + byte^0x20, summed as sent */
    CHECK(gdbstub_rsp_frame(out, sizeof out, "a#$}*", 5) > 0);
    CHECK_STR(out, "$a}\x03}\x04}]}\x0a#c3");
    CHECK_EQ(gdbstub_rsp_frame(out, 8, "0123456789", 10), 0);     /* does not fit */
    uint8_t b[] = { 'x', '}', 0x03, '}', 0x5d, 0 };
    CHECK_EQ(gdbstub_rsp_unescape(b, 5), 3);
    CHECK(b[0] == 'x' && b[1] == '#' && b[2] == '}');
    uint8_t cut[] = { 'a', '}' };
    CHECK_EQ(gdbstub_rsp_unescape(cut, 2), -1);
}

TEST(hex)
{
    const char *p = "401000,4:";
    uint64_t v = 0;
    CHECK_EQ(gdbstub_hex_u64(&p, &v), 0);
    CHECK_EQ(v, 0x401000);
    CHECK_EQ(*p, ',');
    p = "ffffffffffffffff";
    CHECK_EQ(gdbstub_hex_u64(&p, &v), 0);
    CHECK(v == UINT64_MAX);
    p = "10000000000000000";
    CHECK_EQ(gdbstub_hex_u64(&p, &v), -1);               /* 17 digits */
    p = ",1";
    CHECK_EQ(gdbstub_hex_u64(&p, &v), -1);
    uint8_t b[3];
    CHECK_EQ(gdbstub_hex_decode(b, "00fFa5", 3), 0);
    CHECK(b[0] == 0 && b[1] == 0xff && b[2] == 0xa5);
    CHECK_EQ(gdbstub_hex_decode(b, "0g", 1), -1);
    CHECK_EQ(gdbstub_hex_decode(b, "0", 1), -1);         /* cut short: stops at the NUL */
    char h[8];
    gdbstub_hex_encode(h, "\x01\xab\xff", 3);
    CHECK_STR(h, "01abff");
}

TEST(addresses)
{
    char host[64], err[128];
    unsigned port = 9;
    CHECK_EQ(gdbstub_parse_addr("1234", host, sizeof host, &port, err, sizeof err), 0);
    CHECK_STR(host, "127.0.0.1");
    CHECK_EQ(port, 1234);
    CHECK_EQ(gdbstub_parse_addr("0.0.0.0:0", host, sizeof host, &port, err, sizeof err), 0);
    CHECK_STR(host, "0.0.0.0");
    CHECK_EQ(port, 0);
    CHECK_EQ(gdbstub_parse_addr(":77", host, sizeof host, &port, err, sizeof err), 0);
    CHECK_STR(host, "127.0.0.1");
    CHECK_EQ(gdbstub_parse_addr("[::1]:5", host, sizeof host, &port, err, sizeof err), 0);
    CHECK_STR(host, "::1");
    CHECK_EQ(gdbstub_parse_addr("65536", host, sizeof host, &port, err, sizeof err), -1);
    CHECK_EQ(gdbstub_parse_addr("12a", host, sizeof host, &port, err, sizeof err), -1);
    CHECK_EQ(gdbstub_parse_addr("host:", host, sizeof host, &port, err, sizeof err), -1);
    CHECK_EQ(gdbstub_parse_addr("-1", host, sizeof host, &port, err, sizeof err), -1);
    CHECK_EQ(gdbstub_parse_addr("000001234", host, sizeof host, &port, err, sizeof err), -1);
}

int main(void)
{
    RUN(packets);
    RUN(bad_and_control);
    RUN(overlong);
    RUN(frame_and_escapes);
    RUN(hex);
    RUN(addresses);
    CHECK_EXIT();
}
