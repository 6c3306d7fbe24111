# scout — plain GNU make. `make` builds build/scout; `make test` sets up,
# builds and runs the whole suite; `make test SAN=1` does the same with
# AddressSanitizer + UndefinedBehaviorSanitizer into build-san/.

SAN    ?=
BUILD  := build$(if $(SAN),-san)
CC     ?= cc
OPT    ?= -O2
comma := ,
SANFLAGS := $(if $(SAN),-fsanitize=address$(comma)undefined -fno-omit-frame-pointer -fno-sanitize-recover=all)
# Debug (sanitizer) builds also check scan-before-execute's invariant at every exit.
DEBUGFLAGS := $(if $(SAN),-DSCOUT_DEBUG)
CFLAGS := -std=c11 -D_GNU_SOURCE $(OPT) -g -Wall -Wextra -Werror -Iinclude -Isrc $(SANFLAGS) $(DEBUGFLAGS) -MMD -MP
# Plugins call back into the binary: export the plugin API, nothing else.
LDFLAGS := $(SANFLAGS) -Wl,--dynamic-list=src/ui/plugin/plugin_exports.list
LDLIBS := -lZydis -lZycore -lreadline -lncurses -ldl -lm

# Every module's .c files go into one library; src/ui/batch/main.c is the binary.
LIB_SRCS  := $(sort $(wildcard src/*/*.c src/*/*/*.c))
LIB_SRCS  := $(filter-out src/ui/batch/main.c,$(LIB_SRCS))
LIB_OBJS  := $(LIB_SRCS:%.c=$(BUILD)/%.o)
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)

.PHONY: all deps test bench fuzz run clean goldens
.SECONDARY:
all: $(BUILD)/scout

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/libscout.a: $(LIB_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

# The plugin API (src/ui/plugin/api.c) is called only by plugins, never by
# scout itself: link it explicitly, or the archive would leave it out.
PLUGIN_API_OBJ := $(BUILD)/src/ui/plugin/api.o

$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(PLUGIN_API_OBJ) $(BUILD)/libscout.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $^ -o $@ $(LDLIBS)

# Installs only the Debian packages that are missing; a no-op otherwise.
DEB_PKGS := gcc make binutils libzydis-dev libzycore-dev libncurses-dev \
            libreadline-dev linux-libc-dev clang libclang-rt-14-dev tmux \
            qemu-system-x86 python3
deps:
	@missing=$$(for p in $(DEB_PKGS); do \
	    dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	    echo "make deps: installing $$missing"; \
	    SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	    $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

# Each part of the tree adds its own rules in a fragment: it appends what
# the tests need to TEST_DEPS and its benchmark targets to BENCH_TARGETS.
# SCOUT_OBJS: extra objects linked into the binary (e.g. the demo guest).
TEST_DEPS     := $(BUILD)/scout $(UNIT_BINS)
BENCH_TARGETS :=
SCOUT_OBJS    :=
include $(sort $(wildcard src/*/*.mk src/*/*/*.mk tests/*/*.mk plugins/*.mk))

$(BUILD)/scout: $(BUILD)/src/ui/batch/main.o $(PLUGIN_API_OBJ) $(BUILD)/libscout.a $(SCOUT_OBJS)
	$(CC) $(LDFLAGS) $^ -o $@ $(LDLIBS)

test: deps
	$(MAKE) --no-print-directory $(TEST_DEPS)
	@BUILD=$(BUILD) SAN=$(SAN) tests/run-tests.sh

bench: deps
	$(MAKE) --no-print-directory $(BENCH_TARGETS)

# The demo ends through the exit device: its status 0 is scout's (0<<1)|1 = 1.
run: deps
	$(MAKE) --no-print-directory $(BUILD)/scout
	@$(BUILD)/scout; s=$$?; [ $$s -le 1 ] || exit $$s

clean:
	rm -rf build build-san

-include $(LIB_OBJS:.o=.d) $(BUILD)/src/ui/batch/main.d $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/unit/%.d)
