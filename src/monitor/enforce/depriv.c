/* depriv.c — deprivileged execution (--deprivilege).  A 64-bit guest that
 * starts at CPL 0 in scout's boot environment runs at real CPL 3, natively;
 * scout keeps what the guest believes it has where that differs from the
 * real vCPU: CPL 0 and its own code/stack/data segments, IOPL and AC.
 * Everything else (CR0/CR3/CR4/EFER, GDTR/IDTR/LDTR/TR: scout's own) is the
 * same raw and deprivileged; what would change it is refused.
 *
 * The prescan engine marks every CPL-sensitive instruction virtualize
 * (reason deprivilege, src/prescan/depriv.c).  At its trap the vCPU takes
 * the virtual state -- real CPL 0, the guest's selectors and flags: the
 * window -- and the instruction is handled exactly as an enforced CPL 0
 * guest's would be (emulated, or run in place at CPL 0, guarded).  When no
 * step is in flight any more the window closes: the virtual state is read
 * back, checked (still 64-bit code at CPL 0 with scout's tables), and the
 * vCPU goes back to CPL 3.  Outside a window the real IF is the virtual IF
 * (only virtualized instructions change it), so KVM's interrupt window is
 * the guest's.  Exceptions of native code arrive at scout's stubs from
 * CPL 3: the report is made as raw gives it (the #PF error code's user bit
 * cleared, the state shown with the virtual segments and flags).  Scout's
 * reserved region stays supervisor-only: an access to it from the guest,
 * which raw CPL 0 code could make, is refused. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "monitor/enforce/enforce_priv.h"

#define VIRT_FLAGS (X86_RFLAGS_IOPL | X86_RFLAGS_AC)
/* EFER bits a guest may change here: they act the same at CPL 3 */
#define EFER_FREE (X86_EFER_SCE | X86_EFER_NXE)

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

int enf_deprivilege(struct enf *ef, char *err, size_t errlen)
{
    struct kvm_regs r;
    struct kvm_sregs s;
    if (load(ef, &r, &s) != 0)
        return enf_report(ef, err, errlen);
    int mode = x86_code_size(&r, &s);
    if (!(s.cr0 & X86_CR0_PE) || !x86_long_mode(&s) || mode != 64) {
        snprintf(err, errlen, "--deprivilege: only 64-bit long-mode guests (this one starts in %s)",
                 !(s.cr0 & X86_CR0_PE) ? "real mode" : mode == 32 ? "32-bit protected mode"
                 : "16-bit protected mode");
        return -1;
    }
    if (x86_cpl(&r, &s) != 0) {
        snprintf(err, errlen, "--deprivilege: the guest starts at CPL %d already (--cpl 3)", x86_cpl(&r, &s));
        return -1;
    }
    struct prescan_stats ps;
    prescan_get_stats(ef->ps, &ps);
    if (ps.insns_scanned != 0) {
        snprintf(err, errlen, "--deprivilege: only before anything is scanned");
        return -1;
    }
    if (vm_boot_user_mmio(ef->vm) != 0) {
        snprintf(err, errlen, "--deprivilege: the guest's page tables are not scout's boot tables");
        return -1;
    }
    prescan_set_deprivilege(ef->ps, 1);
    struct enf_depriv *d = &ef->dp;
    d->on = 1;
    d->open = 1;                        /* the vCPU holds the guest's state; closed before it runs */
    d->boot.cr0 = s.cr0;
    d->boot.cr3 = s.cr3;
    d->boot.cr4 = s.cr4;
    d->boot.efer = s.efer;
    d->boot.gdt = s.gdt;
    d->boot.idt = s.idt;
    d->boot.ldt = s.ldt.selector;
    d->boot.tr = s.tr.selector;
    return 0;
}

int enf_deprivileged(const struct enf *ef) { return ef->dp.on; }

