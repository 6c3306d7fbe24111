/* scout/plugin.h — the one header a scout plugin includes.
 *
 * A plugin is a shared object loaded with `scout --plugin PATH[,ARG=VAL...]`
 * or the command `plugin load PATH[,ARG=VAL...]`.  It exports two symbols:
 *
 *     SCOUT_PLUGIN_EXPORT int scout_plugin_api_version = SCOUT_PLUGIN_API_VERSION;
 *     SCOUT_PLUGIN_EXPORT int scout_plugin_install(scout_plugin_id id,
 *             const scout_plugin_info *info, int argc, const char **argv);
 *
 * The loader refuses a plugin whose scout_plugin_api_version differs from
 * the scout's (one clear line says both numbers).  install runs once, with
 * argv[0..argc-1] the "ARG=VAL" strings after the path; it registers
 * callbacks, commands and counters and returns 0, or -1 (after
 * scout_plugin_set_error) to refuse loading.
 *
 * Everything the plugin sees is in this header: ids and counters are opaque,
 * events arrive as the plain structs below (valid for the call only; copy
 * what you keep).  Addresses named gpa are guest-physical; rip and linear
 * addresses are the guest's linear addresses.
 *
 * Callbacks return 0 (or a result code named below).  A callback that
 * returns SCOUT_PLUGIN_ERROR gets its plugin reported ("scout: plugin NAME:
 * CALLBACK callback failed: MESSAGE; unloaded") and unloaded once the
 * callback has returned: its callbacks, commands and counters go away, its
 * exit callback runs, the guest run goes on.
 *
 * Single-threaded: callbacks run on scout's thread, inside the run loop,
 * the prescan engine or the command interpreter; a scout_plugin_* call
 * from any other thread fails (-1, NULL, or nothing printed).
 *
 * Time: every callback (install and exit included) runs under scout's
 * watchdog.  One that has not returned after --plugin-timeout seconds
 * (`set plugin-timeout N`; default 10, 0 = no limit), or that was running
 * when the user pressed Ctrl-C and is still running 1 s later, ends scout
 * at once: one line names the plugin and the callback, exit status 2
 * (130 for Ctrl-C), and nothing more of any plugin runs.
 *
 * Everything a plugin hands in is checked: ids, registers, guest ranges
 * (all or nothing), command and counter names (see below); its text
 * (output, error messages, help) is printed with control characters other
 * than newline and tab -- ESC, DEL, C1 such as U+009B -- written as \xNN.
 * A plugin is identified by its file: loading the same file again, under
 * another name or through a symlink, is refused. */
#ifndef SCOUT_PLUGIN_H
#define SCOUT_PLUGIN_H
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SCOUT_PLUGIN_API_VERSION 1
#define SCOUT_PLUGIN_EXPORT __attribute__((visibility("default")))

typedef uint64_t scout_plugin_id;
typedef struct scout_plugin_counter scout_plugin_counter;   /* opaque */

enum { SCOUT_PLUGIN_OK = 0, SCOUT_PLUGIN_ERROR = -1 };

typedef struct scout_plugin_info {
    int api_version;            /* the scout's SCOUT_PLUGIN_API_VERSION */
    const char *name;           /* this plugin's name: file name without ".so" */
    const char *guest_path;     /* the guest image as given on the command line */
    const char *guest_name;     /* its file name without directories */
    uint64_t image_base;        /* lowest guest-physical byte the image loaded */
    uint64_t image_end;         /* highest + 1 (bss included) */
    uint64_t entry;             /* entry point */
    int mode;                   /* initial CPU mode: 16, 32 or 64 */
    int raw;                    /* 1: plain KVM, nothing is scanned (no classify/vexit) */
} scout_plugin_info;

/* The plugin's entry points (declared here so the compiler checks them). */
SCOUT_PLUGIN_EXPORT extern int scout_plugin_api_version;
SCOUT_PLUGIN_EXPORT int scout_plugin_install(scout_plugin_id id, const scout_plugin_info *info,
                                             int argc, const char **argv);

/* ── events ─────────────────────────────────────────────────────────── */

enum scout_insn_flags {
    SCOUT_INSN_BRANCH    = 1u << 0,  /* control transfer: jmp, jcc, call, ret, int, syscall, ... */
    SCOUT_INSN_TERMINAL  = 1u << 1,  /* no fall-through executes: unconditional jmp, ret, hlt, ud */
    SCOUT_INSN_INVALID   = 1u << 2,  /* undecodable bytes (or crossing the page end) */
};

