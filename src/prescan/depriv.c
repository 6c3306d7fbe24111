/* depriv.c — the deprivileging policy: the instructions whose behaviour
 * depends on the CPL (they fault at CPL 3, or give another result there
 * without faulting).  With it on (prescan_set_deprivilege), each of them is
 * virtualize with reason "deprivilege", whatever its class in the policy
 * table, and no classifier may make it native: guest code that believes it
 * runs at CPL 0 runs at CPL 3, and the monitor performs these at the
 * guest's virtual CPL 0.  Decided on opcode bytes and the mnemonic, so the
 * minimal decode of the scanner and the monitor's full decode agree. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "prescan/prescan_priv.h"

/* By opcode: segment registers (push/pop/mov), far transfers, IRET, MOV
 * to/from CRn/DRn/TRn.  0x1xx: the 0F map; 0x2FF: FF /3 and FF /5. */
static const uint16_t depriv_opcodes[] = {
    0x006, 0x007, 0x00e, 0x016, 0x017, 0x01e, 0x01f, 0x08c, 0x08e, 0x09a, 0x0ea, 0x0ca, 0x0cb, 0x0cf,
    0x2ff, 0x1a0, 0x1a1, 0x1a8, 0x1a9, 0x120, 0x121, 0x122, 0x123, 0x124, 0x126,
};

/* By mnemonic, as Zydis names them.  The groups: flags (IF, IOPL, AC);
 * descriptor tables and selectors (RPL, DPL checks); port I/O (IOPL, the
 * TSS bitmap); CPL 0 only, or CPL-dependent through a control bit
 * (CR4.TSD/PCE, MSRs); privilege transfers; virtualization extensions
 * (#UD at CPL 0 without them, #GP at CPL 3); shadow stacks (one SSP per
 * CPL); the x87 environment (the FPU CS selector). */
static const char depriv_names[] =
    " pushf pushfd pushfq popf popfd popfq cli sti clac stac"
    " sgdt sidt sldt smsw str lar lsl verr verw lgdt lidt lldt ltr lmsw clts lds les lfs lgs lss"
    " in out insb insw insd outsb outsw outsd"
    " cpuid rdmsr wrmsr rdtsc rdtscp rdpmc rdpru rdpid invlpg invlpga invlpgb tlbsync invpcid wbinvd invd"
    " hlt xgetbv xsetbv xsaves xsaves64 xrstors xrstors64 monitor mwait monitorx mwaitx tpause umwait"
    " rsm getsec hreset pconfig encls enclu enclv"
    " iret iretd iretq int int3 into int1 syscall sysret sysenter sysexit swapgs uiret"
    " vmcall vmmcall vmrun vmload vmsave stgi clgi skinit vmxon vmxoff vmlaunch vmresume vmptrld vmptrst"
    " vmclear vmread vmwrite invept invvpid vmfunc psmash pvalidate rmpadjust rmpupdate seamcall seamops"
    " seamret tdcall"
    " wrussd wrussq wrssd wrssq setssbsy clrssbsy rstorssp saveprevssp incsspd incsspq rdsspd rdsspq"
    " fnstenv fnsave ";

static uint8_t by_mnemonic[NMNEM];
static uint8_t by_opcode[0x300];

static void build_tables(void)
{
    char word[40];
    for (unsigned m = 1; m < NMNEM; m++) {
        const char *name = ZydisMnemonicGetString((ZydisMnemonic)m);
        if (name && snprintf(word, sizeof word, " %s ", name) < (int)sizeof word && strstr(depriv_names, word))
            by_mnemonic[m] = 1;
    }
    for (size_t i = 0; i < sizeof depriv_opcodes / sizeof depriv_opcodes[0]; i++)
        by_opcode[depriv_opcodes[i]] = 1;
}

/* On the facts both decoders give (the scanner's table-driven fast path
 * does not fill a Zydis decode: it must not be read there). */
static int depriv_by(unsigned mnemonic, unsigned map, unsigned opcode, unsigned modrm_reg)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, build_tables);
    if (mnemonic < NMNEM && by_mnemonic[mnemonic])
        return 1;
    if (map == ZYDIS_OPCODE_MAP_DEFAULT && opcode == 0xff)
        return by_opcode[0x2ff] && (modrm_reg == 3 || modrm_reg == 5);
    if (map == ZYDIS_OPCODE_MAP_DEFAULT || map == ZYDIS_OPCODE_MAP_0F)
        return by_opcode[(map == ZYDIS_OPCODE_MAP_0F ? 0x100 : 0) | opcode];
    return 0;
}

int prescan_depriv_insn(const void *zydis)
{
    const ZydisDecodedInstruction *in = zydis;
    return depriv_by((unsigned)in->mnemonic, (unsigned)in->opcode_map, in->opcode, in->raw.modrm.reg);
}

int prescan_depriv_facts(const struct insn_facts *f)
{
    return depriv_by(f->mnemonic, f->map, f->opcode, f->modrm_reg);
}

void prescan_set_deprivilege(struct prescan *ps, int on)
{
    if (ps)
        ps->depriv = on != 0;
}

int prescan_deprivilege(const struct prescan *ps)
{
    return ps && ps->depriv;
}
