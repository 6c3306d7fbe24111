/* test_base — src/base helpers for untrusted input: text a terminal shows
 * as written (no C0 but tab, no DEL, no C1 such as U+009B CSI, valid
 * UTF-8) and its escaped form, and files opened without ever blocking
 * (regular files and inherited pipes read; FIFOs, devices, directories
 * refused) and read with a bound. */
#include "check.h"
#include "base/file.h"
#include "base/text.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[] = "/tmp/scout-base-XXXXXX";

static int is_text(const char *s, unsigned flags) { return base_is_text(s, strlen(s), flags); }

TEST(text)
{
    CHECK(is_text("plain text\twith a tab", 0));
    CHECK(is_text("caf\xc3\xa9 \xc2\xa0 \xe2\x82\xac \xf0\x9f\x98\x80", 0));   /* é, NBSP, €, 😀 */
    CHECK(!is_text("a\nb", 0));
    CHECK(is_text("a\nb", BASE_TEXT_NEWLINE));
    CHECK(!is_text("\x1b[31m", 0));                 /* ESC */
    CHECK(!is_text("del\x7f", 0));
    CHECK(!is_text("\x9b" "31m", 0));               /* raw C1 CSI */
    CHECK(!is_text("\xc2\x9b" "31m", 0));           /* U+009B CSI */
    CHECK(!is_text("\xc2\x80", 0));                 /* U+0080 */
    CHECK(!is_text("\xc2\x9f", 0));                 /* U+009F */
    CHECK(!is_text("\xc0\xaf", 0));                 /* overlong '/' */
    CHECK(!is_text("\xe0\x80\xaf", 0));
    CHECK(!is_text("\xed\xa0\x80", 0));             /* surrogate */
    CHECK(!is_text("\xf4\x90\x80\x80", 0));         /* above U+10FFFF */
    CHECK(!is_text("\xe2\x82", 0));                 /* truncated */
    CHECK(!base_is_text("a\0b", 3, 0));
}

TEST(escape)
{
    char buf[64];
    CHECK_EQ(base_escape_text(buf, sizeof buf, "ok \xc3\xa9", 0), 5);
    CHECK_STR(buf, "ok \xc3\xa9");
    CHECK_EQ(base_escape_text(buf, sizeof buf, "a\x1b[2Jb\x7f\n", 0), 17);
    CHECK_STR(buf, "a\\x1b[2Jb\\x7f\\x0a");
    base_escape_text(buf, sizeof buf, "x\xc2\x9b" "1m\x9b", BASE_TEXT_NEWLINE);
    CHECK_STR(buf, "x\\xc2\\x9b1m\\x9b");
    base_escape_text(buf, sizeof buf, "two\nlines", BASE_TEXT_NEWLINE);
    CHECK_STR(buf, "two\nlines");
    /* truncated like snprintf */
    char tiny[5];
    CHECK_EQ(base_escape_text(tiny, sizeof tiny, "\x01\x02", 0), 8);
    CHECK_STR(tiny, "\\x01");
    CHECK_EQ(base_escape_text(NULL, 0, "\x01", 0), 4);
}

static const char *path_in(const char *name)
{
    static char p[4][128];
    static int k;
    k = (k + 1) % 4;
    snprintf(p[k], sizeof p[k], "%s/%s", dir, name);
    return p[k];
}