/* One instruction the prescan engine classified (once per scan of it). */
typedef struct scout_insn {
    uint64_t gpa;
    int mode;                   /* 16, 32, 64 */
    unsigned length;
    const uint8_t *bytes;       /* length bytes, as the guest wrote them */
    const char *mnemonic;       /* "cpuid", "invalid" */
    unsigned flags;             /* enum scout_insn_flags */
    int virtualize;             /* the engine's decision */
    const char *reason;         /* why virtualize: "sensitive", "computed", ...; "none" */
} scout_insn;

enum scout_classify_result {
    SCOUT_CLASSIFY_KEEP = 0,        /* the engine's decision stands */
    SCOUT_CLASSIFY_NATIVE = 1,      /* force native: only if the instruction is safe native! */
    SCOUT_CLASSIFY_VIRTUALIZE = 2,  /* force virtualize (reason "policy") */
};
/* Several plugins: each is called in load order and sees the engine's own
 * decision; the FIRST plugin that returns NATIVE or VIRTUALIZE decides.
 * Do not write guest memory here (refused: a scan is in progress). */
typedef int (*scout_classify_cb)(scout_plugin_id id, void *userdata, const scout_insn *insn);

/* A virtualize exit: the guest reached a trap at a virtualize instruction. */
typedef struct scout_vexit {
    uint64_t rip;               /* linear address of the instruction */
    uint64_t gpa;
    int mode;
    unsigned length;            /* instruction length (0 if unknown) */
    const uint8_t *bytes;       /* nbytes bytes at rip (up to 15) */
    unsigned nbytes;
    const char *mnemonic;       /* "cpuid", "ret", "(bad)" */
    const char *reason;         /* "sensitive", "out-of-page", "computed", ... */
    int handled;                /* an earlier plugin returned HANDLED: observe only */
} scout_vexit;

enum scout_vexit_result {
    SCOUT_VEXIT_PASS = 0,       /* scout handles it (resolve/emulate/step) */
    SCOUT_VEXIT_HANDLED = 1,    /* the plugin did it: registers (RIP!) already set
                                   through scout_plugin_reg_write; scout goes on
                                   from the new RIP.  Later plugins are not called. */
};
typedef int (*scout_vexit_cb)(scout_plugin_id id, void *userdata, const scout_vexit *v);

/* A guest (or injected) write into a page that holds scanned code. */
typedef struct scout_write {
    uint64_t gpa;
    unsigned len;
    int hit;                    /* 1: touched a scanned instruction (the page is
                                   invalidated, see scout_invalidate); 0: data write */
    int injected;               /* made by scout or a plugin, not the guest */
} scout_write;
typedef int (*scout_write_cb)(scout_plugin_id id, void *userdata, const scout_write *w);

/* One page invalidation (a write hit scanned code): the flush event.  Every
 * attribute of the page is dropped; code there is scanned again when run. */
typedef struct scout_invalidate {
    uint64_t page;              /* gpa of the page */
    uint64_t write_gpa;
    unsigned write_len;
    uint64_t hit_gpa;           /* the first instruction the write touched */
    size_t dropped;             /* scanned attribute bytes dropped */
    int injected;
} scout_invalidate;
typedef int (*scout_invalidate_cb)(scout_plugin_id id, void *userdata, const scout_invalidate *inv);

/* Guest I/O on a scout device (debug console, UART, exit device). */
typedef struct scout_io {
    uint16_t port;
    int out;                    /* 1 write, 0 read */
    unsigned size;              /* 1, 2, 4 */
    uint32_t value;             /* the value written (0 for reads) */
} scout_io;
typedef int (*scout_io_cb)(scout_plugin_id id, void *userdata, const scout_io *io);

typedef struct scout_run {
    int start;                  /* 1 run start, 0 run stop */
    const char *mode;           /* start: "real", "prot32", "long64" */
    const char *scan;           /* start: "lazy", "recursive", "raw" */
    const char *why;            /* stop: "exit-device", "hlt", "exception", "timeout", ... */
    int status;                 /* stop: scout's exit status for it */
    int final;                  /* stop: the guest has ended (no run can follow) */
} scout_run;
typedef int (*scout_run_cb)(scout_plugin_id id, void *userdata, const scout_run *r);

/* Called once when the plugin is unloaded or scout exits: write files, free. */
typedef void (*scout_exit_cb)(scout_plugin_id id, void *userdata);

/* Registration: one callback of each kind per plugin (a second call
 * replaces the first; fn NULL removes it).  0, or -1 (bad id). */
