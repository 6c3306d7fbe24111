/* example — a minimal scout plugin, built out of tree against the installed
 * kit: `make` here (the Makefile asks `pkg-config --cflags scout-plugin`
 * where <scout/plugin.h> is), then
 *
 *     scout --plugin ./example.so GUEST
 *
 * It counts virtualize exits (and among them those of sensitive
 * instructions) and the bytes the guest writes to its console ports, shows
 * them as counters (`stats`, `info plugins`, `--stats`), adds the command
 * `example`, and prints its summary on stderr when scout exits.  Argument: port=N counts
 * writes to port N instead of the consoles (0xe9 and 0x3f8). */
#include <stdlib.h>
#include <string.h>

#include <scout/plugin.h>

/* The loader refuses a plugin built for another API version. */
SCOUT_PLUGIN_EXPORT int scout_plugin_api_version = SCOUT_PLUGIN_API_VERSION;

static scout_plugin_counter *vexits, *sensitive, *console;
static long port = -1;                 /* -1: both console ports */

/* Every virtualize exit; PASS lets scout handle it as usual. */
static int on_vexit(scout_plugin_id id, void *userdata, const scout_vexit *v)
{
    (void)userdata;
    scout_plugin_counter_add(id, vexits, 1);
    if (strcmp(v->reason, "sensitive") == 0)
        scout_plugin_counter_add(id, sensitive, 1);
    return SCOUT_VEXIT_PASS;
}

/* Guest I/O on scout's devices. */
static int on_io(scout_plugin_id id, void *userdata, const scout_io *io)
{
    (void)userdata;
    int counted = port < 0 ? io->port == 0xe9 || io->port == 0x3f8 : io->port == port;
    if (io->out && counted)
        scout_plugin_counter_add(id, console, io->size);
    return SCOUT_PLUGIN_OK;
}

/* The command `example` (its output goes where the command's output goes). */
static int summary(scout_plugin_id id, int argc, const char **argv)
{
    (void)argc, (void)argv;
    scout_plugin_printf(id, "example: %llu virtualize exits (%llu sensitive), %llu console bytes\n",
                        (unsigned long long)scout_plugin_counter_get(id, vexits),
                        (unsigned long long)scout_plugin_counter_get(id, sensitive),
                        (unsigned long long)scout_plugin_counter_get(id, console));
    return SCOUT_PLUGIN_OK;
}

static void at_exit(scout_plugin_id id, void *userdata)
{
    (void)userdata;
    summary(id, 0, NULL);
}

SCOUT_PLUGIN_EXPORT int scout_plugin_install(scout_plugin_id id, const scout_plugin_info *info,
                                             int argc, const char **argv)
{
    for (int i = 0; i < argc; i++) {
        char *end;
        if (strncmp(argv[i], "port=", 5) != 0 || (port = strtol(argv[i] + 5, &end, 0)) < 0 ||
            port > 0xffff || *end || end == argv[i] + 5) {
            scout_plugin_set_error(id, "%s: expected port=N (0..0xffff)", argv[i]);
            return SCOUT_PLUGIN_ERROR;
        }
    }
    vexits = scout_plugin_counter_new(id, "vexits");
    sensitive = scout_plugin_counter_new(id, "sensitive");
    console = scout_plugin_counter_new(id, "console_bytes");
    if (!vexits || !sensitive || !console || scout_plugin_register_vexit_cb(id, on_vexit, NULL) ||
        scout_plugin_register_io_cb(id, on_io, NULL) || scout_plugin_register_exit_cb(id, at_exit, NULL) ||
        scout_plugin_register_command(id, "example", "what the example plugin counted", summary)) {
        scout_plugin_set_error(id, "cannot register its counters, callbacks or command");
        return SCOUT_PLUGIN_ERROR;
    }
    scout_plugin_printf(id, "example: loaded for %s\n", info->guest_name);
    return SCOUT_PLUGIN_OK;
}
