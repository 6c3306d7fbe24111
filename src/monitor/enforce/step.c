/* step.c — executing one instruction in place, guarded.  Its own trap
 * bytes go back, a STEP trap goes on every successor it can reach (none of
 * them inside a native instruction of any mode), traps its memory operands
 * read are lifted, the pages its stores hit are made writable when KVM
 * could not report those stores, and the next exit of any kind re-arms
 * everything.  Exceptions and interrupts it raises land on the handlers'
 * ENTRY traps (tables.c), so the CPU never runs past the step unguarded.
 * An instruction whose successor cannot be known is refused, not run. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/enforce/enforce_priv.h"

struct range { uint64_t lin; uint64_t len; int write; };
#define MAX_RANGES 8

/* Stack bytes an instruction may push, at most: a 64-bit interrupt frame
 * with an error code, a PUSHA, ENTER's frame pointers (31 levels). */
#define STACK_WRITE_MAX (32u * 8u + 64u)

static uint64_t stack_linear(const struct cpu_view *c, uint64_t sp_off)
{
    if (c->mode == 64)
        return sp_off;
    return (c->sregs.ss.base + sp_off) & 0xffffffffu;
}

/* The memory an instruction reads and writes, from its operands.  Exact
 * for explicit operands; the stack is over-approximated (a window below SP
 * for pushes, above it for pops).  REP string instructions are left out:
 * KVM reports their stores one by one. */
static size_t mem_ranges(const struct cpu_view *c, const struct x86_insn *in, struct range *r)
{
    size_t n = 0;
    const ZydisDecodedInstruction *zi = &in->zi;
    if (zi->attributes & (ZYDIS_ATTRIB_HAS_REP | ZYDIS_ATTRIB_HAS_REPE | ZYDIS_ATTRIB_HAS_REPNE))
        return 0;
    uint64_t sp = c->regs.rsp;
    if (c->mode != 64 && !c->sregs.ss.db)
        sp &= 0xffff;
    for (unsigned i = 0; i < zi->operand_count && n < MAX_RANGES; i++) {
        const ZydisDecodedOperand *op = &in->ops[i];
        if (op->type != ZYDIS_OPERAND_TYPE_MEMORY || op->mem.type != ZYDIS_MEMOP_TYPE_MEM)
            continue;
        int w = (op->actions & ZYDIS_OPERAND_ACTION_MASK_WRITE) != 0;
        int rd = (op->actions & ZYDIS_OPERAND_ACTION_MASK_READ) != 0;
        ZydisRegister b = op->mem.base;
        if (op->visibility == ZYDIS_OPERAND_VISIBILITY_HIDDEN &&
            (b == ZYDIS_REGISTER_SP || b == ZYDIS_REGISTER_ESP || b == ZYDIS_REGISTER_RSP)) {
            if (w) {
                uint64_t lo = sp >= STACK_WRITE_MAX ? sp - STACK_WRITE_MAX : 0;
                r[n++] = (struct range){ stack_linear(c, lo), sp - lo, 1 };
            }
            if (rd && n < MAX_RANGES)
                r[n++] = (struct range){ stack_linear(c, sp), 64, 0 };
            continue;
        }
        uint64_t lin;
        if (enf_operand_linear(c, in, i, &lin) != 0)
            continue;
        uint64_t size = op->size ? (op->size + 7) / 8 : 16;
        if (w)
            r[n++] = (struct range){ lin, size, 1 };
        if (rd && n < MAX_RANGES)
            r[n++] = (struct range){ lin, size, 0 };
    }
    return n;
}

/* Instructions that store more than once: KVM reports only the last of
 * their stores into a read-only page, so they run with those pages
 * writable.  (A single store, even a split one, comes whole through MMIO
 * exits, which are exits: that path is kept.) */
static int multi_store(const struct x86_insn *in)
{
    const ZydisDecodedInstruction *zi = &in->zi;
    if (!in->ok)
        return 0;
    switch (zi->mnemonic) {
    case ZYDIS_MNEMONIC_PUSHA: case ZYDIS_MNEMONIC_PUSHAD: case ZYDIS_MNEMONIC_ENTER:
    case ZYDIS_MNEMONIC_INT: case ZYDIS_MNEMONIC_INT3: case ZYDIS_MNEMONIC_INTO: case ZYDIS_MNEMONIC_INT1:
        return 1;
    case ZYDIS_MNEMONIC_CALL:
        return zi->opcode_map == ZYDIS_OPCODE_MAP_DEFAULT &&
               (zi->opcode == 0x9A || (zi->opcode == 0xFF && zi->raw.modrm.reg == 3));
    default:
        return 0;
    }
}

