/* retry.c — what KVM cannot do while a page is read-only to it, done again
 * with that page writable for one instruction (or one event delivery):
 *
 *   an emulation failure: an instruction whose stores KVM's emulator does
 *   not know (FXSAVE, XSAVE, CMPXCHG16B, wide vector stores) aimed at a
 *   protected page.  RIP is still on it and nothing of it happened.
 *
 *   a shutdown: the CPU (here, KVM's software event delivery) could not
 *   push an exception or interrupt frame into a protected page -- a stack
 *   that shares a page with code -- and gave up as on a triple fault, with
 *   the state as it was before the event.  An exception comes again with
 *   the instruction; an interrupt is delivered again by KVM
 *   (vcpu_redeliver_interrupt).
 *
 *   (A shutdown with RIP on an armed trap at CPL 3 is a trap the CPU
 *   refused with no #GP handler to go to: handled as the trap; denied.c.
 *   An exception scout injected is lost with the shutdown: injected again.)
 *
 * Either way the pages go writable with a snapshot (write.c), the vCPU
 * runs to its next exit -- the instruction's successor guard, or the
 * handler's ENTRY trap (tables.c) -- and the bytes that changed go through
 * the write path.  The same failure again at the same RIP is real. */
#include <inttypes.h>
#include <string.h>

#include "monitor/enforce/enforce_priv.h"
#include "monitor/kvm/kvm.h"
#include "monitor/x86/x86.h"

/* The state a retry starts from: 1 retry, 0 it was retried already (the
 * failure is real), -1 error. */
static int retry_start(struct enf *ef, struct cpu_view *c, uint64_t *lin)
{
    enf_end_step(ef);
    if (enf_cpu_load(ef, c) != 0)
        return -1;
    *lin = enf_cpu_linear(c, c->regs.rip);
    return ef->retry_rip != *lin + 1;
}

enum vm_hook_result enf_on_emulation_failure(void *ctx, struct vcpu *cpu)
{
    struct enf *ef = ctx;
    struct cpu_view c;
    struct x86_insn in;
    uint64_t gpa, lin;
    (void)cpu;
    int r = retry_start(ef, &c, &lin);
    if (r <= 0)
        return r < 0 ? VM_HOOK_STOP : VM_HOOK_PASS;
    if (gmem_translate(ef->vm, lin, 0, &gpa) != 0 || enf_decode_at(ef, &c, lin, &in) != 0)
        return VM_HOOK_PASS;
    ef->retry_rip = lin + 1;
    if (enf_step_in_place_ex(ef, &c, lin, gpa, &in, 1) != 0)
        return VM_HOOK_STOP;
    if (!ef->unprot.n) {
        enf_end_step(ef);               /* nothing of ours in its way: KVM's own limit */
        return VM_HOOK_PASS;
    }
    return VM_HOOK_HANDLED;
}

/* The bytes an exception frame may take below the stack top `top` of a
 * stack based at `base` whose pointer wraps at `mask`: 48 in long mode
 * (SS, RSP, RFLAGS, CS, RIP, error code), 40 from virtual-8086 mode. */
#define FRAME_MAX 48u

static int unprotect_frame(struct enf *ef, uint64_t base, uint64_t top, uint64_t mask)
{
    for (unsigned i = 1; i <= FRAME_MAX; i++) {
        uint64_t lin = base + ((top - i) & mask), gpa;
        if (gmem_translate(ef->vm, lin, 1, &gpa) != 0)
            continue;                   /* not mapped writable: the delivery faults on its own */
        if (enf_trap_kinds(ef->tt, gpa) & ENF_TRAP_ENTRY) {
            enf_fail(ef, "an exception frame at 0x%" PRIx64 " would overwrite the guard of a handler's "
                     "entry; scout cannot let it be pushed", lin);
            return -1;
        }
        if (memslot_is_protected(ef->vm, PAGE_OF(gpa)) == 1 && enf_unprotect_for_step(ef, PAGE_OF(gpa)) != 0)
            return -1;
    }
    return 0;
}

/* Every stack an exception or interrupt from this state may push to: the
 * current one (no privilege change), the TSS's ring-0 stack (from CPL > 0)
 * and, in long mode, the interrupt stack table. */
