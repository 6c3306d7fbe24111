/* prescan.c — the engine from the command line: prescan, pstart,
 * pstep, map, attr, poke, stats, and the depth/scan variables. */
#include "ui/commands/commands_priv.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"

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
    session_prescan_stats(c->s, &p0);
    if (session_prescan(c->s, a, err, sizeof err) != 0)
        return cmd_error(ctx, "%s", err);
    session_prescan_stats(c->s, &p1);
    c->pscan_active = 0;
    cmd_printf(ctx, "prescan 0x%" PRIx64 " (physical 0x%" PRIx64 ", mode %d, depth %u): %" PRIu64
               " instructions scanned, %" PRIu64 " virtualize\n", a, gpa, session_mode(c->s), session_depth(c->s),
               p1.insns_scanned - p0.insns_scanned, virt_total(&p1) - virt_total(&p0));
    return 0;
}

static void print_worklist(struct cmd_ctx *ctx, struct session *s)
{
    const struct prescan_work *w;
    size_t n = session_worklist(s, &w);
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
    if (session_pstart(c->s, a, err, sizeof err) != 0)
        return cmd_error(ctx, "%s", err);
    c->pscan_active = 1;
    c->psteps = 0;
    cmd_printf(ctx, "scan started at 0x%" PRIx64 " (physical 0x%" PRIx64 ", mode %d, depth %u);", a, gpa,
               session_mode(c->s), session_depth(c->s));
    print_worklist(ctx, c->s);
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
    for (uint64_t i = 0; i < n; i++) {
        struct prescan_step st;
        int r = session_pstep(c->s, &st, err, sizeof err);
        if (r < 0) {
            c->pscan_active = 0;
            return cmd_error(ctx, "%s", err);
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
            snprintf(verdict, sizeof verdict, "virtualize %s", session_reason_name(st.reason));
        else
            snprintf(verdict, sizeof verdict, "native");
        cmd_printf(ctx, "0x%" PRIx64 " %s len=%u depth=%u %s end=%s", st.gpa,
                   st.decoded ? st.mnemonic_name : "-", st.decoded ? st.length : 0, st.depth, verdict,
                   session_path_end_name(st.end));
        if (st.has_target)
            cmd_printf(ctx, " target=0x%" PRIx64, st.target);
        print_worklist(ctx, c->s);
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
        session_set_depth(c->s, d);
        if (d)
            c->last_depth = d;
        cmd_var_set(ctx, "scan", d ? "recursive" : "lazy");
    } else {
        int lazy = strcmp(cmd_var_enum(ctx, "scan"), "lazy") == 0;
        unsigned d = lazy ? 0 : c->last_depth;
        char buf[24];
        snprintf(buf, sizeof buf, "%u", d);
        cmd_var_set(ctx, "depth", buf);
        session_set_depth(c->s, d);
    }
    c->var_guard = 0;
}

/* ── set links / set smc / set deprivilege ────────────────────────────── */

static void switch_changed(struct cmd_ctx *ctx, const char *name, void *arg)
{
    struct commands *c = cmds_of(ctx);
    (void)arg;
    if (!c || c->var_guard)
        return;
    if (strcmp(name, "links") == 0) {
        session_set_links(c->s, strcmp(cmd_var_enum(ctx, "links"), "on") == 0);
    } else if (strcmp(name, "deprivilege") == 0) {
        char err[256];
        if (session_set_deprivilege(c->s, strcmp(cmd_var_enum(ctx, "deprivilege"), "on") == 0, err,
                                    sizeof err) != 0) {
            c->var_guard = 1;           /* the setting stays what it is */
            cmd_var_set(ctx, "deprivilege", session_deprivileged(c->s) ? "on" : "off");
            c->var_guard = 0;
            cmd_error(ctx, "deprivilege: %s", err);
        }
    } else {
        session_set_smc_insn(c->s, strcmp(cmd_var_enum(ctx, "smc"), "insn") == 0);
    }
}

static const struct cmd_var_def prescan_vars[] = {
    { "depth", CMD_VAR_INT, "16", "prescan depth: 0 = lazy, N = recursive descent up to N", 0, 1000000, NULL,
      depth_changed, NULL },
    { "scan", CMD_VAR_ENUM, "recursive", "lazy (depth 0) or recursive (restores the last depth)", 0, 0,
      "lazy|recursive", depth_changed, NULL },
    { "links", CMD_VAR_ENUM, "off", "on: a static branch into another page runs native once its target is "
      "scanned (64-bit code), virtualize again when that page changes", 0, 0, "off|on", switch_changed, NULL },
    { "smc", CMD_VAR_ENUM, "page", "a write into scanned code: page = dump the page; insn = keep it when the "
      "instructions written decode the same", 0, 0, "page|insn", switch_changed, NULL },
    { "deprivilege", CMD_VAR_ENUM, "off", "on: 64-bit CPL 0 guest code runs at real CPL 3, natively, its "
      "CPL-sensitive instructions virtualized (--deprivilege); switching rescans", 0, 0, "off|on",
      switch_changed, NULL },
};

/* ── map / attr ─────────────────────────────────────────────────────── */

static int cmd_map(struct cmd_ctx *ctx, int argc, char **argv)
{
    struct commands *c = cmds_of(ctx);
    uint64_t a = session_rip_linear(c->s), gpa;
    struct session_map *m;
    if (cmds_need_enforce(ctx))
        return -1;
    if (argc > 2)
        return cmd_error(ctx, "usage: map [ADDRESS]");
    if (argc == 2 && cmds_location(ctx, argv[1], &a) != 0)
        return -1;
    if (cmds_translate(ctx, a, &gpa) != 0)
        return -1;
    if (!(m = malloc(sizeof *m)))
        return cmd_error(ctx, "out of memory");
    int mode = session_mode(c->s);
    session_map_page(c->s, base_page_of(gpa), mode, m);
    if (c->focus_hook)
        c->focus_hook(c->focus_hook_arg, argc < 2, a);
    cmd_printf(ctx, "page 0x%" PRIx64 " mode %d%s: %u instructions scanned, %u virtualize, %u trap bytes\n", m->page,
               mode, m->have_attrs ? "" : " (no attribute page)", m->scanned, m->virtualize, m->traps);
    cmd_printf(ctx, "legend: %s\n", SESSION_MAP_LEGEND);
    if (m->links_in)
        cmd_printf(ctx, "links in: %u branch%s in other pages land here natively (L)\n", m->links_in,
                   m->links_in == 1 ? "" : "es");
    if (m->invalidated)
        cmd_printf(ctx, "invalidated: write 0x%" PRIx64 "+%u hit the instruction at 0x%" PRIx64 " (%zu attributes dropped)\n",
                   m->inval_write, m->inval_len, m->inval_hit, m->inval_dropped);
    for (unsigned row = 0; row < 64; row++)
        cmd_printf(ctx, "%03x %.64s\n", row * 64, m->ch + row * 64);
    free(m);
    return 0;
}

/* ── rescan, forget ─────────────────────────────────────────────────── */

/* Drops a page's attributes and virtualize traps (breakpoints stay)
 * through the write check: its first scanned instruction's own byte is
 * written back, as if the guest did.  The scanned starts before it go in
 * before[] (when given).  0 dropped, 1 nothing was scanned, -1 error. */
static int forget_page(struct cmd_ctx *ctx, uint64_t page_lin, uint64_t page, uint8_t before[BASE_PAGE_SIZE])
{
    struct commands *c = cmds_of(ctx);
    const uint8_t *attr = session_attr_page(c->s, page, session_mode(c->s));
    char err[256];
    unsigned first = BASE_PAGE_SIZE;
    uint8_t b;
    if (before)
        memset(before, 0, BASE_PAGE_SIZE);
    for (unsigned off = 0; attr && off < BASE_PAGE_SIZE; off++)
        if (attr[off] & PRESCAN_ATTR_SCANNED) {
            if (first == BASE_PAGE_SIZE)
                first = off;
            if (before)
                before[off] = 1;
        }
    if (first == BASE_PAGE_SIZE)
        return 1;
    if (session_read_phys(c->s, page + first, &b, 1) != 0 ||
        session_write_dumping(c->s, page_lin + first, &b, 1, err, sizeof err) != 0)
        return cmd_error(ctx, "0x%" PRIx64 ": %s", page_lin + first, err);
    c->pscan_active = 0;
    return 0;
}

static int page_arg(struct cmd_ctx *ctx, int argc, char **argv, const char *usage, uint64_t *lin, uint64_t *page)
{
    struct commands *c = cmds_of(ctx);
    uint64_t a = session_rip_linear(c->s), gpa;
    if (cmds_need_enforce(ctx))
        return -1;
    if (argc > 2)
        return cmd_error(ctx, "usage: %s", usage);
    if (argc == 2 && cmds_location(ctx, argv[1], &a) != 0)
        return -1;
    if (cmds_translate(ctx, a, &gpa) != 0)
        return -1;
    *lin = a & ~(uint64_t)(BASE_PAGE_SIZE - 1);
    *page = base_page_of(gpa);
    return 0;
}

static int cmd_forget(struct cmd_ctx *ctx, int argc, char **argv)
{
    uint64_t lin, page;
    if (argc != 2)
        return cmd_error(ctx, "usage: forget ADDRESS (drops the attributes and traps of its page)");
    if (page_arg(ctx, argc, argv, "forget ADDRESS", &lin, &page) != 0)
        return -1;
    int r = forget_page(ctx, lin, page, NULL);
    if (r < 0)
        return -1;
    if (r > 0)
        cmd_printf(ctx, "page 0x%" PRIx64 ": nothing scanned, nothing to forget\n", page);
    else
        cmd_printf(ctx, "page 0x%" PRIx64 ": attributes and traps dropped (breakpoints kept)\n", page);
    return 0;
}

static int cmd_rescan(struct cmd_ctx *ctx, int argc, char **argv)
{
    struct commands *c = cmds_of(ctx);
    uint64_t lin, page, gpa;
    uint8_t before[BASE_PAGE_SIZE];
    char err[256];
    struct prescan_stats p0, p1;
    if (page_arg(ctx, argc, argv, "rescan [ADDRESS]", &lin, &page) != 0)
        return -1;
    session_prescan_stats(c->s, &p0);
    int r = forget_page(ctx, lin, page, before);
    if (r < 0)
        return -1;
    /* scan again from every instruction that was scanned before and is not
     * reached by the scans before it; RIP first when it is in the page */
    if (session_translate(c->s, session_rip_linear(c->s), &gpa) == 0 && base_page_of(gpa) == page &&
        session_prescan(c->s, session_rip_linear(c->s), err, sizeof err) != 0)
        return cmd_error(ctx, "%s", err);
    for (unsigned off = 0; off < BASE_PAGE_SIZE; off++)
        if (before[off] && !(session_attr(c->s, page + off, session_mode(c->s)) & PRESCAN_ATTR_SCANNED) &&
            session_prescan(c->s, lin + off, err, sizeof err) != 0)
            return cmd_error(ctx, "%s", err);
    session_prescan_stats(c->s, &p1);
    cmd_printf(ctx, "rescan page 0x%" PRIx64 " at depth %u: %" PRIu64 " instructions scanned, %" PRIu64 " virtualize\n",
               page, session_depth(c->s), p1.insns_scanned - p0.insns_scanned, virt_total(&p1) - virt_total(&p0));
    return 0;
}

static int cmd_attr(struct cmd_ctx *ctx, int argc, char **argv)
{
    struct commands *c = cmds_of(ctx);
    uint64_t a, gpa;
    if (cmds_need_enforce(ctx) || one_addr(ctx, argc, argv, "attr ADDRESS", &a) != 0 ||
        cmds_translate(ctx, a, &gpa) != 0)
        return -1;
    int mode = session_mode(c->s);
    uint8_t b = session_attr(c->s, gpa, mode);
    static const char *const kinds[4] = { "plain", "branch", "overlap", "policy" };
    cmd_printf(ctx, "0x%" PRIx64 " (physical 0x%" PRIx64 ", mode %d): attr 0x%02x", a, gpa, mode, b);
    if (!(b & PRESCAN_ATTR_SCANNED))
        cmd_printf(ctx, " not scanned");
    else
        cmd_printf(ctx, " scanned %s kind=%s len=%u reason=%s",
                   (b & PRESCAN_ATTR_VIRTUALIZE) ? "virtualize" : "native",
                   kinds[(b & PRESCAN_ATTR_KIND_MASK) >> PRESCAN_ATTR_KIND_SHIFT], b & PRESCAN_ATTR_LEN_MASK,
                   session_reason_name(session_reason_at(c->s, gpa, mode)));
    unsigned k = session_trap_kinds(c->s, gpa);
    uint8_t orig;
    if (k && session_trap_original(c->s, gpa, &orig) == 0)
        cmd_printf(ctx, "; trap%s%s%s%s (guest byte 0x%02x)", k & ENF_TRAP_VIRTUALIZE ? " virtualize" : "",
                   k & ENF_TRAP_STEP ? " step" : "", k & ENF_TRAP_BREAK ? " break" : "",
                   session_trap_armed(c->s, gpa) ? "" : " suspended", orig);
    cmd_printf(ctx, "\n");
    return 0;
}

/* ── poke ───────────────────────────────────────────────────────────── */

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
        int st = cmd_parse_hex_bytes(argv[i], bytes, COMMANDS_MAX_POKE, &n);
        if (st == CMD_NUM_OVERFLOW)
            return cmd_error(ctx, "too many bytes (limit %u)", COMMANDS_MAX_POKE);
        if (st != CMD_NUM_OK)
            return cmd_error(ctx, "\"%s\" is not hex bytes (an even number of hex digits)", argv[i]);
    }
    /* every page must be there (with these errors) before anything is written */
    uint64_t gpa, gpa2;
    size_t first = base_page_chunk(a, n);
    if (cmds_translate(ctx, a, &gpa) != 0 || (first < n && cmds_translate(ctx, a + first, &gpa2) != 0))
        return -1;
    struct enf_stats e0, e1;
    session_enforce_stats(c->s, &e0);
    if (session_write_linear(c->s, a, bytes, n, 0, err, sizeof err) != 0)
        return cmd_error(ctx, "0x%" PRIx64 ": %s", a, err);
    session_enforce_stats(c->s, &e1);
    c->pscan_active = 0;                /* an invalidation may have abandoned it */
    cmd_printf(ctx, "poke 0x%" PRIx64 " (physical 0x%" PRIx64 "): %zu byte%s, ", a, gpa, n, n == 1 ? "" : "s");
    if (e1.invalidations > e0.invalidations)
        cmd_printf(ctx, "invalidated %" PRIu64 " page%s (%" PRIu64 " attributes dropped)\n",
                   e1.invalidations - e0.invalidations, e1.invalidations - e0.invalidations == 1 ? "" : "s",
                   e1.attrs_dropped - e0.attrs_dropped);
    else if (e1.data_writes > e0.data_writes)
        cmd_printf(ctx, "data write into a code page (no scanned instruction hit)\n");
    else if (e1.smc_kept > e0.smc_kept)
        cmd_printf(ctx, "scanned instructions rewritten in place, page kept (smc insn)\n");
    else
        cmd_printf(ctx, "plain memory write (not a code page)\n");
    return 0;
}

