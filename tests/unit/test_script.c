/* Unit tests for the script runner: files, -ex lines, error locations,
 * on-error, nesting, recursion limit and hostile input. */
#include "check.h"
#include "cmd_test_util.h"
#include "ui/cli/script.h"

#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[] = "/tmp/scout-script-XXXXXX";
static struct capture cap;

static int run_fail(struct cmd_ctx *ctx, int argc, char **argv)
{
    (void)argc, (void)argv;
    return cmd_error(ctx, "it broke");
}

static const struct cmd_def test_cmds[] = {
    { "fail", NULL, "", "Always fails", NULL, CMD_CLASS_SESSION, CMD_COMPLETE_NONE, 0, run_fail, NULL },
};

static struct cmd_ctx *setup(void)
{
    struct cmd_ctx *ctx = new_ctx(&cap);
    if (ctx && cmd_register(ctx, test_cmds, 1) < 0) {
        cmd_ctx_free(ctx);
        return NULL;
    }
    return ctx;
}

/* Writes a file in the test directory; returns its path (static slot). */
static const char *write_file(const char *name, const void *data, size_t len)
{
    static char paths[8][512];
    static int slot;
    char *p = paths[slot++ % 8];
    snprintf(p, 512, "%s/%s", dir, name);
    FILE *f = fopen(p, "wb");
    if (f) {
        fwrite(data, 1, len, f);
        fclose(f);
    }
    return p;
}

static const char *write_text(const char *name, const char *text)
{
    return write_file(name, text, strlen(text));
}

static char want[4096];
#define WANT(...) (snprintf(want, sizeof want, __VA_ARGS__), want)

TEST(comments_and_blank_lines)
{
    struct cmd_ctx *ctx = setup();
    const char *f = write_text("a.scout", "# a comment\n\n   \n\techo a\n  # indented\r\necho b\\n\r\n"
                                          "\n\n\n");
    CHECK_EQ(script_run_file(ctx, f), 0);
    CHECK_STR(cap.out, "ab\n");
    CHECK_STR(cap.err, "");
    /* no final newline, UTF-8 text and a byte order mark */
    f = write_text("b.scout", "\xef\xbb\xbf" "echo h\xc3\xa9llo \xe2\x82\xac");
    capture_reset(&cap);
    CHECK_EQ(script_run_file(ctx, f), 0);
    CHECK_STR(cap.out, "h\xc3\xa9llo \xe2\x82\xac");
    /* an empty file */
    f = write_text("empty.scout", "");
    CHECK_EQ(script_run_file(ctx, f), 0);
    cmd_ctx_free(ctx);
}

TEST(error_stops_with_location)
{
    struct cmd_ctx *ctx = setup();
    const char *f = write_text("stop.scout", "echo a\n# two\nfrob 1\necho b\n");
    CHECK_EQ(script_run_file(ctx, f), 1);
    CHECK_STR(cap.out, "a");
    CHECK_STR(cap.err, WANT("%s:3: unknown command \"frob\"; try \"help\"\n", f));
    f = write_text("stop2.scout", "\n\necho a\nfail\necho b\n");
    capture_reset(&cap);
    CHECK_EQ(script_run_file(ctx, f), 1);
    CHECK_STR(cap.out, "a");
    CHECK_STR(cap.err, WANT("%s:4: fail: it broke\n", f));
    CHECK_EQ(cmd_error_count(ctx), 2);
    cmd_ctx_free(ctx);
}

TEST(on_error_continue)
{
    struct cmd_ctx *ctx = setup();
    const char *f = write_text("cont.scout", "set on-error continue\nfrob\necho b\nfail\necho c\n");
    CHECK_EQ(script_run_file(ctx, f), 1);           /* completes, still reports failure */
    CHECK_STR(cap.out, "bc");
    CHECK_STR(cap.err, WANT("%s:2: unknown command \"frob\"; try \"help\"\n%s:4: fail: it broke\n", f, f));
    /* and a clean file afterwards is 0 again */
    f = write_text("clean.scout", "echo ok\n");
    CHECK_EQ(script_run_file(ctx, f), 0);
    cmd_ctx_free(ctx);
}

