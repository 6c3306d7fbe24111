/* Unit tests for the command table: lookup, aliases, prefixes, dispatch,
 * suffixes, errors, built-ins (set/show/echo/help/quit), repeat and
 * registration.  The commands registered here exist only for the test. */
#include "check.h"
#include "cmd_test_util.h"
#include "ui/cli/cmd_args.h"

#include <inttypes.h>
#include <sys/stat.h>
#include <unistd.h>

static char last_run[256];
static int last_repeat;
static struct cmd_fmt x_last;

static int run_record(struct cmd_ctx *ctx, int argc, char **argv)
{
    size_t o = (size_t)snprintf(last_run, sizeof last_run, "%s", argv[0]);
    for (int i = 1; i < argc && o < sizeof last_run; i++)
        o += (size_t)snprintf(last_run + o, sizeof last_run - o, "|%s", argv[i]);
    last_repeat = cmd_is_repeat(ctx);
    return 0;
}

static int run_stepi(struct cmd_ctx *ctx, int argc, char **argv)
{
    uint64_t n = 1;
    if (argc > 2)
        return cmd_error(ctx, "unexpected \"%s\"", argv[2]);
    if (cmd_arg_count(ctx, argc > 1 ? argv[1] : NULL, 1000000, &n) < 0)
        return -1;
    snprintf(last_run, sizeof last_run, "stepi %" PRIu64, n);
    last_repeat = cmd_is_repeat(ctx);
    return 0;
}

static int run_x(struct cmd_ctx *ctx, int argc, char **argv)
{
    (void)argc;
    (void)argv;
    struct cmd_fmt f;
    uint64_t addr;
    if (cmd_parse_fmt(ctx, cmd_suffix(ctx), 4096, &x_last, &f) < 0)
        return -1;
    if (cmd_eval_addr(ctx, cmd_args_raw(ctx), &addr) < 0)
        return -1;
    cmd_printf(ctx, "%" PRIu64 " %c %c 0x%" PRIx64 "\n", f.count, f.format, f.size, addr);
    return 0;
}

static int run_fail_silently(struct cmd_ctx *ctx, int argc, char **argv)
{
    (void)ctx, (void)argc, (void)argv;
    return 1;
}

static int run_data(struct cmd_ctx *ctx, int argc, char **argv)
{
    (void)argc, (void)argv;
    cmd_printf(ctx, "%s\n", (const char *)cmd_data(ctx));
    return 0;
}

static const struct cmd_def test_cmds[] = {
    { "continue", "c", "", "Resume the guest", NULL,
      CMD_CLASS_EXECUTION, CMD_COMPLETE_NONE, 0, run_record, NULL },
    { "clear", NULL, "LOCATION", "Delete a breakpoint", NULL,
      CMD_CLASS_EXECUTION, CMD_COMPLETE_ADDRESS, 0, run_record, NULL },
    { "stepi", "si", "[N]", "Execute N instructions", NULL,
      CMD_CLASS_EXECUTION, CMD_COMPLETE_NONE, 0, run_stepi, NULL },
    { "break", "b", "ADDRESS", "Set a breakpoint", NULL,
      CMD_CLASS_EXECUTION, CMD_COMPLETE_ADDRESS, 0, run_record, NULL },
    { "stats", NULL, "", "Show prescan statistics", NULL,
      CMD_CLASS_PRESCAN, CMD_COMPLETE_NONE, 0, run_record, NULL },
    { "info", NULL, NULL, "Show information about the session", NULL,
      CMD_CLASS_STATE, CMD_COMPLETE_NONE, 0, NULL, NULL },
    { "info registers", "regs,info reg", "[REGISTER...]", "Show registers", NULL,
      CMD_CLASS_STATE, CMD_COMPLETE_REGISTER, 0, run_record, NULL },
    { "info breakpoints", NULL, "", "List breakpoints", NULL,
      CMD_CLASS_STATE, CMD_COMPLETE_NONE, 0, run_record, NULL },
    { "info host", NULL, "", "Show the host", NULL,
      CMD_CLASS_STATE, CMD_COMPLETE_NONE, 0, run_record, NULL },
    { "info pages", NULL, "", "Show attribute pages", NULL,
      CMD_CLASS_PRESCAN, CMD_COMPLETE_NONE, 0, run_record, NULL },
    { "trace on", NULL, "FILE", "Start tracing into FILE", NULL,
      CMD_CLASS_SESSION, CMD_COMPLETE_FILE, 0, run_record, NULL },
    { "trace off", NULL, "", "Stop tracing", NULL,
      CMD_CLASS_SESSION, CMD_COMPLETE_NONE, 0, run_record, NULL },
    { "x", NULL, "/NFU ADDRESS", "Examine guest memory",
      "N count, F format (x d u o t c a i s), U size (b h w g).",
      CMD_CLASS_STATE, CMD_COMPLETE_ADDRESS, CMD_F_SUFFIX, run_x, NULL },
    { "args", NULL, "WORD...", "Record the words", NULL,
      CMD_CLASS_SESSION, CMD_COMPLETE_NONE, CMD_F_NO_REPEAT, run_record, NULL },
    { "broken", NULL, "", "Fails without a message", NULL,
      CMD_CLASS_SESSION, CMD_COMPLETE_NONE, 0, run_fail_silently, NULL },
    { "data", NULL, "", "Prints its data", NULL,
      CMD_CLASS_SESSION, CMD_COMPLETE_NONE, 0, run_data, "payload" },
};

