/* probe.c — host KVM capabilities, found with tiny throwaway VMs running
 * a few real-mode instructions each. */
#include "base/base.h"
#include "monitor/kvm/kvm.h"
#include <cpuid.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/kvm.h>


int probe_open_kvm(char *err, size_t errlen)
{
    int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        base_err(err, errlen, "cannot open /dev/kvm: %s — %s", strerror(e),
               e == EACCES || e == EPERM ? "add yourself to the kvm group or run as root"
                                        : "load the kvm module, or run on a host with KVM");
    }
    return fd;
}

struct tiny { int vm, vcpu; struct kvm_run *run; size_t run_size; uint8_t *mem; };

static void tiny_free(struct tiny *t)
{
    if (t->run) munmap(t->run, t->run_size);
    if (t->vcpu >= 0) close(t->vcpu);
    if (t->vm >= 0) close(t->vm);
    if (t->mem) munmap(t->mem, 0x1000);
}

/* a VM with one 4 KiB page at 0 holding `code`, vCPU in real mode at 0 */
static int tiny_new(int kvm, struct tiny *t, const uint8_t *code, size_t n)
{
    memset(t, 0, sizeof *t);
    t->vm = t->vcpu = -1;
    t->vm = ioctl(kvm, KVM_CREATE_VM, 0);
    if (t->vm < 0) return -1;
    (void)ioctl(t->vm, KVM_SET_TSS_ADDR, 0xfffbd000ul);
    t->mem = mmap(NULL, 0x1000, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (t->mem == MAP_FAILED) { t->mem = NULL; return -1; }
    memset(t->mem, 0xf4, 0x1000);
    memcpy(t->mem, code, n);
    struct kvm_userspace_memory_region m = { 0, 0, 0, 0x1000, (uint64_t)(uintptr_t)t->mem };
    if (ioctl(t->vm, KVM_SET_USER_MEMORY_REGION, &m) < 0) return -1;
    t->vcpu = ioctl(t->vm, KVM_CREATE_VCPU, 0);
    if (t->vcpu < 0) return -1;
    int rs = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
    if (rs <= 0) return -1;
    t->run_size = (size_t)rs;
    t->run = mmap(NULL, t->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, t->vcpu, 0);
    if (t->run == MAP_FAILED) { t->run = NULL; return -1; }
    struct kvm_sregs s;
    if (ioctl(t->vcpu, KVM_GET_SREGS, &s) < 0) return -1;
    s.cs.selector = 0; s.cs.base = 0;
    if (ioctl(t->vcpu, KVM_SET_SREGS, &s) < 0) return -1;
    struct kvm_regs r = {0};
    r.rflags = 2; r.rip = 0; r.rsp = 0xff0;
    return ioctl(t->vcpu, KVM_SET_REGS, &r);
}

static uint64_t tiny_rip(struct tiny *t)
{
    struct kvm_regs r;
    return ioctl(t->vcpu, KVM_GET_REGS, &r) < 0 ? ~0ull : r.rip;
}

/* RIP set to `to` (no completion run): 1 if the next exit is the OUT
 * there, reported at `rip`. */
static int tiny_out_again(struct tiny *t, uint64_t to, uint64_t rip)
{
    struct kvm_regs r;
    if (ioctl(t->vcpu, KVM_GET_REGS, &r) < 0)
        return 0;
    r.rip = to;
    return ioctl(t->vcpu, KVM_SET_REGS, &r) == 0 && ioctl(t->vcpu, KVM_RUN, 0) == 0 &&
           t->run->exit_reason == KVM_EXIT_IO && tiny_rip(t) == rip;
}

static const char *exit_name(uint32_t r)
{
    switch (r) {
    case KVM_EXIT_DEBUG: return "debug exit";
    case KVM_EXIT_INTERNAL_ERROR: return "internal error";
    case KVM_EXIT_SHUTDOWN: return "shutdown";
    case KVM_EXIT_HLT: return "hlt";
    case KVM_EXIT_IO: return "io";
    default: return "other exit";
    }
}

int probe_host(struct probe_result *r, char *err, size_t errlen)
{
    memset(r, 0, sizeof *r);
    int kvm = probe_open_kvm(err, errlen);
    if (kvm < 0) return -1;
    r->api_version = ioctl(kvm, KVM_GET_API_VERSION, 0);
    r->nr_memslots = ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_NR_MEMSLOTS);
    r->readonly_mem = ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_READONLY_MEM) > 0;
    r->immediate_exit = ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_IMMEDIATE_EXIT) > 0;
    int sync = ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_SYNC_REGS);
    r->sync_regs = sync > 0 && (sync & (KVM_SYNC_X86_REGS | KVM_SYNC_X86_SREGS | KVM_SYNC_X86_EVENTS)) ==
                   (KVM_SYNC_X86_REGS | KVM_SYNC_X86_SREGS | KVM_SYNC_X86_EVENTS);
    r->split_irqchip = ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_SPLIT_IRQCHIP) > 0;
    /* The CPU that runs guest code natively decides how a 66-prefixed near
     * branch in 64-bit mode decodes: AMD (and Hygon) take rel16. */
    unsigned a, b, c, d;
    if (__get_cpuid(0, &a, &b, &c, &d)) {
        memcpy(r->vendor, &b, 4);
        memcpy(r->vendor + 4, &d, 4);
        memcpy(r->vendor + 8, &c, 4);
    }
    r->amd_branches = strcmp(r->vendor, "AuthenticAMD") == 0 || strcmp(r->vendor, "HygonGenuine") == 0;
    struct tiny t;
    /* 1. where RIP points at an OUT exit: out %al,$0xe9 (2 bytes) at 0;
     * then whether the OUT is over at its exit.  RIP moved to a second
     * OUT at 3 without a completion run: it must run there (else the
     * completion does more than skip an OUT at its own RIP).  RIP put back
     * on that OUT: it must run again (else KVM still has the skip to do). */
    static const uint8_t out_code[] = { 0xe6, 0xe9, 0xf4, 0xe6, 0xe9, 0xf4 };
    if (tiny_new(kvm, &t, out_code, sizeof out_code) == 0 && ioctl(t.vcpu, KVM_RUN, 0) == 0 &&
        t.run->exit_reason == KVM_EXIT_IO) {
        uint64_t rip = tiny_rip(&t);
        r->io_rip = rip == 0 ? PROBE_IO_RIP_AT_OUT : rip == 2 ? PROBE_IO_RIP_PAST_OUT : PROBE_IO_RIP_UNKNOWN;
        uint64_t at = r->io_rip == PROBE_IO_RIP_AT_OUT ? 0 : 2;
        r->out_redirect = tiny_out_again(&t, 3, 3 + at);
        r->out_done_at_exit = r->out_redirect && tiny_out_again(&t, 3, 3 + at);
    }
    tiny_free(&t);
    /* 2. software breakpoints: nop; int3; hlt with USE_SW_BP */
    static const uint8_t bp_code[] = { 0x90, 0xcc, 0xf4 };
    snprintf(r->sw_bp_detail, sizeof r->sw_bp_detail, "VM set-up failed");
    if (tiny_new(kvm, &t, bp_code, sizeof bp_code) == 0) {
        struct kvm_guest_debug d = {0};
        d.control = KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_USE_SW_BP;
        if (ioctl(t.vcpu, KVM_SET_GUEST_DEBUG, &d) < 0) {
            snprintf(r->sw_bp_detail, sizeof r->sw_bp_detail, "KVM_SET_GUEST_DEBUG: %s", strerror(errno));
        } else if (ioctl(t.vcpu, KVM_RUN, 0) < 0) {
            snprintf(r->sw_bp_detail, sizeof r->sw_bp_detail, "KVM_RUN: %s", strerror(errno));
        } else {
            uint64_t rip = tiny_rip(&t);
            r->sw_breakpoints = t.run->exit_reason == KVM_EXIT_DEBUG && rip == 1;
            snprintf(r->sw_bp_detail, sizeof r->sw_bp_detail, "INT3 gave %s at rip=0x%llx",
                     exit_name(t.run->exit_reason), (unsigned long long)rip);
        }
    }
    tiny_free(&t);
    /* 3. single step: nop; nop; hlt — expect a debug exit at rip=1 then 2 */
    static const uint8_t ss_code[] = { 0x90, 0x90, 0xf4 };
    snprintf(r->single_step_detail, sizeof r->single_step_detail, "VM set-up failed");
    if (tiny_new(kvm, &t, ss_code, sizeof ss_code) == 0) {
        struct kvm_guest_debug d = {0};
        d.control = KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP;
        if (ioctl(t.vcpu, KVM_SET_GUEST_DEBUG, &d) < 0) {
            snprintf(r->single_step_detail, sizeof r->single_step_detail, "KVM_SET_GUEST_DEBUG: %s", strerror(errno));
        } else {
            uint64_t rips[2] = { ~0ull, ~0ull };
            uint32_t why = 0;
            int i;
            for (i = 0; i < 2; i++) {
                if (ioctl(t.vcpu, KVM_RUN, 0) < 0) break;
                why = t.run->exit_reason;
                if (why != KVM_EXIT_DEBUG) break;
                rips[i] = tiny_rip(&t);
            }
            r->single_step = i == 2 && rips[0] == 1 && rips[1] == 2;
            snprintf(r->single_step_detail, sizeof r->single_step_detail, "%d step(s), then %s",
                     i, i == 2 ? (r->single_step ? "ok" : "wrong rip") : exit_name(why));
        }
    }
    tiny_free(&t);
    close(kvm);
    return 0;
}

