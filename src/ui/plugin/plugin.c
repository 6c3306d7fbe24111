/* plugin.c — see plugin.h; the public API is include/scout/plugin.h. */
#include "ui/plugin/plugin.h"

#include <Zydis/Zydis.h>
#include <dlfcn.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>

#include "monitor/kvm/kvm.h"
#include "monitor/enforce/enforce.h"
#include "scout/plugin.h"
#include "ui/cli/command.h"
#include "ui/session/session.h"

#define PLUGIN_MAX_ARGS 32
#define PLUGIN_MAX_COMMANDS 16
#define PLUGIN_MAX_COUNTERS 32

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
    char *spec;                     /* as given, for `info plugins` */
    void *dl;
    int dead;                       /* a callback failed: skipped, unloaded at the next safe point */
    int installing;                 /* inside scout_plugin_install */
    char error[256];
    char *args[PLUGIN_MAX_ARGS];
    int nargs;
    scout_classify_cb classify; void *classify_ud;
    scout_vexit_cb vexit; void *vexit_ud;
    scout_write_cb write; void *write_ud;
    scout_invalidate_cb inval; void *inval_ud;
    scout_io_cb io; void *io_ud;
    scout_run_cb run; void *run_ud;
    scout_exit_cb exit; void *exit_ud;
    struct plugin_cmd *cmds[PLUGIN_MAX_COMMANDS];
    int ncmds;
    struct scout_plugin_counter *ctrs[PLUGIN_MAX_COUNTERS];
    int nctrs;
};