static const char *const reg_names[] = { "rax", "rbx", "rip", "rsp", NULL };

static int read_reg(void *arg, const char *name, uint64_t *v, unsigned *bits)
{
    (void)arg;
    *bits = 64;
    if (strcmp(name, "rip") == 0) { *v = 0x1000; return 0; }
    if (strcmp(name, "rsp") == 0) { *v = 0x8000; return 0; }
    if (strcmp(name, "rax") == 0) { *v = 1; return 0; }
    return -1;
}

static struct capture cap;

static struct cmd_ctx *setup(void)
{
    struct cmd_ctx *ctx = new_ctx(&cap);
    static const struct cmd_expr_env regs = { .read_reg = read_reg, .reg_names = reg_names };
    if (!ctx)
        return NULL;
    if (cmd_register(ctx, test_cmds, sizeof test_cmds / sizeof test_cmds[0]) < 0) {
        cmd_ctx_free(ctx);
        return NULL;
    }
    cmd_set_expr_env(ctx, &regs);
    cmd_fmt_init(&x_last);
    last_run[0] = 0;
    return ctx;
}

/* Runs a line non-interactively; returns its status. */
static int run(struct cmd_ctx *ctx, const char *line)
{
    capture_reset(&cap);
    last_run[0] = 0;
    return cmd_execute_line(ctx, line, false);
}

TEST(exact_prefix_and_alias)
{
    struct cmd_ctx *ctx = setup();
    CHECK(ctx != NULL);
    CHECK_EQ(run(ctx, "continue"), 0);
    CHECK_STR(last_run, "continue");
    CHECK_EQ(run(ctx, "  cont  "), 0);
    CHECK_STR(last_run, "continue");
    /* "c" is both an alias and a prefix of continue/clear: the alias wins */
    CHECK_EQ(run(ctx, "c"), 0);
    CHECK_STR(last_run, "continue");
    CHECK_EQ(run(ctx, "cl 0x10"), 0);
    CHECK_STR(last_run, "clear|0x10");
    CHECK_EQ(run(ctx, "si 3"), 0);
    CHECK_STR(last_run, "stepi 3");
    CHECK_EQ(run(ctx, "b 0x1000"), 0);
    CHECK_STR(last_run, "break|0x1000");
    /* prefix matches that all mean one command are not ambiguous:
     * "stepi" and its alias "si" both match "s" but so do others; "ste" only stepi */
    CHECK_EQ(run(ctx, "ste"), 0);
    CHECK_STR(last_run, "stepi 1");
    CHECK_STR(cap.err, "");
    cmd_ctx_free(ctx);
}

TEST(ambiguous_and_unknown)
{
    struct cmd_ctx *ctx = setup();
    CHECK_EQ(run(ctx, "s"), -1);
    CHECK_STR(cap.err, "ambiguous command \"s\": set, show, si, source, stats, stepi\n");
    CHECK_STR(cmd_last_error(ctx), "ambiguous command \"s\": set, show, si, source, stats, stepi");
    CHECK_EQ(run(ctx, "st"), -1);
    CHECK_STR(cap.err, "ambiguous command \"st\": stats, stepi\n");
    CHECK_EQ(run(ctx, "frobnicate 1 2"), -1);
    CHECK_STR(cap.err, "unknown command \"frobnicate\"; try \"help\"\n");
    CHECK_EQ(run(ctx, "info foo"), -1);
    CHECK_STR(cap.err, "unknown command \"info foo\"; try \"help info\"\n");
    CHECK_EQ(run(ctx, "/x"), -1);
    CHECK_STR(cap.err, "unknown command \"/x\"; try \"help\"\n");
    CHECK_EQ(run(ctx, "tr o"), -1);
    CHECK_STR(cap.err, "ambiguous command \"trace o\": off, on\n");
    CHECK_EQ(run(ctx, "info"), -1);
    CHECK_STR(cap.err, "info: subcommand expected: breakpoints, host, pages, registers\n");
    CHECK_EQ(run(ctx, "broken"), -1);
    CHECK_STR(cap.err, "broken: command failed\n");
    CHECK_EQ(cmd_error_count(ctx), 8);
    cmd_ctx_free(ctx);
}

TEST(two_word_commands)
{
    struct cmd_ctx *ctx = setup();
    CHECK_EQ(run(ctx, "i r"), 0);
    CHECK_STR(last_run, "info registers");
    CHECK_EQ(run(ctx, "info reg rip rsp"), 0);
    CHECK_STR(last_run, "info registers|rip|rsp");
    CHECK_EQ(run(ctx, "regs"), 0);
    CHECK_STR(last_run, "info registers");
    CHECK_EQ(run(ctx, "i b"), 0);
    CHECK_STR(last_run, "info breakpoints");
    CHECK_EQ(run(ctx, "info\tpages"), 0);
    CHECK_STR(last_run, "info pages");
    CHECK_EQ(run(ctx, "trace on out.trace"), 0);
    CHECK_STR(last_run, "trace on|out.trace");
    CHECK_EQ(run(ctx, "tr of"), 0);
    CHECK_STR(last_run, "trace off");
    CHECK_STR(cap.err, "");
    cmd_ctx_free(ctx);
}

