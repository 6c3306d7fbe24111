/* Trace writer: exact bytes, escaping, rejection, times, errors, tail. */
#include "check.h"
#include "trace/trace.h"
#include "trace_test_util.h"

#include <ctype.h>
#include <signal.h>

static char err[512];

/* Opens a writer on a fresh tmpfile. */
static struct trace_writer *open_tmp(FILE **fp, int with_times)
{
    *fp = tmpfile();
    return trace_writer_open_file(*fp, "mem.trace", with_times, err, sizeof err);
}

/* Closes the writer (expecting `rc`) and returns what it wrote. */
static char *close_and_read(struct trace_writer *tw, FILE *fp, int rc)
{
    int r = trace_writer_close(tw, err, sizeof err);
    CHECK_EQ(r, rc);
    char *s = tu_slurp(fp);
    fclose(fp);
    return s;
}

TEST(writer_bytes_exact)
{
    FILE *fp;
    struct trace_writer *tw = open_tmp(&fp, 0);
    CHECK(tw != NULL);
    CHECK_EQ(trace_emit(tw, "run-start", "mode=long64 depth=%d guest=%s", 16,
                        "hello64.elf"), 0);
    CHECK_EQ(trace_emit(tw, "page-alloc", "page=0x%x mode=64", 0x100000), 0);
    CHECK_EQ(trace_emit(tw, "scan", "page=0x100000 off=0x%03x mode=64 len=5"
                        " verdict=native reason=none depth=0", 0), 0);
    CHECK_EQ(trace_emit(tw, "trap-plant", "addr=0x100010 orig=0xc3"), 0);
    CHECK_EQ(trace_emit(tw, "run-stop", "why=exit-device status=%d", 1), 0);
    CHECK_EQ(trace_writer_count(tw), 5);
    char *s = close_and_read(tw, fp, 0);
    CHECK_STR(s,
        "scout-trace 1\n"
        "1 run-start mode=long64 depth=16 guest=hello64.elf\n"
        "2 page-alloc page=0x100000 mode=64\n"
        "3 scan page=0x100000 off=0x000 mode=64 len=5 verdict=native reason=none depth=0\n"
        "4 trap-plant addr=0x100010 orig=0xc3\n"
        "5 run-stop why=exit-device status=1\n");
    free(s);
}

TEST(writer_empty_trace_and_no_fields)
{
    FILE *fp;
    struct trace_writer *tw = open_tmp(&fp, 0);
    char *s = close_and_read(tw, fp, 0);
    CHECK_STR(s, "scout-trace 1\n");
    free(s);

    tw = open_tmp(&fp, 0);
    CHECK_EQ(trace_emit(tw, "halt", NULL), 0);
    const char *empty = "";
    CHECK_EQ(trace_emit(tw, "halt", "%s", empty), 0);
    CHECK_EQ(trace_emit(tw, "halt", "  a=1   b=2  "), 0);   /* spaces collapse */
    s = close_and_read(tw, fp, 0);
    CHECK_STR(s, "scout-trace 1\n1 halt\n2 halt\n3 halt a=1 b=2\n");
    free(s);
}