static int is_port_io(const struct x86_insn *in)
{
    switch (in->zi.mnemonic) {
    case ZYDIS_MNEMONIC_IN: case ZYDIS_MNEMONIC_OUT: case ZYDIS_MNEMONIC_INSB: case ZYDIS_MNEMONIC_INSW:
    case ZYDIS_MNEMONIC_INSD: case ZYDIS_MNEMONIC_OUTSB: case ZYDIS_MNEMONIC_OUTSW: case ZYDIS_MNEMONIC_OUTSD:
        return 1;
    default:
        return 0;
    }
}

static int refuse(struct enf *ef, uint64_t linear, const struct x86_insn *in, const char *why)
{
    char text[96];
    x86_format_insn(in, linear, 0, text, sizeof text);
    ef->st.refused++;
    enf_fail(ef, "refused to run '%s' at 0x%" PRIx64 " under scan-before-execute: %s", text, linear, why);
    return -1;
}

/* Where the successor will be fetched from.  MOV to CR0 or CR4 changes the
 * paging the next fetch goes through: translate it the new way. */
static int successor_gpa(struct enf *ef, const struct cpu_view *c, const struct x86_insn *in, uint64_t lin,
                         uint64_t *gpa)
{
    const ZydisDecodedInstruction *zi = &in->zi;
    if (in->ok && zi->mnemonic == ZYDIS_MNEMONIC_MOV && in->ops[0].type == ZYDIS_OPERAND_TYPE_REGISTER &&
        (in->ops[0].reg.value == ZYDIS_REGISTER_CR0 || in->ops[0].reg.value == ZYDIS_REGISTER_CR4) &&
        in->ops[1].type == ZYDIS_OPERAND_TYPE_REGISTER) {
        uint64_t v[16];
        int id = ZydisRegisterGetId(in->ops[1].reg.value);
        x86_gprs_get(&c->regs, v);
        if (id >= 0 && id < 16) {
            struct gmem_paging pg = { c->sregs.cr0, c->sregs.cr3, c->sregs.cr4, c->sregs.efer, c->cpl };
            if (in->ops[0].reg.value == ZYDIS_REGISTER_CR0)
                pg.cr0 = v[id];
            else
                pg.cr4 = v[id];
            if ((pg.cr0 & X86_CR0_PG) && (pg.efer & X86_EFER_LME))
                pg.efer |= X86_EFER_LMA;        /* paging on with LME: long mode */
            else if (!(pg.cr0 & X86_CR0_PG))
                pg.efer &= ~X86_EFER_LMA;
            return enf_translate_paging(ef, &pg, lin, gpa);
        }
    }
    return gmem_translate(ef->vm, lin, 0, gpa);
}

/* Lifts every armed trap (not a successor guard) in [lin, lin+len), so the
 * instruction reads the guest's bytes. */
static int lift_traps(struct enf *ef, uint64_t lin, uint64_t len, int *conflict)
{
    for (uint64_t done = 0; done < len;) {
        uint64_t a = lin + done, gpa;
        size_t n = base_page_chunk(a, len - done);
        if (gmem_translate(ef->vm, a, 0, &gpa) == 0 && enf_trap_count_page(ef->tt, PAGE_OF(gpa)))
            for (size_t i = 0; i < n; i++) {
                if (!enf_trap_is_armed(ef->tt, gpa + i))
                    continue;
                if (enf_trap_kinds(ef->tt, gpa + i) & ENF_TRAP_STEP) {
                    *conflict = 1;
                    return 0;
                }
                if (enf_trap_suspend_range(ef->tt, gpa + i, 1) != 0)
                    return -1;
            }
        done += n;
    }
    return 0;
}

int enf_step_in_place(struct enf *ef, const struct cpu_view *c, uint64_t linear, uint64_t gpa,
                      const struct x86_insn *in)
{
    return enf_step_in_place_ex(ef, c, linear, gpa, in, 0);
}

