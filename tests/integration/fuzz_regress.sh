#!/usr/bin/env bash
# The fuzzers (tests/fuzz/fuzz.mk) over their seeds and regression inputs
# (tests/fuzz/regress/NAME/: what `make fuzz` once found), each input run
# once: any crash, oracle trap or sanitizer report fails.  Fuzzing itself
# is `make fuzz`, never part of make test.
. "$(dirname "$0")/../lib.sh"
for t in prescan loader trace emul commands; do
    fz="$TOP/$BUILD/fuzz/fuzz_$t"
    if [ ! -x "$fz" ]; then not_ok "fuzz_$t" "$fz not built"; continue; fi
    dirs=("$TOP/$BUILD/fuzz/seeds/$t")
    [ -d "$TOP/tests/fuzz/regress/$t" ] && dirs+=("$TOP/tests/fuzz/regress/$t")
    n=$(find "${dirs[@]}" -type f | wc -l)
    log=$(mktemp)
    if "$fz" -runs=0 "${dirs[@]}" >"$log" 2>&1; then
        ok "fuzz_$t ($n inputs)"
    else
        tail -n 30 "$log"
        not_ok "fuzz_$t" "an input failed (log above)"
    fi
    rm -f "$log"
done
# The prescan fuzzer starts from real code filling its two pages (the old
# inputs never grew past 116 bytes): guests' code and libc's .text.
big=$(find "$TOP/$BUILD/fuzz/seeds/prescan" -type f -size +8k | wc -l)
libc=$(find "$TOP/$BUILD/fuzz/seeds/prescan" -name 'libc-text-*' | wc -l)
[ "$big" -ge 20 ] && ok "fuzz_prescan_seeds_fill_both_pages ($big of 8 KiB)" || not_ok fuzz_prescan_seeds_fill_both_pages "$big seeds of 8 KiB"
[ "$libc" -ge 20 ] || [ ! -e /lib/x86_64-linux-gnu/libc.so.6 ] && ok "fuzz_prescan_seeds_libc ($libc)" || not_ok fuzz_prescan_seeds_libc "$libc libc chunks"
finish