TEST(argument_words_and_data)
{
    struct cmd_ctx *ctx = setup();
    CHECK_EQ(run(ctx, "args a \"b c\" 'd e' \"x\\\"y\" f\"g h\"i"), 0);
    CHECK_STR(last_run, "args|a|b c|d e|x\"y|fg hi");
    CHECK_EQ(run(ctx, "args \"open"), -1);
    CHECK_STR(cap.err, "args: unterminated quote\n");
    CHECK_EQ(run(ctx, "data"), 0);
    CHECK_STR(cap.out, "payload\n");
    CHECK_EQ(run(ctx, "   # a comment"), 0);
    CHECK_EQ(run(ctx, ""), 0);
    CHECK_STR(cap.err, "");
    /* 300 words: over the argument limit, an error, not a crash */
    char line[1024] = "args";
    for (int i = 0; i < 300; i++)
        strcat(line, " a");
    CHECK_EQ(run(ctx, line), -1);
    CHECK_STR(cap.err, "args: too many arguments (limit 255)\n");
    cmd_ctx_free(ctx);
}

TEST(x_suffix)
{
    struct cmd_ctx *ctx = setup();
    CHECK_EQ(run(ctx, "x/4xw 0x1000"), 0);
    CHECK_STR(cap.out, "4 x w 0x1000\n");
    CHECK_EQ(run(ctx, "x/2g $rsp + 0x10 - 8"), 0);   /* format remembered */
    CHECK_STR(cap.out, "2 x g 0x8008\n");
    CHECK_EQ(run(ctx, "x $rip"), 0);                 /* format and size remembered */
    CHECK_STR(cap.out, "1 x g 0x1000\n");
    CHECK_EQ(run(ctx, "x/c 0"), 0);                  /* 'c' defaults to bytes */
    CHECK_STR(cap.out, "1 c b 0x0\n");
    CHECK_EQ(run(ctx, "x/a 0"), 0);                  /* 'a' defaults to giant */
    CHECK_STR(cap.out, "1 a g 0x0\n");
    CHECK_EQ(run(ctx, "x/bdh 0"), 0);                /* letters in any order, later wins */
    CHECK_STR(cap.out, "1 d h 0x0\n");
    CHECK_EQ(run(ctx, "x/0i -1"), 0);
    CHECK_STR(cap.out, "0 i h 0xffffffffffffffff\n");
    CHECK_EQ(run(ctx, "x/4q 0x1000"), -1);
    CHECK_STR(cap.err, "x: bad format \"/4q\": unknown letter 'q'\n");
    CHECK_EQ(run(ctx, "x/ 0"), -1);
    CHECK_STR(cap.err, "x: bad format \"/\": empty\n");
    CHECK_EQ(run(ctx, "x/99999999x 0"), -1);
    CHECK_STR(cap.err, "x: count 99999999 is too large (limit 4096)\n");
    CHECK_EQ(run(ctx, "x/99999999999999999999999x 0"), -1);
    CHECK_STR(cap.err, "x: count 99999999999999999999999 is too large (limit 4096)\n");
    CHECK_EQ(run(ctx, "x/-3x 0"), -1);
    CHECK_STR(cap.err, "x: bad format \"/-3x\": unknown letter '-'\n");
    CHECK_EQ(run(ctx, "continue/3"), -1);
    CHECK_STR(cap.err, "continue: unexpected \"/3\" (no /FORMAT suffix allowed)\n");
    cmd_ctx_free(ctx);
}

TEST(address_expressions)
{
    struct cmd_ctx *ctx = setup();
    CHECK_EQ(run(ctx, "x"), -1);
    CHECK_STR(cap.err, "x: address expected\n");
    CHECK_EQ(run(ctx, "x $nosuch"), -1);
    CHECK_STR(cap.err, "x: unknown register \"$nosuch\"\n");
    CHECK_EQ(run(ctx, "x 1 +"), -1);
    CHECK_STR(cap.err, "x: bad expression \"1 +\": term expected after '+'\n");
    CHECK_EQ(run(ctx, "x 1 2"), -1);
    CHECK_STR(cap.err, "x: bad expression \"1 2\": unexpected \"2\"\n");
    CHECK_EQ(run(ctx, "x 0x1g"), -1);
    CHECK_STR(cap.err, "x: \"0x1g\" is not a number\n");
    CHECK_EQ(run(ctx, "x $"), -1);
    CHECK_STR(cap.err, "x: bad expression \"$\": register name expected after '$'\n");
    CHECK_EQ(run(ctx, "x 0xffffffffffffffff+2"), 0);  /* wraps */
    CHECK_STR(cap.out, "1 x w 0x1\n");
    cmd_ctx_free(ctx);
}

