/* libFuzzer target for src/trace: the strict reader, the writer and the
 * tools.  Input: a trace (or anything) for trace_read_mem; when it parses,
 * its events are written again through a writer and read back (oracle:
 * the same events, t= fields dropped), and `trace stats`, `trace diff`
 * against itself (oracle: same) and against the input's second half (split
 * at the first 0xFF byte, or at the middle) run on memfd files. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "trace/trace.h"

static FILE *devnull;

static int memfile(const uint8_t *data, size_t len, char *path, size_t plen)
{
    int fd = memfd_create("fuzz-trace", MFD_CLOEXEC);
    if (fd < 0)
        return -1;
    if (len && write(fd, data, len) != (ssize_t)len) {
        close(fd);
        return -1;
    }
    snprintf(path, plen, "/proc/self/fd/%d", fd);
    return fd;
}

/* The events of tf through a writer (t= dropped), read back: same. */
static void round_trip(const struct trace_file *tf)
{
    char *text = NULL, err[512];
    size_t len = 0;
    FILE *ms = open_memstream(&text, &len);
    if (!ms)
        return;
    struct trace_writer *tw = trace_writer_open_file(ms, "round-trip", 0, err, sizeof err);
    if (!tw) {
        fclose(ms);
        free(text);
        return;
    }
    size_t line_cap = TRACE_LINE_MAX + 1;
    char *fields = malloc(line_cap);
    for (size_t i = 0; fields && i < tf->nevents; i++) {
        const struct trace_event *ev = &tf->events[i];
        size_t o = 0;
        fields[0] = 0;
        for (size_t k = 0; k < ev->nfields; k++) {
            if (strcmp(ev->fields[k].key, "t") == 0)
                continue;
            o += (size_t)snprintf(fields + o, line_cap - o, "%s%s=%s", o ? " " : "", ev->fields[k].key,
                                  ev->fields[k].value);
        }
        if (trace_emit(tw, ev->type, "%s", fields) != 0)
            __builtin_trap();           /* the reader took it, the writer must too */
    }
    free(fields);
    if (trace_writer_close(tw, err, sizeof err) != 0)
        __builtin_trap();
    fclose(ms);
    struct trace_file *back = NULL;
    if (trace_read_mem("round-trip", text, len, &back, err, sizeof err) != 0)
        __builtin_trap();
    if (back->nevents != tf->nevents)
        __builtin_trap();
    for (size_t i = 0; i < tf->nevents; i++) {
        const struct trace_event *a = &tf->events[i], *b = &back->events[i];
        if (strcmp(a->type, b->type) != 0)
            __builtin_trap();
        size_t kb = 0;
        for (size_t k = 0; k < a->nfields; k++) {
            if (strcmp(a->fields[k].key, "t") == 0)
                continue;
            if (kb >= b->nfields || strcmp(a->fields[k].key, b->fields[kb].key) != 0 ||
                strcmp(a->fields[k].value, b->fields[kb].value) != 0)
                __builtin_trap();
            kb++;
        }
        if (kb != b->nfields)
            __builtin_trap();
    }
    trace_file_free(back);
    free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[512];
    if (!devnull && !(devnull = fopen("/dev/null", "w")))
        return 0;
    struct trace_file *tf = NULL;
    int ok = trace_read_mem("fuzz", (const char *)data, size, &tf, err, sizeof err) == 0;
    if (ok != (tf != NULL))
        __builtin_trap();
    if (!ok && (!err[0] || strchr(err, '\n') || strchr(err, '\x1b')))
        __builtin_trap();               /* one clean line */
    if (ok)
        round_trip(tf);
    trace_file_free(tf);

    const uint8_t *sep = memchr(data, 0xff, size);
    size_t half = sep ? (size_t)(sep - data) : size / 2;
    char pa[64], pb[64], pc[64];
    int fa = memfile(data, size, pa, sizeof pa);
    int fb = memfile(data, half, pb, sizeof pb);
    int fc = memfile(data + half + (sep != NULL), size - half - (sep != NULL), pc, sizeof pc);
    if (fa >= 0 && fb >= 0 && fc >= 0) {
        int st = trace_stats(pa, devnull, devnull);
        if (st != (ok ? 0 : 2))
            __builtin_trap();
        int same = trace_diff(pa, pa, devnull, devnull);
        if (same != (ok ? 0 : 2))
            __builtin_trap();
        (void)trace_diff(pb, pc, devnull, devnull);
    }
    if (fa >= 0) close(fa);
    if (fb >= 0) close(fb);
    if (fc >= 0) close(fc);
    return 0;
}
