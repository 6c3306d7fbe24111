/* vm.c — VM/vCPU lifecycle, initial CPU state, the reserved region's
 * system structures, cached vCPU state. */
#include "monitor/kvm/vm.h"
#include "monitor/kvm/vm_priv.h"
#include "monitor/kvm/guest_mem.h"
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

static void seterr(char *err, size_t n, const char *fmt, ...)
{
    if (!err || !n) return;
    va_list ap; va_start(ap, fmt); vsnprintf(err, n, fmt, ap); va_end(ap);
}

static int set_cpuid(struct vm *vm)
{
    int n = 128;
    for (int tries = 0; tries < 4; tries++, n *= 2) {
        struct kvm_cpuid2 *c = calloc(1, sizeof *c + (size_t)n * sizeof(struct kvm_cpuid_entry2));
        if (!c) return -1;
        c->nent = (uint32_t)n;
        if (ioctl(vm->kvm_fd, KVM_GET_SUPPORTED_CPUID, c) < 0) {
            int e = errno; free(c);
            if (e == E2BIG) continue;
            errno = e; return -1;
        }
        int r = ioctl(vm->vcpu_fd, KVM_SET_CPUID2, c);
        free(c);
        return r < 0 ? -1 : 0;
    }
    errno = E2BIG; return -1;
}

int vm_create(const struct vm_config *cfg, struct vm **out, char *err, size_t errlen)
{
    uint64_t mem = cfg && cfg->mem_size ? cfg->mem_size : 64ull << 20;
    *out = NULL;
    if (mem % (2u << 20) || mem < (4u << 20) || mem > (3ull << 30)) {
        seterr(err, errlen, "guest memory size %llu: must be a multiple of 2 MiB between 4 MiB and 3 GiB",
               (unsigned long long)mem);
        return -1;
    }
    struct vm *vm = calloc(1, sizeof *vm);
    if (!vm) { seterr(err, errlen, "out of memory"); return -1; }
    vm->kvm_fd = vm->vm_fd = vm->vcpu_fd = -1;
    vm->mem_size = mem;
    uart_init(&vm->uart);
    vm->kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (vm->kvm_fd < 0) {
        int e = errno;
        seterr(err, errlen, "cannot open /dev/kvm: %s — %s", strerror(e),
               e == EACCES ? "add yourself to the kvm group or run as root"
                           : "load the kvm module (or run on a host with KVM)");
        goto fail;
    }
    int api = ioctl(vm->kvm_fd, KVM_GET_API_VERSION, 0);
    if (api != KVM_API_VERSION) { seterr(err, errlen, "/dev/kvm: unsupported KVM API version %d", api); goto fail; }
    vm->vm_fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
    if (vm->vm_fd < 0) { seterr(err, errlen, "KVM_CREATE_VM: %s", strerror(errno)); goto fail; }
    (void)ioctl(vm->vm_fd, KVM_SET_TSS_ADDR, 0xfffbd000ul);   /* VMX real mode; harmless elsewhere */
    vm->ram = mmap(NULL, mem, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (vm->ram == MAP_FAILED) { vm->ram = NULL; seterr(err, errlen, "cannot map %llu bytes of guest RAM: %s",
                                                         (unsigned long long)mem, strerror(errno)); goto fail; }
    size_t limit = cfg && cfg->max_memslots ? cfg->max_memslots : 0;
    if (!limit) {
        int n = ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_NR_MEMSLOTS);
        limit = n > 0 ? (size_t)n : 32;
    }
    if (memslot_init(vm, limit) < 0) { seterr(err, errlen, "KVM_SET_USER_MEMORY_REGION: %s", strerror(errno)); goto fail; }
    vm->vcpu_fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, 0);
    if (vm->vcpu_fd < 0) { seterr(err, errlen, "KVM_CREATE_VCPU: %s", strerror(errno)); goto fail; }
    int rs = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
    if (rs < (int)sizeof(struct kvm_run)) { seterr(err, errlen, "KVM_GET_VCPU_MMAP_SIZE: %s", strerror(errno)); goto fail; }
    vm->run_size = (size_t)rs;
    vm->run = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vm->vcpu_fd, 0);
    if (vm->run == MAP_FAILED) { vm->run = NULL; seterr(err, errlen, "mmap kvm_run: %s", strerror(errno)); goto fail; }
    if (set_cpuid(vm) < 0) { seterr(err, errlen, "KVM_SET_CPUID2: %s", strerror(errno)); goto fail; }
    *out = vm;
    return 0;