TEST(number_parsing)
{
    uint64_t u = 0;
    int64_t i = 0;
    CHECK_EQ(cmd_parse_u64("0x10", &u), CMD_NUM_OK);
    CHECK_EQ(u, 16);
    CHECK_EQ(cmd_parse_u64("010", &u), CMD_NUM_OK);    /* gdb's rules: a leading 0 is octal */
    CHECK_EQ(u, 8);
    CHECK_EQ(cmd_parse_u64("0XfF", &u), CMD_NUM_OK);
    CHECK_EQ(u, 255);
    CHECK_EQ(cmd_parse_u64("18446744073709551615", &u), CMD_NUM_OK);
    CHECK_EQ(u, UINT64_MAX);
    CHECK_EQ(cmd_parse_u64("0xffffffffffffffff", &u), CMD_NUM_OK);
    CHECK_EQ(cmd_parse_u64("18446744073709551616", &u), CMD_NUM_OVERFLOW);
    CHECK_EQ(cmd_parse_u64("0x10000000000000000", &u), CMD_NUM_OVERFLOW);
    CHECK_EQ(cmd_parse_u64("", &u), CMD_NUM_EMPTY);
    CHECK_EQ(cmd_parse_u64(NULL, &u), CMD_NUM_EMPTY);
    CHECK_EQ(cmd_parse_u64("12z", &u), CMD_NUM_JUNK);
    CHECK_EQ(cmd_parse_u64("0x", &u), CMD_NUM_JUNK);
    CHECK_EQ(cmd_parse_u64(" 1", &u), CMD_NUM_JUNK);
    CHECK_EQ(cmd_parse_u64("1 ", &u), CMD_NUM_JUNK);
    CHECK_EQ(cmd_parse_u64("0x1_0", &u), CMD_NUM_JUNK);
    CHECK_EQ(cmd_parse_u64("-1", &u), CMD_NUM_NEGATIVE);
    CHECK_EQ(cmd_parse_u64("--1", &u), CMD_NUM_JUNK);
    CHECK_EQ(cmd_parse_u64("+1", &u), CMD_NUM_JUNK);
    CHECK_EQ(cmd_parse_i64("-9223372036854775808", &i), CMD_NUM_OK);
    CHECK(i == INT64_MIN);
    CHECK_EQ(cmd_parse_i64("-9223372036854775809", &i), CMD_NUM_OVERFLOW);
    CHECK_EQ(cmd_parse_i64("9223372036854775807", &i), CMD_NUM_OK);
    CHECK(i == INT64_MAX);
    CHECK_EQ(cmd_parse_i64("9223372036854775808", &i), CMD_NUM_OVERFLOW);
    CHECK_EQ(cmd_parse_i64("-0x10", &i), CMD_NUM_OK);
    CHECK(i == -16);
    CHECK_EQ(cmd_parse_i64("+5", &i), CMD_NUM_OK);
    CHECK(i == 5);
    CHECK_EQ(cmd_parse_i64("--5", &i), CMD_NUM_JUNK);
    CHECK_EQ(cmd_parse_i64("-", &i), CMD_NUM_JUNK);
}

TEST(counts)
{
    struct cmd_ctx *ctx = setup();
    CHECK_EQ(run(ctx, "stepi 1000000"), 0);
    CHECK_STR(last_run, "stepi 1000000");
    CHECK_EQ(run(ctx, "stepi 0x10"), 0);
    CHECK_STR(last_run, "stepi 16");
    CHECK_EQ(run(ctx, "stepi 1000001"), -1);
    CHECK_STR(cap.err, "stepi: count 1000001 is too large (limit 1000000)\n");
    CHECK_EQ(run(ctx, "stepi 99999999999999999999999"), -1);
    CHECK_STR(cap.err, "stepi: count 99999999999999999999999 is too large (limit 1000000)\n");
    CHECK_EQ(run(ctx, "stepi 0"), -1);
    CHECK_STR(cap.err, "stepi: count must be at least 1\n");
    CHECK_EQ(run(ctx, "stepi -1"), -1);
    CHECK_STR(cap.err, "stepi: \"-1\" must not be negative\n");
    CHECK_EQ(run(ctx, "stepi abc"), -1);
    CHECK_STR(cap.err, "stepi: \"abc\" is not a number\n");
    CHECK_EQ(run(ctx, "stepi 1 2"), -1);
    CHECK_STR(cap.err, "stepi: unexpected \"2\"\n");
    cmd_ctx_free(ctx);
}

static int changes;
static void on_change(struct cmd_ctx *ctx, const char *name, void *arg)
{
    (void)ctx;
    (void)arg;
    if (strcmp(name, "depth") == 0)
        changes++;
}

static const struct cmd_var_def test_vars[] = {
    { "depth", CMD_VAR_INT, "100", "Recursion depth of the scan", 0, 1000000, NULL, on_change, NULL },
    { "scan", CMD_VAR_ENUM, "lazy", "How to scan", 0, 0, "lazy|recursive", NULL, NULL },
    { "verbose", CMD_VAR_BOOL, "off", "Say more", 0, 0, NULL, NULL, NULL },
    { "debug", CMD_VAR_BOOL, "on", "Debug output", 0, 0, NULL, NULL, NULL },
    { "prompt", CMD_VAR_STRING, "\"(scout) \"", "The prompt", 0, 0, NULL, NULL, NULL },
    { "offset", CMD_VAR_INT, "-5", "A signed value", -10, 10, NULL, NULL, NULL },
};

static struct cmd_ctx *setup_vars(void)
{
    struct cmd_ctx *ctx = setup();
    if (ctx && cmd_var_register(ctx, test_vars, sizeof test_vars / sizeof test_vars[0]) < 0) {
        cmd_ctx_free(ctx);
        return NULL;
    }
    return ctx;
}

