/* tools.c — `scout trace diff` and `scout trace stats`.  Output is
 * deterministic text; t= fields are ignored everywhere. */
#include "trace/trace.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define DIFF_CONTEXT 3

static const char usage_diff[] = "usage: scout trace diff [--ignore-config] A.trace B.trace";
static const char usage_stats[] = "usage: scout trace stats FILE.trace";

/* ── tally: string keys → two counters, for counts per type/reason ────── */

struct tally_ent {
    char *key;
    uint64_t v[2];
};

struct tally {
    struct tally_ent *ents;          /* open addressing, cap a power of 2 */
    size_t cap, n;
    int oom;
};

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static struct tally_ent *tally_slot(struct tally_ent *ents, size_t cap,
                                    const char *key)
{
    size_t i = (size_t)hash_str(key) & (cap - 1);
    while (ents[i].key && strcmp(ents[i].key, key) != 0)
        i = (i + 1) & (cap - 1);
    return &ents[i];
}

static void tally_add(struct tally *t, const char *key, int col, uint64_t amount)
{
    if (t->oom)
        return;
    if ((t->n + 1) * 2 > t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 64;
        struct tally_ent *e = calloc(cap, sizeof *e);
        if (!e) {
            t->oom = 1;
            return;
        }
        for (size_t i = 0; i < t->cap; i++)
            if (t->ents[i].key)
                *tally_slot(e, cap, t->ents[i].key) = t->ents[i];
        free(t->ents);
        t->ents = e;
        t->cap = cap;
    }
    struct tally_ent *s = tally_slot(t->ents, t->cap, key);
    if (!s->key) {
        if (!(s->key = strdup(key))) {
            t->oom = 1;
            return;
        }
        t->n++;
    }
    s->v[col] += amount;
}

static void tally_free(struct tally *t)
{
    for (size_t i = 0; i < t->cap; i++)
        free(t->ents[i].key);
    free(t->ents);
    memset(t, 0, sizeof *t);
}

static int cmp_key(const void *a, const void *b)
{
    const struct tally_ent *x = *(const struct tally_ent *const *)a;
    const struct tally_ent *y = *(const struct tally_ent *const *)b;
    return strcmp(x->key, y->key);
}

static int cmp_count_desc(const void *a, const void *b)
{
    const struct tally_ent *x = *(const struct tally_ent *const *)a;
    const struct tally_ent *y = *(const struct tally_ent *const *)b;
    if (x->v[0] != y->v[0])
        return x->v[0] > y->v[0] ? -1 : 1;
    return strcmp(x->key, y->key);
}

/* Entries sorted; NULL if empty or out of memory (check t->oom). */
static struct tally_ent **tally_sorted(struct tally *t, int by_count)
{
    if (!t->n)
        return NULL;
    struct tally_ent **v = malloc(t->n * sizeof *v);
    if (!v) {
        t->oom = 1;
        return NULL;
    }
    size_t k = 0;
    for (size_t i = 0; i < t->cap; i++)
        if (t->ents[i].key)
            v[k++] = &t->ents[i];
    qsort(v, k, sizeof *v, by_count ? cmp_count_desc : cmp_key);
    return v;
}

static int digits(uint64_t v)
{
    int d = 1;
    while (v >= 10) {
        v /= 10;
        d++;
    }
    return d;
}

/* ── diff ─────────────────────────────────────────────────────────────── */

static int is_time(const struct trace_field *f)
{
    return strcmp(f->key, "t") == 0;
}

/* Next non-t field at or after *i, or NULL. */
static const struct trace_field *next_field(const struct trace_event *ev,
                                            size_t *i)
{
    while (*i < ev->nfields && is_time(&ev->fields[*i]))
        (*i)++;
    return *i < ev->nfields ? &ev->fields[(*i)++] : NULL;
}

/* What --ignore-config leaves out: the events that say how scout was set
 * up (guest, option, poke), and run-start's fields that repeat them. */
