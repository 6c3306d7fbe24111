/* enforce.h — scan-before-execute under KVM: the enforcement loop that joins
 * the prescan engine (src/prescan) to the monitor.
 *
 * Every instruction the engine marks virtualize gets a 1-byte trap (the
 * trap table below).  Every guest-physical page with an attribute page, a
 * trap, or table data the CPU reads without an exit (IDT/IVT, the GDT/LDT
 * entries of interrupt gates' code segments) is read-only to KVM, so guest
 * writes to it arrive here and go through the engine's write check.  At a
 * trap the loop looks at why the instruction is virtualize and either
 * resolves it (lazy in-page branch), emulates it (x86.h: branches,
 * PUSHF/POPF, CLI/STI, real-mode far transfers and interrupts, system
 * stores, MOV CR3) or executes it in place: the original bytes go back for
 * one run, a STEP trap goes on every successor, and everything is re-armed
 * at the next exit of any kind.  An exception or interrupt the CPU delivers
 * on its own lands on an ENTRY trap at its handler (every handler of the
 * current IDT/IVT is scanned and guarded), so an in-place step always ends
 * at an exit.  Where no successor can be known, the loop refuses to run
 * the instruction (the run stops with an error) instead of running it
 * unguarded.
 *
 * Known limit (KVM has no execute-only pages): guest reads of its own code
 * see trap bytes. */
#ifndef SCOUT_MONITOR_ENFORCE_H
#define SCOUT_MONITOR_ENFORCE_H
#include <stddef.h>
#include <stdint.h>

#include "monitor/events/events.h"
#include "monitor/kvm/kvm.h"
#include "prescan/prescan.h"

struct vm;

#define ENF_DEFAULT_DEPTH 16u
#define ENF_TRAP_OUT 0xEEu        /* out dx, al */

struct enf_config {
    unsigned depth;                   /* max prescan depth; 0 = lazy */
    int check_invariant;              /* stop when the invariants break at an exit */
    int amd_branches;                 /* the host takes 66-prefixed near branches as rel16 (probe) */
    int links;                        /* link out-of-page branches once their target is scanned */
    int smc_insn;                     /* a write keeps the page when the instructions it touched are unchanged */
};

/* Why --deprivilege left the guest at its own privilege for a run: not in
 * 64-bit code; not at CPL 0 (its own CPL 3 runs natively anyway); CR4
 * features the shadow does not model; an event to deliver first. */
enum { ENF_HELD_MODE, ENF_HELD_CPL, ENF_HELD_CR4, ENF_HELD_EVENT, ENF_HELD_COUNT };

struct enf_stats {
    uint64_t vexits;                              /* trap exits at virtualize points */
    uint64_t vexit_reason[PRESCAN_REASON_COUNT];
    uint64_t resolved;                            /* lazy branches flipped at their trap */
    uint64_t emulated;
    uint64_t stepped;                             /* executed in place */
    uint64_t refused;                             /* no successor known: not run (the run stopped) */
    uint64_t ud_injected;
    uint64_t step_trap_hits;                      /* temporary traps reached */
    uint64_t invalidations;
    uint64_t attrs_dropped;
    uint64_t data_writes;
    uint64_t injected_writes;
    uint64_t scans;                               /* scans started by the loop */
    uint64_t traps_planted, traps_removed;
    uint64_t pages_protected, pages_unprotected;
    uint64_t invariant_checks;
    uint64_t entry_hits;                          /* handler entries reached (exceptions, interrupts) */
    uint64_t native_io;                           /* port I/O by an instruction nobody trapped: must be 0 */
    uint64_t unprotected_steps;                   /* steps whose stores went to unprotected pages, diffed */
    uint64_t table_follows;                       /* IDT/IVT/GDT re-read after a change */
    uint64_t mmio_fragments;                      /* continuation exits of a split store */
    uint64_t denied_traps;                        /* traps the guest's TSS denied at CPL 3 (#GP, undone) */
    uint64_t paging_writes;                       /* guest writes into paging structures scout keeps still */
    uint64_t depriv_windows;                      /* --deprivilege: exits from CPL 3 into the guest's state */
    uint64_t depriv_held[ENF_HELD_COUNT];         /* ... runs left at the guest's own privilege, by why */
    uint64_t depriv_fills, depriv_flushes;        /* ... shadow page-table fills and flushes */
    uint64_t depriv_reflected, depriv_irqs;       /* ... exceptions and interrupts into the guest's IDT */
    uint64_t depriv_cpl0;                         /* ... accesses only CPL 0 may make, run there */
    uint64_t links_made, links_cut;               /* cross-page links made native / virtualize again or dropped */
    uint64_t smc_kept, smc_dumped;                /* smc insn: writes into scanned code that kept / dumped the page */
};

