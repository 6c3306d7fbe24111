#!/usr/bin/env bash
# tests/golden/goldens.sh — golden traces.
#   goldens.sh regen   rewrite tests/golden/NAME.trace for every guest in
#                      guests.list (run by `make goldens`)
#   goldens.sh check   re-run each guest and `scout trace diff` it against
#                      its golden; prints ok/not ok lines (integration test)
# Needs SCOUT, TOP and BUILD (make sets them).
set -u
mode=${1:?usage: goldens.sh regen|check}
: "${TOP:=$(cd "$(dirname "$0")/../.." && pwd)}" "${BUILD:=build}"
: "${SCOUT:=$TOP/$BUILD/scout}"
dir="$TOP/tests/golden" guests="$TOP/$BUILD/guests"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
status=0
while read -r name args; do
    case "$name" in ''|'#'*) continue ;; esac
    # shellcheck disable=SC2206
    argv=(${args//@BUILD@/$TOP/$BUILD})
    out="$tmp/$name.trace"
    # from the guests' folder: a multiboot command line starts with the
    # image's path as given, and the trace must not depend on where the tree is
    (cd "$guests" && timeout 60 "$SCOUT" --trace "$out" "${argv[@]}" >/dev/null 2>&1)
    if [ ! -s "$out" ]; then
        echo "not ok golden_$name: no trace written"; status=1; continue
    fi
    if [ "$mode" = regen ]; then
        cp "$out" "$dir/$name.trace"
        echo "golden $name: $(($(wc -l <"$out") - 1)) events"
    elif [ ! -f "$dir/$name.trace" ]; then
        echo "not ok golden_$name: tests/golden/$name.trace missing (make goldens)"; status=1
    elif diff_out=$("$SCOUT" trace diff "$dir/$name.trace" "$out" 2>&1); then
        echo "ok golden_$name"
    else
        echo "not ok golden_$name: differs from tests/golden/$name.trace: $(echo "$diff_out" | head -n 3 | tr '\n' ' ')"
        status=1
    fi
done <"$dir/guests.list"
exit $status
