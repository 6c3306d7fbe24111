/* main.c — scout's batch front end: load a guest, run it to completion,
 * exit with the guest's status.  All printing happens here. */
#include "monitor/loader.h"
#include "monitor/probe.h"
#include "monitor/run.h"
#include "monitor/vm.h"
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#define SCOUT_VERSION "0.1"

enum { EXIT_CLEAN = 0, EXIT_SCOUT_ERROR = 2, EXIT_GUEST_CRASH = 4, EXIT_TIMEOUT = 124, EXIT_SIGINT = 130 };

static struct vm *g_vm;

static void on_signal(int sig)
{
    if (g_vm) vm_request_stop_why(g_vm, sig == SIGALRM ? VM_STOP_TIMEOUT : VM_STOP_INTERRUPTED);
}

static void usage(FILE *f)
{
    fprintf(f,
        "usage: scout [options] GUEST\n"
        "  --raw                 run under plain KVM, no scanning (full-speed baseline)\n"
        "  --mem SIZE            guest RAM (default 64M; suffix K/M/G, bare number = MiB)\n"
        "  --cpl 0|3             privilege level for 64-bit guests (default 0)\n"
        "  --format auto|elf|multiboot|bootsector|flat   override image detection\n"
        "  --mode real|prot32|long64   load GUEST as a flat binary in this mode\n"
        "  --load ADDR --entry ADDR    flat binary load address and entry point\n"
        "  --cmdline STRING      multiboot command line\n"
        "  --module 'FILE [ARGS]'    multiboot module (repeatable, up to 16)\n"
        "  --timeout SECONDS     stop a runaway guest (exit status 124)\n"
        "  --stats               print exit counters on stderr at the end\n"
        "  --version             print the version and what the host probe found\n"
        "Exit status: the exit device's (v<<1)|1; 0 after HLT; 2 scout error;\n"
        "4 guest exception or triple fault; 124 timeout; 130 interrupted.\n");
}

static int parse_u64(const char *s, uint64_t *v)
{
    char *end;
    errno = 0;
    unsigned long long x = strtoull(s, &end, 0);
    if (errno || end == s || *end || *s == '-') return -1;
    *v = x;
    return 0;
}

static int parse_size(const char *s, uint64_t *v)
{
    char *end;
    errno = 0;
    unsigned long long x = strtoull(s, &end, 0);
    if (errno || end == s || *s == '-') return -1;
    uint64_t mul = 1ull << 20;
    if (*end == 'K' || *end == 'k') { mul = 1ull << 10; end++; }
    else if (*end == 'M' || *end == 'm') { end++; }
    else if (*end == 'G' || *end == 'g') { mul = 1ull << 30; end++; }
    if (*end == 'i') end++;
    if (*end == 'B') end++;
    if (*end || x > (1ull << 40)) return -1;
    *v = x * mul;
    return 0;
}

static void print_version(void)
{
    struct probe_result pr;
    char err[256], buf[1024];
    printf("scout %s\n", SCOUT_VERSION);
    if (probe_host(&pr, err, sizeof err) < 0) { printf("host KVM: %s\n", err); return; }
    probe_format(&pr, buf, sizeof buf);
    fputs(buf, stdout);
}

static void print_stats(struct vm *vm)
{
    const struct vm_stats *s = vm_get_stats(vm);
    fprintf(stderr, "scout: stats: runs=%llu io_exits=%llu mmio_writes=%llu protected_writes=%llu "
            "unknown_port_reads=%llu unknown_port_writes=%llu completion_runs=%llu console_bytes=%llu\n",
            (unsigned long long)s->runs, (unsigned long long)s->io_exits, (unsigned long long)s->mmio_writes,
            (unsigned long long)s->protected_writes, (unsigned long long)s->unknown_port_reads,
            (unsigned long long)s->unknown_port_writes, (unsigned long long)s->completion_runs,
            (unsigned long long)s->console_bytes);
}

