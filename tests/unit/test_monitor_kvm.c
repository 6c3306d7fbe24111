/* Monitor library under KVM: memslot split/merge/budget, protected-write
 * and I/O hooks, linear access through the monitor's page tables.
 * Skips when /dev/kvm is unusable (fails if SCOUT_REQUIRE_KVM=1). */
#include "check.h"
#include "monitor/dev/dev.h"
#include "monitor/kvm/kvm.h"
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

static struct vm *vm;
static char err[256];

TEST(memslot_split_merge)
{
    CHECK_EQ(memslot_count(vm), 1);
    CHECK_EQ(memslot_protect(vm, 0x200000), 0);
    CHECK_EQ(memslot_count(vm), 3);
    CHECK_EQ(memslot_is_protected(vm, 0x200000), 1);
    CHECK_EQ(memslot_is_protected(vm, 0x201000), 0);
    CHECK_EQ(memslot_protect(vm, 0x201000), 0);      /* merges with its neighbour */
    CHECK_EQ(memslot_count(vm), 3);
    CHECK_EQ(memslot_protect(vm, 0x300000), 0);
    CHECK_EQ(memslot_count(vm), 5);
    CHECK_EQ(memslot_unprotect(vm, 0x300000), 0);
    CHECK_EQ(memslot_count(vm), 3);
    CHECK_EQ(memslot_unprotect(vm, 0x200000), 0);
    CHECK_EQ(memslot_count(vm), 3);
    CHECK_EQ(memslot_unprotect(vm, 0x201000), 0);
    CHECK_EQ(memslot_count(vm), 1);
    CHECK_EQ(memslot_protect(vm, 0x200001), -1);
    CHECK_EQ(memslot_is_protected(vm, 1ull << 40), -1);
}

static uint64_t seen_gpa; static unsigned seen_len; static uint32_t seen_val; static int seen_exit_port;
static enum vm_hook_result on_write(void *ctx, struct vcpu *v, uint64_t gpa, const void *data, unsigned len)
{
    (void)ctx; (void)v;
    seen_gpa = gpa; seen_len = len; memcpy(&seen_val, data, len < 4 ? len : 4);
    return VM_HOOK_PASS;
}
static enum vm_hook_result on_io(void *ctx, struct vcpu *v, uint16_t port, int out, int size, uint32_t count, void *data)
{
    (void)ctx; (void)v; (void)out; (void)size; (void)count; (void)data;
    if (port == 0xf4) seen_exit_port++;
    return VM_HOOK_PASS;
}

/* movl $0x12345678, 0x300010 ; xor %eax,%eax ; out %al,$0xf4 */
static const uint8_t code[] = { 0xc7, 0x04, 0x25, 0x10, 0x00, 0x30, 0x00, 0x78, 0x56, 0x34, 0x12,
                                0x31, 0xc0, 0xe6, 0xf4 };

TEST(protected_write_hook_cpl3)
{
    CHECK_EQ(gmem_write_phys(vm, 0x100000, code, sizeof code), 0);
    CHECK_EQ(vm_boot_cpu(vm, VM_MODE_LONG64, 3, 0x100000, 0, err, sizeof err), 0);
    CHECK_EQ(memslot_protect(vm, 0x300000), 0);
    struct vm_hooks h = { .io = on_io, .protected_write = on_write };
    struct vm_stop st;
    CHECK_EQ(vcpu_run(vm_vcpu(vm), &h, &st), 0);
    CHECK_EQ(st.why, VM_STOP_EXIT_DEVICE);
    CHECK_EQ(st.exit_status, 1);
    CHECK_EQ(seen_gpa, 0x300010);
    CHECK_EQ(seen_len, 4);
    CHECK_EQ(seen_val, 0x12345678);
    CHECK_EQ(seen_exit_port, 1);
    uint32_t v = 0;
    CHECK_EQ(gmem_read_linear(vm, 0x300010, &v, 4), 0);   /* the monitor applied it */
    CHECK_EQ(v, 0x12345678);
    CHECK_EQ(vcpu_get_stats(vm_vcpu(vm))->protected_writes, 1);
    struct kvm_regs r;
    CHECK_EQ(vcpu_get_regs(vm_vcpu(vm), &r), 0);
    CHECK_EQ(r.rip, 0x100000 + sizeof code);              /* past the OUT after completion */
    CHECK_EQ(vcpu_code_size(vm_vcpu(vm)), 64);
    CHECK_EQ(vcpu_cpl(vm_vcpu(vm)), 3);
    uint64_t gpa;
    CHECK_EQ(gmem_translate(vm, 0x123456, 1, &gpa), 0);
    CHECK_EQ(gpa, 0x123456);
    CHECK_EQ(gmem_translate(vm, 1ull << 30, 0, &gpa), -1);
    CHECK_EQ(gmem_read_linear(vm, vm_mem_size(vm) - 2, &v, 4), -1);
    CHECK_EQ(gmem_read_phys(vm, ~0ull - 1, &v, 4), -1);
    CHECK_EQ(memslot_unprotect(vm, 0x300000), 0);
}

