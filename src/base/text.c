/* text.c — untrusted text: see text.h. */
#include "base/text.h"


/* Length of the text character at s[0..len) (1..4), or 0 if the bytes
 * there are not text. */
static size_t text_char(const unsigned char *s, size_t len, unsigned flags)
{
    unsigned c = s[0];
    if (c < 0x80) {
        if (c == '\t' || (c == '\n' && (flags & BASE_TEXT_NEWLINE)))
            return 1;
        return c < 0x20 || c == 0x7f ? 0 : 1;
    }
    size_t n;
    unsigned lo = 0x80, hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) {
        n = 1;
        if (c == 0xc2)
            lo = 0xa0;          /* U+0080..U+009F are the C1 controls */
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 2;
        if (c == 0xe0)
            lo = 0xa0;          /* no overlong forms */
        else if (c == 0xed)
            hi = 0x9f;          /* no UTF-16 surrogates */
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 3;
        if (c == 0xf0)
            lo = 0x90;
        else if (c == 0xf4)
            hi = 0x8f;          /* not above U+10FFFF */
    } else {
        return 0;               /* a continuation byte, 0xc0/0xc1, 0xf5..0xff */
    }
    if (len - 1 < n || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t k = 2; k <= n; k++)
        if (s[k] < 0x80 || s[k] > 0xbf)
            return 0;
    return n + 1;
}

int base_is_text(const char *s, size_t len, unsigned flags)
{
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0, n; i < len; i += n)
        if (!(n = text_char(u + i, len - i, flags)))
            return 0;
    return 1;
}

size_t base_escape_text(char *dst, size_t dstlen, const char *s, unsigned flags)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *u = (const unsigned char *)(s ? s : "");
    size_t len = 0, out = 0;
    while (u[len])
        len++;
    for (size_t i = 0; i < len;) {
        size_t n = text_char(u + i, len - i, flags);
        char esc[4];
        const char *from = (const char *)u + i;
        size_t k = n;
        if (!n) {
            esc[0] = '\\';
            esc[1] = 'x';
            esc[2] = hex[u[i] >> 4];
            esc[3] = hex[u[i] & 15];
            from = esc;
            k = 4;
            n = 1;
        }
        for (size_t j = 0; j < k; j++, out++)
            if (dstlen && out < dstlen - 1)
                dst[out] = from[j];
        i += n;
    }
    if (dstlen)
        dst[out < dstlen - 1 ? out : dstlen - 1] = 0;
    return out;
}