int main(int argc, char **argv)
{
    enum { O_RAW = 256, O_MEM, O_CPL, O_FORMAT, O_MODE, O_LOAD, O_ENTRY, O_CMDLINE, O_MODULE, O_TIMEOUT, O_STATS, O_VERSION, O_HELP };
    static const struct option opts[] = {
        { "raw", no_argument, 0, O_RAW }, { "mem", required_argument, 0, O_MEM },
        { "cpl", required_argument, 0, O_CPL }, { "format", required_argument, 0, O_FORMAT },
        { "mode", required_argument, 0, O_MODE }, { "load", required_argument, 0, O_LOAD },
        { "entry", required_argument, 0, O_ENTRY }, { "cmdline", required_argument, 0, O_CMDLINE },
        { "module", required_argument, 0, O_MODULE }, { "timeout", required_argument, 0, O_TIMEOUT },
        { "stats", no_argument, 0, O_STATS }, { "version", no_argument, 0, O_VERSION },
        { "help", no_argument, 0, O_HELP }, { 0, 0, 0, 0 },
    };
    struct loader_opts lo = {0};
    struct vm_config cfg = {0};
    double timeout = 0;
    int stats = 0, c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case O_RAW: break;   /* until enforcement lands every run is raw */
        case O_MEM:
            if (parse_size(optarg, &cfg.mem_size) < 0) { fprintf(stderr, "scout: --mem %s: not a size (e.g. 64M, 1G)\n", optarg); return EXIT_SCOUT_ERROR; }
            break;
        case O_CPL:
            if (strcmp(optarg, "0") && strcmp(optarg, "3")) { fprintf(stderr, "scout: --cpl %s: must be 0 or 3\n", optarg); return EXIT_SCOUT_ERROR; }
            lo.cpl = atoi(optarg);
            break;
        case O_FORMAT:
            if (!strcmp(optarg, "auto")) lo.format = LOADER_AUTO;
            else if (!strcmp(optarg, "elf")) lo.format = LOADER_ELF;
            else if (!strcmp(optarg, "multiboot")) lo.format = LOADER_MULTIBOOT;
            else if (!strcmp(optarg, "bootsector")) lo.format = LOADER_BOOTSECTOR;
            else if (!strcmp(optarg, "flat")) lo.format = LOADER_FLAT;
            else { fprintf(stderr, "scout: --format %s: must be auto, elf, multiboot, bootsector or flat\n", optarg); return EXIT_SCOUT_ERROR; }
            break;
        case O_MODE:
            if (!strcmp(optarg, "real")) lo.mode = VM_MODE_REAL;
            else if (!strcmp(optarg, "prot32")) lo.mode = VM_MODE_PROT32;
            else if (!strcmp(optarg, "long64")) lo.mode = VM_MODE_LONG64;
            else { fprintf(stderr, "scout: --mode %s: must be real, prot32 or long64\n", optarg); return EXIT_SCOUT_ERROR; }
            break;
        case O_LOAD:
            if (parse_u64(optarg, &lo.load_addr) < 0) { fprintf(stderr, "scout: --load %s: not an address\n", optarg); return EXIT_SCOUT_ERROR; }
            lo.have_load = 1;
            break;
        case O_ENTRY:
            if (parse_u64(optarg, &lo.entry) < 0) { fprintf(stderr, "scout: --entry %s: not an address\n", optarg); return EXIT_SCOUT_ERROR; }
            lo.have_entry = 1;
            break;
        case O_CMDLINE: lo.cmdline = optarg; break;
        case O_MODULE:
            if (lo.nmodules == 16) { fprintf(stderr, "scout: --module: at most 16 modules\n"); return EXIT_SCOUT_ERROR; }
            lo.modules[lo.nmodules++] = optarg;
            break;
        case O_TIMEOUT: {
            char *end;
            timeout = strtod(optarg, &end);
            if (end == optarg || *end || !(timeout > 0) || timeout > 1e6) { fprintf(stderr, "scout: --timeout %s: not a positive number of seconds\n", optarg); return EXIT_SCOUT_ERROR; }
            break;
        }
        case O_STATS: stats = 1; break;
        case O_VERSION: print_version(); return 0;
        case O_HELP: case 'h': usage(stdout); return 0;
        default:
            fprintf(stderr, "scout: %s: unknown option or missing argument (see scout --help)\n", argv[optind - 1]);
            return EXIT_SCOUT_ERROR;
        }
    }
    if (optind != argc - 1) {
        fprintf(stderr, "scout: %s (see scout --help)\n", optind >= argc ? "no guest image given" : "more than one guest image given");
        return EXIT_SCOUT_ERROR;
    }
    lo.path = argv[optind];
    if (lo.format == LOADER_FLAT && !lo.mode) { fprintf(stderr, "scout: %s: flat binary: --mode real|prot32|long64 is required\n", lo.path); return EXIT_SCOUT_ERROR; }

    char err[512];
    struct probe_result pr;
    if (probe_host(&pr, err, sizeof err) < 0) { fprintf(stderr, "scout: %s\n", err); return EXIT_SCOUT_ERROR; }
    cfg.max_memslots = pr.nr_memslots > 0 ? (unsigned)pr.nr_memslots : 0;
    struct vm *vm;
    if (vm_create(&cfg, &vm, err, sizeof err) < 0) { fprintf(stderr, "scout: %s\n", err); return EXIT_SCOUT_ERROR; }
    struct loader_image li;
    if (loader_load(vm, &lo, &li, err, sizeof err) < 0) {
        fprintf(stderr, "scout: %s\n", err);
        vm_destroy(vm);
        return EXIT_SCOUT_ERROR;
    }
    struct vm_console con = { stdout, NULL, NULL };
    vm_set_console(vm, &con);

    g_vm = vm;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGALRM, &sa, NULL);
    if (timeout > 0) {
        struct itimerval it = {0};
        it.it_value.tv_sec = (time_t)timeout;
        it.it_value.tv_usec = (suseconds_t)((timeout - (double)(time_t)timeout) * 1e6);
        if (!it.it_value.tv_sec && !it.it_value.tv_usec) it.it_value.tv_usec = 1;
        setitimer(ITIMER_REAL, &it, NULL);
    }

    struct vm_stop st;
    vm_run(vm, NULL, &st);
    if (timeout > 0) { struct itimerval z = {0}; setitimer(ITIMER_REAL, &z, NULL); }
    g_vm = NULL;
    fflush(stdout);
    int rc;
    char state[2048];
    int dump = 1;
    switch (st.why) {
    case VM_STOP_EXIT_DEVICE: rc = st.exit_status & 0xff; dump = 0; break;
    case VM_STOP_HLT: rc = EXIT_CLEAN; dump = 0; fprintf(stderr, "scout: %s\n", st.message); break;
    case VM_STOP_TIMEOUT:
        rc = EXIT_TIMEOUT;
        fprintf(stderr, "scout: guest timed out after %g s at rip=0x%llx; state:\n", timeout, (unsigned long long)st.rip);
        break;
    case VM_STOP_INTERRUPTED: rc = EXIT_SIGINT; fprintf(stderr, "scout: %s (SIGINT); state:\n", st.message); break;
    case VM_STOP_GUEST_EXCEPTION: case VM_STOP_SHUTDOWN:
        rc = EXIT_GUEST_CRASH; fprintf(stderr, "scout: %s; state:\n", st.message); break;
    default: rc = EXIT_SCOUT_ERROR; fprintf(stderr, "scout: %s; state:\n", st.message); break;
    }
    if (dump) { vm_format_state(vm, state, sizeof state); fputs(state, stderr); }
    if (stats) print_stats(vm);
    vm_destroy(vm);
    return rc;
}