struct enf;

struct enf *enf_new(struct vm *vm, const struct enf_config *cfg,
                            struct events *events, char *err, size_t errlen);
void enf_free(struct enf *ef);
/* Where the host leaves RIP at an I/O exit (the probe's finding). */
void enf_set_io_rip_at_out(struct enf *ef, int at_out);

void enf_set_depth(struct enf *ef, unsigned depth);
unsigned enf_depth(const struct enf *ef);
/* Cross-page links (links.c): a static out-of-page branch in 64-bit code
 * becomes native once its target is scanned; dumping the target page, a
 * change of the target's page-table walk or of the paging registers, or
 * running the source page at another linear address makes it virtualize
 * again.  Off cuts every link. */
void enf_set_links(struct enf *ef, int on);
int  enf_links(const struct enf *ef);
/* Incoming links into a physical page: how many; out[off] = 1 where one lands (out may be NULL). */
size_t enf_links_into_page(const struct enf *ef, uint64_t page, uint8_t out[4096]);
/* Invalidation rule: 0 page (a write that touches a scanned instruction
 * dumps the page), 1 insn (it keeps the page when every instruction it
 * touched decodes the same: prescan_write_keeps). */
void enf_set_smc(struct enf *ef, int insn);
int  enf_smc_insn(const struct enf *ef);

/* Makes sure the instruction at the vCPU's RIP is scanned (call before the
 * first run).  0, or -1 with err. */
int enf_prepare(struct enf *ef, char *err, size_t errlen);
/* vm_run() with the enforcement hooks. */
int enf_run(struct enf *ef, struct vm_stop *stop);

/* Scans from a linear address in the current (or given: 16/32/64, 0 =
 * current) mode, planting traps and protecting pages as for a real scan.
 * 0, or -1 with err. */
int enf_prescan(struct enf *ef, uint64_t linear, int mode, char *err, size_t errlen);
/* Steppable scan: start, then sync after each prescan_step (the caller
 * drives the engine from enf_engine()).  enf_sync() plants the
 * traps and protects the pages the engine touched since the last sync. */
int enf_prescan_start(struct enf *ef, uint64_t linear, int mode, char *err, size_t errlen);
int enf_sync(struct enf *ef, char *err, size_t errlen);

/* A write of len bytes at a guest-physical address as if the guest made it:
 * the same write check, invalidation and data-write path.  0, or -1. */
int enf_inject_write(struct enf *ef, uint64_t gpa, const void *data, size_t len,
                         char *err, size_t errlen);

/* ── plugin hook: a virtualize exit before the default ──
 * handling.  Called at every trap exit counted in enf_stats.vexits, with
 * RIP on the instruction.  Return 0 to let the loop handle it, 1 if the hook
 * handled it and set the registers (RIP past it, or elsewhere) with
 * vcpu_set_regs: the loop then emits the vexit event (how "plugin") and
 * scans at the new RIP.  The hook may write guest memory through
 * enf_inject_write. */
struct enf_vexit {
    uint64_t rip, gpa;                /* linear and physical address */
    int mode;                         /* 16, 32, 64 */
    unsigned length;                  /* instruction length (attribute), 0 unknown */
    const uint8_t *bytes;             /* as the guest wrote them */
    unsigned nbytes;
    const char *mnemonic;             /* "cpuid", "(bad)" */
    enum prescan_reason reason;
};
typedef int (*enf_vexit_fn)(void *ctx, const struct enf_vexit *v);
void enf_set_vexit_hook(struct enf *ef, enf_vexit_fn fn, void *ctx);

