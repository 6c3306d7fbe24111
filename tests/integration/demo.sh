#!/usr/bin/env bash
# The built-in demo guest (src/ui/demo/demo.s): exact output, exit status,
# raw vs enforced equality at depths 0, 1 and 16, that every section really
# took the path it claims (from --stats), and that it finishes in seconds.
source "$TOP/tests/lib.sh"
require_kvm demo
OUT=$(mktemp); ERR=$(mktemp); trap 'rm -f "$OUT" "$ERR" "$OUT".*' EXIT

# Batch mode: --batch where the front end has it; otherwise stdout that is
# not a terminal means batch.
BATCH=()
"$SCOUT" --help 2>/dev/null | grep -q -- '--batch' && BATCH=(--batch)
run() {   # run [scout options...]: no guest argument = the demo
    local t0 t1
    t0=$(date +%s%N)
    timeout 20 "$SCOUT" "${BATCH[@]}" "$@" </dev/null >"$OUT" 2>"$ERR"; RC=$?
    t1=$(date +%s%N)
    MS=$(( (t1 - t0) / 1000000 ))
}

# Written from demo.s.  The CPUID vendor is the host's: checked by pattern.
read -r -d '' EXPECTED <<'EOF'
scout demo: one guest, every kind of code the monitor has to handle
[lazy] jmp forward over a hole to code no scan has reached yet ... arrived
[loop] sum of 1..1000 = 500500 (1000 passes; native after the first)
[call] called mul_far in the next page (0x401000) and returned: 6*7 = 42
[jumptable] ops inc,inc,dbl,dbl,inc dispatched by 'jmp *(%rdx,%rax,8)': acc = 9
[smc] patched 'mov $1,%eax' -> 'mov $2,%eax': result 1 then 2
[data] incremented a counter kept in this code page 3 times: 3
[overlap] movabs, then a jump into its imm64 (code 'mov $0x42,%al; out; jmp'), twice: ABAB
[crosspage] movabs at 0x401ffc (4 bytes in page 1, 6 in page 2) loaded 0x0102030405060708
[cpuid] leaf 0 vendor 'VENDOR'
[pushf/popf] set DF with popf, pushf reads DF = 1
[cli/sti] IF after sti = 1, after cli = 0
[sgdt/sidt] GDT limit 0x003f, IDT limit 0x0fff
[in/out] out 0x03 to UART LCR (port 0x3fb), in reads back 0x03
[mov cr] cr0 read and written back: PG = 1; cr4.PAE = 1
[exit] done: exit status 0 through the exit device (port 0xf4)
EOF

run --stats
# The exit device reports guest status 0 as scout exit status (0 << 1) | 1.
expect_eq demo_status 1 "$RC"
vendor=$(sed -n "s/^\[cpuid\] leaf 0 vendor '\(.*\)'$/\1/p" "$OUT")
expect_match demo_cpuid_vendor '^[[:print:]]{12}$' "$vendor"
expect_eq demo_output "$EXPECTED" "$(sed "s/^\[cpuid\] leaf 0 vendor '.*'$/[cpuid] leaf 0 vendor 'VENDOR'/" "$OUT")"
expect_eq demo_no_errors "" "$(grep -v '^scout: \(stats\|enforce\|guard\|writes\|prescan\):' "$ERR")"
if [ "$MS" -lt 5000 ]; then ok demo_fast; else not_ok demo_fast "took $MS ms (more than 5 s)"; fi
# The sections took the paths they describe (default depth).
stats=$(cat "$ERR")
expect_match demo_smc_invalidates ' invalidations=1 ' "$stats"
expect_match demo_data_writes ' data_writes=[1-9][0-9]* ' "$stats"
expect_match demo_out_of_page ' out-of-page=[1-9]' "$stats"
expect_match demo_computed ' computed=[1-9]' "$stats"
expect_match demo_crosses_page ' crosses-page=[1-9]' "$stats"
expect_match demo_overlap ' overlap=[1-9]' "$stats"
expect_match demo_sensitive ' sensitive=[1-9]' "$stats"
expect_match demo_three_pages ' pages_live=3 ' "$stats"
cp "$OUT" "$OUT.enforced"

run --raw
expect_eq demo_raw_status 1 "$RC"
cp "$OUT" "$OUT.raw"
expect_eq demo_raw_equals_enforced "$(cat "$OUT.enforced")" "$(cat "$OUT.raw")"

for d in 0 1 16; do
    run --stats --depth "$d"
    expect_eq "demo_depth${d}_status" 1 "$RC"
    expect_eq "demo_depth${d}_equals_raw" "$(cat "$OUT.raw")" "$(cat "$OUT")"
    if [ "$MS" -lt 5000 ]; then ok "demo_depth${d}_fast"; else not_ok "demo_depth${d}_fast" "took $MS ms"; fi
    # the lazy jmp traps once and is resolved only when nothing scans ahead
    if [ "$d" = 0 ]; then
        expect_match demo_depth0_lazy_resolved ' resolved=[1-9]' "$(cat "$ERR")"
    fi
done
finish
