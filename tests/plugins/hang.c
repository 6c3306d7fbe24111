/* hang — never returns from one callback, for the watchdog's tests.
 *   where=install|run|io|classify|vexit|command|exit   the callback that hangs
 *   (command: the command "hang" hangs when run)
 * It waits in pause(): signals come and go, the callback does not return
 * (it ignores Ctrl-C, --timeout's interrupt and everything else). */
#include <string.h>
#include <unistd.h>
#include "scout/plugin.h"

SCOUT_PLUGIN_EXPORT int scout_plugin_api_version = SCOUT_PLUGIN_API_VERSION;

static const char *where = "";

static void hang_if(const char *here)
{
    if (strcmp(where, here) == 0)
        for (;;)
            pause();
}

static int on_run(scout_plugin_id id, void *ud, const scout_run *r)
{
    (void)id; (void)ud; (void)r;
    hang_if("run");
    return 0;
}

static int on_io(scout_plugin_id id, void *ud, const scout_io *io)
{
    (void)id; (void)ud; (void)io;
    hang_if("io");
    return 0;
}

static int on_classify(scout_plugin_id id, void *ud, const scout_insn *in)
{
    (void)id; (void)ud; (void)in;
    hang_if("classify");
    return SCOUT_CLASSIFY_KEEP;
}

static int on_vexit(scout_plugin_id id, void *ud, const scout_vexit *v)
{
    (void)id; (void)ud; (void)v;
    hang_if("vexit");
    return SCOUT_VEXIT_PASS;
}

static int cmd(scout_plugin_id id, int argc, const char **argv)
{
    (void)id; (void)argc; (void)argv;
    hang_if("command");
    return 0;
}

static void on_exit_cb(scout_plugin_id id, void *ud)
{
    (void)id; (void)ud;
    hang_if("exit");
}

SCOUT_PLUGIN_EXPORT int scout_plugin_install(scout_plugin_id id, const scout_plugin_info *info, int argc,
                                             const char **argv)
{
    (void)info;
    for (int i = 0; i < argc; i++)
        if (!strncmp(argv[i], "where=", 6))
            where = argv[i] + 6;
    scout_plugin_register_run_cb(id, on_run, NULL);
    scout_plugin_register_io_cb(id, on_io, NULL);
    scout_plugin_register_classify_cb(id, on_classify, NULL);
    scout_plugin_register_vexit_cb(id, on_vexit, NULL);
    scout_plugin_register_exit_cb(id, on_exit_cb, NULL);
    scout_plugin_register_command(id, "hang", "hangs (where=command)", cmd);
    hang_if("install");
    return 0;
}
