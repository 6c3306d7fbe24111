/* symbols.c — the guest's symbols and source lines, for every front end:
 * from an ELF file (the guest's own, a multiboot ELF kernel, or the ELF a
 * flat image or boot sector was linked from: --symbols / symbol-file) read
 * with elfutils (libelf for the symbol table, libdw for DWARF line
 * tables), or from text lines "ADDRESS [TYPE] NAME" as nm and System.map
 * print them.  Pure: no VM, no KVM; the table is a value a session owns
 * (session_priv.h).  See session.h. */
#include "ui/session/session_priv.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <gelf.h>
#include <libelf.h>

#include "base/base.h"
#include "base/text.h"

/* Offsets past a symbol with no size and no section end (nm text) still
 * shown as <sym+off>. */
#define SYM_SPAN_UNBOUNDED 0x10000u

struct sym_ent {
    char *name;
    uint64_t addr, size;
    uint64_t end;               /* first address no longer "inside" it */
    int func, global;
};

struct line_ent {
    uint64_t addr;
    unsigned file, line;
    int stmt, end_seq;          /* a statement start; the end of a sequence */
};

struct session_syms {
    VEC(struct sym_ent) sym;    /* sorted by address (globals first at one address) */
    size_t *by_name;            /* indexes sorted by name */
    VEC(struct line_ent) line;  /* sorted by address */
    VEC(char *) file;
    char source[512];           /* what was loaded, for messages */
};

/* ── building ───────────────────────────────────────────────────────── */

/* A name from the file, made safe to print: symbol and file names are the
 * guest's bytes, and control sequences in them must not reach a terminal
 * (kept escaped, \xNN: what every front end shows and matches). */
static char *safe_copy(const char *name)
{
    size_t n = base_escape_text(NULL, 0, name, 0);
    char *copy = malloc(n + 1);
    if (copy)
        base_escape_text(copy, n + 1, name, 0);
    return copy;
}

static int add_sym(struct session_syms *t, const char *name, uint64_t addr, uint64_t size, uint64_t end, int func,
                   int global)
{
    if (!*name || name[0] == '$' || strncmp(name, ".L", 2) == 0)
        return 0;
    if (VEC_RESERVE(&t->sym, t->sym.n + 1) != 0)
        return -1;
    char *copy = safe_copy(name);
    if (!copy)
        return -1;
    t->sym.v[t->sym.n++] = (struct sym_ent){ copy, addr, size, end, func, global };
    return 0;
}

static unsigned add_file(struct session_syms *t, const char *name)
{
    /* kept escaped, so compared escaped (a copy only for a name that needs it) */
    char *safe = base_is_text(name, strlen(name), 0) ? NULL : safe_copy(name);
    const char *key = safe ? safe : name;
    for (size_t i = 0; i < t->file.n; i++)
        if (strcmp(t->file.v[i], key) == 0) {
            free(safe);
            return (unsigned)i;
        }
    if (VEC_RESERVE(&t->file, t->file.n + 1) != 0 || !(t->file.v[t->file.n] = safe ? safe : safe_copy(name))) {
        free(safe);
        return UINT32_MAX;
    }
    return (unsigned)t->file.n++;
}

static const struct session_syms *order_ctx;

static int sym_cmp(const void *a, const void *b)
{
    const struct sym_ent *x = a, *y = b;
    if (x->addr != y->addr)
        return x->addr < y->addr ? -1 : 1;
    if (x->global != y->global)
        return x->global ? -1 : 1;
    if (x->func != y->func)
        return x->func ? -1 : 1;
    return strcmp(x->name, y->name);
}

static int name_cmp(const void *a, const void *b)
{
    const struct sym_ent *x = &order_ctx->sym.v[*(const size_t *)a], *y = &order_ctx->sym.v[*(const size_t *)b];
    int c = strcmp(x->name, y->name);
    if (c)
        return c;
    return sym_cmp(x, y);
}

static int line_cmp(const void *a, const void *b)
{
    const struct line_ent *x = a, *y = b;
    if (x->addr != y->addr)
        return x->addr < y->addr ? -1 : 1;
    return x->end_seq - y->end_seq;     /* a sequence's end before the next one's start */
}

/* Sorts, and indexes by name. */
static int finish(struct session_syms *t)
{
    if (t->sym.n)
        qsort(t->sym.v, t->sym.n, sizeof(*t->sym.v), sym_cmp);
    if (t->line.n)
        qsort(t->line.v, t->line.n, sizeof(*t->line.v), line_cmp);
    free(t->by_name);
    t->by_name = malloc((t->sym.n ? t->sym.n : 1) * sizeof(*t->by_name));
    if (!t->by_name)
        return -1;
    for (size_t i = 0; i < t->sym.n; i++)
        t->by_name[i] = i;
    order_ctx = t;
    if (t->sym.n)
        qsort(t->by_name, t->sym.n, sizeof(*t->by_name), name_cmp);
    order_ctx = NULL;
    return 0;
}