/* The vCPU takes the virtual state (real CPL 0). */
static int open_window(struct enf *ef)
{
    struct enf_depriv *d = &ef->dp;
    struct kvm_regs r;
    struct kvm_sregs s;
    if (d->open)
        return 0;
    if (load(ef, &r, &s) != 0)
        return -1;
    uint64_t fs_base = s.fs.base, gs_base = s.gs.base;     /* (the live ones: WRMSR, SWAPGS) */
    s.cs = d->cs;
    s.ss = d->ss;
    s.ds = d->ds;
    s.es = d->es;
    s.fs = d->fs;
    s.gs = d->gs;
    s.fs.base = fs_base;
    s.gs.base = gs_base;
    r.rflags = (r.rflags & ~VIRT_FLAGS) | d->flags;
    if (store(ef, &r, &s) != 0)
        return -1;
    d->open = 1;
    return 0;
}

static int refuse_state(struct enf *ef, uint64_t rip, const char *why)
{
    ef->st.refused++;
    enf_fail(ef, "refused to go on at 0x%" PRIx64 " deprivileged: %s (not in this mode yet)", rip, why);
    return -1;
}

/* Back to real CPL 3, after checking the guest is still where this mode
 * can run it. */
static int close_window(struct enf *ef)
{
    struct enf_depriv *d = &ef->dp;
    struct kvm_regs r;
    struct kvm_sregs s;
    if (!d->open)
        return 0;
    if (load(ef, &r, &s) != 0)
        return -1;
    if (!s.cs.l || s.cs.db || s.cs.dpl != 0 || (s.cs.selector & 3) || !x86_long_mode(&s))
        return refuse_state(ef, r.rip, "the guest left 64-bit code at CPL 0");
    if ((s.ss.selector & 3) || (r.rflags & X86_RFLAGS_VM))
        return refuse_state(ef, r.rip, "the guest's stack segment is not at CPL 0");
    if (s.cr0 != d->boot.cr0 || s.cr3 != d->boot.cr3 || s.cr4 != d->boot.cr4 ||
        ((s.efer ^ d->boot.efer) & ~EFER_FREE))
        return refuse_state(ef, r.rip, "CR0/CR3/CR4/EFER changed");
    if (s.gdt.base != d->boot.gdt.base || s.gdt.limit != d->boot.gdt.limit || s.idt.base != d->boot.idt.base ||
        s.idt.limit != d->boot.idt.limit || s.ldt.selector != d->boot.ldt || s.tr.selector != d->boot.tr)
        return refuse_state(ef, r.rip, "the descriptor tables changed");
    d->cs = s.cs;
    d->ss = s.ss;
    d->ds = s.ds;
    d->es = s.es;
    d->fs = s.fs;
    d->gs = s.gs;
    d->flags = r.rflags & VIRT_FLAGS;
    /* In 64-bit mode only FS and GS have bases; limits and DPLs of data
     * segments are checked at loads only (virtualized). */
    s.cs = user_seg(VM_SEL_UCODE64, 1, 0);
    s.ss = user_seg(VM_SEL_UDATA, 0, 0);
    s.ds = user_seg(VM_SEL_UDATA, 0, 0);
    s.es = user_seg(VM_SEL_UDATA, 0, 0);
    s.fs = user_seg(VM_SEL_UDATA, 0, d->fs.base);
    s.gs = user_seg(VM_SEL_UDATA, 0, d->gs.base);
    r.rflags &= ~VIRT_FLAGS;            /* AC at CPL 3 would check alignment; IOPL kvm_pvm drops */
    d->open = 0;
    if (store(ef, &r, &s) != 0)
        return -1;
    return 0;
}

int enf_depriv_settle(struct enf *ef)
{
    if (!ef->dp.on || !ef->dp.open || ef->step != ENF_STEP_NONE || ef->failed)
        return 0;
    /* An IN's data, a string instruction's next piece: the instruction
     * finishes at CPL 0 first (state set now would be overwritten by it). */
    vcpu_complete_io(ef->cpu);
    if (vcpu_exit_pending(ef->cpu))
        return 0;
    return close_window(ef);
}

/* Refused before they run: what would change scout's tables, paging or the
 * mode, and the ways down to CPL 3. */