/* ── deprivileged execution (depriv.c) ──
 * enf_deprivilege (--deprivilege), enf_set_deprivilege (at a stop): guest
 * code in 64-bit mode at CPL 0 runs at real CPL 3, natively, with the
 * deprivileging policy (its CPL-sensitive instructions run in the
 * guest's own state, at CPL 0); elsewhere at its own privilege.  Switching
 * drops every scanned page (enf_prepare rescans RIP).  Between runs the
 * vCPU holds the state the guest sees (registers, gdb);
 * enf_depriv_real_state gives the vCPU's real one as the last run left it
 * (-1: not deprivileged). */
int enf_deprivilege(struct enf *ef, char *err, size_t errlen);
int enf_set_deprivilege(struct enf *ef, int on, char *err, size_t errlen);
int enf_deprivileged(const struct enf *ef);
int enf_depriv_real_state(const struct enf *ef, struct kvm_regs *r, struct kvm_sregs *s);

struct prescan *enf_engine(struct enf *ef);
struct enf_trap_table *enf_traps(struct enf *ef);
void enf_get_stats(const struct enf *ef, struct enf_stats *out);
/* Guest bytes as the guest wrote them (trap bytes undone), by linear address. */
int enf_read_code(struct enf *ef, uint64_t linear, void *buf, size_t len);

/* ── debugger support: breakpoints and single steps, built from traps ──
 * (KVM guest debugging is broken on some hosts, DESIGN §3.)
 * A breakpoint is a ENF_TRAP_BREAK trap at a guest-physical address: when the
 * guest reaches it, enf_run/enf_step stop with why VM_STOP_HOOK,
 * RIP on it, message "breakpoint at rip=0x...", and enf_last_stop()
 * says ENF_STOP_BREAK.  Breakpoints are invisible to the engine and to
 * enf_read_code, and survive invalidation.  Resuming (enf_run or
 * enf_step) with RIP on a breakpoint executes that instruction once
 * without stopping there.
 * enf_step executes one instruction: a virtualize one is handled as
 * at its trap exit without entering the guest (emulated, resolved then
 * stepped, or executed in place), a native one in place; it stops at the
 * first exit after the instruction: a trap at a successor, or the exit the
 * instruction caused (device I/O, protected write, HLT, exception).  A
 * step that ends normally stops with VM_STOP_HOOK, "stepped at rip=0x...",
 * ENF_STOP_STEP.  Limits: an instruction with no known successor
 * (SYSCALL...) runs on to the next exit; `rep movs` into a protected page
 * stops after its first write. */
enum enf_stop { ENF_STOP_NONE, ENF_STOP_BREAK, ENF_STOP_STEP, ENF_STOP_WATCH };
int enf_break_insert(struct enf *ef, uint64_t gpa, char *err, size_t errlen);
int enf_break_remove(struct enf *ef, uint64_t gpa, char *err, size_t errlen);
int enf_step(struct enf *ef, struct vm_stop *stop);
/* Why the last run/step stopped, if a breakpoint or step stopped it; *gpa
 * (may be NULL) gets the guest-physical address of RIP there. */
enum enf_stop enf_last_stop(const struct enf *ef, uint64_t *gpa);

/* Data watchpoints, on the write path: [gpa, gpa+len) (len 1..4096, inside
 * one page) is kept read-only to KVM, and a store the guest makes there --
 * its own, emulated by scout, or by an instruction stepped in place --
 * stops the run right after it is made: VM_STOP_HOOK, "watchpoint at
 * rip=0x..." (RIP past the storing instruction, as gdb reports it),
 * ENF_STOP_WATCH.  Reads cannot be watched: KVM has no read-protected
 * pages.  At most ENF_MAX_WATCH.  0, or -1 with err. */
#define ENF_MAX_WATCH 32
struct enf_watch_hit {
    uint64_t gpa;                     /* the watched range */
    unsigned len;
    uint64_t write_gpa;               /* the store that hit it */
    unsigned write_len;
    uint8_t old[8], now[8];           /* the watched range's first bytes, before and after */
};
int enf_watch_insert(struct enf *ef, uint64_t gpa, unsigned len, char *err, size_t errlen);
int enf_watch_remove(struct enf *ef, uint64_t gpa, unsigned len, char *err, size_t errlen);
/* The last watchpoint hit (after ENF_STOP_WATCH): 0, or -1 if none. */
int enf_last_watch(const struct enf *ef, struct enf_watch_hit *out);

