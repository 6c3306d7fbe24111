/* core.c — the plugin host and dispatch: scout events, the prescan
 * classifier and the vexit hook become calls through each plugin's
 * callback table, in load order.  See plugin_priv.h. */
#include "ui/plugin/plugin_priv.h"

#include "ui/guard/guard.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct plugins *g_host;      /* the one host; the public API finds plugins here */

struct plugins *plugin_host(void) { return g_host; }

struct plugin *plugin_find(scout_plugin_id id)
{
    if (!g_host || !pthread_equal(pthread_self(), g_host->thread))
        return NULL;
    for (size_t i = 0; i < g_host->n; i++)
        if (g_host->pl[i]->id == id)
            return g_host->pl[i];
    return NULL;
}

/* A callback of p failed: report it once, skip p from now on. */
static void failed(struct plugins *h, struct plugin *p, const char *what)
{
    if (p->dead)
        return;
    p->dead = 1;
    plugin_report(h, "plugin %s: %s callback failed: %s; unloaded", p->name, what,
           p->error[0] ? p->error : "returned an error");
}

void plugin_reap(struct plugins *h)
{
    if (h->depth > 0)
        return;
    for (size_t i = 0; i < h->n;) {
        if (h->pl[i]->dead)
            plugin_unload_now(h, h->pl[i]);    /* shifts the array: same i again */
        else
            i++;
    }
}

/* ── scout events → plugin callbacks ───────────────────────────────── */

/* A call into plugin p's code, timed by the guard's watchdog; its value. */
static int guarded_rc;
#define GUARDED(p, what, call) (guard_enter((p)->name, (what)), guarded_rc = (call), guard_leave(), guarded_rc)

/* Each returns 1 when the event is a safe point (plugins may be unloaded). */
static int on_run(struct plugins *h, const struct scout_event *ev)
{
    scout_run r = { 0 };
    r.start = ev->type == SCOUT_EV_RUN_START;
    if (r.start) {
        r.mode = ev->u.run_start.mode;
        r.scan = ev->u.run_start.scan;
    } else {
        r.why = ev->u.run_stop.why;
        r.status = ev->u.run_stop.status;
        r.final = session_ended(h->s);
    }
    for (size_t i = 0; i < h->n; i++) {
        struct plugin *p = h->pl[i];
        struct plugin_cb *cb = &p->cb[PLUGIN_EV_RUN];
        if (!p->dead && cb->fn.run && GUARDED(p, "run", cb->fn.run(p->id, cb->ud, &r)) < 0)
            failed(h, p, "run");
    }
    return 1;
}

static int on_write(struct plugins *h, const struct scout_event *ev)
{
    scout_write w = { 0 };
    scout_invalidate inv = { 0 };
    if (ev->type == SCOUT_EV_DATA_WRITE) {
        w.gpa = ev->u.write.gpa;
        w.len = ev->u.write.len;
        w.injected = ev->u.write.injected;
    } else {
        w.gpa = inv.write_gpa = ev->u.invalidate.write;
        w.len = inv.write_len = ev->u.invalidate.len;
        w.injected = inv.injected = ev->u.invalidate.injected;
        w.hit = 1;
        inv.page = ev->u.invalidate.page;
        inv.hit_gpa = ev->u.invalidate.hit;
        inv.dropped = ev->u.invalidate.dropped;
    }
    for (size_t i = 0; i < h->n; i++) {
        struct plugin *p = h->pl[i];
        struct plugin_cb *wcb = &p->cb[PLUGIN_EV_WRITE], *icb = &p->cb[PLUGIN_EV_INVALIDATE];
        if (!p->dead && wcb->fn.write && GUARDED(p, "write", wcb->fn.write(p->id, wcb->ud, &w)) < 0)
            failed(h, p, "write");
        if (w.hit && !p->dead && icb->fn.invalidate &&
            GUARDED(p, "invalidate", icb->fn.invalidate(p->id, icb->ud, &inv)) < 0)
            failed(h, p, "invalidate");
    }
    return 0;
}

static int on_io(struct plugins *h, const struct scout_event *ev)
{
    scout_io io = { ev->u.io.port, ev->u.io.out, ev->u.io.size, ev->u.io.value };
    for (size_t i = 0; i < h->n; i++) {
        struct plugin *p = h->pl[i];
        struct plugin_cb *cb = &p->cb[PLUGIN_EV_IO];
        if (!p->dead && cb->fn.io && GUARDED(p, "io", cb->fn.io(p->id, cb->ud, &io)) < 0)
            failed(h, p, "io");
    }
    return 1;
}

/* Which scout events plugins hear about, and how. */
static int (*const dispatch[SCOUT_EV_COUNT])(struct plugins *h, const struct scout_event *ev) = {
    [SCOUT_EV_RUN_START] = on_run,
    [SCOUT_EV_RUN_STOP] = on_run,
    [SCOUT_EV_DATA_WRITE] = on_write,
    [SCOUT_EV_INVALIDATE] = on_write,
    [SCOUT_EV_IO] = on_io,
};

