/* Trace reader: good files parse; every kind of corruption is an error
 * that names file:line and says why. */
#include "check.h"
#include "trace/trace.h"
#include "trace_test_util.h"

static char err[512];


TEST(reader_good_file)
{
    const char *p = tu_write_str("good.trace", tu_good_trace);
    struct trace_file *tf = NULL;
    CHECK_EQ(trace_read_file(p, &tf, err, sizeof err), 0);
    CHECK(tf != NULL);
    if (!tf)
        return;
    CHECK_EQ(tf->version, 1);
    CHECK_STR(tf->path, p);
    CHECK_EQ(tf->nevents, 9);
    const struct trace_event *ev = &tf->events[4];
    CHECK_EQ(ev->seq, 5);
    CHECK_EQ(ev->line, 6);
    CHECK_STR(ev->type, "vexit");
    CHECK_EQ(ev->nfields, 5);
    CHECK_STR(ev->fields[0].key, "rip");
    CHECK_STR(ev->fields[0].value, "0x100010");
    CHECK_STR(ev->fields[4].key, "target");
    CHECK_STR(trace_event_get(ev, "reason"), "computed-branch");
    CHECK(trace_event_get(ev, "nope") == NULL);
    CHECK_STR(tf->events[8].type, "run-stop");
    CHECK_EQ(tf->events[8].line, 10);
    trace_file_free(tf);
}

TEST(reader_header_only_and_no_fields)
{
    struct trace_file *tf = NULL;
    const char *p = tu_write_str("empty-events.trace", "scout-trace 1\n");
    CHECK_EQ(trace_read_file(p, &tf, err, sizeof err), 0);
    CHECK(tf && tf->nevents == 0);
    trace_file_free(tf);
    static const char s[] = "scout-trace 1\n1 halt\n2 x k= t=12\n";
    CHECK_EQ(trace_read_mem("m", s, sizeof s - 1, &tf, err, sizeof err), 0);
    CHECK(tf && tf->nevents == 2 && tf->events[0].nfields == 0);
    if (tf && tf->nevents == 2) {
        CHECK_STR(trace_event_get(&tf->events[1], "k"), "");
        CHECK_STR(trace_event_get(&tf->events[1], "t"), "12");
    }
    trace_file_free(tf);
}

/* Writes `data` to a file, expects the read to fail with exactly
 * "trace <path>:<why>" where why starts with the line number. */
static void expect_error(const char *name, const char *data, size_t len,
                         const char *why)
{
    const char *p = tu_write(name, data, len);
    struct trace_file *tf = (struct trace_file *)1;
    err[0] = 0;
    CHECK_EQ(trace_read_file(p, &tf, err, sizeof err), -1);
    CHECK(tf == NULL);
    char want[1024];
    snprintf(want, sizeof want, "trace %s%s", p, why);
    CHECK_STR(err, want);
    if (tf != NULL && tf != (struct trace_file *)1)
        trace_file_free(tf);
}

#define EXPECT_ERROR(name, lit, why) expect_error(name, lit, sizeof lit - 1, why)

TEST(reader_header_errors)
{
    EXPECT_ERROR("noheader.trace", "1 run-start a=1\n",
                 ":1: missing header: expected 'scout-trace 1', found "
                 "'1%20run-start%20a%3D1' (not a scout trace?)");
    EXPECT_ERROR("v2.trace", "scout-trace 2\n1 x\n",
                 ":1: unsupported trace version 2 (this scout reads version 1)");
    EXPECT_ERROR("badver.trace", "scout-trace one\n",
                 ":1: bad header 'scout-trace%20one': expected "
                 "'scout-trace <version>'");
    EXPECT_ERROR("leading0.trace", "scout-trace 01\n",
                 ":1: bad header 'scout-trace%2001': expected "
                 "'scout-trace <version>'");
    EXPECT_ERROR("empty.trace", "", ":1: empty file (expected header "
                 "'scout-trace 1')");
}

