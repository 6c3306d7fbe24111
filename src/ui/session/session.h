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
 * Files: session.c (open/close/restart, trace, console, events, what was
 * loaded), run.c (run, step, interrupt, ticks, breakpoints, watchpoints),
 * cpu.c (registers, modes, disassembly), mem.c (guest memory), prescan.c
 * (the engine and the trap table as the commands and the TUI show them),
 * stats.c (counters), symbols.c (symbols and line tables), source.c
 * (source files' lines), marks.c (the map as front ends draw it), inspect.c
 * (descriptor tables and page tables as the guest set them up), sha256.c. */
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

/* A write made before the guest starts (--poke), as if the guest made it. */
#define SESSION_POKE_MAX 64
struct session_poke {
    uint64_t gpa;
    uint8_t bytes[SESSION_POKE_MAX];
    size_t len;
};

struct session_opts {
    struct loader_opts load;    /* the guest (a file, or bytes for the demo) */
    struct vm_config vm;
    int raw;                    /* plain KVM, no scanning */
    int deprivilege;            /* --deprivilege: CPL 0 code at real CPL 3 (enforce.h) */
    unsigned depth;             /* prescan depth (0 = lazy) */
    int links;                  /* --links on: out-of-page branches linked (enforce.h) */
    int smc_insn;               /* --smc insn: precise invalidation (enforce.h) */
    const char *trace_path;     /* --trace FILE */
    unsigned trace_flags;       /* SESSION_TRACE_* (--trace-times, --trace-symbols) */
    /* Symbols: from this file (--symbols: an ELF, or nm / System.map
     * text), else from these bytes (an ELF: the demo's), else from the
     * guest's own file when it is an ELF.  The strings and bytes must
     * outlive the session (a restart reads them again). */
    const char *symbols_path;
    const uint8_t *symbols_image;
    size_t symbols_image_len;
    /* applied after the entry is scanned (session_open, and every restart) */
    const struct session_poke *pokes;
    size_t npokes;
    int pc_testdev;             /* --device pc-testdev */
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

/* Probes the host, creates the VM, loads the guest and its symbols.  The
 * options are kept for session_restart.  0, or -1 with "what: why" in err. */
int  session_open(struct session *s, const struct session_opts *o, char *err, size_t errlen);
void session_close(struct session *s);
/* The guest from its initial state (gdb's `run` again): a new VM with the
 * same options -- image, pokes, and the depth as set now (prepared, as
 * session_prepare).  What front ends
 * attached carries over: event subscribers, the console, the tick hook,
 * plugin hooks, symbols and the trace (which gets a `restart` event).
 * Breakpoints and watchpoints do not: the front end inserts its own again.
 * On failure the old guest stays.  0, or -1 with err. */
int  session_restart(struct session *s, char *err, size_t errlen);
/* Ends the guest (gdb's `kill`): nothing runs until session_restart. */
void session_kill(struct session *s);
/* A session with no guest and no VM (nothing runs; the commands can be
 * listed).  0, or -1 with err. */
int  session_open_detached(struct session *s, char *err, size_t errlen);
/* Scans the instruction at RIP, then makes the pokes of the options (once):
 * call it before the first command or run, after plugins are attached, so
 * everything sees the guest as it will start.  0, or -1 with err. */
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
/* session_run with flags:
 *   SESSION_RUN_BREAK_HERE  a breakpoint at RIP stops the run before its
 *                           instruction runs (gdb's `run` onto a breakpoint
 *                           at the entry); without it, resuming on a
 *                           breakpoint runs its instruction (gdb's
 *                           `continue`): it stops on the next arrival. */
enum { SESSION_RUN_BREAK_HERE = 1u << 0 };
int  session_run_flags(struct session *s, struct vm_stop *stop, unsigned flags);
/* Executes one guest instruction (not under --raw), with the same events
 * and stop bookkeeping as session_run.  An instruction that branches to
 * itself (`jmp .`, a taken `loop .`) executes once and stops on itself.
 * A guest INT3 is delivered to the guest as #BP (scout's own IDT reports
 * it as a guest exception, like any other). */
int  session_step(struct session *s, struct vm_stop *stop);
/* Async-signal-safe: makes a running session_run return (why = VM_STOP_
 * INTERRUPTED or VM_STOP_TIMEOUT).  Asked between runs (a front end's loop
 * of steps), the next run or step stops at once, before the guest runs. */
void session_interrupt(struct session *s, int why);
/* Forgets an interrupt nobody took (a front end's command ended first). */
void session_cancel_interrupt(struct session *s);
/* 1 while an interrupt is asked and no run or step took it yet (a front
 * end that waits on something else than the guest, e.g. the gdb stub on
 * its socket, stops waiting). */
int  session_interrupt_pending(const struct session *s);
/* Runs the tick hook if a tick was asked for (session_request_tick) while
 * no session_run was there to take it: a front end's loop of many steps
 * calls this between them, so the screen follows. */
void session_service_tick(struct session *s);
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
/* Write watchpoints on the enforcement write path: a guest store into
 * [gpa, gpa+len) (1..4096 bytes in one page) stops the run right after it
 * (ENF_STOP_WATCH, RIP past the store); session_last_watch says what was
 * written.  Reads cannot be watched (KVM has no read-protected pages).
 * 0, or -1 with err. */
int  session_watch_insert(struct session *s, uint64_t gpa, unsigned len, char *err, size_t errlen);
int  session_watch_remove(struct session *s, uint64_t gpa, unsigned len, char *err, size_t errlen);
int  session_last_watch(const struct session *s, struct enf_watch_hit *out);   /* 0, or -1 */

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
/* flags: SESSION_TRACE_TIMES adds t=<ns> to every event; SESSION_TRACE_SYMBOLS
 * annotates code addresses with sym=NAME+OFF (not deterministic across
 * symbol files: traces stay address-based by default).  The trace starts
 * with the guest (name, format, size, SHA-256 of the image) and the
 * options (scan, depth, mem, cpl) as events. */
enum { SESSION_TRACE_TIMES = 1u << 0, SESSION_TRACE_SYMBOLS = 1u << 1 };
int  session_trace_start(struct session *s, const char *path, unsigned flags, char *err, size_t errlen);
int  session_trace_stop(struct session *s, char *err, size_t errlen);
/* The trace being written, or NULL. */
const char *session_trace_path(const struct session *s);
/* Adds an event that is not the monitor's (a poke, an option changed, a
 * restart) to the trace being written, in its order among the monitor's
 * events; does nothing without a trace.  fmt gives "key=value ..." as
 * trace_emit takes it. */
void session_trace_note(struct session *s, const char *type, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
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
/* The table entry for a name (aliases and parts as session_reg_read), and
 * which bits of it the name means.  NULL if none. */
const struct x86_reg_info *session_reg_find(const char *name, unsigned *shift, unsigned *width);
/* By name, parts included: "al" changes bits 0-7, "eax" zero-extends into
 * rax as the CPU does.  0, or -1 with err (no such register, not
 * writable, the vCPU refused). */
int  session_reg_write(struct session *s, const char *name, uint64_t v, char *err, size_t errlen);
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
    char text[200];             /* Intel syntax; "(unreadable)" or "(bad)" */
    unsigned flow;              /* SESSION_INSN_* (below): call, ret, branch ... */
};
/* mode 16/32/64.  flags: SESSION_DISASM_COMPACT numbers without zero
 * padding (narrow panes), else x86_format_insn's padded style (the
 * commands'); SESSION_DISASM_SYMBOLS a branch target gets " <sym+off>", a
 * RIP-relative operand "  # <sym+off>" when a symbol is there.  Returns
 * insn->length. */
enum { SESSION_DISASM_COMPACT = 1u << 0, SESSION_DISASM_SYMBOLS = 1u << 1 };
unsigned session_disasm(struct session *s, uint64_t linear, int mode, unsigned flags, struct session_insn *insn);

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
/* session_write_linear (no writable check) with the page rule whatever
 * `set smc` says: a write that touches a scanned instruction dumps the
 * page even if it leaves it as it was (forget, rescan). */
int  session_write_dumping(struct session *s, uint64_t linear, const void *buf, size_t len,
                           char *err, size_t errlen);
int  session_write_linear(struct session *s, uint64_t linear, const void *buf, size_t len,
                          int check_writable, char *err, size_t errlen);

/* ══ the prescan engine and the trap table ═══════════════════════════
 * All of these need enforcement: under --raw they return -1 / 0 / NULL. */

unsigned session_depth(const struct session *s);
void session_set_depth(struct session *s, unsigned depth);
/* The technique switches (enf_set_links, enf_set_smc); 0 under --raw. */
int  session_links(const struct session *s);
void session_set_links(struct session *s, int on);
int  session_smc_insn(const struct session *s);
void session_set_smc_insn(struct session *s, int insn);
/* Deprivileged execution (enf_set_deprivilege): switched at a stop, the
 * pages scanned so far dropped and RIP's scanned again.  0 or -1 (err). */
int  session_deprivileged(const struct session *s);
int  session_set_deprivilege(struct session *s, int on, char *err, size_t errlen);
/* The vCPU's real state while deprivileged (what the guest does not see:
 * CPL 3, scout's tables, the shadow CR3), its code size and CPL; -1 when
 * not deprivileged. */
int  session_real_regs(struct session *s, struct kvm_regs *r, struct kvm_sregs *sr, int *bits, int *cpl);
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
/* Incoming cross-page links: how many; at[off] = 1 where one lands. */
size_t session_links_into_page(struct session *s, uint64_t page_gpa, uint8_t at[4096]);
/* Counters; 0, or -1 under --raw (out zeroed). */
int  session_enforce_stats(struct session *s, struct enf_stats *out);
int  session_prescan_stats(struct session *s, struct prescan_stats *out);

/* Hooks for plugins (no-ops under --raw). */
void session_set_classifier(struct session *s, prescan_classify_fn fn, void *ctx);
void session_set_vexit_hook(struct session *s, enf_vexit_fn fn, void *ctx);
/* What kind of control flow an instruction the engine classified is. */
enum { SESSION_INSN_BRANCH = 1u << 0,     /* jmp, jcc, call, ret, int, syscall ... */
       SESSION_INSN_TERMINAL = 1u << 1,   /* no fall-through: jmp, ret, hlt, ud */
       SESSION_INSN_INVALID = 1u << 2,    /* undecodable */
       SESSION_INSN_CALL = 1u << 3,       /* a near or far call (session_disasm) */
       SESSION_INSN_RET = 1u << 4 };      /* a near or far return, iret (session_disasm) */
unsigned session_insn_flow(const struct prescan_insn *insn);

/* ══ the attribute map as front ends draw it (marks.c) ══════════════
 * One character a byte, the same in the TUI's pane and the `map` command:
 *   .  unscanned              n  instruction start, native
 *   V  instruction start, virtualize (its trap planted: SESSION_CELL_TRAP)
 *   -  instruction body       T  a trap on no scanned start (a step trap,
 *                                a handler entry)
 *   B  breakpoint             @  RIP
 *   W  the last write into a code page
 *   X  the instruction the last invalidating write hit
 *   :  scanned before that invalidation, not scanned again since
 * W, X and : stay through the command that made them and the next one
 * (session_mark_epoch counts commands). */
#define SESSION_MAP_LEGEND ". unscanned  n native  V virtualize  - body  T trap  B breakpoint  @ rip  " \
                           "W write  X hit  : dropped  L link in"
enum { SESSION_CELL_TRAP = 1u << 0, SESSION_CELL_HIT = 1u << 1, SESSION_CELL_WRITE = 1u << 2,
       SESSION_CELL_RIP = 1u << 3, SESSION_CELL_LINK = 1u << 4 /* an incoming cross-page link lands here */ };
struct session_map {
    uint64_t page;
    int mode;
    int have_attrs;
    char ch[4096];
    uint8_t flags[4096];        /* SESSION_CELL_* */
    unsigned scanned, virtualize, traps;    /* instruction starts, of them virtualize; trap bytes */
    unsigned links_in;          /* incoming cross-page links */
    int have_rip;
    unsigned rip_off;
    int invalidated;            /* the last invalidation was on this page */
    uint64_t inval_write, inval_hit;
    unsigned inval_len;
    size_t inval_dropped;
    int have_write;
    uint64_t write_gpa;
    unsigned write_len;
};
void session_map_page(struct session *s, uint64_t page_gpa, int mode, struct session_map *out);
/* A front end starts a command. */
void session_mark_epoch(struct session *s);

/* ══ symbols and source lines (symbols.c) ═══════════════════════════
 * Addresses are linear, as the ELF file gives them. */
struct session_sym {
    const char *name;           /* valid until the symbols are replaced */
    uint64_t addr, size;        /* size 0: unknown */
    int func;                   /* in code (a function or a code label) */
};
/* Replaces the symbols with those of FILE (an ELF, or "ADDRESS [TYPE]
 * NAME" lines as nm and System.map print them): `symbol-file`.  Returns
 * the number of symbols, or -1 with err. */
long session_symbols_load(struct session *s, const char *path, char *err, size_t errlen);
/* Where the symbols came from ("" when there are none). */
const char *session_symbols_source(const struct session *s);
size_t session_sym_count(const struct session *s);
/* By address order (0 .. count-1).  0, or -1. */
int  session_sym_get(const struct session *s, size_t i, struct session_sym *out);
/* By name (a global wins over a local of the same name).  0, or -1. */
int  session_sym_lookup(const struct session *s, const char *name, struct session_sym *out);
/* The symbol an address is in (the nearest below, within its size or its
 * section) and the offset into it.  0, or -1. */
int  session_sym_at(const struct session *s, uint64_t addr, struct session_sym *out, uint64_t *off);
/* "add3" or "add3+4" for an address, "" when none; returns the length. */
size_t session_sym_format(const struct session *s, uint64_t addr, char *buf, size_t len);
/* DWARF line tables (`as -g`, `gcc -g`): */
int  session_have_lines(const struct session *s);
/* The source line an address belongs to: file (the full path), line, and
 * the code of that line entry [start, end).  0, or -1. */
struct session_line {
    const char *file;
    unsigned line;
    uint64_t start, end;
};
int  session_line_at(const struct session *s, uint64_t addr, struct session_line *out);
/* Where code for FILE:LINE starts (file NULL: any file; matched by full
 * path, base name or path suffix); a line without code moves to the next
 * one that has some, as gdb does.  Returns the line used, or -1. */
int  session_line_addr(const struct session *s, const char *file, unsigned line, uint64_t *addr,
                       const char **full);

/* Line `line` (1-based) of a source file the line tables name (not NUL-
 * terminated: *len bytes), NULL if unreadable or past the end; *nlines
 * (may be NULL) the file's line count.  Valid until another file is read. */
const char *session_source_line(struct session *s, const char *file, unsigned line, size_t *len, unsigned *nlines);

/* ══ descriptor and page tables as the guest set them up (inspect.c) ═══ */

/* Entry i of the GDT (ldt 0) or the current LDT (ldt 1): raw bytes (a
 * 16-byte system descriptor in long mode fills raw_hi) and decoded.
 * 0, or -1 with err (beyond the limit, unreadable). */
int  session_read_desc(struct session *s, int ldt, unsigned index, struct x86_desc *d, uint64_t raw[2],
                       char *err, size_t errlen);
/* Interrupt vector v: the IDT gate (the IVT's segment:offset in real mode,
 * as a gate with selector = segment).  0, or -1 with err. */
int  session_read_gate(struct session *s, unsigned vector, struct x86_gate *g, char *err, size_t errlen);
/* "#GP", "NMI", "interrupt" (>= 32). */
const char *session_vector_name(unsigned vector);
/* The number of entries the GDT/LDT/IDT limits allow (IVT: 256). */
unsigned session_table_entries(struct session *s, char which /* 'g' 'l' 'i' */);
/* One linear address through the guest's page tables, level by level. */
struct session_walk {
    const char *paging;         /* "none", "32-bit", "PAE", "4-level", "5-level (not walked)" */
    int nlevels;
    struct {
        const char *name;       /* "PML4E", "PDPTE", "PDE", "PTE" */
        uint64_t entry_gpa, entry;
    } level[5];
    int mapped;
    uint64_t gpa, page_size;    /* when mapped */
    uint64_t flags;             /* the leaf entry's bits (X86_PTE_*), NX in bit 63 */
    int writable, user;         /* through every level */
};
void session_page_walk(struct session *s, uint64_t linear, struct session_walk *w);
/* Every present leaf mapping in linear address order: fn(ctx, linear,
 * gpa, size, writable, user, nx).  Stops after max leaves (returns 1 if it
 * stopped early, 0 when done, -1 when paging is not walkable). */
int  session_mappings(struct session *s, size_t max,
                      void (*fn)(void *ctx, uint64_t lin, uint64_t gpa, uint64_t size, int w, int u, int nx),
                      void *ctx);

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
