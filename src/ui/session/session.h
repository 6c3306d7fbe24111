/* session.h — the one facade every front end uses (the batch front end,
 * the command language, the TUI, plugins, and the coming gdb stub): a
 * guest loaded into a VM, the enforcement loop (unless raw), the event hub
 * and an optional trace.  Front ends call only the functions below; they
 * include no monitor/ or prescan/ header and never see the session's
 * insides.  The monitor's and the engine's types and constants (struct
 * vm_stop, VM_STOP_*, struct scout_event, struct prescan_step,
 * PRESCAN_ATTR_*, ENF_TRAP_*, struct x86_reg_info ...) come through here.
 *
 * Everything that reads guest memory reads it as the guest wrote it: the
 * monitor's 1-byte trap bytes are undone.  Everything that writes it as
 * the guest would goes through the enforcement write path (write check,
 * invalidation) when enforced, and plainly under --raw.
 *
 * Files: session.c (open/close, trace, console, events, what was loaded),
 * run.c (run, step, interrupt, ticks, breakpoints), cpu.c (registers,
 * modes, disassembly), mem.c (guest memory), prescan.c (the engine and the
 * trap table as the commands and the TUI show them), stats.c (counters). */
#ifndef SCOUT_UI_SESSION_H
#define SCOUT_UI_SESSION_H
#include <stddef.h>
#include <stdint.h>

#include "monitor/dev/dev.h"
#include "monitor/enforce/enforce.h"
#include "monitor/events/events.h"
#include "monitor/kvm/kvm.h"
#include "monitor/loader/loader.h"
#include "monitor/x86/x86.h"
#include "prescan/prescan.h"

struct session_opts {
    struct loader_opts load;    /* the guest (a file, or bytes for the demo) */
    struct vm_config vm;
    int raw;                    /* plain KVM, no scanning */
    unsigned depth;             /* prescan depth (0 = lazy) */
    const char *trace_path;     /* --trace FILE */
    int trace_times;            /* --trace-times */
    /* the BIOS (boot sectors, real-mode images): */
    const char *disk;           /* --disk FILE: the disk int 13h sees (default: the image) */
    int boot_disk;              /* boot the disk's first sector (no image given) */
    const char *keys;           /* --keys FILE: int 16h's input ("-": stdin) */
    int no_bios;                /* --no-bios */
};

/* A session.  Its state is private to src/ui/session/ (session_priv.h). */
struct session_impl;
struct session {
    struct session_impl *impl;
};

/* ══ life cycle ══════════════════════════════════════════════════════ */

/* Probes the host, creates the VM, loads the guest.  0, or -1 with
 * "what: why" in err. */
int  session_open(struct session *s, const struct session_opts *o, char *err, size_t errlen);
void session_close(struct session *s);
/* A session with no guest and no VM (nothing runs; the commands can be
 * listed).  0, or -1 with err. */
int  session_open_detached(struct session *s, char *err, size_t errlen);
/* Scans the instruction at RIP (before the first command or poke, so they
 * see the guest as it will start).  A no-op under --raw.  0 or -1. */
int  session_prepare(struct session *s, char *err, size_t errlen);

/* ══ what is loaded ══════════════════════════════════════════════════ */

const char *session_guest_name(const struct session *s);  /* file name, no directories */
int  session_enforced(const struct session *s);           /* 0 under --raw */
struct session_image {
    uint64_t base, end;         /* lowest guest-physical byte loaded, highest + 1 */
    uint64_t entry;
    int mode;                   /* initial CPU mode: 16, 32, 64 */
};
void session_image(const struct session *s, struct session_image *out);
/* What the host KVM probe found (at open), as `info host` prints it. */
void session_format_probe(const struct session *s, char *buf, size_t len);
/* The same without a session (scout --version).  0, or -1 with err. */
int  session_probe_host(char *buf, size_t len, char *err, size_t errlen);

/* ══ running ═════════════════════════════════════════════════════════ */

/* Runs or continues the guest until it stops; fills stop (also kept as
 * session_last_stop) and emits run-start / run-stop.  0, or -1
 * (VM_STOP_ERROR). */
int  session_run(struct session *s, struct vm_stop *stop);
/* Executes one guest instruction (not under --raw), with the same events
 * and stop bookkeeping as session_run. */
int  session_step(struct session *s, struct vm_stop *stop);
/* Async-signal-safe: makes a running session_run return (why = VM_STOP_
 * INTERRUPTED or VM_STOP_TIMEOUT). */