static const char *refused_why(struct enf *ef, const struct cpu_view *c, const struct x86_insn *in)
{
    const ZydisDecodedInstruction *zi = &in->zi;
    switch (zi->mnemonic) {
    case ZYDIS_MNEMONIC_LGDT: case ZYDIS_MNEMONIC_LIDT: case ZYDIS_MNEMONIC_LLDT: case ZYDIS_MNEMONIC_LTR:
        return "it loads a descriptor table of its own";
    case ZYDIS_MNEMONIC_LMSW: case ZYDIS_MNEMONIC_CLTS:
        return "it changes CR0";
    case ZYDIS_MNEMONIC_SYSRET: case ZYDIS_MNEMONIC_SYSEXIT:
        return "it goes to CPL 3";
    case ZYDIS_MNEMONIC_WRMSR:
        if ((uint32_t)c->regs.rcx == X86_MSR_EFER &&
            (((c->regs.rdx << 32) | (uint32_t)c->regs.rax) ^ c->sregs.efer) & ~EFER_FREE)
            return "it changes the mode in EFER";
        return NULL;
    default:
        break;
    }
    (void)ef;
    if (zi->opcode_map == ZYDIS_OPCODE_MAP_0F && zi->opcode == 0x26)
        return "it writes a test register";
    if (zi->opcode_map == ZYDIS_OPCODE_MAP_0F && zi->opcode == 0x22 &&
        in->ops[0].type == ZYDIS_OPERAND_TYPE_REGISTER && in->ops[1].type == ZYDIS_OPERAND_TYPE_REGISTER) {
        /* CR0/CR3/CR4 written back unchanged (a guest that only sets what
         * it has) runs at CPL 0; any change is refused.  CR2 and CR8 are
         * plain state. */
        uint64_t v[16], now;
        int id = ZydisRegisterGetId(in->ops[1].reg.value);
        switch (in->ops[0].reg.value) {
        case ZYDIS_REGISTER_CR0: now = c->sregs.cr0; break;
        case ZYDIS_REGISTER_CR3: now = c->sregs.cr3; break;
        case ZYDIS_REGISTER_CR4: now = c->sregs.cr4; break;
        case ZYDIS_REGISTER_CR2: case ZYDIS_REGISTER_CR8: return NULL;
        default: return "it writes a control register";
        }
        x86_gprs_get(&c->regs, v);
        if (id < 0 || id > 15 || v[id] != now)
            return "it changes a control register";
    }
    return NULL;
}

int enf_depriv_trap(struct enf *ef, struct cpu_view *c, uint64_t linear, const struct x86_insn *in)
{
    if (!ef->dp.on || !in->ok || !prescan_depriv_insn(&in->zi))
        return 0;
    if (!ef->dp.open && c->cpl == 0)
        return 0;                       /* scout's own stubs, entered from CPL 3 by an exception */
    const char *why = refused_why(ef, c, in);
    if (why) {
        char text[96];
        x86_format_insn(in, linear, 0, text, sizeof text);
        ef->st.refused++;
        enf_fail(ef, "refused to run '%s' at 0x%" PRIx64 " deprivileged: %s (not in this mode yet)", text,
                 linear, why);
        return -1;
    }
    if (!ef->dp.open) {
        ef->st.depriv_windows++;
        if (open_window(ef) != 0)
            return -1;
    }
    return enf_cpu_load(ef, c);
}

void enf_depriv_stopped(struct enf *ef, struct vm_stop *stop)
{
    struct enf_depriv *d = &ef->dp;
    if (!d->on)
        return;
    d->have_real = vcpu_get_regs(ef->cpu, &d->real_regs) == 0 && vcpu_get_sregs(ef->cpu, &d->real_sregs) == 0;
    int from_user = d->have_real && (d->real_sregs.cs.selector & 3) == 3;
    if (stop->why == VM_STOP_GUEST_EXCEPTION && from_user) {
        /* native guest code faulted at CPL 3; raw, at CPL 0, it would have
         * faulted the same way but with the user bit of a #PF clear --
         * unless it touched scout's reserved region, which raw reaches */
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
    open_window(ef);                    /* shown, and resumed, as the guest sees it */
}

int enf_depriv_real_state(const struct enf *ef, struct kvm_regs *r, struct kvm_sregs *s)
{
    if (!ef->dp.on || !ef->dp.have_real)
        return -1;
    *r = ef->dp.real_regs;
    *s = ef->dp.real_sregs;
    return 0;
}