int scout_plugin_register_classify_cb(scout_plugin_id id, scout_classify_cb fn, void *userdata);
int scout_plugin_register_vexit_cb(scout_plugin_id id, scout_vexit_cb fn, void *userdata);
int scout_plugin_register_write_cb(scout_plugin_id id, scout_write_cb fn, void *userdata);
int scout_plugin_register_invalidate_cb(scout_plugin_id id, scout_invalidate_cb fn, void *userdata);
int scout_plugin_register_io_cb(scout_plugin_id id, scout_io_cb fn, void *userdata);
int scout_plugin_register_run_cb(scout_plugin_id id, scout_run_cb fn, void *userdata);
int scout_plugin_register_exit_cb(scout_plugin_id id, scout_exit_cb fn, void *userdata);

/* ── guest state ────────────────────────────────────────────────────── */

enum scout_reg {
    SCOUT_REG_RAX, SCOUT_REG_RCX, SCOUT_REG_RDX, SCOUT_REG_RBX,
    SCOUT_REG_RSP, SCOUT_REG_RBP, SCOUT_REG_RSI, SCOUT_REG_RDI,
    SCOUT_REG_R8,  SCOUT_REG_R9,  SCOUT_REG_R10, SCOUT_REG_R11,
    SCOUT_REG_R12, SCOUT_REG_R13, SCOUT_REG_R14, SCOUT_REG_R15,
    SCOUT_REG_RIP, SCOUT_REG_RFLAGS,
    SCOUT_REG_COUNT
};
enum scout_seg { SCOUT_SEG_ES, SCOUT_SEG_CS, SCOUT_SEG_SS, SCOUT_SEG_DS, SCOUT_SEG_FS, SCOUT_SEG_GS };

/* 0, or -1 (bad id/register, no vCPU). */
int scout_plugin_reg_read(scout_plugin_id id, enum scout_reg reg, uint64_t *value);
int scout_plugin_reg_write(scout_plugin_id id, enum scout_reg reg, uint64_t value);
int scout_plugin_seg_base(scout_plugin_id id, enum scout_seg seg, uint64_t *base);
int scout_plugin_cpu_mode(scout_plugin_id id);           /* 16, 32, 64; -1 */

/* Guest memory through scout's checked accessors: 0, or -1 (outside RAM,
 * not mapped).  All or nothing: the whole range is checked (every page
 * mapped, every byte in RAM) before a byte is read into buf or written;
 * on -1 buf is untouched.  Reads see the guest's own bytes (trap bytes
 * undone for linear reads of code).  Writes go through the same write
 * check as guest stores: writing scanned code invalidates its page; a
 * vexit callback that writes over the instruction it was called for (and
 * returns PASS) makes scout scan the new bytes and run them from RIP. */
int scout_plugin_read_phys(scout_plugin_id id, uint64_t gpa, void *buf, size_t len);
int scout_plugin_read_linear(scout_plugin_id id, uint64_t linear, void *buf, size_t len);
int scout_plugin_write_phys(scout_plugin_id id, uint64_t gpa, const void *buf, size_t len);
int scout_plugin_write_linear(scout_plugin_id id, uint64_t linear, const void *buf, size_t len);

/* ── commands, counters, output ─────────────────────────────────────── */

/* argv[0] is the command's name; return 0, or -1 after scout_plugin_set_error
 * (the message is printed as the command's error; the plugin stays). */
typedef int (*scout_command_fn)(scout_plugin_id id, int argc, const char **argv);
/* Adds a command (one to three words of [A-Za-z0-9_-] separated by one
 * space, at most 63 bytes: "insn-stats", "drcov flush") to the command
 * language.  0, or -1: bad id, bad name ("x/y", blanks, control
 * characters), a name scout or another plugin has ("run", an alias such
 * as "c"), more than 16.  help is one line (escaped when shown). */
int scout_plugin_register_command(scout_plugin_id id, const char *name, const char *help,
                                  scout_command_fn fn);

/* A named counter shown by `stats`, `info plugins` and `--stats` as
 * "plugin NAME: COUNTER=VALUE".  name: 1 to 47 bytes of [A-Za-z0-9_.-].
 * NULL on a bad id, a bad name or too many. */
scout_plugin_counter *scout_plugin_counter_new(scout_plugin_id id, const char *name);
void scout_plugin_counter_add(scout_plugin_id id, scout_plugin_counter *c, uint64_t n);
uint64_t scout_plugin_counter_get(scout_plugin_id id, const scout_plugin_counter *c);

/* Output: inside a plugin command it goes where the command's output goes;
 * elsewhere to stderr (stdout belongs to the guest console). */
void scout_plugin_outs(scout_plugin_id id, const char *text);
void scout_plugin_printf(scout_plugin_id id, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The message printed when the next SCOUT_PLUGIN_ERROR is returned. */
void scout_plugin_set_error(scout_plugin_id id, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#ifdef __cplusplus
}
#endif
#endif