TEST(set_show)
{
    struct cmd_ctx *ctx = setup_vars();
    CHECK(ctx != NULL);
    CHECK_EQ(cmd_var_int(ctx, "depth"), 100);
    CHECK_STR(cmd_var_enum(ctx, "scan"), "lazy");
    CHECK_STR(cmd_var_enum(ctx, "on-error"), "stop");
    CHECK_EQ(cmd_var_bool(ctx, "verbose"), 0);
    CHECK_STR(cmd_var_string(ctx, "prompt"), "(scout) ");
    CHECK_EQ(cmd_var_int(ctx, "offset"), (uint64_t)-5);

    CHECK_EQ(run(ctx, "show"), 0);
    CHECK_STR(cap.out, "debug = on\ndepth = 100\noffset = -5\non-error = stop\n"
                       "prompt = \"(scout) \"\nscan = lazy\nverbose = off\n");
    changes = 0;
    CHECK_EQ(run(ctx, "set depth 0x20"), 0);
    CHECK_EQ(cmd_var_int(ctx, "depth"), 32);
    CHECK_EQ(changes, 1);
    CHECK_EQ(run(ctx, "show depth"), 0);
    CHECK_STR(cap.out, "depth = 32\n");
    CHECK_EQ(run(ctx, "set dep 1000000"), 0);        /* unique prefix */
    CHECK_EQ(cmd_var_int(ctx, "depth"), 1000000);
    CHECK_EQ(run(ctx, "set depth 1000001"), -1);
    CHECK_STR(cap.err, "set: depth: 1000001 is out of range 0..1000000\n");
    CHECK_EQ(run(ctx, "set depth -1"), -1);
    CHECK_STR(cap.err, "set: depth: -1 is out of range 0..1000000\n");
    CHECK_EQ(run(ctx, "set depth abc"), -1);
    CHECK_STR(cap.err, "set: depth: \"abc\" is not a number\n");
    CHECK_EQ(run(ctx, "set depth 1 2"), -1);
    CHECK_STR(cap.err, "set: depth: \"1 2\" is not a number\n");
    CHECK_EQ(run(ctx, "set depth 99999999999999999999"), -1);
    CHECK_STR(cap.err, "set: depth: \"99999999999999999999\" is too large\n");
    CHECK_EQ(run(ctx, "set depth"), -1);
    CHECK_STR(cap.err, "set: depth: value expected\n");
    CHECK_EQ(cmd_var_int(ctx, "depth"), 1000000);    /* unchanged by errors */
    CHECK_EQ(changes, 2);
    CHECK_EQ(run(ctx, "set offset -10"), 0);
    CHECK_EQ(cmd_var_int(ctx, "offset"), (uint64_t)-10);

    CHECK_EQ(run(ctx, "set scan rec"), 0);
    CHECK_STR(cmd_var_enum(ctx, "scan"), "recursive");
    CHECK_EQ(cmd_var_enum_index(ctx, "scan"), 1);
    CHECK_EQ(run(ctx, "set scan eager"), -1);
    CHECK_STR(cap.err, "set: scan: \"eager\" is not one of: lazy, recursive\n");
    CHECK_EQ(run(ctx, "set scan"), -1);
    CHECK_STR(cap.err, "set: scan: value expected (one of: lazy, recursive)\n");
    CHECK_EQ(run(ctx, "set on-error cont"), 0);
    CHECK_STR(cmd_var_enum(ctx, "on-error"), "continue");

    CHECK_EQ(run(ctx, "set verbose on"), 0);
    CHECK_EQ(cmd_var_bool(ctx, "verbose"), 1);
    CHECK_EQ(run(ctx, "set verbose off"), 0);
    CHECK_EQ(cmd_var_bool(ctx, "verbose"), 0);
    CHECK_EQ(run(ctx, "set verbose"), 0);            /* gdb: alone means on */
    CHECK_EQ(cmd_var_bool(ctx, "verbose"), 1);
    CHECK_EQ(run(ctx, "set verbose maybe"), -1);
    CHECK_STR(cap.err, "set: verbose: \"maybe\" is not on or off\n");

    CHECK_EQ(run(ctx, "set prompt \"(gdb) \""), 0);
    CHECK_STR(cmd_var_string(ctx, "prompt"), "(gdb) ");
    CHECK_EQ(run(ctx, "show prompt"), 0);
    CHECK_STR(cap.out, "prompt = \"(gdb) \"\n");
    CHECK_EQ(run(ctx, "set prompt >>"), 0);
    CHECK_STR(cmd_var_string(ctx, "prompt"), ">>");
    CHECK_EQ(run(ctx, "set prompt \"a\" b"), -1);
    CHECK_STR(cap.err, "set: prompt: unexpected text after the closing quote\n");

    CHECK_EQ(run(ctx, "set nosuch 1"), -1);
    CHECK_STR(cap.err, "set: unknown variable \"nosuch\"; try \"show\"\n");
    CHECK_EQ(run(ctx, "set de 1"), -1);
    CHECK_STR(cap.err, "set: ambiguous variable \"de\": debug, depth\n");
    CHECK_EQ(run(ctx, "set"), -1);
    CHECK_STR(cap.err, "set: variable name expected; try \"show\"\n");
    CHECK_EQ(run(ctx, "show nosuch"), -1);
    CHECK_STR(cap.err, "show: unknown variable \"nosuch\"; try \"show\"\n");

    /* programmatic set, readers on wrong types */
    CHECK_EQ(cmd_var_set(ctx, "depth", "7"), 0);
    CHECK_EQ(cmd_var_int(ctx, "depth"), 7);
    CHECK(cmd_var_enum(ctx, "depth") == NULL);
    CHECK(cmd_var_string(ctx, "nosuch") == NULL);
    char buf[64];
    CHECK_STR(cmd_var_format(ctx, "scan", buf, sizeof buf), "recursive");
    cmd_ctx_free(ctx);
}