/* Protection changes reach KVM at the next KVM_RUN, as one change per page
 * whose protection differs from KVM's: a page unprotected and protected
 * again in between costs nothing, and the page is still protected. */
/* Runs `code` at CPL 3 to its exit: the gpa of the protected write it made
 * (KVM had the page read-only), or 0. */
static uint64_t run_store(void)
{
    struct vm_hooks h = { .io = on_io, .protected_write = on_write };
    struct vm_stop st;
    seen_gpa = 0;
    CHECK_EQ(vm_boot_cpu(vm, VM_MODE_LONG64, 3, 0x100000, 0, err, sizeof err), 0);
    CHECK_EQ(vcpu_run(vm_vcpu(vm), &h, &st), 0);
    return seen_gpa;
}

TEST(memslot_changes_batched)
{
    CHECK_EQ(gmem_write_phys(vm, 0x100000, code, sizeof code), 0);
    CHECK_EQ(memslot_is_protected(vm, 0x300000), 0);
    CHECK_EQ(run_store(), 0);                             /* (KVM's slots as wanted now) */
    uint64_t before = memslot_ioctls(vm);
    CHECK_EQ(memslot_protect(vm, 0x300000), 0);
    CHECK_EQ(memslot_unprotect(vm, 0x300000), 0);
    CHECK_EQ(memslot_protect(vm, 0x300000), 0);
    CHECK_EQ(memslot_ioctls(vm), before);                 /* nothing yet */
    CHECK_EQ(run_store(), 0x300010);                      /* KVM had it read-only */
    CHECK_EQ(memslot_ioctls(vm), before + 4);             /* one split: delete 1, create 3 */
    before = memslot_ioctls(vm);
    CHECK_EQ(memslot_unprotect(vm, 0x300000), 0);         /* as an invalidation ... */
    CHECK_EQ(memslot_protect(vm, 0x300000), 0);           /* ... and its rescan */
    CHECK_EQ(run_store(), 0x300010);
    CHECK_EQ(memslot_ioctls(vm), before);
    CHECK_EQ(memslot_unprotect(vm, 0x300000), 0);
    CHECK_EQ(run_store(), 0);                             /* writable again: no exit */
    CHECK_EQ(memslot_ioctls(vm), before + 4);             /* merged: delete 3, create 1 */
}

/* KVM keeps the translations it built from guest page tables that the
 * monitor rewrites through its own mapping (this host's KVM, at least:
 * without the zap the second read below sees the old page); memslot_zap
 * makes it build them again before the next run.  The guest at CPL 3 reads
 * linear X twice, OUTs each byte; between the two the monitor remaps X
 * (a 4 KiB PTE of its boot tables: the top 2 MiB of RAM) to another page. */
static int zap_between;
static uint8_t zap_seen[2];
static uint64_t zap_pte, zap_page_b;
static enum vm_hook_result on_zap_io(void *ctx, struct vcpu *v, uint16_t port, int out, int size, uint32_t count,
                                     void *data)
{
    (void)ctx; (void)v; (void)out; (void)size; (void)count;
    if (port == 0x81 || port == 0x82)
        zap_seen[port - 0x81] = *(uint8_t *)data;
    if (port == 0x81) {
        uint64_t e = zap_page_b | 0x67;                   /* P RW US A D */
        gmem_write_phys(vm, zap_pte, &e, 8);
        if (zap_between)
            memslot_zap(vm);
    }
    return port == 0x81 || port == 0x82 ? VM_HOOK_HANDLED : VM_HOOK_PASS;
}