TEST(writer_escaping)
{
    FILE *fp;
    struct trace_writer *tw = open_tmp(&fp, 0);
    /* '=' inside a value, a bare '%', an already-valid escape, a tab,
     * a control byte, UTF-8, DEL, an empty value. */
    CHECK_EQ(trace_emit(tw, "note", "a=x=y b=100%% c=%%41 d=%s e=%s f=%s g=",
                        "tab\there", "caf\xc3\xa9", "bell\x07\x7f"), 0);
    char esc[128];
    CHECK_EQ(trace_escape(esc, sizeof esc, "my guest.elf=1%"), 21);
    CHECK_STR(esc, "my%20guest.elf%3D1%25");
    CHECK_EQ(trace_emit(tw, "note", "guest=%s", esc), 0);
    char *s = close_and_read(tw, fp, 0);
    CHECK_STR(s, "scout-trace 1\n"
                 "1 note a=x%3Dy b=100%25 c=%41 d=tab%09here e=caf%C3%A9"
                 " f=bell%07%7F g=\n"
                 "2 note guest=my%20guest.elf%3D1%25\n");

    /* What the writer escapes, the reader accepts and unescape restores. */
    struct trace_file *tf = NULL;
    CHECK_EQ(trace_read_mem("esc.trace", s, strlen(s), &tf, err, sizeof err), 0);
    CHECK(tf && tf->nevents == 2);
    if (tf && tf->nevents == 2) {
        char back[128];
        CHECK_EQ(trace_unescape(back, sizeof back,
                                trace_event_get(&tf->events[1], "guest")), 15);
        CHECK_STR(back, "my guest.elf=1%");
        CHECK_STR(trace_event_get(&tf->events[0], "g"), "");
        trace_unescape(back, sizeof back, trace_event_get(&tf->events[0], "e"));
        CHECK_STR(back, "caf\xc3\xa9");
    }
    trace_file_free(tf);
    free(s);

    /* Truncation follows snprintf's convention. */
    char small[5];
    CHECK_EQ(trace_escape(small, sizeof small, "a b c"), 9);
    CHECK_STR(small, "a%20");
}

TEST(writer_rejects_bad_events)
{
    FILE *fp;
    struct trace_writer *tw = open_tmp(&fp, 0);
    CHECK_EQ(trace_emit(tw, "ok", "a=1"), 0);
    CHECK_EQ(trace_emit(tw, "Bad", "a=1"), -1);
    CHECK(strstr(trace_writer_error(tw), "bad type") != NULL);
    CHECK_EQ(trace_emit(tw, "", NULL), -1);
    CHECK_EQ(trace_emit(tw, "x", "guest=%s", "two words"), -1);
    CHECK_STR(trace_writer_error(tw),
              "trace mem.trace: event 'x' rejected: field 'words' has no '='");
    CHECK_EQ(trace_emit(tw, "x", "Key=1"), -1);
    CHECK(strstr(trace_writer_error(tw), "bad key 'Key'") != NULL);
    CHECK_EQ(trace_emit(tw, "x", "=1"), -1);
    CHECK_EQ(trace_emit(tw, "x", "t=5"), -1);
    CHECK(strstr(trace_writer_error(tw), "reserved") != NULL);
    CHECK_EQ(trace_emit(tw, "x", "a\n=1"), -1);
    /* A line over TRACE_LINE_MAX. */
    char *big = malloc(TRACE_LINE_MAX + 10);
    memset(big, 'v', TRACE_LINE_MAX + 9);
    big[TRACE_LINE_MAX + 9] = 0;
    CHECK_EQ(trace_emit(tw, "x", "v=%s", big), -1);
    CHECK(strstr(trace_writer_error(tw), "TRACE_LINE_MAX") != NULL);
    /* Escaping can push a line over the limit too. */
    memset(big, '=', TRACE_LINE_MAX / 2);
    big[TRACE_LINE_MAX / 2] = 0;
    CHECK_EQ(trace_emit(tw, "x", "v=%s", big), -1);
    free(big);
    /* Rejected events take no sequence number. */
    CHECK_EQ(trace_emit(tw, "ok", "a=2"), 0);
    CHECK_EQ(trace_writer_count(tw), 2);
    char *s = close_and_read(tw, fp, -1);
    CHECK_STR(s, "scout-trace 1\n1 ok a=1\n2 ok a=2\n");
    CHECK_STR(err, "trace mem.trace: event 'Bad' rejected: bad type (types are"
                   " [a-z0-9-]) (9 event(s) rejected in all)");
    free(s);
}

