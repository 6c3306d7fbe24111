/* session_priv.h — the insides of a session, private to src/ui/session/.
 * Front ends see only struct session's opaque pointer (session.h). */
#ifndef SCOUT_UI_SESSION_PRIV_H
#define SCOUT_UI_SESSION_PRIV_H
#include "base/file.h"
#include "ui/session/session.h"
#include "trace/trace.h"
#include "trace/trace_events.h"

struct session_syms;
struct session_marks;
struct session_source;

struct session_impl {
    struct session_opts opts;   /* as opened, for session_restart */
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
    volatile int tick_requested;
    /* what front ends attached, carried over by session_restart */
    struct dev_console console;
    int have_console;
    prescan_classify_fn classify;
    void *classify_ctx;
    enf_vexit_fn vexit;
    void *vexit_ctx;
    struct session_syms *syms;
    struct trace_events_annotated *trace_an;    /* the trace's subscriber context when annotated */
    /* a stop the session made itself (a breakpoint at RIP before running,
     * a self-branch stepped): what session_stop_kind says instead of the
     * monitor */
    enum enf_stop stop_kind;
    uint64_t stop_gpa;
    int killed;
    int poked;                  /* the pokes were made */
    struct session_marks *marks;    /* marks.c: the map's recent history, once asked for */
    struct session_source *source;  /* source.c: the source file last read */
};

/* symbols.c: a table from an ELF image or nm text (quiet_not_elf: bytes
 * that are not an ELF give an empty table, not an error).  NULL with err. */
struct session_syms *session_syms_load(const char *name, const uint8_t *data, size_t len, int quiet_not_elf,
                                       char *err, size_t errlen);
void session_syms_free(struct session_syms *t);
/* marks.c: stop keeping marks (close); start over (restart: the new
 * guest's marks, same subscription). */
void session_marks_free(struct session *s);
void session_marks_reset(struct session_marks *m);
/* source.c: frees the cached file. */
void session_source_free(struct session_impl *si);
/* file.c: a whole file (up to 1 GiB), malloc'ed; NULL with err ("PATH:
 * why").  flags: BASE_FILE_STREAM when an inherited pipe will do. */
uint8_t *session_file_read(const char *path, unsigned flags, size_t *len, char *err, size_t errlen);
/* sha256.c: the hex digest (64 characters and a NUL). */
void session_sha256_hex(const void *data, size_t len, char out[65]);

#endif
