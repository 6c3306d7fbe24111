/* prescan.c — the prescan engine and the trap table as the commands and
 * the TUI show them, and the hooks plugins set.  Everything here needs
 * enforcement and answers "nothing" under --raw.  See session.h. */
#include "ui/session/session_priv.h"

#include <string.h>

#include "base/base.h"
#include "monitor/x86/x86.h"

static struct prescan *engine(struct session *s) { return s->impl->ef ? enf_engine(s->impl->ef) : NULL; }
static struct enf_trap_table *traps(struct session *s) { return s->impl->ef ? enf_traps(s->impl->ef) : NULL; }

unsigned session_depth(const struct session *s) { return s->impl->ef ? enf_depth(s->impl->ef) : 0; }

void session_set_depth(struct session *s, unsigned depth)
{
    if (!s->impl->ef || enf_depth(s->impl->ef) == depth)
        return;
    enf_set_depth(s->impl->ef, depth);
    if (s->impl->trace) {       /* an option changed: so traces of two settings align */
        trace_emit(s->impl->trace, "option", "name=scan value=%s", depth ? "recursive" : "lazy");
        trace_emit(s->impl->trace, "option", "name=depth value=%u", depth);
    }
}

int session_links(const struct session *s) { return s->impl->ef ? enf_links(s->impl->ef) : 0; }
int session_smc_insn(const struct session *s) { return s->impl->ef ? enf_smc_insn(s->impl->ef) : 0; }

/* A switch changes: set it, and say so in the trace. */
static void set_switch(struct session *s, int (*get)(const struct enf *), void (*set)(struct enf *, int), int on,
                       const char *name, const char *value)
{
    if (!s->impl->ef || get(s->impl->ef) == !!on)
        return;
    set(s->impl->ef, !!on);
    if (s->impl->trace)
        trace_emit(s->impl->trace, "option", "name=%s value=%s", name, value);
}

void session_set_links(struct session *s, int on)
{
    set_switch(s, enf_links, enf_set_links, on, "links", on ? "on" : "off");
}

void session_set_smc_insn(struct session *s, int insn)
{
    set_switch(s, enf_smc_insn, enf_set_smc, insn, "smc", insn ? "insn" : "page");
}

int session_deprivileged(const struct session *s) { return s->impl->ef ? enf_deprivileged(s->impl->ef) : 0; }

int session_set_deprivilege(struct session *s, int on, char *err, size_t errlen)
{
    struct enf *ef = s->impl->ef;
    if (!ef)
        return base_err(err, errlen, "needs scanning (not --raw)");
    if (enf_deprivileged(ef) == !!on)
        return 0;
    if (enf_set_deprivilege(ef, on, err, errlen) != 0 || enf_prepare(ef, err, errlen) != 0)
        return -1;
    if (s->impl->trace)
        trace_emit(s->impl->trace, "option", "name=deprivilege value=%s", on ? "on" : "off");
    return 0;
}

int session_real_regs(struct session *s, struct kvm_regs *r, struct kvm_sregs *sr, int *bits, int *cpl)
{
    if (!s->impl->ef || enf_depriv_real_state(s->impl->ef, r, sr) != 0)
        return -1;
    *bits = x86_code_size(r, sr);
    *cpl = x86_cpl(r, sr);
    return 0;
}

int session_write_dumping(struct session *s, uint64_t linear, const void *buf, size_t len,
                          char *err, size_t errlen)
{
    int insn = session_smc_insn(s);
    if (insn)
        enf_set_smc(s->impl->ef, 0);
    int r = session_write_linear(s, linear, buf, len, 0, err, errlen);
    if (insn)
        enf_set_smc(s->impl->ef, 1);
    return r;
}

int session_prescan(struct session *s, uint64_t linear, char *err, size_t errlen)
{
    if (!s->impl->ef)
        return base_err(err, errlen, "needs enforcement");
    return enf_prescan(s->impl->ef, linear, 0, err, errlen);
}

int session_pstart(struct session *s, uint64_t linear, char *err, size_t errlen)
{
    if (!s->impl->ef)
        return base_err(err, errlen, "needs enforcement");
    return enf_prescan_start(s->impl->ef, linear, 0, err, errlen);
}

int session_pstep(struct session *s, struct prescan_step *st, char *err, size_t errlen)
{
    if (!s->impl->ef)
        return base_err(err, errlen, "needs enforcement");
    int r = prescan_step(engine(s), st);
    if (enf_sync(s->impl->ef, err, errlen) != 0)
        return -1;
    if (r < 0)
        return base_err(err, errlen, "the engine failed (out of memory)");
    return r;
}

size_t session_worklist(struct session *s, const struct prescan_work **items)
{
    if (!s->impl->ef) {
        *items = NULL;
        return 0;
    }
    return prescan_worklist(engine(s), items);
}

uint8_t session_attr(struct session *s, uint64_t gpa, int mode)
{
    return s->impl->ef ? prescan_attr(engine(s), gpa, (enum prescan_mode)mode) : 0;
}

const uint8_t *session_attr_page(struct session *s, uint64_t page_gpa, int mode)
{
    return s->impl->ef ? prescan_attr_page(engine(s), page_gpa, (enum prescan_mode)mode) : NULL;
}

