/* enforce_priv.h — private to enforce*.c: the layout of struct enforce and
 * struct cpu_view, and the helpers the enforcement loop (enforce.c), its x86
 * system-instruction helpers (enforce_x86.c) and its debugger support
 * (enforce_debug.c) share.  Not part of the public API (enforce.h). */
#ifndef SCOUT_MONITOR_ENFORCE_PRIV_H
#define SCOUT_MONITOR_ENFORCE_PRIV_H
#include <stddef.h>
#include <stdint.h>
#include <linux/kvm.h>
#include <Zydis/Zydis.h>

#include "monitor/enforce/enforce.h"
#include "monitor/x86/insn_emul.h"
#include "monitor/kvm/run.h"

#define PAGE_SIZE 4096u
#define PAGE_OF(a) ((a) & ~(uint64_t)(PAGE_SIZE - 1))

struct enforce {
    struct vm *vm;
    struct prescan *ps;
    struct trap_table *tt;
    struct events *events;
    struct enforce_config cfg;
    struct enforce_stats st;
    int io_rip_at_out;          /* host reports RIP at the OUT (hardware KVM) */
    enforce_vexit_fn vexit_hook;    /* plugins: see enforce_set_vexit_hook */
    void *vexit_hook_ctx;
    uint64_t reserved_base;     /* the monitor's reserved region (only its stubs are exempt) */
    uint64_t idt_base;          /* the guest IDT whose handlers were last scanned */
    uint16_t idt_limit;
    uint64_t *touched;          /* pages the engine changed since the last sync */
    size_t ntouched, touched_cap;
    int stepping;               /* traps suspended / STEP traps planted */
    int step_started;           /* ... by the exit being handled now */
    int invalidated_rip_page;   /* this exit invalidated the page RIP is on */
    int failed;                 /* a hook hit an error: stop with errmsg */
    char errmsg[200];
    /* debugger support (enforce_debug.c) */
    int skip_break;             /* handle_trap: ignore TRAP_BREAK (resuming from one) */
    int stop_now;               /* a hook wants the run to stop (breakpoint, step done) */
    int stepi_pending;          /* enforce_step: the stepped instruction is in flight */
    int stop_after_io;          /* ... and it made a device I/O exit: stop after it */
    int stepi_now;              /* enforce_step is handling the instruction before entry */
    enum enforce_stop stop_kind;
    uint64_t stop_gpa;
};

struct cpu_view {
    struct kvm_regs regs;
    struct kvm_sregs sregs;
    int mode;
};

/* enforce.c: errors, the write path, traps and protection, scans */
void fail(struct enforce *ef, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int report(struct enforce *ef, char *err, size_t errlen);
size_t read_insn_bytes(struct enforce *ef, uint64_t linear, uint8_t *buf);
int plant(struct enforce *ef, uint64_t gpa, unsigned kind);
void unplant(struct enforce *ef, uint64_t gpa, unsigned kind);
int sync_protection(struct enforce *ef, uint64_t page);
int cpu_load(struct enforce *ef, struct cpu_view *c);
uint64_t cpu_linear(const struct cpu_view *c, uint64_t ip);
int in_monitor(const struct enforce *ef, uint64_t gpa);
int ensure_scanned(struct enforce *ef, uint64_t linear, int mode);
int apply_write(struct enforce *ef, uint64_t gpa, const uint8_t *data, size_t len, int injected);
int step_in_place(struct enforce *ef, const struct cpu_view *c, uint64_t linear, uint64_t gpa,
                  const uint8_t *bytes, size_t nbytes, unsigned len);
void end_step(struct enforce *ef);
int handle_trap(struct enforce *ef, struct cpu_view *c, uint64_t linear, uint64_t gpa);

/* enforce_x86.c: CPU state and guest memory -> what an instruction does */
void cpu_to_emul(const struct cpu_view *c, struct insn_emul_cpu *e);
void emul_to_cpu(const struct insn_emul_cpu *e, struct cpu_view *c);
int emul_read(void *ctx, uint64_t linear, void *buf, size_t len);
int emul_write(void *ctx, uint64_t linear, const void *buf, size_t len);
int vector_handler(struct enforce *ef, const struct cpu_view *c, unsigned vector, uint64_t *out);
int decode_full(const struct cpu_view *c, const uint8_t *bytes, size_t n,
                ZydisDecodedInstruction *in, ZydisDecodedOperand *ops);
int system_successors(struct enforce *ef, const struct cpu_view *c, const ZydisDecodedInstruction *in,
                      const uint8_t *bytes, uint64_t out[2]);
int emulate_system_store(struct enforce *ef, struct cpu_view *c, const uint8_t *bytes,
                         size_t nbytes, const char **how);
void touch_loaded_descriptors(struct enforce *ef, const struct cpu_view *c,
                              const ZydisDecodedInstruction *in, const ZydisDecodedOperand *ops,
                              const uint8_t *bytes);

/* enforce_debug.c: breakpoints and single steps */
int debug_trap_hit(struct enforce *ef, unsigned kinds, uint64_t linear, uint64_t gpa, int mode);
int debug_step_native(struct enforce *ef, const struct cpu_view *c, uint64_t linear, uint64_t gpa);
void stepi_after_exit(struct enforce *ef, uint32_t exit_reason);
int debug_resume(struct enforce *ef, struct vm_stop *stop, int stepi);
void debug_finish(struct enforce *ef, struct vm_stop *stop);
int emulate_cr3_write(struct enforce *ef, struct cpu_view *c, const uint8_t *bytes, size_t nbytes);
int enforce_run_guest(struct enforce *ef, struct vm_stop *stop, int stepping);

#endif