int enf_step_in_place_ex(struct enf *ef, const struct cpu_view *c, uint64_t linear, uint64_t gpa,
                         const struct x86_insn *in, int writable)
{
    struct x86_emul_cpu e;
    struct x86_emul_mem mem = { ef, enf_emul_read, enf_emul_write };
    uint64_t succ[2];
    unsigned len = in->ok ? in->zi.length : 1;
    int n;

    enf_cpu_to_emul(ef, c, &e);
    if (in->ok) {
        n = x86_emul_successors(&e, &mem, in->bytes, in->nbytes, succ);
        if (n < 0)
            n = enf_system_successors(ef, c, in, succ);
        enf_touch_loaded_selectors(ef, c, in);
    } else {
        n = 0;                          /* undecodable: #UD */
    }
    /* n == 0: it can only fault, and its exception's handler is guarded */
    if (n < 0)
        return refuse(ef, linear, in, "where it goes next cannot be known");

    struct range r[MAX_RANGES];
    size_t nr = in->ok ? mem_ranges(c, in, r) : 0;
    writable |= multi_store(in);
    /* On a writable page a store into the bytes of what runs next would
     * change it after its guard is planted: nothing could be trusted. */
    for (size_t i = 0; writable && i < nr; i++)
        for (int k = 0; k < n; k++)
            if (r[i].write && r[i].lin < succ[k] + PRESCAN_MAX_INSN_LEN && succ[k] < r[i].lin + r[i].len)
                return refuse(ef, linear, in, "it writes the instruction that follows it");

    /* guards at the successors */
    ef->step_traps.n = 0;
    ef->step_lin.n = 0;
    ef->step_gen++;
    for (int i = 0; i < n; i++) {
        uint64_t sg;
        if (successor_gpa(ef, c, in, succ[i], &sg) != 0 || enf_in_monitor(ef, sg))
            continue;                   /* not mapped: the fetch faults, a handler's entry guards it */
        if (VEC_PUSH(&ef->step_lin, succ[i]) != 0)
            return -1;                  /* its walk is kept still until the step ends (paging.c) */
        if (sg == gpa)
            continue;                   /* back to itself: its own trap is re-armed at the next exit */
        if (sg > gpa && sg < gpa + len)
            return refuse(ef, linear, in, "it branches into its own bytes");
        if (enf_clear_for_trap(ef, sg) != 0)
            return -1;
        if (!(enf_trap_kinds(ef->tt, sg) & ENF_TRAP_STEP)) {
            if (enf_plant(ef, sg, ENF_TRAP_STEP) != 0 || VEC_PUSH(&ef->step_traps, sg) != 0)
                return -1;
        }
        if (enf_sync_protection(ef, PAGE_OF(sg)) != 0)
            return -1;
    }

    /* its own bytes (and any overlapping starts) as the guest wrote them */
    size_t first = PAGE_SIZE - base_page_off(gpa);
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

    /* what it reads, as the guest wrote it; where it stores, writable */
    for (size_t i = 0; i < nr; i++) {
        int conflict = 0;
        if (!r[i].write && lift_traps(ef, r[i].lin, r[i].len, &conflict) != 0)
            return -1;
        if (conflict)
            return refuse(ef, linear, in, "it reads the bytes of what follows it");
    }
    for (size_t i = 0; writable && i < nr; i++) {
        if (!r[i].write)
            continue;
        for (uint64_t a = PAGE_OF(r[i].lin); a < r[i].lin + r[i].len; a += PAGE_SIZE) {
            uint64_t pg;
            if (gmem_translate(ef->vm, a, 1, &pg) == 0 && memslot_is_protected(ef->vm, PAGE_OF(pg)) == 1 &&
                enf_unprotect_for_step(ef, PAGE_OF(pg)) != 0)
                return -1;
        }
    }
    if (ef->unprot.n)
        ef->st.unprotected_steps++;
    ef->step = ENF_STEP_ARMED;
    ef->step_rip = linear;
    ef->step_io = is_port_io(in);
    ef->st.stepped++;
    return 0;
}

/* Ends an in-place step: stores diffed, originals out, STEP traps gone. */
void enf_end_step(struct enf *ef)
{
    if (ef->step == ENF_STEP_NONE)
        return;
    enf_reprotect_after_step(ef);
    enf_trap_rearm_suspended(ef->tt);
    /* Counted, not traced one by one: every step ends this way.  (A page
     * kept read-only only by a STEP trap stays so until its next sync: a
     * successor is usually scanned when its guard is reached.) */
    for (size_t i = 0; i < ef->step_traps.n; i++) {
        uint64_t a = ef->step_traps.v[i];
        if (enf_trap_kinds(ef->tt, a) & ENF_TRAP_STEP) {
            enf_trap_remove(ef->tt, a, ENF_TRAP_STEP);
            ef->st.traps_removed++;
        }
    }
    ef->step_traps.n = 0;
    ef->step_lin.n = 0;
    ef->step = ENF_STEP_NONE;
    ef->step_io = 0;
}

void enf_step_begin(struct enf *ef)
{
    if (ef->step == ENF_STEP_ARMED)
        ef->step = ENF_STEP_IN_FLIGHT;
}
