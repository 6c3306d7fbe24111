/* drcov — writes the code scout scanned as a drcov version 2 file (the
 * format of DynamoRIO's drcov tool, read by lighthouse, bncov, ...).
 *
 *   --plugin drcov.so[,out=FILE]
 *
 * Default file: drcov.<guest>.<pid>.log in the current directory.  Written
 * when the plugin is unloaded or scout exits.
 *
 * What a "block" is here: every instruction the prescan engine classifies
 * (scout decodes each instruction before it may run) is recorded.  A block
 * is a maximal run of recorded instructions, in address order, each
 * starting where the previous one ended, that ends after a control
 * transfer (jmp, jcc, call, ret, int, syscall ...) or a terminal
 * instruction (hlt, ud2, undecodable bytes), or before a gap.  So blocks
 * are scanned code, not proof of execution: with a deep prescan they
 * include paths the guest never took; with --depth 0 (lazy) they are close
 * to what ran.  A branch target inside a run does not split it.  When a
 * page is invalidated (self-modifying code) its instructions are turned
 * into blocks at once, and the page's new code is recorded afresh.
 *
 * The module table has one module, the guest image: id 0, base = lowest
 * loaded guest-physical address, end = highest + 1, entry, path.  BB
 * entries are { uint32 start (relative to base), uint16 size, uint16
 * mod_id }, little-endian; blocks outside the image are left out.  Addresses are guest-physical (scout identity-maps RAM).
 * Counters: insns (classified), flushes (invalidated pages turned into blocks). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scout/plugin.h"

SCOUT_PLUGIN_EXPORT int scout_plugin_api_version = SCOUT_PLUGIN_API_VERSION;

struct insn { uint64_t gpa; unsigned len; unsigned ends; };
struct block { uint64_t start; unsigned size; };

static struct insn *insns;
static size_t ninsns, capinsns;
static struct block *blocks;
static size_t nblocks, capblocks;
static char out_path[4096];
static char module_path[4096];
static uint64_t base, end, entry;
static scout_plugin_counter *c_insns, *c_flushes;

static int grow(void **p, size_t *cap, size_t n, size_t elem)
{
    if (n < *cap)
        return 0;
    size_t c = *cap ? *cap * 2 : 256;
    void *q = realloc(*p, c * elem);
    if (!q)
        return -1;
    *p = q;
    *cap = c;
    return 0;
}

static int by_gpa(const void *a, const void *b)
{
    const struct insn *x = a, *y = b;
    return x->gpa < y->gpa ? -1 : x->gpa > y->gpa;
}

static int by_block(const void *a, const void *b)
{
    const struct block *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    return x->size < y->size ? -1 : x->size > y->size;
}

static int add_block(uint64_t start, unsigned size)
{
    if (grow((void **)&blocks, &capblocks, nblocks, sizeof(*blocks)))
        return -1;
    blocks[nblocks].start = start;
    blocks[nblocks++].size = size;
    return 0;
}

/* Turns the recorded instructions in [lo, hi) into blocks and drops them. */
static int flush_range(uint64_t lo, uint64_t hi)
{
    size_t k = 0, first = ninsns;
    qsort(insns, ninsns, sizeof(*insns), by_gpa);
    for (size_t i = 0; i < ninsns; i++)
        if (insns[i].gpa >= lo && insns[i].gpa < hi) {
            if (first == ninsns)
                first = i;
        }
    int rc = 0;
    for (size_t i = first; i < ninsns && insns[i].gpa < hi;) {
        uint64_t start = insns[i].gpa, next = start;
        size_t j = i;
        for (;;) {
            next = insns[j].gpa + insns[j].len;
            int stop = insns[j].ends;
            j++;
            while (j < ninsns && insns[j].gpa == insns[j - 1].gpa)
                j++;                     /* same start twice (another mode): first wins */
            if (stop || j >= ninsns || insns[j].gpa != next || insns[j].gpa >= hi || next - start > 0xfff0)
                break;
        }
        if (add_block(start, (unsigned)(next - start)) != 0)
            rc = -1;
        i = j;
    }
    /* drop [lo, hi) */
    for (size_t i = 0; i < ninsns; i++)
        if (!(insns[i].gpa >= lo && insns[i].gpa < hi))
            insns[k++] = insns[i];
    ninsns = k;
    return rc;
}

