/* target.c — the register files gdb can be given: target.xml, and each
 * register read and written through the session's register table.  gdb
 * cannot change architecture mid-session, so the file is chosen once:
 * x86-64's by default (as qemu-system-x86_64: real-mode and 32-bit code
 * show in the low bits), or i386's (as qemu-system-i386: the one gdb lets
 * `set architecture i8086` use, for real mode).  scout does not read the
 * x87/SSE state: those registers read as zeros and refuse writes. */
#include "ui/gdbstub/gdbstub_priv.h"

#include <stdio.h>
#include <string.h>

struct greg {
    const char *name;           /* gdb's name (also the session's, when served) */
    const char *sname;          /* the session's name when it differs (eip: rip) */
    unsigned bits;
    const char *type;
    const char *feature;        /* starts a new <feature> when it changes */
    int served;                 /* read through the session; else zeros */
};

#define CORE "org.gnu.gdb.i386.core"
#define SSE "org.gnu.gdb.i386.sse"
#define SEGS "org.gnu.gdb.i386.segments"
#define SYS "org.scout.x86.sys"
#define GPR(n) { n, NULL, 64, "int64", CORE, 1 }
#define GPR32(n) { n, NULL, 32, "int32", CORE, 1 }
#define SEG(n) { n, NULL, 32, "int32", CORE, 1 }
#define ST(n) { n, NULL, 80, "i387_ext", CORE, 0 }
#define FPC(n) { n, NULL, 32, "int", CORE, 0 }
#define XMM(n) { n, NULL, 128, "vec128", SSE, 0 }
#define CR(n) { n, NULL, 64, "int64", SYS, 1 }
#define CR32(n) { n, NULL, 32, "int32", SYS, 1 }
#define X87 ST("st0"), ST("st1"), ST("st2"), ST("st3"), ST("st4"), ST("st5"), ST("st6"), ST("st7"), \
    FPC("fctrl"), FPC("fstat"), FPC("ftag"), FPC("fiseg"), FPC("fioff"), FPC("foseg"), FPC("fooff"), FPC("fop")
#define XMM8 XMM("xmm0"), XMM("xmm1"), XMM("xmm2"), XMM("xmm3"), XMM("xmm4"), XMM("xmm5"), XMM("xmm6"), XMM("xmm7")
#define SEGS6 SEG("cs"), SEG("ss"), SEG("ds"), SEG("es"), SEG("fs"), SEG("gs")
#define MXCSR { "mxcsr", NULL, 32, "int", SSE, 0 }

/* In gdb's order: the core registers (GPRs, the instruction pointer,
 * eflags, segments, x87), SSE, then the segment bases and the system
 * registers. */
static const struct greg regs64[] = {
    GPR("rax"), GPR("rbx"), GPR("rcx"), GPR("rdx"), GPR("rsi"), GPR("rdi"),
    { "rbp", NULL, 64, "data_ptr", CORE, 1 }, { "rsp", NULL, 64, "data_ptr", CORE, 1 },
    GPR("r8"), GPR("r9"), GPR("r10"), GPR("r11"), GPR("r12"), GPR("r13"), GPR("r14"), GPR("r15"),
    { "rip", NULL, 64, "code_ptr", CORE, 1 }, { "eflags", NULL, 32, "i386_eflags", CORE, 1 },
    SEGS6, X87, XMM8,
    XMM("xmm8"), XMM("xmm9"), XMM("xmm10"), XMM("xmm11"), XMM("xmm12"), XMM("xmm13"), XMM("xmm14"), XMM("xmm15"),
    MXCSR,
    { "fs_base", NULL, 64, "int64", SEGS, 1 }, { "gs_base", NULL, 64, "int64", SEGS, 1 },
    CR("cr0"), CR("cr2"), CR("cr3"), CR("cr4"), CR("cr8"), CR("efer"),
};
static const struct greg regs32[] = {
    GPR32("eax"), GPR32("ecx"), GPR32("edx"), GPR32("ebx"),
    { "esp", NULL, 32, "data_ptr", CORE, 1 }, { "ebp", NULL, 32, "data_ptr", CORE, 1 },
    GPR32("esi"), GPR32("edi"),
    { "eip", "rip", 32, "code_ptr", CORE, 1 }, { "eflags", NULL, 32, "i386_eflags", CORE, 1 },
    SEGS6, X87, XMM8, MXCSR,
    /* (no segments feature: gdb 13's i386 asserts on fs_base/gs_base) */
    { "fs_base", NULL, 32, "int32", SYS, 1 }, { "gs_base", NULL, 32, "int32", SYS, 1 },
    CR32("cr0"), CR32("cr2"), CR32("cr3"), CR32("cr4"), CR("efer"),
};

struct gdbstub_target {
    const char *name, *arch;    /* --gdb-arch NAME; target.xml's architecture */
    const struct greg *regs;
    size_t n;
    char xml[12288];
    size_t xml_len;
};
static struct gdbstub_target targets[] = {
    { "x86-64", "i386:x86-64", regs64, sizeof regs64 / sizeof regs64[0], "", 0 },
    { "i386", "i386", regs32, sizeof regs32 / sizeof regs32[0], "", 0 },
    /* i386's registers; gdb decodes 16-bit code only when the target
     * says i8086 itself (`set architecture i8086` alone keeps 32-bit) */
    { "i8086", "i8086", regs32, sizeof regs32 / sizeof regs32[0], "", 0 },
};

const struct gdbstub_target *gdbstub_target_find(const char *name)
{
    for (size_t i = 0; i < sizeof targets / sizeof targets[0]; i++)
        if (!strcmp(name, targets[i].name))
            return &targets[i];
    return NULL;
}

