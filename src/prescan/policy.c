/* policy.c — names, the policy table (one class per mnemonic), and
 * decode modes.  (The decoders: decoder.c.) */
#include <string.h>

#include "prescan/prescan_priv.h"

/* ---- names ------------------------------------------------------------ */

const char *prescan_reason_name(enum prescan_reason r)
{
    static const char *const names[PRESCAN_REASON_COUNT] = {
        [PRESCAN_REASON_NONE] = "none",
        [PRESCAN_REASON_BRANCH_UNSCANNED] = "branch-unscanned",
        [PRESCAN_REASON_BRANCH_OUT_OF_PAGE] = "out-of-page",
        [PRESCAN_REASON_COMPUTED_BRANCH] = "computed",
        [PRESCAN_REASON_FAR_BRANCH] = "far",
        [PRESCAN_REASON_SENSITIVE] = "sensitive",
        [PRESCAN_REASON_CROSSES_PAGE] = "crosses-page",
        [PRESCAN_REASON_UNDECODABLE] = "undecodable",
        [PRESCAN_REASON_OVERLAP] = "overlap",
        [PRESCAN_REASON_POLICY] = "policy",
        [PRESCAN_REASON_DEPRIVILEGE] = "deprivilege",
    };
    if ((unsigned)r >= PRESCAN_REASON_COUNT)
        return "?";
    return names[r];
}

const char *prescan_path_end_name(enum prescan_path_end e)
{
    static const char *const names[PRESCAN_END_COUNT] = {
        [PRESCAN_END_CONTINUE] = "continue",
        [PRESCAN_END_ALREADY_SCANNED] = "already-scanned",
        [PRESCAN_END_OUT_OF_PAGE] = "out-of-page",
        [PRESCAN_END_COMPUTED] = "computed",
        [PRESCAN_END_FAR] = "far",
        [PRESCAN_END_JMP_FOLLOWED] = "jmp-followed",
        [PRESCAN_END_JMP_TARGET_SCANNED] = "jmp-target-scanned",
        [PRESCAN_END_DEPTH_LIMIT] = "depth-limit",
        [PRESCAN_END_CROSSES_PAGE] = "crosses-page",
        [PRESCAN_END_UNDECODABLE] = "undecodable",
        [PRESCAN_END_PAGE_END] = "page-end",
        [PRESCAN_END_HALT] = "halt",
        [PRESCAN_END_FAULTS] = "faults",
    };
    if ((unsigned)e >= PRESCAN_END_COUNT)
        return "?";
    return names[e];
}

/* ---- policy table ----------------------------------------------------- */

