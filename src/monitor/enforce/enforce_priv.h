/* enforce_priv.h — private to src/monitor/enforce: the layout of struct enf,
 * the CPU view the files share, and the functions they call in each other.
 *
 *   common.c  errors, events, injected exceptions (calls nothing back)
 *   loop.c    the run-loop hooks, lifecycle, requested scans, runs
 *   sync.c    guest code as the guest wrote it; traps and protection
 *             following the engine's attribute pages
 *   write.c   the one write path into protected pages (guest, emulated,
 *             injected), and page snapshots for unprotected steps
 *   step.c    executing one instruction in place, guarded
 *   trap.c    what happens at a trap (a breakpoint or a step's end included)
 *   tables.c  the tables the CPU reads without an exit (IDT/IVT, GDT/LDT):
 *             followed, their handlers scanned and guarded by entry traps
 *   links.c   cross-page links: out-of-page branches made native, the
 *             reverse map that re-virtualizes them
 *   paging.c  the page-table walks to running code, steps and handlers:
 *             kept read-only, A/D bits preset, the TLB flushed on change
 *   retry.c   what KVM cannot do into a read-only page (a frame, a store
 *             it emulates), done again with the page writable
 *   denied.c  a CPL 3 trap the guest's TSS I/O bitmap denies, undone
 *   sys.c     system instructions computed from CPU state and memory
 *   debug.c   breakpoints and single steps
 *   traps.c   the trap table (pure)
 *   depriv.c  --deprivilege: CPL 0 guest code at real CPL 3, its virtual
 *             CPU state, the window scout handles every exit in, and the
 *             guest's exceptions and interrupts reflected into its IDT
 *   shadow.c  --deprivilege: the shadow page tables for a guest's own */
#ifndef SCOUT_MONITOR_ENFORCE_PRIV_H
#define SCOUT_MONITOR_ENFORCE_PRIV_H
#include <stddef.h>
#include <stdint.h>
#include <linux/kvm.h>

#include "base/base.h"
#include "monitor/enforce/enforce.h"
#include "monitor/kvm/kvm.h"
#include "monitor/x86/x86.h"

#define PAGE_SIZE BASE_PAGE_SIZE
#define PAGE_OF(a) base_page_of(a)

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

/* A page made writable for one in-place step whose stores KVM could not
 * report (several stores, more than 8 bytes, or not emulated at all): its
 * contents before, to diff against when the step ends. */
struct enf_unprot { uint64_t page; uint8_t *before; };

/* A handler entry guarded by an ENTRY trap (tables.c). */
struct enf_entry { uint64_t gpa; unsigned vector, nvectors; int gp; /* #GP leads here too */ };

struct enf_range { uint64_t gpa, len; };

struct enf_tables {
    int valid;
    uint64_t cr0, cr3, cr4, efer;
    struct kvm_dtable idt, gdt;
    uint64_t ldt_base;
    uint32_t ldt_limit;
    VEC(struct enf_entry) entries;
    VEC(uint64_t) pages;        /* pages holding table data the CPU reads: protected */
    VEC(struct enf_range) bytes;  /* the table data itself, physical */
    int dirty;                  /* a write changed some: follow again */
    /* real mode: where each vector leads (UINT64_MAX: nowhere guarded), the
     * vectors a write changed -- only those are followed again --, and the
     * vectors the interrupt controllers could deliver when last followed */
    uint64_t vec_gpa[256];
    uint64_t vec_dirty[4];
    uint64_t ctl_vectors[4];
};

/* Whether a page holds table data the CPU reads (protected, followed). */
static inline int enf_is_table_page(const struct enf_tables *t, uint64_t page)
{
    for (size_t i = 0; i < t->pages.n; i++)
        if (t->pages.v[i] == page)
            return 1;
    return 0;
}

typedef VEC(uint64_t) page_vec;

/* A paging-structure page kept read-only (paging.c): on the walk of RIP's
 * page or a step's successor (RUN), or of a handler or table (TABLES). */
