/* marks.c — the attribute map of a page as every front end draws it (the
 * TUI's map pane and the `map` command use the same letters), with what
 * happened to it lately: the last write into a code page, the last
 * invalidation (the instruction its write hit, what was scanned before
 * and is not again).  Kept from the session's own events, once a front
 * end asks for a map (a plain batch run pays nothing).  See session.h. */
#include "ui/session/session_priv.h"

#include <stdlib.h>
#include <string.h>

#include "base/base.h"

#define TRACKED 64              /* pages whose scanned starts are remembered */

struct tracked_page {
    uint64_t page;              /* UINT64_MAX: free */
    uint64_t used;              /* for replacement */
    uint8_t len[BASE_PAGE_SIZE];/* scanned instruction starts: their length */
};

struct session_marks {
    struct tracked_page pages[TRACKED];
    uint64_t clock;
    unsigned epoch;             /* front ends count commands (session_mark_epoch) */
    /* the last invalidation */
    int inval;
    unsigned inval_epoch;
    uint64_t inval_page, inval_write, inval_hit;
    unsigned inval_len, hit_len;
    size_t dropped;
    uint8_t ghost[BASE_PAGE_SIZE];  /* scanned starts before it (lengths) */
    /* the last write into a code page (data write or invalidating) */
    int write;
    unsigned write_epoch;
    uint64_t write_gpa;
    unsigned write_len;
};

static struct tracked_page *tracked(struct session_marks *m, uint64_t page, int make)
{
    struct tracked_page *old = &m->pages[0];
    for (int i = 0; i < TRACKED; i++) {
        if (m->pages[i].page == page) {
            m->pages[i].used = ++m->clock;
            return &m->pages[i];
        }
        if (m->pages[i].used < old->used)
            old = &m->pages[i];
    }
    if (!make)
        return NULL;
    memset(old->len, 0, sizeof(old->len));
    old->page = page;
    old->used = ++m->clock;
    return old;
}

static void on_event(void *ctx, const struct scout_event *ev)
{
    struct session *s = ctx;
    struct session_marks *m = s->impl->marks;
    struct tracked_page *tp;
    if (!m)
        return;
    switch (ev->type) {
    case SCOUT_EV_SCAN:
        tp = tracked(m, ev->u.scan.page, 1);
        if (ev->u.scan.off < BASE_PAGE_SIZE)
            tp->len[ev->u.scan.off] = (uint8_t)(ev->u.scan.len ? ev->u.scan.len : 1);
        break;
    case SCOUT_EV_INVALIDATE:
        tp = tracked(m, ev->u.invalidate.page, 0);
        m->inval = 1;
        m->inval_epoch = m->epoch;
        m->inval_page = ev->u.invalidate.page;
        m->inval_write = ev->u.invalidate.write;
        m->inval_len = ev->u.invalidate.len;
        m->inval_hit = ev->u.invalidate.hit;
        m->dropped = ev->u.invalidate.dropped;
        m->hit_len = 1;
        memset(m->ghost, 0, sizeof(m->ghost));
        if (tp) {
            memcpy(m->ghost, tp->len, sizeof(m->ghost));
            if (base_page_of(m->inval_hit) == tp->page && tp->len[base_page_off(m->inval_hit)])
                m->hit_len = tp->len[base_page_off(m->inval_hit)];
            memset(tp->len, 0, sizeof(tp->len));
        }
        m->write = 1;
        m->write_epoch = m->epoch;
        m->write_gpa = ev->u.invalidate.write;
        m->write_len = ev->u.invalidate.len;
        break;
    case SCOUT_EV_DATA_WRITE:
        m->write = 1;
        m->write_epoch = m->epoch;
        m->write_gpa = ev->u.write.gpa;
        m->write_len = ev->u.write.len;
        break;
    default:
        break;
    }
}

/* What is scanned already when marks start being kept (the entry, scans
 * made before the first command): as if its scan events had been seen. */
static void seed(struct session *s, struct session_marks *m)
{
    struct prescan_page_info info[TRACKED];
    size_t n = session_pages(s, info, TRACKED);
    for (size_t i = 0; i < n && i < TRACKED; i++) {
        const uint8_t *attr = session_attr_page(s, info[i].page_gpa, info[i].mode);
        struct tracked_page *tp = tracked(m, info[i].page_gpa, 1);
        for (unsigned off = 0; attr && off < BASE_PAGE_SIZE; off++)
            if (attr[off] & PRESCAN_ATTR_SCANNED)
                tp->len[off] = (uint8_t)((attr[off] & PRESCAN_ATTR_LEN_MASK) ? attr[off] & PRESCAN_ATTR_LEN_MASK : 1);
    }
}