static int config_event(const struct trace_event *ev)
{
    return !strcmp(ev->type, "guest") || !strcmp(ev->type, "option") || !strcmp(ev->type, "poke");
}

static int config_field(const struct trace_event *ev, const struct trace_field *f)
{
    return !strcmp(ev->type, "run-start") &&
           (!strcmp(f->key, "scan") || !strcmp(f->key, "depth") || !strcmp(f->key, "guest"));
}

/* Next field at or after *i that is compared (not t=, and with
 * ignore_config not a config field), or NULL. */
static const struct trace_field *next_compared(const struct trace_event *ev, size_t *i, int ignore_config)
{
    const struct trace_field *f;
    while ((f = next_field(ev, i)) != NULL && ignore_config && config_field(ev, f))
        ;
    return f;
}

/* 1 if equal ignoring t= (and config fields); else 0 and, if why != NULL,
 * a description. */
static int events_equal(const struct trace_event *a, const struct trace_event *b, int ignore_config,
                        char *why, size_t whylen)
{
    if (strcmp(a->type, b->type) != 0) {
        if (why)
            snprintf(why, whylen, "type: A has %s, B has %s", a->type, b->type);
        return 0;
    }
    size_t ia = 0, ib = 0;
    for (int n = 1;; n++) {
        const struct trace_field *fa = next_compared(a, &ia, ignore_config);
        const struct trace_field *fb = next_compared(b, &ib, ignore_config);
        if (!fa && !fb)
            return 1;
        if (fa && fb && strcmp(fa->key, fb->key) == 0
            && strcmp(fa->value, fb->value) == 0)
            continue;
        if (why) {
            char sa[160], sb[160];
            if (fa)
                snprintf(sa, sizeof sa, "%.60s=%.90s", fa->key, fa->value);
            else
                snprintf(sa, sizeof sa, "no more fields");
            if (fb)
                snprintf(sb, sizeof sb, "%.60s=%.90s", fb->key, fb->value);
            else
                snprintf(sb, sizeof sb, "no more fields");
            snprintf(why, whylen, "field %d: A has %s, B has %s", n, sa, sb);
        }
        return 0;
    }
}

static void print_event(FILE *out, const char *mark, const char *side,
                        const struct trace_event *ev)
{
    fprintf(out, "%s %s line %zu: %" PRIu64 " %s", mark, side, ev->line,
            ev->seq, ev->type);
    for (size_t i = 0; i < ev->nfields; i++)
        if (!is_time(&ev->fields[i]))
            fprintf(out, " %s=%s", ev->fields[i].key, ev->fields[i].value);
    fputc('\n', out);
}

/* The events compared: all, or with --ignore-config all but the config
 * events. */
struct side {
    const struct trace_file *tf;
    const struct trace_event **ev;
    size_t n;
};

static int side_init(struct side *sd, const struct trace_file *tf, int ignore_config)
{
    sd->tf = tf;
    sd->n = 0;
    sd->ev = malloc((tf->nevents ? tf->nevents : 1) * sizeof *sd->ev);
    if (!sd->ev)
        return -1;
    for (size_t i = 0; i < tf->nevents; i++)
        if (!ignore_config || !config_event(&tf->events[i]))
            sd->ev[sd->n++] = &tf->events[i];
    return 0;
}

/* Events [from, upto) of one side, marking index `mark` with '>'. */
static void print_context(FILE *out, const char *name, const struct side *sd, size_t from, size_t upto, size_t mark)
{
    fprintf(out, "--- %s: %s\n", name, sd->tf->path);
    if (upto > sd->n)
        upto = sd->n;
    if (from >= upto)
        fprintf(out, "  (no events)\n");
    for (size_t i = from; i < upto; i++)
        print_event(out, i == mark ? ">" : " ", name, sd->ev[i]);
}

