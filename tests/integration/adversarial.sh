#!/usr/bin/env bash
# The adversarial guests (tests/adversarial/): each runs raw, then enforced
# at depths 0, 1 and 16, and must give the same output and status; no
# port I/O may come from an instruction scout did not trap (native_io=0),
# and scout must not have refused anything it should run (refused=0,
# unless the list says the guest asks for what cannot be guarded).  In the
# sanitizer build scout also checks its invariants at every exit.
source "$TOP/tests/lib.sh"
require_kvm adversarial
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
A="$TOP/$BUILD/adversarial"
stat() { grep -o "[ :]$2=[0-9]*" "$1" | head -n1 | cut -d= -f2; }

while read -r name status refused args; do
    case "$name" in ''|'#'*) continue ;; esac
    base=${name%@*}     # NAME@tag: the same guest again with other ARGS
    img=$(ls "$A/$base".* 2>/dev/null | grep -v '\.o\|\.elf$' | head -n1)
    [ -n "$img" ] || { not_ok "$name" "not built"; continue; }
    [ "$args" = "-" ] && args=""
    # shellcheck disable=SC2086
    timeout 60 "$SCOUT" --raw $args "$img" >"$T/raw.out" 2>"$T/raw.err"; rc=$?
    expect_eq "$name: raw status" "$status" "$rc"
    for d in 0 1 16; do
        # shellcheck disable=SC2086
        timeout 120 "$SCOUT" --depth $d --stats $args "$img" >"$T/enf.out" 2>"$T/enf.err"; erc=$?
        expect_eq "$name: depth $d output = raw" "$(cat "$T/raw.out")" "$(cat "$T/enf.out")"
        expect_eq "$name: depth $d status = raw" "$rc" "$erc"
        expect_eq "$name: depth $d native I/O" 0 "$(stat "$T/enf.err" native_io)"
        expect_eq "$name: depth $d refused" "$refused" "$(stat "$T/enf.err" refused)"
        if [ "$erc" != "$rc" ] || [ "$(cat "$T/raw.out")" != "$(cat "$T/enf.out")" ]; then
            sed 's/^/    | /' "$T/enf.err" | head -n 12
        fi
    done
done <"$TOP/tests/adversarial/guests.list"
finish
