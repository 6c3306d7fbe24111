/* depriv.c — deprivileged execution (--deprivilege).  Guest code that
 * believes it runs at CPL 0 in 64-bit mode runs at real CPL 3, natively;
 * scan-before-execute makes that safe: the prescan engine marks every
 * CPL-sensitive instruction virtualize (reason deprivilege,
 * src/prescan/depriv.c), so none of them runs at CPL 3.
 *
 * Two worlds.  The window is open when the vCPU holds the guest's own
 * state -- its CPL 0 segments, flags, CR0/CR3/CR4/EFER, GDT/IDT/TR -- and
 * it is open at every exit: scout handles each exit as it handles an
 * enforced CPL 0 guest's (emulated, or run in place at CPL 0, guarded),
 * and what the UI, traces and gdb show is the guest's state.  Before the
 * vCPU runs, the window closes if the guest is in 64-bit code at CPL 0
 * with nothing that needs CPL 0 pending: its state is kept in `virt`, and
 * the vCPU gets CPL 3 segments and, on scout's boot tables, those tables
 * (their guest pages carry the user bit); on tables of the guest's own,
 * scout's GDT, TSS and an IDT whose every gate leads to a monitor stub,
 * with the shadow page tables in CR3 (shadow.c).  Elsewhere (32-bit or
 * real-mode code, the guest's own CPL 3, CR4 features the shadow does not
 * model) the window stays open: the guest runs at its own privilege,
 * enforced, as without --deprivilege.
 *
 * On the shadow path an exception of native code, or an interrupt, reaches
 * a stub from CPL 3 (on_stub): a #PF the shadow can fill is filled; any
 * other is delivered into the guest's own IDT at the faulting instruction
 * (KVM injects it with the window open: the frame is the one the CPU
 * builds at CPL 0), as is the interrupt.  Scout's own pages in the
 * reserved region stay supervisor-only to native code and read-only to
 * KVM: a guest access from CPL 3, or a store from anywhere, which raw CPL 0
 * code could make, is refused.  On scout's boot tables the IDT is scout's,
 * and an exception is reported as raw reports it (a #PF's user bit
 * cleared). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "monitor/enforce/enforce_priv.h"

#define VIRT_FLAGS (X86_RFLAGS_IOPL | X86_RFLAGS_AC)
/* CR4 features the shadow does not model: the guest runs at CPL 0 with them */
#define CR4_HELD (X86_CR4_SMEP | X86_CR4_SMAP | X86_CR4_PKE | X86_CR4_PKS | X86_CR4_CET | X86_CR4_LA57)

static struct kvm_segment user_seg(uint16_t sel, int code, uint64_t base)
{
    struct kvm_segment s;
    memset(&s, 0, sizeof s);
    s.base = base;
    s.limit = 0xffffffff;
    s.selector = sel;
    s.type = code ? 0xb : 0x3;
    s.present = 1;
    s.dpl = 3;
    s.s = 1;
    s.l = code ? 1 : 0;
    s.db = code ? 0 : 1;
    s.g = 1;
    return s;
}

static int load(struct enf *ef, struct kvm_regs *r, struct kvm_sregs *s)
{
    if (vcpu_get_regs(ef->cpu, r) != 0 || vcpu_get_sregs(ef->cpu, s) != 0) {
        enf_fail(ef, "cannot read vCPU state");
        return -1;
    }
    return 0;
}

static int store(struct enf *ef, const struct kvm_regs *r, const struct kvm_sregs *s)
{
    if (vcpu_set_sregs(ef->cpu, s) != 0 || vcpu_set_regs(ef->cpu, r) != 0) {
        enf_fail(ef, "cannot set the vCPU's %s state", ef->dp.open ? "real" : "virtual");
        return -1;
    }
    return 0;
}

/* The mode's state from the vCPU's: scout's IDT for it, its tables, and
 * whether the guest is on scout's 64-bit boot tables (their fast path). */