static void print_counts(FILE *out, const struct side *a, const struct side *b, struct tally *t)
{
    for (size_t i = 0; i < a->n; i++)
        tally_add(t, a->ev[i]->type, 0, 1);
    for (size_t i = 0; i < b->n; i++)
        tally_add(t, b->ev[i]->type, 1, 1);
    struct tally_ent **rows = tally_sorted(t, 0);
    int wt = 5, wa = 1, wb = 1;            /* "total", "A", "B" */
    for (size_t i = 0; rows && i < t->n; i++) {
        int l = (int)strlen(rows[i]->key);
        wt = l > wt ? l : wt;
    }
    int da = digits(a->n), db = digits(b->n);
    wa = da > wa ? da : wa;
    wb = db > wb ? db : wb;
    fprintf(out, "event counts (* = differ):\n");
    fprintf(out, "  %-*s  %*s  %*s\n", wt, "type", wa, "A", wb, "B");
    for (size_t i = 0; rows && i < t->n; i++)
        fprintf(out, "  %-*s  %*" PRIu64 "  %*" PRIu64 "%s\n", wt, rows[i]->key,
                wa, rows[i]->v[0], wb, rows[i]->v[1],
                rows[i]->v[0] != rows[i]->v[1] ? "  *" : "");
    fprintf(out, "  %-*s  %*zu  %*zu%s\n", wt, "total", wa, a->n, wb,
            b->n, a->n != b->n ? "  *" : "");
    free(rows);
}

int trace_diff(const char *path_a, const char *path_b, FILE *out, FILE *err)
{
    return trace_diff_flags(path_a, path_b, 0, out, err);
}

int trace_diff_flags(const char *path_a, const char *path_b, unsigned flags, FILE *out, FILE *err)
{
    char msg[512];
    struct trace_file *a = NULL, *b = NULL;
    int ic = (flags & TRACE_DIFF_IGNORE_CONFIG) != 0;
    if (trace_read_file(path_a, &a, msg, sizeof msg)
        || trace_read_file(path_b, &b, msg, sizeof msg)) {
        fprintf(err, "scout: %s\n", msg);
        trace_file_free(a);
        return 2;
    }
    struct side sa, sb;
    if (side_init(&sa, a, ic) != 0 || side_init(&sb, b, ic) != 0) {
        fprintf(err, "scout: trace diff: out of memory\n");
        free(sa.ev);
        trace_file_free(a);
        trace_file_free(b);
        return 2;
    }
    size_t common = sa.n < sb.n ? sa.n : sb.n;
    size_t k = 0;
    while (k < common && events_equal(sa.ev[k], sb.ev[k], ic, NULL, 0))
        k++;
    int rc = 1;
    if (k == common && sa.n == sb.n) {
        fprintf(out, "same: %zu events (t= fields%s ignored)\n", sa.n, ic ? " and the configuration" : "");
        rc = 0;
        goto done;
    }
    fprintf(out, "A: %s (%zu events%s)\n", a->path, sa.n, ic ? " compared" : "");
    fprintf(out, "B: %s (%zu events%s)\n", b->path, sb.n, ic ? " compared" : "");
    size_t from = k > DIFF_CONTEXT ? k - DIFF_CONTEXT : 0;
    if (k < common) {
        char why[512];
        events_equal(sa.ev[k], sb.ev[k], ic, why, sizeof why);
        fprintf(out, "first divergence at event %zu (A line %zu, B line %zu):"
                " %s\n", k + 1, sa.ev[k]->line, sb.ev[k]->line, why);
    } else {
        const struct side *s = sa.n < sb.n ? &sa : &sb;
        const struct side *l = s == &sa ? &sb : &sa;
        const char *sn = s == &sa ? "A" : "B", *ln = s == &sa ? "B" : "A";
        fprintf(out, "%s is a prefix of %s: %s ends after event %zu; %s continues"
                " with %zu more (from %s line %zu)\n", sn, ln, sn, k, ln,
                l->n - k, ln, l->ev[k]->line);
    }
    print_context(out, "A", &sa, from, k + 1, k);
    print_context(out, "B", &sb, from, k + 1, k);
    struct tally t = { 0 };
    print_counts(out, &sa, &sb, &t);
    if (t.oom) {
        fprintf(err, "scout: trace diff: out of memory\n");
        rc = 2;
    }
    tally_free(&t);
done:
    free(sa.ev);
    free(sb.ev);
    trace_file_free(a);
    trace_file_free(b);
    return rc;
}