TEST(open_read)
{
    struct base_file f;
    char err[256], *buf;
    size_t len;
    const char *reg = path_in("reg");
    FILE *w = fopen(reg, "w");
    fputs("hello\n", w);
    fclose(w);
    CHECK_EQ(base_file_open_read(reg, 0, &f, err, sizeof err), 0);
    CHECK_EQ(f.stream, 0);
    CHECK_EQ(base_file_read_all(&f, 100, NULL, NULL, &buf, &len, err, sizeof err), 0);
    CHECK_EQ(len, 6);
    CHECK_STR(buf, "hello\n");
    free(buf);
    base_file_close(&f);
    /* bounded: a file larger than the bound is refused before reading */
    CHECK_EQ(base_file_open_read(reg, 0, &f, err, sizeof err), 0);
    CHECK_EQ(base_file_read_all(&f, 5, NULL, NULL, &buf, &len, err, sizeof err), -1);
    CHECK_STR(err, "larger than 5 bytes (6)");
    base_file_close(&f);

    CHECK_EQ(base_file_open_read(dir, BASE_FILE_STREAM, &f, err, sizeof err), -1);
    CHECK_STR(err, "is a directory, not a regular file");
    CHECK_EQ(base_file_open_read("/dev/null", BASE_FILE_STREAM, &f, err, sizeof err), -1);
    CHECK_STR(err, "is a character device, not a regular file");
    const char *fifo = path_in("fifo");
    CHECK_EQ(mkfifo(fifo, 0600), 0);
    CHECK_EQ(base_file_open_read(fifo, BASE_FILE_STREAM, &f, err, sizeof err), -1);   /* no writer: no hang */
    CHECK_STR(err, "is a FIFO (named pipe), not a regular file");
    CHECK_EQ(base_file_open_read(path_in("none"), 0, &f, err, sizeof err), -1);
    CHECK_STR(err, "No such file or directory");
    CHECK_EQ(f.fd, -1);

    /* an inherited pipe: a stream where streams are fine, capped */
    int fds[2];
    CHECK_EQ(pipe(fds), 0);
    char pp[64];
    snprintf(pp, sizeof pp, "/proc/self/fd/%d", fds[0]);
    CHECK_EQ(base_file_open_read(pp, 0, &f, err, sizeof err), -1);
    CHECK_STR(err, "is a pipe, not a regular file");
    CHECK_EQ(write(fds[1], "0123456789", 10), 10);
    close(fds[1]);
    CHECK_EQ(base_file_open_read(pp, BASE_FILE_STREAM, &f, err, sizeof err), 0);
    CHECK_EQ(f.stream, 1);
    CHECK_EQ(base_file_read_all(&f, 9, NULL, NULL, &buf, &len, err, sizeof err), -1);
    CHECK_STR(err, "larger than 9 bytes");
    base_file_close(&f);
    close(fds[0]);
    /* /proc files say size 0 and have contents: read to their end */
    CHECK_EQ(base_file_open_read("/proc/self/stat", 0, &f, err, sizeof err), 0);
    CHECK_EQ(base_file_read_all(&f, 1 << 20, NULL, NULL, &buf, &len, err, sizeof err), 0);
    CHECK(len > 10);
    free(buf);
    base_file_close(&f);
}

TEST(open_write)
{
    char err[256];
    const char *reg = path_in("out");
    int fd = base_file_open_write(reg, 0, err, sizeof err);
    CHECK(fd >= 0);
    CHECK_EQ(write(fd, "x", 1), 1);
    close(fd);
    CHECK_EQ(base_file_open_write(dir, 0, err, sizeof err), -1);
    CHECK_STR(err, "is a directory, not a regular file");
    CHECK_EQ(base_file_open_write("/dev/null", BASE_FILE_STREAM, err, sizeof err), -1);
    CHECK_STR(err, "is a character device, not a regular file");
    const char *fifo = path_in("fifo");         /* made by open_read; no reader */
    CHECK_EQ(base_file_open_write(fifo, BASE_FILE_STREAM, err, sizeof err), -1);
    CHECK_STR(err, "is a FIFO (named pipe), not a regular file");
    int rfd = open(fifo, O_RDONLY | O_NONBLOCK);   /* a reader: still a FIFO */
    CHECK_EQ(base_file_open_write(fifo, BASE_FILE_STREAM, err, sizeof err), -1);
    CHECK_STR(err, "is a FIFO (named pipe), not a regular file");
    close(rfd);
    int fds[2];
    CHECK_EQ(pipe(fds), 0);
    char pp[64];
    snprintf(pp, sizeof pp, "/proc/self/fd/%d", fds[1]);
    fd = base_file_open_write(pp, BASE_FILE_STREAM, err, sizeof err);
    CHECK(fd >= 0);
    CHECK_EQ(write(fd, "y", 1), 1);
    char c = 0;
    CHECK_EQ(read(fds[0], &c, 1), 1);
    CHECK_EQ(c, 'y');
    close(fd);
    close(fds[0]);
    close(fds[1]);
}

int main(void)
{
    if (!mkdtemp(dir))
        return 1;
    RUN(text);
    RUN(escape);
    RUN(open_read);
    RUN(open_write);
    unlink(path_in("reg"));
    unlink(path_in("fifo"));
    unlink(path_in("out"));
    rmdir(dir);
    CHECK_EXIT();
}