static void run_zap(int zap)
{
    uint64_t top2m = vm_mem_size(vm) - (2u << 20), x = top2m;
    unsigned npd = (unsigned)((vm_mem_size(vm) + (1ull << 30) - 1) >> 30);
    zap_pte = vm_reserved_base(vm) + VM_RES_PML4 + 0x2000 + 0x1000ull * npd;    /* the top 2 MiB's PT */
    zap_page_b = top2m + 0x1000;
    /* movzbl X,%eax; out %al,$0x81; movzbl X,%eax; out %al,$0x82; xor %eax,%eax; out %al,$0xf4 */
    uint8_t prog[] = { 0x0f, 0xb6, 0x04, 0x25, 0, 0, 0, 0, 0xe6, 0x81, 0x0f, 0xb6, 0x04, 0x25, 0, 0, 0, 0,
                       0xe6, 0x82, 0x31, 0xc0, 0xe6, 0xf4 };
    memcpy(prog + 4, &x, 4);
    memcpy(prog + 14, &x, 4);
    uint8_t a = 0xaa, b = 0xbb;
    uint64_t e = top2m | 0x67;
    CHECK_EQ(gmem_write_phys(vm, 0x100000, prog, sizeof prog), 0);
    CHECK_EQ(gmem_write_phys(vm, top2m, &a, 1), 0);
    CHECK_EQ(gmem_write_phys(vm, zap_page_b, &b, 1), 0);
    CHECK_EQ(gmem_write_phys(vm, zap_pte, &e, 8), 0);     /* X -> its own page (A) */
    CHECK_EQ(vm_boot_cpu(vm, VM_MODE_LONG64, 3, 0x100000, 0, err, sizeof err), 0);
    memslot_zap(vm);                                      /* (what earlier tests left) */
    struct vm_hooks h = { .io = on_zap_io };
    struct vm_stop st;
    zap_between = zap;
    memset(zap_seen, 0, sizeof zap_seen);
    CHECK_EQ(vcpu_run(vm_vcpu(vm), &h, &st), 0);
    CHECK_EQ(st.why, VM_STOP_EXIT_DEVICE);
    CHECK_EQ(zap_seen[0], 0xaa);
    e = top2m | 0x67;
    CHECK_EQ(gmem_write_phys(vm, zap_pte, &e, 8), 0);
}

TEST(memslot_zap_rebuilds_translations)
{
    run_zap(0);
    printf("# without the zap the guest read 0x%02x\n", zap_seen[1]);
    uint64_t before = memslot_ioctls(vm);
    run_zap(1);
    CHECK_EQ(zap_seen[1], 0xbb);                          /* the new page */
    CHECK_EQ(memslot_ioctls(vm) - before, 4);             /* two zaps: a slot made and removed each */
}

TEST(slot_budget_enospc)
{
    struct vm *small;
    struct vm_config cfg = { 16u << 20, 2 };
    CHECK_EQ(vm_create(&cfg, &small, err, sizeof err), 0);
    if (!small) return;
    CHECK_EQ(memslot_protect(small, 0), 0);            /* 2 slots */
    errno = 0;
    CHECK_EQ(memslot_protect(small, 0x100000), -1);    /* would need 4 */
    CHECK_EQ(errno, ENOSPC);
    CHECK_EQ(memslot_count(small), 2);
    vm_destroy(small);
}

int main(void)
{
    if (access("/dev/kvm", R_OK | W_OK) != 0) {
        const char *req = getenv("SCOUT_REQUIRE_KVM");
        if (req && !strcmp(req, "1")) { printf("not ok monitor_kvm: /dev/kvm unusable\n"); return 1; }
        printf("skip monitor_kvm: /dev/kvm is not usable\n");
        return 0;
    }
    struct vm_config cfg = { 0, 0 };
    if (vm_create(&cfg, &vm, err, sizeof err) < 0) { printf("not ok monitor_kvm: %s\n", err); return 1; }
    struct dev_bus *bus = dev_bus_new(vm, NULL);
    struct dev_pc_config pc = { vm_mem_size(vm), NULL, 0 };
    if (!bus || dev_pc_init(bus, &pc) != 0) { printf("not ok monitor_kvm: no devices\n"); return 1; }
    RUN(memslot_split_merge);
    RUN(protected_write_hook_cpl3);
    RUN(memslot_changes_batched);
    RUN(memslot_zap_rebuilds_translations);
    RUN(slot_budget_enospc);
    dev_bus_free(bus);
    vm_destroy(vm);
    CHECK_EXIT();
}