TEST(writer_seq_numbers_and_long_lines)
{
    const char *p = tu_path("seq.trace");
    struct trace_writer *tw = trace_writer_open(p, 0, err, sizeof err);
    CHECK(tw != NULL);
    if (!tw)
        return;
    /* Enough to cross the 64 KiB buffer several times, plus one line
     * longer than the whole buffer. */
    for (int i = 0; i < 20000; i++)
        CHECK_EQ(trace_emit(tw, "step", "i=%d", i), 0);
    /* "20001 big v=" + value is exactly TRACE_LINE_MAX bytes. */
    size_t vlen = TRACE_LINE_MAX - strlen("20001 big v=");
    char *big = malloc(vlen + 1);
    memset(big, 'x', vlen);
    big[vlen] = 0;
    CHECK_EQ(trace_emit(tw, "big", "v=%s", big), 0);
    CHECK_EQ(trace_emit(tw, "end", NULL), 0);
    free(big);
    CHECK_EQ(trace_writer_close(tw, err, sizeof err), 0);
    struct trace_file *tf = NULL;
    CHECK_EQ(trace_read_file(p, &tf, err, sizeof err), 0);
    CHECK(tf && tf->nevents == 20002);
    if (tf && tf->nevents == 20002) {
        CHECK_EQ(tf->events[0].seq, 1);
        CHECK_EQ(tf->events[0].line, 2);
        CHECK_STR(trace_event_get(&tf->events[12345], "i"), "12345");
        CHECK_EQ(tf->events[20000].seq, 20001);
        CHECK_EQ(strlen(trace_event_get(&tf->events[20000], "v")), vlen);
        CHECK_STR(tf->events[20001].type, "end");
    }
    trace_file_free(tf);
}

static int ends_with_time(const char *line)
{
    const char *t = strstr(line, " t=");
    if (!t)
        return 0;
    t += 3;
    if (!*t)
        return 0;
    for (; *t && *t != '\n'; t++)
        if (!isdigit((unsigned char)*t))
            return 0;
    return 1;
}

TEST(writer_times_only_when_on)
{
    FILE *fp;
    struct trace_writer *tw = open_tmp(&fp, 1);
    CHECK_EQ(trace_emit(tw, "a", "x=1"), 0);
    CHECK_EQ(trace_emit(tw, "b", NULL), 0);
    char *s = close_and_read(tw, fp, 0);
    char *l1 = strchr(s, '\n') + 1, *l2 = strchr(l1, '\n') + 1;
    CHECK(strncmp(l1, "1 a x=1 t=", 10) == 0 && ends_with_time(l1));
    CHECK(strncmp(l2, "2 b t=", 6) == 0 && ends_with_time(l2));
    struct trace_file *tf = NULL;
    CHECK_EQ(trace_read_mem("timed", s, strlen(s), &tf, err, sizeof err), 0);
    CHECK(tf && tf->nevents == 2 && tf->events[0].nfields == 2);
    trace_file_free(tf);
    free(s);

    tw = open_tmp(&fp, 0);
    CHECK_EQ(trace_emit(tw, "a", "x=1"), 0);
    s = close_and_read(tw, fp, 0);
    CHECK(strstr(s, "t=") == NULL);
    free(s);
}

/* A writer on a pipe whose reader is gone: every write fails (EPIPE). */
static struct trace_writer *open_broken(int with_times)
{
    int fds[2];
    const char *w = tu_pipe(fds, 1);
    struct trace_writer *tw = w ? trace_writer_open(w, with_times, err, sizeof err) : NULL;
    if (w) {
        close(fds[0]);
        close(fds[1]);
    }
    return tw;
}

