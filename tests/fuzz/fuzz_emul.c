/* libFuzzer target for the instruction emulator (src/monitor/x86, emul.c)
 * with x86_emul_successors as the oracle (x86.h's contract):
 *   - when x86_emul_step emulates an instruction (DONE) and successors
 *     knows where it may go (count > 0), the new linear RIP is one of
 *     the successors computed before the step;
 *   - UNSUPPORTED and FAULT change neither the CPU nor memory;
 *   - a step makes at most one write, after all reads.
 * Input: 16 GPRs, rip, rflags, 6 segment bases, selector/limit/modes and
 * table bases/limits (all little-endian), then 15 instruction bytes, then
 * the contents of a 16 KiB memory that every linear address aliases into,
 * except pages whose address bits 12..15 are all set (they fault). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "monitor/x86/x86.h"

#define MEM_SIZE 16384u
struct fmem {
    uint8_t m[MEM_SIZE];
    unsigned writes, reads_after_write;
};

static int bad_page(uint64_t a) { return ((a >> 12) & 0xf) == 0xf; }
static int faults(uint64_t a, size_t len) { return bad_page(a) || (len && bad_page(a + len - 1)); }

static int rd(void *ctx, uint64_t linear, void *buf, size_t len)
{
    struct fmem *fm = ctx;
    if (faults(linear, len))
        return -1;
    if (fm->writes)
        fm->reads_after_write++;
    for (size_t i = 0; i < len; i++)
        ((uint8_t *)buf)[i] = fm->m[(linear + i) % MEM_SIZE];
    return 0;
}

static int wr(void *ctx, uint64_t linear, const void *buf, size_t len)
{
    struct fmem *fm = ctx;
    if (faults(linear, len))
        return -1;
    fm->writes++;
    for (size_t i = 0; i < len; i++)
        fm->m[(linear + i) % MEM_SIZE] = ((const uint8_t *)buf)[i];
    return 0;
}

static uint64_t take(const uint8_t **d, size_t *n, unsigned bytes)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < bytes && *n; i++, (*d)++, (*n)--)
        v |= (uint64_t)**d << (8 * i);
    return v;
}

static uint64_t linear_ip(const struct x86_emul_cpu *c)
{
    if (c->mode == 64)
        return c->rip;
    return (c->seg_base[X86_EMUL_CS] + c->rip) & 0xffffffffull;
}

static struct fmem mem, before;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct x86_emul_cpu cpu;
    memset(&cpu, 0, sizeof cpu);
    for (int i = 0; i < 16; i++)
        cpu.gpr[i] = take(&data, &size, 8);
    cpu.rip = take(&data, &size, 8);
    cpu.rflags = take(&data, &size, 8);
    for (int i = 0; i < 6; i++)
        cpu.seg_base[i] = take(&data, &size, 8);
    cpu.cs_sel = (uint16_t)take(&data, &size, 2);
    cpu.cs_limit = (uint32_t)take(&data, &size, 4);
    unsigned modes = (unsigned)take(&data, &size, 2);
    static const int sizes[4] = { 16, 32, 64, 64 };
    cpu.mode = sizes[modes & 3];
    cpu.stack_size = sizes[(modes >> 2) & 3];
    cpu.cpl = (modes >> 4) & 3;
    cpu.real_mode = (modes >> 6) & 1;
    cpu.amd_branches = (modes >> 7) & 1;
    cpu.lma = (modes >> 8) & 1;
    cpu.ldt_usable = (modes >> 9) & 1;
    if (cpu.real_mode) {
        cpu.mode = cpu.stack_size = 16;     /* real mode is 16-bit code, CPL 0 */
        cpu.cpl = 0;
    }
    if (cpu.mode == 64 && !cpu.lma)
        cpu.lma = 1;
    cpu.gdt_base = take(&data, &size, 4);
    cpu.ldt_base = take(&data, &size, 4);
    cpu.idt_base = take(&data, &size, 4);
    cpu.gdt_limit = (uint32_t)take(&data, &size, 2);
    cpu.ldt_limit = (uint32_t)take(&data, &size, 2);
    cpu.idt_limit = (uint32_t)take(&data, &size, 2);
    uint8_t insn[15] = { 0 };
    size_t nbytes = size < 15 ? size : 15;
    memcpy(insn, data, nbytes);
    data += nbytes;
    size -= nbytes;
    memset(mem.m, 0, sizeof mem.m);
    memcpy(mem.m, data, size < MEM_SIZE ? size : MEM_SIZE);
    mem.writes = mem.reads_after_write = 0;
    struct x86_emul_mem em = { &mem, rd, wr };

    uint64_t succ[2] = { 0, 0 };
    int n = x86_emul_successors(&cpu, &em, insn, nbytes, succ);
    if (n < -1 || n > 2)
        __builtin_trap();                   /* -1: cannot be known here (SYSCALL, task switches, bad bytes) */
    if (mem.writes)
        __builtin_trap();                   /* successors never writes */
    struct x86_emul_cpu after = cpu;
    before = mem;
    struct x86_emul_info info;
    enum x86_emul_result r = x86_emul_step(&after, &em, insn, nbytes, &info);
    if (r == X86_EMUL_DONE) {
        if (n < 0)
            __builtin_trap();               /* it went somewhere successors could not know */
        if (mem.writes > 1 || mem.reads_after_write)
            __builtin_trap();
        uint64_t ip = linear_ip(&after);
        if (n > 0 && ip != succ[0] && (n < 2 || ip != succ[1]))
            __builtin_trap();               /* the step went where successors did not say */
    } else {
        if (memcmp(&after, &cpu, sizeof cpu) != 0 || memcmp(mem.m, before.m, sizeof mem.m) != 0)
            __builtin_trap();               /* UNSUPPORTED/FAULT changed state */
    }
    return 0;
}
