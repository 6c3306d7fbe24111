/* `trace diff` and `trace stats`: exit codes and exact output. */
#include "check.h"
#include "trace/trace.h"
#include "trace_test_util.h"

#include <fcntl.h>


static char *out_text, *err_text;

/* Runs trace_diff on two in-memory traces; returns its exit status and
 * leaves stdout/stderr text in out_text/err_text. */
static int diff_texts(const char *a, const char *b)
{
    const char *pa = tu_write_str("a.trace", a);
    const char *pb = tu_write_str("b.trace", b);
    FILE *out = tmpfile(), *err = tmpfile();
    int rc = trace_diff(pa, pb, out, err);
    free(out_text);
    free(err_text);
    out_text = tu_slurp(out);
    err_text = tu_slurp(err);
    fclose(out);
    fclose(err);
    return rc;
}

/* Replaces each "@A@"/"@B@" in `tmpl` with the temp paths of a/b.trace. */
static char *expand(const char *tmpl)
{
    static char buf[8192];
    char pa[512], pb[512];
    snprintf(pa, sizeof pa, "%s", tu_path("a.trace"));
    snprintf(pb, sizeof pb, "%s", tu_path("b.trace"));
    size_t n = 0;
    for (const char *s = tmpl; *s && n < sizeof buf - 600;) {
        if (strncmp(s, "@A@", 3) == 0 || strncmp(s, "@B@", 3) == 0) {
            n += (size_t)snprintf(buf + n, sizeof buf - n, "%s", s[1] == 'A' ? pa : pb);
            s += 3;
        } else {
            buf[n++] = *s++;
        }
    }
    buf[n] = 0;
    return buf;
}

/* Replaces line `n` (1-based; the header is line 1) of `text`. */
static char *replace_line(const char *text, int n, const char *with)
{
    static char buf[4096];
    const char *s = text;
    for (int i = 1; i < n; i++)
        s = strchr(s, '\n') + 1;
    const char *e = strchr(s, '\n') + 1;
    snprintf(buf, sizeof buf, "%.*s%s%s", (int)(s - text), text, with, e);
    return buf;
}

/* The first `lines` lines of `text`. */
static char *head(const char *text, int lines)
{
    static char buf[4096];
    const char *s = text;
    for (int i = 0; i < lines; i++)
        s = strchr(s, '\n') + 1;
    snprintf(buf, sizeof buf, "%.*s", (int)(s - text), text);
    return buf;
}

TEST(diff_equal)
{
    CHECK_EQ(diff_texts(tu_good_trace, tu_good_trace), 0);
    CHECK_STR(out_text, "same: 9 events (t= fields ignored)\n");
    CHECK_STR(err_text, "");
    CHECK_EQ(diff_texts("scout-trace 1\n", "scout-trace 1\n"), 0);
    CHECK_STR(out_text, "same: 0 events (t= fields ignored)\n");
}

TEST(diff_equal_except_times)
{
    static const char timed[] =
        "scout-trace 1\n"
        "1 run-start mode=long64 depth=16 guest=hello64.elf t=100\n"
        "2 page-alloc page=0x100000 mode=64 t=2000\n"
        "3 scan page=0x100000 off=0x000 mode=64 len=5 verdict=native reason=none depth=0 t=3001\n"
        "4 trap-plant addr=0x100010 orig=0xc3 t=4000\n"
        "5 vexit rip=0x100010 insn=ret reason=computed-branch how=emulated target=0x100020 t=5\n"
        "6 invalidate page=0x100000 write=0x100004 len=1 hit=0x100003 dropped=37 t=6\n"
        "7 data-write addr=0x100800 len=4 t=7\n"
        "8 io port=0xe9 dir=out size=1 val=0x48 t=8\n"
        "9 run-stop why=exit-device status=1 t=9\n";
    CHECK_EQ(diff_texts(tu_good_trace, timed), 0);
    CHECK_STR(out_text, "same: 9 events (t= fields ignored)\n");
    char other[sizeof timed];
    memcpy(other, timed, sizeof timed);
    char *t = strstr(other, "t=2000");
    memcpy(t, "t=9999", 6);
    CHECK_EQ(diff_texts(timed, other), 0);
}

