/* reader.c — strict trace parser: every error names file, line and why. */
#include "trace/trace.h"

#include "base/base.h"
#include "base/file.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

struct parse {
    const char *name;
    char *err;
    size_t errlen;
    VEC(struct trace_event) events;
    VEC(struct trace_field) fields;
};

__attribute__((format(printf, 3, 4)))
static int fail(struct parse *ps, size_t line, const char *fmt, ...)
{
    if (!ps->err || !ps->errlen)
        return -1;
    char why[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    if (line)
        snprintf(ps->err, ps->errlen, "trace %s:%zu: %s", ps->name, line, why);
    else
        snprintf(ps->err, ps->errlen, "trace %s: %s", ps->name, why);
    return -1;
}

/* A short, terminal-safe rendering of untrusted text for messages. */
static const char *shown(char *dst, size_t dstlen, const char *s, size_t n)
{
    char raw[41];
    if (n > 40)
        n = 40;
    memcpy(raw, s, n);
    raw[n] = 0;
    trace_escape(dst, dstlen, raw);
    return dst;
}

static int is_type_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

static int is_key_char(char c)
{
    return is_type_char(c) || c == '_';
}

static int is_hex_upper(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F');
}

/* Parses a decimal without leading zeros; 0 ok, -1 bad or overflow. */
static int parse_dec(const char *s, size_t n, uint64_t *out)
{
    if (n == 0 || (s[0] == '0' && n > 1))
        return -1;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

static int parse_header(struct parse *ps, const char *s, size_t n, int *version)
{
    static const char magic[] = "scout-trace";
    const size_t mlen = sizeof magic - 1;
    char buf[160];
    if (n < mlen || memcmp(s, magic, mlen) != 0)
        return fail(ps, 1, "missing header: expected 'scout-trace %d', found '%s'"
                    " (not a scout trace?)", TRACE_VERSION,
                    shown(buf, sizeof buf, s, n));
    uint64_t v;
    if (n < mlen + 2 || s[mlen] != ' ' || parse_dec(s + mlen + 1, n - mlen - 1, &v))
        return fail(ps, 1, "bad header '%s': expected 'scout-trace <version>'",
                    shown(buf, sizeof buf, s, n));
    if (v != TRACE_VERSION)
        return fail(ps, 1, "unsupported trace version %" PRIu64
                    " (this scout reads version %d)", v, TRACE_VERSION);
    *version = (int)v;
    return 0;
}

static int add_field(struct parse *ps, char *key, char *value)
{
    struct trace_field f = { .key = key, .value = value };
    return VEC_PUSH(&ps->fields, f);
}

/* Parses one event line s[0..n) in place (spaces and '=' become NULs). */
static int parse_event(struct parse *ps, size_t line, char *s, size_t n)
{
    char buf[160];
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\r')
            return fail(ps, line, "carriage return at column %zu (CRLF line"
                        " endings?)", i + 1);
        if (c < 0x20 || c > 0x7e)
            return fail(ps, line, "byte 0x%02X at column %zu is not allowed"
                        " (binary data?)", c, i + 1);
    }
    if (n == 0)
        return fail(ps, line, "empty line");
    for (size_t i = 0; i < n; i++)
        if (s[i] == ' ' && (i == 0 || i == n - 1 || s[i + 1] == ' '))
            return fail(ps, line, "extra space at column %zu", i + 1);

    /* Sequence number. */
    char *end = s + n;
    char *tok = s;
    char *sp = memchr(tok, ' ', (size_t)(end - tok));
    char *tokend = sp ? sp : end;
    uint64_t seq;
    if (parse_dec(tok, (size_t)(tokend - tok), &seq))
        return fail(ps, line, "bad sequence number '%s' (a junk line?)",
                    shown(buf, sizeof buf, tok, (size_t)(tokend - tok)));
    uint64_t prev = ps->events.n ? ps->events.v[ps->events.n - 1].seq : 0;
    if (seq != prev + 1) {
        if (ps->events.n == 0)
            return fail(ps, line, "first sequence number is %" PRIu64
                        ", expected 1", seq);
        return fail(ps, line, "sequence number %" PRIu64 " after %" PRIu64
                    " (truncated or edited?)", seq, prev);
    }
    if (!sp)
        return fail(ps, line, "event %" PRIu64 " has no type", seq);

    /* Type. */
    tok = sp + 1;
    sp = memchr(tok, ' ', (size_t)(end - tok));
    tokend = sp ? sp : end;
    for (char *c = tok; c < tokend; c++)
        if (!is_type_char(*c))
            return fail(ps, line, "bad event type '%s' (types are [a-z0-9-])",
                        shown(buf, sizeof buf, tok, (size_t)(tokend - tok)));
    *tokend = 0;

    if (VEC_RESERVE(&ps->events, ps->events.n + 1) != 0)
        return fail(ps, line, "out of memory");
    struct trace_event *ev = &ps->events.v[ps->events.n];
    ev->seq = seq;
    ev->line = line;
    ev->type = tok;
    ev->nfields = 0;
    ev->fields = NULL;            /* set once the field array stops moving */

    /* Fields. */
    while (sp) {
        tok = sp + 1;
        sp = memchr(tok, ' ', (size_t)(end - tok));
        tokend = sp ? sp : end;
        char *eq = memchr(tok, '=', (size_t)(tokend - tok));
        if (!eq)
            return fail(ps, line, "field '%s' has no '='",
                        shown(buf, sizeof buf, tok, (size_t)(tokend - tok)));
        if (eq == tok)
            return fail(ps, line, "field with an empty key at column %zu",
                        (size_t)(tok - s) + 1);
        for (char *c = tok; c < eq; c++)
            if (!is_key_char(*c))
                return fail(ps, line, "bad key '%s' (keys are [a-z0-9_-])",
                            shown(buf, sizeof buf, tok, (size_t)(eq - tok)));
        for (char *c = eq + 1; c < tokend; c++) {
            if (*c == '=')
                return fail(ps, line, "value of '%s' contains '=' at column %zu",
                            shown(buf, sizeof buf, tok, (size_t)(eq - tok)),
                            (size_t)(c - s) + 1);
            if (*c == '%' && (tokend - c < 3 || !is_hex_upper(c[1])
                              || !is_hex_upper(c[2])))
                return fail(ps, line, "bad %%-escape in value of '%s' at"
                            " column %zu", shown(buf, sizeof buf, tok,
                                                 (size_t)(eq - tok)),
                            (size_t)(c - s) + 1);
        }
        *eq = 0;
        *tokend = 0;
        if (add_field(ps, tok, eq + 1))
            return fail(ps, line, "out of memory");
        ev->nfields++;
    }
    ps->events.n++;
    return 0;
}

/* Parses text[0..len); takes ownership of text (which has room for a
 * NUL at text[len]). */
static int parse_owned(const char *name, char *text, size_t len,
                       struct trace_file **out, char *err, size_t errlen)
{
    struct parse ps = { .name = name, .err = err, .errlen = errlen };
    *out = NULL;
    struct trace_file *tf = calloc(1, sizeof *tf);
    if (!tf || !(tf->path = strdup(name))) {
        free(text);
        free(tf);
        return fail(&ps, 0, "out of memory");
    }
    text[len] = 0;
    tf->text_ = text;

    if (len == 0) {
        fail(&ps, 1, "empty file (expected header 'scout-trace %d')",
             TRACE_VERSION);
        goto bad;
    }
    size_t pos = 0, line = 1;
    while (pos < len) {
        size_t room = len - pos;
        size_t look = room < (size_t)TRACE_LINE_MAX + 1 ? room
                                                        : (size_t)TRACE_LINE_MAX + 1;
        char *s = text + pos;
        char *nl = memchr(s, '\n', look);
        size_t n = nl ? (size_t)(nl - s) : look;
        char *nul = memchr(s, 0, n);
        if (nul) {
            fail(&ps, line, "NUL byte at column %zu (binary data?)",
                 (size_t)(nul - s) + 1);
            goto bad;
        }
        if (!nl) {
            if (look > (size_t)TRACE_LINE_MAX)
                fail(&ps, line, "line longer than %d bytes", TRACE_LINE_MAX);
            else
                fail(&ps, line, "no newline at end of file (truncated?)");
            goto bad;
        }
        *nl = 0;
        int r = line == 1 ? parse_header(&ps, s, n, &tf->version)
                          : parse_event(&ps, line, s, n);
        if (r)
            goto bad;
        pos += n + 1;
        line++;
    }
    /* Each event's fields follow the previous event's in the array. */
    size_t first = 0;
    for (size_t i = 0; i < ps.events.n; i++) {
        ps.events.v[i].fields = ps.fields.v ? ps.fields.v + first : NULL;
        first += ps.events.v[i].nfields;
    }
    tf->events = ps.events.v;
    tf->nevents = ps.events.n;
    tf->fields_ = ps.fields.v;
    *out = tf;
    return 0;
bad:
    VEC_FREE(&ps.events);
    VEC_FREE(&ps.fields);
    trace_file_free(tf);
    return -1;
}

int trace_read_mem(const char *name, const char *data, size_t len,
                   struct trace_file **out, char *err, size_t errlen)
{
    struct parse ps = { .name = name ? name : "<memory>", .err = err,
                        .errlen = errlen };
    *out = NULL;
    char *text = len < SIZE_MAX ? malloc(len + 1) : NULL;
    if (!text)
        return fail(&ps, 0, "out of memory");
    memcpy(text, data, len);
    return parse_owned(ps.name, text, len, out, err, errlen);
}

/* Seen enough to refuse it: a NUL byte (binary data: /dev/zero behind a
 * pipe), or a first line that is not a header (`yes |`). */
static int not_a_trace(void *ctx, const char *data, size_t len, size_t fresh)
{
    static const char magic[] = "scout-trace ";
    int *header_ok = ctx;
    if (memchr(data + fresh, 0, len - fresh))
        return 1;
    if (*header_ok)
        return 0;
    size_t cmp = len < sizeof magic - 1 ? len : sizeof magic - 1;
    if (memcmp(data, magic, cmp) != 0)
        return 1;
    const char *nl = memchr(data, '\n', len < TRACE_LINE_MAX + 1 ? len : (size_t)TRACE_LINE_MAX + 1);
    if (nl) {
        int version;
        struct parse quiet = { .name = "" };
        if (parse_header(&quiet, data, (size_t)(nl - data), &version) != 0)
            return 1;
        *header_ok = 1;
        return 0;
    }
    return len > TRACE_LINE_MAX;
}

int trace_read_file(const char *path, struct trace_file **out,
                    char *err, size_t errlen)
{
    struct parse ps = { .name = path, .err = err, .errlen = errlen };
    struct base_file f;
    char why[256], *data;
    size_t len;
    *out = NULL;
    if (base_file_open_read(path, BASE_FILE_STREAM, &f, why, sizeof why) < 0)
        return fail(&ps, 0, "cannot open: %s", why);
    /* A stream is held to TRACE_STREAM_MAX, and reading stops as soon as
     * the input cannot be a trace. */
    int header_ok = 0;
    int rc = base_file_read_all(&f, f.stream || !f.size ? TRACE_STREAM_MAX : SIZE_MAX - 1, not_a_trace, &header_ok,
                                &data, &len, why, sizeof why);
    base_file_close(&f);
    if (rc < 0)
        return fail(&ps, 0, "%s", why);
    return parse_owned(path, data, len, out, err, errlen);
}

void trace_file_free(struct trace_file *tf)
{
    if (!tf)
        return;
    free(tf->path);
    free(tf->events);
    free(tf->fields_);
    free(tf->text_);
    free(tf);
}

const char *trace_event_get(const struct trace_event *ev, const char *key)
{
    for (size_t i = 0; ev && i < ev->nfields; i++)
        if (strcmp(ev->fields[i].key, key) == 0)
            return ev->fields[i].value;
    return NULL;
}
