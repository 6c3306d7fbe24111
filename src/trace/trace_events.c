/* trace_events.c — see trace_events.h. */
#include "trace/trace_events.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

/* Free text as one field value: spaces become '-', the rest is escaped. */
static const char *token(char *buf, size_t len, const char *text)
{
    char tmp[128];
    size_t i = 0;
    for (; text && text[i] && i + 1 < sizeof(tmp); i++)
        tmp[i] = text[i] == ' ' ? '-' : text[i];
    tmp[i] = 0;
    trace_escape(buf, len, i ? tmp : "-");
    return buf;
}

/* The code address an event names, if any. */
static int code_addr(const struct scout_event *ev, uint64_t *a)
{
    switch (ev->type) {
    case SCOUT_EV_VEXIT: *a = ev->u.vexit.rip; return 1;
    case SCOUT_EV_FLIP: *a = ev->u.flip.gpa; return 1;
    case SCOUT_EV_TRAP_PLANT:
    case SCOUT_EV_TRAP_REMOVE: *a = ev->u.trap.gpa; return 1;
    case SCOUT_EV_INVALIDATE: *a = ev->u.invalidate.hit; return 1;
    case SCOUT_EV_EXCEPTION: *a = ev->u.exception.rip; return 1;
    case SCOUT_EV_ENTRY: *a = ev->u.entry.addr; return 1;
    default: return 0;
    }
}