static int setup(struct enf *ef, char *err, size_t errlen)
{
    struct kvm_regs r;
    struct kvm_sregs s;
    struct enf_depriv *d = &ef->dp;
    uint64_t res = ef->reserved_base;
    if (load(ef, &r, &s) != 0)
        return enf_report(ef, err, errlen);
    d->idt64 = vm_monitor_idt64(ef->vm);
    if (!d->idt64) {
        snprintf(err, errlen, "deprivilege: cannot write scout's IDT");
        return -1;
    }
    d->boot.gdt = (struct kvm_dtable){ .base = res + VM_RES_GDT, .limit = VM_SEL_TSS + 15 };
    d->boot.idt = (struct kvm_dtable){ .base = res + VM_RES_IDT, .limit = 0xfff };
    d->boot.cr3 = 0;
    if (x86_long_mode(&s) && s.cr3 == res + VM_RES_PML4 && s.idt.base == d->boot.idt.base &&
        vm_boot_user_mmio(ef->vm) == 0) {
        d->boot.cr3 = s.cr3;
        memslot_zap(ef->vm);            /* (the boot tables changed under KVM: switched on mid-run) */
    }
    memset(&d->tr, 0, sizeof d->tr);
    d->tr.base = res + VM_RES_TSS;
    d->tr.limit = VM_TSS_LIMIT;
    d->tr.selector = VM_SEL_TSS;
    d->tr.type = 0xb;                   /* busy 64-bit TSS */
    d->tr.present = 1;
    d->open = 1;                        /* the vCPU holds the guest's state; closed before it runs */
    d->hold = 0;
    d->have_real = 0;
    return 0;
}

int enf_set_deprivilege(struct enf *ef, int on, char *err, size_t errlen)
{
    struct enf_depriv *d = &ef->dp;
    if (!!on == d->on)
        return 0;
    if (ef->step != ENF_STEP_NONE) {
        snprintf(err, errlen, "deprivilege: not while an instruction is stepped in place");
        return -1;
    }
    if (on && setup(ef, err, errlen) != 0)
        return -1;
    if (!on) {
        if (enf_depriv_open(ef) != 0)
            return enf_report(ef, err, errlen);
        if (d->shadow.valid)
            enf_shadow_flush(ef);      /* (the guest's page-table pages need no guard now) */
        d->own = 0;
        d->hold = 0;
    }
    d->on = !!on;
    prescan_set_deprivilege(ef->ps, d->on);
    if (enf_sync_reserved(ef) != 0)     /* scout's own pages: read-only while on */
        return enf_report(ef, err, errlen);
    /* what was scanned under the other policy is scanned again */
    if (enf_dump_pages(ef) != 0)
        return enf_report(ef, err, errlen);
    return 0;
}

int enf_deprivilege(struct enf *ef, char *err, size_t errlen)
{
    return enf_set_deprivilege(ef, 1, err, errlen);
}

int enf_deprivileged(const struct enf *ef) { return ef->dp.on; }

/* What only the CPU changes, the same in both worlds. */
static void carry_live(struct kvm_sregs *to, const struct kvm_sregs *from)
{
    to->fs.base = from->fs.base;        /* (WRFSBASE runs natively; SWAPGS in the window) */
    to->gs.base = from->gs.base;
    to->apic_base = from->apic_base;
    to->cr8 = from->cr8;                /* (the interrupt bitmap is never sent: vcpu_flush) */
}

/* The vCPU takes the guest's state: at the first look at an exit from CPL 3. */
int enf_depriv_open(struct enf *ef)
{
    struct enf_depriv *d = &ef->dp;
    struct kvm_regs r;
    struct kvm_sregs s;
    if (!d->on || d->open)
        return 0;
    if (load(ef, &r, &s) != 0)
        return -1;
    d->real_regs = r;
    d->real_sregs = s;
    d->have_real = 1;
    d->real_runs = vcpu_get_stats(ef->cpu)->runs;
    struct kvm_sregs v = d->virt;
    carry_live(&v, &s);
    if (!d->own)
        v.cr2 = s.cr2;                  /* (on the shadow path CR2 is the guest's: scout's misses are not) */
    r.rflags |= d->vflags;
    d->open = 1;
    ef->st.depriv_windows++;
    if (vcpu_set_sregs(ef->cpu, &v) != 0 || (d->vflags && vcpu_set_regs(ef->cpu, &r) != 0)) {
        enf_fail(ef, "cannot set the vCPU's virtual state");
        return -1;
    }
    return 0;
}

