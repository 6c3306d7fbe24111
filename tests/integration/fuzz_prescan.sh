#!/usr/bin/env bash
# Short libFuzzer run of the prescan engine (no KVM needed). Any crash,
# invariant trap or sanitizer report fails.
. "$(dirname "$0")/../lib.sh"
fz="$TOP/$BUILD/fuzz/fuzz_prescan"
if [ ! -x "$fz" ]; then
    not_ok fuzz_prescan "$fz not built"; finish
fi
corpus=$(mktemp -d)
trap 'rm -rf "$corpus"' EXIT
if "$fz" -max_total_time="${PRESCAN_FUZZ_SECONDS:-10}" -seed=1 "$corpus" >"$corpus.log" 2>&1; then
    ok "fuzz_prescan $(grep -o 'Done [0-9]* runs' "$corpus.log" | tail -1)"
else
    tail -n 30 "$corpus.log"
    not_ok fuzz_prescan "fuzzer found a problem (log above)"
fi
rm -f "$corpus.log"
finish
