/* boot.c — the monitor's system structures in the reserved region (GDT,
 * TSS with a full I/O bitmap, IDT of reporting stubs, identity page tables)
 * and the vCPU's initial state for each boot mode. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "monitor/kvm/kvm_priv.h"
#include "monitor/x86/x86.h"

static void put64(uint8_t *p, uint64_t v) { for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i)); }

static struct kvm_segment flat_seg(uint16_t sel, int code, int dpl, int l, int db)
{
    struct kvm_segment s = {0};
    s.base = 0; s.limit = 0xffffffff; s.selector = sel;
    s.type = code ? 0xb : 0x3; s.present = 1; s.dpl = (uint8_t)dpl;
    s.db = (uint8_t)db; s.s = 1; s.l = (uint8_t)l; s.g = 1;
    return s;
}

static int write_res(struct vm *vm, uint32_t off, const void *buf, size_t len)
{
    return gmem_write_phys(vm, vm_reserved_base(vm) + off, buf, len);
}

/* 256 gates at `off` to the stubs at `stubs`: 64-bit (IST1) or 32-bit;
 * with user_ints, INT3, INTO and the vectors from 32 up callable from
 * CPL 3. */
static int write_idt(struct vm *vm, uint32_t off, uint32_t stubs, int long_mode, int user_ints)
{
    uint64_t res = vm_reserved_base(vm);
    uint8_t page[4096];
    memset(page, 0, sizeof page);
    for (unsigned v = 0; v < 256; v++) {
        uint64_t h = res + stubs + v * VM_STUB_SIZE;
        unsigned dpl = user_ints && (v == 3 || v == 4 || v >= 32) ? 3 : 0;
        uint8_t attr = (uint8_t)(0x8e | (dpl << 5));
        if (long_mode) {
            uint64_t lo = (h & 0xffff) | ((uint64_t)VM_SEL_CODE64 << 16) | (1ull << 32) /* IST1 */ |
                          ((uint64_t)attr << 40) | (((h >> 16) & 0xffff) << 48);
            put64(page + v * 16, lo);
            put64(page + v * 16 + 8, h >> 32);
        } else {
            uint64_t g = (h & 0xffff) | ((uint64_t)VM_SEL_CODE32 << 16) | ((uint64_t)attr << 40) |
                         (((h >> 16) & 0xffff) << 48);
            put64(page + v * 8, g);
        }
    }
    return write_res(vm, off, page, sizeof page);
}

/* stubs: push $vector; out %al,$VM_EXC_PORT; hlt; jmp .-1 */
static int write_stubs(struct vm *vm, uint32_t off)
{
    uint8_t page[4096];
    memset(page, 0xcc, sizeof page);
    for (unsigned v = 0; v < 256; v++) {
        uint8_t *s = page + v * VM_STUB_SIZE;
        s[0] = 0x68; s[1] = (uint8_t)v; s[2] = s[3] = s[4] = 0;
        s[5] = 0xe6; s[6] = VM_EXC_PORT; s[7] = 0xf4; s[8] = 0xeb; s[9] = 0xfd;
    }
    return write_res(vm, off, page, sizeof page);
}

/* --deprivilege: the IDT the vCPU has while guest code runs at CPL 3 on
 * scout's tables -- every vector, exceptions and interrupts alike, reaches
 * a stub of its own page and so the monitor (none callable from CPL 3:
 * INT n is virtualized there).  Its linear base (the reserved region is
 * mapped at its own address), or 0 on error. */
uint64_t vm_monitor_idt64(struct vm *vm)
{
    if (write_stubs(vm, VM_RES_STUBS64) < 0 || write_idt(vm, VM_RES_IDT64, VM_RES_STUBS64, 1, 0) < 0)
        return 0;
    vm->stubs64 = 1;
    return vm_reserved_base(vm) + VM_RES_IDT64;
}