/* Why the guest cannot run deprivileged now (ENF_HELD_*), or -1: it can. */
static int held_why(const struct enf *ef, const struct kvm_regs *r, const struct kvm_sregs *s)
{
    if (!(s->cr0 & X86_CR0_PG) || !x86_long_mode(s) || !s->cs.l || s->cs.db)
        return ENF_HELD_MODE;
    if (x86_cpl(r, s) != 0 || (s->ss.selector & 3) || (r->rflags & X86_RFLAGS_VM))
        return ENF_HELD_CPL;
    if (s->cr4 & CR4_HELD)
        return ENF_HELD_CR4;
    if (ef->injected.state == 2)
        return ENF_HELD_EVENT;
    return -1;
}

/* Back to real CPL 3, where the guest's state allows. */
static int close_window(struct enf *ef)
{
    struct enf_depriv *d = &ef->dp;
    struct kvm_regs r;
    struct kvm_sregs s;
    if (!d->open || d->hold)
        return 0;
    if (load(ef, &r, &s) != 0)
        return -1;
    int why = held_why(ef, &r, &s);
    if (why >= 0) {
        ef->st.depriv_held[why]++;
        return 0;
    }
    struct kvm_sregs real = s;
    d->own = !(d->boot.cr3 && s.cr3 == d->boot.cr3 && s.gdt.base == d->boot.gdt.base &&
               s.idt.base == d->boot.idt.base && s.idt.limit == d->boot.idt.limit &&
               s.tr.selector == VM_SEL_TSS && s.tr.base == d->tr.base && s.ldt.selector == 0);
    if (d->own) {
        uint64_t root;
        if (d->shadow_stale)
            enf_shadow_flush(ef);
        d->shadow_stale = 0;
        if (enf_shadow_root(ef, &s, &root) != 0)
            return -1;
        real.cr3 = root;
        real.cr0 |= X86_CR0_WP;
        real.cr4 &= ~(X86_CR4_PCIDE | X86_CR4_UMIP);
        real.efer |= X86_EFER_NXE;
        real.gdt = d->boot.gdt;
        real.idt = (struct kvm_dtable){ .base = d->idt64, .limit = 0xfff };
        real.tr = d->tr;
        memset(&real.ldt, 0, sizeof real.ldt);
        real.ldt.unusable = 1;
    }
    d->virt = s;
    d->vflags = r.rflags & VIRT_FLAGS;
    /* In 64-bit mode only FS and GS have bases; limits and DPLs of data
     * segments are checked at loads only (virtualized). */
    real.cs = user_seg(VM_SEL_UCODE64, 1, 0);
    real.ss = user_seg(VM_SEL_UDATA, 0, 0);
    real.ds = user_seg(VM_SEL_UDATA, 0, 0);
    real.es = user_seg(VM_SEL_UDATA, 0, 0);
    real.fs = user_seg(VM_SEL_UDATA, 0, s.fs.base);
    real.gs = user_seg(VM_SEL_UDATA, 0, s.gs.base);
    r.rflags &= ~VIRT_FLAGS;            /* AC at CPL 3 would check alignment; IOPL kvm_pvm drops */
    d->open = 0;
    if (store(ef, &r, &real) != 0)
        return -1;
    if (d->tlb && d->own) {             /* (the shadow was rewritten: same root, other contents) */
        d->tlb = 0;
        memslot_zap(ef->vm);
    }
    return 0;
}

void enf_depriv_exit_begin(struct enf *ef)
{
    if (ef->dp.hold)
        ef->dp.hold--;
}

int enf_depriv_settle(struct enf *ef)
{
    struct enf_depriv *d = &ef->dp;
    if (!d->on || !d->open || ef->step != ENF_STEP_NONE || ef->failed)
        return 0;
    /* An IN's data, a string instruction's next piece: the instruction
     * finishes in the state it exited in first -- unless it exited from
     * CPL 3 and nothing was changed: the close gives KVM that state back. */
    if (!(d->have_real && d->real_runs == vcpu_get_stats(ef->cpu)->runs))
        vcpu_complete_io(ef->cpu);
    if (vcpu_exit_pending(ef->cpu))
        return 0;
    return close_window(ef);
}

