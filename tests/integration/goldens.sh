#!/usr/bin/env bash
# Every test guest's trace equals its golden (tests/golden/, `make goldens`),
# and two runs give byte-identical traces.
source "$TOP/tests/lib.sh"
require_kvm goldens
bash "$TOP/tests/golden/goldens.sh" check || T_FAILED=1
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
for g in enf_smc.elf64 hello_boot.bootsect; do
    "$SCOUT" --trace "$tmp/a" "$GUESTS/$g" >/dev/null 2>&1
    "$SCOUT" --trace "$tmp/b" "$GUESTS/$g" >/dev/null 2>&1
    if cmp -s "$tmp/a" "$tmp/b"; then ok "deterministic_$g"; else not_ok "deterministic_$g" "two runs differ"; fi
done
finish
