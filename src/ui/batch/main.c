/* main.c — scout's batch front end: load a guest, run it to completion,
 * exit with the guest's status.  All printing happens here. */
#include "base/text.h"
#include "trace/trace.h"
#include "ui/cli/command.h"
#include "ui/cli/num.h"
#include "ui/commands/commands.h"
#include "ui/demo/demo_guest.h"
#include "ui/gdbstub/gdbstub.h"
#include "ui/guard/guard.h"
#include "ui/plugin/plugin.h"
#include "ui/cli/script.h"
#include "ui/session/session.h"
#include "ui/tui/tui.h"
#include <errno.h>
#include <stdarg.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SCOUT_VERSION "0.1"

enum { EXIT_CLEAN = 0, EXIT_SCOUT_ERROR = 2, EXIT_GUEST_CRASH = 4, EXIT_TIMEOUT = 124, EXIT_SIGINT = 130 };

/* The session the signal handlers stop; a stop asked for before it exists
 * (Ctrl-C, --timeout while loading) waits in pending_stop. */
static struct session *volatile g_session;
static volatile sig_atomic_t pending_stop;
static volatile sig_atomic_t sigint_seen;       /* ends a gdb stub's wait */

static void stop_guest(int why)
{
    struct session *s = g_session;
    if (s)
        session_interrupt(s, why);
    else
        pending_stop = why;
}

static void on_sigint(int sig)
{
    (void)sig;
    guard_sigint();
    sigint_seen = 1;
    stop_guest(VM_STOP_INTERRUPTED);
}

/* the guard's watchdog: --timeout passed */
static void on_guard(enum guard_why why)
{
    stop_guest(why == GUARD_WHY_TIMEOUT ? VM_STOP_TIMEOUT : VM_STOP_INTERRUPTED);
}

static void set_session(struct session *s)
{
    g_session = s;
    if (s && pending_stop)
        session_interrupt(s, pending_stop);
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
        "  --deprivilege         run 64-bit CPL 0 guest code at CPL 3, natively; its\n"
        "                        CPL-sensitive instructions run in its own state at\n"
        "                        CPL 0 (other modes: at their own privilege)\n"
        "  --links on|off        link a static branch into another page natively once its\n"
        "                        target is scanned, undone when that page changes\n"
        "                        (64-bit code; default off)\n"
        "  --smc page|insn       a write into scanned code: page = dump the page's\n"
        "                        attributes (default); insn = keep them when every\n"
        "                        instruction it touched decodes the same\n"
        "  --trace FILE          write a deterministic event trace\n"
        "  --trace-times         add t=<ns> to every trace event\n"
        "  --trace-symbols       annotate code addresses in the trace with sym=NAME+OFF\n"
        "  --symbols FILE        symbols and source lines for the guest: an ELF (the one a\n"
        "                        flat image or boot sector was linked from), or nm /\n"
        "                        System.map text (default: the guest's own ELF)\n"
        "  --poke GPA=HEXBYTES   before running, write bytes as if the guest did\n"
        "                        (same write check and invalidation; repeatable)\n"
        "  --max-memslots N      KVM memory slot budget (default: the host's limit)\n"
        "  --mem SIZE            guest RAM (default 128M; suffix K/M/G, bare number = MiB)\n"
        "  --cpl 0|3             privilege level for 64-bit guests (default 0)\n"
        "  --format auto|elf|multiboot|bootsector|flat   override image detection\n"
        "  --mode real|prot32|long64   load GUEST as a flat binary in this mode\n"
        "  --load ADDR --entry ADDR    flat binary load address and entry point\n"
        "  --cmdline STRING      multiboot command line\n"
        "  --module 'FILE [ARGS]'    multiboot module (repeatable, up to 16)\n"
        "  --device pc-testdev   add QEMU's pc-testdev (kvm-unit-tests' emulator, realmode)\n"
        "  --disk FILE           the BIOS's disk (int 13h; default: the boot image);\n"
        "                        with no GUEST, boot from it\n"
        "  --keys FILE           keyboard input for the BIOS (int 16h; - = stdin)\n"
        "  --no-bios             boot sectors and real-mode images without the BIOS\n"
        "  --timeout SECONDS     stop a runaway guest (exit status 124); scout itself\n"
        "                        ends within 2 s more, whatever it waits on\n"
        "  --plugin-timeout SECONDS  a plugin callback running longer ends scout\n"
        "                        (status 2; default %d, 0 = no limit)\n"
        "  --stats               print exit counters on stderr at the end\n"
        "  --gdb [HOST:]PORT     serve gdb's remote protocol there (HOST default\n"
        "                        127.0.0.1; PORT 0: any free port, printed); the guest\n"
        "                        runs until a debugger attaches (one at a time)\n"
        "  -s                    same as --gdb 1234\n"
        "  -S                    with --gdb/-s: do not start the guest until the\n"
        "                        debugger continues it\n"
        "  --gdb-arch ARCH       the register file gdb is served: x86-64, i386\n"
        "                        (32-bit code), i8086 (i386's, 16-bit code);\n"
        "                        default: the one for the mode the guest starts in\n"
        "  --plugin PATH[,ARG=VAL...]  load a plugin (repeatable); a bare NAME that is\n"
        "                        not a file here is NAME.so from the installed plugins\n"
        "  --version             print the version and what the host probe found\n"
        "  --help                print this help\n"
        "\n"
        "Exit status: the exit device's (v<<1)|1; 0 after HLT; 2 scout error;\n"
        "4 guest exception or triple fault; 124 timeout; 130 interrupted.\n"
        "With -x/-ex: quit N's status, else 1 if a command failed, else 0.\n"
        "A --trace that could not be written makes the status 2 whatever the guest's.\n"
        "Ctrl-C stops the guest; a second Ctrl-C before scout took the first, or a\n"
        "plugin callback still running 1 s after it, ends scout at once (130).\n",
        ENF_DEFAULT_DEPTH, GUARD_PLUGIN_LIMIT);
}