static int on_classify(scout_plugin_id id, void *ud, const scout_insn *in)
{
    (void)ud;
    if (grow((void **)&insns, &capinsns, ninsns, sizeof(*insns))) {
        scout_plugin_set_error(id, "out of memory");
        return SCOUT_PLUGIN_ERROR;
    }
    insns[ninsns].gpa = in->gpa;
    insns[ninsns].len = in->length ? in->length : 1;
    insns[ninsns++].ends = (in->flags & (SCOUT_INSN_BRANCH | SCOUT_INSN_TERMINAL | SCOUT_INSN_INVALID)) != 0;
    scout_plugin_counter_add(id, c_insns, 1);
    return SCOUT_CLASSIFY_KEEP;
}

static int on_invalidate(scout_plugin_id id, void *ud, const scout_invalidate *inv)
{
    (void)ud;
    scout_plugin_counter_add(id, c_flushes, 1);
    if (flush_range(inv->page, inv->page + 4096) != 0) {
        scout_plugin_set_error(id, "out of memory");
        return SCOUT_PLUGIN_ERROR;
    }
    return 0;
}

static void write_file(scout_plugin_id id)
{
    flush_range(0, UINT64_MAX);
    if (nblocks)
        qsort(blocks, nblocks, sizeof(*blocks), by_block);
    size_t k = 0, outside = 0;
    for (size_t i = 0; i < nblocks; i++) {
        if (k && blocks[k - 1].start == blocks[i].start && blocks[k - 1].size == blocks[i].size)
            continue;                    /* the same block seen before and after an invalidation */
        if (blocks[i].start < base || blocks[i].start + blocks[i].size > end) {
            outside++;
            continue;
        }
        blocks[k++] = blocks[i];
    }
    nblocks = k;
    (void)outside;
    FILE *f = fopen(out_path, "wb");
    if (!f) {
        scout_plugin_printf(id, "scout: plugin drcov: cannot write %s\n", out_path);
        return;
    }
    fprintf(f, "DRCOV VERSION: 2\nDRCOV FLAVOR: scout\n");
    fprintf(f, "Module Table: version 2, count 1\n");
    fprintf(f, "Columns: id, base, end, entry, path\n");
    fprintf(f, "  0, 0x%016llx, 0x%016llx, 0x%016llx, %s\n", (unsigned long long)base,
            (unsigned long long)end, (unsigned long long)entry, module_path);
    fprintf(f, "BB Table: %zu bbs\n", nblocks);
    for (size_t i = 0; i < nblocks; i++) {
        uint32_t start = (uint32_t)(blocks[i].start - base);
        uint16_t size = (uint16_t)blocks[i].size, mod = 0;
        unsigned char e[8] = { (unsigned char)start, (unsigned char)(start >> 8), (unsigned char)(start >> 16),
                               (unsigned char)(start >> 24), (unsigned char)size, (unsigned char)(size >> 8),
                               (unsigned char)mod, (unsigned char)(mod >> 8) };
        fwrite(e, 1, sizeof(e), f);
    }
    if (fclose(f) != 0)
        scout_plugin_printf(id, "scout: plugin drcov: error writing %s\n", out_path);
}

static void on_exit_cb(scout_plugin_id id, void *ud)
{
    (void)ud;
    write_file(id);
    free(insns);
    free(blocks);
    insns = NULL;
    blocks = NULL;
    ninsns = capinsns = nblocks = capblocks = 0;
}

SCOUT_PLUGIN_EXPORT int scout_plugin_install(scout_plugin_id id, const scout_plugin_info *info,
                                             int argc, const char **argv)
{
    out_path[0] = 0;
    for (int i = 0; i < argc; i++) {
        if (!strncmp(argv[i], "out=", 4) && argv[i][4]) {
            snprintf(out_path, sizeof(out_path), "%s", argv[i] + 4);
        } else {
            scout_plugin_set_error(id, "%s: expected out=FILE", argv[i]);
            return -1;
        }
    }
    if (!out_path[0])
        snprintf(out_path, sizeof(out_path), "drcov.%s.%ld.log", info->guest_name, (long)getpid());
    snprintf(module_path, sizeof(module_path), "%s", info->guest_path);
    base = info->image_base;
    end = info->image_end;
    entry = info->entry;
    if (info->raw) {
        scout_plugin_set_error(id, "needs scanning (not --raw): nothing is classified");
        return -1;
    }
    c_insns = scout_plugin_counter_new(id, "insns");
    c_flushes = scout_plugin_counter_new(id, "flushes");
    if (!c_insns || !c_flushes || scout_plugin_register_classify_cb(id, on_classify, NULL) ||
        scout_plugin_register_invalidate_cb(id, on_invalidate, NULL) ||
        scout_plugin_register_exit_cb(id, on_exit_cb, NULL)) {
        scout_plugin_set_error(id, "cannot register callbacks");
        return -1;
    }
    return 0;
}
