/* writer.c — buffered trace writer: sequence numbers, field checking and
 * escaping, optional t= times, an in-memory tail of recent events. */
#include "trace/trace.h"

#include "base/file.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>

#define WRITER_BUF_SIZE (64 * 1024)

struct tail_slot {
    char *text;
    size_t cap;
};

struct trace_writer {
    FILE *fp;
    int owns_fp;
    char *name;
    int with_times;
    struct timespec t0;
    uint64_t seq;

    char *buf;                 /* pending output */
    size_t len;
    char *scratch;             /* vsnprintf output of the fields */
    size_t scratch_cap;
    char *line;                /* the event line being built */
    size_t line_len;

    int io_failed;             /* sticky */
    uint64_t rejected;
    char first_reject[256];
    char err[256];

    struct tail_slot *tail;
    size_t tail_n, tail_head, tail_count;
};

static const char hexdig[] = "0123456789ABCDEF";

static int is_hex_upper(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F');
}

static int is_type_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

static int is_key_char(char c)
{
    return is_type_char(c) || c == '_';
}

static void set_err(char *err, size_t errlen, const char *msg)
{
    if (err && errlen)
        snprintf(err, errlen, "%s", msg);
}

static struct trace_writer *writer_new(FILE *fp, int owns, const char *name,
                                       int with_times, char *err, size_t errlen)
{
    struct trace_writer *tw = calloc(1, sizeof *tw);
    if (tw) {
        tw->name = strdup(name);
        tw->buf = malloc(WRITER_BUF_SIZE);
        tw->scratch_cap = 256;
        tw->scratch = malloc(tw->scratch_cap);
        tw->line = malloc(TRACE_LINE_MAX + 2);
    }
    if (!tw || !tw->name || !tw->buf || !tw->scratch || !tw->line) {
        if (tw) {
            free(tw->name); free(tw->buf); free(tw->scratch); free(tw->line);
            free(tw);
        }
        if (owns)
            fclose(fp);
        if (err && errlen)
            snprintf(err, errlen, "trace %s: out of memory", name);
        return NULL;
    }
    tw->fp = fp;
    tw->owns_fp = owns;
    tw->with_times = with_times != 0;
    clock_gettime(CLOCK_MONOTONIC, &tw->t0);
    tw->len = (size_t)snprintf(tw->buf, WRITER_BUF_SIZE, "scout-trace %d\n",
                               TRACE_VERSION);
    return tw;
}

struct trace_writer *trace_writer_open(const char *path, int with_times,
                                       char *err, size_t errlen)
{
    char why[256];
    int fd = base_file_open_write(path, BASE_FILE_STREAM, why, sizeof why);
    FILE *fp = fd < 0 ? NULL : fdopen(fd, "w");
    if (!fp) {
        if (fd >= 0)
            snprintf(why, sizeof why, "%s", strerror(errno));
        if (fd >= 0)
            close(fd);
        if (err && errlen)
            snprintf(err, errlen, "trace %s: cannot create: %s", path, why);
        return NULL;
    }
    /* The writer buffers itself; stdio would only copy a second time. */
    setvbuf(fp, NULL, _IONBF, 0);
    return writer_new(fp, 1, path, with_times, err, errlen);
}

struct trace_writer *trace_writer_open_file(FILE *fp, const char *name,
                                            int with_times,
                                            char *err, size_t errlen)
{
    if (!fp) {
        set_err(err, errlen, "trace: no stream to write to");
        return NULL;
    }
    return writer_new(fp, 0, name ? name : "<stream>", with_times, err, errlen);
}

static int write_out(struct trace_writer *tw)
{
    if (tw->io_failed)
        return -1;
    if (tw->len) {
        size_t n = fwrite(tw->buf, 1, tw->len, tw->fp);
        if (n != tw->len) {
            int e = errno ? errno : EIO;
            snprintf(tw->err, sizeof tw->err, "trace %s: write failed: %s",
                     tw->name, strerror(e));
            tw->io_failed = 1;
            tw->len = 0;
            return -1;
        }
        tw->len = 0;
    }
    return 0;
}

static int reject(struct trace_writer *tw, const char *type, const char *why)
{
    snprintf(tw->err, sizeof tw->err, "trace %s: event '%.40s' rejected: %s",
             tw->name, type ? type : "(null)", why);
    if (tw->rejected++ == 0)
        snprintf(tw->first_reject, sizeof tw->first_reject, "%s", tw->err);
    return -1;
}

/* Appends bytes to the line; 0 or -1 when the line would be too long. */
static int line_put(struct trace_writer *tw, const char *s, size_t n)
{
    if (tw->line_len + n > TRACE_LINE_MAX)
        return -1;
    memcpy(tw->line + tw->line_len, s, n);
    tw->line_len += n;
    return 0;
}

static int line_putc(struct trace_writer *tw, char c)
{
    return line_put(tw, &c, 1);
}