TEST(variable_registration_errors)
{
    struct cmd_ctx *ctx = setup_vars();
    static const struct cmd_var_def bad_init[] = {
        { "fresh", CMD_VAR_INT, "1", "ok", 0, 10, NULL, NULL, NULL },
        { "level", CMD_VAR_INT, "11", "bad default", 0, 10, NULL, NULL, NULL },
    };
    static const struct cmd_var_def dup[] = {
        { "depth", CMD_VAR_INT, "1", "again", 0, 10, NULL, NULL, NULL },
    };
    capture_reset(&cap);
    CHECK_EQ(cmd_var_register(ctx, bad_init, 2), -1);
    CHECK_STR(cap.err, "level: 11 is out of range 0..10\n"
                       "cannot register variable \"level\": bad initial value\n");
    CHECK(cmd_var_format(ctx, "fresh", (char[8]){0}, 8) == NULL);   /* all or nothing */
    capture_reset(&cap);
    CHECK_EQ(cmd_var_register(ctx, dup, 1), -1);
    CHECK_STR(cap.err, "cannot register variable \"depth\": already defined\n");
    cmd_ctx_free(ctx);
}

TEST(echo_escapes)
{
    struct cmd_ctx *ctx = setup();
    CHECK_EQ(run(ctx, "echo hello"), 0);
    CHECK_STR(cap.out, "hello");                      /* no newline, like gdb */
    CHECK_EQ(run(ctx, "echo a\\tb\\\\c\\n"), 0);
    CHECK_STR(cap.out, "a\tb\\c\n");
    CHECK_EQ(run(ctx, "echo   two  spaces  "), 0);
    CHECK_STR(cap.out, "two  spaces");
    CHECK_EQ(run(ctx, "echo x\\ "), 0);               /* escaped trailing blank kept */
    CHECK_STR(cap.out, "x ");
    CHECK_EQ(run(ctx, "echo \\101\\x\\\"q\\\"\\"), 0);
    CHECK_STR(cap.out, "Ax\"q\"");
    CHECK_EQ(run(ctx, "echo"), 0);
    CHECK_STR(cap.out, "");
    CHECK_EQ(run(ctx, "echo # not a comment"), 0);
    CHECK_STR(cap.out, "# not a comment");
    cmd_ctx_free(ctx);
}

TEST(help_output)
{
    struct cmd_ctx *ctx = setup();
    CHECK_EQ(run(ctx, "help x"), 0);
    CHECK_STR(cap.out, "Usage: x/NFU ADDRESS\n"
                       "Examine guest memory.\n"
                       "N count, F format (x d u o t c a i s), U size (b h w g).\n");
    CHECK_EQ(run(ctx, "help c"), 0);
    CHECK_STR(cap.out, "Usage: continue\nResume the guest.\nAliases: c.\n");
    CHECK_EQ(run(ctx, "h i r"), 0);
    CHECK_STR(cap.out, "Usage: info registers [REGISTER...]\nShow registers.\n"
                       "Aliases: info reg, regs.\n");
    CHECK_EQ(run(ctx, "help info"), 0);
    CHECK_STR(cap.out, "Usage: info SUBCOMMAND\nShow information about the session.\n"
                       "Subcommands:\n"
                       "  info breakpoints -- List breakpoints\n"
                       "  info host -- Show the host\n"
                       "  info pages -- Show attribute pages\n"
                       "  info registers -- Show registers\n");
    CHECK_EQ(run(ctx, "help trace"), 0);
    CHECK_STR(cap.out, "Usage: trace SUBCOMMAND\n"
                       "Subcommands:\n"
                       "  trace off -- Stop tracing\n"
                       "  trace on -- Start tracing into FILE\n");
    CHECK_EQ(run(ctx, "help"), 0);
    CHECK_STR(cap.out,
              "List of commands:\n"
              "\nExecution:\n"
              "  break -- Set a breakpoint\n"
              "  clear -- Delete a breakpoint\n"
              "  continue -- Resume the guest\n"
              "  stepi -- Execute N instructions\n"
              "\nState:\n"
              "  info -- Show information about the session\n"
              "  x -- Examine guest memory\n"
              "\nPrescan:\n"
              "  stats -- Show prescan statistics\n"
              "\nSession:\n"
              "  args -- Record the words\n"
              "  broken -- Fails without a message\n"
              "  data -- Prints its data\n"
              "  echo -- Print text; no newline is added (like gdb)\n"
              "  help -- List commands, or describe one\n"
              "  quit -- Leave scout (exit status 0..255, default 0)\n"
              "  set -- Set a session variable, a register or memory\n"
              "  show -- Show one session variable, or all of them\n"
              "  source -- Run the commands in FILE\n"
              "  trace -- trace subcommands\n"
              "\nType \"help COMMAND\" for details.  Commands may be abbreviated if unambiguous.\n");
    CHECK_EQ(run(ctx, "help frob"), -1);
    CHECK_STR(cap.err, "help: unknown command \"frob\"; try \"help\"\n");
    CHECK_EQ(run(ctx, "help show"), 0);
    CHECK(strstr(cap.out, "Variables:\n  on-error (stop|continue) -- What a script does") != NULL);
    cmd_ctx_free(ctx);
}