/* One error line on stderr, "scout: WHAT", with control characters of
 * whatever it quotes (an option's argument, a file name, a plugin's
 * message) written as \xNN. */
static void eprint(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void eprint(const char *fmt, ...)
{
    char raw[2048], safe[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(raw, sizeof raw, fmt, ap);
    va_end(ap);
    base_escape_text(safe, sizeof safe, raw, 0);
    fprintf(stderr, "scout: %s\n", safe);
}

static int parse_u64(const char *s, uint64_t *v)
{
    return cmd_parse_u64(s, v) == CMD_NUM_OK ? 0 : -1;
}

static void print_version(void)
{
    char err[256], buf[1024];
    printf("scout %s\n", SCOUT_VERSION);
    if (session_probe_host(buf, sizeof buf, err, sizeof err) < 0) { printf("host KVM: %s\n", err); return; }
    fputs(buf, stdout);
}

/* --poke GPA=HEXBYTES */
static int parse_poke(const char *arg, struct session_poke *p)
{
    const char *eq = strchr(arg, '=');
    char addr[32];
    if (!eq || (size_t)(eq - arg) >= sizeof addr) return -1;
    memcpy(addr, arg, (size_t)(eq - arg));
    addr[eq - arg] = 0;
    if (parse_u64(addr, &p->gpa) < 0) return -1;
    p->len = 0;
    return cmd_parse_hex_bytes(eq + 1, p->bytes, SESSION_POKE_MAX, &p->len) == CMD_NUM_OK ? 0 : -1;
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

/* The command language: scout's commands, the plugin commands, the stats
 * hook.  Made before any plugin loads, so the name of a command a plugin
 * registers is checked against scout's at once ("run" is -1). */
struct front {
    struct cmd_ctx *ctx;
    struct commands *cm;
};

static int front_open(struct front *f, struct session *s, struct plugins *plugins)
{
    f->cm = NULL;
    if (!(f->ctx = cmd_ctx_new())) { eprint("out of memory"); return -1; }
    if (!(f->cm = commands_new(f->ctx, s))) { eprint("cannot register the commands"); return -1; }
    if (plugins_attach_commands(plugins, f->ctx) < 0) { eprint("cannot register the plugin commands"); return -1; }
    if (gdbstub_register_commands(f->ctx, s) < 0) { eprint("cannot register the gdbserver command"); return -1; }
    commands_set_stats_hook(f->cm, plugin_stats, plugins);
    return 0;
}

/* After plugins_free (which takes the plugin commands out). */
static void front_close(struct front *f)
{
    commands_free(f->cm);
    cmd_ctx_free(f->ctx);
}

/* `map ADDR` moves the TUI's map pane there (`map` alone: back to RIP). */
static void focus_hook(void *arg, int follow_rip, uint64_t linear) { tui_focus(arg, follow_rip, linear); }

static int run_commands(struct session *s, struct front *f, const struct cmd_item *items, int n,
                        int interactive)
{
    char err[512];
    struct cmd_ctx *ctx = f->ctx;
    struct tui *tui = tui_new(s, ctx, interactive ? NULL : stdout, err, sizeof err);
    if (!tui) { eprint("%s", err); return EXIT_SCOUT_ERROR; }
    commands_set_focus_hook(f->cm, focus_hook, tui);
    if (interactive) {
        int status = 0;
        int rc = tui_main(tui, err, sizeof err);
        if (rc < 0) eprint("%s", err);
        rc = rc < 0 ? EXIT_SCOUT_ERROR : cmd_quit_requested(ctx, &status) ? status : 0;
        tui_free(tui);
        return rc;
    }
    int failed = 0, status = 0;
    unsigned long exn = 0;
    for (int i = 0; i < n && !cmd_quit_requested(ctx, &status) && !cmd_script_aborted(ctx); i++) {
        tui_command_begins(tui);
        int r = items[i].is_file ? script_run_file(ctx, items[i].text)
                                 : script_run_line(ctx, "-ex", ++exn, items[i].text);
        fflush(stdout);
        guard_settled();
        if (r) {
            failed = 1;
            const char *oe = cmd_var_enum(ctx, "on-error");
            if (!oe || strcmp(oe, "continue") != 0) break;
        }
    }
    tui_free(tui);
    return cmd_quit_requested(ctx, &status) ? status : failed;
}

/* --list-commands (hidden; for the man page and shell completion): what
 * `help` says, with no guest and no KVM: only the command tables are read. */
static int list_commands(void)
{
    struct session none;
    struct front f;
    char err[256];
    const struct cmd_item help = { "help", 0 };
    if (session_open_detached(&none, err, sizeof err) < 0) { eprint("%s", err); return EXIT_SCOUT_ERROR; }
    struct plugins *pl = plugins_new(&none, "", err, sizeof err);
    if (!pl) { eprint("%s", err); session_close(&none); return EXIT_SCOUT_ERROR; }
    int rc = front_open(&f, &none, pl) < 0 ? EXIT_SCOUT_ERROR : run_commands(&none, &f, &help, 1, 0);
    plugins_free(pl);
    front_close(&f);
    session_close(&none);
    return rc;
}

/* What to do once the guest is loaded and the plugins are in. */
struct run_plan {
    const struct cmd_item *items;
    int nitems, batch, stats;
    double timeout;
    const char *gdb;            /* --gdb [HOST:]PORT, or NULL */
    const char *gdb_arch;       /* --gdb-arch */
    int gdb_wait;               /* -S */
};

/* ── the gdb stub's hooks (monitor CMD: gdbstub_monitor_ctx) ── */
static int gdb_must_end(void *arg)
{
    (void)arg;
    return guard_timed_out() ? EXIT_TIMEOUT : sigint_seen ? EXIT_SIGINT : 0;
}

static void gdb_settled(void *arg)
{
    (void)arg;
    guard_settled();
}

/* --gdb: the guest under a gdb stub until it ends or gdb kills it. */
static int run_gdb(struct session *s, struct front *f, const struct run_plan *rp)
{
    char err[512];
    if (session_prepare(s, err, sizeof err) < 0) { eprint("%s", err); return EXIT_SCOUT_ERROR; }
    struct gdbstub_hooks h = { f->ctx, gdbstub_monitor_ctx, gdb_must_end, gdb_settled };
    struct gdbstub *g = gdbstub_open(s, rp->gdb, rp->gdb_arch, &h, err, sizeof err);
    if (!g) { eprint("--gdb %s", err); return EXIT_SCOUT_ERROR; }
    eprint("gdb stub listening on %s%s", gdbstub_where(g), rp->gdb_wait ? "; the guest waits for it" : "");
    guard_phase("serving gdb");
    int rc = gdbstub_serve(g, rp->gdb_wait ? GDBSTUB_WAIT : 0);
    gdbstub_close(g);
    guard_settled();
    fflush(stdout);
    const struct vm_stop *st = session_last_stop(s);
    if (session_ended(s) && st->why != VM_STOP_EXIT_DEVICE)
        eprint("%s", st->message);
    return rc;
}

/* The commands or the TUI, or a plain run to the guest's end.  Returns
 * the exit status. */
static int run(struct session *s, struct front *f, const struct run_plan *rp, struct plugins *plugins)
{
    char err[512];
    set_session(s);
    if (rp->gdb) {
        int rc = run_gdb(s, f, rp);
        set_session(NULL);
        guard_phase("finishing");
        if (rp->stats)
            print_stats(s, plugins);
        return rc;
    }
    /* the TUI: a terminal on both ends, no -x/-ex, no --batch */
    int have_tui = isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
    if (rp->nitems || (!rp->batch && have_tui)) {
        /* scan the entry first, so commands see the guest as it will start */
        if (session_prepare(s, err, sizeof err) < 0) { eprint("%s", err); set_session(NULL); return EXIT_SCOUT_ERROR; }
        guard_phase(rp->nitems ? "running commands" : "in the TUI");
        int rc = run_commands(s, f, rp->items, rp->nitems, !rp->nitems);
        set_session(NULL);
        guard_phase("finishing");
        fflush(stdout);
        return rc;
    }

    struct vm_stop st;
    guard_phase("running the guest");
    session_run(s, &st);
    set_session(NULL);
    guard_settled();
    guard_phase("finishing");
    fflush(stdout);
    int rc = session_exit_status(&st);
    char state[2048];
    int dump = 1;
    switch (st.why) {
    case VM_STOP_EXIT_DEVICE: dump = 0; break;
    case VM_STOP_HLT: dump = 0; eprint("%s", st.message); break;
    case VM_STOP_TIMEOUT:
        eprint("guest timed out after %g s at rip=0x%llx; state:", rp->timeout, (unsigned long long)st.rip);
        break;
    case VM_STOP_INTERRUPTED: eprint("%s (SIGINT); state:", st.message); break;
    default: eprint("%s; state:", st.message); break;
    }
    if (dump) { session_format_state(s, state, sizeof state); fputs(state, stderr); }
    if (rp->stats)
        print_stats(s, plugins);
    return rc;
}

static int scout_main(int argc, char **argv)
{
    enum { O_RAW = 256, O_MEM, O_CPL, O_FORMAT, O_MODE, O_LOAD, O_ENTRY, O_CMDLINE, O_MODULE, O_TIMEOUT,
           O_STATS, O_VERSION, O_HELP, O_DEPTH, O_TRACE, O_TRACE_TIMES, O_POKE, O_MAX_MEMSLOTS,
           O_X, O_EX, O_BATCH, O_PLUGIN, O_LIST_COMMANDS, O_PLUGIN_TIMEOUT, O_SYMBOLS, O_TRACE_SYMBOLS, O_DEVICE,
           O_DISK, O_KEYS, O_NO_BIOS, O_GDB, O_GDB_DEFAULT, O_GDB_WAIT, O_GDB_ARCH, O_DEPRIVILEGE,
           O_LINKS, O_SMC };
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
        { "list-commands", no_argument, 0, O_LIST_COMMANDS }, { "device", required_argument, 0, O_DEVICE },
        { "plugin-timeout", required_argument, 0, O_PLUGIN_TIMEOUT },
        { "symbols", required_argument, 0, O_SYMBOLS }, { "trace-symbols", no_argument, 0, O_TRACE_SYMBOLS },
        { "disk", required_argument, 0, O_DISK }, { "keys", required_argument, 0, O_KEYS },
        { "no-bios", no_argument, 0, O_NO_BIOS }, { "deprivilege", no_argument, 0, O_DEPRIVILEGE },
        { "links", required_argument, 0, O_LINKS }, { "smc", required_argument, 0, O_SMC },
        /* QEMU's -s and -S: exact matches win over long-option prefixes */
        { "gdb", required_argument, 0, O_GDB }, { "s", no_argument, 0, O_GDB_DEFAULT },
        { "S", no_argument, 0, O_GDB_WAIT }, { "gdb-arch", required_argument, 0, O_GDB_ARCH },
        { 0, 0, 0, 0 },
    };
    if (argc >= 2 && strcmp(argv[1], "trace") == 0)
        return trace_main(argc - 1, argv + 1);

    struct session_opts so = {0};
    struct loader_opts *lo = &so.load;
    so.depth = ENF_DEFAULT_DEPTH;
    double timeout = 0, plugin_limit = GUARD_PLUGIN_LIMIT;
    int stats = 0, c;
    static struct session_poke pokes[16];
    const char *poke_args[16];
    int npokes = 0;
    struct cmd_item items[64];
    int nitems = 0, batch = 0;
    const char *plugin_specs[PLUGINS_MAX];     /* --plugin, loaded after session_open */
    int nplugins = 0;
    const char *gdb = NULL, *gdb_arch = NULL;
    int gdb_wait = 0;
    opterr = 0;
    /* _only: gdb-style single-dash long options (-ex, -x, -batch) */
    while ((c = getopt_long_only(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case O_RAW: so.raw = 1; break;
        case O_DEPRIVILEGE: so.deprivilege = 1; break;
        case O_MEM:
        {
            int st = cmd_parse_size(optarg, 1ull << 20, &so.vm.mem_size);
            if (st == CMD_NUM_OVERFLOW) { eprint("--mem %s: too large (guest RAM is at most a few GiB)", optarg); return EXIT_SCOUT_ERROR; }
            if (st != CMD_NUM_OK) { eprint("--mem %s: not a size (e.g. 64M, 1G; a bare number is MiB)", optarg); return EXIT_SCOUT_ERROR; }
            if (!so.vm.mem_size) { eprint("--mem %s: the guest needs RAM (leave --mem out for the default %lluM)", optarg, VM_DEFAULT_MEM >> 20); return EXIT_SCOUT_ERROR; }
            break;
        }
        case O_CPL:
            if (strcmp(optarg, "0") && strcmp(optarg, "3")) { eprint("--cpl %s: must be 0 or 3", optarg); return EXIT_SCOUT_ERROR; }
            lo->cpl = atoi(optarg);
            break;
        case O_FORMAT:
            if (!strcmp(optarg, "auto")) lo->format = LOADER_AUTO;
            else if (!strcmp(optarg, "elf")) lo->format = LOADER_ELF;
            else if (!strcmp(optarg, "multiboot")) lo->format = LOADER_MULTIBOOT;
            else if (!strcmp(optarg, "bootsector")) lo->format = LOADER_BOOTSECTOR;
            else if (!strcmp(optarg, "flat")) lo->format = LOADER_FLAT;
            else { eprint("--format %s: must be auto, elf, multiboot, bootsector or flat", optarg); return EXIT_SCOUT_ERROR; }
            break;
        case O_MODE:
            if (!strcmp(optarg, "real")) lo->mode = VM_MODE_REAL;
            else if (!strcmp(optarg, "prot32")) lo->mode = VM_MODE_PROT32;
            else if (!strcmp(optarg, "long64")) lo->mode = VM_MODE_LONG64;
            else { eprint("--mode %s: must be real, prot32 or long64", optarg); return EXIT_SCOUT_ERROR; }
            break;
        case O_LOAD:
            if (parse_u64(optarg, &lo->load_addr) < 0) { eprint("--load %s: not an address", optarg); return EXIT_SCOUT_ERROR; }
            lo->have_load = 1;
            break;
        case O_ENTRY:
            if (parse_u64(optarg, &lo->entry) < 0) { eprint("--entry %s: not an address", optarg); return EXIT_SCOUT_ERROR; }
            lo->have_entry = 1;
            break;
        case O_CMDLINE: lo->cmdline = optarg; break;
        case O_MODULE:
            if (lo->nmodules == 16) { eprint("--module: at most 16 modules"); return EXIT_SCOUT_ERROR; }
            lo->modules[lo->nmodules++] = optarg;
            break;
        case O_TIMEOUT:
            if (cmd_parse_seconds(optarg, 1e6, &timeout) != CMD_NUM_OK || !(timeout >= 0.001)) {
                eprint("--timeout %s: not a number of seconds from 0.001 to 1000000 (e.g. 10, 0.5)", optarg);
                return EXIT_SCOUT_ERROR;
            }
            break;
        case O_DEPTH: {
            uint64_t d;
            if (parse_u64(optarg, &d) < 0 || d > 1000000) { eprint("--depth %s: must be a number from 0 (lazy) to 1000000", optarg); return EXIT_SCOUT_ERROR; }
            so.depth = (unsigned)d;
            break;
        }
        case O_LINKS:
        case O_SMC: {
            /* a two-way switch: its first word is off (the default) */
            static const char *const words[][3] = { { "--links", "off", "on" }, { "--smc", "page", "insn" } };
            const char *const *w = words[c == O_SMC];
            if (strcmp(optarg, w[1]) && strcmp(optarg, w[2])) {
                eprint("%s %s: must be %s or %s", w[0], optarg, w[1], w[2]);
                return EXIT_SCOUT_ERROR;
            }
            *(c == O_SMC ? &so.smc_insn : &so.links) = strcmp(optarg, w[2]) == 0;
            break;
        }
        case O_TRACE: so.trace_path = optarg; break;
        case O_MAX_MEMSLOTS: {
            uint64_t n;
            if (parse_u64(optarg, &n) < 0 || n < 1 || n > 32764) { eprint("--max-memslots %s: must be 1..32764", optarg); return EXIT_SCOUT_ERROR; }
            so.vm.max_memslots = (unsigned)n;
            break;
        }
        case O_TRACE_TIMES: so.trace_flags |= SESSION_TRACE_TIMES; break;
        case O_TRACE_SYMBOLS: so.trace_flags |= SESSION_TRACE_SYMBOLS; break;
        case O_SYMBOLS: so.symbols_path = optarg; break;
        case O_POKE:
            if (npokes == 16) { eprint("--poke: at most 16"); return EXIT_SCOUT_ERROR; }
            poke_args[npokes] = optarg;
            if (parse_poke(optarg, &pokes[npokes]) < 0) {
                eprint("--poke %s: expected GPA=HEXBYTES, e.g. 0x401000=9090", optarg);
                return EXIT_SCOUT_ERROR;
            }
            npokes++;
            break;
        case O_PLUGIN:
            if (nplugins == PLUGINS_MAX) { eprint("--plugin: at most %d", PLUGINS_MAX); return EXIT_SCOUT_ERROR; }
            plugin_specs[nplugins++] = optarg;
            break;
        case O_PLUGIN_TIMEOUT: {
            uint64_t n;
            if (parse_u64(optarg, &n) < 0 || n > 86400) { eprint("--plugin-timeout %s: must be 0 (no limit) to 86400 seconds", optarg); return EXIT_SCOUT_ERROR; }
            plugin_limit = (double)n;
            break;
        }
        case O_STATS: stats = 1; break;
        case O_DEVICE:
            if (strcmp(optarg, "pc-testdev")) { fprintf(stderr, "scout: --device %s: unknown device (known: pc-testdev)\n", optarg); return EXIT_SCOUT_ERROR; }
            so.pc_testdev = 1;
            break;
        case O_X: case O_EX:
            if (nitems == 64) { eprint("-x/-ex: at most 64"); return EXIT_SCOUT_ERROR; }
            items[nitems].is_file = c == O_X;
            items[nitems++].text = optarg;
            break;
        case O_BATCH: batch = 1; break;
        case O_DISK: so.disk = optarg; break;
        case O_KEYS: so.keys = optarg; break;
        case O_NO_BIOS: so.no_bios = 1; break;
        case O_GDB: {
            char host[256], perr[256];
            unsigned port;
            if (gdbstub_parse_addr(optarg, host, sizeof host, &port, perr, sizeof perr) < 0) {
                eprint("--gdb %s: %s", optarg, perr);
                return EXIT_SCOUT_ERROR;
            }
            gdb = optarg;
            break;
        }
        case O_GDB_DEFAULT: gdb = "1234"; break;
        case O_GDB_WAIT: gdb_wait = 1; break;
        case O_GDB_ARCH:
            if (!gdbstub_arch_known(optarg)) { eprint("--gdb-arch %s: must be x86-64, i386 or i8086", optarg); return EXIT_SCOUT_ERROR; }
            gdb_arch = optarg;
            break;
        case O_VERSION: print_version(); return 0;
        case O_HELP: case 'h': usage(stdout); return 0;
        case O_LIST_COMMANDS: return list_commands();
        default:
            eprint("%s: unknown option or missing argument (see scout --help)", argv[optind - 1]);
            return EXIT_SCOUT_ERROR;
        }
    }
    if (optind < argc - 1) {
        eprint("more than one guest image given (see scout --help)");
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
        if (!so.symbols_path)
            so.symbols_image = demo_guest_symbols(&so.symbols_image_len);
    } else {
        lo->path = argv[optind];
    }
    if (lo->format == LOADER_FLAT && !lo->mode) { eprint("%s: flat binary: --mode real|prot32|long64 is required", lo->path); return EXIT_SCOUT_ERROR; }
    if (gdb_arch && !gdb) { eprint("--gdb-arch is for the gdb stub: give --gdb [HOST:]PORT or -s too"); return EXIT_SCOUT_ERROR; }
    if (gdb_wait && !gdb) { eprint("-S waits for gdb: give --gdb [HOST:]PORT or -s too"); return EXIT_SCOUT_ERROR; }
    if (gdb && nitems) { eprint("--gdb cannot be combined with -x/-ex (gdb's monitor command runs scout's commands)"); return EXIT_SCOUT_ERROR; }
    if (so.raw && so.deprivilege) { eprint("--deprivilege needs scanning (not --raw)"); return EXIT_SCOUT_ERROR; }
    if (so.raw && npokes) { eprint("--poke needs scanning (not --raw)"); return EXIT_SCOUT_ERROR; }
    so.pokes = pokes;
    so.npokes = (size_t)npokes;

    /* Before anything can block: --timeout, Ctrl-C, plugin time. */
    char err[512];
    struct guard_config gc = { timeout, plugin_limit, on_guard };
    if (guard_start(&gc, err, sizeof err) < 0) { eprint("%s", err); return EXIT_SCOUT_ERROR; }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);

    guard_phase("loading the guest");
    struct session s;
    if (session_open(&s, &so, err, sizeof err) < 0) { eprint("%s", err); return EXIT_SCOUT_ERROR; }
    struct dev_console con = { stdout, NULL, NULL };
    session_set_console(&s, &con);
    /* the pokes are made when the guest starts: their addresses are checked now */
    for (int i = 0; i < npokes; i++)
        if (pokes[i].gpa > session_mem_size(&s) || pokes[i].len > session_mem_size(&s) - pokes[i].gpa) {
            eprint("--poke %s: 0x%llx+%zu is outside guest memory (0x%llx bytes)", poke_args[i],
                   (unsigned long long)pokes[i].gpa, pokes[i].len, (unsigned long long)session_mem_size(&s));
            session_close(&s);
            return EXIT_SCOUT_ERROR;
        }

    /* ── plugins: a plugin that fails to load is reported and left out ── */
    guard_phase("loading plugins");
    struct front f = { NULL, NULL };
    struct plugins *plugins = plugins_new(&s, lo->path, err, sizeof err);
    if (!plugins) { eprint("%s", err); session_close(&s); return EXIT_SCOUT_ERROR; }
    int rc = front_open(&f, &s, plugins) < 0 ? EXIT_SCOUT_ERROR : 0;
    for (int i = 0; !rc && i < nplugins; i++)
        if (plugins_load(plugins, plugin_specs[i], err, sizeof err) < 0)
            eprint("%s", err);
    if (!rc)
        rc = run(&s, &f, &(struct run_plan){ items, nitems, batch, stats, timeout, gdb, gdb_arch, gdb_wait }, plugins);
    plugins_free(plugins);      /* exit callbacks (files written) before the session goes */
    front_close(&f);
    if (session_trace_stop(&s, err, sizeof err) < 0) {
        eprint("trace: %s", err);
        rc = EXIT_SCOUT_ERROR;  /* a lost trace wins over the guest's status */
    }
    session_close(&s);
    return rc;
}

int main(int argc, char **argv)
{
    int rc = scout_main(argc, argv);
    guard_stop();
    return rc;
}