TEST(nested_source)
{
    struct cmd_ctx *ctx = setup();
    char inner_path[512], text[1200];
    snprintf(inner_path, sizeof inner_path, "%s/inner.scout", dir);
    write_text("inner.scout", "echo b\n");
    snprintf(text, sizeof text, "echo a\nsource %s\necho c\n", inner_path);
    const char *outer = write_text("outer.scout", text);
    CHECK_EQ(script_run_file(ctx, outer), 0);
    CHECK_STR(cap.out, "abc");
    CHECK_STR(cap.err, "");

    /* an error inside the inner file is reported once, with the inner location */
    write_text("inner.scout", "echo b\n\nfail\necho x\n");
    capture_reset(&cap);
    CHECK_EQ(script_run_file(ctx, outer), 1);
    CHECK_STR(cap.out, "ab");
    CHECK_STR(cap.err, WANT("%s:3: fail: it broke\n", inner_path));

    /* source of a missing file from a script */
    snprintf(text, sizeof text, "echo a\nsource %s/missing.scout\necho c\n", dir);
    outer = write_text("outer2.scout", text);
    capture_reset(&cap);
    CHECK_EQ(script_run_file(ctx, outer), 1);
    CHECK_STR(cap.err, WANT("%s:2: source: cannot open \"%s/missing.scout\": No such file or directory\n",
                            outer, dir));
    capture_reset(&cap);
    CHECK_EQ(cmd_execute_line(ctx, "source", false), -1);
    CHECK_STR(cap.err, "source: file name expected\n");
    cmd_ctx_free(ctx);
}

TEST(source_recursion_limit)
{
    struct cmd_ctx *ctx = setup();
    char self[512], text[1200];
    snprintf(self, sizeof self, "%s/self.scout", dir);
    snprintf(text, sizeof text, "source %s\n", self);
    write_text("self.scout", text);
    CHECK_EQ(script_run_file(ctx, self), 1);
    CHECK_STR(cap.err, WANT("%s:1: source: nesting too deep (limit 16)\n", self));
    CHECK_EQ(cmd_script_depth(ctx), 0);

    /* with on-error continue a file sourcing itself twice must not
     * multiply: the limit stops every level at once */
    snprintf(text, sizeof text, "set on-error continue\nsource %s\nsource %s\necho x\n", self, self);
    write_text("self.scout", text);
    capture_reset(&cap);
    unsigned long before = cmd_error_count(ctx);
    CHECK_EQ(script_run_file(ctx, self), 1);
    CHECK_EQ(cmd_error_count(ctx) - before, 1);
    CHECK_STR(cap.out, "");
    CHECK_STR(cap.err, WANT("%s:2: source: nesting too deep (limit 16)\n", self));

    /* the session goes on afterwards */
    capture_reset(&cap);
    const char *f = write_text("after.scout", "echo fine\n");
    CHECK_EQ(script_run_file(ctx, f), 0);
    CHECK_STR(cap.out, "fine");
    cmd_ctx_free(ctx);
}

TEST(missing_and_unreadable_files)
{
    struct cmd_ctx *ctx = setup();
    CHECK_EQ(script_run_file(ctx, "/nonexistent/dir/x.scout"), 1);
    CHECK_STR(cap.err, "cannot open \"/nonexistent/dir/x.scout\": No such file or directory\n");
    capture_reset(&cap);
    CHECK_EQ(script_run_file(ctx, dir), 1);
    CHECK_STR(cap.err, WANT("cannot open \"%s\": is a directory, not a regular file\n", dir));
    cmd_ctx_free(ctx);
}