TEST(diff_different_field)
{
    char *b = replace_line(tu_good_trace, 6, "5 vexit rip=0x100010 insn=ret reason=far-branch"
                           " how=emulated target=0x100020 t=77\n");
    CHECK_EQ(diff_texts(tu_good_trace, b), 1);
    CHECK_STR(err_text, "");
    CHECK_STR(out_text, expand(
        "A: @A@ (9 events)\n"
        "B: @B@ (9 events)\n"
        "first divergence at event 5 (A line 6, B line 6): field 3: A has"
        " reason=computed-branch, B has reason=far-branch\n"
        "--- A: @A@\n"
        "  A line 3: 2 page-alloc page=0x100000 mode=64\n"
        "  A line 4: 3 scan page=0x100000 off=0x000 mode=64 len=5 verdict=native reason=none depth=0\n"
        "  A line 5: 4 trap-plant addr=0x100010 orig=0xc3\n"
        "> A line 6: 5 vexit rip=0x100010 insn=ret reason=computed-branch how=emulated target=0x100020\n"
        "--- B: @B@\n"
        "  B line 3: 2 page-alloc page=0x100000 mode=64\n"
        "  B line 4: 3 scan page=0x100000 off=0x000 mode=64 len=5 verdict=native reason=none depth=0\n"
        "  B line 5: 4 trap-plant addr=0x100010 orig=0xc3\n"
        "> B line 6: 5 vexit rip=0x100010 insn=ret reason=far-branch how=emulated target=0x100020\n"
        "event counts (* = differ):\n"
        "  type        A  B\n"
        "  data-write  1  1\n"
        "  invalidate  1  1\n"
        "  io          1  1\n"
        "  page-alloc  1  1\n"
        "  run-start   1  1\n"
        "  run-stop    1  1\n"
        "  scan        1  1\n"
        "  trap-plant  1  1\n"
        "  vexit       1  1\n"
        "  total       9  9\n"));

    /* A divergence at the first event has no context before it. */
    b = replace_line(tu_good_trace, 2, "1 run-start mode=long64 depth=8 guest=hello64.elf\n");
    CHECK_EQ(diff_texts(tu_good_trace, b), 1);
    CHECK(strstr(out_text, "first divergence at event 1 (A line 2, B line 2):"
                 " field 2: A has depth=16, B has depth=8\n"
                 "--- A: ") != NULL);
    /* Missing and extra fields. */
    b = replace_line(tu_good_trace, 8, "7 data-write addr=0x100800\n");
    CHECK_EQ(diff_texts(tu_good_trace, b), 1);
    CHECK(strstr(out_text, "(A line 8, B line 8): field 2: A has len=4, B has"
                 " no more fields\n") != NULL);
    b = replace_line(tu_good_trace, 8, "7 data-write addr=0x100800 len=4 extra=1\n");
    CHECK_EQ(diff_texts(tu_good_trace, b), 1);
    CHECK(strstr(out_text, "field 3: A has no more fields, B has extra=1\n") != NULL);
}