struct plugins {
    struct session *s;
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

static struct plugins *g_host;      /* the one host; the public API finds plugins here */

/* ── small helpers ───────────────────────────────────────────────────── */

static struct plugin *find_id(scout_plugin_id id)
{
    if (!g_host)
        return NULL;
    for (size_t i = 0; i < g_host->n; i++)
        if (g_host->pl[i]->id == id)
            return g_host->pl[i];
    return NULL;
}

static struct plugin *find_name(struct plugins *h, const char *name)
{
    for (size_t i = 0; i < h->n; i++)
        if (strcmp(h->pl[i]->name, name) == 0)
            return h->pl[i];
    return NULL;
}

static void report(struct plugins *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void report(struct plugins *h, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    if (h->report)
        h->report(h->report_arg, line);
    else
        fprintf(stderr, "scout: %s\n", line);
}

/* A callback of p failed: report it once, skip p from now on. */
static void plugin_failed(struct plugins *h, struct plugin *p, const char *what)
{
    if (p->dead)
        return;
    p->dead = 1;
    report(h, "plugin %s: %s callback failed: %s; unloaded", p->name, what,
           p->error[0] ? p->error : "returned an error");
}

static void unregister_cmds(struct plugins *h, struct plugin *p)
{
    for (int i = 0; i < p->ncmds; i++)
        if (p->cmds[i]->registered && h->ctx) {
            cmd_unregister(h->ctx, &p->cmds[i]->def, 1);
            p->cmds[i]->registered = 0;
        }
}

/* Removes p from the host and frees it (exit callback first). */
static void unload_now(struct plugins *h, struct plugin *p)
{
    if (p->exit) {
        scout_exit_cb fn = p->exit;
        p->exit = NULL;
        h->depth++;
        fn(p->id, p->exit_ud);
        h->depth--;
    }
    unregister_cmds(h, p);
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

/* Unloads the plugins whose callbacks failed, when nothing of theirs runs. */
static void reap(struct plugins *h)
{
    if (h->depth > 0)
        return;
    for (size_t i = 0; i < h->n;) {
        if (h->pl[i]->dead)
            unload_now(h, h->pl[i]);    /* shifts the array: same i again */
        else
            i++;
    }
}

/* ── hooks: events, classifier, vexit ─────────────────────────────────── */

static void on_event(void *ctx, const struct scout_event *ev)
{
    struct plugins *h = ctx;
    int safe = 0;
    h->depth++;
    switch (ev->type) {
    case SCOUT_EV_RUN_START:
    case SCOUT_EV_RUN_STOP: {
        scout_run r = { 0 };
        r.start = ev->type == SCOUT_EV_RUN_START;
        if (r.start) {
            r.mode = ev->u.run_start.mode;
            r.scan = ev->u.run_start.scan;
        } else {
            r.why = ev->u.run_stop.why;
            r.status = ev->u.run_stop.status;
            r.final = h->s->ended;
        }
        for (size_t i = 0; i < h->n; i++) {
            struct plugin *p = h->pl[i];
            if (!p->dead && p->run && p->run(p->id, p->run_ud, &r) < 0)
                plugin_failed(h, p, "run");
        }
        safe = 1;
        break;
    }
    case SCOUT_EV_DATA_WRITE:
    case SCOUT_EV_INVALIDATE: {
        scout_write w = { 0 };
        scout_invalidate inv = { 0 };
        if (ev->type == SCOUT_EV_DATA_WRITE) {
            w.gpa = ev->u.write.gpa;
            w.len = ev->u.write.len;
            w.injected = ev->u.write.injected;
        } else {
            w.gpa = inv.write_gpa = ev->u.invalidate.write;
            w.len = inv.write_len = ev->u.invalidate.len;
            w.injected = inv.injected = ev->u.invalidate.injected;
            w.hit = 1;
            inv.page = ev->u.invalidate.page;
            inv.hit_gpa = ev->u.invalidate.hit;
            inv.dropped = ev->u.invalidate.dropped;
        }
        for (size_t i = 0; i < h->n; i++) {
            struct plugin *p = h->pl[i];
            if (!p->dead && p->write && p->write(p->id, p->write_ud, &w) < 0)
                plugin_failed(h, p, "write");
            if (w.hit && !p->dead && p->inval && p->inval(p->id, p->inval_ud, &inv) < 0)
                plugin_failed(h, p, "invalidate");
        }
        break;
    }
    case SCOUT_EV_IO: {
        scout_io io = { ev->u.io.port, ev->u.io.out, ev->u.io.size, ev->u.io.value };
        for (size_t i = 0; i < h->n; i++) {
            struct plugin *p = h->pl[i];
            if (!p->dead && p->io && p->io(p->id, p->io_ud, &io) < 0)
                plugin_failed(h, p, "io");
        }
        safe = 1;
        break;
    }
    default:
        break;
    }
    h->depth--;
    if (safe)
        reap(h);
}

static unsigned insn_flags(const struct prescan_insn *pi)
{
    const ZydisDecodedInstruction *in = pi->zydis;
    if (!in)
        return SCOUT_INSN_INVALID | SCOUT_INSN_TERMINAL;
    switch (in->meta.category) {
    case ZYDIS_CATEGORY_UNCOND_BR:
    case ZYDIS_CATEGORY_RET:
    case ZYDIS_CATEGORY_SYSRET:
        return SCOUT_INSN_BRANCH | SCOUT_INSN_TERMINAL;
    case ZYDIS_CATEGORY_COND_BR:
    case ZYDIS_CATEGORY_CALL:
    case ZYDIS_CATEGORY_INTERRUPT:
    case ZYDIS_CATEGORY_SYSCALL:
        return SCOUT_INSN_BRANCH;
    default:
        break;
    }
    switch (in->mnemonic) {
    case ZYDIS_MNEMONIC_HLT:
    case ZYDIS_MNEMONIC_UD0:
    case ZYDIS_MNEMONIC_UD1:
    case ZYDIS_MNEMONIC_UD2:
        return SCOUT_INSN_TERMINAL;
    default:
        return 0;
    }
}

static int on_classify(void *ctx, const struct prescan_insn *pi)
{
    struct plugins *h = ctx;
    scout_insn in = { pi->gpa, (int)pi->mode, pi->length, pi->bytes, pi->mnemonic_name,
                      insn_flags(pi), pi->virtualize, prescan_reason_name(pi->reason) };
    int decision = -1;
    h->depth++;
    h->in_classify = 1;
    for (size_t i = 0; i < h->n; i++) {
        struct plugin *p = h->pl[i];
        if (p->dead || !p->classify)
            continue;
        int r = p->classify(p->id, p->classify_ud, &in);
        if (r < 0)
            plugin_failed(h, p, "classify");
        else if (decision < 0 && r == SCOUT_CLASSIFY_NATIVE)
            decision = 0;
        else if (decision < 0 && r == SCOUT_CLASSIFY_VIRTUALIZE)
            decision = 1;
    }
    h->in_classify = 0;
    h->depth--;
    return decision;        /* not a safe point: the engine is mid-scan */
}

static int on_vexit(void *ctx, const struct enf_vexit *ev)
{
    struct plugins *h = ctx;
    scout_vexit v = { ev->rip, ev->gpa, ev->mode, ev->length, ev->bytes, ev->nbytes,
                      ev->mnemonic, prescan_reason_name(ev->reason), 0 };
    h->depth++;
    for (size_t i = 0; i < h->n; i++) {
        struct plugin *p = h->pl[i];
        if (p->dead || !p->vexit)
            continue;
        int r = p->vexit(p->id, p->vexit_ud, &v);
        if (r < 0)
            plugin_failed(h, p, "vexit");
        else if (r == SCOUT_VEXIT_HANDLED)
            v.handled = 1;
    }
    h->depth--;
    reap(h);
    return v.handled;
}

/* ── lifecycle ───────────────────────────────────────────────────────── */

struct plugins *plugins_new(struct session *s, const char *guest_path, char *err, size_t errlen)
{
    if (g_host) {
        snprintf(err, errlen, "plugins: a plugin host exists already");
        return NULL;
    }
    struct plugins *h = calloc(1, sizeof(*h));
    if (!h) {
        snprintf(err, errlen, "plugins: out of memory");
        return NULL;
    }
    h->s = s;
    snprintf(h->guest_path, sizeof(h->guest_path), "%s", guest_path ? guest_path : s->guest_name);
    h->next_id = 1;
    if (events_subscribe(&s->events, on_event, h) != 0) {
        snprintf(err, errlen, "plugins: too many event subscribers");
        free(h);
        return NULL;
    }
    if (s->ef) {
        prescan_set_classifier(enf_engine(s->ef), on_classify, h);
        enf_set_vexit_hook(s->ef, on_vexit, h);
    }
    g_host = h;
    return h;
}

void plugins_free(struct plugins *h)
{
    if (!h)
        return;
    h->depth = 0;
    while (h->n)
        unload_now(h, h->pl[0]);
    plugins_detach_commands(h);
    if (h->s->ef) {
        prescan_set_classifier(enf_engine(h->s->ef), NULL, NULL);
        enf_set_vexit_hook(h->s->ef, NULL, NULL);
    }
    events_unsubscribe(&h->s->events, on_event, h);
    g_host = NULL;
    free(h);
}

void plugins_set_report(struct plugins *h, void (*fn)(void *arg, const char *line), void *arg)
{
    h->report = fn;
    h->report_arg = arg;
}

size_t plugins_count(const struct plugins *h) { return h->n; }

/* Is path an ELF file?  1 yes, 0 no, -1 cannot read (errno). */
static int is_elf(const char *path)
{
    unsigned char m[4];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, m, 4);
    int e = errno;
    close(fd);
    if (n < 0) {
        errno = e;
        return -1;
    }
    return n == 4 && m[0] == 0x7f && m[1] == 'E' && m[2] == 'L' && m[3] == 'F';
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
    if (find_name(h, name)) {
        snprintf(err, errlen, "plugin %s: already loaded", name);
        return -1;
    }
    if (h->n == PLUGINS_MAX) {
        snprintf(err, errlen, "plugin %s: too many plugins (at most %d)", name, PLUGINS_MAX);
        return -1;
    }
    char where[8500];
    struct stat st;
    if (!strchr(path, '/') && (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) &&
        find_by_name(name, path, sizeof(path), where, sizeof(where)) < 0) {
        snprintf(err, errlen, "plugin %s: no file %.*s here, and no %s.so in %s", name, (int)plen, spec, name, where);
        return -1;
    }
    if (stat(path, &st) != 0) {
        snprintf(err, errlen, "plugin %s: cannot load %s: %s", name, path, strerror(errno));
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "plugin %s: cannot load %s: not a regular file", name, path);
        return -1;
    }
    int elf = is_elf(path);
    if (elf < 0) {
        snprintf(err, errlen, "plugin %s: cannot load %s: %s", name, path, strerror(errno));
        return -1;
    }
    if (!elf) {
        snprintf(err, errlen, "plugin %s: cannot load %s: not a shared object (no ELF header)", name, path);
        return -1;
    }

    struct plugin *p = calloc(1, sizeof(*p));
    if (!p || !(p->spec = strdup(spec))) {
        free(p);
        snprintf(err, errlen, "plugin %s: out of memory", name);
        return -1;
    }
    snprintf(p->name, sizeof(p->name), "%s", name);
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
            unload_now(h, p);
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
        unload_now(h, p);
        return -1;
    }
    const int *ver = dlsym(p->dl, "scout_plugin_api_version");
    if (!ver) {
        snprintf(err, errlen, "plugin %s: not a scout plugin: missing symbol scout_plugin_api_version", name);
        unload_now(h, p);
        return -1;
    }
    if (*ver != SCOUT_PLUGIN_API_VERSION) {
        snprintf(err, errlen, "plugin %s: built for plugin API version %d, this scout provides version %d",
                 name, *ver, SCOUT_PLUGIN_API_VERSION);
        unload_now(h, p);
        return -1;
    }
    union { void *obj; int (*fn)(scout_plugin_id, const scout_plugin_info *, int, const char **); } install;
    install.obj = dlsym(p->dl, "scout_plugin_install");
    if (!install.obj) {
        snprintf(err, errlen, "plugin %s: not a scout plugin: missing symbol scout_plugin_install", name);
        unload_now(h, p);
        return -1;
    }

