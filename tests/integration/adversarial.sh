#!/usr/bin/env bash
# The adversarial guests (tests/adversarial/): each runs raw, then enforced
# at depths 0, 1 and 16, and at depths 0 and 16 with the technique
# switches on (--links on --smc insn), and must give the same output and
# status; no
# port I/O may come from an instruction scout did not trap (native_io=0),
# and scout must not have refused anything it should run (refused=0,
# unless the list says the guest asks for what cannot be guarded).  In the
# sanitizer build scout also checks its invariants at every exit.
source "$TOP/tests/lib.sh"
require_kvm adversarial
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
A="$TOP/$BUILD/adversarial"

while read -r name status refused args; do
    case "$name" in ''|'#'*) continue ;; esac
    base=${name%@*}     # NAME@tag: the same guest again with other ARGS
    img=$(ls "$A/$base".* 2>/dev/null | grep -v '\.o\|\.elf$' | head -n1)
    [ -n "$img" ] || { not_ok "$name" "not built"; continue; }
    [ "$args" = "-" ] && args=""
    # shellcheck disable=SC2086
    timeout 60 "$SCOUT" --raw $args "$img" >"$T/raw.out" 2>"$T/raw.err"; rc=$?
    expect_eq "$name: raw status" "$status" "$rc"
    for d in 0 1 16 0+ 16+; do
        sw=""
        case $d in *+) d=${d%+}; sw="--links on --smc insn" ;; esac
        # shellcheck disable=SC2086
        timeout 120 "$SCOUT" --depth $d $sw --stats $args "$img" >"$T/enf.out" 2>"$T/enf.err"; erc=$?
        [ -n "$sw" ] && d="$d $sw"
        expect_eq "$name: depth $d output = raw" "$(cat "$T/raw.out")" "$(cat "$T/enf.out")"
        expect_eq "$name: depth $d status = raw" "$rc" "$erc"
        expect_eq "$name: depth $d native I/O" 0 "$(stats_value "$T/enf.err" native_io)"
        expect_eq "$name: depth $d refused" "$refused" "$(stats_value "$T/enf.err" refused)"
        # the guests that attack the links must have had some to attack
        case "$name" in a64_link_*|a64_trap_patch*)
            [ -n "$sw" ] && expect_match "$name: depth $d links made" "^[1-9]" "$(stats_value "$T/enf.err" made)" ;;
        esac
        if [ "$erc" != "$rc" ] || [ "$(cat "$T/raw.out")" != "$(cat "$T/enf.out")" ]; then
            sed 's/^/    | /' "$T/enf.err" | head -n 12
        fi
    done
done <"$TOP/tests/adversarial/guests.list"
finish
