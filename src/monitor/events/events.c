/* events.c — see events.h. */
#include "monitor/events/events.h"

static const char *const event_names[SCOUT_EV_COUNT] = {
    [SCOUT_EV_RUN_START] = "run-start",   [SCOUT_EV_RUN_STOP] = "run-stop",
    [SCOUT_EV_SCAN] = "scan",             [SCOUT_EV_FLIP] = "flip",
    [SCOUT_EV_VEXIT] = "vexit",           [SCOUT_EV_INVALIDATE] = "invalidate",
    [SCOUT_EV_DATA_WRITE] = "data-write", [SCOUT_EV_PAGE_ALLOC] = "page-alloc",
    [SCOUT_EV_PAGE_FREE] = "page-free",   [SCOUT_EV_TRAP_PLANT] = "trap-plant",
    [SCOUT_EV_TRAP_REMOVE] = "trap-remove", [SCOUT_EV_IO] = "io",
    [SCOUT_EV_EXCEPTION] = "exception", [SCOUT_EV_ENTRY] = "entry",
    [SCOUT_EV_TABLES] = "tables",       [SCOUT_EV_IRQ] = "irq",
};

const char *scout_event_name(enum scout_event_type t)
{
    return (unsigned)t < SCOUT_EV_COUNT ? event_names[t] : "unknown";
}

int events_subscribe(struct events *e, scout_event_fn fn, void *ctx)
{
    if (e->n == EVENTS_MAX_SUBSCRIBERS)
        return -1;
    e->sub[e->n].fn = fn;
    e->sub[e->n].ctx = ctx;
    e->n++;
    return 0;
}

void events_unsubscribe(struct events *e, scout_event_fn fn, void *ctx)
{
    for (size_t i = 0; i < e->n; i++)
        if (e->sub[i].fn == fn && e->sub[i].ctx == ctx) {
            for (size_t j = i + 1; j < e->n; j++)
                e->sub[j - 1] = e->sub[j];
            e->n--;
            return;
        }
}

void events_emit(const struct events *e, const struct scout_event *ev)
{
    for (size_t i = 0; i < e->n; i++)
        e->sub[i].fn(e->sub[i].ctx, ev);
}