TEST(diff_different_counts)
{
    /* B has one more vexit in the middle: the types diverge at event 6. */
    static const char b[] =
        "scout-trace 1\n"
        "1 run-start mode=long64 depth=16 guest=hello64.elf\n"
        "2 page-alloc page=0x100000 mode=64\n"
        "3 scan page=0x100000 off=0x000 mode=64 len=5 verdict=native reason=none depth=0\n"
        "4 trap-plant addr=0x100010 orig=0xc3\n"
        "5 vexit rip=0x100010 insn=ret reason=computed-branch how=emulated target=0x100020\n"
        "6 vexit rip=0x100020 insn=ret reason=computed-branch how=emulated target=0x100030\n"
        "7 invalidate page=0x100000 write=0x100004 len=1 hit=0x100003 dropped=37\n"
        "8 data-write addr=0x100800 len=4\n"
        "9 io port=0xe9 dir=out size=1 val=0x48\n"
        "10 run-stop why=exit-device status=1\n";
    CHECK_EQ(diff_texts(tu_good_trace, b), 1);
    CHECK_STR(out_text, expand(
        "A: @A@ (9 events)\n"
        "B: @B@ (10 events)\n"
        "first divergence at event 6 (A line 7, B line 7): type: A has"
        " invalidate, B has vexit\n"
        "--- A: @A@\n"
        "  A line 4: 3 scan page=0x100000 off=0x000 mode=64 len=5 verdict=native reason=none depth=0\n"
        "  A line 5: 4 trap-plant addr=0x100010 orig=0xc3\n"
        "  A line 6: 5 vexit rip=0x100010 insn=ret reason=computed-branch how=emulated target=0x100020\n"
        "> A line 7: 6 invalidate page=0x100000 write=0x100004 len=1 hit=0x100003 dropped=37\n"
        "--- B: @B@\n"
        "  B line 4: 3 scan page=0x100000 off=0x000 mode=64 len=5 verdict=native reason=none depth=0\n"
        "  B line 5: 4 trap-plant addr=0x100010 orig=0xc3\n"
        "  B line 6: 5 vexit rip=0x100010 insn=ret reason=computed-branch how=emulated target=0x100020\n"
        "> B line 7: 6 vexit rip=0x100020 insn=ret reason=computed-branch how=emulated target=0x100030\n"
        "event counts (* = differ):\n"
        "  type        A   B\n"
        "  data-write  1   1\n"
        "  invalidate  1   1\n"
        "  io          1   1\n"
        "  page-alloc  1   1\n"
        "  run-start   1   1\n"
        "  run-stop    1   1\n"
        "  scan        1   1\n"
        "  trap-plant  1   1\n"
        "  vexit       1   2  *\n"
        "  total       9  10  *\n"));
}

TEST(diff_prefix)
{
    CHECK_EQ(diff_texts(tu_good_trace, head(tu_good_trace, 7)), 1);
    CHECK_STR(out_text, expand(
        "A: @A@ (9 events)\n"
        "B: @B@ (6 events)\n"
        "B is a prefix of A: B ends after event 6; A continues with 3 more"
        " (from A line 8)\n"
        "--- A: @A@\n"
        "  A line 5: 4 trap-plant addr=0x100010 orig=0xc3\n"
        "  A line 6: 5 vexit rip=0x100010 insn=ret reason=computed-branch how=emulated target=0x100020\n"
        "  A line 7: 6 invalidate page=0x100000 write=0x100004 len=1 hit=0x100003 dropped=37\n"
        "> A line 8: 7 data-write addr=0x100800 len=4\n"
        "--- B: @B@\n"
        "  B line 5: 4 trap-plant addr=0x100010 orig=0xc3\n"
        "  B line 6: 5 vexit rip=0x100010 insn=ret reason=computed-branch how=emulated target=0x100020\n"
        "  B line 7: 6 invalidate page=0x100000 write=0x100004 len=1 hit=0x100003 dropped=37\n"
        "event counts (* = differ):\n"
        "  type        A  B\n"
        "  data-write  1  0  *\n"
        "  invalidate  1  1\n"
        "  io          1  0  *\n"
        "  page-alloc  1  1\n"
        "  run-start   1  1\n"
        "  run-stop    1  0  *\n"
        "  scan        1  1\n"
        "  trap-plant  1  1\n"
        "  vexit       1  1\n"
        "  total       9  6  *\n"));
    /* The other way round, and an empty trace against a full one. */
    CHECK_EQ(diff_texts(head(tu_good_trace, 3), tu_good_trace), 1);
    CHECK(strstr(out_text, "A is a prefix of B: A ends after event 2; B continues"
                 " with 7 more (from B line 4)\n") != NULL);
    CHECK_EQ(diff_texts("scout-trace 1\n", tu_good_trace), 1);
    CHECK(strstr(out_text, "A is a prefix of B: A ends after event 0; B continues"
                 " with 9 more (from B line 2)\n"
                 "--- A: ") != NULL);
    CHECK(strstr(out_text, "  (no events)\n") != NULL);
}

