#!/usr/bin/env bash
# Packaging: `make install DESTDIR=<tmp> PREFIX=/usr` lays out the tree
# (binary, plugins, header, scout-plugin.pc, man page, completion, docs);
# the man page renders; the completion completes; plugins/example builds
# out of tree against the staged kit with nothing but pkg-config; `make
# uninstall` removes what install put; `make deb` gives a package whose
# control and contents are right.  Then, with KVM, the installed and the
# packaged binaries run the demo like the in-tree one, find plugins by name
# and load the example.  Nothing is installed outside a temporary folder and
# $BUILD; no root needed.
source "$TOP/tests/lib.sh"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
ROOT="$tmp/root"; USR="$ROOT/usr"
# make from inside `make test`: a make of its own, not a sub-make of the runner's
tmake() { env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS make --no-print-directory "$@"; }
tmake -C "$TOP" SAN="${SAN:-}" install DESTDIR="$ROOT" PREFIX=/usr >"$tmp/install.log" 2>&1
expect_eq install_status 0 "$?"

# ── the tree ──
plugins=$(cd "$TOP/$BUILD/plugins" && ls ./*.so | sed 's|^\./||')
expected=$(printf '%s\n' usr/bin/scout usr/include/scout/plugin.h usr/share/pkgconfig/scout-plugin.pc \
    usr/share/man/man1/scout.1 usr/share/bash-completion/completions/scout \
    usr/share/doc/scout/README.md usr/share/doc/scout/trace-format.md \
    $(printf 'usr/lib/scout/plugins/%s\n' $plugins) | sort)
expect_eq install_tree "$expected" "$(cd "$ROOT" && find . -type f | sed 's|^\./||' | sort)"
[ -x "$USR/bin/scout" ] && ok install_binary_executable || not_ok install_binary_executable "not executable"
if cmp -s "$TOP/include/scout/plugin.h" "$USR/include/scout/plugin.h"; then ok install_header; else
    not_ok install_header "differs from include/scout/plugin.h"; fi

# ── the man page: renders without warnings, says what the binary says ──
man_err=$(MANWIDTH=80 man --warnings -l "$USR/share/man/man1/scout.1" 2>&1 >"$tmp/man.txt")
expect_eq man_renders_cleanly "" "$man_err"
missing=""
for w in $("$SCOUT" --help | grep -E '^ +-' | grep -oE '(^| )--?[a-z][a-z-]*') \
         $("$SCOUT" --list-commands | sed -n 's/^  \([^ ]*\) -- .*/\1/p') \
         'EXIT STATUS' 'COMMAND LANGUAGE' 'TRACE FORMAT' 'MAP LEGEND' 'PLUGINS' $plugins; do
    grep -qF -- "${w%.so}" "$tmp/man.txt" || missing+=" $w"
done
expect_eq man_has_options_commands_sections "" "$missing"
expect_match man_version "scout $("$SCOUT" --version | sed -n '1s/^scout //p')" "$(tail -n1 "$tmp/man.txt")"

# ── completion: options, choices, commands, plugin names ──
complete_words() {   # words of the command line, the last one being completed
    bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _scout; printf "%s\n" "${COMPREPLY[@]}" | sort' \
        complete "$USR/share/bash-completion/completions/scout" "$@"
}
expect_eq completion_option $'--plugin\n--plugin-timeout' "$(complete_words scout --plu)"
expect_eq completion_choices "$(printf '%s\n' long64 prot32 real)" "$(complete_words scout --mode '')"
expect_eq completion_device pc-testdev "$(complete_words scout --device '')"
expect_eq completion_command "$(printf '%s\n' pstart pstep)" "$(complete_words scout -ex ps)"
mkdir "$tmp/empty"   # plugin names, then file names from the current folder (none here)
expect_eq completion_plugin_names "$(printf '%s\n' $plugins | sed 's/\.so$//')" \
    "$(cd "$tmp/empty" && complete_words "$USR/bin/scout" --plugin '')"
expect_eq completion_trace "$(printf '%s\n' diff stats)" "$(complete_words scout trace '')"

# ── the plugin author's kit: pkg-config, then plugins/example out of tree ──
export PKG_CONFIG_PATH="$USR/share/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$ROOT"
expect_eq pkg_config_cflags "-I$USR/include" "$(pkg-config --cflags scout-plugin | sed 's/ *$//')"
expect_eq pkg_config_plugindir "$USR/lib/scout/plugins" "$(pkg-config --variable=plugindir scout-plugin)"
cp -r "$TOP/plugins/example" "$tmp/example"
tmake -C "$tmp/example" CFLAGS="-O2 -Wall -Wextra -Werror" >"$tmp/example.log" 2>&1
expect_eq example_builds "0" "$?"
tmake -C "$tmp/example" install >>"$tmp/example.log" 2>&1
expect_eq example_installs "0" "$?"
[ -f "$USR/lib/scout/plugins/example.so" ] && ok example_in_plugindir || not_ok example_in_plugindir "not installed"
unset PKG_CONFIG_PATH PKG_CONFIG_SYSROOT_DIR

# ── make deb: control fields, contents ──
rm -f "$TOP/$BUILD"/scout_*.deb
tmake -C "$TOP" SAN="${SAN:-}" deb >"$tmp/deb.log" 2>&1
expect_eq deb_status 0 "$?"
version=$("$SCOUT" --version | sed -n '1s/^scout //p'); arch=$(dpkg --print-architecture)
DEB="$TOP/$BUILD/scout_${version}_$arch.deb"
if [ -f "$DEB" ]; then
    ok deb_file
    expect_eq deb_package scout "$(dpkg-deb --field "$DEB" Package)"
    expect_eq deb_version "$version" "$(dpkg-deb --field "$DEB" Version)"
    expect_eq deb_arch "$arch" "$(dpkg-deb --field "$DEB" Architecture)"
    # Depends: the package of every library the binary needs (NEEDED entries)
    depends=$(dpkg-deb --field "$DEB" Depends)
    for lib in $(readelf -d "$SCOUT" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p'); do
        real=$(readlink -f "$(ldconfig -p | awk -v l="$lib" '$1 == l { print $NF; exit }')")
        # dpkg knows /lib/... or /usr/lib/... (merged /usr): ask for both
        pkg=$( (dpkg -S "$real" || dpkg -S "${real#/usr}") 2>/dev/null | head -n1 | cut -d: -f1)
        [ -n "$pkg" ] || pkg="no package owns $real"
        expect_match "deb_depends_$lib" "(^|, )$pkg( |,|$)" "$depends"
    done
    expect_eq deb_contents "$(echo "$expected" | sed 's|man1/scout.1$|man1/scout.1.gz|' | sort)" \
        "$(dpkg-deb --contents "$DEB" | awk '$1 !~ /^d/ { sub(/^\.\//, "", $NF); print $NF }' | sort)"
    if command -v lintian >/dev/null; then
        # no copyright file nor changelog: the project has no licence text to ship
        errors=$(lintian "$DEB" 2>&1 | grep '^E:' | grep -v -e no-copyright-file -e changelog-file-missing)
        expect_eq deb_lintian_errors "" "$errors"
    else
        skip deb_lintian "lintian is not installed"
    fi
    dpkg-deb -x "$DEB" "$tmp/deb"
else
    not_ok deb_file "no $DEB; see the make deb output:$(tail -n5 "$tmp/deb.log")"
fi

# ── uninstall: what install put goes, the example (not ours) stays ──
cp -r "$ROOT" "$tmp/root2"
tmake -C "$TOP" SAN="${SAN:-}" uninstall DESTDIR="$tmp/root2" PREFIX=/usr >"$tmp/uninstall.log" 2>&1
expect_eq uninstall_status 0 "$?"
expect_eq uninstall_leaves_only_foreign usr/lib/scout/plugins/example.so \
    "$(cd "$tmp/root2" && find . -type f | sed 's|^\./||')"

# ── the installed and packaged binaries at work (KVM from here on) ──
require_kvm install_runs
cd "$tmp"   # plugins by name must not come from the current folder
"$SCOUT" --batch </dev/null >"$tmp/demo.tree" 2>&1; tree_rc=$?
for where in installed:"$USR/bin/scout" packaged:"$tmp/deb/usr/bin/scout"; do
    name=${where%%:*} bin=${where#*:}
    [ -x "$bin" ] || { not_ok "${name}_binary" "no $bin"; continue; }
    "$bin" --batch </dev/null >"$tmp/demo.out" 2>&1
    expect_eq "${name}_demo_status" "$tree_rc" "$?"
    expect_eq "${name}_demo_output" "$(cat "$tmp/demo.tree")" "$(cat "$tmp/demo.out")"
    "$bin" --plugin insn-stats "$GUESTS/plug_cpuid.elf64" >/dev/null 2>"$tmp/err"
    expect_match "${name}_plugin_by_name" "^insn-stats: 64 virtualize exits" "$(cat "$tmp/err")"
    "$bin" --plugin "drcov,out=$tmp/cov.$name" "$GUESTS/plug_cpuid.elf64" >/dev/null 2>&1
    expect_eq "${name}_plugin_by_name_args" "DRCOV VERSION: 2" "$(head -n1 "$tmp/cov.$name" 2>&1)"
    "$bin" --plugin no-such-plugin "$GUESTS/plug_cpuid.elf64" >/dev/null 2>"$tmp/err"
    expect_eq "${name}_plugin_unknown_name" "scout: plugin no-such-plugin: no file no-such-plugin here, and no no-such-plugin.so in ${bin%/bin/scout}/lib/scout/plugins or ${bin%/scout}/plugins" "$(cat "$tmp/err")"
done
# the example, built against the staged kit, in the installed binary: by path and by name
"$USR/bin/scout" --batch --plugin "$tmp/example/example.so" </dev/null >"$tmp/out" 2>"$tmp/err"
expect_eq example_demo_status "$tree_rc" "$?"
expect_match example_counts "example: [1-9][0-9]* virtualize exits \([1-9][0-9]* sensitive\), $(wc -c <"$tmp/out") console bytes" "$(cat "$tmp/err")"
"$USR/bin/scout" --plugin example,port=0xe9 -ex run -ex 'info plugins' </dev/null >"$tmp/out" 2>&1
expect_match example_by_name "example: example,port=0xe9 \(commands: example\)" "$(cat "$tmp/out")"
finish