TEST(quit_command)
{
    struct cmd_ctx *ctx = setup();
    int st = -1;
    CHECK(!cmd_quit_requested(ctx, &st));
    CHECK_EQ(run(ctx, "quit 300"), -1);
    CHECK_STR(cap.err, "quit: 300 is out of range 0..255\n");
    CHECK(!cmd_quit_requested(ctx, &st));
    CHECK_EQ(run(ctx, "q 3"), 0);
    CHECK(cmd_quit_requested(ctx, &st));
    CHECK_EQ(st, 3);
    cmd_ctx_free(ctx);
    ctx = setup();
    CHECK_EQ(run(ctx, "quit"), 0);
    CHECK(cmd_quit_requested(ctx, &st));
    CHECK_EQ(st, 0);
    cmd_ctx_free(ctx);
}

TEST(empty_line_repeats_interactively)
{
    struct cmd_ctx *ctx = setup();
    capture_reset(&cap);
    CHECK_EQ(cmd_execute_line(ctx, "si 2", true), 0);
    CHECK_STR(last_run, "stepi 2");
    CHECK_EQ(last_repeat, 0);
    last_run[0] = 0;
    CHECK_EQ(cmd_execute_line(ctx, "", true), 0);
    CHECK_STR(last_run, "stepi 2");
    CHECK_EQ(last_repeat, 1);
    last_run[0] = 0;
    CHECK_EQ(cmd_execute_line(ctx, "  ", false), 0);   /* scripts never repeat */
    CHECK_STR(last_run, "");
    CHECK_EQ(cmd_execute_line(ctx, "args a", true), 0); /* CMD_F_NO_REPEAT */
    last_run[0] = 0;
    CHECK_EQ(cmd_execute_line(ctx, "", true), 0);
    CHECK_STR(last_run, "");
    CHECK_EQ(cmd_execute_line(ctx, "frob", true), -1);  /* failed lookup: nothing stored */
    CHECK_EQ(cmd_execute_line(ctx, "", true), 0);
    CHECK_STR(last_run, "");
    cmd_ctx_free(ctx);
}

TEST(registration)
{
    struct cmd_ctx *ctx = setup();
    static const struct cmd_def batch[] = {
        { "fresh", NULL, "", "new", NULL, CMD_CLASS_SESSION, CMD_COMPLETE_NONE, 0, run_record, NULL },
        { "continue", NULL, "", "again", NULL, CMD_CLASS_SESSION, CMD_COMPLETE_NONE, 0, run_record, NULL },
    };
    static const struct cmd_def alias_clash[] = {
        { "cont2", "c", "", "x", NULL, CMD_CLASS_SESSION, CMD_COMPLETE_NONE, 0, run_record, NULL },
    };
    static const struct cmd_def bad_names[] = {
        { "x/y", NULL, "", "x", NULL, CMD_CLASS_SESSION, CMD_COMPLETE_NONE, 0, run_record, NULL },
    };
    static const struct cmd_def plugin[] = {
        { "plugin load", NULL, "FILE", "Load a plugin", NULL, CMD_CLASS_SESSION, CMD_COMPLETE_FILE, 0, run_record, NULL },
        { "info plugins", "plugins", "", "List plugins", NULL, CMD_CLASS_SESSION, CMD_COMPLETE_NONE, 0, run_record, NULL },
    };
    capture_reset(&cap);
    CHECK_EQ(cmd_register(ctx, batch, 2), -1);
    CHECK_STR(cap.err, "cannot register command \"continue\": already defined\n");
    CHECK_EQ(run(ctx, "fresh"), -1);                    /* all or nothing */
    capture_reset(&cap);
    CHECK_EQ(cmd_register(ctx, alias_clash, 1), -1);
    CHECK_STR(cap.err, "cannot register command \"cont2\": alias: already defined\n");
    capture_reset(&cap);
    CHECK_EQ(cmd_register(ctx, bad_names, 1), -1);
    CHECK_STR(cap.err, "cannot register command \"x/y\": bad name\n");

    CHECK_EQ(cmd_register(ctx, plugin, 2), 0);
    CHECK_EQ(run(ctx, "plug l a.so"), -1);              /* plugin, plugins (alias) */
    CHECK_STR(cap.err, "ambiguous command \"plug\": plugin, plugins\n");
    CHECK_EQ(run(ctx, "plugin l a.so"), 0);
    CHECK_STR(last_run, "plugin load|a.so");
    CHECK_EQ(run(ctx, "plugins"), 0);
    CHECK_STR(last_run, "info plugins");
    CHECK_EQ(run(ctx, "i p"), -1);
    CHECK_STR(cap.err, "ambiguous command \"info p\": pages, plugins\n");
    CHECK_EQ(cmd_unregister(ctx, plugin, 2), 2);
    CHECK_EQ(run(ctx, "plugin load a.so"), -1);
    CHECK_STR(cap.err, "unknown command \"plugin\"; try \"help\"\n");
    CHECK_EQ(run(ctx, "plugins"), -1);
    CHECK_EQ(run(ctx, "i p"), 0);                       /* unambiguous again */
    CHECK_STR(last_run, "info pages");
    cmd_ctx_free(ctx);
}