static int unprotect_frames(struct enf *ef, const struct cpu_view *c)
{
    const struct kvm_sregs *s = &c->sregs;
    if (x86_long_mode(s)) {
        uint8_t tss[0x5c];
        if (unprotect_frame(ef, 0, c->regs.rsp & ~15ull, ~0ull) != 0)
            return -1;
        if (s->tr.limit < 0x5b || gmem_read_linear(ef->vm, s->tr.base, tss, sizeof(tss)) != 0)
            return 0;
        for (unsigned off = 4; off < sizeof(tss); off += off == 4 ? 0x20 : 8) {
            uint64_t sp = 0;
            memcpy(&sp, tss + off, 8);
            if ((off != 4 || c->cpl > 0) && sp && unprotect_frame(ef, 0, sp & ~15ull, ~0ull) != 0)
                return -1;
        }
        return 0;
    }
    uint64_t mask = s->ss.db && (s->cr0 & X86_CR0_PE) ? 0xffffffffull : 0xffffull;
    if (unprotect_frame(ef, s->ss.base, c->regs.rsp, mask) != 0)
        return -1;
    uint8_t tss[12];
    if ((s->cr0 & X86_CR0_PE) && (c->cpl > 0 || (c->regs.rflags & X86_RFLAGS_VM)) && s->tr.limit >= 11 &&
        gmem_read_linear(ef->vm, s->tr.base, tss, sizeof(tss)) == 0) {
        uint32_t esp0;
        uint16_t ss0;
        memcpy(&esp0, tss + 4, 4);
        memcpy(&ss0, tss + 8, 2);
        uint64_t raw = 0;
        struct x86_desc d;
        if ((ss0 & ~7u) + 7u <= s->gdt.limit && !(ss0 & 4) &&
            gmem_read_linear(ef->vm, s->gdt.base + (ss0 & ~7u), &raw, 8) == 0) {
            x86_desc_decode(raw, 0, &d);
            if (unprotect_frame(ef, d.base, esp0, d.db ? 0xffffffffull : 0xffffull) != 0)
                return -1;
        }
    }
    return 0;
}

/* An event scout itself delivers (--deprivilege reflects exceptions and
 * interrupts into the guest's IDT): the pages its frame may go to are made
 * writable for the delivery first, as a shutdown would have them made. */
int enf_open_event_frames(struct enf *ef)
{
    struct cpu_view c;
    if (ef->step != ENF_STEP_NONE)
        return 0;                       /* (a step in flight has its own pages open) */
    if (enf_cpu_load(ef, &c) != 0 || unprotect_frames(ef, &c) != 0)
        return -1;
    if (!ef->unprot.n)
        return 0;
    ef->st.unprotected_steps++;
    ef->step = ENF_STEP_ARMED;          /* ends at the next exit: the handler's ENTRY trap */
    ef->step_rip = enf_cpu_linear(&c, c.regs.rip);
    ef->step_io = 0;
    return 0;
}

enum vm_hook_result enf_on_shutdown(void *ctx, struct vcpu *cpu)
{
    struct enf *ef = ctx;
    struct cpu_view c;
    uint64_t lin;
    (void)cpu;
    uint64_t gpa;
    if (enf_cpu_load(ef, &c) != 0)
        return VM_HOOK_STOP;
    lin = enf_cpu_linear(&c, c.regs.rip);
    if (c.cpl > 0 && gmem_translate(ef->vm, lin, 0, &gpa) == 0 && enf_trap_is_armed(ef->tt, gpa)) {
        /* a trap the CPU refused at CPL 3 (denied.c) with no #GP handler
         * to go to: the state is still on it, handled as if it exited */
        ef->st.denied_traps++;
        if (enf_handle_trap(ef, &c, lin, gpa) != 0)
            return VM_HOOK_STOP;
        return ef->failed || ef->stop_now ? VM_HOOK_STOP : VM_HOOK_HANDLED;
    }
    int r = retry_start(ef, &c, &lin);
    if (r <= 0)
        return r < 0 ? VM_HOOK_STOP : VM_HOOK_PASS;
    if (unprotect_frames(ef, &c) != 0)
        return VM_HOOK_STOP;
    if (!ef->unprot.n)
        return VM_HOOK_PASS;            /* none of its stacks is ours to open */
    ef->retry_rip = lin + 1;
    ef->st.unprotected_steps++;
    if (ef->injected.state == 1 && ef->injected.linear == lin) {
        if (enf_inject_exception(ef, lin, ef->injected.vector, ef->injected.has_error, ef->injected.error) != 0) {
            enf_fail(ef, "cannot inject the exception again at 0x%" PRIx64, lin);
            return VM_HOOK_STOP;
        }
    } else {
        (void)vcpu_redeliver_interrupt(ef->cpu);   /* an interrupt is not raised again by itself */
    }
    ef->step = ENF_STEP_ARMED;          /* ends at the next exit: the handler's ENTRY trap */
    ef->step_rip = lin;
    ef->step_io = 0;
    return VM_HOOK_HANDLED;
}