static const struct { ZydisMnemonic m; uint8_t cls; } default_policy[] = {
    /* Robin & Irvine */
    { ZYDIS_MNEMONIC_SGDT, PRESCAN_CLASS_SENSITIVE }, { ZYDIS_MNEMONIC_SIDT, PRESCAN_CLASS_SENSITIVE },
    { ZYDIS_MNEMONIC_SLDT, PRESCAN_CLASS_SENSITIVE }, { ZYDIS_MNEMONIC_SMSW, PRESCAN_CLASS_SENSITIVE },
    { ZYDIS_MNEMONIC_PUSHF, PRESCAN_CLASS_SENSITIVE }, { ZYDIS_MNEMONIC_PUSHFD, PRESCAN_CLASS_SENSITIVE },
    { ZYDIS_MNEMONIC_PUSHFQ, PRESCAN_CLASS_SENSITIVE }, { ZYDIS_MNEMONIC_POPF, PRESCAN_CLASS_SENSITIVE },
    { ZYDIS_MNEMONIC_POPFD, PRESCAN_CLASS_SENSITIVE }, { ZYDIS_MNEMONIC_POPFQ, PRESCAN_CLASS_SENSITIVE },
    { ZYDIS_MNEMONIC_LAR, PRESCAN_CLASS_SENSITIVE }, { ZYDIS_MNEMONIC_LSL, PRESCAN_CLASS_SENSITIVE },
    { ZYDIS_MNEMONIC_VERR, PRESCAN_CLASS_SENSITIVE }, { ZYDIS_MNEMONIC_VERW, PRESCAN_CLASS_SENSITIVE },
    { ZYDIS_MNEMONIC_PUSH, PRESCAN_CLASS_SEG }, { ZYDIS_MNEMONIC_POP, PRESCAN_CLASS_SEG },
    { ZYDIS_MNEMONIC_MOV, PRESCAN_CLASS_SEG },
    { ZYDIS_MNEMONIC_INT, PRESCAN_CLASS_SENSITIVE }, { ZYDIS_MNEMONIC_STR, PRESCAN_CLASS_SENSITIVE },
    /* loads of segment registers */
    { ZYDIS_MNEMONIC_LDS, PRESCAN_CLASS_SENSITIVE }, { ZYDIS_MNEMONIC_LES, PRESCAN_CLASS_SENSITIVE },
    { ZYDIS_MNEMONIC_LFS, PRESCAN_CLASS_SENSITIVE }, { ZYDIS_MNEMONIC_LGS, PRESCAN_CLASS_SENSITIVE },
    { ZYDIS_MNEMONIC_LSS, PRESCAN_CLASS_SENSITIVE },
    /* privileged / system */
    { ZYDIS_MNEMONIC_LGDT, PRESCAN_CLASS_SENSITIVE }, { ZYDIS_MNEMONIC_LIDT, PRESCAN_CLASS_SENSITIVE },
    { ZYDIS_MNEMONIC_LLDT, PRESCAN_CLASS_SENSITIVE }, { ZYDIS_MNEMONIC_LTR, PRESCAN_CLASS_SENSITIVE },
    { ZYDIS_MNEMONIC_LMSW, PRESCAN_CLASS_SENSITIVE }, { ZYDIS_MNEMONIC_CLI, PRESCAN_CLASS_SENSITIVE },
    { ZYDIS_MNEMONIC_STI, PRESCAN_CLASS_SENSITIVE }, { ZYDIS_MNEMONIC_HLT, PRESCAN_CLASS_SENSITIVE },
    { ZYDIS_MNEMONIC_IN, PRESCAN_CLASS_SENSITIVE }, { ZYDIS_MNEMONIC_OUT, PRESCAN_CLASS_SENSITIVE },
    { ZYDIS_MNEMONIC_INSB, PRESCAN_CLASS_SENSITIVE }, { ZYDIS_MNEMONIC_INSW, PRESCAN_CLASS_SENSITIVE },
    { ZYDIS_MNEMONIC_INSD, PRESCAN_CLASS_SENSITIVE }, { ZYDIS_MNEMONIC_OUTSB, PRESCAN_CLASS_SENSITIVE },
    { ZYDIS_MNEMONIC_OUTSW, PRESCAN_CLASS_SENSITIVE }, { ZYDIS_MNEMONIC_OUTSD, PRESCAN_CLASS_SENSITIVE },
    { ZYDIS_MNEMONIC_CPUID, PRESCAN_CLASS_SENSITIVE }, { ZYDIS_MNEMONIC_RDTSC, PRESCAN_CLASS_SENSITIVE },
    { ZYDIS_MNEMONIC_RDTSCP, PRESCAN_CLASS_SENSITIVE }, { ZYDIS_MNEMONIC_RDMSR, PRESCAN_CLASS_SENSITIVE },
    { ZYDIS_MNEMONIC_WRMSR, PRESCAN_CLASS_SENSITIVE }, { ZYDIS_MNEMONIC_RDPMC, PRESCAN_CLASS_SENSITIVE },
    { ZYDIS_MNEMONIC_INVLPG, PRESCAN_CLASS_SENSITIVE }, { ZYDIS_MNEMONIC_INVD, PRESCAN_CLASS_SENSITIVE },
    { ZYDIS_MNEMONIC_WBINVD, PRESCAN_CLASS_SENSITIVE }, { ZYDIS_MNEMONIC_CLTS, PRESCAN_CLASS_SENSITIVE },
    { ZYDIS_MNEMONIC_SYSCALL, PRESCAN_CLASS_SENSITIVE }, { ZYDIS_MNEMONIC_SYSRET, PRESCAN_CLASS_SENSITIVE },
    { ZYDIS_MNEMONIC_SYSENTER, PRESCAN_CLASS_SENSITIVE }, { ZYDIS_MNEMONIC_SYSEXIT, PRESCAN_CLASS_SENSITIVE },
    { ZYDIS_MNEMONIC_SWAPGS, PRESCAN_CLASS_SENSITIVE }, { ZYDIS_MNEMONIC_INT3, PRESCAN_CLASS_SENSITIVE },
    { ZYDIS_MNEMONIC_INTO, PRESCAN_CLASS_SENSITIVE }, { ZYDIS_MNEMONIC_INT1, PRESCAN_CLASS_SENSITIVE },
    { ZYDIS_MNEMONIC_XSETBV, PRESCAN_CLASS_SENSITIVE }, { ZYDIS_MNEMONIC_MONITOR, PRESCAN_CLASS_SENSITIVE },
    { ZYDIS_MNEMONIC_MWAIT, PRESCAN_CLASS_SENSITIVE }, { ZYDIS_MNEMONIC_MONITORX, PRESCAN_CLASS_SENSITIVE },
    { ZYDIS_MNEMONIC_MWAITX, PRESCAN_CLASS_SENSITIVE }, { ZYDIS_MNEMONIC_RSM, PRESCAN_CLASS_SENSITIVE },
    { ZYDIS_MNEMONIC_INVPCID, PRESCAN_CLASS_SENSITIVE }, { ZYDIS_MNEMONIC_GETSEC, PRESCAN_CLASS_SENSITIVE },
    { ZYDIS_MNEMONIC_VMCALL, PRESCAN_CLASS_SENSITIVE }, { ZYDIS_MNEMONIC_VMMCALL, PRESCAN_CLASS_SENSITIVE },
    /* several stores: into a page read-only to KVM only the last one would land */
    { ZYDIS_MNEMONIC_PUSHA, PRESCAN_CLASS_SENSITIVE }, { ZYDIS_MNEMONIC_PUSHAD, PRESCAN_CLASS_SENSITIVE },
    { ZYDIS_MNEMONIC_ENTER, PRESCAN_CLASS_SENSITIVE },
    /* control transfer */
    { ZYDIS_MNEMONIC_JMP, PRESCAN_CLASS_JMP }, { ZYDIS_MNEMONIC_CALL, PRESCAN_CLASS_CALL },
    { ZYDIS_MNEMONIC_RET, PRESCAN_CLASS_RET }, { ZYDIS_MNEMONIC_IRET, PRESCAN_CLASS_RET },
    { ZYDIS_MNEMONIC_IRETD, PRESCAN_CLASS_RET }, { ZYDIS_MNEMONIC_IRETQ, PRESCAN_CLASS_RET },
    { ZYDIS_MNEMONIC_JB, PRESCAN_CLASS_JCC }, { ZYDIS_MNEMONIC_JBE, PRESCAN_CLASS_JCC },
    { ZYDIS_MNEMONIC_JL, PRESCAN_CLASS_JCC }, { ZYDIS_MNEMONIC_JLE, PRESCAN_CLASS_JCC },
    { ZYDIS_MNEMONIC_JNB, PRESCAN_CLASS_JCC }, { ZYDIS_MNEMONIC_JNBE, PRESCAN_CLASS_JCC },
    { ZYDIS_MNEMONIC_JNL, PRESCAN_CLASS_JCC }, { ZYDIS_MNEMONIC_JNLE, PRESCAN_CLASS_JCC },
    { ZYDIS_MNEMONIC_JNO, PRESCAN_CLASS_JCC }, { ZYDIS_MNEMONIC_JNP, PRESCAN_CLASS_JCC },
    { ZYDIS_MNEMONIC_JNS, PRESCAN_CLASS_JCC }, { ZYDIS_MNEMONIC_JNZ, PRESCAN_CLASS_JCC },
    { ZYDIS_MNEMONIC_JO, PRESCAN_CLASS_JCC }, { ZYDIS_MNEMONIC_JP, PRESCAN_CLASS_JCC },
    { ZYDIS_MNEMONIC_JS, PRESCAN_CLASS_JCC }, { ZYDIS_MNEMONIC_JZ, PRESCAN_CLASS_JCC },
    { ZYDIS_MNEMONIC_JCXZ, PRESCAN_CLASS_JCC }, { ZYDIS_MNEMONIC_JECXZ, PRESCAN_CLASS_JCC },
    { ZYDIS_MNEMONIC_JRCXZ, PRESCAN_CLASS_JCC }, { ZYDIS_MNEMONIC_LOOP, PRESCAN_CLASS_JCC },
    { ZYDIS_MNEMONIC_LOOPE, PRESCAN_CLASS_JCC }, { ZYDIS_MNEMONIC_LOOPNE, PRESCAN_CLASS_JCC },
    { ZYDIS_MNEMONIC_XBEGIN, PRESCAN_CLASS_JCC },
    { ZYDIS_MNEMONIC_JKNZD, PRESCAN_CLASS_JCC }, { ZYDIS_MNEMONIC_JKZD, PRESCAN_CLASS_JCC },
};