TEST(diff_errors)
{
    /* Truncated mid-line: a corrupt file, not a prefix. */
    char cut[sizeof tu_good_trace];
    snprintf(cut, sizeof cut, "%.*s", (int)(strstr(tu_good_trace, "7 data") - tu_good_trace + 9), tu_good_trace);
    CHECK_EQ(diff_texts(tu_good_trace, cut), 2);
    CHECK_STR(out_text, "");
    CHECK_STR(err_text, expand("scout: trace @B@:8: no newline at end of file"
                               " (truncated?)\n"));
    CHECK_EQ(diff_texts(replace_line(tu_good_trace, 4, "7 scan x=1\n"), tu_good_trace), 2);
    CHECK_STR(err_text, expand("scout: trace @A@:4: sequence number 7 after 2"
                               " (truncated or edited?)\n"));
    CHECK_EQ(diff_texts(tu_good_trace, "scout-trace 9\n"), 2);
    CHECK_STR(err_text, expand("scout: trace @B@:1: unsupported trace version 9"
                               " (this scout reads version 1)\n"));
    FILE *out = tmpfile(), *err = tmpfile();
    CHECK_EQ(trace_diff(tu_path("a.trace"), tu_path("nope.trace"), out, err), 2);
    char *e = tu_slurp(err);
    CHECK(strstr(e, "nope.trace: cannot open: No such file or directory\n") != NULL);
    free(e);
    fclose(out);
    fclose(err);
}

