/* insn-stats — virtualize exits by mnemonic and reason.
 *
 *   --plugin insn-stats.so     command: insn-stats
 *
 * Counts every virtualize exit (also those another plugin handled), and
 * prints the table when the guest has ended (the final run stop), at
 * unload/exit if it was not printed since the last exit, and on its
 * command.  Rows are sorted by count (highest first), then mnemonic, then
 * reason, so the output is deterministic.  Counter: vexits. */
#include <stdlib.h>
#include <string.h>

#include "scout/plugin.h"

SCOUT_PLUGIN_EXPORT int scout_plugin_api_version = SCOUT_PLUGIN_API_VERSION;

struct row { char mnemonic[32]; char reason[32]; uint64_t count; };

static struct row *rows;
static size_t nrows, caprows;
static uint64_t total;
static int dirty;                   /* exits since the table was last printed */
static scout_plugin_counter *ctr;

static int on_vexit(scout_plugin_id id, void *ud, const scout_vexit *v)
{
    (void)ud;
    for (size_t i = 0; i < nrows; i++)
        if (!strcmp(rows[i].mnemonic, v->mnemonic) && !strcmp(rows[i].reason, v->reason)) {
            rows[i].count++;
            goto counted;
        }
    if (nrows == caprows) {
        size_t cap = caprows ? caprows * 2 : 16;
        struct row *r = realloc(rows, cap * sizeof(*r));
        if (!r) {
            scout_plugin_set_error(id, "out of memory");
            return SCOUT_PLUGIN_ERROR;
        }
        rows = r;
        caprows = cap;
    }
    memset(&rows[nrows], 0, sizeof(rows[0]));
    strncpy(rows[nrows].mnemonic, v->mnemonic, sizeof(rows[0].mnemonic) - 1);
    strncpy(rows[nrows].reason, v->reason, sizeof(rows[0].reason) - 1);
    rows[nrows++].count = 1;
counted:
    total++;
    dirty = 1;
    scout_plugin_counter_add(id, ctr, 1);
    return SCOUT_VEXIT_PASS;
}

static int by_count(const void *a, const void *b)
{
    const struct row *x = a, *y = b;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    int c = strcmp(x->mnemonic, y->mnemonic);
    return c ? c : strcmp(x->reason, y->reason);
}

static void print_table(scout_plugin_id id)
{
    if (nrows)
        qsort(rows, nrows, sizeof(rows[0]), by_count);
    scout_plugin_printf(id, "insn-stats: %llu virtualize exits\n", (unsigned long long)total);
    for (size_t i = 0; i < nrows; i++)
        scout_plugin_printf(id, "insn-stats: %8llu  %-12s %s\n", (unsigned long long)rows[i].count,
                            rows[i].mnemonic, rows[i].reason);
    dirty = 0;
}

static int on_run(scout_plugin_id id, void *ud, const scout_run *r)
{
    (void)ud;
    if (!r->start && r->final)
        print_table(id);
    return 0;
}

static int cmd_insn_stats(scout_plugin_id id, int argc, const char **argv)
{
    (void)argv;
    if (argc != 1) {
        scout_plugin_set_error(id, "takes no arguments");
        return -1;
    }
    print_table(id);
    return 0;
}

static void on_exit_cb(scout_plugin_id id, void *ud)
{
    (void)ud;
    if (dirty)
        print_table(id);
    free(rows);
    rows = NULL;
    nrows = caprows = 0;
    total = 0;
}

SCOUT_PLUGIN_EXPORT int scout_plugin_install(scout_plugin_id id, const scout_plugin_info *info,
                                             int argc, const char **argv)
{
    (void)info;
    if (argc) {
        scout_plugin_set_error(id, "%s: insn-stats takes no arguments", argv[0]);
        return -1;
    }
    ctr = scout_plugin_counter_new(id, "vexits");
    if (!ctr || scout_plugin_register_vexit_cb(id, on_vexit, NULL) || scout_plugin_register_run_cb(id, on_run, NULL) ||
        scout_plugin_register_exit_cb(id, on_exit_cb, NULL) ||
        scout_plugin_register_command(id, "insn-stats", "virtualize exits by mnemonic and reason", cmd_insn_stats)) {
        scout_plugin_set_error(id, "cannot register callbacks");
        return -1;
    }
    return 0;
}