TEST(writer_reports_write_errors)
{
    signal(SIGPIPE, SIG_IGN);
    /* The reader gone at close (everything still in the buffer). */
    struct trace_writer *tw = open_broken(0);
    CHECK(tw != NULL);
    if (tw) {
        CHECK_EQ(trace_emit(tw, "a", "x=1"), 0);
        CHECK_EQ(trace_writer_close(tw, err, sizeof err), -1);
        CHECK(strstr(err, ": write failed: Broken pipe") != NULL);
    }
    /* ... while running: flush fails, later emits fail, close too. */
    tw = open_broken(1);
    CHECK(tw != NULL);
    if (tw) {
        CHECK_EQ(trace_emit(tw, "a", "x=1"), 0);
        err[0] = 0;
        CHECK_EQ(trace_writer_flush(tw, err, sizeof err), -1);
        CHECK(strstr(err, "Broken pipe") != NULL);
        CHECK_EQ(trace_emit(tw, "a", "x=2"), -1);
        CHECK_EQ(trace_writer_close(tw, err, sizeof err), -1);
        CHECK(strstr(err, "Broken pipe") != NULL);
    }
    /* A full buffer written mid-run. */
    tw = open_broken(0);
    int failed_at = -1;
    for (int i = 0; tw && i < 100000 && failed_at < 0; i++)
        if (trace_emit(tw, "step", "i=%d", i))
            failed_at = i;
    CHECK(failed_at > 0);
    CHECK_EQ(trace_writer_close(tw, err, sizeof err), -1);
    /* Devices, FIFOs and directories are refused without blocking. */
    CHECK(trace_writer_open("/dev/full", 0, err, sizeof err) == NULL);
    CHECK_STR(err, "trace /dev/full: cannot create: is a character device, not a regular file");
    const char *fifo = tu_path("fifo");
    CHECK_EQ(mkfifo(fifo, 0600), 0);
    CHECK(trace_writer_open(fifo, 0, err, sizeof err) == NULL);
    CHECK(strstr(err, ": cannot create: is a FIFO (named pipe), not a regular file") != NULL);
    /* Cannot create. */
    CHECK(trace_writer_open(tu_path("no-such-dir/x.trace"), 0, err, sizeof err)
          == NULL);
    CHECK(strstr(err, "no-such-dir/x.trace: cannot create: No such file") != NULL);
    CHECK_EQ(trace_writer_close(NULL, err, sizeof err), 0);
}

TEST(writer_tail_ring)
{
    FILE *fp;
    struct trace_writer *tw = open_tmp(&fp, 0);
    CHECK_EQ(trace_writer_tail_count(tw), 0);
    CHECK(trace_writer_tail(tw, 0) == NULL);
    CHECK_EQ(trace_writer_set_tail(tw, 3), 0);
    CHECK_EQ(trace_emit(tw, "e", "n=1"), 0);
    CHECK_EQ(trace_writer_tail_count(tw), 1);
    CHECK_STR(trace_writer_tail(tw, 0), "1 e n=1");
    for (int i = 2; i <= 5; i++)
        CHECK_EQ(trace_emit(tw, "e", "n=%d", i), 0);
    CHECK_EQ(trace_emit(tw, "BAD", NULL), -1);     /* not kept */
    CHECK_EQ(trace_writer_tail_count(tw), 3);
    CHECK_STR(trace_writer_tail(tw, 0), "3 e n=3");
    CHECK_STR(trace_writer_tail(tw, 1), "4 e n=4");
    CHECK_STR(trace_writer_tail(tw, 2), "5 e n=5");
    CHECK(trace_writer_tail(tw, 3) == NULL);
    CHECK_EQ(trace_writer_set_tail(tw, 0), 0);
    CHECK_EQ(trace_writer_tail_count(tw), 0);
    CHECK_EQ(trace_emit(tw, "e", "n=6"), 0);
    CHECK(trace_writer_tail(tw, 0) == NULL);
    char *s = close_and_read(tw, fp, -1);
    free(s);
}

int main(void)
{
    RUN(writer_bytes_exact);
    RUN(writer_empty_trace_and_no_fields);
    RUN(writer_escaping);
    RUN(writer_rejects_bad_events);
    RUN(writer_seq_numbers_and_long_lines);
    RUN(writer_times_only_when_on);
    RUN(writer_reports_write_errors);
    RUN(writer_tail_ring);
    tu_cleanup();
    CHECK_EXIT();
}
