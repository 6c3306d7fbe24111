/* enforce_priv.h — private to enforce*.c: the layout of struct enf and
 * struct cpu_view, and the helpers the enforcement loop (loop.c), its x86
 * system-instruction helpers (sys.c) and its debugger support
 * (debug.c) share.  Not part of the public API (enforce.h). */
#ifndef SCOUT_MONITOR_ENFORCE_PRIV_H
#define SCOUT_MONITOR_ENFORCE_PRIV_H
#include <stddef.h>
#include <stdint.h>
#include <linux/kvm.h>
#include <Zydis/Zydis.h>

#include "monitor/enforce/enforce.h"
#include "monitor/kvm/kvm.h"
#include "monitor/x86/x86.h"

#define PAGE_SIZE 4096u
#define PAGE_OF(a) ((a) & ~(uint64_t)(PAGE_SIZE - 1))

/* An in-place step (step.c), a declared state instead of flags:
 *   NONE      --enf_step_in_place-->  ARMED      traps suspended, STEP traps
 *                                                planted, during the exit being handled
 *   ARMED     --enf_step_begin------>  IN_FLIGHT  the guest runs the instruction
 *                                                (after_exit of that exit, or resuming)
 *   ARMED or IN_FLIGHT --enf_end_step--> NONE    the next exit of any kind */
enum enf_step_state { ENF_STEP_NONE, ENF_STEP_ARMED, ENF_STEP_IN_FLIGHT };

/* The debugger's single step (debug.c):
 *   NONE      --enf_step-->            PREPARE    the instruction at RIP is handled
 *                                                before entering the guest
 *   PREPARE   --stepped in place-->    IN_FLIGHT  (emulated: back to NONE, stopped)
 *   IN_FLIGHT --trap or MMIO exit-->   NONE       stopped: "stepped"
 *   IN_FLIGHT --its own device I/O-->  AFTER_IO   --end of that exit--> NONE */
enum enf_stepi_state { ENF_STEPI_NONE, ENF_STEPI_PREPARE, ENF_STEPI_IN_FLIGHT, ENF_STEPI_AFTER_IO };

struct enf {
    struct vm *vm;
    struct vcpu *cpu;
    struct prescan *ps;
    struct enf_trap_table *tt;
    struct events *events;
    struct enf_config cfg;
    struct enf_stats st;
    int io_rip_at_out;          /* host reports RIP at the OUT (hardware KVM) */
    enf_vexit_fn vexit_hook;    /* plugins: see enf_set_vexit_hook */
    void *vexit_hook_ctx;
    uint64_t reserved_base;     /* the monitor's reserved region (only its stubs are exempt) */
    uint64_t idt_base;          /* the guest IDT whose handlers were last scanned */
    uint16_t idt_limit;
    uint64_t *touched;          /* pages the engine changed since the last sync */
    size_t ntouched, touched_cap;
    enum enf_step_state step;
    int invalidated_rip_page;   /* this exit invalidated the page RIP is on */
    int failed;                 /* a hook hit an error: stop with errmsg */
    char errmsg[200];
    /* debugger support (debug.c) */
    int skip_break;             /* handle_trap: ignore ENF_TRAP_BREAK (resuming from one) */
    int stop_now;               /* a hook wants the run to stop (breakpoint, step done) */
    enum enf_stepi_state stepi;
    enum enf_stop stop_kind;
    uint64_t stop_gpa;
};

struct cpu_view {
    struct kvm_regs regs;
    struct kvm_sregs sregs;
    int mode;
};

/* loop.c, sync.c, write.c, step.c, trap.c: errors, guest code, traps and
 * protection, the write path, in-place steps, trap dispatch */
void enf_emit(struct enf *ef, const struct scout_event *ev);
int enf_read_page_for_engine(void *ctx, uint64_t page_gpa, uint8_t *page);
void enf_on_engine_event(void *ctx, const struct prescan_event *pe);
int enf_sync_touched(struct enf *ef);
int enf_page_has_attrs(struct enf *ef, uint64_t page);
void enf_drop_page_traps(struct enf *ef, uint64_t page);
int enf_set_rip(struct enf *ef, struct cpu_view *c, uint64_t ip);
void enf_fail(struct enf *ef, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int enf_report(struct enf *ef, char *err, size_t errlen);
size_t enf_read_insn_bytes(struct enf *ef, uint64_t linear, uint8_t *buf);
int enf_plant(struct enf *ef, uint64_t gpa, unsigned kind);
void enf_unplant(struct enf *ef, uint64_t gpa, unsigned kind);
int enf_sync_protection(struct enf *ef, uint64_t page);
int enf_cpu_load(struct enf *ef, struct cpu_view *c);
uint64_t enf_cpu_linear(const struct cpu_view *c, uint64_t ip);
int enf_in_monitor(const struct enf *ef, uint64_t gpa);
int enf_ensure_scanned(struct enf *ef, uint64_t linear, int mode);
int enf_apply_write(struct enf *ef, uint64_t gpa, const uint8_t *data, size_t len, int injected);
int enf_step_in_place(struct enf *ef, const struct cpu_view *c, uint64_t linear, uint64_t gpa,
                  const uint8_t *bytes, size_t nbytes, unsigned len);
void enf_end_step(struct enf *ef);
void enf_step_begin(struct enf *ef);      /* ARMED -> IN_FLIGHT */
void enf_step_armed(struct enf *ef);      /* NONE -> ARMED (traps are set up) */
int enf_handle_trap(struct enf *ef, struct cpu_view *c, uint64_t linear, uint64_t gpa);

/* sys.c: CPU state and guest memory -> what an instruction does */
void enf_cpu_to_emul(const struct cpu_view *c, struct x86_emul_cpu *e);
void enf_emul_to_cpu(const struct x86_emul_cpu *e, struct cpu_view *c);
int enf_emul_read(void *ctx, uint64_t linear, void *buf, size_t len);
int enf_emul_write(void *ctx, uint64_t linear, const void *buf, size_t len);
int enf_vector_handler(struct enf *ef, const struct cpu_view *c, unsigned vector, uint64_t *out);
int enf_decode_full(const struct cpu_view *c, const uint8_t *bytes, size_t n,
                ZydisDecodedInstruction *in, ZydisDecodedOperand *ops);
int enf_system_successors(struct enf *ef, const struct cpu_view *c, const ZydisDecodedInstruction *in,
                      const uint8_t *bytes, uint64_t out[2]);
int enf_emulate_system_store(struct enf *ef, struct cpu_view *c, const uint8_t *bytes,
                         size_t nbytes, const char **how);
void enf_touch_loaded_descriptors(struct enf *ef, const struct cpu_view *c,
                              const ZydisDecodedInstruction *in, const ZydisDecodedOperand *ops,
                              const uint8_t *bytes);

/* debug.c: breakpoints and single steps */
int enf_debug_trap_hit(struct enf *ef, unsigned kinds, uint64_t linear, uint64_t gpa, int mode);
int enf_debug_step_native(struct enf *ef, const struct cpu_view *c, uint64_t linear, uint64_t gpa);
void enf_stepi_after_exit(struct enf *ef, uint32_t exit_reason);
int enf_debug_resume(struct enf *ef, struct vm_stop *stop, int stepi);
void enf_debug_finish(struct enf *ef, struct vm_stop *stop);
int enf_emulate_cr3_write(struct enf *ef, struct cpu_view *c, const uint8_t *bytes, size_t nbytes);
int enf_run_guest(struct enf *ef, struct vm_stop *stop, int stepping);

#endif
