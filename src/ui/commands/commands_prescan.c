/* commands_prescan.c — the engine from the command line: prescan, pstart,
 * pstep, map, attr, poke, stats, and the depth/scan variables. */
#include "ui/commands/commands_priv.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/kvm/kvm.h"
#include "monitor/enforce/enforce.h"

#define PAGE 4096u

static int one_addr(struct cmd_ctx *ctx, int argc, char **argv, const char *usage, uint64_t *a)
{
    if (argc != 2)
        return cmd_error(ctx, "usage: %s", usage);
    return cmd_eval_addr(ctx, argv[1], a);
}

/* ── prescan ────────────────────────────────────────────────────────── */

static uint64_t virt_total(const struct prescan_stats *p)
{
    uint64_t n = 0;
    for (int i = 1; i < PRESCAN_REASON_COUNT; i++)
        n += p->virtualize[i];
    return n;
}

static int cmd_prescan(struct cmd_ctx *ctx, int argc, char **argv)
{
    struct commands *c = cmds_of(ctx);
    uint64_t a, gpa;
    char err[256];
    if (cmds_need_enforce(ctx) || one_addr(ctx, argc, argv, "prescan ADDRESS", &a) != 0 ||
        cmds_translate(ctx, a, &gpa) != 0)
        return -1;
    struct prescan_stats p0, p1;
    prescan_get_stats(enf_engine(c->s->ef), &p0);
    if (enf_prescan(c->s->ef, a, 0, err, sizeof err) != 0)
        return cmd_error(ctx, "%s", err);
    prescan_get_stats(enf_engine(c->s->ef), &p1);
    c->pscan_active = 0;
    cmd_printf(ctx, "prescan 0x%" PRIx64 " (physical 0x%" PRIx64 ", mode %d, depth %u): %" PRIu64
               " instructions scanned, %" PRIu64 " virtualize\n", a, gpa, cmds_mode(c), enf_depth(c->s->ef),
               p1.insns_scanned - p0.insns_scanned, virt_total(&p1) - virt_total(&p0));
    return 0;
}

static void print_worklist(struct cmd_ctx *ctx, struct prescan *ps)
{
    const struct prescan_work *w;
    size_t n = prescan_worklist(ps, &w);
    cmd_printf(ctx, " worklist=[");
    for (size_t i = 0; i < n; i++)
        cmd_printf(ctx, "%s0x%" PRIx64 "@%u", i ? " " : "", w[n - 1 - i].gpa, w[n - 1 - i].depth);
    cmd_printf(ctx, "]\n");
}

static int cmd_pstart(struct cmd_ctx *ctx, int argc, char **argv)
{
    struct commands *c = cmds_of(ctx);
    uint64_t a, gpa;
    char err[256];
    if (cmds_need_enforce(ctx) || one_addr(ctx, argc, argv, "pstart ADDRESS", &a) != 0 ||
        cmds_translate(ctx, a, &gpa) != 0)
        return -1;
    if (enf_prescan_start(c->s->ef, a, 0, err, sizeof err) != 0)
        return cmd_error(ctx, "%s", err);
    c->pscan_active = 1;
    c->psteps = 0;
    cmd_printf(ctx, "scan started at 0x%" PRIx64 " (physical 0x%" PRIx64 ", mode %d, depth %u);", a, gpa,
               cmds_mode(c), enf_depth(c->s->ef));
    print_worklist(ctx, enf_engine(c->s->ef));
    return 0;
}

