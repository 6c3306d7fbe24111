/* trace_events.h — the trace sink: formats scout events (monitor/events.h)
 * as trace lines (trace.h).  Field order is fixed per event type; every
 * address is hex; nothing host-specific is written. */
#ifndef SCOUT_TRACE_EVENTS_H
#define SCOUT_TRACE_EVENTS_H
#include "monitor/events/events.h"
#include "trace/trace.h"

/* An events subscriber; ctx is the struct trace_writer *. */
void trace_events_sink(void *ctx, const struct scout_event *ev);
#endif
