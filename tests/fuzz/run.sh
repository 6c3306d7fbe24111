#!/usr/bin/env bash
# tests/fuzz/run.sh BUILD SECONDS TARGET... — `make fuzz`: each fuzzer in
# turn for SECONDS on BUILD/fuzz/corpus/TARGET (grown from the seeds and
# tests/fuzz/regress/TARGET), crashes into BUILD/fuzz/crashes/TARGET/, its
# output in BUILD/fuzz/TARGET.log, one summary line per target (execs, the
# last cov:/ft: line, crashes) printed and appended to
# BUILD/fuzz/summary.txt.
set -u
build=$1 seconds=$2; shift 2
dir=$build/fuzz
args_of() {         # each harness's own limits
    case $1 in
        prescan) echo "-max_len=8300" ;;            # header, two pages of code, operations
        loader|trace) echo "-max_len=65536" ;;
        emul) echo "-max_len=16600" ;;              # CPU state, 15 bytes, 16 KiB of memory
        commands) echo "-max_len=4096 -timeout=20" ;;
    esac
}
rc_all=0
for t in "$@"; do
    mkdir -p "$dir/corpus/$t" "$dir/crashes/$t"
    regress=()
    [ -d "tests/fuzz/regress/$t" ] && regress=("tests/fuzz/regress/$t")
    echo "== fuzz_$t: $seconds s"
    # shellcheck disable=SC2046
    "$dir/fuzz_$t" -max_total_time="$seconds" -print_final_stats=1 -artifact_prefix="$dir/crashes/$t/" \
        $(args_of "$t") "$dir/corpus/$t" "$dir/seeds/$t" "${regress[@]}" >"$dir/$t.log" 2>&1
    rc=$?
    last=$(grep -E '^#[0-9]+' "$dir/$t.log" | tail -n1)
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/$t.log")
    crashes=$(find "$dir/crashes/$t" -type f | wc -l)
    line="fuzz_$t: $seconds s, execs=${execs:-?}, exit=$rc, crashes=$crashes; last: $last"
    echo "$line" | tee -a "$dir/summary.txt"
    [ "$rc" -eq 0 ] || rc_all=1
done
exit $rc_all
