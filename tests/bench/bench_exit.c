/* bench_exit — the floor under scout's per-exit cost: the round trip of one
 * guest exit to user space and back through bare KVM_RUN, on this host.
 *
 * The VMs are set up by scout's own monitor code (vm_create, vm_boot_cpu:
 * GDT, TSS with its I/O bitmap, identity page tables, CPL 3 with IOPL 3),
 * then the timed loops use the vCPU's fd and kvm_run directly: no scout run
 * loop, hooks, devices or timers.  The guest is two instructions, an exit
 * and a jump back to it: `out %al,(%dx)` (scout's 1-byte trap, 0xEE) or a
 * byte store into a page that is read-only to KVM (KVM_EXIT_MMIO, the exit
 * behind every write scout checks).
 *
 * Modes: real mode (CPL 0), 64-bit CPL 0 (both emulated on kvm_pvm), 64-bit
 * CPL 3 (native there).  What each exit costs, cumulatively:
 *   bare        KVM_RUN only, kvm_valid_regs = 0 (1 ioctl per exit)
 *   sync        + KVM_CAP_SYNC_REGS: regs, sregs and events copied out at
 *               every exit, regs written back by the next KVM_RUN
 *   getset      without sync regs: KVM_GET_REGS, KVM_GET_SREGS, KVM_SET_REGS
 *               per exit (4 ioctls per exit)
 *   complete    bare + the immediate_exit completion run after each exit
 *               (a second KVM_RUN that returns EINTR; 2 ioctls per exit)
 *   sync+complete  sync + the completion run: the least a vexit of scout's
 *               can cost (2 ioctls per exit)
 *   mmio        a store into a read-only page, bare KVM_RUN
 * Rounds of every (mode, variant) are interleaved; each figure is the
 * median over the rounds of the round's time per exit.  Prints a table
 * (microseconds per exit) and, with --csv FILE, one row per figure.
 * Prints only; no pass/fail.
 * usage: bench_exit [--rounds R] [--exits N] [--csv FILE] [--only real|cpl0|cpl3] */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>

#include "monitor/kvm/kvm_priv.h"

#define SYNC_ALL (KVM_SYNC_X86_REGS | KVM_SYNC_X86_SREGS | KVM_SYNC_X86_EVENTS)
#define CODE_LONG 0x100000u     /* the loop, in long mode (identity-mapped RAM) */
#define CODE_REAL 0x1000u       /* ... in real mode (CS = 0) */
#define RO_LONG   0x200000u     /* the read-only page the mmio loop stores to */
#define RO_REAL   0x3000u

enum variant { V_BARE, V_SYNC, V_GETSET, V_COMPLETE, V_SYNC_COMPLETE, V_MMIO, NVARIANTS };
static const char *const variant_name[NVARIANTS] = {
    "bare", "sync", "getset", "complete", "sync+complete", "mmio" };
static const int variant_ioctls[NVARIANTS] = { 1, 1, 4, 2, 2, 1 };

struct mode { const char *name; enum vm_mode mode; int cpl; struct vm *vm; int skip; };
static struct mode modes[] = {
    { "real", VM_MODE_REAL, 0, NULL, 0 },
    { "cpl0", VM_MODE_LONG64, 0, NULL, 0 },
    { "cpl3", VM_MODE_LONG64, 3, NULL, 0 },
};
#define MAXMODES (sizeof modes / sizeof modes[0])
static size_t nmodes = MAXMODES;     /* after --only */

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void die(const char *what, const char *why)
{
    fprintf(stderr, "bench_exit: %s: %s\n", what, why);
    exit(2);
}