TEST(stats_small_trace)
{
    static const char t[] =
        "scout-trace 1\n"
        "1 run-start mode=long64 depth=16 guest=hello64.elf t=5\n"
        "2 page-alloc page=0x100000 mode=64\n"
        "3 scan page=0x100000 off=0x000 mode=64 len=5 verdict=native reason=none depth=0\n"
        "4 scan page=0x100000 off=0x005 mode=64 len=1 verdict=virtualize reason=computed-branch depth=0\n"
        "5 scan page=0x100000 off=0x010 mode=64 len=2 verdict=virtualize reason=out-of-page depth=1\n"
        "6 scan page=0x100000 off=0x012 mode=64 len=1 verdict=virtualize reason=computed-branch depth=1\n"
        "7 vexit rip=0x100005 insn=ret reason=computed-branch how=emulated target=0x100020\n"
        "8 vexit rip=0x100010 insn=jmp reason=out-of-page how=emulated target=0x200000\n"
        "9 vexit rip=0x100012 insn=ret reason=computed-branch how=emulated target=0x100040\n"
        "10 invalidate page=0x100000 write=0x100004 len=1 hit=0x100003 dropped=37\n"
        "11 invalidate page=0x100000 write=0x100010 len=4 hit=0x100010 dropped=5\n"
        "12 data-write addr=0x100800 len=4\n"
        "13 data-write addr=0x100900 len=0x10\n"
        "14 data-write addr=0x100a00\n"
        "15 page-free page=0x100000\n"
        "16 io port=0xe9 dir=out size=1 val=0x48\n"
        "17 io port=0xe9 dir=out size=1 val=0x49\n"
        "18 run-stop why=exit-device status=1\n";
    const char *p = tu_write_str("s.trace", t);
    FILE *out = tmpfile(), *err = tmpfile();
    CHECK_EQ(trace_stats(p, out, err), 0);
    char *o = tu_slurp(out), *e = tu_slurp(err);
    char want[4096];
    snprintf(want, sizeof want,
        "trace %s: 18 events\n"
        "events by type:\n"
        "  scan        4\n"
        "  data-write  3\n"
        "  vexit       3\n"
        "  invalidate  2\n"
        "  io          2\n"
        "  page-alloc  1\n"
        "  page-free   1\n"
        "  run-start   1\n"
        "  run-stop    1\n"
        "vexit by reason:\n"
        "  computed-branch  2\n"
        "  out-of-page      1\n"
        "vexit by insn:\n"
        "  ret  2\n"
        "  jmp  1\n"
        "vexit by how:\n"
        "  emulated  3\n"
        "scan by verdict:\n"
        "  virtualize  3\n"
        "  native      1\n"
        "scan by verdict/reason:\n"
        "  virtualize/computed-branch  2\n"
        "  native/none                 1\n"
        "  virtualize/out-of-page      1\n"
        "io by port/dir:\n"
        "  0xe9/out  2\n"
        "run-stop by why/status:\n"
        "  exit-device/1  1\n"
        "invalidate: 2 events, 42 dropped in all\n"
        "data-write: 3 events, 20 bytes in all (1 without a numeric len=)\n"
        "pages: 1 allocated, 1 freed\n", p);
    CHECK_STR(o, want);
    CHECK_STR(e, "");
    free(o);
    free(e);
    fclose(out);
    fclose(err);

    /* An empty trace, and a corrupt one. */
    p = tu_write_str("s0.trace", "scout-trace 1\n");
    out = tmpfile();
    err = tmpfile();
    CHECK_EQ(trace_stats(p, out, err), 0);
    o = tu_slurp(out);
    snprintf(want, sizeof want, "trace %s: 0 events\n", p);
    CHECK_STR(o, want);
    free(o);
    fclose(out);
    fclose(err);
    p = tu_write_str("s1.trace", "scout-trace 1\n1 a\n3 b\n");
    out = tmpfile();
    err = tmpfile();
    CHECK_EQ(trace_stats(p, out, err), 2);
    o = tu_slurp(out);
    e = tu_slurp(err);
    CHECK_STR(o, "");
    snprintf(want, sizeof want, "scout: trace %s:3: sequence number 3 after 1"
             " (truncated or edited?)\n", p);
    CHECK_STR(e, want);
    free(o);
    free(e);
    fclose(out);
    fclose(err);
}

/* Runs fn with stdout/stderr redirected to temp files. */
static int run_main(int (*fn)(int, char **), int argc, char **argv)
{
    fflush(stdout);
    fflush(stderr);
    int so = dup(1), se = dup(2);
    int fo = open(tu_path("main.out"), O_RDWR | O_CREAT | O_TRUNC, 0600);
    int fe = open(tu_path("main.err"), O_RDWR | O_CREAT | O_TRUNC, 0600);
    dup2(fo, 1);
    dup2(fe, 2);
    int rc = fn(argc, argv);
    fflush(stdout);
    fflush(stderr);
    dup2(so, 1);
    dup2(se, 2);
    close(so); close(se); close(fo); close(fe);
    free(out_text);
    free(err_text);
    out_text = tu_read_file(tu_path("main.out"));
    err_text = tu_read_file(tu_path("main.err"));
    return rc;
}

/* --ignore-config: the configuration events and run-start's settings
 * are left out; what happened is compared. */
