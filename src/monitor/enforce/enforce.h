/* enforce.h — scan-before-execute under KVM: the enforcement loop that joins
 * the prescan engine (src/prescan) to the monitor.
 *
 * Every instruction the engine marks virtualize gets a 1-byte trap (traps.h).
 * Every guest-physical page with an attribute page, or holding a trap, is
 * read-only to KVM, so guest writes to it arrive here and go through the
 * engine's write check.  At a trap the loop looks at why the instruction is
 * virtualize and either resolves it (lazy in-page branch), emulates it
 * (insn_emul.h: branches, PUSHF/POPF, CLI/STI) or executes it in place: the
 * original bytes go back for one run, with temporary STEP traps planted at
 * every successor the instruction can reach, and everything is re-armed at
 * the next exit of any kind.  Code the monitor owns (the reserved region at
 * the top of RAM) is not scanned.
 *
 * Known limits (counted in enforce_stats.unguarded_steps when they happen):
 * SYSCALL/SYSENTER/SYSRET/SYSEXIT and far branches through memory executed in
 * place have no computed successor; asynchronous interrupts do not exist in
 * this monitor; guest reads of its own code see trap bytes. */
#ifndef SCOUT_MONITOR_ENFORCE_H
#define SCOUT_MONITOR_ENFORCE_H
#include <stddef.h>
#include <stdint.h>

#include "monitor/events/events.h"
#include "monitor/kvm/run.h"
#include "prescan/prescan.h"

struct vm;
struct trap_table;

#define ENFORCE_DEFAULT_DEPTH 16u
#define ENFORCE_TRAP_OUT 0xEEu        /* out dx, al */

struct enforce_config {
    unsigned depth;                   /* max prescan depth; 0 = lazy */
    int check_invariant;              /* stop when RIP is unscanned at an exit */
};

struct enforce_stats {
    uint64_t vexits;                              /* trap exits at virtualize points */
    uint64_t vexit_reason[PRESCAN_REASON_COUNT];
    uint64_t resolved;                            /* lazy branches flipped at their trap */
    uint64_t emulated;
    uint64_t stepped;                             /* executed in place */
    uint64_t unguarded_steps;                     /* in place with no known successor */
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
};

struct enforce;

struct enforce *enforce_new(struct vm *vm, const struct enforce_config *cfg,
                            struct events *events, char *err, size_t errlen);
void enforce_free(struct enforce *ef);
/* Where the host leaves RIP at an I/O exit (the probe's finding). */
void enforce_set_io_rip_at_out(struct enforce *ef, int at_out);

void enforce_set_depth(struct enforce *ef, unsigned depth);
unsigned enforce_depth(const struct enforce *ef);

/* Makes sure the instruction at the vCPU's RIP is scanned (call before the
 * first run).  0, or -1 with err. */
int enforce_prepare(struct enforce *ef, char *err, size_t errlen);
/* vm_run() with the enforcement hooks. */
int enforce_run(struct enforce *ef, struct vm_stop *stop);

/* Scans from a linear address in the current (or given: 16/32/64, 0 =
 * current) mode, planting traps and protecting pages as for a real scan.
 * 0, or -1 with err. */
int enforce_prescan(struct enforce *ef, uint64_t linear, int mode, char *err, size_t errlen);
/* Steppable scan: start, then sync after each prescan_step (the caller
 * drives the engine from enforce_engine()).  enforce_sync() plants the
 * traps and protects the pages the engine touched since the last sync. */
int enforce_prescan_start(struct enforce *ef, uint64_t linear, int mode, char *err, size_t errlen);
int enforce_sync(struct enforce *ef, char *err, size_t errlen);

/* A write of len bytes at a guest-physical address as if the guest made it:
 * the same write check, invalidation and data-write path.  0, or -1. */
int enforce_inject_write(struct enforce *ef, uint64_t gpa, const void *data, size_t len,
                         char *err, size_t errlen);

/* ── plugin hook (plugins branch): a virtualize exit before the default ──
 * handling.  Called at every trap exit counted in enforce_stats.vexits, with
 * RIP on the instruction.  Return 0 to let the loop handle it, 1 if the hook
 * handled it and set the registers (RIP past it, or elsewhere) with
 * vcpu_set_regs: the loop then emits the vexit event (how "plugin") and
 * scans at the new RIP.  The hook may write guest memory through
 * enforce_inject_write. */
struct enforce_vexit {
    uint64_t rip, gpa;                /* linear and physical address */
    int mode;                         /* 16, 32, 64 */
    unsigned length;                  /* instruction length (attribute), 0 unknown */
    const uint8_t *bytes;             /* as the guest wrote them */
    unsigned nbytes;
    const char *mnemonic;             /* "cpuid", "(bad)" */
    enum prescan_reason reason;
};
typedef int (*enforce_vexit_fn)(void *ctx, const struct enforce_vexit *v);
void enforce_set_vexit_hook(struct enforce *ef, enforce_vexit_fn fn, void *ctx);

struct prescan *enforce_engine(struct enforce *ef);
struct trap_table *enforce_traps(struct enforce *ef);
void enforce_get_stats(const struct enforce *ef, struct enforce_stats *out);
/* Guest bytes as the guest wrote them (trap bytes undone), by linear address. */
int enforce_read_code(struct enforce *ef, uint64_t linear, void *buf, size_t len);

/* ── debugger support: breakpoints and single steps, built from traps ──
 * (KVM guest debugging is broken on some hosts, DESIGN §3.)
 * A breakpoint is a TRAP_BREAK trap at a guest-physical address: when the
 * guest reaches it, enforce_run/enforce_step stop with why VM_STOP_HOOK,
 * RIP on it, message "breakpoint at rip=0x...", and enforce_last_stop()
 * says ENFORCE_STOP_BREAK.  Breakpoints are invisible to the engine and to
 * enforce_read_code, and survive invalidation.  Resuming (enforce_run or
 * enforce_step) with RIP on a breakpoint executes that instruction once
 * without stopping there.
 * enforce_step executes one instruction: a virtualize one is handled as
 * at its trap exit without entering the guest (emulated, resolved then
 * stepped, or executed in place), a native one in place; it stops at the
 * first exit after the instruction: a trap at a successor, or the exit the
 * instruction caused (device I/O, protected write, HLT, exception).  A
 * step that ends normally stops with VM_STOP_HOOK, "stepped at rip=0x...",
 * ENFORCE_STOP_STEP.  Limits: an instruction with no known successor
 * (SYSCALL...) runs on to the next exit; `rep movs` into a protected page
 * stops after its first write. */
enum enforce_stop { ENFORCE_STOP_NONE, ENFORCE_STOP_BREAK, ENFORCE_STOP_STEP };
int enforce_break_insert(struct enforce *ef, uint64_t gpa, char *err, size_t errlen);
int enforce_break_remove(struct enforce *ef, uint64_t gpa, char *err, size_t errlen);
int enforce_step(struct enforce *ef, struct vm_stop *stop);
/* Why the last run/step stopped, if a breakpoint or step stopped it; *gpa
 * (may be NULL) gets the guest-physical address of RIP there. */
enum enforce_stop enforce_last_stop(const struct enforce *ef, uint64_t *gpa);
#endif