int enf_depriv_trap(struct enf *ef, struct cpu_view *c, uint64_t linear, const struct x86_insn *in)
{
    (void)c;
    (void)linear;
    if (!ef->dp.on || !in->ok || !prescan_depriv_insn(&in->zi))
        return 0;
    const ZydisDecodedInstruction *zi = &in->zi;
    /* The shadow is a TLB: what flushes the guest's flushes it -- a MOV to
     * CR0, CR3 or CR4, not to CR2 or CR8 (a guest that sets its task
     * priority in a loop would refill the shadow at every pass). */
    if (zi->mnemonic == ZYDIS_MNEMONIC_INVLPG || zi->mnemonic == ZYDIS_MNEMONIC_INVPCID ||
        zi->mnemonic == ZYDIS_MNEMONIC_INVLPGA || zi->mnemonic == ZYDIS_MNEMONIC_INVLPGB)
        ef->dp.shadow_stale = 1;
    if (zi->opcode_map == ZYDIS_OPCODE_MAP_0F && zi->opcode == 0x22 && in->ops[0].type == ZYDIS_OPERAND_TYPE_REGISTER &&
        (in->ops[0].reg.value == ZYDIS_REGISTER_CR0 || in->ops[0].reg.value == ZYDIS_REGISTER_CR3 ||
         in->ops[0].reg.value == ZYDIS_REGISTER_CR4))
        ef->dp.shadow_stale = 1;
    return 0;
}

/* Guest code at CPL 3 reached a stub of scout's IDT (the shadow path):
 * the CPU's frame is on scout's stack.  The guest goes back to the state
 * the event found it in, in the window, and the event goes where raw
 * would send it. */
enum vm_hook_result enf_depriv_on_stub(void *ctx, struct vcpu *cpu)
{
    struct enf *ef = ctx;
    struct enf_depriv *d = &ef->dp;
    struct kvm_regs r;
    struct kvm_sregs s;
    uint64_t f[7];
    if (!d->on || d->open || !d->own)
        return VM_HOOK_PASS;
    /* The stub's vector, then the CPU's frame up to the top of scout's
     * stack (IST1): six words with an error code, five without -- told by
     * where the stub's push landed, not by the vector, for an interrupt
     * can come on an exception's vector (an 8259 left at base 8). */
    uint64_t top = ef->reserved_base + VM_RES_STACK_TOP;
    if (load(ef, &r, &s) != 0 || (top - r.rsp != 7 * 8 && top - r.rsp != 6 * 8) ||
        gmem_read_linear(ef->vm, r.rsp, f, top - r.rsp) != 0)
        return VM_HOOK_PASS;
    unsigned v = (unsigned)f[0] & 0xff, i = 1;
    int has_err = top - r.rsp == 7 * 8;
    int irq = v >= 32 || (!has_err && x86_vector_has_error(v));
    uint32_t err = has_err ? (uint32_t)f[i++] : 0;
    uint64_t rip = f[i], cs = f[i + 1], rflags = f[i + 2], rsp = f[i + 3];
    if ((cs & 3) != 3)
        return VM_HOOK_PASS;
    vcpu_out_handled(cpu, (r.rip & ~(uint64_t)(VM_STUB_SIZE - 1)) + 5);    /* (RIP moves: no completion) */
    r.rip = rip;
    r.rsp = rsp;
    r.rflags = rflags;
    if (vcpu_set_regs(cpu, &r) != 0 || enf_depriv_open(ef) != 0)
        return VM_HOOK_STOP;
    if (v == X86_VEC_PF && !irq) {
        struct kvm_sregs vs;
        uint32_t gerr = 0;
        if (rip == d->pf_rip && s.cr2 == d->pf_addr) {
            /* the same fault again after a fill: a stale TLB entry, flushed
             * the first time; then it is scout's bug, not the guest's */
            if (++d->pf_repeat > 3) {
                enf_fail(ef, "the shadow page tables keep faulting at 0x%" PRIx64 " (rip 0x%" PRIx64 ")", (uint64_t)s.cr2,
                         rip);
                return VM_HOOK_STOP;
            }
            d->tlb = 1;
        } else {
            d->pf_rip = rip;
            d->pf_addr = s.cr2;
            d->pf_repeat = 0;
        }
        if (vcpu_get_sregs(cpu, &vs) != 0)
            return VM_HOOK_STOP;
        enum enf_shadow_verdict sv = enf_shadow_fault(ef, &vs, s.cr2, (err & 2) != 0, (err & 0x10) != 0, &gerr);
        if (sv != ENF_SHADOW_FILLED)
            d->pf_rip = d->pf_addr = 0;     /* (only fills that do not hold count: the guest's own repeat) */
        switch (sv) {
        case ENF_SHADOW_FILLED:
            return VM_HOOK_HANDLED;
        case ENF_SHADOW_EMULATE:
            ef->st.depriv_cpl0++;
            d->hold = 2;
            return VM_HOOK_HANDLED;
        case ENF_SHADOW_FAULT:
            vs.cr2 = s.cr2;
            if (vcpu_set_sregs(cpu, &vs) != 0)
                return VM_HOOK_STOP;
            has_err = 1;
            err = gerr;
            break;
        case ENF_SHADOW_ERROR:
            return VM_HOOK_STOP;
        }
    }
    if (!irq && (v == X86_VEC_NMI || v == X86_VEC_MC)) {
        enf_fail(ef, "refused to go on deprivileged: %s at rip 0x%" PRIx64 " (not in this mode yet)",
                 x86_vector_name(v), rip);
        ef->st.refused++;
        return VM_HOOK_STOP;
    }
    d->hold = 2;                        /* delivered by the next run, at CPL 0 */
    if (enf_open_event_frames(ef) != 0)
        return VM_HOOK_STOP;
    if (irq) {
        ef->st.depriv_irqs++;
        vcpu_inject_interrupt(cpu, (uint8_t)v);
        return VM_HOOK_HANDLED;
    }
    ef->st.depriv_reflected++;
    struct kvm_sregs vs;
    if (load(ef, &r, &vs) != 0 ||
        enf_inject_exception(ef, x86_cs_linear(&vs, x86_code_size(&r, &vs), r.rip), v, has_err, err) != 0) {
        enf_fail(ef, "cannot deliver %s to the guest", x86_vector_name(v));
        return VM_HOOK_STOP;
    }
    return VM_HOOK_HANDLED;
}