TEST(diff_ignore_config)
{
    const char *a = "scout-trace 1\n"
                    "1 guest name=g format=elf size=10 sha256=aa\n"
                    "2 option name=depth value=16\n"
                    "3 run-start mode=long64 scan=recursive depth=16 guest=g\n"
                    "4 scan page=0x1000 off=0x000 mode=64 len=1 verdict=native reason=none depth=0\n";
    const char *b = "scout-trace 1\n"
                    "1 guest name=h format=elf size=11 sha256=bb\n"
                    "2 option name=depth value=0\n"
                    "3 run-start mode=long64 scan=lazy depth=0 guest=h\n"
                    "4 poke addr=0x1000 len=1 bytes=90\n"
                    "5 scan page=0x1000 off=0x000 mode=64 len=1 verdict=native reason=none depth=0\n";
    const char *pa = tu_write_str("a.trace", a);
    const char *pb = tu_write_str("b.trace", b);
    FILE *out = tmpfile(), *err = tmpfile();
    CHECK_EQ(trace_diff_flags(pa, pb, TRACE_DIFF_IGNORE_CONFIG, out, err), 0);
    free(out_text);
    out_text = tu_slurp(out);
    CHECK_STR(out_text, "same: 2 events (t= fields and the configuration ignored)\n");
    fclose(out);
    fclose(err);
    CHECK_EQ(diff_texts(a, b), 1);          /* without it: the guest differs */
    CHECK(strstr(out_text, "first divergence at event 1 (A line 2, B line 2): field 1: A has name=g, B has name=h"));
    b = replace_line(b, 6, "5 scan page=0x1000 off=0x000 mode=64 len=2 verdict=native reason=none depth=0\n");
    pb = tu_write_str("b.trace", b);
    out = tmpfile(), err = tmpfile();
    CHECK_EQ(trace_diff_flags(pa, pb, TRACE_DIFF_IGNORE_CONFIG, out, err), 1);
    free(out_text);
    out_text = tu_slurp(out);
    CHECK(strstr(out_text, "first divergence at event 2 (A line 5, B line 6): field 4: A has len=1, B has len=2"));
    fclose(out);
    fclose(err);
}

TEST(main_entry_points)
{
    char *pa = strdup(tu_write_str("a.trace", tu_good_trace));  /* tu_path reuses buffers */
    char *diff1[] = { "diff", pa, NULL };
    CHECK_EQ(run_main(trace_diff_main, 2, diff1), 2);
    CHECK_STR(out_text, "");
    CHECK_STR(err_text, "usage: scout trace diff [--ignore-config] A.trace B.trace\n");
    char *diff2[] = { "diff", pa, pa, NULL };
    CHECK_EQ(run_main(trace_diff_main, 3, diff2), 0);
    CHECK_STR(out_text, "same: 9 events (t= fields ignored)\n");
    char *stats0[] = { "stats", NULL };
    CHECK_EQ(run_main(trace_stats_main, 1, stats0), 2);
    CHECK_STR(err_text, "usage: scout trace stats FILE.trace\n");
    char *stats1[] = { "stats", pa, NULL };
    CHECK_EQ(run_main(trace_stats_main, 2, stats1), 0);
    CHECK(strstr(out_text, ": 9 events\nevents by type:\n") != NULL);
    char *top[] = { "trace", "stats", pa, NULL };
    CHECK_EQ(run_main(trace_main, 3, top), 0);
    CHECK(strstr(out_text, ": 9 events\n") != NULL);
    char *top2[] = { "trace", "diff", pa, (char *)tu_path("missing"), NULL };
    CHECK_EQ(run_main(trace_main, 4, top2), 2);
    CHECK(strstr(err_text, "missing: cannot open") != NULL);
    char *bad[] = { "trace", "frobnicate", NULL };
    CHECK_EQ(run_main(trace_main, 2, bad), 2);
    CHECK_STR(err_text, "usage: scout trace diff [--ignore-config] A.trace B.trace\n"
                        "usage: scout trace stats FILE.trace\n");
    char *help[] = { "diff", "--help", NULL };
    CHECK_EQ(run_main(trace_diff_main, 2, help), 0);
    CHECK_STR(out_text, "usage: scout trace diff [--ignore-config] A.trace B.trace\n");
    free(pa);
}

int main(void)
{
    RUN(diff_equal);
    RUN(diff_equal_except_times);
    RUN(diff_different_field);
    RUN(diff_different_counts);
    RUN(diff_prefix);
    RUN(diff_errors);
    RUN(stats_small_trace);
    RUN(diff_ignore_config);
    RUN(main_entry_points);
    free(out_text);
    free(err_text);
    tu_cleanup();
    CHECK_EXIT();
}