static const char *sname(const struct greg *r) { return r->sname ? r->sname : r->name; }

size_t gdbstub_reg_count(const struct gdbstub_target *t) { return t->n; }
unsigned gdbstub_reg_bytes(const struct gdbstub_target *t, size_t i) { return i < t->n ? t->regs[i].bits / 8 : 0; }

int gdbstub_reg_get(const struct gdbstub_target *t, struct session *s, size_t i, uint8_t *out)
{
    uint64_t v = 0;
    if (i >= t->n)
        return -1;
    const struct greg *regs = t->regs;
    memset(out, 0, regs[i].bits / 8);
    if (regs[i].served && session_reg_read(s, sname(&regs[i]), &v) != 0)
        return -1;
    for (unsigned b = 0; b < 8 && b < regs[i].bits / 8; b++)
        out[b] = (uint8_t)(v >> (8 * b));
    return 0;
}

int gdbstub_reg_set(const struct gdbstub_target *t, struct session *s, size_t i, const uint8_t *in,
                    char *err, size_t errlen)
{
    uint64_t v = 0;
    const struct greg *regs = t->regs;
    if (i >= t->n || !regs[i].served) {
        snprintf(err, errlen, "register %zu is not served", i);
        return -1;
    }
    for (unsigned b = 0; b < 8 && b < regs[i].bits / 8; b++)
        v |= (uint64_t)in[b] << (8 * b);
    uint64_t now;
    if (session_reg_read(s, sname(&regs[i]), &now) == 0 && now == v)
        return 0;               /* unchanged (G writes every register back) */
    return session_reg_write(s, sname(&regs[i]), v, err, errlen);
}

/* The eflags and vec128 types gdb's own amd64 descriptions define. */
static const char types_core[] =
    "<flags id=\"i386_eflags\" size=\"4\">"
    "<field name=\"CF\" start=\"0\" end=\"0\"/><field name=\"\" start=\"1\" end=\"1\"/>"
    "<field name=\"PF\" start=\"2\" end=\"2\"/><field name=\"AF\" start=\"4\" end=\"4\"/>"
    "<field name=\"ZF\" start=\"6\" end=\"6\"/><field name=\"SF\" start=\"7\" end=\"7\"/>"
    "<field name=\"TF\" start=\"8\" end=\"8\"/><field name=\"IF\" start=\"9\" end=\"9\"/>"
    "<field name=\"DF\" start=\"10\" end=\"10\"/><field name=\"OF\" start=\"11\" end=\"11\"/>"
    "<field name=\"NT\" start=\"14\" end=\"14\"/><field name=\"RF\" start=\"16\" end=\"16\"/>"
    "<field name=\"VM\" start=\"17\" end=\"17\"/><field name=\"AC\" start=\"18\" end=\"18\"/>"
    "<field name=\"VIF\" start=\"19\" end=\"19\"/><field name=\"VIP\" start=\"20\" end=\"20\"/>"
    "<field name=\"ID\" start=\"21\" end=\"21\"/></flags>\n";
static const char types_sse[] =
    "<vector id=\"v4f\" type=\"ieee_single\" count=\"4\"/><vector id=\"v2d\" type=\"ieee_double\" count=\"2\"/>"
    "<vector id=\"v16i8\" type=\"int8\" count=\"16\"/><vector id=\"v8i16\" type=\"int16\" count=\"8\"/>"
    "<vector id=\"v4i32\" type=\"int32\" count=\"4\"/><vector id=\"v2i64\" type=\"int64\" count=\"2\"/>"
    "<union id=\"vec128\"><field name=\"v4_float\" type=\"v4f\"/><field name=\"v2_double\" type=\"v2d\"/>"
    "<field name=\"v16_int8\" type=\"v16i8\"/><field name=\"v8_int16\" type=\"v8i16\"/>"
    "<field name=\"v4_int32\" type=\"v4i32\"/><field name=\"v2_int64\" type=\"v2i64\"/>"
    "<field name=\"uint128\" type=\"uint128\"/></union>\n";

const char *gdbstub_target_xml(const struct gdbstub_target *ct, size_t *len)
{
    struct gdbstub_target *t = &targets[ct - targets];     /* made once, kept */
    char *xml = t->xml;
    const size_t size = sizeof t->xml;
    size_t n = t->xml_len;
    const struct greg *regs = t->regs;
    if (!n) {
        const char *feature = NULL;
        n = (size_t)snprintf(xml, size, "<?xml version=\"1.0\"?>\n<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n"
                             "<target version=\"1.0\">\n<architecture>%s</architecture>\n", t->arch);
        for (size_t i = 0; i < t->n; i++) {
            if (!feature || strcmp(feature, regs[i].feature)) {
                n += (size_t)snprintf(xml + n, size - n, "%s<feature name=\"%s\">\n%s", feature ? "</feature>\n" : "",
                                      regs[i].feature, !strcmp(regs[i].feature, CORE) ? types_core
                                                       : !strcmp(regs[i].feature, SSE) ? types_sse : "");
                feature = regs[i].feature;
            }
            n += (size_t)snprintf(xml + n, size - n, "<reg name=\"%s\" bitsize=\"%u\" type=\"%s\"%s/>\n",
                                  regs[i].name, regs[i].bits, regs[i].type,
                                  !strcmp(regs[i].type, "int") && !strcmp(regs[i].feature, CORE) ? " group=\"float\""
                                  : !strcmp(regs[i].name, "mxcsr") ? " group=\"vector\"" : "");
        }
        n += (size_t)snprintf(xml + n, size - n, "</feature>\n</target>\n");
        t->xml_len = n;
    }
    *len = n;
    return xml;
}
