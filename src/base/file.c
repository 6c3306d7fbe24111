/* file.c — opening without blocking, reading with a bound: see file.h. */
#include "base/file.h"
#include "base/base.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *kind_of(mode_t m)
{
    if (S_ISDIR(m))
        return "a directory";
    if (S_ISCHR(m))
        return "a character device";
    if (S_ISBLK(m))
        return "a block device";
    if (S_ISFIFO(m))
        return "a FIFO (named pipe)";
    if (S_ISSOCK(m))
        return "a socket";
    return "a special file";
}

/* A pipe or socket scout inherited (stdin, /dev/fd/N, <(cmd)): the kernel
 * names it "pipe:[INODE]" or "socket:[INODE]"; a named FIFO has a path. */
static int inherited_stream(int fd)
{
    char link[64], target[16];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, target, sizeof target - 1);
    if (n <= 0)
        return 0;
    target[n] = 0;
    return strncmp(target, "pipe:[", 6) == 0 || strncmp(target, "socket:[", 8) == 0;
}

/* The type check shared by both directions: 0 (f filled), or -1 with err
 * (fd closed). */
static int check_type(int fd, unsigned flags, struct base_file *f, char *err, size_t errlen)
{
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return base_err(err, errlen, "cannot stat: %s", strerror(e));
    }
    memset(f, 0, sizeof *f);
    f->fd = fd;
    f->dev = st.st_dev;
    f->ino = st.st_ino;
    if (S_ISREG(st.st_mode)) {
        f->size = st.st_size;
        return 0;
    }
    if ((S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)) && inherited_stream(fd)) {
        if (!(flags & BASE_FILE_STREAM)) {
            close(fd);
            return base_err(err, errlen, "is a %s, not a regular file", S_ISFIFO(st.st_mode) ? "pipe" : "socket");
        }
        int fl = fcntl(fd, F_GETFL);
        if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0) {
            int e = errno;
            close(fd);
            return base_err(err, errlen, "cannot use the stream: %s", strerror(e));
        }
        f->stream = 1;
        return 0;
    }
    close(fd);
    return base_err(err, errlen, "is %s, not a regular file", kind_of(st.st_mode));
}

int base_file_open_read(const char *path, unsigned flags, struct base_file *f, char *err, size_t errlen)
{
    f->fd = -1;
    if (!path || !*path)
        return base_err(err, errlen, "no file name");
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return base_err(err, errlen, "%s", strerror(errno));
    return check_type(fd, flags, f, err, errlen);
}

int base_file_open_write(const char *path, unsigned flags, char *err, size_t errlen)
{
    struct stat st;
    struct base_file f;
    if (!path || !*path)
        return base_err(err, errlen, "no file name");
    /* Something that is there and is not a regular file: check before
     * O_TRUNC, and say what it is (a FIFO without a reader gives ENXIO). */
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISFIFO(st.st_mode) && !S_ISSOCK(st.st_mode))
        return base_err(err, errlen, "is %s, not a regular file", kind_of(st.st_mode));
    int mode = flags & BASE_FILE_APPEND ? O_APPEND : O_TRUNC;
    int fd = open(path, O_WRONLY | O_CREAT | mode | O_NONBLOCK | O_CLOEXEC | O_NOCTTY, 0666);
    if (fd < 0) {
        int e = errno;
        if (e == ENXIO && stat(path, &st) == 0)
            return base_err(err, errlen, "is %s, not a regular file", kind_of(st.st_mode));
        return base_err(err, errlen, "%s", strerror(e));
    }
    if (check_type(fd, flags, &f, err, errlen) != 0)
        return -1;
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0) {
        int e = errno;
        close(fd);
        return base_err(err, errlen, "%s", strerror(e));
    }
    return fd;
}

int base_file_read_all(const struct base_file *f, size_t max,
                       int (*enough)(void *ctx, const char *data, size_t len, size_t fresh), void *ctx,
                       char **buf, size_t *len, char *err, size_t errlen)
{
    *buf = NULL;
    *len = 0;
    int sized = !f->stream && f->size > 0;
    if (sized && (uint64_t)f->size > max)
        return base_err(err, errlen, "larger than %zu bytes (%lld)", max, (long long)f->size);
    size_t cap = sized ? (size_t)f->size : 65536, n = 0;
    if (cap > max)
        cap = max;
    char *b = malloc(cap + 1);
    if (!b)
        return base_err(err, errlen, "out of memory");
    for (;;) {
        if (n == cap) {
            if (sized || cap == max) {
                /* as big as it said, or the bound: one more byte? */
                char extra;
                ssize_t r = read(f->fd, &extra, 1);
                if (r < 0 && errno == EINTR)
                    continue;
                if (r > 0 && !sized) {
                    free(b);
                    return base_err(err, errlen, "larger than %zu bytes", max);
                }
                break;          /* a regular file that grew: what fstat said */
            }
            size_t ncap = cap > max / 2 ? max : cap * 2;
            char *nb = realloc(b, ncap + 1);
            if (!nb) {
                free(b);
                return base_err(err, errlen, "out of memory");
            }
            b = nb;
            cap = ncap;
        }
        ssize_t r = read(f->fd, b + n, cap - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int e = errno;
            free(b);
            if (e == EAGAIN || e == EWOULDBLOCK)
                return base_err(err, errlen, "read would block (not a plain file)");
            return base_err(err, errlen, "read failed: %s", strerror(e));
        }
        if (r == 0) {
            if (sized) {
                free(b);
                return base_err(err, errlen, "read failed: the file shrank to %zu bytes", n);
            }
            break;
        }
        n += (size_t)r;
        if (enough && enough(ctx, b, n, n - (size_t)r))
            break;
    }
    b[n] = 0;
    *buf = b;
    *len = n;
    return 0;
}

void base_file_close(struct base_file *f)
{
    if (f->fd >= 0)
        close(f->fd);
    f->fd = -1;
}