/* ── stats ────────────────────────────────────────────────────────────── */

/* Parses 0x-hex or decimal; 0 ok, -1 not a number. */
static int parse_num(const char *s, uint64_t *out)
{
    if (!s || !*s)
        return -1;
    int base = 10;
    if (s[0] == '0' && s[1] == 'x') {
        base = 16;
        s += 2;
        if (!*s)
            return -1;
    }
    uint64_t v = 0;
    for (; *s; s++) {
        int d;
        if (*s >= '0' && *s <= '9') d = *s - '0';
        else if (base == 16 && *s >= 'a' && *s <= 'f') d = *s - 'a' + 10;
        else if (base == 16 && *s >= 'A' && *s <= 'F') d = *s - 'A' + 10;
        else return -1;
        if (v > (UINT64_MAX - (uint64_t)d) / (uint64_t)base)
            return -1;
        v = v * (uint64_t)base + (uint64_t)d;
    }
    *out = v;
    return 0;
}

/* Breakdowns: events of `type` counted by the values of key1[/key2]. */
static const struct breakdown {
    const char *type, *key1, *key2;
} breakdowns[] = {
    { "vexit", "reason", NULL },
    { "vexit", "insn", NULL },
    { "vexit", "how", NULL },
    { "scan", "verdict", NULL },
    { "scan", "verdict", "reason" },
    { "io", "port", "dir" },
    { "run-stop", "why", "status" },
};
#define NBREAKDOWNS (sizeof breakdowns / sizeof breakdowns[0])

/* Events of `type` with the total of numeric field `key`. */
static const struct sum {
    const char *type, *key, *unit;
} sums[] = {
    { "invalidate", "dropped", "dropped" },
    { "data-write", "len", "bytes" },
};
#define NSUMS (sizeof sums / sizeof sums[0])

static void print_rows(FILE *out, struct tally *t, const char *title)
{
    struct tally_ent **rows = tally_sorted(t, 1);
    if (!rows)
        return;
    int wk = 0, wn = 1;
    for (size_t i = 0; i < t->n; i++) {
        int l = (int)strlen(rows[i]->key);
        wk = l > wk ? l : wk;
        wn = digits(rows[i]->v[0]) > wn ? digits(rows[i]->v[0]) : wn;
    }
    fprintf(out, "%s:\n", title);
    for (size_t i = 0; i < t->n; i++)
        fprintf(out, "  %-*s  %*" PRIu64 "\n", wk, rows[i]->key, wn,
                rows[i]->v[0]);
    free(rows);
}

static const char *or_none(const char *v)
{
    return v ? v : "(none)";
}