static void on_event(void *ctx, const struct scout_event *ev)
{
    struct plugins *h = ctx;
    if ((unsigned)ev->type >= SCOUT_EV_COUNT || !dispatch[ev->type])
        return;
    h->depth++;
    int safe = dispatch[ev->type](h, ev);
    h->depth--;
    if (safe)
        plugin_reap(h);
}

/* ── the engine's hooks ─────────────────────────────────────────────── */

static int on_classify(void *ctx, const struct prescan_insn *pi)
{
    struct plugins *h = ctx;
    scout_insn in = { pi->gpa, (int)pi->mode, pi->length, pi->bytes, pi->mnemonic_name,
                      session_insn_flow(pi), pi->virtualize, session_reason_name(pi->reason) };
    int decision = -1;
    h->depth++;
    h->in_classify = 1;
    for (size_t i = 0; i < h->n; i++) {
        struct plugin *p = h->pl[i];
        struct plugin_cb *cb = &p->cb[PLUGIN_EV_CLASSIFY];
        if (p->dead || !cb->fn.classify)
            continue;
        int r = GUARDED(p, "classify", cb->fn.classify(p->id, cb->ud, &in));
        if (r < 0)
            failed(h, p, "classify");
        else if (decision < 0 && r == SCOUT_CLASSIFY_NATIVE)
            decision = 0;
        else if (decision < 0 && r == SCOUT_CLASSIFY_VIRTUALIZE)
            decision = 1;
    }
    h->in_classify = 0;
    h->depth--;
    return decision;        /* not a safe point: the engine is mid-scan */
}

static int on_vexit(void *ctx, const struct enf_vexit *ev)
{
    struct plugins *h = ctx;
    scout_vexit v = { ev->rip, ev->gpa, ev->mode, ev->length, ev->bytes, ev->nbytes,
                      ev->mnemonic, session_reason_name(ev->reason), 0 };
    uint8_t was[16];
    unsigned n = ev->nbytes < sizeof(was) ? ev->nbytes : (unsigned)sizeof(was);
    memcpy(was, ev->bytes, n);
    h->depth++;
    for (size_t i = 0; i < h->n; i++) {
        struct plugin *p = h->pl[i];
        struct plugin_cb *cb = &p->cb[PLUGIN_EV_VEXIT];
        if (p->dead || !cb->fn.vexit)
            continue;
        int r = GUARDED(p, "vexit", cb->fn.vexit(p->id, cb->ud, &v));
        if (r < 0)
            failed(h, p, "vexit");
        else if (r == SCOUT_VEXIT_HANDLED)
            v.handled = 1;
    }
    h->depth--;
    plugin_reap(h);
    /* A plugin that wrote over the trapped instruction (its page was
     * dropped by the write check): what scout decoded before is stale.
     * Handled with RIP where it is: the new bytes are scanned and run
     * from there, never the old decode. */
    uint8_t now[16];
    if (!v.handled && n && session_read_linear(h->s, ev->rip, now, n) == 0 && memcmp(now, was, n) != 0)
        v.handled = 1;
    return v.handled;
}

/* ── the host ───────────────────────────────────────────────────────── */

struct plugins *plugins_new(struct session *s, const char *guest_path, char *err, size_t errlen)
{
    if (g_host) {
        snprintf(err, errlen, "plugins: a plugin host exists already");
        return NULL;
    }
    struct plugins *h = calloc(1, sizeof(*h));
    if (!h) {
        snprintf(err, errlen, "plugins: out of memory");
        return NULL;
    }
    h->s = s;
    h->thread = pthread_self();
    snprintf(h->guest_path, sizeof(h->guest_path), "%s", guest_path ? guest_path : session_guest_name(s));
    h->next_id = 1;
    if (session_subscribe(s, on_event, h) != 0) {
        snprintf(err, errlen, "plugins: too many event subscribers");
        free(h);
        return NULL;
    }
    session_set_classifier(s, on_classify, h);
    session_set_vexit_hook(s, on_vexit, h);
    g_host = h;
    return h;
}

void plugins_free(struct plugins *h)
{
    if (!h)
        return;
    h->depth = 0;
    while (h->n)
        plugin_unload_now(h, h->pl[0]);
    plugins_detach_commands(h);
    session_set_classifier(h->s, NULL, NULL);
    session_set_vexit_hook(h->s, NULL, NULL);
    session_unsubscribe(h->s, on_event, h);
    g_host = NULL;
    free(h);
}

void plugins_set_report(struct plugins *h, void (*fn)(void *arg, const char *line), void *arg)
{
    h->report = fn;
    h->report_arg = arg;
}

size_t plugins_count(const struct plugins *h) { return h->n; }