/* trace_emit, with " sym=..." after the fields when annotating. */
static void emit(struct trace_writer *tw, const struct trace_events_annotated *an, const struct scout_event *ev,
                 const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void emit(struct trace_writer *tw, const struct trace_events_annotated *an, const struct scout_event *ev,
                 const char *fmt, ...)
{
    char fields[1024], sym[256], esc[300];
    uint64_t a;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(fields, sizeof(fields), fmt, ap);
    va_end(ap);
    sym[0] = 0;
    if (an && an->symbolize && code_addr(ev, &a))
        an->symbolize(an->arg, a, sym, sizeof(sym));
    if (*sym)
        trace_emit(tw, scout_event_name(ev->type), "%s sym=%s", fields, token(esc, sizeof(esc), sym));
    else
        trace_emit(tw, scout_event_name(ev->type), "%s", fields);
}

static void sink(struct trace_writer *tw, const struct trace_events_annotated *an, const struct scout_event *ev)
{
    char esc[256], how[128];

    switch (ev->type) {
    case SCOUT_EV_RUN_START:
        token(esc, sizeof(esc), ev->u.run_start.guest);
        emit(tw, an, ev, "mode=%s scan=%s depth=%u guest=%s", ev->u.run_start.mode,
                   ev->u.run_start.scan, ev->u.run_start.depth, esc);
        break;
    case SCOUT_EV_RUN_STOP:
        emit(tw, an, ev, "why=%s status=%d", ev->u.run_stop.why, ev->u.run_stop.status);
        break;
    case SCOUT_EV_SCAN:
        emit(tw, an, ev, "page=0x%" PRIx64 " off=0x%03x mode=%d len=%u verdict=%s reason=%s depth=%u",
                   ev->u.scan.page, ev->u.scan.off, ev->u.scan.mode, ev->u.scan.len,
                   ev->u.scan.virtualize ? "virtualize" : "native", ev->u.scan.reason,
                   ev->u.scan.depth);
        break;
    case SCOUT_EV_FLIP:
        emit(tw, an, ev, "addr=0x%" PRIx64 " mode=%d", ev->u.flip.gpa, ev->u.flip.mode);
        break;
    case SCOUT_EV_VEXIT:
        if (ev->u.vexit.has_target)
            emit(tw, an, ev, "rip=0x%" PRIx64 " insn=%s reason=%s how=%s target=0x%" PRIx64,
                       ev->u.vexit.rip, token(esc, sizeof(esc), ev->u.vexit.insn), ev->u.vexit.reason,
                       token(how, sizeof(how), ev->u.vexit.how), ev->u.vexit.target);
        else
            emit(tw, an, ev, "rip=0x%" PRIx64 " insn=%s reason=%s how=%s", ev->u.vexit.rip,
                       token(esc, sizeof(esc), ev->u.vexit.insn), ev->u.vexit.reason,
                       token(how, sizeof(how), ev->u.vexit.how));
        break;
    case SCOUT_EV_INVALIDATE:
        emit(tw, an, ev, "page=0x%" PRIx64 " write=0x%" PRIx64 " len=%u hit=0x%" PRIx64
                   " dropped=%zu src=%s", ev->u.invalidate.page, ev->u.invalidate.write,
                   ev->u.invalidate.len, ev->u.invalidate.hit, ev->u.invalidate.dropped,
                   ev->u.invalidate.injected ? "inject" : "guest");
        break;
    case SCOUT_EV_DATA_WRITE:
        emit(tw, an, ev, "addr=0x%" PRIx64 " len=%u src=%s%s", ev->u.write.gpa, ev->u.write.len,
                   ev->u.write.injected ? "inject" : "guest", ev->u.write.kept ? " smc=kept" : "");
        break;
    case SCOUT_EV_PAGE_ALLOC:
        emit(tw, an, ev, "page=0x%" PRIx64 " mode=%d", ev->u.page.page, ev->u.page.mode);
        break;
    case SCOUT_EV_PAGE_FREE:
        emit(tw, an, ev, "page=0x%" PRIx64 " mode=%d dropped=%zu", ev->u.page.page,
                   ev->u.page.mode, ev->u.page.dropped);
        break;
    case SCOUT_EV_TRAP_PLANT:
        emit(tw, an, ev, "addr=0x%" PRIx64 " orig=0x%02x kind=%s", ev->u.trap.gpa,
                   ev->u.trap.orig, ev->u.trap.kind);
        break;
    case SCOUT_EV_TRAP_REMOVE:
        emit(tw, an, ev, "addr=0x%" PRIx64 " kind=%s", ev->u.trap.gpa, ev->u.trap.kind);
        break;
    case SCOUT_EV_IO:
        emit(tw, an, ev, "port=0x%x dir=%s size=%u val=0x%x", ev->u.io.port,
                   ev->u.io.out ? "out" : "in", ev->u.io.size, ev->u.io.value);
        break;
    case SCOUT_EV_EXCEPTION:
        if (ev->u.exception.has_addr)
            emit(tw, an, ev, "vector=%u rip=0x%" PRIx64 " addr=0x%" PRIx64 " error=0x%x",
                       ev->u.exception.vector, ev->u.exception.rip, ev->u.exception.addr,
                       ev->u.exception.error);
        else
            emit(tw, an, ev, "vector=%u rip=0x%" PRIx64 " error=0x%x", ev->u.exception.vector,
                       ev->u.exception.rip, ev->u.exception.error);
        break;
    case SCOUT_EV_ENTRY:
        emit(tw, an, ev, "addr=0x%" PRIx64 " vector=%u vectors=%u", ev->u.entry.addr, ev->u.entry.vector,
                   ev->u.entry.nvectors);
        break;
    case SCOUT_EV_TABLES:
        emit(tw, an, ev, "idt=0x%" PRIx64 " limit=0x%x entries=%zu pages=%zu", ev->u.tables.idt,
                   ev->u.tables.limit, ev->u.tables.entries, ev->u.tables.pages);
        break;
    case SCOUT_EV_IRQ:
        emit(tw, an, ev, "vector=0x%x line=%d src=%s rip=0x%" PRIx64, ev->u.irq.vector, ev->u.irq.line,
             ev->u.irq.src, ev->u.irq.rip);
        break;
    case SCOUT_EV_COUNT:
        break;
    }
}

void trace_events_sink(void *ctx, const struct scout_event *ev) { sink(ctx, NULL, ev); }

void trace_events_sink_annotated(void *ctx, const struct scout_event *ev)
{
    const struct trace_events_annotated *an = ctx;
    sink(an->tw, an, ev);
}