static char completions[2048];
static void collect(void *arg, const char *cand)
{
    (void)arg;
    if (completions[0])
        strcat(completions, " ");
    strcat(completions, cand);
}

static const char *complete(struct cmd_ctx *ctx, const char *line)
{
    completions[0] = 0;
    cmd_complete(ctx, line, strlen(line), NULL, collect, NULL);
    return completions;
}

TEST(completion)
{
    struct cmd_ctx *ctx = setup_vars();
    CHECK_STR(complete(ctx, "s"), "set show si source stats stepi");
    CHECK_STR(complete(ctx, "c"), "c clear continue");
    CHECK_STR(complete(ctx, "info "), "breakpoints host pages reg registers");
    CHECK_STR(complete(ctx, "i r"), "reg registers");
    CHECK_STR(complete(ctx, "i re"), "reg registers");
    CHECK_STR(complete(ctx, "tr"), "trace");
    CHECK_STR(complete(ctx, "set sc"), "scan");
    CHECK_STR(complete(ctx, "set d"), "debug depth");
    CHECK_STR(complete(ctx, "set scan "), "lazy recursive");
    CHECK_STR(complete(ctx, "set verbose o"), "off on");
    CHECK_STR(complete(ctx, "set on-error c"), "continue");
    CHECK_STR(complete(ctx, "show o"), "offset on-error");
    CHECK_STR(complete(ctx, "show depth "), "");
    CHECK_STR(complete(ctx, "x/4x $r"), "$rax $rbx $rip $rsp");
    CHECK_STR(complete(ctx, "b $ri"), "$rip");
    CHECK_STR(complete(ctx, "info registers r"), "rax rbx rip rsp");
    CHECK_STR(complete(ctx, "help i"), "info");
    CHECK_STR(complete(ctx, "help info h"), "host");
    CHECK_STR(complete(ctx, "stats "), "");
    CHECK_STR(complete(ctx, "frob "), "");
    size_t ws = 99;
    CHECK_EQ(cmd_complete(ctx, "info reg", 6, &ws, NULL, NULL), 2);  /* cursor inside "reg" */
    CHECK_EQ(ws, 5);

    char dir[] = "/tmp/scout-complete-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[256];
    snprintf(path, sizeof path, "%s/boot.scout", dir);
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (f)
        fclose(f);
    snprintf(path, sizeof path, "%s/bootdir", dir);
    CHECK(mkdir(path, 0700) == 0);
    char line[300], want[600];
    snprintf(line, sizeof line, "source %s/bo", dir);
    snprintf(want, sizeof want, "%s/boot.scout %s/bootdir/", dir, dir);
    CHECK_STR(complete(ctx, line), want);
    rmdir(path);
    snprintf(path, sizeof path, "%s/boot.scout", dir);
    unlink(path);
    rmdir(dir);
    cmd_ctx_free(ctx);
}

/* Random lines from an alphabet of awkward characters: no crash, no
 * sanitizer report, every failure comes with an error line. */
TEST(random_lines_do_not_crash)
{
    struct cmd_ctx *ctx = setup_vars();
    static const char alpha[] = "abcdefghiknoprstuxz /\\\"'$+-#0123456789\t";
    static const char *const starts[] = { "", "x/", "set ", "show ", "help ", "info ", "i r ",
                                          "echo ", "stepi ", "x ", "trace ", "args ", "q" };
    unsigned seed = 1;
    char line[64];
    for (int iter = 0; iter < 20000; iter++) {
        seed = seed * 1103515245u + 12345u;
        const char *st = starts[(seed >> 16) % (sizeof starts / sizeof starts[0])];
        size_t n = strlen(st);
        memcpy(line, st, n);
        seed = seed * 1103515245u + 12345u;
        size_t len = n + (seed >> 16) % 20;
        for (size_t i = n; i < len; i++) {
            seed = seed * 1103515245u + 12345u;
            line[i] = alpha[(seed >> 16) % (sizeof alpha - 1)];
        }
        line[len] = 0;
        if (strncmp(line, "q", 1) == 0 || strstr(line, "so"))
            continue;           /* quit / source: not what this test is about */
        capture_reset(&cap);
        unsigned long before = cmd_error_count(ctx);
        int rc = cmd_execute_line(ctx, line, iter % 2 == 0);
        if (rc != 0 && cmd_error_count(ctx) == before) {
            CHECK(!"failure without an error line");
            printf("  line: [%s]\n", line);
        }
        seed = seed * 1103515245u + 12345u;
        cmd_complete(ctx, line, (seed >> 16) % (len + 1), NULL, NULL, NULL);
    }
    cmd_ctx_free(ctx);
}

int main(void)
{
    RUN(exact_prefix_and_alias);
    RUN(ambiguous_and_unknown);
    RUN(two_word_commands);
    RUN(argument_words_and_data);
    RUN(x_suffix);
    RUN(address_expressions);
    RUN(number_parsing);
    RUN(counts);
    RUN(set_show);
    RUN(variable_registration_errors);
    RUN(echo_escapes);
    RUN(help_output);
    RUN(quit_command);
    RUN(empty_line_repeats_interactively);
    RUN(registration);
    RUN(completion);
    RUN(random_lines_do_not_crash);
    CHECK_EXIT();
}
