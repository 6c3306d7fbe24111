/* trace_events.c — see trace_events.h. */
#include "trace/trace_events.h"

#include <inttypes.h>

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

void trace_events_sink(void *ctx, const struct scout_event *ev)
{
    struct trace_writer *tw = ctx;
    const char *name = scout_event_name(ev->type);
    char esc[256], how[128];

    switch (ev->type) {
    case SCOUT_EV_RUN_START:
        token(esc, sizeof(esc), ev->u.run_start.guest);
        trace_emit(tw, name, "mode=%s scan=%s depth=%u guest=%s", ev->u.run_start.mode,
                   ev->u.run_start.scan, ev->u.run_start.depth, esc);
        break;
    case SCOUT_EV_RUN_STOP:
        trace_emit(tw, name, "why=%s status=%d", ev->u.run_stop.why, ev->u.run_stop.status);
        break;
    case SCOUT_EV_SCAN:
        trace_emit(tw, name, "page=0x%" PRIx64 " off=0x%03x mode=%d len=%u verdict=%s reason=%s depth=%u",
                   ev->u.scan.page, ev->u.scan.off, ev->u.scan.mode, ev->u.scan.len,
                   ev->u.scan.virtualize ? "virtualize" : "native", ev->u.scan.reason,
                   ev->u.scan.depth);
        break;
    case SCOUT_EV_FLIP:
        trace_emit(tw, name, "addr=0x%" PRIx64 " mode=%d", ev->u.flip.gpa, ev->u.flip.mode);
        break;
    case SCOUT_EV_VEXIT:
        if (ev->u.vexit.has_target)
            trace_emit(tw, name, "rip=0x%" PRIx64 " insn=%s reason=%s how=%s target=0x%" PRIx64,
                       ev->u.vexit.rip, token(esc, sizeof(esc), ev->u.vexit.insn), ev->u.vexit.reason,
                       token(how, sizeof(how), ev->u.vexit.how), ev->u.vexit.target);
        else
            trace_emit(tw, name, "rip=0x%" PRIx64 " insn=%s reason=%s how=%s", ev->u.vexit.rip,
                       token(esc, sizeof(esc), ev->u.vexit.insn), ev->u.vexit.reason,
                       token(how, sizeof(how), ev->u.vexit.how));
        break;
    case SCOUT_EV_INVALIDATE:
        trace_emit(tw, name, "page=0x%" PRIx64 " write=0x%" PRIx64 " len=%u hit=0x%" PRIx64
                   " dropped=%zu src=%s", ev->u.invalidate.page, ev->u.invalidate.write,
                   ev->u.invalidate.len, ev->u.invalidate.hit, ev->u.invalidate.dropped,
                   ev->u.invalidate.injected ? "inject" : "guest");
        break;
    case SCOUT_EV_DATA_WRITE:
        trace_emit(tw, name, "addr=0x%" PRIx64 " len=%u src=%s", ev->u.write.gpa, ev->u.write.len,
                   ev->u.write.injected ? "inject" : "guest");
        break;
    case SCOUT_EV_PAGE_ALLOC:
        trace_emit(tw, name, "page=0x%" PRIx64 " mode=%d", ev->u.page.page, ev->u.page.mode);
        break;
    case SCOUT_EV_PAGE_FREE:
        trace_emit(tw, name, "page=0x%" PRIx64 " mode=%d dropped=%zu", ev->u.page.page,
                   ev->u.page.mode, ev->u.page.dropped);
        break;
    case SCOUT_EV_TRAP_PLANT:
        trace_emit(tw, name, "addr=0x%" PRIx64 " orig=0x%02x kind=%s", ev->u.trap.gpa,
                   ev->u.trap.orig, ev->u.trap.kind);
        break;
    case SCOUT_EV_TRAP_REMOVE:
        trace_emit(tw, name, "addr=0x%" PRIx64 " kind=%s", ev->u.trap.gpa, ev->u.trap.kind);
        break;
    case SCOUT_EV_IO:
        trace_emit(tw, name, "port=0x%x dir=%s size=%u val=0x%x", ev->u.io.port,
                   ev->u.io.out ? "out" : "in", ev->u.io.size, ev->u.io.value);
        break;
    case SCOUT_EV_EXCEPTION:
        if (ev->u.exception.has_addr)
            trace_emit(tw, name, "vector=%u rip=0x%" PRIx64 " addr=0x%" PRIx64 " error=0x%x",
                       ev->u.exception.vector, ev->u.exception.rip, ev->u.exception.addr,
                       ev->u.exception.error);
        else
            trace_emit(tw, name, "vector=%u rip=0x%" PRIx64 " error=0x%x", ev->u.exception.vector,
                       ev->u.exception.rip, ev->u.exception.error);
        break;
    case SCOUT_EV_ENTRY:
        trace_emit(tw, name, "addr=0x%" PRIx64 " vector=%u vectors=%u", ev->u.entry.addr, ev->u.entry.vector,
                   ev->u.entry.nvectors);
        break;
    case SCOUT_EV_TABLES:
        trace_emit(tw, name, "idt=0x%" PRIx64 " limit=0x%x entries=%zu pages=%zu", ev->u.tables.idt,
                   ev->u.tables.limit, ev->u.tables.entries, ev->u.tables.pages);
        break;
    case SCOUT_EV_IRQ:
        trace_emit(tw, name, "vector=0x%x line=%d src=%s rip=0x%" PRIx64, ev->u.irq.vector, ev->u.irq.line,
                   ev->u.irq.src, ev->u.irq.rip);
        break;
    case SCOUT_EV_COUNT:
        break;
    }
}
