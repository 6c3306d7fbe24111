/* script.c — runs command files and -ex lists.  See script.h. */
#include "ui/cli/script.h"
#include "ui/cli/command.h"

#include "base/file.h"
#include "base/text.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool keep_going(struct cmd_ctx *ctx, bool failed)
{
    if (cmd_quit_requested(ctx, NULL) || cmd_script_aborted(ctx))
        return false;
    if (failed && cmd_var_enum_index(ctx, "on-error") != 1)
        return false;
    return true;
}

enum rd { RD_LINE, RD_EOF, RD_LONG, RD_ERROR };

/* Reads one line (without its newline) into buf[0..cap], NUL-terminated;
 * *len counts the bytes (a NUL byte inside stays, is_text rejects it). */
static enum rd read_line(FILE *f, char *buf, size_t cap, size_t *len)
{
    size_t n = 0;
    int c;
    bool any = false;
    while ((c = getc(f)) != EOF) {
        any = true;
        if (c == '\n')
            break;
        if (n == cap)
            return RD_LONG;
        buf[n++] = (char)c;
    }
    if (c == EOF && ferror(f))
        return RD_ERROR;
    buf[n] = 0;
    *len = n;
    return any ? RD_LINE : RD_EOF;
}

int script_run_file(struct cmd_ctx *ctx, const char *path)
{
    unsigned depth = cmd_script_depth(ctx);
    if (!path || !*path) {
        cmd_error(ctx, "file name expected");
        return 1;
    }
    if (depth >= SCRIPT_MAX_DEPTH) {
        cmd_error(ctx, "nesting too deep (limit %u)", SCRIPT_MAX_DEPTH);
        cmd_script_set_aborted(ctx, true);
        return 1;
    }
    /* Without blocking: a regular file, or a pipe (-x /dev/stdin). */
    struct base_file bf;
    char why[256];
    FILE *f = NULL;
    if (base_file_open_read(path, BASE_FILE_STREAM, &bf, why, sizeof why) == 0 && !(f = fdopen(bf.fd, "r"))) {
        snprintf(why, sizeof why, "%s", strerror(errno));
        base_file_close(&bf);
    }
    if (!f) {
        cmd_error(ctx, "cannot open \"%s\": %s", path, why);
        return 1;
    }
    char *buf = malloc(SCRIPT_MAX_LINE + 1);
    if (!buf) {
        fclose(f);
        cmd_error(ctx, "out of memory");
        return 1;
    }
    struct cmd_location saved;
    cmd_location_push(ctx, &saved, path);
    cmd_script_set_depth(ctx, depth + 1);
    bool failed = false;
    size_t total = 0;
    for (unsigned long lineno = 1; !cmd_quit_requested(ctx, NULL); lineno++) {
        size_t len = 0;
        cmd_location_line(ctx, lineno);
        enum rd r = read_line(f, buf, SCRIPT_MAX_LINE, &len);
        if (r == RD_EOF)
            break;
        if (r == RD_ERROR) {
            cmd_error(ctx, "cannot read \"%s\": %s", path, strerror(errno));
            failed = true;
            break;
        }
        if (r == RD_LONG) {
            cmd_error(ctx, "line too long (limit %u bytes)", SCRIPT_MAX_LINE);
            failed = true;
            break;
        }
        if ((total += len + 1) > SCRIPT_MAX_BYTES) {
            cmd_error(ctx, "script longer than %u bytes", SCRIPT_MAX_BYTES);
            failed = true;
            break;
        }
        char *text = buf;
        if (len > 0 && text[len - 1] == '\r')
            text[--len] = 0;
        if (lineno == 1 && len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0) {
            text += 3;          /* UTF-8 byte order mark */
            len -= 3;
        }
        if (!base_is_text(text, len, 0)) {
            cmd_error(ctx, "binary data in script");
            failed = true;
            break;
        }
        bool bad = cmd_execute_line(ctx, text, false) < 0;
        failed |= bad;
        if (!keep_going(ctx, bad))
            break;
    }
    cmd_script_set_depth(ctx, depth);
    if (depth == 0)
        cmd_script_set_aborted(ctx, false);
    cmd_location_pop(ctx, &saved);
    free(buf);
    fclose(f);
    return failed ? 1 : 0;
}

int script_run_line(struct cmd_ctx *ctx, const char *where, unsigned long n, const char *line)
{
    struct cmd_location saved;
    cmd_location_push(ctx, &saved, where ? where : "-ex");
    cmd_location_line(ctx, n);
    int rc = 0;
    size_t len = line ? strlen(line) : 0;
    if (len > SCRIPT_MAX_LINE)
        rc = cmd_error(ctx, "line too long (limit %u bytes)", SCRIPT_MAX_LINE);
    else if (!base_is_text(line ? line : "", len, 0))
        rc = cmd_error(ctx, "binary data in command");
    else
        rc = cmd_execute_line(ctx, line ? line : "", false);
    cmd_location_pop(ctx, &saved);
    return rc < 0 ? 1 : 0;
}

int script_run_lines(struct cmd_ctx *ctx, const char *where, const char *const *lines, size_t n)
{
    bool failed = false;
    for (size_t i = 0; i < n && !cmd_quit_requested(ctx, NULL); i++) {
        bool bad = script_run_line(ctx, where, (unsigned long)i + 1, lines[i]) != 0;
        failed |= bad;
        if (!keep_going(ctx, bad))
            break;
    }
    if (cmd_script_depth(ctx) == 0)
        cmd_script_set_aborted(ctx, false);
    return failed ? 1 : 0;
}
