/* text.h — untrusted text on its way to a terminal: whether bytes are
 * text a terminal shows as written, and the same bytes made safe to print.
 *
 * Text here is UTF-8 without control characters: no C0 control but tab
 * (and newline where a caller allows it), no DEL (0x7f), no C1 control
 * (U+0080..U+009F, e.g. U+009B, the one-byte CSI), whether written as
 * UTF-8 or as a raw byte 0x80..0x9f (which is not UTF-8 anyway); no
 * overlong forms, UTF-16 surrogates or code points above U+10FFFF.
 * Script lines, plugin names and messages, error lines quoting user
 * input all go through these.  Pure: nothing printed. */
#ifndef SCOUT_BASE_TEXT_H
#define SCOUT_BASE_TEXT_H
#include <stddef.h>

enum {
    BASE_TEXT_NEWLINE = 1u << 0,    /* '\n' is text (multi-line output) */
};

/* 1 if s[0..len) is text as above (flags: BASE_TEXT_*), else 0. */
int base_is_text(const char *s, size_t len, unsigned flags);

/* Copies the NUL-terminated s into dst (at most dstlen bytes with the
 * NUL), every byte that is not text written as \xNN (a C1 control's two
 * UTF-8 bytes become \xc2\x9b).  Returns the length the whole result
 * needs, like snprintf. */
size_t base_escape_text(char *dst, size_t dstlen, const char *s, unsigned flags);

#endif
