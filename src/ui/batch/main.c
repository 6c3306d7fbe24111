/* main.c — scout's batch front end: load a guest, run it to completion,
 * exit with the guest's status.  All printing happens here. */
#include "trace/trace.h"
#include "ui/cli/command.h"
#include "ui/cli/num.h"
#include "ui/commands/commands.h"
#include "ui/demo/demo_guest.h"
#include "ui/plugin/plugin.h"
#include "ui/cli/script.h"
#include "ui/session/session.h"
#include "ui/tui/tui.h"
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#define SCOUT_VERSION "0.1"

enum { EXIT_CLEAN = 0, EXIT_SCOUT_ERROR = 2, EXIT_GUEST_CRASH = 4, EXIT_TIMEOUT = 124, EXIT_SIGINT = 130 };

static struct session *g_session;

static void on_signal(int sig)
{
    session_interrupt(g_session, sig == SIGALRM ? VM_STOP_TIMEOUT : VM_STOP_INTERRUPTED);
}

static void usage(FILE *f)
{
    fprintf(f,
        "Usage: scout [OPTION]... [GUEST]\n"
        "  or:  scout [OPTION]... -x FILE | -ex CMD ... [GUEST]\n"
        "  or:  scout trace diff A B | scout trace stats FILE\n"
        "Boot GUEST (ELF, Multiboot, boot sector, or flat with --mode; none: the\n"
        "built-in demo guest) under scout's KVM monitor, which scans every guest\n"
        "instruction before it runs: in the TUI when stdin and stdout are a terminal,\n"
        "otherwise straight to its end.  With -x/-ex, run the commands, then exit.\n"
        "\n"
        "  -x FILE               run a command script (repeatable; in order with -ex)\n"
        "  -ex CMD               run one command (repeatable), like gdb's batch mode\n"
        "  --batch               no interactive front end (runs the guest when no\n"
        "                        -x/-ex is given)\n"
        "  --raw                 run under plain KVM, no scanning (full-speed baseline)\n"
        "  --depth N             prescan depth: 0 = lazy, N = recursive descent (default %u)\n"
        "  --trace FILE          write a deterministic event trace\n"
        "  --trace-times         add t=<ns> to every trace event\n"
        "  --poke GPA=HEXBYTES   before running, write bytes as if the guest did\n"
        "                        (same write check and invalidation; repeatable)\n"
        "  --max-memslots N      KVM memory slot budget (default: the host's limit)\n"
        "  --mem SIZE            guest RAM (default 64M; suffix K/M/G, bare number = MiB)\n"
        "  --cpl 0|3             privilege level for 64-bit guests (default 0)\n"
        "  --format auto|elf|multiboot|bootsector|flat   override image detection\n"
        "  --mode real|prot32|long64   load GUEST as a flat binary in this mode\n"
        "  --load ADDR --entry ADDR    flat binary load address and entry point\n"
        "  --cmdline STRING      multiboot command line\n"
        "  --module 'FILE [ARGS]'    multiboot module (repeatable, up to 16)\n"
        "  --disk FILE           the BIOS's disk (int 13h; default: the boot image);\n"
        "                        with no GUEST, boot from it\n"
        "  --keys FILE           keyboard input for the BIOS (int 16h; - = stdin)\n"
        "  --no-bios             boot sectors and real-mode images without the BIOS\n"
        "  --timeout SECONDS     stop a runaway guest (exit status 124)\n"
        "  --stats               print exit counters on stderr at the end\n"
        "  --plugin PATH[,ARG=VAL...]  load a plugin (repeatable); a bare NAME that is\n"
        "                        not a file here is NAME.so from the installed plugins\n"
        "  --version             print the version and what the host probe found\n"
        "  --help                print this help\n"
        "\n"
        "Exit status: the exit device's (v<<1)|1; 0 after HLT; 2 scout error;\n"
        "4 guest exception or triple fault; 124 timeout; 130 interrupted.\n"
        "With -x/-ex: quit N's status, else 1 if a command failed, else 0.\n", ENF_DEFAULT_DEPTH);
}

static int parse_u64(const char *s, uint64_t *v)
{
    return cmd_parse_u64(s, v) == CMD_NUM_OK ? 0 : -1;
}

/* SIZE[K|M|G][i][B]; a bare number is MiB */
static int parse_size(const char *s, uint64_t *v)
{
    const char *end;
    uint64_t x;
    if (cmd_parse_u64_prefix(s, &x, &end) != CMD_NUM_OK)
        return -1;
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
    char err[256], buf[1024];
    printf("scout %s\n", SCOUT_VERSION);
    if (session_probe_host(buf, sizeof buf, err, sizeof err) < 0) { printf("host KVM: %s\n", err); return; }
    fputs(buf, stdout);
}