/* ── ELF ────────────────────────────────────────────────────────────── */

static int elf_symbols(struct session_syms *t, Elf *elf)
{
    size_t nsec;
    if (elf_getshdrnum(elf, &nsec) != 0)
        return -1;
    for (Elf_Scn *scn = NULL; (scn = elf_nextscn(elf, scn)) != NULL;) {
        GElf_Shdr sh;
        if (!gelf_getshdr(scn, &sh) || (sh.sh_type != SHT_SYMTAB && sh.sh_type != SHT_DYNSYM))
            continue;
        Elf_Data *d = elf_getdata(scn, NULL);
        if (!d || !sh.sh_entsize)
            continue;
        size_t n = sh.sh_size / sh.sh_entsize;
        for (size_t i = 0; i < n; i++) {
            GElf_Sym s;
            if (!gelf_getsym(d, (int)i, &s))
                break;
            int type = GELF_ST_TYPE(s.st_info);
            if (s.st_shndx == SHN_UNDEF || s.st_shndx == SHN_ABS || s.st_shndx >= nsec ||
                (type != STT_FUNC && type != STT_OBJECT && type != STT_NOTYPE))
                continue;
            const char *name = elf_strptr(elf, sh.sh_link, s.st_name);
            GElf_Shdr home;
            Elf_Scn *hs = elf_getscn(elf, s.st_shndx);
            if (!name || !hs || !gelf_getshdr(hs, &home) || !(home.sh_flags & SHF_ALLOC))
                continue;
            uint64_t end = s.st_size ? s.st_value + s.st_size : home.sh_addr + home.sh_size;
            if (end <= s.st_value)
                end = s.st_value + 1;
            if (add_sym(t, name, s.st_value, s.st_size, end, type == STT_FUNC || (home.sh_flags & SHF_EXECINSTR),
                        GELF_ST_BIND(s.st_info) != STB_LOCAL) != 0)
                return -1;
        }
    }
    return 0;
}

/* The file a line belongs to, as a path: DWARF names relative to the
 * compilation directory are made absolute with it. */
static void line_file_name(Dwarf_Die *cu, const char *src, char *buf, size_t len)
{
    Dwarf_Attribute at;
    const char *dir = dwarf_formstring(dwarf_attr(cu, DW_AT_comp_dir, &at));
    if (src[0] != '/' && dir && *dir)
        snprintf(buf, len, "%s/%s", dir, src);
    else
        snprintf(buf, len, "%s", src);
}

static int elf_lines(struct session_syms *t, Elf *elf)
{
    Dwarf *dw = dwarf_begin_elf(elf, DWARF_C_READ, NULL);
    if (!dw)
        return 0;                       /* no DWARF: symbols only */
    Dwarf_CU *cu = NULL;
    Dwarf_Die cudie;
    int rc = 0;
    while (rc == 0 && dwarf_get_units(dw, cu, &cu, NULL, NULL, &cudie, NULL) == 0) {
        Dwarf_Lines *lines;
        size_t n;
        if (dwarf_getsrclines(&cudie, &lines, &n) != 0)
            continue;
        const char *last_src = NULL;
        unsigned last_file = 0;
        for (size_t i = 0; i < n && rc == 0; i++) {
            Dwarf_Line *l = dwarf_onesrcline(lines, i);
            Dwarf_Addr a;
            int ln = 0;
            bool stmt = false, end = false;
            const char *src = l ? dwarf_linesrc(l, NULL, NULL) : NULL;
            if (!src || dwarf_lineaddr(l, &a) != 0 || dwarf_lineno(l, &ln) != 0 || ln < 0)
                continue;
            dwarf_linebeginstatement(l, &stmt);
            dwarf_lineendsequence(l, &end);
            if (src != last_src) {
                char path[1024];
                line_file_name(&cudie, src, path, sizeof(path));
                last_file = add_file(t, path);
                last_src = src;
            }
            if (last_file == UINT32_MAX || VEC_RESERVE(&t->line, t->line.n + 1) != 0) {
                rc = -1;
                break;
            }
            t->line.v[t->line.n++] = (struct line_ent){ a, last_file, (unsigned)ln, stmt, end };
        }
    }
    dwarf_end(dw);
    return rc;
}

