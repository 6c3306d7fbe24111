/* canvas.c — the screen as cells (ncurses or plain text shows it) and
 * rings of text lines.  No scout state.  See tui_priv.h. */
#include "ui/tui/tui_priv.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* ── canvas ────────────────────────────────────────────────────────────── */

int tui_canvas_resize(struct tui_canvas *c, int w, int h)
{
    if (w < 1) w = 1;
    if (h < 1) h = 1;
    struct tui_cell *n = calloc((size_t)w * (size_t)h, sizeof(*n));
    if (!n)
        return -1;
    free(c->cells);
    c->cells = n;
    c->w = w;
    c->h = h;
    tui_canvas_clear(c);
    return 0;
}

void tui_canvas_free(struct tui_canvas *c)
{
    free(c->cells);
    c->cells = NULL;
    c->w = c->h = 0;
}

void tui_canvas_clear(struct tui_canvas *c)
{
    for (int i = 0; i < c->w * c->h; i++) {
        c->cells[i].ch = ' ';
        c->cells[i].attr = 0;
        c->cells[i].color = 0;
    }
}

void tui_canvas_put(struct tui_canvas *c, int x, int y, char ch, unsigned attr, unsigned color)
{
    if (x < 0 || y < 0 || x >= c->w || y >= c->h)
        return;
    unsigned char u = (unsigned char)ch;
    struct tui_cell *cell = &c->cells[y * c->w + x];
    cell->ch = (u >= 0x20 && u < 0x7f) ? ch : '?';   /* only printable ASCII reaches the terminal */
    cell->attr = (uint8_t)attr;
    cell->color = (uint8_t)color;
}

int tui_canvas_text(struct tui_canvas *c, int x, int y, int maxw, unsigned attr, unsigned color, const char *s)
{
    int n = 0;
    for (; s && *s && n < maxw; s++, n++) {
        char ch = *s == '\t' ? ' ' : *s;
        tui_canvas_put(c, x + n, y, ch, attr, color);
    }
    return n;
}

int tui_canvas_printf(struct tui_canvas *c, int x, int y, int maxw, unsigned attr, unsigned color, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    return tui_canvas_text(c, x, y, maxw, attr, color, buf);
}

void tui_canvas_fill(struct tui_canvas *c, int x, int y, int w, int h, char ch, unsigned attr, unsigned color)
{
    for (int j = 0; j < h; j++)
        for (int i = 0; i < w; i++)
            tui_canvas_put(c, x + i, y + j, ch, attr, color);
}

/* ── rings ─────────────────────────────────────────────────────────────── */

void tui_ring_init(struct tui_ring *r, size_t cap)
{
    memset(r, 0, sizeof(*r));
    r->line = calloc(cap, sizeof(*r->line));
    r->flag = calloc(cap, 1);
    r->cap = (r->line && r->flag) ? cap : 0;
}

void tui_ring_free(struct tui_ring *r)
{
    for (size_t i = 0; i < r->cap; i++)
        free(r->line[i]);
    free(r->line);
    free(r->flag);
    memset(r, 0, sizeof(*r));
}

void tui_ring_push(struct tui_ring *r, const char *s, size_t len, int flag)
{
    if (!r->cap)
        return;
    if (len > 4096)
        len = 4096;
    char *copy = malloc(len + 1);
    if (!copy)
        return;
    memcpy(copy, s, len);
    copy[len] = 0;
    size_t slot;
    if (r->n < r->cap) {
        slot = (r->head + r->n) % r->cap;
        r->n++;
    } else {
        slot = r->head;
        r->head = (r->head + 1) % r->cap;
    }
    free(r->line[slot]);
    r->line[slot] = copy;
    r->flag[slot] = (unsigned char)flag;
}

const char *tui_ring_get(const struct tui_ring *r, size_t i, int *flag)
{
    if (i >= r->n)
        return NULL;
    size_t slot = (r->head + i) % r->cap;
    if (flag)
        *flag = r->flag[slot];
    return r->line[slot];
}
