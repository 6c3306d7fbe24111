/* trace.h — scout's deterministic text trace: writer, strict reader,
 * and the `scout trace diff` / `scout trace stats` tools.  This header is
 * the whole public surface of src/trace/.
 *
 * ── Format, version 1 ───────────────────────────────────────────────────
 *
 *     scout-trace 1
 *     1 run-start mode=long64 depth=16 guest=hello64.elf
 *     2 page-alloc page=0x100000 mode=64
 *     3 scan page=0x100000 off=0x000 mode=64 len=5 verdict=native reason=none depth=0
 *     4 vexit rip=0x100010 insn=ret reason=computed-branch how=emulated target=0x100020
 *     5 run-stop why=exit-device status=1
 *
 * * Line 1 is the header "scout-trace <version>"; this code reads and
 *   writes version 1 (TRACE_VERSION).
 * * Every following line is one event:
 *       <seq> SP <type> { SP <key>=<value> }
 *   seq:   decimal, no leading zeros, 1 for the first event, then +1.
 *   type:  one or more of [a-z0-9-].
 *   key:   one or more of [a-z0-9_-].  Keys keep the emitter's order;
 *          a key may repeat (readers see every occurrence, lookups the first).
 *   value: zero or more printable ASCII bytes 0x21..0x7e except '=';
 *          a '%' must start an escape "%XX" (two uppercase hex digits).
 *          The writer percent-encodes '=', '%' (unless it already starts
 *          a valid %XX escape), control bytes and bytes >= 0x7f; use
 *          trace_escape() to put an arbitrary string (spaces included)
 *          into a value.
 *   Exactly one space separates items; no leading or trailing spaces.
 * * The key "t" is reserved: a writer opened with times on appends
 *   "t=<nanoseconds since open>" as the last field of every event, and
 *   never otherwise.  `trace diff` and `trace stats` ignore t= fields.
 * * No host pointers; no wall-clock time except t=.
 * * Every line, the last one included, ends with '\n'.  A file without a
 *   final newline is truncated.  Lines are at most TRACE_LINE_MAX bytes
 *   (newline excluded).  A header with no events is a valid, empty trace.
 *
 * ── Errors ──────────────────────────────────────────────────────────────
 * Functions that can fail return 0 / -1 (or NULL) and, when given a
 * buffer, write one line "trace FILE[:LINE]: why" into it.  Nothing here
 * prints except the *_main tools, and nothing aborts: trace files are
 * untrusted input.
 */
#ifndef SCOUT_TRACE_H
#define SCOUT_TRACE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define TRACE_VERSION   1
#define TRACE_LINE_MAX  65536      /* bytes per line, newline excluded */

/* ── Writer ────────────────────────────────────────────────────────────── */

struct trace_writer;

/* Creates/truncates `path` (a regular file, or an inherited pipe such as
 * /dev/stdout into `| grep`; a FIFO, device or directory is refused
 * without blocking) and writes the header.  with_times != 0 appends
 * t=<ns since open> to each event.  NULL on error (message in err). */
struct trace_writer *trace_writer_open(const char *path, int with_times,
                                       char *err, size_t errlen);

/* Same, on an already-open stream (not closed by trace_writer_close).
 * `name` is used in error messages only (NULL: "<stream>"). */
struct trace_writer *trace_writer_open_file(FILE *fp, const char *name,
                                            int with_times,
                                            char *err, size_t errlen);

/* Appends one event.  `fmt` (printf-style) produces the fields portion,
 * "key=value key=value ...", or may be NULL / "" for no fields.  The
 * writer adds the sequence number, the type and (with times) t=.  Runs of
 * spaces separate fields; values are escaped as described above.
 * Returns 0, or -1 if the event was rejected (bad type, field without
 * '=', bad or reserved key, line over TRACE_LINE_MAX) or the writer has
 * already failed on I/O; the reason is in trace_writer_error().  A
 * rejected event takes no sequence number.  Rejections and I/O errors
 * are also reported by trace_writer_close. */