#define ENF_PATH_MAX 5
enum { ENF_PT_RUN = 1, ENF_PT_TABLES = 2, ENF_PT_LINKS = 4, ENF_PT_SHADOW = 8 };
struct enf_ptpage { uint64_t page; uint8_t level, esize, pae_pdpt, why, stale; };
typedef VEC(struct enf_ptpage) ptpage_vec;
/* Whether a page is one of them (read as data: sync.c's protection rule). */
static inline int enf_is_paging_page(const ptpage_vec *v, uint64_t page)
{
    for (size_t i = 0; i < v->n; i++)
        if (v->v[i].page == page)
            return 1;
    return 0;
}

/* --deprivilege: the shadow page tables (shadow.c), in the reserved
 * region's pool from VM_RES_SHADOW. */
struct enf_shadow {
    int valid;
    uint64_t key[4];            /* the guest's CR3 and paging bits they mirror */
    uint64_t root;
    unsigned used;              /* pool pages in use */
};

/* --deprivilege (depriv.c).  The window is open when the vCPU holds the
 * guest's own state (at every exit, and while the guest runs where this
 * mode cannot deprivilege it); closed, the vCPU runs at CPL 3 and `virt`
 * is what the guest believes it has. */
struct enf_depriv {
    int on;
    int open;
    int own;                    /* closed on the shadow tables and scout's IDT, not scout's boot tables */
    int hold;                   /* 2, then 1: the window stays open for the next run (an event to deliver,
                                   an instruction only CPL 0 may run) */
    int shadow_stale;           /* a store into a page the shadow mirrors, or INVLPG: flush before closing */
    int tlb;                    /* the shadow was rewritten: KVM drops what it built from it before the
                                   next run (memslot_zap: a TLB flush does not make it look again) */
    struct kvm_sregs virt;      /* while closed: the guest's own */
    uint64_t vflags;            /* ... and its IOPL and AC (real: 0 at CPL 3) */
    struct { uint64_t cr3; struct kvm_dtable gdt, idt; } boot;  /* scout's boot tables (cr3 0: none) */
    uint64_t idt64;             /* scout's IDT for the shadow path: every vector to a stub */
    struct kvm_segment tr;      /* scout's TSS */
    struct enf_shadow shadow;
    uint64_t pf_rip, pf_addr;   /* the last #PF from CPL 3, to see one that repeats */
    unsigned pf_repeat;
    int have_real;              /* the real state at the exit the window opened at */
    uint64_t real_runs;         /* ... which was after this many runs */
    struct kvm_regs real_regs;
    struct kvm_sregs real_sregs;
};

/* A linked branch (links.c): source and target, physical, and the linear
 * pages they were computed through. */
struct enf_link { uint64_t src, tgt, src_lpage, tgt_lpage; };

struct enf {
    struct vm *vm;
    struct vcpu *cpu;
    struct prescan *ps;
    struct enf_trap_table *tt;
    struct events *events;
    struct enf_config cfg;
    struct enf_stats st;
    int io_rip_at_out;          /* host reports RIP at the OUT (hardware KVM) */
    int amd_branches;           /* the host's near-branch flavour (probe) */
    enf_vexit_fn vexit_hook;    /* plugins: see enf_set_vexit_hook */
    void *vexit_hook_ctx;
    uint64_t reserved_base;     /* the monitor's reserved region */
    struct enf_tables tables;
    page_vec touched;           /* pages the engine changed since the last sync */
    page_vec touched_check;     /* debug builds: pages to check for traps inside native code */
    uint64_t retry_rip;         /* linear + 1 of an instruction (or exception delivery) retried writable */
    uint64_t rf_rip;            /* linear + 1 of the instruction scout last resumed with RFLAGS.RF */
    int io_own;                 /* this exit is a guest instruction's own port I/O (loop.c) */
    struct enf_injected {       /* an exception scout injected: 2 this exit, 1 its run, 0 none */
        int state;
        uint64_t linear;
        unsigned vector;
        int has_error;
        uint32_t error;
    } injected;
    /* the in-place step in flight */
    enum enf_step_state step;
    VEC(uint64_t) step_traps;   /* STEP traps planted for it */
    page_vec step_lin;          /* its successors' linear addresses */
    uint64_t step_gen;          /* bumped at every step armed */
    ptpage_vec ptpages;         /* paging-structure pages kept read-only */
    uint64_t paging_key[4];     /* what the RUN walks were computed for */
    uint64_t paging_gen, paging_seen_gen; /* bumped by writes into them */
    int flush_tlb;              /* a mapping changed: flush the guest's TLB before it runs */
    VEC(struct enf_unprot) unprot;
    VEC(struct enf_link) links;  /* linked branches: the reverse map, searched by target page */
    uint64_t links_key[3];      /* the paging registers the links were made under */
    uint64_t step_rip;          /* linear address of the stepped instruction */
    int step_io;                /* it may do its own port I/O (IN/OUT/INS/OUTS) */
    int invalidated_rip_page;   /* this exit invalidated the page RIP is on */
    int failed;                 /* a hook hit an error: stop with errmsg */
    char errmsg[256];
    /* debugger support (debug.c) */
    int skip_break;             /* handle_trap: ignore ENF_TRAP_BREAK (resuming from one) */
    int stop_now;               /* a hook wants the run to stop (breakpoint, step done) */
    enum enf_stepi_state stepi;
    enum enf_stop stop_kind;
    uint64_t stop_gpa;
    struct { uint64_t gpa; unsigned len; } watch[ENF_MAX_WATCH];
    unsigned nwatch;
    struct enf_watch_hit watch_hit;
    int have_watch_hit;
    struct enf_depriv dp;
};