    struct session *s = h->s;
    scout_plugin_info info = { 0 };
    info.api_version = SCOUT_PLUGIN_API_VERSION;
    info.name = p->name;
    info.guest_path = h->guest_path;
    info.guest_name = s->guest_name;
    info.image_base = UINT64_MAX;
    for (unsigned i = 0; i < s->image.nseg; i++)
        if (s->image.seg[i].memsz && s->image.seg[i].paddr < info.image_base)
            info.image_base = s->image.seg[i].paddr;
    if (info.image_base == UINT64_MAX)
        info.image_base = s->image.entry;
    info.image_end = s->image.load_end > info.image_base ? s->image.load_end : info.image_base;
    info.entry = s->image.entry;
    info.mode = (int)s->image.mode;
    info.raw = s->raw;

    p->id = h->next_id++;
    h->pl[h->n++] = p;
    h->depth++;
    p->installing = 1;
    int rc = install.fn(p->id, &info, p->nargs, (const char **)p->args);
    p->installing = 0;
    h->depth--;
    if (rc != 0 || p->dead) {
        snprintf(err, errlen, "plugin %s: install failed: %s", name,
                 p->error[0] ? p->error : "returned an error");
        unload_now(h, p);
        return -1;
    }
    for (int i = 0; h->ctx && i < p->ncmds; i++) {
        if (cmd_register(h->ctx, &p->cmds[i]->def, 1) != 0) {
            snprintf(err, errlen, "plugin %s: cannot add command \"%s\" (name taken?)", name, p->cmds[i]->name);
            unload_now(h, p);
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
    unload_now(h, p);
    return 0;
}

/* ── counters ────────────────────────────────────────────────────────── */

void plugins_format_counters(const struct plugins *h, void (*line)(void *arg, const char *line), void *arg)
{
    char buf[4096];
    for (size_t i = 0; i < h->n; i++) {
        const struct plugin *p = h->pl[i];
        if (!p->nctrs)
            continue;
        size_t o = (size_t)snprintf(buf, sizeof(buf), "plugin %s:", p->name);
        for (int k = 0; k < p->nctrs && o < sizeof(buf); k++)
            o += (size_t)snprintf(buf + o, sizeof(buf) - o, " %s=%" PRIu64, p->ctrs[k]->name, p->ctrs[k]->value);
        line(arg, buf);
    }
}

static void print_line(void *arg, const char *line) { fprintf(arg, "scout: %s\n", line); }

void plugins_print_counters(const struct plugins *h, FILE *f)
{
    if (h)
        plugins_format_counters(h, print_line, f);
}

/* ── commands ────────────────────────────────────────────────────────── */

static int run_plugin_cmd(struct cmd_ctx *ctx, int argc, char **argv)
{
    struct plugin_cmd *pc = cmd_data(ctx);
    struct plugin *p = find_id(pc->id);
    if (!p || p->dead)
        return cmd_error(ctx, "the plugin is being unloaded");
    struct cmd_ctx *saved = g_host->out_ctx;
    g_host->out_ctx = ctx;
    g_host->depth++;
    p->error[0] = 0;
    int rc = pc->fn(p->id, argc, (const char **)argv);
    g_host->depth--;
    g_host->out_ctx = saved;
    if (rc != 0)
        cmd_error(ctx, "%s", p->error[0] ? p->error : "failed");
    reap(g_host);
    return rc != 0 ? -1 : 0;
}

static int cmd_plugin_load(struct cmd_ctx *ctx, int argc, char **argv)
{
    struct plugins *h = cmd_data(ctx);
    char err[512];
    if (argc != 2)
        return cmd_error(ctx, "usage: plugin load PATH[,ARG=VAL...]");
    struct cmd_ctx *saved = h->out_ctx;
    h->out_ctx = ctx;
    int rc = plugins_load(h, argv[1], err, sizeof(err));
    h->out_ctx = saved;
    if (rc != 0)
        return cmd_error(ctx, "%s", err);
    cmd_printf(ctx, "plugin %s loaded\n", h->pl[h->n - 1]->name);
    return 0;
}

static int cmd_plugin_unload(struct cmd_ctx *ctx, int argc, char **argv)
{
    struct plugins *h = cmd_data(ctx);
    char err[256];
    if (argc != 2)
        return cmd_error(ctx, "usage: plugin unload NAME");
    struct cmd_ctx *saved = h->out_ctx;
    h->out_ctx = ctx;
    int rc = plugins_unload(h, argv[1], err, sizeof(err));
    h->out_ctx = saved;
    if (rc != 0)
        return cmd_error(ctx, "%s", err);
    cmd_printf(ctx, "plugin %s unloaded\n", argv[1]);
    return 0;
}

static void ctx_line(void *arg, const char *line) { cmd_printf(arg, "  %s\n", line); }

static int cmd_info_plugins(struct cmd_ctx *ctx, int argc, char **argv)
{
    struct plugins *h = cmd_data(ctx);
    (void)argv;
    if (argc != 1)
        return cmd_error(ctx, "takes no arguments");
    if (!h->n) {
        cmd_printf(ctx, "no plugins loaded\n");
        return 0;
    }
    for (size_t i = 0; i < h->n; i++) {
        const struct plugin *p = h->pl[i];
        cmd_printf(ctx, "%s: %s", p->name, p->spec);
        if (p->ncmds) {
            cmd_printf(ctx, " (commands:");
            for (int k = 0; k < p->ncmds; k++)
                cmd_printf(ctx, " %s", p->cmds[k]->name);
            cmd_printf(ctx, ")");
        }
        cmd_printf(ctx, "\n");
    }
    plugins_format_counters(h, ctx_line, ctx);
    return 0;
}

static struct cmd_def builtin_defs[3];

int plugins_attach_commands(struct plugins *h, struct cmd_ctx *ctx)
{
    const struct cmd_def defs[3] = {
        { "plugin load", NULL, "PATH[,ARG=VAL...]", "load a plugin (a shared object built against scout/plugin.h)",
          NULL, CMD_CLASS_SESSION, CMD_COMPLETE_FILE, CMD_F_NO_REPEAT, cmd_plugin_load, h },
        { "plugin unload", NULL, "NAME", "unload a plugin: its callbacks, commands and counters go",
          NULL, CMD_CLASS_SESSION, CMD_COMPLETE_NONE, CMD_F_NO_REPEAT, cmd_plugin_unload, h },
        { "info plugins", NULL, "", "loaded plugins, their arguments, commands and counters",
          NULL, CMD_CLASS_SESSION, CMD_COMPLETE_NONE, 0, cmd_info_plugins, h },
    };
    if (h->ctx)
        return 0;
    memcpy(builtin_defs, defs, sizeof(defs));
    if (cmd_register(ctx, builtin_defs, 3) != 0)
        return -1;
    h->ctx = ctx;
    for (size_t i = 0; i < h->n; i++)
        for (int k = 0; k < h->pl[i]->ncmds; k++)
            if (cmd_register(ctx, &h->pl[i]->cmds[k]->def, 1) == 0)
                h->pl[i]->cmds[k]->registered = 1;
    return 0;
}

void plugins_detach_commands(struct plugins *h)
{
    if (!h->ctx)
        return;
    for (size_t i = 0; i < h->n; i++)
        unregister_cmds(h, h->pl[i]);
    cmd_unregister(h->ctx, builtin_defs, 3);
    h->ctx = NULL;
}

/* ══ the public API (include/scout/plugin.h) ═══════════════════════════ */

#define REGISTER_CB(field, type)                                              \
    int scout_plugin_register_##field##_cb(scout_plugin_id id, type fn, void *ud) \
    {                                                                         \
        struct plugin *p = find_id(id);                                       \
        if (!p)                                                               \
            return -1;                                                        \
        p->field = fn;                                                        \
        p->field##_ud = ud;                                                   \
        return 0;                                                             \
    }
REGISTER_CB(classify, scout_classify_cb)
REGISTER_CB(vexit, scout_vexit_cb)
REGISTER_CB(write, scout_write_cb)
REGISTER_CB(io, scout_io_cb)
REGISTER_CB(run, scout_run_cb)
REGISTER_CB(exit, scout_exit_cb)

int scout_plugin_register_invalidate_cb(scout_plugin_id id, scout_invalidate_cb fn, void *ud)
{
    struct plugin *p = find_id(id);
    if (!p)
        return -1;
    p->inval = fn;
    p->inval_ud = ud;
    return 0;
}

static struct vm *plugin_vm(scout_plugin_id id)
{
    return find_id(id) && g_host->s->vm ? g_host->s->vm : NULL;
}

static __u64 *reg_slot(struct kvm_regs *r, enum scout_reg reg)
{
    __u64 *const slots[SCOUT_REG_COUNT] = {
        &r->rax, &r->rcx, &r->rdx, &r->rbx, &r->rsp, &r->rbp, &r->rsi, &r->rdi,
        &r->r8, &r->r9, &r->r10, &r->r11, &r->r12, &r->r13, &r->r14, &r->r15,
        &r->rip, &r->rflags,
    };
    return (unsigned)reg < SCOUT_REG_COUNT ? slots[reg] : NULL;
}

int scout_plugin_reg_read(scout_plugin_id id, enum scout_reg reg, uint64_t *value)
{
    struct vm *vm = plugin_vm(id);
    struct kvm_regs r;
    if (!vm || !value || !reg_slot(&r, reg) || vcpu_get_regs(vm_vcpu(vm), &r) != 0)
        return -1;
    *value = *reg_slot(&r, reg);
    return 0;
}

int scout_plugin_reg_write(scout_plugin_id id, enum scout_reg reg, uint64_t value)
{
    struct vm *vm = plugin_vm(id);
    struct kvm_regs r;
    if (!vm || !reg_slot(&r, reg) || vcpu_get_regs(vm_vcpu(vm), &r) != 0)
        return -1;
    *reg_slot(&r, reg) = value;
    return vcpu_set_regs(vm_vcpu(vm), &r);
}

int scout_plugin_seg_base(scout_plugin_id id, enum scout_seg seg, uint64_t *base)
{
    struct vm *vm = plugin_vm(id);
    struct kvm_sregs s;
    if (!vm || !base || vcpu_get_sregs(vm_vcpu(vm), &s) != 0)
        return -1;
    switch (seg) {
    case SCOUT_SEG_ES: *base = s.es.base; return 0;
    case SCOUT_SEG_CS: *base = s.cs.base; return 0;
    case SCOUT_SEG_SS: *base = s.ss.base; return 0;
    case SCOUT_SEG_DS: *base = s.ds.base; return 0;
    case SCOUT_SEG_FS: *base = s.fs.base; return 0;
    case SCOUT_SEG_GS: *base = s.gs.base; return 0;
    }
    return -1;
}

int scout_plugin_cpu_mode(scout_plugin_id id)
{
    struct vm *vm = plugin_vm(id);
    return vm ? vcpu_code_size(vm_vcpu(vm)) : -1;
}

int scout_plugin_read_phys(scout_plugin_id id, uint64_t gpa, void *buf, size_t len)
{
    struct vm *vm = plugin_vm(id);
    if (!vm || (len && !buf) || gmem_read_phys(vm, gpa, buf, len) != 0)
        return -1;
    if (g_host->s->ef)
        enf_trap_undo(enf_traps(g_host->s->ef), gpa, buf, len);
    return 0;
}

int scout_plugin_read_linear(scout_plugin_id id, uint64_t linear, void *buf, size_t len)
{
    struct vm *vm = plugin_vm(id);
    if (!vm || (len && !buf))
        return -1;
    if (g_host->s->ef)
        return enf_read_code(g_host->s->ef, linear, buf, len) == 0 ? 0 : -1;
    return gmem_read_linear(vm, linear, buf, len) == 0 ? 0 : -1;
}

int scout_plugin_write_phys(scout_plugin_id id, uint64_t gpa, const void *buf, size_t len)
{
    struct vm *vm = plugin_vm(id);
    char err[256];
    if (!vm || (len && !buf) || g_host->in_classify)
        return -1;
    if (!g_host->s->ef)
        return gmem_write_phys(vm, gpa, buf, len) == 0 ? 0 : -1;
    return enf_inject_write(g_host->s->ef, gpa, buf, len, err, sizeof(err)) == 0 ? 0 : -1;
}

int scout_plugin_write_linear(scout_plugin_id id, uint64_t linear, const void *buf, size_t len)
{
    const uint8_t *b = buf;
    if (!plugin_vm(id) || (len && !buf) || g_host->in_classify)
        return -1;
    /* translate every page first: all or nothing */
    for (size_t done = 0; done < len;) {
        uint64_t gpa, la = linear + done;
        size_t n = 4096 - (la & 4095);
        if (gmem_translate(g_host->s->vm, la, 1, &gpa) != 0)
            return -1;
        done += n < len - done ? n : len - done;
    }
    for (size_t done = 0; done < len;) {
        uint64_t gpa, la = linear + done;
        size_t n = 4096 - (la & 4095);
        if (n > len - done)
            n = len - done;
        if (gmem_translate(g_host->s->vm, la, 1, &gpa) != 0 || scout_plugin_write_phys(id, gpa, b + done, n) != 0)
            return -1;
        done += n;
    }
    return 0;
}

int scout_plugin_register_command(scout_plugin_id id, const char *name, const char *help, scout_command_fn fn)
{
    struct plugin *p = find_id(id);
    if (!p || !name || !*name || !fn || p->ncmds == PLUGIN_MAX_COMMANDS)
        return -1;
    struct plugin_cmd *pc = calloc(1, sizeof(*pc));
    if (!pc)
        return -1;
    pc->name = strdup(name);
    pc->help = strdup(help ? help : "");
    if (!pc->name || !pc->help) {
        free(pc->name);
        free(pc->help);
        free(pc);
        return -1;
    }
    pc->fn = fn;
    pc->id = id;
    pc->def.name = pc->name;
    pc->def.syntax = "[ARGS...]";
    pc->def.help = pc->help;
    pc->def.cls = CMD_CLASS_SESSION;
    pc->def.complete = CMD_COMPLETE_NONE;
    pc->def.flags = CMD_F_NO_REPEAT;
    pc->def.run = run_plugin_cmd;
    pc->def.data = pc;
    if (g_host->ctx && !p->installing) {
        /* after install, with commands attached: register now (install's are
           registered by plugins_load once install succeeded) */
        if (cmd_register(g_host->ctx, &pc->def, 1) != 0) {
            free(pc->name);
            free(pc->help);
            free(pc);
            return -1;
        }
        pc->registered = 1;
    }
    p->cmds[p->ncmds++] = pc;
    return 0;
}

scout_plugin_counter *scout_plugin_counter_new(scout_plugin_id id, const char *name)
{
    struct plugin *p = find_id(id);
    if (!p || !name || !*name || p->nctrs == PLUGIN_MAX_COUNTERS)
        return NULL;
    struct scout_plugin_counter *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    snprintf(c->name, sizeof(c->name), "%s", name);
    p->ctrs[p->nctrs++] = c;
    return c;
}

static int owns_counter(const struct plugin *p, const scout_plugin_counter *c)
{
    for (int i = 0; p && i < p->nctrs; i++)
        if (p->ctrs[i] == c)
            return 1;
    return 0;
}

void scout_plugin_counter_add(scout_plugin_id id, scout_plugin_counter *c, uint64_t n)
{
    if (owns_counter(find_id(id), c))
        c->value += n;
}

uint64_t scout_plugin_counter_get(scout_plugin_id id, const scout_plugin_counter *c)
{
    return owns_counter(find_id(id), c) ? c->value : 0;
}

void scout_plugin_outs(scout_plugin_id id, const char *text)
{
    if (!find_id(id) || !text)
        return;
    if (g_host->out_ctx)
        cmd_write(g_host->out_ctx, text, strlen(text));
    else
        fputs(text, stderr);
}

void scout_plugin_printf(scout_plugin_id id, const char *fmt, ...)
{
    char buf[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    scout_plugin_outs(id, buf);
}

void scout_plugin_set_error(scout_plugin_id id, const char *fmt, ...)
{
    struct plugin *p = find_id(id);
    if (!p)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->error, sizeof(p->error), fmt, ap);
    va_end(ap);
}