void session_interrupt(struct session *s, int why);
/* 0 stopped, 1 inside session_run, 2 inside session_step. */
int  session_running(const struct session *s);
/* The guest finished (exit device, HLT, crash): nothing can run any more. */
int  session_ended(const struct session *s);
/* Why the last run or step stopped (zeroed before the first). */
const struct vm_stop *session_last_stop(const struct session *s);
/* The process exit status for how the guest ended (see scout --help). */
int  session_exit_status(const struct vm_stop *stop);
/* Whether the last run/step stopped at a breakpoint or after a step, and
 * the guest-physical address of RIP there (gpa may be NULL). */
enum enf_stop session_stop_kind(const struct session *s, uint64_t *gpa);

/* Breakpoints: 1-byte traps at a guest-physical address (enforcement
 * only).  0, or -1 with err. */
int  session_break_insert(struct session *s, uint64_t gpa, char *err, size_t errlen);
int  session_break_remove(struct session *s, uint64_t gpa, char *err, size_t errlen);

/* A short stop the TUI asks for to redraw while the guest runs: the run
 * loop returns with this reason, session_run calls the tick hook and
 * resumes the guest; callers of session_run never see it. */
#define SESSION_STOP_TICK 64
/* fn NULL removes the hook. */
void session_set_tick(struct session *s, void (*fn)(void *ctx), void *ctx);
/* Async-signal-safe (call it from a timer's signal handler, with SIGINT
 * blocked in that handler): asks a running session_run for a tick.  Does
 * nothing when the session is not running, has no hook, or an interrupt
 * is already pending (a tick never swallows a Ctrl-C). */
void session_request_tick(struct session *s);

/* ══ events, trace, console ══════════════════════════════════════════ */

/* 0, or -1 when the hub is full. */
int  session_subscribe(struct session *s, scout_event_fn fn, void *ctx);
void session_unsubscribe(struct session *s, scout_event_fn fn, void *ctx);
int  session_trace_start(struct session *s, const char *path, int times, char *err, size_t errlen);
int  session_trace_stop(struct session *s, char *err, size_t errlen);
/* The trace being written, or NULL. */
const char *session_trace_path(const struct session *s);
/* Where guest console output goes (NULL: stdout). */
void session_set_console(struct session *s, const struct dev_console *c);

/* ══ registers and modes (the x86 register table) ════════════════════ */

/* The register table in display order (x86_reg_at). */
size_t session_reg_count(void);
const struct x86_reg_info *session_reg_at(size_t i);
/* 0, or -1 (the vCPU cannot be read; not writable). */
int  session_reg_get(struct session *s, const struct x86_reg_info *ri, uint64_t *v);
int  session_reg_set(struct session *s, const struct x86_reg_info *ri, uint64_t v);
/* By name, with the table's aliases and GPR parts ("eax", "ah", "pc");
 * 0, or -1 (no such register). */
int  session_reg_read(struct session *s, const char *name, uint64_t *v);
/* The whole register file (segment details, descriptor tables). */
int  session_regs(struct session *s, struct kvm_regs *r, struct kvm_sregs *sr);
/* "CF ZF IF ..." for the set flags (x86_format_flags). */
void session_format_flags(uint64_t rflags, char *buf, size_t len);
/* The one multi-line register dump (x86_format_state). */
void session_format_state(struct session *s, char *buf, size_t len);
/* 16, 32 or 64: the code size the CPU decodes with now (64 if unknown). */
int  session_mode(struct session *s);
/* "real", "prot32" or "long64" for it. */
const char *session_mode_name(struct session *s);
int  session_cpl(struct session *s);                    /* -1 on error */
/* Linear address of CS:RIP (0 if the vCPU cannot be read). */
uint64_t session_rip_linear(struct session *s);

/* One instruction, disassembled (x86_decode + x86_format_insn). */
#define SESSION_INSN_MAX 15
struct session_insn {
    uint8_t bytes[SESSION_INSN_MAX];
    unsigned nbytes;            /* readable bytes at the address (0: unreadable) */
    unsigned length;            /* decoded length; 0: unreadable or undecodable */
    char text[160];             /* Intel syntax; "(unreadable)" or "(bad)" */
};
/* mode 16/32/64; compact: numbers without zero padding (narrow panes),
 * else x86_format_insn's padded style (the commands').  Returns
 * insn->length. */
unsigned session_disasm(struct session *s, uint64_t linear, int mode, int compact, struct session_insn *insn);

/* ══ guest memory ════════════════════════════════════════════════════ */

uint64_t session_mem_size(const struct session *s);
/* Linear -> guest-physical in the vCPU's current mode (no write check).
 * 0, or -1 (not mapped).  The result may lie beyond RAM. */
