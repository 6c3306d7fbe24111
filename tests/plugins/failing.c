/* failing — fails on purpose, for the loader's tests.
 *   fail=install   install returns an error
 *   fail=vexit     the 3rd vexit callback returns an error
 *   fail=classify  the 5th classify callback returns an error
 *   fail=run       the run-start callback returns an error
 * It always registers a command "failing-cmd", a counter "calls" and an
 * exit callback that prints "failing: exit after N calls". */
#include <string.h>
#include "scout/plugin.h"

SCOUT_PLUGIN_EXPORT int scout_plugin_api_version = SCOUT_PLUGIN_API_VERSION;

static const char *mode = "";
static scout_plugin_counter *calls;
static unsigned nvexit, nclassify;

static int on_vexit(scout_plugin_id id, void *ud, const scout_vexit *v)
{
    (void)ud;
    scout_plugin_counter_add(id, calls, 1);
    if (!strcmp(mode, "vexit") && ++nvexit == 3) {
        scout_plugin_set_error(id, "failing on purpose at %s rip=0x%llx", v->mnemonic, (unsigned long long)v->rip);
        return SCOUT_PLUGIN_ERROR;
    }
    return SCOUT_VEXIT_PASS;
}

static int on_classify(scout_plugin_id id, void *ud, const scout_insn *in)
{
    (void)ud;
    scout_plugin_counter_add(id, calls, 1);
    if (!strcmp(mode, "classify") && ++nclassify == 5) {
        scout_plugin_set_error(id, "failing on purpose at gpa=0x%llx", (unsigned long long)in->gpa);
        return SCOUT_PLUGIN_ERROR;
    }
    return SCOUT_CLASSIFY_KEEP;
}

static int on_run(scout_plugin_id id, void *ud, const scout_run *r)
{
    (void)ud;
    scout_plugin_counter_add(id, calls, 1);
    if (!strcmp(mode, "run") && r->start) {
        scout_plugin_set_error(id, "failing on purpose at run start");
        return SCOUT_PLUGIN_ERROR;
    }
    return 0;
}

static int cmd(scout_plugin_id id, int argc, const char **argv)
{
    (void)argc; (void)argv;
    scout_plugin_printf(id, "failing-cmd ran\n");
    return 0;
}

static void on_exit_cb(scout_plugin_id id, void *ud)
{
    (void)ud;
    scout_plugin_printf(id, "failing: exit after %llu calls\n",
                        (unsigned long long)scout_plugin_counter_get(id, calls));
}

SCOUT_PLUGIN_EXPORT int scout_plugin_install(scout_plugin_id id, const scout_plugin_info *info, int argc,
                                             const char **argv)
{
    (void)info;
    mode = "";
    nvexit = nclassify = 0;
    for (int i = 0; i < argc; i++)
        if (!strncmp(argv[i], "fail=", 5))
            mode = argv[i] + 5;
    calls = scout_plugin_counter_new(id, "calls");
    scout_plugin_register_command(id, "failing-cmd", "prints a line", cmd);
    scout_plugin_register_exit_cb(id, on_exit_cb, NULL);
    if (!strcmp(mode, "install")) {
        scout_plugin_set_error(id, "failing on purpose in install");
        return -1;
    }
    scout_plugin_register_vexit_cb(id, on_vexit, NULL);
    scout_plugin_register_classify_cb(id, on_classify, NULL);
    scout_plugin_register_run_cb(id, on_run, NULL);
    return 0;
}