/* ── stats ──────────────────────────────────────────────────────────── */

static void stats_line(void *arg, const char *line) { cmd_printf(arg, "%s\n", line); }

static int cmd_stats(struct cmd_ctx *ctx, int argc, char **argv)
{
    struct commands *c = cmds_of(ctx);
    (void)argc;
    (void)argv;
    session_format_stats(c->s, SESSION_STATS_COMMAND, stats_line, ctx);
    if (c->stats_hook)
        c->stats_hook(c->stats_hook_arg, ctx);
    return 0;
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
    { "map", NULL, "[ADDRESS]", "the attribute page holding ADDRESS (default RIP) as a 64x64 map",
      "One character a byte, the TUI's map pane's letters: " SESSION_MAP_LEGEND ".\n"
      "The TUI's map pane moves to the page (map alone: back to RIP).",
      CMD_CLASS_PRESCAN, CMD_COMPLETE_ADDRESS, 0, cmd_map, NULL },
    { "rescan", NULL, "[ADDRESS]", "drop a page's attributes and traps, scan it again at the current depth",
      "The page of ADDRESS (default RIP): every instruction scanned before is scanned\n"
      "again from, at `set depth`'s depth (breakpoints stay).  The drop goes through\n"
      "the write check, so it counts as an injected invalidation.",
      CMD_CLASS_PRESCAN, CMD_COMPLETE_ADDRESS, CMD_F_NO_REPEAT, cmd_rescan, NULL },
    { "forget", NULL, "ADDRESS", "drop a page's attributes and traps (scanned again when reached)", NULL,
      CMD_CLASS_PRESCAN, CMD_COMPLETE_ADDRESS, CMD_F_NO_REPEAT, cmd_forget, NULL },
    { "attr", NULL, "ADDRESS", "decode the attribute byte of one address", NULL, CMD_CLASS_PRESCAN,
      CMD_COMPLETE_ADDRESS, 0, cmd_attr, NULL },
    { "poke", NULL, "ADDRESS HEXBYTES...", "write bytes at a linear address as if the guest did",
      "The write goes through the same write check as the guest's own: it either\n"
      "invalidates the page (it hit a scanned instruction) or is a data write.",
      CMD_CLASS_PRESCAN, CMD_COMPLETE_ADDRESS, CMD_F_NO_REPEAT, cmd_poke, NULL },
    { "stats", NULL, "", "engine, enforcement and monitor counters", NULL, CMD_CLASS_PRESCAN,
      CMD_COMPLETE_NONE, 0, cmd_stats, NULL },
};

int cmds_prescan_register(struct cmd_ctx *ctx)
{
    struct commands *c = cmds_of(ctx);
    char buf[24];
    if (cmd_register(ctx, prescan_cmds, sizeof prescan_cmds / sizeof prescan_cmds[0]) != 0 ||
        cmd_var_register(ctx, prescan_vars, sizeof prescan_vars / sizeof prescan_vars[0]) != 0)
        return -1;
    unsigned d = session_depth(c->s);
    snprintf(buf, sizeof buf, "%u", d);
    c->var_guard = 1;
    cmd_var_set(ctx, "depth", buf);
    cmd_var_set(ctx, "scan", d ? "recursive" : "lazy");
    cmd_var_set(ctx, "links", session_links(c->s) ? "on" : "off");
    cmd_var_set(ctx, "smc", session_smc_insn(c->s) ? "insn" : "page");
    cmd_var_set(ctx, "deprivilege", session_deprivileged(c->s) ? "on" : "off");
    c->var_guard = 0;
    return 0;
}