/* Whether a page holds a watched range (kept read-only). */
static inline int enf_is_watch_page(const struct enf *ef, uint64_t page)
{
    for (unsigned i = 0; i < ef->nwatch; i++)
        if (PAGE_OF(ef->watch[i].gpa) == page)
            return 1;
    return 0;
}

/* Deprivileged, scout's own pages in the reserved region -- GDT, TSS,
 * IDTs, stubs, page tables, the shadow pool; not the exception stack the
 * CPU pushes frames on, nor the boot information the guest reads -- are
 * read-only to KVM, and a guest store into one is refused: code in the
 * window runs at CPL 0 on the guest's own tables, which may map them. */
static inline int enf_depriv_guarded(const struct enf *ef, uint64_t page)
{
    return ef->dp.on && vm_reserved_part(ef->vm, page) == VM_RES_PART_MONITOR;
}

struct cpu_view {
    struct kvm_regs regs;
    struct kvm_sregs sregs;
    int mode;                   /* code size: 16, 32, 64 */
    int cpl;
};

/* common.c */
void enf_fail(struct enf *ef, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int  enf_report(struct enf *ef, char *err, size_t errlen);
void enf_emit(struct enf *ef, const struct scout_event *ev);
/* Injects an exception at RIP (linear), remembered so a delivery lost to
 * a shutdown is made again (retry.c). */
int  enf_inject_exception(struct enf *ef, uint64_t linear, unsigned vector, int has_error, uint32_t error);
void enf_injected_after_exit(struct enf *ef, uint32_t exit_reason);

/* sync.c: guest code, CPU state, traps and protection */
int  enf_cpu_load(struct enf *ef, struct cpu_view *c);
uint64_t enf_cpu_linear(const struct cpu_view *c, uint64_t ip);
/* A fetch translated with other paging than the vCPU's (a new CR0/CR4/CR3). */
int  enf_translate_paging(struct enf *ef, const struct gmem_paging *pg, uint64_t linear, uint64_t *gpa);
/* The engine's decode mode for the page of `linear` (16-bit code: the IP
 * window that page has under the current CS base). */
enum prescan_mode enf_pmode(const struct cpu_view *c, uint64_t linear);
/* The same for code of size `bits` in a segment based at `cs_base`. */
enum prescan_mode enf_pmode_for(int bits, uint64_t cs_base, uint64_t linear);
int  enf_read_page_for_engine(void *ctx, uint64_t page_gpa, uint8_t *page);
void enf_on_engine_event(void *ctx, const struct prescan_event *pe);
size_t enf_read_insn_bytes(struct enf *ef, uint64_t linear, uint8_t *buf);
int  enf_plant(struct enf *ef, uint64_t gpa, unsigned kind);
void enf_unplant(struct enf *ef, uint64_t gpa, unsigned kind);
int  enf_page_has_attrs(struct enf *ef, uint64_t page);
int  enf_sync_protection(struct enf *ef, uint64_t page);
int  enf_sync_touched(struct enf *ef);
/* The engine changed this page outside a scan's events: sync it next. */
void enf_touch(struct enf *ef, uint64_t page);
void enf_drop_page_traps(struct enf *ef, uint64_t page);
int  enf_in_monitor(const struct enf *ef, uint64_t gpa);
/* Scans the instruction at a linear address in the CPU's mode (or a given
 * engine mode) unless it is scanned already. */
int  enf_ensure_scanned(struct enf *ef, const struct cpu_view *c, uint64_t linear);
int  enf_ensure_scanned_mode(struct enf *ef, uint64_t linear, enum prescan_mode mode);
/* Makes gpa safe for a trap byte of scout's own: no native instruction of
 * any mode may cover it (they become virtualize, their traps synced). */
int  enf_clear_for_trap(struct enf *ef, uint64_t gpa);

/* write.c */
int  enf_apply_write(struct enf *ef, uint64_t gpa, const uint8_t *data, size_t len, int injected);
int  enf_unprotect_for_step(struct enf *ef, uint64_t page);
int  enf_dump_pages(struct enf *ef);
int  enf_sync_reserved(struct enf *ef);   /* enf_depriv_guarded's protection, after a switch */
void enf_reprotect_after_step(struct enf *ef);

/* step.c */
int  enf_step_in_place(struct enf *ef, const struct cpu_view *c, uint64_t linear, uint64_t gpa,
                       const struct x86_insn *insn);
/* writable: its stores go to unprotected pages, diffed after (KVM could
 * not emulate it); multi-store instructions always do. */
int  enf_step_in_place_ex(struct enf *ef, const struct cpu_view *c, uint64_t linear, uint64_t gpa,
                          const struct x86_insn *insn, int writable);
void enf_end_step(struct enf *ef);
void enf_step_begin(struct enf *ef);      /* ARMED -> IN_FLIGHT */

/* trap.c */
int  enf_handle_trap(struct enf *ef, struct cpu_view *c, uint64_t linear, uint64_t gpa);
int  enf_set_rip(struct enf *ef, struct cpu_view *c, uint64_t ip);
/* links.c */
int  enf_link_try(struct enf *ef, const struct cpu_view *c, uint64_t linear, uint64_t gpa);
int  enf_links_guard(struct enf *ef, const struct cpu_view *c, uint64_t lin, uint64_t gpa);
int  enf_links_page_dumped(struct enf *ef, uint64_t page);
int  enf_links_cut_all(struct enf *ef);
void enf_links_free(struct enf *ef);
/* paging.c */
int  enf_paging_path(struct enf *ef, const struct gmem_paging *pg, uint64_t linear, struct enf_ptpage *out);
int  enf_paging_want(struct enf *ef, unsigned why, const struct enf_ptpage *path, int n);
void enf_paging_mark_stale(struct enf *ef, unsigned why);
int  enf_paging_drop_stale(struct enf *ef);
int  enf_paging_guard(struct enf *ef, const struct cpu_view *c, uint64_t rip_linear);
unsigned enf_paging_written(struct enf *ef, uint64_t gpa, size_t len);
void enf_paging_free(struct enf *ef);
/* retry.c: run-loop hooks for what KVM cannot do with a page read-only */
enum vm_hook_result enf_on_emulation_failure(void *ctx, struct vcpu *cpu);
enum vm_hook_result enf_on_shutdown(void *ctx, struct vcpu *cpu);
int  enf_open_event_frames(struct enf *ef);
/* denied.c: a trap the CPU refused at CPL > 0 (#GP: the guest's TSS
 * denies the port), seen at the #GP handler's ENTRY trap: 1 the state is
 * back on the trap (c, *linear, *gpa updated), 0 a real #GP, -1 error. */
int  enf_denied_trap(struct enf *ef, struct cpu_view *c, uint64_t *linear, uint64_t *gpa);
int  enf_decode_at(struct enf *ef, const struct cpu_view *c, uint64_t linear, struct x86_insn *insn);

/* tables.c (the state in struct enf_tables is read directly by the files
 * that only ask whether a page holds table data) */
void enf_tables_check(struct enf *ef, const struct cpu_view *c);
/* A write changed bytes at gpa in a table page: follow again if they are
 * table bytes (only the vectors it touched, for the real-mode IVT). */
void enf_tables_written(struct enf *ef, uint64_t gpa, size_t len);
const struct enf_entry *enf_tables_entry(const struct enf *ef, uint64_t gpa);
void enf_tables_free(struct enf *ef);

/* sys.c: CPU state and guest memory -> what an instruction does */
void enf_cpu_to_emul(struct enf *ef, const struct cpu_view *c, struct x86_emul_cpu *e);
int  enf_emul_to_cpu(struct enf *ef, const struct x86_emul_cpu *e, struct cpu_view *c);
int  enf_emul_read(void *ctx, uint64_t linear, void *buf, size_t len);
int  enf_emul_write(void *ctx, uint64_t linear, const void *buf, size_t len);
int  enf_system_successors(struct enf *ef, const struct cpu_view *c, const struct x86_insn *in,
                           uint64_t out[2]);
int  enf_emulate_system(struct enf *ef, struct cpu_view *c, const struct x86_insn *in, const char **how);
/* A code or data descriptor of the GDT/LDT (-1: null, beyond the table, unreadable). */
int  enf_read_desc(struct enf *ef, const struct cpu_view *c, uint16_t sel, struct x86_desc *d);
void enf_touch_selector(struct enf *ef, const struct cpu_view *c, uint16_t sel);
void enf_touch_loaded_selectors(struct enf *ef, const struct cpu_view *c, const struct x86_insn *in);
int  enf_emulate_ltr(struct enf *ef, struct cpu_view *c, const struct x86_insn *in);
/* Effective linear address of a memory operand (segment base applied). */
int  enf_operand_linear(const struct cpu_view *c, const struct x86_insn *in, unsigned op, uint64_t *lin);

/* depriv.c.  open: the vCPU takes the guest's own state (enf_cpu_load
 * calls it: scout sees only that state).  trap: a CPL-sensitive
 * instruction at its trap (counted; INVLPG and MOV CR flush the shadow).
 * settle: the window closes when the guest is where this mode runs it and
 * nothing needs CPL 0 (-1: error).  exit_begin: at every exit, before its
 * hooks.  on_stub: an exception or interrupt of guest code at CPL 3
 * reached scout's IDT: reflected into the guest's.  stopped: a run ended;
 * its state is shown as the guest sees it. */
int  enf_depriv_open(struct enf *ef);
int  enf_depriv_trap(struct enf *ef, struct cpu_view *c, uint64_t linear, const struct x86_insn *in);
int  enf_depriv_settle(struct enf *ef);
void enf_depriv_exit_begin(struct enf *ef);
enum vm_hook_result enf_depriv_on_stub(void *ctx, struct vcpu *cpu);
void enf_depriv_stopped(struct enf *ef, struct vm_stop *stop);

/* shadow.c.  root: the shadow for the guest's paging state v (built, or
 * flushed and built again when v's paging differs).  fault: a #PF of
 * guest code at CPL 3 at addr -- filled (go on), the guest's own fault
 * (guest_err: its error code), an access only CPL 0 may make (run it in
 * the window), or error/refused (ef->failed). */
enum enf_shadow_verdict { ENF_SHADOW_FILLED, ENF_SHADOW_FAULT, ENF_SHADOW_EMULATE, ENF_SHADOW_ERROR };
int  enf_shadow_root(struct enf *ef, const struct kvm_sregs *v, uint64_t *root);
void enf_shadow_flush(struct enf *ef);
enum enf_shadow_verdict enf_shadow_fault(struct enf *ef, const struct kvm_sregs *v, uint64_t addr, int write,
                                         int fetch, uint32_t *guest_err);

/* debug.c: breakpoints and single steps */
int  enf_debug_step_native(struct enf *ef, const struct cpu_view *c, uint64_t linear, uint64_t gpa);
void enf_stepi_after_exit(struct enf *ef, uint32_t exit_reason);
int  enf_debug_resume(struct enf *ef, struct vm_stop *stop, int stepi);
void enf_debug_finish(struct enf *ef, struct vm_stop *stop);
int  enf_run_guest(struct enf *ef, struct vm_stop *stop, int stepping);

#endif