/* Checks and escapes the fields string `s` onto the line. */
static int put_fields(struct trace_writer *tw, const char *type, const char *s)
{
    char why[160];
    const char *p = s;
    for (;;) {
        while (*p == ' ')
            p++;
        if (!*p)
            return 0;
        const char *start = p;
        while (*p && *p != ' ' && *p != '=')
            p++;
        size_t keylen = (size_t)(p - start);
        if (*p != '=') {
            snprintf(why, sizeof why, "field '%.*s' has no '='",
                     (int)(keylen > 40 ? 40 : keylen), start);
            return reject(tw, type, why);
        }
        if (keylen == 0)
            return reject(tw, type, "field with an empty key");
        for (size_t i = 0; i < keylen; i++) {
            if (!is_key_char(start[i])) {
                /* Key bytes may be anything here; show them escaped. */
                char shown[128];
                char raw[41];
                size_t k = keylen > 40 ? 40 : keylen;
                memcpy(raw, start, k);
                raw[k] = 0;
                trace_escape(shown, sizeof shown, raw);
                snprintf(why, sizeof why, "bad key '%s' (keys are [a-z0-9_-])",
                         shown);
                return reject(tw, type, why);
            }
        }
        if (keylen == 1 && start[0] == 't')
            return reject(tw, type, "key 't' is reserved for times");
        if (line_putc(tw, ' ') || line_put(tw, start, keylen + 1))
            return reject(tw, type, "line longer than TRACE_LINE_MAX");
        p++;                                   /* past '=' */
        for (; *p && *p != ' '; p++) {
            unsigned char c = (unsigned char)*p;
            int ok;
            if (c == '%' && is_hex_upper(p[1]) && is_hex_upper(p[2]))
                ok = line_putc(tw, '%');       /* already an escape */
            else if (c > 0x20 && c < 0x7f && c != '=' && c != '%')
                ok = line_putc(tw, (char)c);
            else {
                char e[3] = { '%', hexdig[c >> 4], hexdig[c & 15] };
                ok = line_put(tw, e, 3);
            }
            if (ok)
                return reject(tw, type, "line longer than TRACE_LINE_MAX");
        }
    }
}

static void tail_keep(struct trace_writer *tw)
{
    struct tail_slot *s = &tw->tail[tw->tail_head];
    if (s->cap < tw->line_len + 1) {
        size_t cap = tw->line_len + 1 < 128 ? 128 : tw->line_len + 1;
        char *t = realloc(s->text, cap);
        if (!t)
            return;                            /* keep the old text */
        s->text = t;
        s->cap = cap;
    }
    memcpy(s->text, tw->line, tw->line_len);
    s->text[tw->line_len] = 0;
    tw->tail_head = (tw->tail_head + 1) % tw->tail_n;
    if (tw->tail_count < tw->tail_n)
        tw->tail_count++;
}

int trace_emitv(struct trace_writer *tw, const char *type, const char *fmt,
                va_list ap)
{
    if (!tw)
        return -1;
    if (tw->io_failed)
        return -1;
    if (!type || !*type)
        return reject(tw, type, "empty type");
    for (const char *c = type; *c; c++)
        if (!is_type_char(*c))
            return reject(tw, type, "bad type (types are [a-z0-9-])");

    const char *fields = "";
    if (fmt && *fmt) {
        va_list ap2;
        va_copy(ap2, ap);
        int n = vsnprintf(tw->scratch, tw->scratch_cap, fmt, ap2);
        va_end(ap2);
        if (n < 0)
            return reject(tw, type, "format error");
        if ((size_t)n >= tw->scratch_cap) {
            if ((size_t)n > TRACE_LINE_MAX)
                return reject(tw, type, "line longer than TRACE_LINE_MAX");
            char *s = realloc(tw->scratch, (size_t)n + 1);
            if (!s)
                return reject(tw, type, "out of memory");
            tw->scratch = s;
            tw->scratch_cap = (size_t)n + 1;
            vsnprintf(tw->scratch, tw->scratch_cap, fmt, ap);
        }
        fields = tw->scratch;
    }

    char head[64];
    int hn = snprintf(head, sizeof head, "%" PRIu64 " ", tw->seq + 1);
    tw->line_len = 0;
    if (line_put(tw, head, (size_t)hn) || line_put(tw, type, strlen(type)))
        return reject(tw, type, "line longer than TRACE_LINE_MAX");
    if (put_fields(tw, type, fields))
        return -1;
    if (tw->with_times) {
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        int64_t ns = (int64_t)(now.tv_sec - tw->t0.tv_sec) * 1000000000
                   + (now.tv_nsec - tw->t0.tv_nsec);
        if (ns < 0)
            ns = 0;
        hn = snprintf(head, sizeof head, " t=%" PRId64, ns);
        if (line_put(tw, head, (size_t)hn))
            return reject(tw, type, "line longer than TRACE_LINE_MAX");
    }

    if (tw->len + tw->line_len + 1 > WRITER_BUF_SIZE && write_out(tw))
        return -1;
    if (tw->line_len + 1 > WRITER_BUF_SIZE) {
        /* Longer than the whole buffer: write it straight through. */
        tw->line[tw->line_len] = '\n';
        memcpy(tw->buf, tw->line, WRITER_BUF_SIZE);
        tw->len = WRITER_BUF_SIZE;
        if (write_out(tw))
            return -1;
        memcpy(tw->buf, tw->line + WRITER_BUF_SIZE,
               tw->line_len + 1 - WRITER_BUF_SIZE);
        tw->len = tw->line_len + 1 - WRITER_BUF_SIZE;
    } else {
        memcpy(tw->buf + tw->len, tw->line, tw->line_len);
        tw->len += tw->line_len;
        tw->buf[tw->len++] = '\n';
    }
    tw->seq++;
    if (tw->tail_n)
        tail_keep(tw);
    return 0;
}

