/* denied.c — scout's traps are OUT DX,AL.  At CPL 0 (and wherever IOPL
 * allows) the CPU exits on them; at CPL 3 it first asks the TSS's I/O
 * permission bitmap (this host's KVM clears IOPL at 64-bit CPL 3), and a
 * guest with its own TSS may deny the port DX happens to hold.  Then the
 * CPU raises #GP(0) into the guest's handler instead -- whose ENTRY trap
 * exits before any of it runs.  There the frame is read back: if it says
 * #GP(0) at an armed trap from an outer ring, the state before the
 * exception is restored from it and the trap handled as if it had exited.
 *
 * Nothing the guest can see is left: the frame went below its ring-0
 * stack pointer, where any interrupt may write at any time.  A handler
 * that #GP shares with vectors without an error code could in principle
 * get a frame that reads like this one; every field is checked (error
 * code 0, a code segment of the outer ring, a stack segment of the same
 * ring, an armed trap at the return address). */
#include <string.h>

#include "monitor/enforce/enforce_priv.h"
#include "monitor/kvm/kvm.h"
#include "monitor/x86/x86.h"

int enf_denied_trap(struct enf *ef, struct cpu_view *c, uint64_t *linear, uint64_t *gpa)
{
    const struct enf_entry *e = enf_tables_entry(ef, *gpa);
    int lm = x86_long_mode(&c->sregs);
    unsigned w = lm ? 8 : c->mode == 32 ? 4 : 0;
    uint64_t f[6] = { 0 };
    if (!e || !e->gp || c->cpl == 3 || !w)
        return 0;
    uint8_t raw[48];
    uint64_t sp = lm ? c->regs.rsp : c->sregs.ss.base + (c->regs.rsp & 0xffffffffull);
    if (gmem_read_linear(ef->vm, sp, raw, 6 * w) != 0)
        return 0;
    for (int i = 0; i < 6; i++)
        memcpy(&f[i], raw + i * w, w);
    uint64_t err = f[0], ip = f[1], fl = f[3], usp = f[4];
    uint16_t cs = (uint16_t)f[2], ss = (uint16_t)f[5];
    unsigned rpl = cs & 3;
    struct x86_desc dc, ds;
    if (err != 0 || f[2] > 0xffff || f[5] > 0xffff || rpl <= (unsigned)c->cpl || (ss & 3) != rpl ||
        (fl & X86_RFLAGS_VM) || enf_read_desc(ef, c, cs, &dc) != 0 || enf_read_desc(ef, c, ss, &ds) != 0 ||
        !dc.present || !x86_desc_is_code(&dc) || dc.dpl > rpl || !ds.present || !ds.s || (ds.type & 0x8) ||
        !(ds.type & 0x2) || ds.dpl != rpl)
        return 0;
    int user64 = lm && dc.l;
    uint64_t lin = user64 ? ip : (dc.base + ip) & 0xffffffffull, g;
    if (gmem_translate(ef->vm, lin, 0, &g) != 0 || !enf_trap_is_armed(ef->tt, g))
        return 0;
    c->regs.rip = ip;
    c->regs.rflags = fl;
    c->regs.rsp = usp;
    x86_desc_to_seg(&dc, cs, &c->sregs.cs);
    x86_desc_to_seg(&ds, ss, &c->sregs.ss);
    if (vcpu_set_regs(ef->cpu, &c->regs) != 0 || vcpu_set_sregs(ef->cpu, &c->sregs) != 0) {
        enf_fail(ef, "cannot restore the state before a #GP from a trap");
        return -1;
    }
    c->mode = x86_code_size(&c->regs, &c->sregs);
    c->cpl = x86_cpl(&c->regs, &c->sregs);
    ef->st.denied_traps++;
    *linear = lin;
    *gpa = g;
    return 1;
}