void enf_depriv_stopped(struct enf *ef, struct vm_stop *stop)
{
    struct enf_depriv *d = &ef->dp;
    struct kvm_regs r;
    struct kvm_sregs s;
    if (!d->on)
        return;
    enf_depriv_open(ef);                /* shown, and resumed, as the guest sees it */
    /* Native guest code faulted at CPL 3 on scout's boot tables (their IDT
     * is the guest's: the fault is reported); raw, at CPL 0, it would have
     * faulted the same way but with the user bit of a #PF clear -- unless
     * it touched scout's reserved region, which raw reaches. */
    if (stop->why != VM_STOP_GUEST_EXCEPTION || enf_depriv_real_state(ef, &r, &s) != 0 || (s.cs.selector & 3) != 3)
        return;
    if (stop->vector == X86_VEC_PF && stop->cr2 >= ef->reserved_base && stop->cr2 < vm_mem_size(ef->vm) &&
        (stop->error_code & 1)) {
        ef->st.refused++;
        enf_fail(ef, "refused to go on at 0x%" PRIx64 " deprivileged: the guest touched scout's reserved "
                 "region at 0x%" PRIx64 " (kept from it in this mode)", stop->rip, stop->cr2);
    } else if (stop->vector == X86_VEC_PF) {
        stop->error_code &= ~4u;
        vm_exception_message(stop);
    }
}

/* The real state: as the exit the window opened at left it, or -- the
 * window open since before the last run -- the vCPU's own. */
int enf_depriv_real_state(const struct enf *ef, struct kvm_regs *r, struct kvm_sregs *s)
{
    const struct enf_depriv *d = &ef->dp;
    if (!d->on)
        return -1;
    if (d->open && d->have_real && d->real_runs == vcpu_get_stats(ef->cpu)->runs) {
        *r = d->real_regs;
        *s = d->real_sregs;
        return 0;
    }
    return vcpu_get_regs(ef->cpu, r) == 0 && vcpu_get_sregs(ef->cpu, s) == 0 ? 0 : -1;
}
