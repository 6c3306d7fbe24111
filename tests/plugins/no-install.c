/* no-install — exports the version but no scout_plugin_install: refused. */
#include "scout/plugin.h"
SCOUT_PLUGIN_EXPORT int scout_plugin_api_version = SCOUT_PLUGIN_API_VERSION;