/* --poke GPA=HEXBYTES */
static int parse_poke(const char *arg, uint64_t *gpa, uint8_t *bytes, size_t *n)
{
    const char *eq = strchr(arg, '=');
    char addr[32];
    if (!eq || (size_t)(eq - arg) >= sizeof addr) return -1;
    memcpy(addr, arg, (size_t)(eq - arg));
    addr[eq - arg] = 0;
    if (parse_u64(addr, gpa) < 0) return -1;
    *n = 0;
    return cmd_parse_hex_bytes(eq + 1, bytes, 64, n) == CMD_NUM_OK ? 0 : -1;
}

/* --stats: the session's counters, then the plugins' */
static void stats_line(void *arg, const char *line) { fprintf(arg, "scout: %s\n", line); }

static void print_stats(struct session *s, const struct plugins *plugins)
{
    session_format_stats(s, SESSION_STATS_BATCH, stats_line, stderr);
    plugins_print_counters(plugins, stderr);
}

/* -x FILE and -ex CMD, in command-line order. */
struct cmd_item { const char *text; int is_file; };

/* Runs the -x/-ex list against the session (no TUI).  When the TUI exists,
 * it is started here instead when there is no list and no --batch, with
 * the same context: tui_main(s, ctx).  Returns the process exit status:
 * quit N's status, else 1 if a command failed, else 0. */
static void plugin_counter_line(void *arg, const char *line) { cmd_printf(arg, "%s\n", line); }
static void plugin_stats(void *arg, struct cmd_ctx *ctx) { plugins_format_counters(arg, plugin_counter_line, ctx); }

static int run_commands(struct session *s, struct plugins *plugins, const struct cmd_item *items, int n,
                        int interactive)
{
    struct cmd_ctx *ctx = cmd_ctx_new();
    if (!ctx) { fprintf(stderr, "scout: out of memory\n"); return EXIT_SCOUT_ERROR; }
    struct commands *cm = commands_new(ctx, s);
    if (!cm) { cmd_ctx_free(ctx); fprintf(stderr, "scout: cannot register the commands\n"); return EXIT_SCOUT_ERROR; }
    if (plugins_attach_commands(plugins, ctx) < 0) {
        commands_free(cm); cmd_ctx_free(ctx);
        fprintf(stderr, "scout: cannot register the plugin commands\n");
        return EXIT_SCOUT_ERROR;
    }
    commands_set_stats_hook(cm, plugin_stats, plugins);
    char err[512];
    struct tui *tui = tui_new(s, ctx, interactive ? NULL : stdout, err, sizeof err);
    if (!tui) { commands_free(cm); cmd_ctx_free(ctx); fprintf(stderr, "scout: %s\n", err); return EXIT_SCOUT_ERROR; }
    if (interactive) {
        int status = 0;
        int rc = tui_main(tui, err, sizeof err);
        if (rc < 0) fprintf(stderr, "scout: %s\n", err);
        rc = rc < 0 ? EXIT_SCOUT_ERROR : cmd_quit_requested(ctx, &status) ? status : 0;
        tui_free(tui);
        plugins_detach_commands(plugins);
        commands_free(cm);
        cmd_ctx_free(ctx);
        return rc;
    }
    int failed = 0, status = 0;
    unsigned long exn = 0;
    for (int i = 0; i < n && !cmd_quit_requested(ctx, &status) && !cmd_script_aborted(ctx); i++) {
        tui_command_begins(tui);
        int r = items[i].is_file ? script_run_file(ctx, items[i].text)
                                 : script_run_line(ctx, "-ex", ++exn, items[i].text);
        fflush(stdout);
        if (r) {
            failed = 1;
            const char *oe = cmd_var_enum(ctx, "on-error");
            if (!oe || strcmp(oe, "continue") != 0) break;
        }
    }
    int rc = cmd_quit_requested(ctx, &status) ? status : failed;
    tui_free(tui);
    plugins_detach_commands(plugins);
    commands_free(cm);
    cmd_ctx_free(ctx);
    return rc;
}

/* --list-commands (hidden; for the man page and shell completion): what
 * `help` says, with no guest and no KVM: only the command tables are read. */