enum prescan_reason session_reason_at(struct session *s, uint64_t gpa, int mode)
{
    return s->impl->ef ? prescan_reason_at(engine(s), gpa, (enum prescan_mode)mode) : PRESCAN_REASON_NONE;
}

const char *session_reason_name(enum prescan_reason r) { return prescan_reason_name(r); }
const char *session_path_end_name(enum prescan_path_end e) { return prescan_path_end_name(e); }

size_t session_pages(struct session *s, struct prescan_page_info *out, size_t max)
{
    return s->impl->ef ? prescan_pages(engine(s), out, max) : 0;
}

/* ── traps ──────────────────────────────────────────────────────────── */

unsigned session_trap_kinds(struct session *s, uint64_t gpa)
{
    return s->impl->ef ? enf_trap_kinds(traps(s), gpa) : 0;
}

int session_trap_original(struct session *s, uint64_t gpa, uint8_t *orig)
{
    return s->impl->ef ? enf_trap_original(traps(s), gpa, orig) : -1;
}

int session_trap_armed(struct session *s, uint64_t gpa)
{
    return s->impl->ef ? enf_trap_is_armed(traps(s), gpa) : 0;
}

/* scout's traps in the code (virtualize, step, breakpoints), and the
 * handler entries guarded apart */
size_t session_trap_count(struct session *s)
{
    return s->impl->ef ? enf_trap_count_kind(traps(s), ENF_TRAP_VIRTUALIZE | ENF_TRAP_STEP | ENF_TRAP_BREAK) : 0;
}

size_t session_entry_count(struct session *s)
{
    return s->impl->ef ? enf_trap_count_kind(traps(s), ENF_TRAP_ENTRY) : 0;
}

size_t session_trap_count_page(struct session *s, uint64_t page_gpa)
{
    return s->impl->ef ? enf_trap_count_page(traps(s), page_gpa) : 0;
}

static void note_trap(void *ctx, uint64_t gpa, unsigned kinds, uint8_t orig)
{
    uint8_t *k = ctx;
    (void)orig;
    k[base_page_off(gpa)] = (uint8_t)kinds;
}

void session_page_traps(struct session *s, uint64_t page_gpa, uint8_t kinds[4096])
{
    memset(kinds, 0, BASE_PAGE_SIZE);
    if (s->impl->ef)
        enf_trap_for_each_in_page(traps(s), page_gpa, note_trap, kinds);
}

size_t session_links_into_page(struct session *s, uint64_t page_gpa, uint8_t at[4096])
{
    if (!s->impl->ef) {
        memset(at, 0, BASE_PAGE_SIZE);
        return 0;
    }
    return enf_links_into_page(s->impl->ef, page_gpa, at);
}

int session_enforce_stats(struct session *s, struct enf_stats *out)
{
    memset(out, 0, sizeof(*out));
    if (!s->impl->ef)
        return -1;
    enf_get_stats(s->impl->ef, out);
    return 0;
}

int session_prescan_stats(struct session *s, struct prescan_stats *out)
{
    memset(out, 0, sizeof(*out));
    if (!s->impl->ef)
        return -1;
    prescan_get_stats(engine(s), out);
    return 0;
}

/* ── hooks ──────────────────────────────────────────────────────────── */

/* (A session never opened, or raw, has no engine: nothing to hook.) */
void session_set_classifier(struct session *s, prescan_classify_fn fn, void *ctx)
{
    if (s->impl && s->impl->ef) {
        s->impl->classify = fn;
        s->impl->classify_ctx = ctx;
        prescan_set_classifier(engine(s), fn, ctx);
    }
}

void session_set_vexit_hook(struct session *s, enf_vexit_fn fn, void *ctx)
{
    if (s->impl && s->impl->ef) {
        s->impl->vexit = fn;
        s->impl->vexit_ctx = ctx;
        enf_set_vexit_hook(s->impl->ef, fn, ctx);
    }
}

unsigned session_insn_flow(const struct prescan_insn *pi)
{
    const ZydisDecodedInstruction *in = pi->zydis;
    if (!in)
        return SESSION_INSN_INVALID | SESSION_INSN_TERMINAL;
    switch (in->meta.category) {
    case ZYDIS_CATEGORY_UNCOND_BR:
    case ZYDIS_CATEGORY_RET:
    case ZYDIS_CATEGORY_SYSRET:
        return SESSION_INSN_BRANCH | SESSION_INSN_TERMINAL;
    case ZYDIS_CATEGORY_COND_BR:
    case ZYDIS_CATEGORY_CALL:
    case ZYDIS_CATEGORY_INTERRUPT:
    case ZYDIS_CATEGORY_SYSCALL:
        return SESSION_INSN_BRANCH;
    default:
        break;
    }
    switch (in->mnemonic) {
    case ZYDIS_MNEMONIC_HLT:
    case ZYDIS_MNEMONIC_UD0:
    case ZYDIS_MNEMONIC_UD1:
    case ZYDIS_MNEMONIC_UD2:
        return SESSION_INSN_TERMINAL;
    default:
        return 0;
    }
}
