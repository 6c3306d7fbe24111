/* file.h — opening files scout reads or writes without ever blocking in
 * open(), and reading them with a bound.
 *
 * Every path scout is given (guest image, --module, -x/source, trace
 * stats/diff, --trace/trace on, plugins) is opened with O_NONBLOCK and its
 * type checked with fstat before anything is read:
 *   - a regular file is read (it stays O_NONBLOCK: a regular file that
 *     would block, such as /proc/kmsg, is an error, not a hang);
 *   - a pipe or socket scout inherited -- stdin, /dev/stdin, /dev/fd/N,
 *     bash's <(cmd) -- is a stream: allowed where the caller says so,
 *     read blocking (Ctrl-C, --timeout and the watchdog end a wait),
 *     with a cap on how much is read;
 *   - a named FIFO, a character or block device, a directory is refused
 *     ("is a FIFO (named pipe), not a regular file", "is a character
 *     device, not a regular file", "is a directory, not a regular file").
 * Errors: the why, without the path, in err (callers say which file and
 * what they were doing: "trace x.trace: cannot open: WHY"); a failed
 * open() says strerror(errno). */
#ifndef SCOUT_BASE_FILE_H
#define SCOUT_BASE_FILE_H
#include <stddef.h>
#include <sys/types.h>

struct base_file {
    int fd;
    int stream;             /* 1: a pipe or socket (no size, read until EOF) */
    off_t size;             /* a regular file's size (0 for /proc files) */
    dev_t dev;              /* identity of what was opened */
    ino_t ino;
};

enum {
    BASE_FILE_STREAM = 1u << 0,     /* pipes and sockets are fine here */
    BASE_FILE_APPEND = 1u << 1,     /* writing: add to the end, not truncate */
};

/* Opens path for reading (flags: BASE_FILE_*).  0, or -1 with err. */
int base_file_open_read(const char *path, unsigned flags, struct base_file *f, char *err, size_t errlen);
/* Creates or truncates (or appends to) path for writing (a regular file), or opens an
 * inherited pipe or socket when flags has BASE_FILE_STREAM.  Returns
 * the descriptor (blocking), or -1 with err. */
int base_file_open_write(const char *path, unsigned flags, char *err, size_t errlen);

/* Reads f to its end, at most max bytes: 0 with *buf (malloc'd, with one
 * more byte, NUL, after *len bytes), or -1 with err ("larger than N
 * bytes", "read failed: ...", "read would block").  A regular file is
 * read as big as fstat said (it must not shrink), or, when fstat said 0
 * (/proc files), to its end like a stream.  enough (may be NULL) sees
 * what was read so far after every read, the new bytes from data[fresh];
 * when it returns 1 reading stops there (the caller has seen enough to
 * refuse the input: binary data, a bad header) and the call succeeds with
 * what was read. */
int base_file_read_all(const struct base_file *f, size_t max,
                       int (*enough)(void *ctx, const char *data, size_t len, size_t fresh), void *ctx,
                       char **buf, size_t *len, char *err, size_t errlen);
void base_file_close(struct base_file *f);

#endif
