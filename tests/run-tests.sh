#!/usr/bin/env bash
# Runs every test and prints one closing line "N passed, N failed, N skipped".
# Protocol: each test (unit binary or script) prints lines
#   ok NAME | not ok NAME: why | skip NAME: why
# and exits 0 if all its checks passed. A test that exits non-zero without
# printing "not ok" (a crash, a sanitizer report) counts as one failure.
set -u
cd "$(dirname "$0")/.."
export BUILD=${BUILD:-build}
export SCOUT="$PWD/$BUILD/scout"
export TOP="$PWD"
only=${TESTS:-}
pass=0 fail=0 skip=0
failed_names=()
log_dir="$BUILD/test-logs"; mkdir -p "$log_dir"

run_one() {   # name, command...
    local name=$1; shift
    [ -n "$only" ] && [[ "$name" != *$only* ]] && return
    local log="$log_dir/${name//\//_}.log"
    "$@" >"$log" 2>&1; local rc=$?
    local p f s
    p=$(grep -c '^ok ' "$log"); f=$(grep -c '^not ok ' "$log"); s=$(grep -c '^skip ' "$log")
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        f=1; echo "not ok $name: exited with status $rc" >>"$log"
    fi
    pass=$((pass + p)); fail=$((fail + f)); skip=$((skip + s))
    grep -E '^(not ok|skip) ' "$log" | sed "s|^|  $name: |"
    if [ "$f" -gt 0 ]; then
        failed_names+=("$name"); echo "FAIL $name ($p passed, $f failed) — log: $log"
        tail -n 20 "$log" | sed 's/^/    | /'
    else
        echo "PASS $name ($p passed, $s skipped)"
    fi
}

for t in "$BUILD"/tests/test_*; do
    [ -x "$t" ] || continue
    run_one "unit/$(basename "$t")" "$t"
done
for t in tests/integration/*.sh tests/tui/*.sh; do
    [ -f "$t" ] || continue
    run_one "${t#tests/}" bash "$t"
done

echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
