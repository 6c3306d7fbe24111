/* abuse — hands scout everything a plugin should not, and reports on one
 * line per check what it got back ("abuse: NAME=RESULT ..."), for the
 * validation tests.
 *   names     command names (run, x/y, with a tab, a newline, ESC, too
 *             long, double spaces) and counter names: all refused (-1/NULL);
 *             "abuse-ok" and "abuse two" accepted
 *   text      output and a command's error full of ESC, CSI (C1), DEL and
 *             newlines: all escaped
 *   vexitfail the first vexit callback fails with such a message
 *   badinstall install fails with such a message
 *   ranges    scout_plugin_read_linear/_phys/_write_* over a range whose
 *             end is outside RAM: -1, and the buffer untouched (all or
 *             nothing); bad ids; a call from another thread: -1
 *   rewrite   the first vexit at `out %al,(%dx)` (1 byte, in puts' loop)
 *             writes the 2-byte `out %al,$0xe9` over it and the loop's
 *             jmp: scout must run the new bytes (puts prints one character
 *             and returns), not step the 1-byte OUT it decoded
 * In modes names, ranges and rewrite the exit callback prints "abuse: exit"
 * (the others print nothing else: their one line is scout's). */
#include <pthread.h>
#include <string.h>
#include "scout/plugin.h"

SCOUT_PLUGIN_EXPORT int scout_plugin_api_version = SCOUT_PLUGIN_API_VERSION;

static const char *mode = "";
static uint64_t ram_end;
static int rewritten;

static int cmd(scout_plugin_id id, int argc, const char **argv)
{
    (void)argc; (void)argv;
    if (!strcmp(mode, "text")) {
        scout_plugin_printf(id, "out: \x1b[2J\x9b" "31m\xc2\x9b" "1m\x7f tab\tend\n");
        scout_plugin_set_error(id, "bad\nthing \x1b]0;title\x07 happened");
        return -1;
    }
    return 0;
}

static void names(scout_plugin_id id)
{
    static const char *const bad[] = { "run", "x/y", "a\tb", "a\nb", "\x1b[31mred", "", " lead", "trail ",
                                       "two  spaces", "a b c d", "x1234567890123456789012345678901234567890123456789012345678901234" };
    char line[512] = "abuse:";
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (scout_plugin_register_command(id, bad[i], "h", cmd) != -1)
            strcat(line, " command-accepted");
    if (scout_plugin_register_command(id, "abuse-ok", "fine\x1b[2J", cmd) != 0)
        strcat(line, " abuse-ok-refused");
    if (scout_plugin_register_command(id, "abuse two", "two words", cmd) != 0)
        strcat(line, " abuse-two-refused");
    if (scout_plugin_register_command(id, "abuse-ok", "again", cmd) != -1)
        strcat(line, " duplicate-accepted");
    static const char *const badc[] = { "a=b", "sp ace", "\x1b", "", "nl\n" };
    for (size_t i = 0; i < sizeof badc / sizeof badc[0]; i++)
        if (scout_plugin_counter_new(id, badc[i]))
            strcat(line, " counter-accepted");
    if (!scout_plugin_counter_new(id, "ok.counter-1"))
        strcat(line, " counter-refused");
    scout_plugin_printf(id, "%s names-checked\n", line);
}

static void *other_thread(void *arg)
{
    uint64_t v = 0;
    *(int *)arg = scout_plugin_reg_read(*(scout_plugin_id *)((int *)arg + 2), SCOUT_REG_RIP, &v);
    return NULL;
}

static int check_ranges(scout_plugin_id id)
{
    unsigned char buf[64 + 16];
    char line[256] = "abuse:";
    memset(buf, 0xa5, sizeof buf);
    /* 64 bytes: the first 32 in RAM, the rest past its end */
    if (scout_plugin_read_linear(id, ram_end - 32, buf, 64) != -1)
        strcat(line, " read_linear-ok");
    if (scout_plugin_read_phys(id, ram_end - 32, buf, 64) != -1)
        strcat(line, " read_phys-ok");
    if (scout_plugin_read_linear(id, 0x1000, buf, (size_t)-1 / 2) != -1)
        strcat(line, " huge-ok");
    for (size_t i = 0; i < sizeof buf; i++)
        if (buf[i] != 0xa5) {
            strcat(line, " buffer-touched");
            break;
        }
    if (scout_plugin_write_linear(id, ram_end - 32, buf, 64) != -1)
        strcat(line, " write_linear-ok");
    if (scout_plugin_read_linear(id, ram_end - 64, buf, 64) != 0)
        strcat(line, " inside-refused");
    uint64_t v;
    if (scout_plugin_reg_read(id + 1000, SCOUT_REG_RIP, &v) != -1 || scout_plugin_reg_read(id, (enum scout_reg)99, &v) != -1)
        strcat(line, " bad-id-ok");
    int res[4] = { 0 };
    memcpy(&res[2], &id, sizeof id);
    pthread_t t;
    if (pthread_create(&t, NULL, other_thread, res) == 0) {
        pthread_join(t, NULL);
        if (res[0] != -1)
            strcat(line, " thread-ok");
    }
    scout_plugin_printf(id, "%s ranges-checked\n", line);
    return 0;
}

static int on_run(scout_plugin_id id, void *ud, const scout_run *r)
{
    (void)ud;
    return r->start && !strcmp(mode, "ranges") ? check_ranges(id) : 0;
}

static int on_vexit(scout_plugin_id id, void *ud, const scout_vexit *v)
{
    (void)ud;
    static const uint8_t out_imm[2] = { 0xe6, 0xe9 };      /* out %al, $0xe9 */
    if (!strcmp(mode, "rewrite") && !rewritten && v->nbytes && v->bytes[0] == 0xee) {
        rewritten = 1;
        if (scout_plugin_write_linear(id, v->rip, out_imm, sizeof out_imm) != 0)
            scout_plugin_printf(id, "abuse: rewrite failed\n");
    }
    if (!strcmp(mode, "vexitfail")) {
        scout_plugin_set_error(id, "vexit \x1b[31mfailed\x9b" "0m\nsecond line");
        return SCOUT_PLUGIN_ERROR;
    }
    return SCOUT_VEXIT_PASS;
}

static void on_exit_cb(scout_plugin_id id, void *ud)
{
    (void)ud;
    if (!strcmp(mode, "names") || !strcmp(mode, "ranges") || !strcmp(mode, "rewrite"))
        scout_plugin_printf(id, "abuse: exit\n");
}

SCOUT_PLUGIN_EXPORT int scout_plugin_install(scout_plugin_id id, const scout_plugin_info *info, int argc,
                                             const char **argv)
{
    for (int i = 0; i < argc; i++)
        if (!strncmp(argv[i], "mode=", 5))
            mode = argv[i] + 5;
    ram_end = 64ull << 20;          /* robust.sh runs it with --mem 64M */
    (void)info;
    rewritten = 0;
    scout_plugin_register_exit_cb(id, on_exit_cb, NULL);
    scout_plugin_register_run_cb(id, on_run, NULL);
    scout_plugin_register_vexit_cb(id, on_vexit, NULL);
    if (!strcmp(mode, "names"))
        names(id);
    if (!strcmp(mode, "text")) {
        scout_plugin_register_command(id, "abuse-text", "prints junk", cmd);
        scout_plugin_printf(id, "install: \x1b[1mbold\x1b[0m \xc2\x9b" "2J\n");
    }
    if (!strcmp(mode, "badinstall")) {
        scout_plugin_set_error(id, "no \x1b[2J\nway");
        return SCOUT_PLUGIN_ERROR;
    }
    return 0;
}
