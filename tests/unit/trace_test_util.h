/* trace_test_util.h — temp files and output capture for the trace tests. */
#ifndef SCOUT_TRACE_TEST_UTIL_H
#define SCOUT_TRACE_TEST_UTIL_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char tu_dir_[256];
static char *tu_files_[256];
static int tu_nfiles_;

/* A path inside this test's temp directory (created on first use). */
static inline const char *tu_path(const char *name)
{
    if (!tu_dir_[0]) {
        const char *tmp = getenv("TMPDIR");
        snprintf(tu_dir_, sizeof tu_dir_, "%s/scout-trace-test-XXXXXX",
                 tmp && *tmp ? tmp : "/tmp");
        if (!mkdtemp(tu_dir_)) {
            perror("mkdtemp");
            exit(99);
        }
    }
    static char buf[8][512];
    static int k;
    char *p = buf[k++ % 8];
    snprintf(p, 512, "%s/%s", tu_dir_, name);
    for (int i = 0; i < tu_nfiles_; i++)
        if (strcmp(tu_files_[i], p) == 0)
            return p;
    if (tu_nfiles_ < 256)
        tu_files_[tu_nfiles_++] = strdup(p);
    return p;
}

/* Writes len bytes to the named temp file; returns its path. */
static inline const char *tu_write(const char *name, const char *data, size_t len)
{
    const char *p = tu_path(name);
    FILE *f = fopen(p, "wb");
    if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
        perror(p);
        exit(99);
    }
    return p;
}

static inline const char *tu_write_str(const char *name, const char *s)
{
    return tu_write(name, s, strlen(s));
}

/* Everything in the stream from the start, NUL-terminated (malloc'd). */
static inline char *tu_slurp(FILE *f)
{
    fflush(f);
    long n = ftell(f);
    char *s = malloc(n > 0 ? (size_t)n + 1 : 1);
    rewind(f);
    size_t got = n > 0 ? fread(s, 1, (size_t)n, f) : 0;
    s[got] = 0;
    return s;
}

static inline char *tu_read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return strdup("");
    fseek(f, 0, SEEK_END);
    char *s = tu_slurp(f);
    fclose(f);
    return s;
}

/* An inherited pipe as a path (/proc/self/fd/N), like /dev/stdin fed by
 * `cmd |`: fds[0] reads, fds[1] writes; NULL if no pipe. */
static inline const char *tu_pipe(int fds[2], int end)
{
    static char path[2][64];
    if (pipe(fds) != 0)
        return NULL;
    snprintf(path[end], sizeof path[end], "/proc/self/fd/%d", fds[end]);
    return path[end];
}

static inline void tu_cleanup(void)
{
    for (int i = 0; i < tu_nfiles_; i++) {
        struct stat st;
        if (stat(tu_files_[i], &st) == 0 && S_ISDIR(st.st_mode))
            rmdir(tu_files_[i]);
        else
            unlink(tu_files_[i]);
        free(tu_files_[i]);
    }
    tu_nfiles_ = 0;
    if (tu_dir_[0])
        rmdir(tu_dir_);
}
/* A small well-formed trace with one event of each common type. */
static const char tu_good_trace[] __attribute__((unused)) =
    "scout-trace 1\n"
    "1 run-start mode=long64 depth=16 guest=hello64.elf\n"
    "2 page-alloc page=0x100000 mode=64\n"
    "3 scan page=0x100000 off=0x000 mode=64 len=5 verdict=native reason=none depth=0\n"
    "4 trap-plant addr=0x100010 orig=0xc3\n"
    "5 vexit rip=0x100010 insn=ret reason=computed-branch how=emulated target=0x100020\n"
    "6 invalidate page=0x100000 write=0x100004 len=1 hit=0x100003 dropped=37\n"
    "7 data-write addr=0x100800 len=4\n"
    "8 io port=0xe9 dir=out size=1 val=0x48\n"
    "9 run-stop why=exit-device status=1\n";

#endif