int prescan_set_class(struct prescan *ps, unsigned mnemonic, enum prescan_class cls)
{
    if (!ps || mnemonic >= NMNEM || (unsigned)cls >= PRESCAN_CLASS_COUNT)
        return -1;
    ps->policy[mnemonic] = (uint8_t)cls;
    return 0;
}

enum prescan_class prescan_get_class(const struct prescan *ps, unsigned mnemonic)
{
    if (!ps || mnemonic >= NMNEM)
        return PRESCAN_CLASS_NATIVE;
    return (enum prescan_class)ps->policy[mnemonic];
}

void prescan_policy_defaults(uint8_t *policy)
{
    memset(policy, 0, NMNEM);
    for (size_t i = 0; i < sizeof default_policy / sizeof default_policy[0]; i++)
        policy[default_policy[i].m] = default_policy[i].cls;
}

/* ---- decode modes ------------------------------------------------------ */

enum prescan_mode prescan_mode_window(unsigned lo, unsigned hi)
{
    if (lo == 0 && hi == PRESCAN_PAGE_SIZE)
        return PRESCAN_MODE_16;
    return (enum prescan_mode)(16u | (lo / 16u) << 8 | (hi / 16u) << 17);
}

int prescan_mode_valid(enum prescan_mode m)
{
    unsigned bits = prescan_mode_bits(m), lo = prescan_mode_lo(m), hi = prescan_mode_hi(m);
    if (bits != 16 && bits != 32 && bits != 64)
        return 0;
    if ((unsigned)m >> 8 && bits != 16)
        return 0;
    if ((unsigned)m >> 26)
        return 0;
    return lo < hi && hi <= PRESCAN_PAGE_SIZE;
}

int prescan_mode_index(enum prescan_mode mode)
{
    if (!prescan_mode_valid(mode))
        return -1;
    switch (prescan_mode_bits(mode)) {
    case 16: return 0;
    case 32: return 1;
    default: return 2;
    }
}