int trace_emit(struct trace_writer *tw, const char *type, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int trace_emitv(struct trace_writer *tw, const char *type, const char *fmt,
                va_list ap) __attribute__((format(printf, 3, 0)));

/* Writes the buffer out and flushes the stream.  0, or -1 on a write
 * error (e.g. disk full), which is sticky: later emits fail too. */
int trace_writer_flush(struct trace_writer *tw, char *err, size_t errlen);

/* Flushes, closes (if opened by path) and frees.  Returns -1 if any write
 * failed or any event was rejected during the writer's life.  NULL is a
 * no-op returning 0. */
int trace_writer_close(struct trace_writer *tw, char *err, size_t errlen);

/* Number of events written so far (the last sequence number used). */
uint64_t trace_writer_count(const struct trace_writer *tw);

/* Last error message ("" if none). */
const char *trace_writer_error(const struct trace_writer *tw);

/* Keeps the last n formatted event lines (without newline) in memory;
 * n = 0 turns it off.  Resets what was kept.  0, or -1 out of memory. */
int trace_writer_set_tail(struct trace_writer *tw, size_t n);
/* How many lines are kept now (<= n). */
size_t trace_writer_tail_count(const struct trace_writer *tw);
/* Kept line i: 0 is the oldest kept, tail_count-1 the newest.  NULL if
 * out of range.  Valid until the next emit or set_tail. */
const char *trace_writer_tail(const struct trace_writer *tw, size_t i);

/* Percent-encodes `src` into a valid value (space, '=', '%', control and
 * non-ASCII bytes become %XX).  Writes at most dstlen bytes including the
 * NUL; returns the length the full result needs (like snprintf). */
size_t trace_escape(char *dst, size_t dstlen, const char *src);
/* Decodes %XX escapes.  Same return convention.  A decoded %00 ends the
 * string early. */
size_t trace_unescape(char *dst, size_t dstlen, const char *src);

/* ── Reader ────────────────────────────────────────────────────────────── */

struct trace_field {
    const char *key;
    const char *value;                /* as stored: still escaped */
};

struct trace_event {
    uint64_t seq;
    size_t line;                      /* 1-based line number in the file */
    const char *type;
    size_t nfields;
    const struct trace_field *fields;
};

struct trace_file {
    char *path;
    int version;
    size_t nevents;
    struct trace_event *events;
    /* private */
    char *text_;
    struct trace_field *fields_;
};

/* Reads and strictly checks a whole trace.  0 and *out set, or -1 with
 * "trace PATH:LINE: why" in err.  PATH is opened without blocking: a
 * regular file, or a pipe (/dev/stdin, <(cmd)) read up to
 * TRACE_STREAM_MAX bytes; FIFOs, devices and directories are refused. */
#define TRACE_STREAM_MAX (256u << 20)
int trace_read_file(const char *path, struct trace_file **out,
                    char *err, size_t errlen);
/* Same on a memory buffer (need not be NUL-terminated); `name` is used in
 * messages. */
int trace_read_mem(const char *name, const char *data, size_t len,
                   struct trace_file **out, char *err, size_t errlen);
void trace_file_free(struct trace_file *tf);

/* First value of `key` in the event, or NULL. */
const char *trace_event_get(const struct trace_event *ev, const char *key);

/* ── Tools ─────────────────────────────────────────────────────────────── */

/* Each *_main takes argv as a command would: argv[0] is its own name.
 * trace_main:  argv = {"trace", "diff"|"stats", ...}; dispatches.
 * trace_diff_main:  argv = {"diff", [--ignore-config,] A, B}: exit 0 same,
 *                   1 different, 2 error or usage.
 * trace_stats_main: argv = {"stats", FILE}: exit 0, or 2 on error/usage.
 * Reports go to stdout, errors and usage to stderr.
 * diff: "same: N events" when equal; otherwise the first divergence
 *   (event number, both line numbers, which type/field differs) with 3
 *   events of context from each side, or "X is a prefix of Y: ...", then
 *   a per-type count table (A, B, '*' on rows that differ).
 * stats: total, events by type, then for types present: vexit by
 *   reason/insn/how, scan by verdict and verdict/reason, io by port/dir,
 *   run-stop by why/status, invalidate dropped= total, data-write len=
 *   total, page-alloc/page-free counts. */
int trace_main(int argc, char **argv);
int trace_diff_main(int argc, char **argv);
int trace_stats_main(int argc, char **argv);

/* The same tools with explicit streams (for tests and the TUI). */
int trace_diff(const char *path_a, const char *path_b, FILE *out, FILE *err);
/* TRACE_DIFF_IGNORE_CONFIG (--ignore-config): compare what happened, not
 * how scout was set up: the guest, option and poke events are left out on
 * both sides, and run-start's scan, depth and guest fields. */
enum { TRACE_DIFF_IGNORE_CONFIG = 1u << 0 };
int trace_diff_flags(const char *path_a, const char *path_b, unsigned flags, FILE *out, FILE *err);
int trace_stats(const char *path, FILE *out, FILE *err);

#endif