TEST(reader_sequence_errors)
{
    EXPECT_ERROR("gap.trace", "scout-trace 1\n1 a\n2 b\n5 c\n",
                 ":4: sequence number 5 after 2 (truncated or edited?)");
    EXPECT_ERROR("first.trace", "scout-trace 1\n3 a\n",
                 ":2: first sequence number is 3, expected 1");
    EXPECT_ERROR("dup.trace", "scout-trace 1\n1 a\n1 a\n",
                 ":3: sequence number 1 after 1 (truncated or edited?)");
    EXPECT_ERROR("zero.trace", "scout-trace 1\n01 a\n",
                 ":2: bad sequence number '01' (a junk line?)");
    EXPECT_ERROR("huge.trace", "scout-trace 1\n99999999999999999999999 a\n",
                 ":2: bad sequence number '99999999999999999999999' (a junk line?)");
}

TEST(reader_junk_lines)
{
    EXPECT_ERROR("junk.trace", "scout-trace 1\n1 a\nhello world\n",
                 ":3: bad sequence number 'hello' (a junk line?)");
    EXPECT_ERROR("blank.trace", "scout-trace 1\n1 a\n\n2 b\n", ":3: empty line");
    EXPECT_ERROR("notype.trace", "scout-trace 1\n1\n", ":2: event 1 has no type");
    EXPECT_ERROR("badtype.trace", "scout-trace 1\n1 VExit a=1\n",
                 ":2: bad event type 'VExit' (types are [a-z0-9-])");
    EXPECT_ERROR("noeq.trace", "scout-trace 1\n1 a rip\n",
                 ":2: field 'rip' has no '='");
    EXPECT_ERROR("badkey.trace", "scout-trace 1\n1 a R=1\n",
                 ":2: bad key 'R' (keys are [a-z0-9_-])");
    EXPECT_ERROR("emptykey.trace", "scout-trace 1\n1 a =1\n",
                 ":2: field with an empty key at column 5");
    EXPECT_ERROR("twoeq.trace", "scout-trace 1\n1 a k=1=2\n",
                 ":2: value of 'k' contains '=' at column 8");
    EXPECT_ERROR("badesc.trace", "scout-trace 1\n1 a k=1%2\n",
                 ":2: bad %-escape in value of 'k' at column 8");
    EXPECT_ERROR("lowesc.trace", "scout-trace 1\n1 a k=%3d\n",
                 ":2: bad %-escape in value of 'k' at column 7");
    EXPECT_ERROR("space2.trace", "scout-trace 1\n1 a  k=1\n",
                 ":2: extra space at column 4");
    EXPECT_ERROR("trail.trace", "scout-trace 1\n1 a k=1 \n",
                 ":2: extra space at column 8");
    EXPECT_ERROR("crlf.trace", "scout-trace 1\n1 a k=1\r\n",
                 ":2: carriage return at column 8 (CRLF line endings?)");
    EXPECT_ERROR("tab.trace", "scout-trace 1\n1 a\tk=1\n",
                 ":2: byte 0x09 at column 4 is not allowed (binary data?)");
    EXPECT_ERROR("utf8.trace", "scout-trace 1\n1 a k=\xc3\xa9\n",
                 ":2: byte 0xC3 at column 7 is not allowed (binary data?)");
}

TEST(reader_binary_and_truncated)
{
    EXPECT_ERROR("nul.trace", "scout-trace 1\n1 a\n2 b\0c\n",
                 ":3: NUL byte at column 4 (binary data?)");
    EXPECT_ERROR("nulhdr.trace", "\x7f" "ELF\x02\x01\x01\0\0\0",
                 ":1: NUL byte at column 8 (binary data?)");
    EXPECT_ERROR("trunc.trace", "scout-trace 1\n1 a k=1\n2 b k",
                 ":3: no newline at end of file (truncated?)");
    EXPECT_ERROR("trunchdr.trace", "scout-tr",
                 ":1: no newline at end of file (truncated?)");

    /* A line of exactly TRACE_LINE_MAX bytes is fine; one more is not. */
    size_t n = 14 + TRACE_LINE_MAX + 1;
    char *buf = malloc(n + 1);
    memcpy(buf, "scout-trace 1\n1 a v=", 20);
    memset(buf + 20, 'x', n - 20);
    buf[14 + TRACE_LINE_MAX] = '\n';
    struct trace_file *tf = NULL;
    CHECK_EQ(trace_read_mem("max", buf, n, &tf, err, sizeof err), 0);
    trace_file_free(tf);
    buf[14 + TRACE_LINE_MAX] = 'x';
    buf[n] = '\n';
    expect_error("long.trace", buf, n + 1, ":2: line longer than 65536 bytes");
    /* No newline anywhere in a huge junk file: still "longer", not truncated. */
    expect_error("long2.trace", buf + 14, n - 14,
                 ":1: line longer than 65536 bytes");
    free(buf);
}

