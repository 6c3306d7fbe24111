/* trace_events.h — the trace sink: formats scout events (monitor/events.h)
 * as trace lines (trace.h).  Field order is fixed per event type; every
 * address is hex; nothing host-specific is written. */
#ifndef SCOUT_TRACE_EVENTS_H
#define SCOUT_TRACE_EVENTS_H
#include "monitor/events/events.h"
#include "trace/trace.h"

/* An events subscriber; ctx is the struct trace_writer *. */
void trace_events_sink(void *ctx, const struct scout_event *ev);

/* The same with code addresses annotated: events that name one (vexit
 * rip, flip and trap addr, invalidate hit, exception rip, entry addr) get
 * a last field sym=NAME+OFF when symbolize finds a symbol (it writes ""
 * when none).  Not deterministic across symbol files: off by default. */
struct trace_events_annotated {
    struct trace_writer *tw;
    size_t (*symbolize)(void *arg, uint64_t addr, char *buf, size_t len);
    void *arg;
};
/* ctx is a struct trace_events_annotated *. */
void trace_events_sink_annotated(void *ctx, const struct scout_event *ev);
#endif