static int cmd_pstep(struct cmd_ctx *ctx, int argc, char **argv)
{
    struct commands *c = cmds_of(ctx);
    uint64_t n = 1;
    char err[256];
    if (cmds_need_enforce(ctx))
        return -1;
    if (argc > 2)
        return cmd_error(ctx, "usage: pstep [N]");
    if (cmd_arg_count(ctx, argc > 1 ? argv[1] : NULL, COMMANDS_MAX_STEPS, &n) != 0)
        return -1;
    if (!c->pscan_active)
        return cmd_error(ctx, "no scan in progress (start one with pstart ADDRESS)");
    struct prescan *ps = enf_engine(c->s->ef);
    for (uint64_t i = 0; i < n; i++) {
        struct prescan_step st;
        int r = prescan_step(ps, &st);
        if (enf_sync(c->s->ef, err, sizeof err) != 0) {
            c->pscan_active = 0;
            return cmd_error(ctx, "%s", err);
        }
        if (r < 0) {
            c->pscan_active = 0;
            return cmd_error(ctx, "the engine failed (out of memory)");
        }
        if (r == 0) {
            c->pscan_active = 0;
            cmd_printf(ctx, "scan finished after %lu step%s\n", c->psteps, c->psteps == 1 ? "" : "s");
            return 0;
        }
        c->psteps++;
        char verdict[64];
        if (!st.decoded)
            snprintf(verdict, sizeof verdict, "-");
        else if (st.virtualize)
            snprintf(verdict, sizeof verdict, "virtualize %s", prescan_reason_name(st.reason));
        else
            snprintf(verdict, sizeof verdict, "native");
        cmd_printf(ctx, "0x%" PRIx64 " %s len=%u depth=%u %s end=%s", st.gpa,
                   st.decoded ? st.mnemonic_name : "-", st.decoded ? st.length : 0, st.depth, verdict,
                   prescan_path_end_name(st.end));
        if (st.has_target)
            cmd_printf(ctx, " target=0x%" PRIx64, st.target);
        print_worklist(ctx, ps);
    }
    return 0;
}

/* ── set depth / set scan ───────────────────────────────────────────── */

static void depth_changed(struct cmd_ctx *ctx, const char *name, void *arg)
{
    struct commands *c = cmds_of(ctx);
    (void)arg;
    if (!c || c->var_guard)
        return;
    c->var_guard = 1;
    if (strcmp(name, "depth") == 0) {
        unsigned d = (unsigned)cmd_var_int(ctx, "depth");
        if (c->s->ef)
            enf_set_depth(c->s->ef, d);
        if (d)
            c->last_depth = d;
        cmd_var_set(ctx, "scan", d ? "recursive" : "lazy");
    } else {
        int lazy = strcmp(cmd_var_enum(ctx, "scan"), "lazy") == 0;
        unsigned d = lazy ? 0 : c->last_depth;
        char buf[24];
        snprintf(buf, sizeof buf, "%u", d);
        cmd_var_set(ctx, "depth", buf);
        if (c->s->ef)
            enf_set_depth(c->s->ef, d);
    }
    c->var_guard = 0;
}

static const struct cmd_var_def prescan_vars[] = {
    { "depth", CMD_VAR_INT, "16", "prescan depth: 0 = lazy, N = recursive descent up to N", 0, 1000000, NULL,
      depth_changed, NULL },
    { "scan", CMD_VAR_ENUM, "recursive", "lazy (depth 0) or recursive (restores the last depth)", 0, 0,
      "lazy|recursive", depth_changed, NULL },
};

/* ── map / attr ─────────────────────────────────────────────────────── */

struct map_marks { char *cells; uint64_t page; };

static void mark_trap(void *ctx, uint64_t gpa, unsigned kinds, uint8_t orig)
{
    struct map_marks *m = ctx;
    (void)orig;
    char *cell = &m->cells[gpa - m->page];
    if (kinds & ENF_TRAP_BREAK)
        *cell = 'B';
    else if (*cell != 'V')
        *cell = 'T';
}