fail:
    vm_destroy(vm);
    return -1;
}

void vm_destroy(struct vm *vm)
{
    if (!vm) return;
    if (vm->run) munmap(vm->run, vm->run_size);
    if (vm->vcpu_fd >= 0) close(vm->vcpu_fd);
    memslot_fini(vm);
    if (vm->vm_fd >= 0) close(vm->vm_fd);
    if (vm->ram) munmap(vm->ram, vm->mem_size);
    if (vm->kvm_fd >= 0) close(vm->kvm_fd);
    free(vm);
}

uint64_t vm_mem_size(const struct vm *vm) { return vm->mem_size; }
uint64_t vm_reserved_base(const struct vm *vm) { return vm->mem_size - VM_RESERVED_SIZE; }
const struct vm_stats *vm_get_stats(const struct vm *vm) { return &vm->stats; }

void vm_set_console(struct vm *vm, const struct vm_console *c)
{
    if (c) vm->console = *c; else memset(&vm->console, 0, sizeof vm->console);
}

void vm_console_write(struct vm *vm, const void *buf, size_t len)
{
    vm->stats.console_bytes += len;
    if (vm->console.write) { vm->console.write(vm->console.ctx, buf, len); return; }
    FILE *f = vm->console.file ? vm->console.file : stdout;
    fwrite(buf, 1, len, f);
    fflush(f);
}

/* ---- cached vCPU state ---- */

int vcpu_get_regs(struct vm *vm, struct kvm_regs *r)
{
    if (!vm->regs_valid) {
        if (ioctl(vm->vcpu_fd, KVM_GET_REGS, &vm->regs) < 0) return -1;
        vm->regs_valid = 1;
    }
    *r = vm->regs;
    return 0;
}

int vcpu_set_regs(struct vm *vm, const struct kvm_regs *r)
{
    vm->regs = *r;
    vm->regs_valid = vm->regs_dirty = 1;
    return 0;
}

int vcpu_get_sregs(struct vm *vm, struct kvm_sregs *s)
{
    if (!vm->sregs_valid) {
        if (ioctl(vm->vcpu_fd, KVM_GET_SREGS, &vm->sregs) < 0) return -1;
        vm->sregs_valid = 1;
    }
    *s = vm->sregs;
    return 0;
}

int vcpu_set_sregs(struct vm *vm, const struct kvm_sregs *s)
{
    vm->sregs = *s;
    vm->sregs_valid = vm->sregs_dirty = 1;
    return 0;
}

int vcpu_flush(struct vm *vm)
{
    if (vm->sregs_dirty) {
        if (ioctl(vm->vcpu_fd, KVM_SET_SREGS, &vm->sregs) < 0) return -1;
        vm->sregs_dirty = 0;
    }
    if (vm->regs_dirty) {
        if (ioctl(vm->vcpu_fd, KVM_SET_REGS, &vm->regs) < 0) return -1;
        vm->regs_dirty = 0;
    }
    return 0;
}

void vcpu_invalidate(struct vm *vm)
{
    vm->regs_valid = vm->sregs_valid = 0;
    vm->regs_dirty = vm->sregs_dirty = 0;
}

int vcpu_mode_from_sregs(const struct kvm_sregs *s)
{
    if (!(s->cr0 & 1)) return 16;
    if ((s->efer & (1u << 10)) && s->cs.l) return 64;
    return s->cs.db ? 32 : 16;
}

int vcpu_cpu_mode(struct vm *vm)
{
    struct kvm_sregs s;
    if (vcpu_get_sregs(vm, &s) < 0) return -1;
    return vcpu_mode_from_sregs(&s);
}

int vcpu_get_msr(struct vm *vm, uint32_t index, uint64_t *value)
{
    struct { struct kvm_msrs head; struct kvm_msr_entry entry; } m;
    memset(&m, 0, sizeof m);
    m.head.nmsrs = 1;
    m.entry.index = index;
    if (ioctl(vm->vcpu_fd, KVM_GET_MSRS, &m) != 1)
        return -1;
    *value = m.entry.data;
    return 0;
}

