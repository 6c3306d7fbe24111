/* test_plugin_cmds — the loader's commands on a real session: plugin load /
 * unload, info plugins, a plugin's own command (registered on load, gone on
 * unload), failing loads leave nothing behind.  Needs KVM and the built
 * plugins ($BUILD/plugins, $BUILD/tests/plugins); skips without KVM. */
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "cmd_test_util.h"
#include "ui/plugin/plugin.h"
#include "ui/session/session.h"

static char build[256];
static struct session s;
static struct plugins *pl;
static struct cmd_ctx *ctx;
static struct capture cap;

static int line(const char *fmt, const char *arg)
{
    char buf[1024];
    snprintf(buf, sizeof buf, fmt, arg);
    capture_reset(&cap);
    return cmd_execute_line(ctx, buf, false);
}

TEST(plugin_commands)
{
    CHECK_EQ(line("info plugins%s", ""), 0);
    CHECK_STR(cap.out, "no plugins loaded\n");
    CHECK_EQ(line("plugin load %s/plugins/insn-stats.so", build), 0);
    CHECK_STR(cap.out, "plugin insn-stats loaded\n");
    CHECK_EQ(line("insn-stats%s", ""), 0);
    CHECK_STR(cap.out, "insn-stats: 0 virtualize exits\n");
    struct vm_stop st;
    session_run(&s, &st);
    CHECK_EQ(st.why, VM_STOP_EXIT_DEVICE);
    CHECK_EQ(line("insn-stats%s", ""), 0);
    CHECK(strncmp(cap.out, "insn-stats: 64 virtualize exits\n", 32) == 0);
    CHECK_EQ(line("info plugins%s", ""), 0);
    CHECK(strstr(cap.out, "insn-stats: ") == cap.out);
    CHECK(strstr(cap.out, "(commands: insn-stats)\n") != NULL);
    CHECK(strstr(cap.out, "  plugin insn-stats: vexits=64\n") != NULL);
    CHECK_EQ(line("insn-stats extra%s", ""), -1);
    CHECK_STR(cmd_last_error(ctx), "insn-stats: takes no arguments");
    CHECK_EQ(line("plugin unload insn-stats%s", ""), 0);
    CHECK_STR(cap.out, "plugin insn-stats unloaded\n");
    CHECK_EQ(plugins_count(pl), 0);
    CHECK_EQ(line("insn-stats%s", ""), -1);
    CHECK(strstr(cap.err, "unknown command") != NULL);
    CHECK_EQ(line("plugin unload nope%s", ""), -1);
    CHECK_STR(cmd_last_error(ctx), "plugin unload: no plugin named \"nope\" is loaded");
}

TEST(failing_loads_leave_nothing)
{
    CHECK_EQ(line("plugin load %s/tests/plugins/failing.so,fail=install", build), -1);
    CHECK_STR(cmd_last_error(ctx), "plugin load: plugin failing: install failed: failing on purpose in install");
    CHECK_STR(cap.out, "failing: exit after 0 calls\n");
    CHECK_EQ(plugins_count(pl), 0);
    CHECK_EQ(line("failing-cmd%s", ""), -1);
    CHECK_EQ(line("plugin load %s/tests/plugins/bad-version.so", build), -1);
    CHECK(strstr(cmd_last_error(ctx), "built for plugin API version 99") != NULL);
    CHECK_EQ(line("plugin load %s/no/such.so", build), -1);
    CHECK(strstr(cmd_last_error(ctx), "No such file or directory") != NULL);
    CHECK_EQ(line("plugin load%s", ""), -1);
    CHECK_EQ(plugins_count(pl), 0);
    /* a working one: its command comes and goes with it */
    CHECK_EQ(line("plugin load %s/tests/plugins/failing.so", build), 0);
    CHECK_EQ(line("failing-cmd%s", ""), 0);
    CHECK_STR(cap.out, "failing-cmd ran\n");
    CHECK_EQ(line("plugin unload failing%s", ""), 0);
    CHECK_STR(cap.out, "failing: exit after 0 calls\nplugin failing unloaded\n");
    CHECK_EQ(line("failing-cmd%s", ""), -1);
    /* loading again after an unload works */
    CHECK_EQ(line("plugin load %s/tests/plugins/failing.so", build), 0);
    CHECK_EQ(plugins_count(pl), 1);
}

int main(void)
{
    const char *b = getenv("BUILD");
    snprintf(build, sizeof build, "%s", b && *b ? b : "build");
    if (access("/dev/kvm", R_OK | W_OK) != 0) {
        const char *req = getenv("SCOUT_REQUIRE_KVM");
        if (req && !strcmp(req, "1")) { printf("not ok plugin_cmds: /dev/kvm unusable\n"); return 1; }
        printf("skip plugin_cmds: /dev/kvm is not usable\n");
        return 0;
    }
    char guest[512], err[512];
    snprintf(guest, sizeof guest, "%s/guests/plug_cpuid.elf64", build);
    struct session_opts so = { 0 };
    so.load.path = guest;
    so.depth = ENF_DEFAULT_DEPTH;
    if (session_open(&s, &so, err, sizeof err) < 0) { printf("not ok plugin_cmds: %s\n", err); return 1; }
    FILE *devnull = fopen("/dev/null", "w");
    struct dev_console con = { devnull, NULL, NULL };
    session_set_console(&s, &con);
    pl = plugins_new(&s, guest, err, sizeof err);
    ctx = new_ctx(&cap);
    if (!pl || !ctx || plugins_attach_commands(pl, ctx) != 0) { printf("not ok plugin_cmds: setup\n"); return 1; }
    RUN(plugin_commands);
    RUN(failing_loads_leave_nothing);
    plugins_free(pl);          /* unloads the last one, then the commands go */
    cmd_ctx_free(ctx);
    session_close(&s);
    fclose(devnull);
    CHECK_EXIT();
}
