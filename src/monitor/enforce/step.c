/* step.c — executing one instruction in place: its bytes go back, a STEP
 * trap goes on every successor, and the next exit re-arms everything. */
#include <Zydis/Zydis.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/enforce/enforce_priv.h"

/* ── emulation and in-place steps ────────────────────────────────────── */

/* Executes the instruction at RIP natively once: its bytes go back, a STEP
 * trap goes on every successor, and the next exit re-arms everything. */
int enf_step_in_place(struct enf *ef, const struct cpu_view *c, uint64_t linear, uint64_t gpa,
                  const uint8_t *bytes, size_t nbytes, unsigned len)
{
    struct x86_emul_cpu e;
    struct x86_emul_mem mem = { ef, enf_emul_read, enf_emul_write };
    uint64_t succ[2];
    ZydisDecodedInstruction in;
    ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
    int decoded = enf_decode_full(c, bytes, nbytes, &in, ops) == 0;
    enf_cpu_to_emul(c, &e);
    int n = x86_emul_successors(&e, &mem, bytes, nbytes, succ);
    if (n == 0 && decoded)
        n = enf_system_successors(ef, c, &in, bytes, succ);
    if (decoded)
        enf_touch_loaded_descriptors(ef, c, &in, ops, bytes);
    if (n == 0)
        ef->st.unguarded_steps++;
    for (int i = 0; i < n; i++) {
        uint64_t sg;
        if (gmem_translate(ef->vm, succ[i], 0, &sg) != 0 || enf_in_monitor(ef, sg))
            continue;
        if (sg == gpa)
            continue;                   /* back to itself: scanned, re-armed at the next exit */
        if (sg > gpa && sg < gpa + len) {
            ef->st.unguarded_steps++;   /* into its own bytes: a trap there would change it */
            continue;
        }
        if (enf_plant(ef, sg, ENF_TRAP_STEP) != 0 || enf_sync_protection(ef, PAGE_OF(sg)) != 0)
            return -1;
    }
    /* Suspend every trap inside the instruction (its own, overlapping starts). */
    size_t first = PAGE_SIZE - (gpa & (PAGE_SIZE - 1));
    uint64_t tail;
    if (first > len)
        first = len;
    if (first < len && gmem_translate(ef->vm, linear + first, 0, &tail) == 0 &&
        enf_trap_suspend_range(ef->tt, tail, len - first) != 0) {
        enf_fail(ef, "cannot restore the bytes at 0x%" PRIx64, linear + first);
        return -1;
    }
    if (enf_trap_suspend_range(ef->tt, gpa, first) != 0) {
        enf_fail(ef, "cannot restore the bytes at 0x%" PRIx64, linear);
        return -1;
    }
    enf_step_armed(ef);
    ef->st.stepped++;
    return 0;
}

/* Ends an in-place step: originals out, STEP traps gone. */
void enf_end_step(struct enf *ef)
{
    if (ef->step == ENF_STEP_NONE)
        return;
    enf_trap_rearm_suspended(ef->tt);
    /* Counted, not traced one by one: every step ends this way. */
    ef->st.traps_removed += enf_trap_remove_kind(ef->tt, ENF_TRAP_STEP);
    ef->step = ENF_STEP_NONE;
}

void enf_step_armed(struct enf *ef)
{
    ef->step = ENF_STEP_ARMED;
}

void enf_step_begin(struct enf *ef)
{
    if (ef->step == ENF_STEP_ARMED)
        ef->step = ENF_STEP_IN_FLIGHT;
}

