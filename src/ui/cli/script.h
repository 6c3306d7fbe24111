/* script.h — running command files (`scout -x FILE`, `source FILE`) and
 * `-ex` command lists through the command table of command.h.
 *
 * Files are opened without blocking: a regular file, or a pipe
 * (`echo run | scout -x /dev/stdin`); a FIFO, device or directory is
 * refused ("cannot open \"F\": is a FIFO (named pipe), not a regular
 * file").  They are read line by line, at most SCRIPT_MAX_BYTES in all.
 * Blank lines and lines starting with '#' are skipped.  A line longer than
 * SCRIPT_MAX_LINE bytes, or one holding a NUL byte, a control character
 * other than tab (and a final CR), DEL, a C1 control (U+0080..U+009F) or
 * bytes that are not valid UTF-8 (base/text.h), ends that file with an
 * error:
 *     boot.scout:7: line too long (limit 4096 bytes)
 *     junk.bin:1: binary data in script
 * A command error is printed with the location in front:
 *     boot.scout:3: x: cannot read 0xdeadbeef: outside guest memory
 * With `set on-error stop` (the default) the first failing command ends
 * the file; with `set on-error continue` the rest of the file still runs
 * (like gdb's batch mode).  Either way the result is 1 if anything in the
 * file failed, else 0.  `quit` stops all running scripts (result 0 unless
 * something failed before), and once quit is requested the runners run
 * nothing more.  `source` nests up to SCRIPT_MAX_DEPTH levels;
 * going deeper is an error that stops every running script regardless of
 * on-error, so a self-sourcing file cannot multiply. */
#ifndef SCOUT_UI_SCRIPT_H
#define SCOUT_UI_SCRIPT_H

#include <stddef.h>

struct cmd_ctx;

#define SCRIPT_MAX_LINE  4096u  /* bytes per line, without the newline */
#define SCRIPT_MAX_DEPTH 16u    /* nested source levels */
#define SCRIPT_MAX_BYTES (16u << 20)  /* per file: a stream that never ends is cut here */

/* Runs a command file.  Returns 0 if every command succeeded, 1 if the
 * file could not be read or a command failed (errors already printed). */
int script_run_file(struct cmd_ctx *ctx, const char *path);

/* Runs one line from a list such as -ex; errors read "WHERE N: ..."
 * ("-ex 2: x: ...") or "WHERE:N: ..." when where does not start with '-'.
 * Returns 0 or 1 like script_run_file.  No repeat-on-empty. */
int script_run_line(struct cmd_ctx *ctx, const char *where, unsigned long n,
                    const char *line);

/* Runs lines[0..n-1] numbered from 1 as script_run_line does, honouring
 * on-error and quit like a file.  Returns 0 or 1. */
int script_run_lines(struct cmd_ctx *ctx, const char *where,
                     const char *const *lines, size_t n);

#endif