static int cmd_map(struct cmd_ctx *ctx, int argc, char **argv)
{
    struct commands *c = cmds_of(ctx);
    uint64_t a = cmds_rip_linear(c), gpa, rip_gpa = UINT64_MAX;
    if (cmds_need_enforce(ctx))
        return -1;
    if (argc > 2)
        return cmd_error(ctx, "usage: map [ADDRESS]");
    if (argc == 2 && cmd_eval_addr(ctx, argv[1], &a) != 0)
        return -1;
    if (cmds_translate(ctx, a, &gpa) != 0)
        return -1;
    int mode = cmds_mode(c);
    uint64_t page = gpa & ~(uint64_t)(PAGE - 1);
    const uint8_t *attr = prescan_attr_page(enf_engine(c->s->ef), page, (enum prescan_mode)mode);
    char cells[PAGE];
    memset(cells, '.', sizeof cells);
    if (attr) {
        for (unsigned off = 0; off < PAGE; off++) {
            uint8_t b = attr[off];
            if (!(b & PRESCAN_ATTR_SCANNED))
                continue;
            cells[off] = (b & PRESCAN_ATTR_VIRTUALIZE) ? 'V' : 'N';
            unsigned len = b & PRESCAN_ATTR_LEN_MASK;
            for (unsigned k = 1; k < len && off + k < PAGE; k++)
                if (cells[off + k] == '.')
                    cells[off + k] = '-';
        }
    }
    struct map_marks m = { cells, page };
    enf_trap_for_each_in_page(enf_traps(c->s->ef), page, mark_trap, &m);
    if (gmem_translate(c->s->vm, cmds_rip_linear(c), 0, &rip_gpa) == 0 && (rip_gpa & ~(uint64_t)(PAGE - 1)) == page)
        cells[rip_gpa - page] = '@';
    cmd_printf(ctx, "page 0x%" PRIx64 " mode %d%s\n", page, mode, attr ? "" : " (no attribute page)");
    cmd_printf(ctx, "legend: . unscanned  N native  V virtualize  - instruction body  T trap  B breakpoint  @ rip\n");
    for (unsigned row = 0; row < 64; row++)
        cmd_printf(ctx, "%03x %.64s\n", row * 64, cells + row * 64);
    return 0;
}

static int cmd_attr(struct cmd_ctx *ctx, int argc, char **argv)
{
    struct commands *c = cmds_of(ctx);
    uint64_t a, gpa;
    if (cmds_need_enforce(ctx) || one_addr(ctx, argc, argv, "attr ADDRESS", &a) != 0 ||
        cmds_translate(ctx, a, &gpa) != 0)
        return -1;
    int mode = cmds_mode(c);
    struct prescan *ps = enf_engine(c->s->ef);
    uint8_t b = prescan_attr(ps, gpa, (enum prescan_mode)mode);
    static const char *const kinds[4] = { "plain", "branch", "overlap", "policy" };
    cmd_printf(ctx, "0x%" PRIx64 " (physical 0x%" PRIx64 ", mode %d): attr 0x%02x", a, gpa, mode, b);
    if (!(b & PRESCAN_ATTR_SCANNED))
        cmd_printf(ctx, " not scanned");
    else
        cmd_printf(ctx, " scanned %s kind=%s len=%u reason=%s",
                   (b & PRESCAN_ATTR_VIRTUALIZE) ? "virtualize" : "native",
                   kinds[(b & PRESCAN_ATTR_KIND_MASK) >> PRESCAN_ATTR_KIND_SHIFT], b & PRESCAN_ATTR_LEN_MASK,
                   prescan_reason_name(prescan_reason_at(ps, gpa, (enum prescan_mode)mode)));
    unsigned k = enf_trap_kinds(enf_traps(c->s->ef), gpa);
    uint8_t orig;
    if (k && enf_trap_original(enf_traps(c->s->ef), gpa, &orig) == 0)
        cmd_printf(ctx, "; trap%s%s%s%s (guest byte 0x%02x)", k & ENF_TRAP_VIRTUALIZE ? " virtualize" : "",
                   k & ENF_TRAP_STEP ? " step" : "", k & ENF_TRAP_BREAK ? " break" : "",
                   enf_trap_is_armed(enf_traps(c->s->ef), gpa) ? "" : " suspended", orig);
    cmd_printf(ctx, "\n");
    return 0;
}

/* ── poke ───────────────────────────────────────────────────────────── */

static int hexval(int ch)
{
    if (ch >= '0' && ch <= '9') return ch - '0';
    if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
    return -1;
}