int trace_emit(struct trace_writer *tw, const char *type, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = trace_emitv(tw, type, fmt, ap);
    va_end(ap);
    return r;
}

int trace_writer_flush(struct trace_writer *tw, char *err, size_t errlen)
{
    if (!tw) {
        set_err(err, errlen, "trace: no writer");
        return -1;
    }
    if (write_out(tw) == 0) {
        errno = 0;
        if (fflush(tw->fp) == 0 && !ferror(tw->fp))
            return 0;
        snprintf(tw->err, sizeof tw->err, "trace %s: write failed: %s",
                 tw->name, strerror(errno ? errno : EIO));
        tw->io_failed = 1;
    }
    set_err(err, errlen, tw->err);
    return -1;
}

int trace_writer_close(struct trace_writer *tw, char *err, size_t errlen)
{
    if (!tw)
        return 0;
    char msg[512] = "";
    int rc = trace_writer_flush(tw, msg, sizeof msg);
    if (tw->owns_fp) {
        errno = 0;
        if (fclose(tw->fp) != 0 && rc == 0) {
            snprintf(msg, sizeof msg, "trace %s: close failed: %s", tw->name,
                     strerror(errno ? errno : EIO));
            rc = -1;
        }
    }
    if (rc == 0 && tw->rejected) {
        snprintf(msg, sizeof msg, "%s (%" PRIu64 " event(s) rejected in all)",
                 tw->first_reject, tw->rejected);
        rc = -1;
    }
    if (rc)
        set_err(err, errlen, msg);
    trace_writer_set_tail(tw, 0);
    free(tw->name);
    free(tw->buf);
    free(tw->scratch);
    free(tw->line);
    free(tw);
    return rc;
}

uint64_t trace_writer_count(const struct trace_writer *tw)
{
    return tw ? tw->seq : 0;
}

const char *trace_writer_error(const struct trace_writer *tw)
{
    return tw ? tw->err : "trace: no writer";
}

int trace_writer_set_tail(struct trace_writer *tw, size_t n)
{
    if (!tw)
        return -1;
    for (size_t i = 0; i < tw->tail_n; i++)
        free(tw->tail[i].text);
    free(tw->tail);
    tw->tail = NULL;
    tw->tail_n = tw->tail_head = tw->tail_count = 0;
    if (n == 0)
        return 0;
    tw->tail = calloc(n, sizeof *tw->tail);
    if (!tw->tail)
        return -1;
    tw->tail_n = n;
    return 0;
}

size_t trace_writer_tail_count(const struct trace_writer *tw)
{
    return tw ? tw->tail_count : 0;
}

const char *trace_writer_tail(const struct trace_writer *tw, size_t i)
{
    if (!tw || i >= tw->tail_count)
        return NULL;
    size_t oldest = (tw->tail_head + tw->tail_n - tw->tail_count) % tw->tail_n;
    return tw->tail[(oldest + i) % tw->tail_n].text;
}

size_t trace_escape(char *dst, size_t dstlen, const char *src)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)src; *p; p++) {
        char e[3];
        size_t k = 1;
        if (*p > 0x20 && *p < 0x7f && *p != '=' && *p != '%')
            e[0] = (char)*p;
        else {
            e[0] = '%'; e[1] = hexdig[*p >> 4]; e[2] = hexdig[*p & 15];
            k = 3;
        }
        for (size_t i = 0; i < k; i++, n++)
            if (n + 1 < dstlen)
                dst[n] = e[i];
    }
    if (dstlen)
        dst[n < dstlen ? n : dstlen - 1] = 0;
    return n;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

size_t trace_unescape(char *dst, size_t dstlen, const char *src)
{
    size_t n = 0;
    for (const char *p = src; *p; p++, n++) {
        char c = *p;
        if (c == '%' && hexval(p[1]) >= 0 && hexval(p[2]) >= 0) {
            c = (char)(hexval(p[1]) * 16 + hexval(p[2]));
            p += 2;
            if (c == 0)
                break;
        }
        if (n + 1 < dstlen)
            dst[n] = c;
    }
    if (dstlen)
        dst[n < dstlen ? n : dstlen - 1] = 0;
    return n;
}
