/* session_priv.h — the insides of a session, private to src/ui/session/.
 * Front ends see only struct session's opaque pointer (session.h). */
#ifndef SCOUT_UI_SESSION_PRIV_H
#define SCOUT_UI_SESSION_PRIV_H
#include "ui/session/session.h"
#include "trace/trace.h"

struct session_impl {
    struct vm *vm;
    struct vcpu *cpu;
    struct dev_bus *bus;        /* the devices */
    struct dev_bios *bios;      /* NULL: no BIOS */
    struct enf *ef;             /* NULL in raw mode */
    struct events events;
    struct trace_writer *trace;
    struct probe_result probe;
    struct loader_image image;
    char guest_name[256];       /* file name without directories */
    int raw;
    int running;                /* inside session_run (1) or session_step (2) */
    int ended;                  /* the guest finished: exit device, HLT, crash */
    struct vm_stop last;        /* why the last run stopped */
    char trace_path[512];       /* the trace being written, "" if none */
    /* tick hook (session_set_tick) */
    void (*tick)(void *ctx);
    void *tick_ctx;
    volatile int interrupt_pending;
};

#endif