/* Marks are kept once a front end asks for them. */
static struct session_marks *marks(struct session *s)
{
    struct session_impl *si = s->impl;
    if (si->marks || !si->ef)
        return si->marks;
    si->marks = calloc(1, sizeof(*si->marks));
    if (!si->marks)
        return NULL;
    for (int i = 0; i < TRACKED; i++)
        si->marks->pages[i].page = UINT64_MAX;
    if (events_subscribe(&si->events, on_event, s) != 0) {
        free(si->marks);
        si->marks = NULL;
        return NULL;
    }
    seed(s, si->marks);
    return si->marks;
}

void session_marks_free(struct session *s)
{
    struct session_impl *si = s->impl;
    if (!si->marks)
        return;
    events_unsubscribe(&si->events, on_event, s);
    free(si->marks);
    si->marks = NULL;
}

void session_marks_reset(struct session_marks *m)
{
    unsigned epoch = m->epoch;
    memset(m, 0, sizeof(*m));
    for (int i = 0; i < TRACKED; i++)
        m->pages[i].page = UINT64_MAX;
    m->epoch = epoch;
}

void session_mark_epoch(struct session *s)
{
    struct session_marks *m = marks(s);
    if (m)
        m->epoch++;
}

/* Marks made during this command or the one before it are shown. */
static int fresh(const struct session_marks *m, unsigned epoch) { return epoch + 1 >= m->epoch; }

void session_map_page(struct session *s, uint64_t page, int mode, struct session_map *out)
{
    struct session_marks *m = marks(s);
    const uint8_t *attr = session_attr_page(s, page, mode);
    uint8_t traps[BASE_PAGE_SIZE];
    uint64_t rip_gpa;
    memset(out, 0, sizeof(*out));
    memset(out->ch, '.', sizeof(out->ch));
    out->page = page;
    out->mode = mode;
    out->have_attrs = attr != NULL;
    session_page_traps(s, page, traps);
    for (unsigned off = 0; attr && off < BASE_PAGE_SIZE; off++) {
        uint8_t a = attr[off];
        if (!(a & PRESCAN_ATTR_SCANNED))
            continue;
        out->scanned++;
        out->ch[off] = (a & PRESCAN_ATTR_VIRTUALIZE) ? 'V' : 'n';
        out->virtualize += (a & PRESCAN_ATTR_VIRTUALIZE) != 0;
        for (unsigned k = 1; k < (a & PRESCAN_ATTR_LEN_MASK) && off + k < BASE_PAGE_SIZE; k++)
            if (out->ch[off + k] == '.')
                out->ch[off + k] = '-';
    }
    int inval = m && m->inval && fresh(m, m->inval_epoch) && m->inval_page == page;
    if (inval) {
        out->invalidated = 1;
        out->inval_write = m->inval_write;
        out->inval_len = m->inval_len;
        out->inval_hit = m->inval_hit;
        out->inval_dropped = m->dropped;
        for (unsigned off = 0; off < BASE_PAGE_SIZE; off++)
            if (m->ghost[off] && out->ch[off] == '.')
                out->ch[off] = ':';
        for (unsigned k = 0; k < m->hit_len; k++)
            if (base_page_of(m->inval_hit + k) == page) {
                out->ch[base_page_off(m->inval_hit + k)] = 'X';
                out->flags[base_page_off(m->inval_hit + k)] |= SESSION_CELL_HIT;
            }
    }
    for (unsigned off = 0; off < BASE_PAGE_SIZE; off++) {
        if (!traps[off])
            continue;
        out->traps++;
        out->flags[off] |= SESSION_CELL_TRAP;
        if (traps[off] & ENF_TRAP_BREAK)
            out->ch[off] = 'B';
        else if (out->ch[off] != 'V' && out->ch[off] != 'n')
            out->ch[off] = 'T';
    }
    uint8_t links[BASE_PAGE_SIZE];
    out->links_in = (unsigned)session_links_into_page(s, page, links);
    for (unsigned off = 0; out->links_in && off < BASE_PAGE_SIZE; off++)
        if (links[off]) {
            out->ch[off] = 'L';
            out->flags[off] |= SESSION_CELL_LINK;
        }
    if (m && m->write && fresh(m, m->write_epoch)) {
        out->have_write = 1;
        out->write_gpa = m->write_gpa;
        out->write_len = m->write_len;
        for (unsigned k = 0; k < m->write_len; k++)
            if (base_page_of(m->write_gpa + k) == page) {
                out->ch[base_page_off(m->write_gpa + k)] = 'W';
                out->flags[base_page_off(m->write_gpa + k)] |= SESSION_CELL_WRITE;
            }
    }
    if (session_translate(s, session_rip_linear(s), &rip_gpa) == 0 && base_page_of(rip_gpa) == page) {
        out->ch[base_page_off(rip_gpa)] = '@';
        out->flags[base_page_off(rip_gpa)] |= SESSION_CELL_RIP;
        out->rip_off = base_page_off(rip_gpa);
        out->have_rip = 1;
    }
}