TEST(binary_junk)
{
    struct cmd_ctx *ctx = setup();
    static const unsigned char elf[] = "echo a\n\x7f" "ELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x03\0>\0\x01\0\0\0"
                                       "\xff\xfe\n\n";
    const char *f = write_file("junk.bin", elf, sizeof elf - 1);
    CHECK_EQ(script_run_file(ctx, f), 1);
    CHECK_STR(cap.out, "a");
    CHECK_STR(cap.err, WANT("%s:2: binary data in script\n", f));

    /* invalid UTF-8 without NULs, on line 1; on-error continue does not
     * keep reading a binary file */
    static const unsigned char bad_utf8[] = "echo \xc0\xaf\necho b\n";
    f = write_file("bad.scout", bad_utf8, sizeof bad_utf8 - 1);
    capture_reset(&cap);
    CHECK_EQ(cmd_var_set(ctx, "on-error", "continue"), 0);
    CHECK_EQ(script_run_file(ctx, f), 1);
    CHECK_STR(cap.out, "");
    CHECK_STR(cap.err, WANT("%s:1: binary data in script\n", f));

    /* escape characters and surrogates are junk too */
    static const unsigned char esc[] = "echo \x1b[31m\n";
    f = write_file("esc.scout", esc, sizeof esc - 1);
    capture_reset(&cap);
    CHECK_EQ(script_run_file(ctx, f), 1);
    CHECK_STR(cap.err, WANT("%s:1: binary data in script\n", f));
    static const unsigned char sur[] = "# ok\necho \xed\xa0\x80\n";
    f = write_file("sur.scout", sur, sizeof sur - 1);
    capture_reset(&cap);
    CHECK_EQ(script_run_file(ctx, f), 1);
    CHECK_STR(cap.err, WANT("%s:2: binary data in script\n", f));

    /* DEL and the C1 controls (raw 0x9b, and U+009B CSI as UTF-8) are
     * control characters too: they never reach an error line */
    static const char *const ctl[] = { "echo a\x7f\n", "echo \x9b" "31m\n", "echo \xc2\x9b" "31m\n",
                                       "echo \xc2\x85\n" };
    for (size_t i = 0; i < sizeof ctl / sizeof ctl[0]; i++) {
        f = write_file("ctl.scout", ctl[i], strlen(ctl[i]));
        capture_reset(&cap);
        CHECK_EQ(script_run_file(ctx, f), 1);
        CHECK_STR(cap.out, "");
        CHECK_STR(cap.err, WANT("%s:1: binary data in script\n", f));
        capture_reset(&cap);
        CHECK_EQ(script_run_line(ctx, "-ex", 1, ctl[i]), 1);
        CHECK_STR(cap.err, "-ex 1: binary data in command\n");
    }
    /* U+00A0 and up are text */
    static const char nbsp[] = "echo \xc2\xa0\xc3\xa9\n";
    f = write_file("nbsp.scout", nbsp, sizeof nbsp - 1);
    capture_reset(&cap);
    CHECK_EQ(script_run_file(ctx, f), 0);

    /* random bytes never crash */
    unsigned char rnd[8192];
    unsigned x = 12345;
    for (size_t i = 0; i < sizeof rnd; i++) {
        x = x * 1103515245u + 12345u;
        rnd[i] = (unsigned char)(x >> 16);
    }
    f = write_file("rnd.bin", rnd, sizeof rnd);
    capture_reset(&cap);
    CHECK_EQ(script_run_file(ctx, f), 1);
    CHECK(strstr(cap.err, "binary data in script\n") != NULL || strstr(cap.err, "line too long") != NULL);
    cmd_ctx_free(ctx);
}

TEST(overlong_line)
{
    struct cmd_ctx *ctx = setup();
    static char text[20000];
    /* line 1: exactly SCRIPT_MAX_LINE bytes is fine */
    strcpy(text, "echo ");
    size_t n = strlen(text);
    memset(text + n, 'x', SCRIPT_MAX_LINE - n);
    n = SCRIPT_MAX_LINE;
    text[n++] = '\n';
    /* line 2: a comment, line 3: one byte too long */
    strcpy(text + n, "# c\n");
    n += 4;
    memset(text + n, 'y', SCRIPT_MAX_LINE + 1);
    n += SCRIPT_MAX_LINE + 1;
    strcpy(text + n, "\necho after\n");
    const char *f = write_text("long.scout", text);
    CHECK_EQ(script_run_file(ctx, f), 1);
    CHECK_EQ(cap.olen, SCRIPT_MAX_LINE - 5);
    CHECK_STR(cap.err, WANT("%s:3: line too long (limit 4096 bytes)\n", f));
    cmd_ctx_free(ctx);
}