TEST(reader_file_errors)
{
    struct trace_file *tf = NULL;
    const char *missing = tu_path("missing.trace");
    CHECK_EQ(trace_read_file(missing, &tf, err, sizeof err), -1);
    char want[600];
    snprintf(want, sizeof want, "trace %s: cannot open: No such file or directory",
             missing);
    CHECK_STR(err, want);
    const char *dir = tu_path("adir");
    CHECK_EQ(mkdir(dir, 0700), 0);
    CHECK_EQ(trace_read_file(dir, &tf, err, sizeof err), -1);
    snprintf(want, sizeof want, "trace %s: cannot open: is a directory, not a regular file", dir);
    CHECK_STR(err, want);
    CHECK(tf == NULL);
    /* Devices and FIFOs are refused without blocking or reading. */
    CHECK_EQ(trace_read_file("/dev/zero", &tf, err, sizeof err), -1);
    CHECK_STR(err, "trace /dev/zero: cannot open: is a character device, not a regular file");
    const char *fifo = tu_path("fifo");
    CHECK_EQ(mkfifo(fifo, 0600), 0);
    CHECK_EQ(trace_read_file(fifo, &tf, err, sizeof err), -1);
    snprintf(want, sizeof want, "trace %s: cannot open: is a FIFO (named pipe), not a regular file", fifo);
    CHECK_STR(err, want);
    /* A pipe is read as a stream; binary input stops at its first NUL,
     * a first line that is no header stops the read there (`yes |`). */
    int fds[2];
    static char zeros[4096], ys[60000];
    const char *rd = tu_pipe(fds, 0);
    CHECK(rd != NULL);
    CHECK_EQ(write(fds[1], zeros, sizeof zeros), (ssize_t)sizeof zeros);
    CHECK_EQ(trace_read_file(rd, &tf, err, sizeof err), -1);
    CHECK(strstr(err, ":1: NUL byte at column 1 (binary data?)") != NULL);
    close(fds[0]);
    close(fds[1]);
    rd = tu_pipe(fds, 0);
    for (size_t i = 0; i < sizeof ys; i += 2)
        memcpy(ys + i, "y\n", 2);
    CHECK_EQ(write(fds[1], ys, sizeof ys), (ssize_t)sizeof ys);  /* the writer stays open */
    CHECK_EQ(trace_read_file(rd, &tf, err, sizeof err), -1);
    CHECK(strstr(err, ":1: missing header: expected 'scout-trace 1', found 'y'") != NULL);
    close(fds[0]);
    close(fds[1]);
    rd = tu_pipe(fds, 0);
    CHECK_EQ(write(fds[1], tu_good_trace, strlen(tu_good_trace)), (ssize_t)strlen(tu_good_trace));
    close(fds[1]);
    CHECK_EQ(trace_read_file(rd, &tf, err, sizeof err), 0);
    CHECK(tf && tf->nevents > 0);
    trace_file_free(tf);
    tf = NULL;
    close(fds[0]);
    /* A tiny error buffer is still NUL-terminated; NULL is allowed. */
    char tiny[8];
    CHECK_EQ(trace_read_file(missing, &tf, tiny, sizeof tiny), -1);
    CHECK_STR(tiny, "trace /");
    CHECK_EQ(trace_read_file(missing, &tf, NULL, 0), -1);
    trace_file_free(NULL);
}

int main(void)
{
    RUN(reader_good_file);
    RUN(reader_header_only_and_no_fields);
    RUN(reader_header_errors);
    RUN(reader_sequence_errors);
    RUN(reader_junk_lines);
    RUN(reader_binary_and_truncated);
    RUN(reader_file_errors);
    tu_cleanup();
    CHECK_EXIT();
}