int trace_stats(const char *path, FILE *out, FILE *err)
{
    char msg[512];
    struct trace_file *tf = NULL;
    if (trace_read_file(path, &tf, msg, sizeof msg)) {
        fprintf(err, "scout: %s\n", msg);
        return 2;
    }
    int oom = 0;
    struct tally types = { 0 };
    for (size_t i = 0; i < tf->nevents; i++)
        tally_add(&types, tf->events[i].type, 0, 1);
    fprintf(out, "trace %s: %zu events\n", tf->path, tf->nevents);
    print_rows(out, &types, "events by type");
    oom |= types.oom;

    for (size_t b = 0; b < NBREAKDOWNS; b++) {
        const struct breakdown *bd = &breakdowns[b];
        struct tally t = { 0 };
        char key[512];
        for (size_t i = 0; i < tf->nevents; i++) {
            const struct trace_event *ev = &tf->events[i];
            if (strcmp(ev->type, bd->type) != 0)
                continue;
            const char *v1 = or_none(trace_event_get(ev, bd->key1));
            if (bd->key2)
                snprintf(key, sizeof key, "%.250s/%.250s", v1,
                         or_none(trace_event_get(ev, bd->key2)));
            else
                snprintf(key, sizeof key, "%.500s", v1);
            tally_add(&t, key, 0, 1);
        }
        char title[128];
        if (bd->key2)
            snprintf(title, sizeof title, "%s by %s/%s", bd->type, bd->key1,
                     bd->key2);
        else
            snprintf(title, sizeof title, "%s by %s", bd->type, bd->key1);
        print_rows(out, &t, title);
        oom |= t.oom;
        tally_free(&t);
    }

    for (size_t s = 0; s < NSUMS; s++) {
        uint64_t n = 0, total = 0, bad = 0;
        for (size_t i = 0; i < tf->nevents; i++) {
            const struct trace_event *ev = &tf->events[i];
            if (strcmp(ev->type, sums[s].type) != 0)
                continue;
            uint64_t v;
            n++;
            if (parse_num(trace_event_get(ev, sums[s].key), &v))
                bad++;
            else
                total = total + v < total ? UINT64_MAX : total + v;
        }
        if (!n)
            continue;
        fprintf(out, "%s: %" PRIu64 " events, %" PRIu64 " %s in all", sums[s].type,
                n, total, sums[s].unit);
        if (bad)
            fprintf(out, " (%" PRIu64 " without a numeric %s=)", bad, sums[s].key);
        fputc('\n', out);
    }

    uint64_t alloc = 0, freed = 0;
    for (size_t i = 0; i < tf->nevents; i++) {
        alloc += strcmp(tf->events[i].type, "page-alloc") == 0;
        freed += strcmp(tf->events[i].type, "page-free") == 0;
    }
    if (alloc || freed)
        fprintf(out, "pages: %" PRIu64 " allocated, %" PRIu64
                " freed\n", alloc, freed);
    tally_free(&types);
    trace_file_free(tf);
    if (oom) {
        fprintf(err, "scout: trace stats: out of memory\n");
        return 2;
    }
    return 0;
}

/* ── entry points ─────────────────────────────────────────────────────── */

static int is_help(const char *s)
{
    return strcmp(s, "-h") == 0 || strcmp(s, "--help") == 0;
}

int trace_diff_main(int argc, char **argv)
{
    if (argc == 2 && is_help(argv[1])) {
        printf("%s\n", usage_diff);
        return 0;
    }
    unsigned flags = 0;
    if (argc >= 2 && strcmp(argv[1], "--ignore-config") == 0) {
        flags |= TRACE_DIFF_IGNORE_CONFIG;
        argv++;
        argc--;
    }
    if (argc != 3) {
        fprintf(stderr, "%s\n", usage_diff);
        return 2;
    }
    int rc = trace_diff_flags(argv[1], argv[2], flags, stdout, stderr);
    fflush(stdout);
    return rc;
}

int trace_stats_main(int argc, char **argv)
{
    if (argc == 2 && is_help(argv[1])) {
        printf("%s\n", usage_stats);
        return 0;
    }
    if (argc != 2) {
        fprintf(stderr, "%s\n", usage_stats);
        return 2;
    }
    int rc = trace_stats(argv[1], stdout, stderr);
    fflush(stdout);
    return rc;
}

int trace_main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "diff") == 0)
        return trace_diff_main(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "stats") == 0)
        return trace_stats_main(argc - 1, argv + 1);
    FILE *to = argc == 2 && is_help(argv[1]) ? stdout : stderr;
    fprintf(to, "%s\n%s\n", usage_diff, usage_stats);
    return to == stdout ? 0 : 2;
}
