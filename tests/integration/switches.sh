#!/usr/bin/env bash
# The technique switches --links on|off / set links and --smc page|insn /
# set smc: bad values, defaults, the stats lines, the map's link mark (L),
# poke under smc insn, the trace's option events, and guests giving the
# same output and status as --raw with the switches on.  bench_calls: page
# 0x401000 (mix_a, calls mix_b at 0x402000), mix_c at 0x403000; its three
# cross-page call sites are what links can make native.
source "$TOP/tests/lib.sh"
require_kvm switches
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
CALLS="$GUESTS/bench_calls-50.elf64"
SMC="$GUESTS/bench_smc-800.elf64"
sc() { timeout 60 "$SCOUT" "$@" >"$T/out" 2>"$T/err"; RC=$?; }
out() { cat "$T/out"; }
err() { cat "$T/err"; }
stat() { stats_value "$T/err" "$1"; }    # stat KEY: the last run's counter

# ── bad values: one line, status 2 ──
sc --links maybe "$CALLS"
expect_eq links_bad "2 scout: --links maybe: must be off or on" "$RC $(err)"
sc --smc bytes "$CALLS"
expect_eq smc_bad "2 scout: --smc bytes: must be page or insn" "$RC $(err)"
sc -ex 'set links maybe' -ex 'set smc 1' "$CALLS"
expect_eq set_bad "-ex 1: set: links: \"maybe\" is not one of: off, on" "$(err)"

# ── defaults: off and page; no lines for them in --stats ──
sc --cpl 3 --raw "$CALLS"
RAW=$(out) RAWRC=$RC
sc --cpl 3 --stats "$CALLS"
expect_eq default_output "$RAW $RAWRC" "$(out) $RC"
expect_eq default_out_of_page 150 "$(stat out-of-page)"
expect_eq default_no_switch_lines "" "$(grep -E '^scout: (links|smc):' "$T/err")"

# ── links on: each call site traps once, then runs native ──
sc --cpl 3 --stats --links on "$CALLS"
expect_eq links_output "$RAW $RAWRC" "$(out) $RC"
expect_eq links_out_of_page 3 "$(stat out-of-page)"
expect_eq links_line "scout: links: on made=3 cut=0 live=3" "$(grep '^scout: links:' "$T/err")"
expect_eq links_native_io 0 "$(stat native_io)"
sc --stats --links on "$CALLS"                  # CPL 0 too
expect_eq links_cpl0_output "$RAW $RAWRC" "$(out) $RC"
expect_eq links_cpl0_made 3 "$(stat made)"

# ── smc insn: bench_smc rewrites an immediate: the page stays ──
sc --cpl 3 --raw "$SMC"
SRAW=$(out) SRAWRC=$RC
sc --cpl 3 --stats --smc insn "$SMC"
expect_eq smc_output "$SRAW $SRAWRC" "$(out) $RC"
expect_eq smc_line "scout: smc: insn kept=800 dumped=0" "$(grep '^scout: smc:' "$T/err")"
expect_eq smc_invalidations 0 "$(stat invalidations)"
sc --cpl 3 --stats --smc page "$SMC"
expect_eq smc_page_invalidations 800 "$(stat invalidations)"
sc --cpl 3 --stats --smc insn --links on --depth 0 "$SMC"
expect_eq smc_links_lazy_output "$SRAW $SRAWRC" "$(out) $RC"

# ── set / show, the map's L, poke, stats, links off ──
sc --cpl 3 -ex 'show links' -ex 'show smc' -ex 'set links on' -ex 'set smc insn' -ex 'show links' -ex 'show smc' \
   -ex run -ex 'map 0x402000' -ex 'poke 0x401003 2e' -ex 'poke 0x402000 90' -ex 'map 0x402000' -ex stats \
   -ex 'set links off' -ex stats "$CALLS"
expect_eq set_show "links = off
smc = page
links = on
smc = insn" "$(out | head -n4)"
expect_eq map_links_in "links in: 1 branch in other pages land here natively (L)" "$(out | grep '^links in:')"
expect_match map_mark "^000 L--n" "$(out | grep -m1 '^000 ')"
expect_eq poke_kept "poke 0x401003 (physical 0x401003): 1 byte, scanned instructions rewritten in place, page kept (smc insn)" \
    "$(out | grep -m1 '^poke 0x401003')"
expect_eq poke_dumped "poke 0x402000 (physical 0x402000): 1 byte, invalidated 1 page (5 attributes dropped)" \
    "$(out | grep -m1 '^poke 0x402000')"
expect_match map_mark_gone "^000 WXX" "$(out | grep '^000 ' | sed -n 2p)"
expect_eq stats_lines "links: on made=3 cut=1 live=2
smc: insn kept=1 dumped=1
links: off made=3 cut=3 live=0
smc: insn kept=1 dumped=1" "$(out | grep -E '^(links|smc):')"

# forget drops the page whatever smc says (it writes a byte back unchanged),
# and the link into it with it
sc --cpl 3 --smc insn --links on -ex run -ex 'forget 0x402000' -ex 'map 0x402000' -ex stats "$CALLS"
expect_eq forget_smc_insn "page 0x402000: attributes and traps dropped (breakpoints kept)
page 0x402000 mode 64 (no attribute page): 0 instructions scanned, 0 virtualize, 0 trap bytes
links: on made=3 cut=1 live=2" "$(out | grep -E '^(page 0x402000|links:)')"

# ── the trace says which switches were on (only when not the default) ──
sc --cpl 3 --links on --smc insn --trace "$T/t1" "$CALLS"
expect_eq trace_options "option name=links value=on
option name=smc value=insn" "$(grep -o 'option name=\(links\|smc\) value=[a-z]*' "$T/t1")"
sc --cpl 3 --trace "$T/t2" "$CALLS"
expect_eq trace_default_options "" "$(grep -o 'option name=\(links\|smc\)' "$T/t2")"
sc --cpl 3 --trace "$T/t3" -ex 'set links on' -ex run "$CALLS"
expect_match trace_set_event "option name=links value=on" "$(cat "$T/t3")"

# ── guests with both switches equal raw, at every depth ──
for g in enf_crosspage enf_lazy enf_smc bench_interp-50 bench_loop-50; do
    img="$GUESTS/$g.elf64"
    [ -f "$img" ] || continue
    sc --raw "$img"; r="$(out) $RC"
    for d in 0 1 16; do
        sc --depth $d --links on --smc insn --stats "$img"
        expect_eq "$g depth $d" "$r" "$(out) $RC"
        expect_eq "$g depth $d native_io" 0 "$(stat native_io)"
    done
done
finish