/* ══ the trap table (traps.c) ════════════════════════════════════════
 * The table of 1-byte traps planted in guest memory.
 *
 * A trap replaces the first byte of an instruction with a byte that exits
 * to the monitor (by default 0xEE, `out dx, al`).  The table remembers the
 * original byte so that the prescan engine always sees guest code as the
 * guest wrote it, and so that a guest write onto a trap byte updates the
 * saved original instead of destroying the trap.
 *
 * A byte can hold a trap for several reasons at once (kinds, a bitmask):
 *   ENF_TRAP_VIRTUALIZE  the instruction there is marked virtualize;
 *   ENF_TRAP_STEP        a temporary trap at a successor of an instruction the
 *                    monitor is executing in place (removed at next exit);
 *   ENF_TRAP_BREAK       a user breakpoint;
 *   ENF_TRAP_ENTRY       the entry of an interrupt or exception handler.
 * The byte in guest memory is the trap byte while any kind is present and
 * the trap is not suspended; suspending puts the original back for one
 * in-place step.  Pure C: memory is reached through callbacks. */
enum enf_trap_kind {
    ENF_TRAP_VIRTUALIZE = 1u << 0,
    ENF_TRAP_STEP       = 1u << 1,
    ENF_TRAP_BREAK      = 1u << 2,
    ENF_TRAP_ENTRY      = 1u << 3,
};

struct enf_trap_mem {               /* guest-physical byte access */
    void *ctx;
    int (*read)(void *ctx, uint64_t gpa, void *buf, size_t len);
    int (*write)(void *ctx, uint64_t gpa, const void *buf, size_t len);
};

struct enf_trap_table;

struct enf_trap_table *enf_trap_table_new(const struct enf_trap_mem *mem, uint8_t enf_trap_byte);
void enf_trap_table_free(struct enf_trap_table *tt);
uint8_t enf_trap_byte(const struct enf_trap_table *tt);

/* Adds `kind` at gpa, planting the trap byte if none was there.
 * Returns 0, or -1 if guest memory could not be read or written. */
int enf_trap_plant(struct enf_trap_table *tt, uint64_t gpa, unsigned kind);
/* Removes `kind`; when no kind is left the original byte goes back. */
int enf_trap_remove(struct enf_trap_table *tt, uint64_t gpa, unsigned kind);
/* Removes every trap in the page at page_gpa; returns how many. */
size_t enf_trap_remove_page(struct enf_trap_table *tt, uint64_t page_gpa);

/* 1 if the trap byte is in guest memory at gpa now (present, not suspended). */
int enf_trap_is_armed(const struct enf_trap_table *tt, uint64_t gpa);
/* Kinds present at gpa (0: no trap). */
unsigned enf_trap_kinds(const struct enf_trap_table *tt, uint64_t gpa);
/* The guest's own byte at gpa if a trap holds it; returns 0, or -1 if no trap. */
int enf_trap_original(const struct enf_trap_table *tt, uint64_t gpa, uint8_t *orig);
/* Overwrites trap bytes in a copy of guest bytes starting at gpa with the
 * originals, so the copy reads as the guest wrote it. */
void enf_trap_undo(const struct enf_trap_table *tt, uint64_t gpa, uint8_t *bytes, size_t len);
/* A guest (or injected) data write of len bytes at gpa: writes guest memory
 * except at trap bytes, whose saved originals are updated instead. */
int enf_trap_guest_write(struct enf_trap_table *tt, uint64_t gpa, const void *data, size_t len);

/* In-place stepping: put the original bytes back for every trap in
 * [gpa, gpa+len) until enf_trap_rearm_suspended(). */
int enf_trap_suspend_range(struct enf_trap_table *tt, uint64_t gpa, size_t len);
int enf_trap_rearm_suspended(struct enf_trap_table *tt);
int enf_trap_has_suspended(const struct enf_trap_table *tt);

size_t enf_trap_count(const struct enf_trap_table *tt);
/* Bytes holding any of the kinds in `kind`. */
size_t enf_trap_count_kind(const struct enf_trap_table *tt, unsigned kind);
size_t enf_trap_count_page(const struct enf_trap_table *tt, uint64_t page_gpa);
/* Calls fn for each trap in the page, in address order. */
void enf_trap_for_each_in_page(const struct enf_trap_table *tt, uint64_t page_gpa,
                           void (*fn)(void *ctx, uint64_t gpa, unsigned kinds, uint8_t orig),
                           void *ctx);
#endif
