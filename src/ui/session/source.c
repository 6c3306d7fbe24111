/* source.c — the lines of the guest's source files, as the line tables
 * name them (one file cached at a time: the one shown).  See session.h. */
#include "ui/session/session_priv.h"

#include <stdlib.h>
#include <string.h>

#include "base/text.h"

#define SOURCE_MAX (64u << 20)

struct session_source {
    char path[1024];
    uint8_t *text;
    size_t len;
    size_t *line;               /* offsets of line starts */
    unsigned n;
};

static int load(struct session_impl *si, const char *file)
{
    struct session_source *src = si->source;
    char err[256];
    if (src && src->text && strcmp(src->path, file) == 0)
        return 0;
    if (!src && !(src = si->source = calloc(1, sizeof(*src))))
        return -1;
    free(src->text);
    free(src->line);
    memset(src, 0, sizeof(*src));
    size_t len;
    uint8_t *text = session_file_read(file, 0, &len, err, sizeof(err));
    if (!text || len > SOURCE_MAX || memchr(text, 0, len)) {
        free(text);
        return -1;                      /* (with a NUL it is no source file) */
    }
    /* The lines as a terminal may show them: CRLF ends a line too, and any
     * other control is escaped (\xNN), as in every untrusted text. */
    size_t k = 0;
    for (size_t i = 0; i < len; i++)
        if (!(text[i] == '\r' && i + 1 < len && text[i + 1] == '\n'))
            text[k++] = text[i];
    text[k] = 0;                        /* (session_file_read leaves room for it) */
    size_t need = base_escape_text(NULL, 0, (const char *)text, BASE_TEXT_NEWLINE);
    uint8_t *safe = malloc(need + 1);
    if (!safe) {
        free(text);
        return -1;
    }
    base_escape_text((char *)safe, need + 1, (const char *)text, BASE_TEXT_NEWLINE);
    free(text);
    text = safe;
    len = need;
    size_t lines = 1;
    for (size_t i = 0; i < len; i++)
        lines += text[i] == '\n';
    if (!(src->line = malloc(lines * sizeof(*src->line)))) {
        free(text);
        return -1;
    }
    src->line[src->n++] = 0;
    for (size_t i = 0; i < len; i++)
        if (text[i] == '\n' && i + 1 < len)
            src->line[src->n++] = i + 1;
    src->text = text;
    src->len = len;
    snprintf(src->path, sizeof(src->path), "%s", file);
    return 0;
}

const char *session_source_line(struct session *s, const char *file, unsigned line, size_t *len, unsigned *nlines)
{
    struct session_source *src;
    if (!s->impl || load(s->impl, file) != 0)
        return NULL;
    src = s->impl->source;
    if (nlines)
        *nlines = src->n;
    if (line == 0 || line > src->n)
        return NULL;
    const char *l = (const char *)src->text + src->line[line - 1];
    size_t max = src->len - src->line[line - 1];
    const char *e = memchr(l, '\n', max);
    *len = e ? (size_t)(e - l) : max;
    return l;
}

void session_source_free(struct session_impl *si)
{
    if (!si->source)
        return;
    free(si->source->text);
    free(si->source->line);
    free(si->source);
    si->source = NULL;
}
