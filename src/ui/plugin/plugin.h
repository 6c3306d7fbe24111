/* plugin.h — the plugin host: loads shared objects built against
 * include/scout/plugin.h into a session and feeds them (the files of
 * src/ui/plugin/ are listed in plugin_priv.h).
 *
 * Wiring (all done by plugins_new):
 *   - one event subscriber (session_subscribe) translates run-start/stop,
 *     io, data-write (write miss), invalidate (write hit + page
 *     invalidation) into the public structs and calls each plugin's
 *     callbacks;
 *   - the prescan classifier hook (session_set_classifier) calls every
 *     plugin's classify callback in load order; the first override wins;
 *   - the enforcement vexit hook (session_set_vexit_hook) calls every
 *     plugin's vexit callback in load order before the default handling;
 *     the first HANDLED wins (later plugins still see the exit, marked
 *     handled).
 * A plugin whose callback fails is reported at once (one line through the
 * report function, stderr by default) and skipped from then on; it is
 * unloaded (exit callback, commands, counters, dlclose) at the next safe
 * point: after the vexit hook, at run start/stop and I/O events, after a
 * command, and at plugins_free.  One plugins host per process (the public
 * API finds it from a plugin id, on the thread that made the host).
 * A plugin is its file ((st_dev, st_ino), and its dlopen handle): the same
 * file by another name or a symlink is refused.  Callbacks are timed by
 * the guard (src/ui/guard); `set plugin-timeout` is registered with the
 * plugin commands. */
#ifndef SCOUT_UI_PLUGIN_H
#define SCOUT_UI_PLUGIN_H
#include <stddef.h>
#include <stdio.h>

struct session;
struct cmd_ctx;
struct plugins;

#define PLUGINS_MAX 16

/* guest_path: the image path for plugins (drcov's module path).  NULL with
 * err if a host exists already or the event table is full.  Create it after
 * session_open and before the first run (the classifier must be in place
 * before the first scan). */
struct plugins *plugins_new(struct session *s, const char *guest_path, char *err, size_t errlen);
/* Unloads every plugin (exit callbacks run: files get written) and unhooks. */
void plugins_free(struct plugins *p);

/* Where asynchronous failures (a callback returned an error) are reported;
 * line has no "scout: " prefix and no newline.  NULL: stderr as
 * "scout: LINE". */
void plugins_set_report(struct plugins *p, void (*fn)(void *arg, const char *line), void *arg);

/* "PATH[,ARG=VAL...]".  0, or -1 with err "plugin NAME: what: why" (the
 * plugin is not loaded; nothing of it stays). */
int plugins_load(struct plugins *p, const char *spec, char *err, size_t errlen);
/* 0, or -1 with err (no such plugin). */
int plugins_unload(struct plugins *p, const char *name, char *err, size_t errlen);
size_t plugins_count(const struct plugins *p);

/* Registers `plugin load`, `plugin unload`, `info plugins` and every plugin
 * command into ctx (and later plugin commands as they come).  Detach before
 * freeing ctx.  0, or -1 (error printed through ctx). */
int plugins_attach_commands(struct plugins *p, struct cmd_ctx *ctx);
void plugins_detach_commands(struct plugins *p);

/* Plugin counters, one line per plugin that has any:
 *     "plugin NAME: COUNTER=VALUE COUNTER=VALUE"
 * in load order, counters in creation order.  For `stats` and `--stats`. */
void plugins_format_counters(const struct plugins *p, void (*line)(void *arg, const char *line), void *arg);
/* Same lines to f, each prefixed with "scout: " (the --stats style). */
void plugins_print_counters(const struct plugins *p, FILE *f);
#endif
