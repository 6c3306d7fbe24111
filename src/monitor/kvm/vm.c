/* vm.c — the VM: /dev/kvm, the VM fd, guest RAM and its memory slots, the
 * vCPU it owns, CPUID, and where I/O and events go. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "monitor/kvm/kvm_priv.h"

static int set_cpuid(struct vm *vm)
{
    int n = 128;
    for (int tries = 0; tries < 4; tries++, n *= 2) {
        struct kvm_cpuid2 *c = calloc(1, sizeof *c + (size_t)n * sizeof(struct kvm_cpuid_entry2));
        if (!c)
            return -1;
        c->nent = (uint32_t)n;
        if (ioctl(vm->kvm_fd, KVM_GET_SUPPORTED_CPUID, c) < 0) {
            int e = errno;
            free(c);
            if (e == E2BIG)
                continue;
            errno = e;
            return -1;
        }
        vm->maxphyaddr = 36;            /* (the SDM's default without leaf 0x80000008) */
        for (uint32_t i = 0; i < c->nent; i++) {
            if (c->entries[i].function == 0x80000008)
                vm->maxphyaddr = c->entries[i].eax & 0xff;
            if (c->entries[i].function == 0x80000001)
                vm->gbpages = (c->entries[i].edx >> 26) & 1;
        }
        int r = vcpu_ioctl(&vm->cpu, KVM_SET_CPUID2, c);
        free(c);
        return r < 0 ? -1 : 0;
    }
    errno = E2BIG;
    return -1;
}

int vm_create(const struct vm_config *cfg, struct vm **out, char *err, size_t errlen)
{
    uint64_t mem = cfg && cfg->mem_size ? cfg->mem_size : VM_DEFAULT_MEM;
    *out = NULL;
    if (mem % (2u << 20) || mem < (4u << 20) || mem > (3ull << 30)) {
        snprintf(err, errlen, "guest memory size %llu: must be a multiple of 2 MiB between 4 MiB and 3 GiB",
                 (unsigned long long)mem);
        return -1;
    }
    struct vm *vm = calloc(1, sizeof *vm);
    if (!vm) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    vm->kvm_fd = vm->vm_fd = vm->cpu.fd = -1;
    vm->mem_size = mem;
    vm->kvm_fd = probe_open_kvm(err, errlen);
    if (vm->kvm_fd < 0)
        goto fail;
    int api = ioctl(vm->kvm_fd, KVM_GET_API_VERSION, 0);
    if (api != KVM_API_VERSION) {
        snprintf(err, errlen, "/dev/kvm: unsupported KVM API version %d", api);
        goto fail;
    }
    vm->vm_fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
    if (vm->vm_fd < 0) {
        snprintf(err, errlen, "KVM_CREATE_VM: %s", strerror(errno));
        goto fail;
    }
    (void)ioctl(vm->vm_fd, KVM_SET_TSS_ADDR, 0xfffbd000ul);   /* VMX real mode; harmless elsewhere */
    vm->ram = mmap(NULL, mem, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (vm->ram == MAP_FAILED) {
        vm->ram = NULL;
        snprintf(err, errlen, "cannot map %llu bytes of guest RAM: %s", (unsigned long long)mem, strerror(errno));
        goto fail;
    }
    size_t limit = cfg && cfg->max_memslots ? cfg->max_memslots : 0;
    if (!limit) {
        int n = ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_NR_MEMSLOTS);
        limit = n > 0 ? (size_t)n : 32;
    }
    if (memslot_init(vm, limit) < 0) {
        snprintf(err, errlen, "KVM_SET_USER_MEMORY_REGION: %s", strerror(errno));
        goto fail;
    }
    if (vm_irqchip_init(vm, err, errlen) < 0 || vcpu_open(vm, err, errlen) < 0 ||
        vcpu_kick_init(&vm->cpu, err, errlen) < 0)
        goto fail;
    if (set_cpuid(vm) < 0) {
        snprintf(err, errlen, "KVM_SET_CPUID2: %s", strerror(errno));
        goto fail;
    }
    *out = vm;
    return 0;
fail:
    vm_destroy(vm);
    return -1;
}