/* ── nm / System.map text ───────────────────────────────────────────── */

static int text_symbols(struct session_syms *t, const char *data, size_t len, char *err, size_t errlen)
{
    size_t pos = 0;
    unsigned long lineno = 0;
    while (pos < len) {
        const char *l = data + pos;
        const char *nl = memchr(l, '\n', len - pos);
        size_t ll = nl ? (size_t)(nl - l) : len - pos;
        pos += ll + 1;
        lineno++;
        char buf[512], a[64], w2[256], w3[256];
        if (ll >= sizeof(buf))
            return base_err(err, errlen, "line %lu: too long for a symbol line", lineno);
        memcpy(buf, l, ll);
        buf[ll] = 0;
        char *p = buf;
        while (isspace((unsigned char)*p))
            p++;
        if (!*p || *p == '#')
            continue;
        int k = sscanf(p, "%63s %255s %255s", a, w2, w3);
        uint64_t addr;
        char *end;
        errno = 0;
        addr = strtoull(a, &end, 16);
        if (k < 2 || *end || errno || end == a)
            return base_err(err, errlen, "line %lu: expected \"ADDRESS [TYPE] NAME\" (as nm prints)", lineno);
        const char *name = k == 3 ? w3 : w2;
        int func = k == 3 && strchr("tTwW", w2[0]) && w2[1] == 0;
        if (k == 3 && (w2[1] != 0 || strchr("aAuUNn", w2[0])))
            continue;                   /* absolute, undefined, debug: not addresses in the image */
        if (add_sym(t, name, addr, 0, addr + SYM_SPAN_UNBOUNDED, func, k != 3 || isupper((unsigned char)w2[0])) != 0)
            return base_err(err, errlen, "out of memory");
    }
    return 0;
}

/* ── the public side ────────────────────────────────────────────────── */

void session_syms_free(struct session_syms *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->sym.n; i++)
        free(t->sym.v[i].name);
    for (size_t i = 0; i < t->file.n; i++)
        free(t->file.v[i]);
    VEC_FREE(&t->sym);
    free(t->by_name);
    VEC_FREE(&t->line);
    VEC_FREE(&t->file);
    free(t);
}

struct session_syms *session_syms_load(const char *name, const uint8_t *data, size_t len, int quiet_not_elf,
                                       char *err, size_t errlen)
{
    struct session_syms *t = calloc(1, sizeof(*t));
    if (!t) {
        base_err(err, errlen, "%s: out of memory", name);
        return NULL;
    }
    snprintf(t->source, sizeof(t->source), "%s", name);
    char e2[256] = "";
    int rc;
    if (len >= 4 && memcmp(data, ELFMAG, SELFMAG) == 0) {
        elf_version(EV_CURRENT);
        char *copy = malloc(len);
        Elf *elf = copy ? elf_memory(memcpy(copy, data, len), len) : NULL;
        if (!elf || elf_kind(elf) != ELF_K_ELF) {
            snprintf(e2, sizeof(e2), "not a readable ELF file (%s)", elf_errmsg(-1));
            rc = -1;
        } else {
            rc = elf_symbols(t, elf) != 0 || elf_lines(t, elf) != 0 ? -1 : 0;
            if (rc)
                snprintf(e2, sizeof(e2), "cannot read its symbols (%s)", elf_errmsg(-1));
        }
        if (elf)
            elf_end(elf);
        free(copy);
    } else if (quiet_not_elf) {
        rc = 0;
    } else {
        rc = text_symbols(t, (const char *)data, len, e2, sizeof(e2));
    }
    if (rc == 0 && finish(t) != 0) {
        snprintf(e2, sizeof(e2), "out of memory");
        rc = -1;
    }
    if (rc) {
        base_err(err, errlen, "%s: %s", name, e2);
        session_syms_free(t);
        return NULL;
    }
    return t;
}

/* ── what front ends ask (session.h) ────────────────────────────────── */

static const struct session_syms *syms(const struct session *s) { return s->impl ? s->impl->syms : NULL; }

const char *session_symbols_source(const struct session *s)
{
    return syms(s) && (syms(s)->sym.n || syms(s)->line.n) ? syms(s)->source : "";
}

size_t session_sym_count(const struct session *s) { return syms(s) ? syms(s)->sym.n : 0; }
int session_have_lines(const struct session *s) { return syms(s) && syms(s)->line.n; }

static void fill(const struct sym_ent *e, struct session_sym *out)
{
    out->name = e->name;
    out->addr = e->addr;
    out->size = e->size;
    out->func = e->func;
}