static int list_commands(void)
{
    struct session none;
    char err[256];
    const struct cmd_item help = { "help", 0 };
    if (session_open_detached(&none, err, sizeof err) < 0) { fprintf(stderr, "scout: %s\n", err); return EXIT_SCOUT_ERROR; }
    struct plugins *pl = plugins_new(&none, "", err, sizeof err);
    if (!pl) { fprintf(stderr, "scout: %s\n", err); session_close(&none); return EXIT_SCOUT_ERROR; }
    int rc = run_commands(&none, pl, &help, 1, 0);
    plugins_free(pl);
    session_close(&none);
    return rc;
}

int main(int argc, char **argv)
{
    enum { O_RAW = 256, O_MEM, O_CPL, O_FORMAT, O_MODE, O_LOAD, O_ENTRY, O_CMDLINE, O_MODULE, O_TIMEOUT,
           O_STATS, O_VERSION, O_HELP, O_DEPTH, O_TRACE, O_TRACE_TIMES, O_POKE, O_MAX_MEMSLOTS,
           O_X, O_EX, O_BATCH, O_PLUGIN, O_LIST_COMMANDS, O_DISK, O_KEYS, O_NO_BIOS };
    static const struct option opts[] = {
        { "raw", no_argument, 0, O_RAW }, { "mem", required_argument, 0, O_MEM },
        { "cpl", required_argument, 0, O_CPL }, { "format", required_argument, 0, O_FORMAT },
        { "mode", required_argument, 0, O_MODE }, { "load", required_argument, 0, O_LOAD },
        { "entry", required_argument, 0, O_ENTRY }, { "cmdline", required_argument, 0, O_CMDLINE },
        { "module", required_argument, 0, O_MODULE }, { "timeout", required_argument, 0, O_TIMEOUT },
        { "stats", no_argument, 0, O_STATS }, { "version", no_argument, 0, O_VERSION },
        { "help", no_argument, 0, O_HELP }, { "depth", required_argument, 0, O_DEPTH },
        { "trace", required_argument, 0, O_TRACE }, { "trace-times", no_argument, 0, O_TRACE_TIMES },
        { "poke", required_argument, 0, O_POKE }, { "max-memslots", required_argument, 0, O_MAX_MEMSLOTS },
        { "x", required_argument, 0, O_X }, { "ex", required_argument, 0, O_EX },
        { "batch", no_argument, 0, O_BATCH }, { "plugin", required_argument, 0, O_PLUGIN },
        { "list-commands", no_argument, 0, O_LIST_COMMANDS },
        { "disk", required_argument, 0, O_DISK }, { "keys", required_argument, 0, O_KEYS },
        { "no-bios", no_argument, 0, O_NO_BIOS },
        { 0, 0, 0, 0 },
    };
    if (argc >= 2 && strcmp(argv[1], "trace") == 0)
        return trace_main(argc - 1, argv + 1);

    struct session_opts so = {0};
    struct loader_opts *lo = &so.load;
    so.depth = ENF_DEFAULT_DEPTH;
    double timeout = 0;
    int stats = 0, c;
    const char *pokes[16];
    int npokes = 0;
    struct cmd_item items[64];
    int nitems = 0, batch = 0;
    const char *plugin_specs[PLUGINS_MAX];     /* --plugin, loaded after session_open */
    int nplugins = 0;
    opterr = 0;
    /* _only: gdb-style single-dash long options (-ex, -x, -batch) */
    while ((c = getopt_long_only(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case O_RAW: so.raw = 1; break;
        case O_MEM:
            if (parse_size(optarg, &so.vm.mem_size) < 0) { fprintf(stderr, "scout: --mem %s: not a size (e.g. 64M, 1G)\n", optarg); return EXIT_SCOUT_ERROR; }
            break;
        case O_CPL:
            if (strcmp(optarg, "0") && strcmp(optarg, "3")) { fprintf(stderr, "scout: --cpl %s: must be 0 or 3\n", optarg); return EXIT_SCOUT_ERROR; }
            lo->cpl = atoi(optarg);
            break;
        case O_FORMAT:
            if (!strcmp(optarg, "auto")) lo->format = LOADER_AUTO;
            else if (!strcmp(optarg, "elf")) lo->format = LOADER_ELF;
            else if (!strcmp(optarg, "multiboot")) lo->format = LOADER_MULTIBOOT;
            else if (!strcmp(optarg, "bootsector")) lo->format = LOADER_BOOTSECTOR;
            else if (!strcmp(optarg, "flat")) lo->format = LOADER_FLAT;
            else { fprintf(stderr, "scout: --format %s: must be auto, elf, multiboot, bootsector or flat\n", optarg); return EXIT_SCOUT_ERROR; }
            break;
        case O_MODE:
            if (!strcmp(optarg, "real")) lo->mode = VM_MODE_REAL;
            else if (!strcmp(optarg, "prot32")) lo->mode = VM_MODE_PROT32;
            else if (!strcmp(optarg, "long64")) lo->mode = VM_MODE_LONG64;
            else { fprintf(stderr, "scout: --mode %s: must be real, prot32 or long64\n", optarg); return EXIT_SCOUT_ERROR; }
            break;
        case O_LOAD:
            if (parse_u64(optarg, &lo->load_addr) < 0) { fprintf(stderr, "scout: --load %s: not an address\n", optarg); return EXIT_SCOUT_ERROR; }
            lo->have_load = 1;
            break;
        case O_ENTRY:
            if (parse_u64(optarg, &lo->entry) < 0) { fprintf(stderr, "scout: --entry %s: not an address\n", optarg); return EXIT_SCOUT_ERROR; }
            lo->have_entry = 1;
            break;
        case O_CMDLINE: lo->cmdline = optarg; break;
        case O_MODULE:
            if (lo->nmodules == 16) { fprintf(stderr, "scout: --module: at most 16 modules\n"); return EXIT_SCOUT_ERROR; }
            lo->modules[lo->nmodules++] = optarg;
            break;
        case O_TIMEOUT: {
            char *end;
            timeout = strtod(optarg, &end);
            if (end == optarg || *end || !(timeout > 0) || timeout > 1e6) { fprintf(stderr, "scout: --timeout %s: not a positive number of seconds\n", optarg); return EXIT_SCOUT_ERROR; }
            break;
        }
        case O_DEPTH: {
            uint64_t d;
            if (parse_u64(optarg, &d) < 0 || d > 1000000) { fprintf(stderr, "scout: --depth %s: must be a number from 0 (lazy) to 1000000\n", optarg); return EXIT_SCOUT_ERROR; }
            so.depth = (unsigned)d;
            break;
        }
        case O_TRACE: so.trace_path = optarg; break;
        case O_MAX_MEMSLOTS: {
            uint64_t n;
            if (parse_u64(optarg, &n) < 0 || n < 1 || n > 32764) { fprintf(stderr, "scout: --max-memslots %s: must be 1..32764\n", optarg); return EXIT_SCOUT_ERROR; }
            so.vm.max_memslots = (unsigned)n;
            break;
        }
        case O_TRACE_TIMES: so.trace_times = 1; break;
        case O_POKE:
            if (npokes == 16) { fprintf(stderr, "scout: --poke: at most 16\n"); return EXIT_SCOUT_ERROR; }
            pokes[npokes++] = optarg;
            break;
        case O_PLUGIN:
            if (nplugins == PLUGINS_MAX) { fprintf(stderr, "scout: --plugin: at most %d\n", PLUGINS_MAX); return EXIT_SCOUT_ERROR; }
            plugin_specs[nplugins++] = optarg;
            break;
        case O_STATS: stats = 1; break;
        case O_X: case O_EX:
            if (nitems == 64) { fprintf(stderr, "scout: -x/-ex: at most 64\n"); return EXIT_SCOUT_ERROR; }
            items[nitems].is_file = c == O_X;
            items[nitems++].text = optarg;
            break;
        case O_BATCH: batch = 1; break;
        case O_DISK: so.disk = optarg; break;
        case O_KEYS: so.keys = optarg; break;
        case O_NO_BIOS: so.no_bios = 1; break;
        case O_VERSION: print_version(); return 0;
        case O_HELP: case 'h': usage(stdout); return 0;
        case O_LIST_COMMANDS: return list_commands();
        default:
            fprintf(stderr, "scout: %s: unknown option or missing argument (see scout --help)\n", argv[optind - 1]);
            return EXIT_SCOUT_ERROR;
        }
    }
    if (optind < argc - 1) {
        fprintf(stderr, "scout: more than one guest image given (see scout --help)\n");
        return EXIT_SCOUT_ERROR;
    }
    if (optind == argc && so.disk) {
        lo->path = so.disk;         /* no guest but a disk: boot from it */
        so.boot_disk = 1;
    } else if (optind == argc) {
        /* No guest: the built-in demo (a flat long-mode image). */
        lo->path = DEMO_GUEST_NAME;
        lo->image = demo_guest_image(&lo->image_len);
        lo->format = LOADER_FLAT;
        lo->mode = VM_MODE_LONG64;
        lo->load_addr = lo->entry = DEMO_GUEST_LOAD;
        lo->have_load = lo->have_entry = 1;
    } else {
        lo->path = argv[optind];
    }
    if (lo->format == LOADER_FLAT && !lo->mode) { fprintf(stderr, "scout: %s: flat binary: --mode real|prot32|long64 is required\n", lo->path); return EXIT_SCOUT_ERROR; }
    if (so.raw && npokes) { fprintf(stderr, "scout: --poke needs scanning (not --raw)\n"); return EXIT_SCOUT_ERROR; }

    char err[512];
    struct session s;
    if (session_open(&s, &so, err, sizeof err) < 0) { fprintf(stderr, "scout: %s\n", err); return EXIT_SCOUT_ERROR; }
    struct dev_console con = { stdout, NULL, NULL };
    session_set_console(&s, &con);

    /* ── plugins: a plugin that fails to load is reported and left out ── */
    struct plugins *plugins = plugins_new(&s, lo->path, err, sizeof err);
    if (!plugins) { fprintf(stderr, "scout: %s\n", err); session_close(&s); return EXIT_SCOUT_ERROR; }
    for (int i = 0; i < nplugins; i++)
        if (plugins_load(plugins, plugin_specs[i], err, sizeof err) < 0)
            fprintf(stderr, "scout: %s\n", err);

    if (npokes) {
        /* Scan the entry first, so a poke can hit scanned code. */
        if (session_prepare(&s, err, sizeof err) < 0) { fprintf(stderr, "scout: %s\n", err); plugins_free(plugins); session_close(&s); return EXIT_SCOUT_ERROR; }
        for (int i = 0; i < npokes; i++) {
            uint64_t gpa;
            uint8_t bytes[64];
            size_t n;
            if (parse_poke(pokes[i], &gpa, bytes, &n) < 0) {
                fprintf(stderr, "scout: --poke %s: expected GPA=HEXBYTES, e.g. 0x401000=9090\n", pokes[i]);
                plugins_free(plugins); session_close(&s);
                return EXIT_SCOUT_ERROR;
            }
            if (session_write_phys(&s, gpa, bytes, n, err, sizeof err) < 0) {
                fprintf(stderr, "scout: --poke %s: %s\n", pokes[i], err);
                plugins_free(plugins); session_close(&s);
                return EXIT_SCOUT_ERROR;
            }
        }
    }

    g_session = &s;
    /* the TUI: a terminal on both ends, no -x/-ex, no --batch */
    int have_tui = isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
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

    if (nitems || (!batch && have_tui)) {
        /* scan the entry first, so commands see the guest as it will start */
        if (session_prepare(&s, err, sizeof err) < 0) { fprintf(stderr, "scout: %s\n", err); plugins_free(plugins); session_close(&s); return EXIT_SCOUT_ERROR; }
        int rc = run_commands(&s, plugins, items, nitems, !nitems);
        if (timeout > 0) { struct itimerval z = {0}; setitimer(ITIMER_REAL, &z, NULL); }
        g_session = NULL;
        fflush(stdout);
        plugins_free(plugins);
        if (session_trace_stop(&s, err, sizeof err) < 0) {
            fprintf(stderr, "scout: trace: %s\n", err);
            if (rc == 0) rc = EXIT_SCOUT_ERROR;
        }
        session_close(&s);
        return rc;
    }

    struct vm_stop st;
    session_run(&s, &st);
    if (timeout > 0) { struct itimerval z = {0}; setitimer(ITIMER_REAL, &z, NULL); }
    g_session = NULL;
    fflush(stdout);
    int rc = session_exit_status(&st);
    char state[2048];
    int dump = 1;
    switch (st.why) {
    case VM_STOP_EXIT_DEVICE: dump = 0; break;
    case VM_STOP_HLT: dump = 0; fprintf(stderr, "scout: %s\n", st.message); break;
    case VM_STOP_TIMEOUT:
        fprintf(stderr, "scout: guest timed out after %g s at rip=0x%llx; state:\n", timeout, (unsigned long long)st.rip);
        break;
    case VM_STOP_INTERRUPTED: fprintf(stderr, "scout: %s (SIGINT); state:\n", st.message); break;
    default: fprintf(stderr, "scout: %s; state:\n", st.message); break;
    }
    if (dump) { session_format_state(&s, state, sizeof state); fputs(state, stderr); }
    if (stats)
        print_stats(&s, plugins);
    plugins_free(plugins);      /* exit callbacks (files written) before the session goes */
    if (session_trace_stop(&s, err, sizeof err) < 0) {
        fprintf(stderr, "scout: trace: %s\n", err);
        if (rc == 0) rc = EXIT_SCOUT_ERROR;
    }
    session_close(&s);
    return rc;
}
