/* events.h — what the engine and the monitor tell the rest of scout.
 *
 * Data flows one way: the enforcement loop turns prescan-engine and
 * monitor happenings into `struct scout_event`s and hands each to every
 * subscriber (trace writer, TUI event log, plugins).  With no subscriber,
 * emitting costs one test.  Strings in events are static names (reasons,
 * mnemonics) that outlive the call; subscribers copy what they keep. */
#ifndef SCOUT_MONITOR_EVENTS_H
#define SCOUT_MONITOR_EVENTS_H
#include <stddef.h>
#include <stdint.h>

enum scout_event_type {
    SCOUT_EV_RUN_START,     /* run_start */
    SCOUT_EV_RUN_STOP,      /* run_stop */
    SCOUT_EV_SCAN,          /* scan: one instruction classified */
    SCOUT_EV_FLIP,          /* addr: a virtualize branch became native */
    SCOUT_EV_VEXIT,         /* vexit: a virtualize exit and how it was handled */
    SCOUT_EV_INVALIDATE,    /* invalidate */
    SCOUT_EV_DATA_WRITE,    /* write: a write into a code page that hit no instruction */
    SCOUT_EV_PAGE_ALLOC,    /* page */
    SCOUT_EV_PAGE_FREE,     /* page */
    SCOUT_EV_TRAP_PLANT,    /* trap */
    SCOUT_EV_TRAP_REMOVE,   /* trap */
    SCOUT_EV_IO,            /* io: guest I/O on a scout device */
    SCOUT_EV_EXCEPTION,     /* exception: a guest exception the monitor saw */
    SCOUT_EV_ENTRY,         /* entry: a guarded interrupt/exception handler was reached */
    SCOUT_EV_TABLES,        /* tables: the interrupt tables were followed (handlers guarded) */
    SCOUT_EV_IRQ,           /* irq: an interrupt controller of scout's handed a vector to the CPU */
    SCOUT_EV_COUNT
};

struct scout_event {
    enum scout_event_type type;
    union {
        struct { const char *mode; unsigned depth; const char *scan; const char *guest; } run_start;
        struct { const char *why; int status; } run_stop;
        struct { uint64_t page; unsigned off; int mode; unsigned len; int virtualize;
                 const char *reason; unsigned depth; } scan;
        struct { uint64_t gpa; int mode; } flip;
        struct { uint64_t rip; const char *insn; const char *reason; const char *how;
                 int has_target; uint64_t target; } vexit;
        struct { uint64_t page; uint64_t write; unsigned len; uint64_t hit; size_t dropped;
                 int injected; } invalidate;
        struct { uint64_t gpa; unsigned len; int injected; int kept; /* smc insn: a code write that kept the page */ } write;
        struct { uint64_t page; int mode; size_t dropped; } page;
        struct { uint64_t gpa; uint8_t orig; const char *kind; } trap;
        struct { uint16_t port; int out; unsigned size; uint32_t value; } io;
        struct { unsigned vector; uint64_t rip; int has_addr; uint64_t addr; uint32_t error; } exception;
        /* the handler's address; the lowest vector whose gate leads there and how many do */
        struct { uint64_t addr; unsigned vector, nvectors; } entry;
        /* the IDT (IVT in real mode) base and limit, guarded handler entries, protected table pages */
        struct { uint64_t idt; unsigned limit; size_t entries, pages; } tables;
        /* the vector, the ISA line (8259) or pin (IOAPIC), which controller, RIP then */
        struct { unsigned vector; int line; const char *src; uint64_t rip; } irq;
    } u;
};

const char *scout_event_name(enum scout_event_type t);   /* "scan", "vexit", ... */

typedef void (*scout_event_fn)(void *ctx, const struct scout_event *ev);

#define EVENTS_MAX_SUBSCRIBERS 16
struct events {
    size_t n;
    struct { scout_event_fn fn; void *ctx; } sub[EVENTS_MAX_SUBSCRIBERS];
};

/* 0, or -1 when the table is full. */
int  events_subscribe(struct events *e, scout_event_fn fn, void *ctx);
void events_unsubscribe(struct events *e, scout_event_fn fn, void *ctx);

static inline int events_wanted(const struct events *e) { return e && e->n != 0; }
void events_emit(const struct events *e, const struct scout_event *ev);
#endif