int session_sym_get(const struct session *s, size_t i, struct session_sym *out)
{
    const struct session_syms *t = syms(s);
    if (!t || i >= t->sym.n)
        return -1;
    fill(&t->sym.v[i], out);
    return 0;
}

int session_sym_lookup(const struct session *s, const char *name, struct session_sym *out)
{
    const struct session_syms *t = syms(s);
    size_t lo = 0, hi = t ? t->sym.n : 0;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (strcmp(t->sym.v[t->by_name[mid]].name, name) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (!t || lo == t->sym.n || strcmp(t->sym.v[t->by_name[lo]].name, name) != 0)
        return -1;
    fill(&t->sym.v[t->by_name[lo]], out);   /* the global one first when a name repeats */
    return 0;
}

int session_sym_at(const struct session *s, uint64_t addr, struct session_sym *out, uint64_t *off)
{
    const struct session_syms *t = syms(s);
    size_t lo = 0, hi = t ? t->sym.n : 0;
    while (lo < hi) {                   /* first symbol above addr */
        size_t mid = (lo + hi) / 2;
        if (t->sym.v[mid].addr <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    /* the nearest below whose span holds addr; at one address the first
     * (global) one */
    for (size_t i = lo; i-- > 0;) {
        uint64_t a = t->sym.v[i].addr;
        while (i > 0 && t->sym.v[i - 1].addr == a)
            i--;
        for (size_t k = i; k < t->sym.n && t->sym.v[k].addr == a; k++)
            if (addr < t->sym.v[k].end) {
                fill(&t->sym.v[k], out);
                *off = addr - a;
                return 0;
            }
        if (addr - a >= SYM_SPAN_UNBOUNDED)
            break;
    }
    return -1;
}

size_t session_sym_format(const struct session *s, uint64_t addr, char *buf, size_t len)
{
    struct session_sym sym;
    uint64_t off;
    int n;
    if (session_sym_at(s, addr, &sym, &off) != 0)
        n = snprintf(buf, len, "%s", "");
    else if (off)
        n = snprintf(buf, len, "%s+%" PRIu64, sym.name, off);
    else
        n = snprintf(buf, len, "%s", sym.name);
    return n < 0 ? 0 : (size_t)n;
}

/* The line entry covering addr: the last one at or below it, unless a
 * sequence ended in between. */
int session_line_at(const struct session *s, uint64_t addr, struct session_line *out)
{
    const struct session_syms *t = syms(s);
    size_t lo = 0, hi = t ? t->line.n : 0;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (t->line.v[mid].addr <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (!t || lo == 0 || t->line.v[lo - 1].end_seq)
        return -1;
    const struct line_ent *l = &t->line.v[lo - 1];
    out->file = t->file.v[l->file];
    out->line = l->line;
    out->start = l->addr;
    out->end = lo < t->line.n ? t->line.v[lo].addr : l->addr + 1;
    return 0;
}

/* A file named by its full path, its base name, or a path suffix. */
static int file_matches(const char *full, const char *want)
{
    size_t fl = strlen(full), wl = strlen(want);
    if (wl > fl)
        return 0;
    return strcmp(full + fl - wl, want) == 0 && (wl == fl || full[fl - wl - 1] == '/');
}

int session_line_addr(const struct session *s, const char *file, unsigned line, uint64_t *addr, const char **full)
{
    /* the lowest statement address of the line; none: of the next line
     * that has code (gdb moves a breakpoint there too) */
    const struct session_syms *t = syms(s);
    unsigned best_line = 0;
    uint64_t best = 0;
    for (size_t i = 0; t && i < t->line.n; i++) {
        const struct line_ent *l = &t->line.v[i];
        if (l->end_seq || !l->stmt || l->line < line || (file && !file_matches(t->file.v[l->file], file)))
            continue;
        if (!best_line || l->line < best_line || (l->line == best_line && l->addr < best)) {
            best_line = l->line;
            best = l->addr;
            if (full)
                *full = t->file.v[l->file];
        }
    }
    if (!best_line)
        return -1;
    *addr = best;
    return (int)best_line;
}

long session_symbols_load(struct session *s, const char *path, char *err, size_t errlen)
{
    size_t n;
    uint8_t *buf = session_file_read(path, BASE_FILE_STREAM, &n, err, errlen);
    if (!buf)
        return -1;
    struct session_syms *t = session_syms_load(path, buf, n, 0, err, errlen);
    free(buf);
    if (!t)
        return -1;
    session_syms_free(s->impl->syms);
    s->impl->syms = t;
    return (long)t->sym.n;
}