TEST(ex_lines)
{
    struct cmd_ctx *ctx = setup();
    const char *lines[] = { "echo a", "frob", "echo c" };
    CHECK_EQ(script_run_lines(ctx, "-ex", lines, 3), 1);
    CHECK_STR(cap.out, "a");
    CHECK_STR(cap.err, "-ex 2: unknown command \"frob\"; try \"help\"\n");
    capture_reset(&cap);
    CHECK_EQ(script_run_line(ctx, "-ex", 3, "set on-error maybe"), 1);
    CHECK_STR(cap.err, "-ex 3: set: on-error: \"maybe\" is not one of: stop, continue\n");
    capture_reset(&cap);
    CHECK_EQ(script_run_line(ctx, "-ex", 4, ""), 0);   /* no repeat, nothing */
    CHECK_EQ(script_run_line(ctx, "-ex", 5, "echo \x01"), 1);
    CHECK_STR(cap.err, "-ex 5: binary data in command\n");
    /* on-error continue applies to -ex lists too */
    const char *more[] = { "set on-error continue", "fail", "echo c" };
    capture_reset(&cap);
    CHECK_EQ(script_run_lines(ctx, "-ex", more, 3), 1);
    CHECK_STR(cap.out, "c");
    CHECK_STR(cap.err, "-ex 2: fail: it broke\n");
    /* a script sourced from -ex reports its own file:line */
    const char *f = write_text("ex.scout", "fail\n");
    char line[600];
    snprintf(line, sizeof line, "source %s", f);
    capture_reset(&cap);
    CHECK_EQ(script_run_line(ctx, "-ex", 1, line), 1);
    CHECK_STR(cap.err, WANT("%s:1: fail: it broke\n", f));
    /* outside any script, errors carry no location */
    capture_reset(&cap);
    CHECK_EQ(cmd_execute_line(ctx, "fail", false), -1);
    CHECK_STR(cap.err, "fail: it broke\n");
    cmd_ctx_free(ctx);
}

TEST(quit_stops_scripts)
{
    struct cmd_ctx *ctx = setup();
    char inner[512], text[1200];
    snprintf(inner, sizeof inner, "%s/quit.scout", dir);
    write_text("quit.scout", "echo a\nquit 2\necho b\n");
    snprintf(text, sizeof text, "source %s\necho c\n", inner);
    const char *outer = write_text("quitouter.scout", text);
    CHECK_EQ(script_run_file(ctx, outer), 0);
    CHECK_STR(cap.out, "a");
    int st = -1;
    CHECK(cmd_quit_requested(ctx, &st));
    CHECK_EQ(st, 2);
    const char *lines[] = { "echo x" };
    capture_reset(&cap);
    CHECK_EQ(script_run_lines(ctx, "-ex", lines, 1), 0);   /* nothing runs after quit */
    CHECK_STR(cap.out, "");
    cmd_ctx_free(ctx);
}

static void cleanup(void)
{
    static const char *const names[] = {
        "a.scout", "b.scout", "empty.scout", "stop.scout", "stop2.scout", "cont.scout",
        "clean.scout", "inner.scout", "outer.scout", "outer2.scout", "self.scout",
        "after.scout", "junk.bin", "bad.scout", "esc.scout", "sur.scout", "rnd.bin",
        "long.scout", "ex.scout", "quit.scout", "quitouter.scout",
    };
    char p[512];
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(p, sizeof p, "%s/%s", dir, names[i]);
        unlink(p);
    }
    rmdir(dir);
}

int main(void)
{
    if (!mkdtemp(dir)) {
        printf("not ok setup: mkdtemp failed\n");
        return 1;
    }
    RUN(comments_and_blank_lines);
    RUN(error_stops_with_location);
    RUN(on_error_continue);
    RUN(nested_source);
    RUN(source_recursion_limit);
    RUN(missing_and_unreadable_files);
    RUN(binary_junk);
    RUN(overlong_line);
    RUN(ex_lines);
    RUN(quit_stops_scripts);
    cleanup();
    CHECK_EXIT();
}