static int cmd_poke(struct cmd_ctx *ctx, int argc, char **argv)
{
    struct commands *c = cmds_of(ctx);
    uint8_t bytes[COMMANDS_MAX_POKE];
    size_t n = 0;
    uint64_t a;
    char err[256];
    if (cmds_need_enforce(ctx))
        return -1;
    if (argc < 3)
        return cmd_error(ctx, "usage: poke ADDRESS HEXBYTES... (e.g. poke 0x401000 90 90, or 9090)");
    if (cmd_eval_addr(ctx, argv[1], &a) != 0)
        return -1;
    for (int i = 2; i < argc; i++) {
        const char *h = argv[i];
        if (h[0] == '0' && (h[1] == 'x' || h[1] == 'X'))
            h += 2;
        size_t len = strlen(h);
        if (len == 0 || len % 2)
            return cmd_error(ctx, "\"%s\" is not hex bytes (an even number of hex digits)", argv[i]);
        for (size_t k = 0; k < len; k += 2) {
            int hi = hexval(h[k]), lo = hexval(h[k + 1]);
            if (hi < 0 || lo < 0)
                return cmd_error(ctx, "\"%s\" is not hex bytes (an even number of hex digits)", argv[i]);
            if (n == COMMANDS_MAX_POKE)
                return cmd_error(ctx, "too many bytes (limit %u)", COMMANDS_MAX_POKE);
            bytes[n++] = (uint8_t)(hi << 4 | lo);
        }
    }
    /* translate every page first: all or nothing */
    uint64_t gpas[2];
    size_t first = PAGE - (a & (PAGE - 1));
    if (first > n)
        first = n;
    if (cmds_translate(ctx, a, &gpas[0]) != 0 || (first < n && cmds_translate(ctx, a + first, &gpas[1]) != 0))
        return -1;
    struct enf_stats e0, e1;
    enf_get_stats(c->s->ef, &e0);
    if (enf_inject_write(c->s->ef, gpas[0], bytes, first, err, sizeof err) != 0 ||
        (first < n && enf_inject_write(c->s->ef, gpas[1], bytes + first, n - first, err, sizeof err) != 0))
        return cmd_error(ctx, "0x%" PRIx64 ": %s", a, err);
    enf_get_stats(c->s->ef, &e1);
    c->pscan_active = 0;                /* an invalidation may have abandoned it */
    cmd_printf(ctx, "poke 0x%" PRIx64 " (physical 0x%" PRIx64 "): %zu byte%s, ", a, gpas[0], n, n == 1 ? "" : "s");
    if (e1.invalidations > e0.invalidations)
        cmd_printf(ctx, "invalidated %" PRIu64 " page%s (%" PRIu64 " attributes dropped)\n",
                   e1.invalidations - e0.invalidations, e1.invalidations - e0.invalidations == 1 ? "" : "s",
                   e1.attrs_dropped - e0.attrs_dropped);
    else if (e1.data_writes > e0.data_writes)
        cmd_printf(ctx, "data write into a code page (no scanned instruction hit)\n");
    else
        cmd_printf(ctx, "plain memory write (not a code page)\n");
    return 0;
}

/* ── stats ──────────────────────────────────────────────────────────── */

#define U(x) ((unsigned long long)(x))

static int cmd_stats(struct cmd_ctx *ctx, int argc, char **argv)
{
    struct commands *c = cmds_of(ctx);
    (void)argc;
    (void)argv;
    char line[512];
    session_format_monitor_stats(c->s, line, sizeof line);
    cmd_printf(ctx, "monitor: %s\n", line);
    if (!c->s->ef) {
        cmd_printf(ctx, "enforcement: off (--raw)\n");
        if (c->stats_hook)
            c->stats_hook(c->stats_hook_arg, ctx);
        return 0;
    }
    struct enf_stats e;
    struct prescan_stats p;
    enf_get_stats(c->s->ef, &e);
    prescan_get_stats(enf_engine(c->s->ef), &p);
    cmd_printf(ctx, "enforce: vexits=%llu", U(e.vexits));
    for (int r = 1; r < PRESCAN_REASON_COUNT; r++)
        cmd_printf(ctx, " %s=%llu", prescan_reason_name((enum prescan_reason)r), U(e.vexit_reason[r]));
    cmd_printf(ctx, "\nenforce: resolved=%llu emulated=%llu stepped=%llu refused=%llu ud=%llu step_trap_hits=%llu\n",
               U(e.resolved), U(e.emulated), U(e.stepped), U(e.refused), U(e.ud_injected),
               U(e.step_trap_hits));
    cmd_printf(ctx, "writes: invalidations=%llu dropped=%llu data_writes=%llu injected=%llu\n",
               U(e.invalidations), U(e.attrs_dropped), U(e.data_writes), U(e.injected_writes));
    cmd_printf(ctx, "traps: planted=%llu removed=%llu live=%zu pages_protected=%llu pages_unprotected=%llu\n",
               U(e.traps_planted), U(e.traps_removed), enf_trap_count(enf_traps(c->s->ef)), U(e.pages_protected),
               U(e.pages_unprotected));
    cmd_printf(ctx, "engine: scans=%llu steps=%llu insns=%llu bytes=%llu pages_live=%llu pages_allocated=%llu "
               "pages_freed=%llu flips=%llu max_depth=%u worklist_max=%zu\n",
               U(p.scans), U(p.steps), U(p.insns_scanned), U(p.bytes_decoded), U(p.pages_live),
               U(p.pages_allocated), U(p.pages_freed), U(p.branch_flips), p.max_depth_reached,
               p.worklist_high_water);
    cmd_printf(ctx, "engine: virtualize");
    for (int r = 1; r < PRESCAN_REASON_COUNT; r++)
        cmd_printf(ctx, " %s=%llu", prescan_reason_name((enum prescan_reason)r), U(p.virtualize[r]));
    cmd_printf(ctx, "\nengine: write_checks=%llu write_hits=%llu data_writes=%llu invalidations=%llu\n",
               U(p.write_checks), U(p.write_hits), U(p.data_writes), U(p.invalidations));
    if (c->stats_hook)
        c->stats_hook(c->stats_hook_arg, ctx);
    return 0;
}