int vcpu_cpl(struct vm *vm)
{
    struct kvm_sregs s;
    if (vcpu_get_sregs(vm, &s) < 0) return -1;
    if (!(s.cr0 & 1)) return 0;
    return s.ss.dpl & 3;
}

int vcpu_inject_exception(struct vm *vm, unsigned vector, int has_error, uint32_t error)
{
    struct kvm_vcpu_events ev;
    if (vector > 31) { errno = EINVAL; return -1; }
    if (vcpu_flush(vm) < 0) return -1;
    if (ioctl(vm->vcpu_fd, KVM_GET_VCPU_EVENTS, &ev) < 0) return -1;
    ev.exception.injected = 1;
    ev.exception.nr = (uint8_t)vector;
    ev.exception.has_error_code = has_error ? 1 : 0;
    ev.exception.error_code = error;
    ev.flags = 0;
    if (ioctl(vm->vcpu_fd, KVM_SET_VCPU_EVENTS, &ev) < 0) return -1;
    vcpu_invalidate(vm);
    return 0;
}

/* ---- initial CPU state ---- */

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

static int build_system_structs(struct vm *vm, enum vm_mode mode)
{
    uint64_t res = vm_reserved_base(vm);
    uint8_t page[4096];
    /* GDT */
    memset(page, 0, sizeof page);
    put64(page + 0x08, 0x00AF9A000000FFFFull);
    put64(page + 0x10, 0x00CF92000000FFFFull);
    put64(page + 0x18, 0x00CF9A000000FFFFull);
    put64(page + 0x20, 0x00CFF2000000FFFFull);
    put64(page + 0x28, 0x00AFFA000000FFFFull);
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
    /* stubs: push $vector; out %al,$VM_EXC_PORT; hlt; jmp .-1 */
    memset(page, 0xcc, sizeof page);
    for (unsigned v = 0; v < 256; v++) {
        uint8_t *s = page + v * VM_STUB_SIZE;
        s[0] = 0x68; s[1] = (uint8_t)v; s[2] = s[3] = s[4] = 0;
        s[5] = 0xe6; s[6] = VM_EXC_PORT; s[7] = 0xf4; s[8] = 0xeb; s[9] = 0xfd;
    }
    if (write_res(vm, VM_RES_STUBS, page, sizeof page) < 0) return -1;
    /* IDT */
    memset(page, 0, sizeof page);
    for (unsigned v = 0; v < 256; v++) {
        uint64_t h = res + VM_RES_STUBS + v * VM_STUB_SIZE;
        unsigned dpl = (v == 3 || v == 4 || v >= 32) ? 3 : 0;
        uint8_t attr = (uint8_t)(0x8e | (dpl << 5));
        if (mode == VM_MODE_LONG64) {
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
    if (write_res(vm, VM_RES_IDT, page, sizeof page) < 0) return -1;
    vm->exc_idt_installed = mode == VM_MODE_LONG64 ? 64 : 32;
    if (mode != VM_MODE_LONG64) return 0;
    /* page tables: PML4 -> PDPT -> one PD per GiB (2 MiB pages), the top 2 MiB
     * through a PT so the reserved region is supervisor-only */
    unsigned npd = (unsigned)((vm->mem_size + (1ull << 30) - 1) >> 30);
    uint64_t pml4 = res + VM_RES_PML4, pdpt = pml4 + 0x1000, pd0 = pdpt + 0x1000;
    uint64_t pt = pd0 + 0x1000ull * npd;
    const uint64_t P = 1, RW = 2, US = 4, PS = 0x80;
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
        put64(page + 8 * j, a | P | RW | (a < res ? US : 0));
    }
    return gmem_write_phys(vm, pt, page, 4096);
}

int vm_setup_cpu(struct vm *vm, enum vm_mode mode, int cpl, uint64_t entry,
                 uint64_t stack, char *err, size_t errlen)
{
    struct kvm_regs r;
    struct kvm_sregs s;
    if (cpl != 0 && !(cpl == 3 && mode == VM_MODE_LONG64)) {
        seterr(err, errlen, "--cpl %d: only 0, or 3 with a 64-bit (long mode) guest", cpl);
        return -1;
    }
    if (vcpu_get_regs(vm, &r) < 0 || vcpu_get_sregs(vm, &s) < 0) {
        seterr(err, errlen, "KVM_GET_REGS/SREGS: %s", strerror(errno));
        return -1;
    }
    memset(&r, 0, sizeof r);
    r.rflags = 2;
    uint64_t res = vm_reserved_base(vm);
    if (mode == VM_MODE_REAL) {
        if (entry > 0xfffff) { seterr(err, errlen, "entry 0x%llx: beyond the real-mode 1 MiB", (unsigned long long)entry); return -1; }
        uint16_t cs = entry > 0xffff ? (uint16_t)((entry >> 4) & 0xf000) : 0;
        r.rip = entry - ((uint64_t)cs << 4);
        r.rsp = stack ? stack : 0x7c00;
        s.cs.selector = cs; s.cs.base = (uint64_t)cs << 4; s.cs.limit = 0xffff;
        struct kvm_segment *d[] = { &s.ds, &s.es, &s.ss, &s.fs, &s.gs };
        for (unsigned i = 0; i < 5; i++) { d[i]->selector = 0; d[i]->base = 0; d[i]->limit = 0xffff; }
        s.cr0 = 0x60000010; s.cr4 = 0; s.efer = 0;
        return vcpu_set_regs(vm, &r) || vcpu_set_sregs(vm, &s);
    }
    if (build_system_structs(vm, mode) < 0) {
        seterr(err, errlen, "cannot build system structures in the reserved region");
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
    return vcpu_set_regs(vm, &r) || vcpu_set_sregs(vm, &s);
}

static void seg_str(char *b, size_t n, const char *name, const struct kvm_segment *s)
{
    snprintf(b, n, "%s=%04x base=%llx lim=%x dpl=%u%s%s", name, s->selector,
             (unsigned long long)s->base, s->limit, s->dpl, s->l ? " L" : "", s->db ? " D" : "");
}

void vm_format_state(struct vm *vm, char *buf, size_t len)
{
    struct kvm_regs r;
    struct kvm_sregs s;
    if (!len) return;
    if (vcpu_get_regs(vm, &r) < 0 || vcpu_get_sregs(vm, &s) < 0) {
        snprintf(buf, len, "(register state unavailable: %s)\n", strerror(errno));
        return;
    }
    char cs[96], ss[96];
    seg_str(cs, sizeof cs, "cs", &s.cs);
    seg_str(ss, sizeof ss, "ss", &s.ss);
    snprintf(buf, len,
        "  rax=%016llx rbx=%016llx rcx=%016llx rdx=%016llx\n"
        "  rsi=%016llx rdi=%016llx rbp=%016llx rsp=%016llx\n"
        "  r8 =%016llx r9 =%016llx r10=%016llx r11=%016llx\n"
        "  r12=%016llx r13=%016llx r14=%016llx r15=%016llx\n"
        "  rip=%016llx rflags=%08llx mode=%d cpl=%d\n"
        "  %s  %s\n"
        "  cr0=%08llx cr2=%016llx cr3=%016llx cr4=%08llx efer=%llx\n",
        (unsigned long long)r.rax, (unsigned long long)r.rbx, (unsigned long long)r.rcx, (unsigned long long)r.rdx,
        (unsigned long long)r.rsi, (unsigned long long)r.rdi, (unsigned long long)r.rbp, (unsigned long long)r.rsp,
        (unsigned long long)r.r8, (unsigned long long)r.r9, (unsigned long long)r.r10, (unsigned long long)r.r11,
        (unsigned long long)r.r12, (unsigned long long)r.r13, (unsigned long long)r.r14, (unsigned long long)r.r15,
        (unsigned long long)r.rip, (unsigned long long)r.rflags, vcpu_mode_from_sregs(&s),
        (s.cr0 & 1) ? s.ss.dpl : 0, cs, ss,
        (unsigned long long)s.cr0, (unsigned long long)s.cr2, (unsigned long long)s.cr3,
        (unsigned long long)s.cr4, (unsigned long long)s.efer);
}