static int build_system_structs(struct vm *vm, enum vm_mode mode)
{
    uint64_t res = vm_reserved_base(vm);
    uint8_t page[4096];
    /* GDT */
    memset(page, 0, sizeof page);
    /* accessed, as a CPU that loaded them leaves them (and the CPU would
     * otherwise write that bit into a GDT the enforcement keeps read-only) */
    put64(page + 0x08, 0x00AF9B000000FFFFull);
    put64(page + 0x10, 0x00CF93000000FFFFull);
    put64(page + 0x18, 0x00CF9B000000FFFFull);
    put64(page + 0x20, 0x00CFF3000000FFFFull);
    put64(page + 0x28, 0x00AFFB000000FFFFull);
    uint64_t tss = res + VM_RES_TSS, lim = VM_TSS_LIMIT;
    put64(page + 0x30, (lim & 0xffff) | ((tss & 0xffffff) << 16) | (0x8bull << 40) |
                       (((lim >> 16) & 0xf) << 48) | (((tss >> 24) & 0xff) << 56));
    put64(page + 0x38, tss >> 32);
    if (write_res(vm, VM_RES_GDT, page, sizeof page) < 0) return -1;
    /* TSS: RSP0 and IST1 = exception stack top.  kvm_pvm drops IOPL, so CPL 3
     * port access comes from the I/O bitmap: all 65536 ports allowed (the
     * scan-before-execute trap is OUT DX,AL with whatever DX the guest has). */
    static uint8_t tss_area[3 * 4096];
    memset(tss_area, 0, sizeof tss_area);
    put64(tss_area + 4, res + VM_RES_STACK_TOP);
    put64(tss_area + 0x24, res + VM_RES_STACK_TOP);
    tss_area[0x66] = 0x68;  /* I/O bitmap at 0x68, 8 KiB of zeros, then 0xff */
    tss_area[0x68 + 0x2000] = 0xff;
    if (write_res(vm, VM_RES_TSS, tss_area, sizeof tss_area) < 0) return -1;
    if (write_stubs(vm, VM_RES_STUBS) < 0) return -1;
    if (write_idt(vm, VM_RES_IDT, VM_RES_STUBS, mode == VM_MODE_LONG64, 1) < 0) return -1;
    vm->exc_idt_installed = mode == VM_MODE_LONG64 ? 64 : 32;
    if (mode != VM_MODE_LONG64) return 0;
    /* page tables: PML4 -> PDPT -> one PD per GiB (2 MiB pages), the top 2 MiB
     * through a PT so the reserved region is supervisor-only.  Accessed and
     * Dirty set from the start: the enforcement keeps the walk to running
     * code read-only, where KVM could not set them (the vCPU would spin). */
    unsigned npd = (unsigned)((vm->mem_size + (1ull << 30) - 1) >> 30);
    uint64_t pml4 = res + VM_RES_PML4, pdpt = pml4 + 0x1000, pd0 = pdpt + 0x1000;
    uint64_t pt = pd0 + 0x1000ull * npd;
    const uint64_t P = 1 | 0x20 /* A */, RW = 2, US = 4, PS = 0x80 | 0x40 /* D: on leaves only */;
    memset(page, 0, sizeof page);
    put64(page, pdpt | P | RW | US);
    if (gmem_write_phys(vm, pml4, page, 4096) < 0) return -1;
    memset(page, 0, sizeof page);
    for (unsigned i = 0; i < npd; i++) put64(page + 8 * i, (pd0 + 0x1000ull * i) | P | RW | US);
    if (gmem_write_phys(vm, pdpt, page, 4096) < 0) return -1;
    uint64_t top2m = vm->mem_size - (2u << 20);
    for (unsigned i = 0; i < npd; i++) {
        memset(page, 0, sizeof page);
        for (unsigned j = 0; j < 512; j++) {
            uint64_t a = ((uint64_t)i << 30) + ((uint64_t)j << 21);
            if (a >= vm->mem_size) break;
            put64(page + 8 * j, a == top2m ? (pt | P | RW | US) : (a | P | RW | US | PS));
        }
        if (gmem_write_phys(vm, pd0 + 0x1000ull * i, page, 4096) < 0) return -1;
    }
    memset(page, 0, sizeof page);
    for (unsigned j = 0; j < 512; j++) {
        uint64_t a = top2m + ((uint64_t)j << 12);
        put64(page + 8 * j, a | P | RW | 0x40 /* D */ | (a < res ? US : 0));
    }
    if (gmem_write_phys(vm, pt, page, 4096) < 0) return -1;
    /* the PC's devices below 4 GiB (IOAPIC, local APIC, pc-testdev's IORAM):
     * the last 32 MiB, uncached, supervisor only, through a PD of their own */
    uint64_t mmio_pd = pt + 0x1000;
    const uint64_t PWT = 8, PCD = 0x10;
    memset(page, 0, sizeof page);
    for (unsigned j = VM_MMIO_PD_FIRST; j < 512; j++)
        put64(page + 8 * j, ((3ull << 30) + ((uint64_t)j << 21)) | P | RW | PWT | PCD | PS);
    if (gmem_write_phys(vm, mmio_pd, page, 4096) < 0) return -1;
    put64(page, mmio_pd | P | RW);
    return gmem_write_phys(vm, pdpt + 8 * 3, page, 8);
}

/* Deprivileged runs (--deprivilege): CPL 0 guest code runs at CPL 3, and
 * the devices below 4 GiB it reaches raw must stay reachable: the MMIO
 * directory and its entries get the user bit.  The reserved region stays
 * supervisor-only.  0, or -1. */
