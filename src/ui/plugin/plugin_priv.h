/* plugin_priv.h — private to src/ui/plugin/: the plugin host and its
 * plugins.  The folder is split as QEMU's plugins/:
 *   core.c      the host, and dispatch: scout events, classifier and vexit
 *               hooks to each plugin's callback table (indexed by event)
 *   loader.c    loading and unloading one plugin (dlopen, checks, install)
 *   api.c       the functions plugins call (include/scout/plugin.h)
 *   commands.c  `plugin load`, `plugin unload`, `info plugins`, counters
 * Calls go one way: commands.c -> loader.c, core.c -> loader.c and
 * commands.c, api.c -> core.c; plugins reach api.c through their own
 * calls, and core.c reaches plugins only through the callback table.
 * Every call into a plugin (install, exit, each callback, its commands)
 * runs between guard_enter and guard_leave (src/ui/guard: the watchdog). */
#ifndef SCOUT_UI_PLUGIN_PRIV_H
#define SCOUT_UI_PLUGIN_PRIV_H
#include <stdint.h>
#include <pthread.h>
#include <sys/types.h>

#include "scout/plugin.h"
#include "ui/cli/command.h"
#include "ui/plugin/plugin.h"
#include "ui/session/session.h"

#define PLUGIN_MAX_ARGS 32
#define PLUGIN_MAX_COMMANDS 16
#define PLUGIN_MAX_COUNTERS 32

/* What a plugin can register a callback for: its callback table's index. */
enum plugin_event {
    PLUGIN_EV_CLASSIFY, PLUGIN_EV_VEXIT, PLUGIN_EV_WRITE, PLUGIN_EV_INVALIDATE,
    PLUGIN_EV_IO, PLUGIN_EV_RUN, PLUGIN_EV_EXIT, PLUGIN_EV_COUNT
};
struct plugin_cb {
    union {
        scout_classify_cb classify;
        scout_vexit_cb vexit;
        scout_write_cb write;
        scout_invalidate_cb invalidate;
        scout_io_cb io;
        scout_run_cb run;
        scout_exit_cb exit;
    } fn;                           /* the member named by the index; NULL: none */
    void *ud;
};

struct scout_plugin_counter {
    char name[48];
    uint64_t value;
};

struct plugin_cmd {
    struct cmd_def def;             /* its address identifies it to cmd_unregister */
    char *name, *help;
    scout_command_fn fn;
    scout_plugin_id id;
    int registered;
};

struct plugin {
    scout_plugin_id id;
    char name[64];
    dev_t dev;                      /* the file it was loaded from: a plugin is that file, */
    ino_t ino;                      /* whatever name or symlink it is given by */
    char *spec;                     /* as given, for `info plugins` */
    void *dl;
    int dead;                       /* a callback failed: skipped, unloaded at the next safe point */
    int installing;                 /* inside scout_plugin_install */
    char error[256];
    char *args[PLUGIN_MAX_ARGS];
    int nargs;
    struct plugin_cb cb[PLUGIN_EV_COUNT];
    struct plugin_cmd *cmds[PLUGIN_MAX_COMMANDS];
    int ncmds;
    struct scout_plugin_counter *ctrs[PLUGIN_MAX_COUNTERS];
    int nctrs;
};

struct plugins {
    struct session *s;
    pthread_t thread;               /* the one the API may be called from */
    char guest_path[4096];
    struct plugin *pl[PLUGINS_MAX];
    size_t n;
    scout_plugin_id next_id;
    int depth;                      /* inside a dispatch or plugin command: no unloading */
    int in_classify;                /* a scan is in progress: no guest writes */
    struct cmd_ctx *ctx;            /* attached command context, or NULL */
    struct cmd_ctx *out_ctx;        /* plugin output goes here while set */
    void (*report)(void *arg, const char *line);
    void *report_arg;
};

/* core.c */
struct plugins *plugin_host(void);                  /* the one host, or NULL */
/* In the host, or NULL (also when called from another thread than the
 * host's: plugins are single-threaded, see scout/plugin.h). */
struct plugin *plugin_find(scout_plugin_id id);

/* Unloads the plugins whose callbacks failed, when nothing of theirs runs. */
void plugin_reap(struct plugins *h);

/* loader.c */
/* Reports a line through the host's report function (stderr by default);
 * control characters in it are escaped. */
void plugin_report(struct plugins *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Removes p from the host and frees it (its exit callback first). */
void plugin_unload_now(struct plugins *h, struct plugin *p);
/* Takes p's commands out of the attached command context. */
void plugin_unregister_commands(struct plugins *h, struct plugin *p);
#endif
