/* loader.c — loading one plugin (PATH[,ARG=VAL...]: checks, dlopen, the
 * API version, install) and unloading it again.  See plugin_priv.h. */
#include "ui/plugin/plugin_priv.h"

#include "base/base.h"
#include "base/file.h"
#include "base/text.h"
#include "ui/guard/guard.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static struct plugin *find_name(struct plugins *h, const char *name)
{
    for (size_t i = 0; i < h->n; i++)
        if (strcmp(h->pl[i]->name, name) == 0)
            return h->pl[i];
    return NULL;
}

/* A plugin is its file: the same .so under another name or through a
 * symlink is the same plugin (dlopen would hand back the same handle, and
 * both would share its state). */
static struct plugin *find_file(struct plugins *h, dev_t dev, ino_t ino)
{
    for (size_t i = 0; i < h->n; i++)
        if (h->pl[i]->dev == dev && h->pl[i]->ino == ino)
            return h->pl[i];
    return NULL;
}

/* One line about a plugin, escaped (see plugin_priv.h). */
void plugin_report(struct plugins *h, const char *fmt, ...)
{
    char line[512], safe[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    base_escape_text(safe, sizeof(safe), line, 0);
    if (h->report)
        h->report(h->report_arg, safe);
    else
        fprintf(stderr, "scout: %s\n", safe);
}

void plugin_unregister_commands(struct plugins *h, struct plugin *p)
{
    for (int i = 0; i < p->ncmds; i++)
        if (p->cmds[i]->registered && h->ctx) {
            cmd_unregister(h->ctx, &p->cmds[i]->def, 1);
            p->cmds[i]->registered = 0;
        }
}

void plugin_unload_now(struct plugins *h, struct plugin *p)
{
    if (p->cb[PLUGIN_EV_EXIT].fn.exit) {
        scout_exit_cb fn = p->cb[PLUGIN_EV_EXIT].fn.exit;
        p->cb[PLUGIN_EV_EXIT].fn.exit = NULL;
        h->depth++;
        guard_enter(p->name, "exit");
        fn(p->id, p->cb[PLUGIN_EV_EXIT].ud);
        guard_leave();
        h->depth--;
    }
    plugin_unregister_commands(h, p);
    for (size_t i = 0; i < h->n; i++)
        if (h->pl[i] == p) {
            memmove(&h->pl[i], &h->pl[i + 1], (h->n - i - 1) * sizeof(h->pl[0]));
            h->n--;
            break;
        }
    for (int i = 0; i < p->ncmds; i++) {
        free(p->cmds[i]->name);
        free(p->cmds[i]->help);
        free(p->cmds[i]);
    }
    for (int i = 0; i < p->nctrs; i++)
        free(p->ctrs[i]);
    for (int i = 0; i < p->nargs; i++)
        free(p->args[i]);
    free(p->spec);
    if (p->dl)
        dlclose(p->dl);
    free(p);
}

/* Opens path without blocking (a regular file: no FIFO, device or
 * directory) and checks for the ELF magic.  0 with its identity, or -1
 * with why. */
static int check_file(const char *path, dev_t *dev, ino_t *ino, char *why, size_t whylen)
{
    struct base_file f;
    unsigned char m[4];
    if (base_file_open_read(path, 0, &f, why, whylen) < 0)
        return -1;
    ssize_t n = read(f.fd, m, 4);
    int e = errno;
    *dev = f.dev;
    *ino = f.ino;
    base_file_close(&f);
    if (n < 0)
        return base_err(why, whylen, "%s", strerror(e));
    if (n != 4 || m[0] != 0x7f || m[1] != 'E' || m[2] != 'L' || m[3] != 'F')
        return base_err(why, whylen, "not a shared object (no ELF header)");
    return 0;
}

/* A bare NAME (no '/', no such regular file here) is NAME.so in the plugin folders
 * next to the running binary: <prefix>/lib/scout/plugins/ when it runs as
 * <prefix>/bin/scout (installed), <dir>/plugins/ when it runs as
 * <dir>/scout (the build tree).  0 with path set, or -1 with where saying
 * where it looked. */
static int find_by_name(const char *name, char *path, size_t size, char *where, size_t wlen)
{
    char dir[4096];
    ssize_t n = readlink("/proc/self/exe", dir, sizeof(dir) - 1);
    char *slash = n > 0 ? memrchr(dir, '/', (size_t)n) : NULL;
    if (!slash) {
        snprintf(where, wlen, "the plugin folders (cannot read /proc/self/exe)");
        return -1;
    }
    *slash = 0;                                     /* the binary's folder */
    const char *up = strrchr(dir, '/');             /* its parent: the prefix */
    char places[2][4200];
    snprintf(places[0], sizeof(places[0]), "%.*s/lib/scout/plugins", (int)(up - dir), dir);
    snprintf(places[1], sizeof(places[1]), "%s/plugins", dir);
    for (int i = 0; i < 2; i++) {
        if ((size_t)snprintf(path, size, "%s/%s.so", places[i], name) < size && access(path, F_OK) == 0)
            return 0;
    }
    snprintf(where, wlen, "%s or %s", places[0], places[1]);
    return -1;
}

int plugins_load(struct plugins *h, const char *spec, char *err, size_t errlen)
{
    char path[4096];
    const char *comma = strchr(spec, ',');
    size_t plen = comma ? (size_t)(comma - spec) : strlen(spec);
    if (plen == 0 || plen >= sizeof(path)) {
        snprintf(err, errlen, "plugin \"%.100s\": expected PATH[,ARG=VAL...]", spec);
        return -1;
    }
    memcpy(path, spec, plen);
    path[plen] = 0;
    /* name: file name without ".so" */
    char name[64];
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t nl = strlen(base);
    if (nl >= sizeof(name)) {
        snprintf(err, errlen, "plugin \"%.100s\": file name too long", base);
        return -1;
    }
    memcpy(name, base, nl + 1);
    if (nl > 3 && strcmp(name + nl - 3, ".so") == 0)
        name[nl - 3] = 0;
    if (!name[0]) {
        snprintf(err, errlen, "plugin \"%s\": no file name", path);
        return -1;
    }
    if (!base_is_text(name, strlen(name), 0) || strpbrk(name, " \t")) {
        char shown[200];
        base_escape_text(shown, sizeof(shown), name, 0);
        snprintf(err, errlen, "plugin \"%s\": the name (file name without .so) must be printable, without blanks",
                 shown);
        return -1;
    }
    if (h->n == PLUGINS_MAX) {
        snprintf(err, errlen, "plugin %s: too many plugins (at most %d)", name, PLUGINS_MAX);
        return -1;
    }
    char where[8500], why[256];
    struct stat st;
    if (!strchr(path, '/') && (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) &&
        find_by_name(name, path, sizeof(path), where, sizeof(where)) < 0) {
        snprintf(err, errlen, "plugin %s: no file %.*s here, and no %s.so in %s", name, (int)plen, spec, name, where);
        return -1;
    }
    dev_t dev;
    ino_t ino;
    if (check_file(path, &dev, &ino, why, sizeof(why)) < 0) {
        snprintf(err, errlen, "plugin %s: cannot load %s: %s", name, path, why);
        return -1;
    }
    const struct plugin *same = find_file(h, dev, ino);
    if (same) {
        snprintf(err, errlen, "plugin %s: already loaded as %s (the same file %s)", name, same->name, path);
        return -1;
    }
    if (find_name(h, name)) {
        snprintf(err, errlen, "plugin %s: already loaded (another file of that name)", name);
        return -1;
    }

    struct plugin *p = calloc(1, sizeof(*p));
    if (!p || !(p->spec = strdup(spec))) {
        free(p);
        snprintf(err, errlen, "plugin %s: out of memory", name);
        return -1;
    }
    snprintf(p->name, sizeof(p->name), "%s", name);
    p->dev = dev;
    p->ino = ino;
    /* arguments */
    const char *a = comma;
    while (a && *a == ',') {
        const char *s = a + 1, *e = strchr(s, ',');
        size_t l = e ? (size_t)(e - s) : strlen(s);
        a = e;
        if (l == 0)
            continue;
        if (p->nargs == PLUGIN_MAX_ARGS || !(p->args[p->nargs] = strndup(s, l))) {
            snprintf(err, errlen, "plugin %s: too many arguments (at most %d)", name, PLUGIN_MAX_ARGS);
            plugin_unload_now(h, p);
            return -1;
        }
        p->nargs++;
    }
    /* RTLD_LOCAL: plugins do not see each other's symbols. */
    p->dl = dlopen(path[0] == '/' || strchr(path, '/') ? path : base, RTLD_NOW | RTLD_LOCAL);
    if (!p->dl && !strchr(path, '/')) {
        char rel[4200];
        snprintf(rel, sizeof(rel), "./%s", path);
        p->dl = dlopen(rel, RTLD_NOW | RTLD_LOCAL);
    }
    if (!p->dl) {
        const char *de = dlerror();
        snprintf(err, errlen, "plugin %s: cannot load %s: %s", name, path, de ? de : "dlopen failed");
        plugin_unload_now(h, p);
        return -1;
    }
    for (size_t i = 0; i < h->n; i++)
        if (h->pl[i]->dl == p->dl) {        /* the file changed under us: still the same object */
            snprintf(err, errlen, "plugin %s: already loaded as %s (the same shared object)", name, h->pl[i]->name);
            plugin_unload_now(h, p);
            return -1;
        }
    const int *ver = dlsym(p->dl, "scout_plugin_api_version");
    if (!ver) {
        snprintf(err, errlen, "plugin %s: not a scout plugin: missing symbol scout_plugin_api_version", name);
        plugin_unload_now(h, p);
        return -1;
    }
    if (*ver != SCOUT_PLUGIN_API_VERSION) {
        snprintf(err, errlen, "plugin %s: built for plugin API version %d, this scout provides version %d",
                 name, *ver, SCOUT_PLUGIN_API_VERSION);
        plugin_unload_now(h, p);
        return -1;
    }
    union { void *obj; int (*fn)(scout_plugin_id, const scout_plugin_info *, int, const char **); } install;
    install.obj = dlsym(p->dl, "scout_plugin_install");
    if (!install.obj) {
        snprintf(err, errlen, "plugin %s: not a scout plugin: missing symbol scout_plugin_install", name);
        plugin_unload_now(h, p);
        return -1;
    }

    struct session_image im;
    session_image(h->s, &im);
    scout_plugin_info info = { 0 };
    info.api_version = SCOUT_PLUGIN_API_VERSION;
    info.name = p->name;
    info.guest_path = h->guest_path;
    info.guest_name = session_guest_name(h->s);
    info.image_base = im.base;
    info.image_end = im.end;
    info.entry = im.entry;
    info.mode = im.mode;
    info.raw = !session_enforced(h->s);

    p->id = h->next_id++;
    h->pl[h->n++] = p;
    h->depth++;
    p->installing = 1;
    guard_enter(p->name, "install");
    int rc = install.fn(p->id, &info, p->nargs, (const char **)p->args);
    guard_leave();
    p->installing = 0;
    h->depth--;
    if (rc != 0 || p->dead) {
        snprintf(err, errlen, "plugin %s: install failed: %s", name,
                 p->error[0] ? p->error : "returned an error");
        plugin_unload_now(h, p);
        return -1;
    }
    for (int i = 0; h->ctx && i < p->ncmds; i++) {
        if (p->cmds[i]->registered)
            continue;
        if (cmd_register(h->ctx, &p->cmds[i]->def, 1) != 0) {
            snprintf(err, errlen, "plugin %s: cannot add command \"%s\" (name taken?)", name, p->cmds[i]->name);
            plugin_unload_now(h, p);
            return -1;
        }
        p->cmds[i]->registered = 1;
    }
    return 0;
}

int plugins_unload(struct plugins *h, const char *name, char *err, size_t errlen)
{
    struct plugin *p = find_name(h, name);
    if (!p) {
        snprintf(err, errlen, "no plugin named \"%s\" is loaded", name);
        return -1;
    }
    if (h->depth > 0) {
        p->dead = 1;            /* from inside a callback: at the next safe point */
        return 0;
    }
    plugin_unload_now(h, p);
    return 0;
}