int vm_boot_user_mmio(struct vm *vm)
{
    unsigned npd = (unsigned)((vm->mem_size + (1ull << 30) - 1) >> 30);
    uint64_t pdpt = vm_reserved_base(vm) + VM_RES_PML4 + 0x1000;
    uint64_t mmio_pd = pdpt + 0x1000 + 0x1000ull * npd + 0x1000;
    uint64_t e;
    if (gmem_read_phys(vm, pdpt + 8 * 3, &e, 8) < 0 || (e & ~0xfffull) != mmio_pd)
        return -1;                      /* not the tables build_system_structs made */
    e |= 4;
    if (gmem_write_phys(vm, pdpt + 8 * 3, &e, 8) < 0)
        return -1;
    for (unsigned j = VM_MMIO_PD_FIRST; j < 512; j++) {
        if (gmem_read_phys(vm, mmio_pd + 8 * j, &e, 8) < 0)
            return -1;
        e |= 4;
        if (gmem_write_phys(vm, mmio_pd + 8 * j, &e, 8) < 0)
            return -1;
    }
    return 0;
}

int vm_boot_cpu(struct vm *vm, enum vm_mode mode, int cpl, uint64_t entry,
                 uint64_t stack, char *err, size_t errlen)
{
    struct kvm_regs r;
    struct kvm_sregs s;
    if (cpl != 0 && !(cpl == 3 && mode == VM_MODE_LONG64)) {
        snprintf(err, errlen, "--cpl %d: only 0, or 3 with a 64-bit (long mode) guest", cpl);
        return -1;
    }
    if (vcpu_get_regs(&vm->cpu, &r) < 0 || vcpu_get_sregs(&vm->cpu, &s) < 0) {
        snprintf(err, errlen, "KVM_GET_REGS/SREGS: %s", strerror(errno));
        return -1;
    }
    memset(&r, 0, sizeof r);
    r.rflags = 2;
    uint64_t res = vm_reserved_base(vm);
    if (mode == VM_MODE_REAL) {
        if (entry > 0xfffff) { snprintf(err, errlen, "entry 0x%llx: beyond the real-mode 1 MiB", (unsigned long long)entry); return -1; }
        uint16_t cs = entry > 0xffff ? (uint16_t)((entry >> 4) & 0xf000) : 0;
        r.rip = entry - ((uint64_t)cs << 4);
        r.rsp = stack ? stack : 0x7c00;
        s.cs.selector = cs; s.cs.base = (uint64_t)cs << 4; s.cs.limit = 0xffff;
        struct kvm_segment *d[] = { &s.ds, &s.es, &s.ss, &s.fs, &s.gs };
        for (unsigned i = 0; i < 5; i++) { d[i]->selector = 0; d[i]->base = 0; d[i]->limit = 0xffff; }
        s.cr0 = 0x60000010; s.cr4 = 0; s.efer = 0;
        return vcpu_set_regs(&vm->cpu, &r) || vcpu_set_sregs(&vm->cpu, &s);
    }
    if (build_system_structs(vm, mode) < 0) {
        snprintf(err, errlen, "cannot build system structures in the reserved region");
        return -1;
    }
    r.rip = entry;
    r.rsp = stack ? stack : res;
    s.gdt.base = res + VM_RES_GDT; s.gdt.limit = 0x3f;
    s.idt.base = res + VM_RES_IDT; s.idt.limit = mode == VM_MODE_LONG64 ? 4095 : 2047;
    struct kvm_segment tr = {0};
    tr.base = res + VM_RES_TSS; tr.limit = VM_TSS_LIMIT; tr.selector = VM_SEL_TSS; tr.type = 11; tr.present = 1;
    s.tr = tr;
    if (mode == VM_MODE_PROT32) {
        s.cs = flat_seg(VM_SEL_CODE32, 1, 0, 0, 1);
        s.ds = s.es = s.fs = s.gs = s.ss = flat_seg(VM_SEL_DATA, 0, 0, 0, 1);
        s.cr0 = 0x11; s.cr4 = 0; s.efer = 0; s.cr3 = 0;
    } else {
        if (cpl == 3) {
            /* IOPL 3 is requested, but some backends (kvm_pvm) drop it; the
             * TSS I/O bitmap grants every port at CPL 3 regardless. */
            s.cs = flat_seg(VM_SEL_UCODE64, 1, 3, 1, 0);
            s.ds = s.es = s.fs = s.gs = s.ss = flat_seg(VM_SEL_UDATA, 0, 3, 0, 1);
            r.rflags = 0x3002;
        } else {
            s.cs = flat_seg(VM_SEL_CODE64, 1, 0, 1, 0);
            s.ds = s.es = s.fs = s.gs = s.ss = flat_seg(VM_SEL_DATA, 0, 0, 0, 1);
        }
        s.cr0 = 0x80050033;            /* PG WP NE ET MP PE */
        s.cr4 = 0x20 | 0x200 | 0x400;  /* PAE OSFXSR OSXMMEXCPT */
        s.efer = 0x500;                /* LME LMA */
        s.cr3 = res + VM_RES_PML4;
    }
    return vcpu_set_regs(&vm->cpu, &r) || vcpu_set_sregs(&vm->cpu, &s);
}