void vm_destroy(struct vm *vm)
{
    if (!vm)
        return;
    vcpu_kick_fini(&vm->cpu);
    vcpu_close(&vm->cpu);
    memslot_fini(vm);
    if (vm->vm_fd >= 0)
        close(vm->vm_fd);
    if (vm->ram)
        munmap(vm->ram, vm->mem_size);
    if (vm->kvm_fd >= 0)
        close(vm->kvm_fd);
    free(vm);
}

struct vcpu *vm_vcpu(struct vm *vm) { return &vm->cpu; }
uint64_t vm_mem_size(const struct vm *vm) { return vm->mem_size; }
enum vm_res_part vm_reserved_part(const struct vm *vm, uint64_t gpa)
{
    uint64_t res = vm_reserved_base(vm);
    if (gpa < res || gpa >= vm->mem_size)
        return VM_RES_PART_NONE;
    uint64_t off = gpa - res;
    if (off >= VM_RES_BOOTINFO && off < VM_RES_PML4)
        return VM_RES_PART_BOOTINFO;
    if (off >= VM_RES_STACK_TOP - 0x2000 && off < VM_RES_STACK_TOP)
        return VM_RES_PART_STACK;
    return VM_RES_PART_MONITOR;
}

unsigned vm_guest_maxphyaddr(const struct vm *vm) { return vm->maxphyaddr; }
int vm_guest_gbpages(const struct vm *vm) { return vm->gbpages; }
uint64_t vm_reserved_base(const struct vm *vm) { return vm->mem_size - VM_RESERVED_SIZE; }
void vm_set_events(struct vm *vm, struct events *events) { vm->events = events; }

void vm_set_io(struct vm *vm, const struct vm_io_ops *ops, void *ctx)
{
    vm->io = ops;
    vm->io_ctx = ctx;
}

void vm_set_device_write_hook(struct vm *vm, vm_device_write_fn fn, void *ctx)
{
    vm->device_write = fn;
    vm->device_write_ctx = ctx;
}

int vm_device_write(struct vm *vm, uint64_t gpa, const void *buf, size_t len)
{
    if (gpa >= vm->mem_size || len > vm->mem_size - gpa)
        return -1;
    if (vm->device_write)
        return vm->device_write(vm->device_write_ctx, gpa, buf, len);
    return gmem_write_phys(vm, gpa, buf, len);
}

unsigned vm_memory_map(const struct vm *vm, struct vm_map_entry *out)
{
    uint64_t res = vm_reserved_base(vm);
    const struct vm_map_entry map[] = {
        { 0, VM_EBDA_BASE, VM_MAP_RAM },
        { VM_EBDA_BASE, 0xa0000 - VM_EBDA_BASE, VM_MAP_RESERVED },
        { VM_BIOS_AREA, 0x100000 - VM_BIOS_AREA, VM_MAP_RESERVED },
        { 0x100000, res - 0x100000, VM_MAP_RAM },
        { res, VM_RESERVED_SIZE, VM_MAP_RESERVED },
        { VM_IOAPIC_BASE, 0x1000, VM_MAP_RESERVED },
        { VM_LAPIC_BASE, 0x1000, VM_MAP_RESERVED },
        { 0xfffc0000u, 0x40000, VM_MAP_RESERVED },      /* BIOS flash, as QEMU's pc shows it */
    };
    _Static_assert(sizeof map / sizeof map[0] <= VM_MAP_MAX, "VM_MAP_MAX");
    memcpy(out, map, sizeof map);
    return sizeof map / sizeof map[0];
}

int vm_mmio_write(struct vm *vm, uint64_t gpa, const void *data, size_t len)
{
    if (!vm->io)
        return -1;
    for (size_t done = 0; done < len;) {
        uint8_t piece[8];
        size_t n = len - done < 8 ? len - done : 8;
        int status = 0;
        memcpy(piece, (const uint8_t *)data + done, n);
        (void)vm->io->mmio(vm->io_ctx, gpa + done, 1, (unsigned)n, piece, &status);
        done += n;
    }
    return 0;
}