static void setup(struct mode *m)
{
    char err[256];
    struct vm_config cfg = { .mem_size = 8u << 20 };
    if (vm_create(&cfg, &m->vm, err, sizeof err) < 0)
        die(m->name, err);
    int real = m->mode == VM_MODE_REAL;
    uint64_t code = real ? CODE_REAL : CODE_LONG, ro = real ? RO_REAL : RO_LONG;
    /* out %al,(%dx); jmp .-1   then   mov %al,(%rbx) [real: (%bx)]; jmp .-2 */
    const uint8_t loop[] = { 0xee, 0xeb, 0xfd, 0x90, 0x88, real ? 0x07 : 0x03, 0xeb, 0xfc };
    /* (memslot changes reach KVM at scout's next KVM_RUN: made now, as
     * this program runs KVM_RUN itself) */
    if (gmem_write_phys(m->vm, code, loop, sizeof loop) < 0 || memslot_protect(m->vm, ro) < 0 ||
        memslot_commit(m->vm) < 0)
        die(m->name, "guest memory");
    if (vm_boot_cpu(m->vm, m->mode, m->cpl, code, 0, err, sizeof err) < 0)
        die(m->name, err);
    struct vcpu *cpu = vm_vcpu(m->vm);
    struct kvm_regs r;
    struct kvm_sregs s;
    if (vcpu_get_regs(cpu, &r) < 0 || vcpu_get_sregs(cpu, &s) < 0)
        die(m->name, "KVM_GET_(S)REGS");
    r.rdx = 0x99;       /* a port no device of KVM's takes */
    r.rbx = ro;
    cpu->run->kvm_valid_regs = cpu->run->kvm_dirty_regs = 0;
    if (ioctl(cpu->fd, KVM_SET_SREGS, &s) < 0 || ioctl(cpu->fd, KVM_SET_REGS, &r) < 0)
        die(m->name, strerror(errno));
}

/* Points RIP at the out loop or the store loop (after completing the last
 * exit, so that no host skips an instruction at the new RIP). */
static void start_at(struct mode *m, enum variant v)
{
    struct vcpu *cpu = vm_vcpu(m->vm);
    struct kvm_regs r;
    cpu->run->kvm_valid_regs = cpu->run->kvm_dirty_regs = 0;
    cpu->run->immediate_exit = 1;
    (void)ioctl(cpu->fd, KVM_RUN, 0);
    cpu->run->immediate_exit = 0;
    if (ioctl(cpu->fd, KVM_GET_REGS, &r) < 0)
        die(m->name, strerror(errno));
    r.rip = (m->mode == VM_MODE_REAL ? CODE_REAL : CODE_LONG) + (v == V_MMIO ? 4 : 0);
    if (ioctl(cpu->fd, KVM_SET_REGS, &r) < 0)
        die(m->name, strerror(errno));
}

static void expect_exit(struct mode *m, struct kvm_run *run, int rc, uint32_t reason)
{
    if (rc < 0)
        die(m->name, strerror(errno));
    if (run->exit_reason != reason) {
        char why[64];
        snprintf(why, sizeof why, "exit reason %u, expected %u", run->exit_reason, reason);
        die(m->name, why);
    }
}