void commands_set_stats_hook(struct commands *c, void (*hook)(void *arg, struct cmd_ctx *ctx), void *arg)
{
    c->stats_hook = hook;
    c->stats_hook_arg = arg;
}

static const struct cmd_def prescan_cmds[] = {
    { "prescan", NULL, "ADDRESS", "scan from a linear address now, without running", NULL, CMD_CLASS_PRESCAN,
      CMD_COMPLETE_ADDRESS, CMD_F_NO_REPEAT, cmd_prescan, NULL },
    { "pstart", NULL, "ADDRESS", "start a steppable scan at a linear address (then pstep)", NULL,
      CMD_CLASS_PRESCAN, CMD_COMPLETE_ADDRESS, CMD_F_NO_REPEAT, cmd_pstart, NULL },
    { "pstep", NULL, "[N]", "advance the scan N instructions (default 1)",
      "Each step prints: guest-physical address, mnemonic, length, depth, verdict\n"
      "and reason, how the path ended, a branch target, and the worklist (next\n"
      "popped first, as ADDRESS@DEPTH).  Traps and protection follow each step.",
      CMD_CLASS_PRESCAN, CMD_COMPLETE_NONE, 0, cmd_pstep, NULL },
    { "map", NULL, "[ADDRESS]", "the attribute page holding ADDRESS (default RIP) as a 64x64 map", NULL,
      CMD_CLASS_PRESCAN, CMD_COMPLETE_ADDRESS, 0, cmd_map, NULL },
    { "attr", NULL, "ADDRESS", "decode the attribute byte of one address", NULL, CMD_CLASS_PRESCAN,
      CMD_COMPLETE_ADDRESS, 0, cmd_attr, NULL },
    { "poke", NULL, "ADDRESS HEXBYTES...", "write bytes at a linear address as if the guest did",
      "The write goes through the same write check as the guest's own: it either\n"
      "invalidates the page (it hit a scanned instruction) or is a data write.",
      CMD_CLASS_PRESCAN, CMD_COMPLETE_ADDRESS, CMD_F_NO_REPEAT, cmd_poke, NULL },
    { "stats", NULL, "", "engine, enforcement and monitor counters", NULL, CMD_CLASS_PRESCAN,
      CMD_COMPLETE_NONE, 0, cmd_stats, NULL },
};

int commands_prescan_register(struct cmd_ctx *ctx)
{
    struct commands *c = cmds_of(ctx);
    char buf[24];
    if (cmd_register(ctx, prescan_cmds, sizeof prescan_cmds / sizeof prescan_cmds[0]) != 0 ||
        cmd_var_register(ctx, prescan_vars, sizeof prescan_vars / sizeof prescan_vars[0]) != 0)
        return -1;
    unsigned d = c->s->ef ? enf_depth(c->s->ef) : 0;
    snprintf(buf, sizeof buf, "%u", d);
    c->var_guard = 1;
    cmd_var_set(ctx, "depth", buf);
    cmd_var_set(ctx, "scan", d ? "recursive" : "lazy");
    c->var_guard = 0;
    return 0;
}