void probe_format(const struct probe_result *r, char *buf, size_t len)
{
    snprintf(buf, len,
             "host KVM: API version %d\n"
             "  guest-debug sw breakpoints: %s (%s)\n"
             "  guest-debug single-step:    %s (%s)\n"
             "  RIP at an OUT exit:         %s (%s)\n"
             "  memslots (KVM_CAP_NR_MEMSLOTS): %d\n"
             "  read-only memslots (KVM_CAP_READONLY_MEM): %s\n"
             "  immediate_exit (KVM_CAP_IMMEDIATE_EXIT): %s\n"
             "  sync regs (KVM_CAP_SYNC_REGS):  %s\n"
             "  split irqchip (KVM_CAP_SPLIT_IRQCHIP): %s\n"
             "  host CPU: %s (66-prefixed near branches in 64-bit mode: %s)\n",
             r->api_version, r->sw_breakpoints ? "work" : "broken", r->sw_bp_detail,
             r->single_step ? "works" : "broken", r->single_step_detail,
             r->io_rip == PROBE_IO_RIP_AT_OUT ? "at the OUT" : r->io_rip == PROBE_IO_RIP_PAST_OUT ? "past the OUT" : "unknown",
             r->out_done_at_exit ? "the OUT is over: no completion run"
             : r->out_redirect ? "a completion run only to go on at the OUT" : "a completion run after every OUT",
             r->nr_memslots, r->readonly_mem ? "yes" : "no", r->immediate_exit ? "yes" : "no",
             r->sync_regs ? "yes" : "no", r->split_irqchip ? "yes" : "no (scout cannot run guests here)",
             r->vendor[0] ? r->vendor : "unknown",
             r->amd_branches ? "rel16, AMD" : "ignored, Intel");
}