int  session_translate(struct session *s, uint64_t linear, uint64_t *gpa);
/* As the guest wrote it (trap bytes undone).  0, or -1. */
int  session_read_linear(struct session *s, uint64_t linear, void *buf, size_t len);
int  session_read_phys(struct session *s, uint64_t gpa, void *buf, size_t len);
/* As if the guest wrote it: through the write check (enforced) or plain
 * (raw).  0, or -1 with err. */
int  session_write_phys(struct session *s, uint64_t gpa, const void *buf, size_t len,
                        char *err, size_t errlen);
/* Every page is translated first (with the page tables' write check when
 * check_writable), then written: all or nothing. */
int  session_write_linear(struct session *s, uint64_t linear, const void *buf, size_t len,
                          int check_writable, char *err, size_t errlen);

/* ══ the prescan engine and the trap table ═══════════════════════════
 * All of these need enforcement: under --raw they return -1 / 0 / NULL. */

unsigned session_depth(const struct session *s);
void session_set_depth(struct session *s, unsigned depth);
/* Scans from a linear address now, planting traps as a real scan.  0 or -1. */
int  session_prescan(struct session *s, uint64_t linear, char *err, size_t errlen);
/* A steppable scan: start it, then step: 1 stepped (st filled), 0 the scan
 * finished, -1 error (err).  Traps and protection follow every step. */
int  session_pstart(struct session *s, uint64_t linear, char *err, size_t errlen);
int  session_pstep(struct session *s, struct prescan_step *st, char *err, size_t errlen);
/* Pending paths of the scan in progress, bottom first. */
size_t session_worklist(struct session *s, const struct prescan_work **items);
uint8_t session_attr(struct session *s, uint64_t gpa, int mode);       /* 0 if none */
const uint8_t *session_attr_page(struct session *s, uint64_t page_gpa, int mode);
/* Why the scanned instruction at gpa is virtualize (NONE if native...). */
enum prescan_reason session_reason_at(struct session *s, uint64_t gpa, int mode);
const char *session_reason_name(enum prescan_reason r);                /* "computed" */
const char *session_path_end_name(enum prescan_path_end e);            /* "depth-limit" */
/* Fills up to max entries (unordered); returns the number of live pages. */
size_t session_pages(struct session *s, struct prescan_page_info *out, size_t max);
/* Traps: the kinds at gpa (ENF_TRAP_*, 0: none); the guest's own byte
 * under a trap (0, or -1: no trap); whether the trap byte is in memory. */
unsigned session_trap_kinds(struct session *s, uint64_t gpa);
int  session_trap_original(struct session *s, uint64_t gpa, uint8_t *orig);
int  session_trap_armed(struct session *s, uint64_t gpa);
size_t session_trap_count(struct session *s);
size_t session_entry_count(struct session *s);   /* interrupt/exception handler entries guarded */
size_t session_trap_count_page(struct session *s, uint64_t page_gpa);
/* For drawing: kinds[off] = the trap kinds at page_gpa + off (0 none). */
void session_page_traps(struct session *s, uint64_t page_gpa, uint8_t kinds[4096]);
/* Counters; 0, or -1 under --raw (out zeroed). */
int  session_enforce_stats(struct session *s, struct enf_stats *out);
int  session_prescan_stats(struct session *s, struct prescan_stats *out);

/* Hooks for plugins (no-ops under --raw). */
void session_set_classifier(struct session *s, prescan_classify_fn fn, void *ctx);
void session_set_vexit_hook(struct session *s, enf_vexit_fn fn, void *ctx);
/* What kind of control flow an instruction the engine classified is. */
enum { SESSION_INSN_BRANCH = 1u << 0,     /* jmp, jcc, call, ret, int, syscall ... */
       SESSION_INSN_TERMINAL = 1u << 1,   /* no fall-through: jmp, ret, hlt, ud */
       SESSION_INSN_INVALID = 1u << 2 };  /* undecodable */
unsigned session_insn_flow(const struct prescan_insn *insn);

/* ══ counters ════════════════════════════════════════════════════════
 * The one formatter for `scout --stats` and the `stats` command: monitor,
 * enforcement and engine counters, one line per call of `line` (no
 * newline).  Styles differ only in grouping and names, as each has always
 * printed them:
 *   SESSION_STATS_BATCH    "stats: runs=..." "enforce: ..." "writes: ..."
 *                          "prescan: ..." (the front end adds "scout: ")
 *   SESSION_STATS_COMMAND  "monitor: ..." then "enforcement: off (--raw)"
 *                          or enforce/writes/traps/engine lines */
enum session_stats_style { SESSION_STATS_BATCH, SESSION_STATS_COMMAND };
void session_format_stats(struct session *s, enum session_stats_style style,
                          void (*line)(void *arg, const char *line), void *arg);

#endif