/* n exits of variant v; returns seconds */
static double timed(struct mode *m, enum variant v, int n)
{
    struct vcpu *cpu = vm_vcpu(m->vm);
    struct kvm_run *run = cpu->run;
    int fd = cpu->fd;
    int sync = v == V_SYNC || v == V_SYNC_COMPLETE;
    int complete = v == V_COMPLETE || v == V_SYNC_COMPLETE;
    uint32_t reason = v == V_MMIO ? KVM_EXIT_MMIO : KVM_EXIT_IO;
    struct kvm_regs r;
    struct kvm_sregs s;
    start_at(m, v);
    run->kvm_valid_regs = sync ? SYNC_ALL : 0;
    expect_exit(m, run, ioctl(fd, KVM_RUN, 0), reason);     /* warm-up: not timed */
    double t0 = now();
    for (int i = 0; i < n; i++) {
        if (complete) {
            run->immediate_exit = 1;
            if (ioctl(fd, KVM_RUN, 0) == 0 || errno != EINTR)
                die(m->name, "completion run did not return EINTR");
            run->immediate_exit = 0;
        }
        if (sync) {
            r = run->s.regs.regs;           /* what scout reads at an exit */
            run->s.regs.regs = r;
            run->kvm_dirty_regs = KVM_SYNC_X86_REGS;
        } else if (v == V_GETSET) {
            if (ioctl(fd, KVM_GET_REGS, &r) < 0 || ioctl(fd, KVM_GET_SREGS, &s) < 0 ||
                ioctl(fd, KVM_SET_REGS, &r) < 0)
                die(m->name, strerror(errno));
        }
        expect_exit(m, run, ioctl(fd, KVM_RUN, 0), reason);
    }
    double t = now() - t0;
    run->kvm_valid_regs = run->kvm_dirty_regs = 0;
    return t;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    int rounds = 9, exits = 300;
    const char *csv = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--rounds") && i + 1 < argc)
            rounds = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--exits") && i + 1 < argc)
            exits = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--csv") && i + 1 < argc)
            csv = argv[++i];
        else if (!strcmp(argv[i], "--only") && i + 1 < argc) {
            const char *only = argv[++i];
            for (size_t k = 0; k < nmodes; k++)
                modes[k].skip = strcmp(modes[k].name, only) != 0;
        } else {
            fprintf(stderr, "usage: bench_exit [--rounds R] [--exits N] [--csv FILE] [--only real|cpl0|cpl3]\n");
            return 2;
        }
    }
    if (rounds < 1 || exits < 1)
        die("arguments", "--rounds and --exits must be positive");
    size_t kept = 0;
    for (size_t k = 0; k < MAXMODES; k++)
        if (!modes[k].skip)
            modes[kept++] = modes[k];
    nmodes = kept;
    if (!nmodes)
        die("--only", "no such mode");
    for (size_t i = 0; i < nmodes; i++)
        setup(&modes[i]);
    double *us = calloc(nmodes * NVARIANTS * (size_t)rounds, sizeof *us);
    if (!us)
        die("memory", strerror(errno));
    for (int k = 0; k < rounds; k++)
        for (size_t i = 0; i < nmodes; i++)
            for (int v = 0; v < NVARIANTS; v++)
                us[(i * NVARIANTS + (size_t)v) * (size_t)rounds + (size_t)k] =
                    timed(&modes[i], (enum variant)v, exits) * 1e6 / exits;
    double med[MAXMODES][NVARIANTS];
    for (size_t i = 0; i < nmodes; i++)
        for (int v = 0; v < NVARIANTS; v++) {
            double *x = us + (i * NVARIANTS + (size_t)v) * (size_t)rounds;
            qsort(x, (size_t)rounds, sizeof *x, cmp_double);
            med[i][v] = rounds % 2 ? x[rounds / 2] : (x[rounds / 2 - 1] + x[rounds / 2]) / 2;
        }
    printf("bare KVM exit round trip, us per exit (median of %d rounds of %d exits, interleaved)\n",
           rounds, exits);
    printf("%-6s", "mode");
    for (int v = 0; v < NVARIANTS; v++)
        printf("%15s", variant_name[v]);
    printf("\n%-6s", "ioctl");
    for (int v = 0; v < NVARIANTS; v++)
        printf("%15d", variant_ioctls[v]);
    printf("\n");
    for (size_t i = 0; i < nmodes; i++) {
        printf("%-6s", modes[i].name);
        for (int v = 0; v < NVARIANTS; v++)
            printf("%15.1f", med[i][v]);
        printf("\n");
    }
    if (csv) {
        FILE *f = fopen(csv, "w");
        if (!f)
            die(csv, strerror(errno));
        fprintf(f, "mode,variant,us_per_exit,ioctls_per_exit,rounds,exits\n");
        for (size_t i = 0; i < nmodes; i++)
            for (int v = 0; v < NVARIANTS; v++)
                fprintf(f, "%s,%s,%.3f,%d,%d,%d\n", modes[i].name, variant_name[v], med[i][v],
                        variant_ioctls[v], rounds, exits);
        if (fclose(f) != 0)
            die(csv, strerror(errno));
    }
    for (size_t i = 0; i < nmodes; i++)
        vm_destroy(modes[i].vm);
    free(us);
    return 0;
}
