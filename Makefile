# scout — plain GNU make. `make` builds build/scout; `make test` sets up,
# builds and runs the whole suite; `make test SAN=1` does the same with
# AddressSanitizer + UndefinedBehaviorSanitizer into build-san/.
# `make install [PREFIX=/usr/local] [DESTDIR=]`, `make uninstall` and
# `make deb` (build/scout_VERSION_ARCH.deb) are below the fragments.

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
LDLIBS := -lZydis -lZycore -lreadline -lncurses -ldw -lelf -ldl -lm

# Every module's .c files go into one library; src/ui/batch/main.c is the binary.
LIB_SRCS  := $(sort $(wildcard src/*/*.c src/*/*/*.c))
LIB_SRCS  := $(filter-out src/ui/batch/main.c,$(LIB_SRCS))
LIB_OBJS  := $(LIB_SRCS:%.c=$(BUILD)/%.o)
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)

.PHONY: all deps test bench fuzz run clean goldens install uninstall deb
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
            qemu-system-x86 python3 help2man pkg-config dpkg-dev man-db \
            libelf-dev libdw-dev gdb bc
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

# ── install, uninstall, deb ──────────────────────────────────────────────
# `make install [PREFIX=/usr/local] [DESTDIR=]`: the binary, the shipped
# plugins (found by name: --plugin drcov), the plugin author's kit (header
# and scout-plugin.pc for `pkg-config --cflags scout-plugin`), the man page
# and bash completion (generated: src/ui/batch/batch.mk), the trace format.
PREFIX     ?= /usr/local
BINDIR     := $(PREFIX)/bin
PLUGINDIR  := $(PREFIX)/lib/scout/plugins
INCLUDEDIR := $(PREFIX)/include
PCDIR      := $(PREFIX)/share/pkgconfig
MAN1DIR    := $(PREFIX)/share/man/man1
COMPDIR    := $(PREFIX)/share/bash-completion/completions
DOCDIR     := $(PREFIX)/share/doc/scout
# The version is the binary's (`scout --version`, first line).
VERSION_OF_BUILD = $$($(BUILD)/scout --version | sed -n '1s/^scout //p')

install: $(BUILD)/scout $(PLUGIN_SOS) $(MAN_PAGE) $(COMPLETION)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(PLUGINDIR) $(DESTDIR)$(INCLUDEDIR)/scout \
	    $(DESTDIR)$(PCDIR) $(DESTDIR)$(MAN1DIR) $(DESTDIR)$(COMPDIR) $(DESTDIR)$(DOCDIR)
	install -m 755 $(BUILD)/scout $(DESTDIR)$(BINDIR)/scout
	install -m 644 $(PLUGIN_SOS) $(DESTDIR)$(PLUGINDIR)/
	install -m 644 include/scout/plugin.h $(DESTDIR)$(INCLUDEDIR)/scout/plugin.h
	printf '%s\n' 'prefix=$(PREFIX)' 'includedir=$${prefix}/include' \
	    'plugindir=$${prefix}/lib/scout/plugins' '' 'Name: scout-plugin' \
	    'Description: build plugins for scout, the x86 guest debugger (API version '"$$(sed -n 's/^#define SCOUT_PLUGIN_API_VERSION //p' include/scout/plugin.h)"')' \
	    "Version: $(VERSION_OF_BUILD)" 'Cflags: -I$${includedir}' >$(DESTDIR)$(PCDIR)/scout-plugin.pc
	install -m 644 $(MAN_PAGE) $(DESTDIR)$(MAN1DIR)/scout.1
	install -m 644 $(COMPLETION) $(DESTDIR)$(COMPDIR)/scout
	install -m 644 README.md $(DESTDIR)$(DOCDIR)/README.md
	install -m 644 src/trace/FORMAT.md $(DESTDIR)$(DOCDIR)/trace-format.md

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/scout $(addprefix $(DESTDIR)$(PLUGINDIR)/,$(notdir $(PLUGIN_SOS))) \
	    $(DESTDIR)$(INCLUDEDIR)/scout/plugin.h $(DESTDIR)$(PCDIR)/scout-plugin.pc \
	    $(DESTDIR)$(MAN1DIR)/scout.1 $(DESTDIR)$(COMPDIR)/scout \
	    $(DESTDIR)$(DOCDIR)/README.md $(DESTDIR)$(DOCDIR)/trace-format.md
	-rmdir $(DESTDIR)$(PLUGINDIR) $(DESTDIR)$(PREFIX)/lib/scout $(DESTDIR)$(INCLUDEDIR)/scout $(DESTDIR)$(DOCDIR) 2>/dev/null

# `make deb`: $(BUILD)/scout_VERSION_ARCH.deb from `make install
# PREFIX=/usr` staged in $(BUILD)/deb/debian/scout; Depends from the
# libraries the binary and plugins link (dpkg-shlibdeps).  Install it with
# apt-get install ./build/scout_*.deb.
DEB_DIR        := $(BUILD)/deb
DEB_ROOT       := $(DEB_DIR)/debian/scout
DEB_MAINTAINER ?= scout maintainers <maintainers@users.noreply.r-seed-1b7fa40b.example>
deb: $(BUILD)/scout $(PLUGIN_SOS) $(MAN_PAGE) $(COMPLETION)
	rm -rf $(DEB_DIR) $(BUILD)/scout_*.deb
	$(MAKE) --no-print-directory install DESTDIR=$(abspath $(DEB_ROOT)) PREFIX=/usr
	strip --strip-unneeded --remove-section=.comment $(DEB_ROOT)/usr/bin/scout $(DEB_ROOT)/usr/lib/scout/plugins/*.so
	gzip -9n $(DEB_ROOT)/usr/share/man/man1/scout.1
	printf 'Source: scout\n\nPackage: scout\nArchitecture: any\n' >$(DEB_DIR)/debian/control
	mkdir -p $(DEB_ROOT)/DEBIAN
	version=$(VERSION_OF_BUILD); arch=$$(dpkg --print-architecture); \
	depends=$$(cd $(DEB_DIR) && dpkg-shlibdeps -O debian/scout/usr/bin/scout \
	    $(addprefix debian/scout/usr/lib/scout/plugins/,$(notdir $(PLUGIN_SOS))) | sed -n 's/^shlibs:Depends=//p') && \
	[ -n "$$depends" ] && printf '%s\n' 'Package: scout' "Version: $$version" "Architecture: $$arch" \
	    'Maintainer: $(DEB_MAINTAINER)' "Installed-Size: $$(du -sk $(DEB_ROOT) | cut -f1)" \
	    "Depends: $$depends" 'Section: devel' 'Priority: optional' \
	    'Description: debugger and tracer for x86 guest code under KVM' \
	    ' scout boots x86 guests under its own monitor on the Linux KVM API and' \
	    ' never lets a guest instruction run before it has scanned it: a TUI and' \
	    ' a command language (gdb-like), deterministic traces, per-page attribute' \
	    ' maps, and plugins built against <scout/plugin.h> (pkg-config scout-plugin).' \
	    >$(DEB_ROOT)/DEBIAN/control && \
	dpkg-deb --root-owner-group -Zxz --build $(DEB_ROOT) $(BUILD)/scout_$${version}_$$arch.deb

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
