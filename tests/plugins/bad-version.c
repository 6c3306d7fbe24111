/* bad-version — a plugin built for another API version: the loader refuses it. */
#include "scout/plugin.h"
SCOUT_PLUGIN_EXPORT int scout_plugin_api_version = 99;
SCOUT_PLUGIN_EXPORT int scout_plugin_install(scout_plugin_id id, const scout_plugin_info *info, int argc,
                                             const char **argv)
{
    (void)id; (void)info; (void)argc; (void)argv;
    return 0;
}
