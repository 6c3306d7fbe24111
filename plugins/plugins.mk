# plugins/plugins.mk — builds every plugin in plugins/ into $(BUILD)/plugins/
# NAME.so and the test-only plugins in tests/plugins/ into $(BUILD)/tests/
# plugins/NAME.so.  Plugins include only include/scout/plugin.h; their API
# calls resolve against the scout binary (which exports only the plugin API:
# src/ui/plugin/plugin_exports.list).  With SAN=1
# they get the same sanitizer flags as the binary.
PLUGIN_CFLAGS := -std=c11 -D_GNU_SOURCE $(OPT) -g -Wall -Wextra -Werror -Iinclude \
                 -fPIC -fvisibility=hidden $(SANFLAGS)
PLUGIN_SRCS      := $(sort $(wildcard plugins/*.c))
TEST_PLUGIN_SRCS := $(sort $(wildcard tests/plugins/*.c))
PLUGIN_SOS       := $(PLUGIN_SRCS:plugins/%.c=$(BUILD)/plugins/%.so)
TEST_PLUGIN_SOS  := $(TEST_PLUGIN_SRCS:tests/plugins/%.c=$(BUILD)/tests/plugins/%.so)

$(BUILD)/plugins/%.so: plugins/%.c include/scout/plugin.h
	@mkdir -p $(dir $@)
	$(CC) $(PLUGIN_CFLAGS) -shared $< -o $@
$(BUILD)/tests/plugins/%.so: tests/plugins/%.c include/scout/plugin.h
	@mkdir -p $(dir $@)
	$(CC) $(PLUGIN_CFLAGS) -shared $< -o $@

TEST_DEPS += $(PLUGIN_SOS) $(TEST_PLUGIN_SOS) $(BUILD)/guests/plug_cpuid.elf64

# `make` builds the shipped plugins along with the binary.
all: $(PLUGIN_SOS)
