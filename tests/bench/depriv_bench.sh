#!/usr/bin/env bash
# --deprivilege against scout's enforced CPL 0 and QEMU TCG, one run, on
# the CPL 0 bench guests.  bench_loop: iterations/s from two sizes each
# (start-up cancels); QEMU runs the same ELF64 (tests/bench/depriv_boot.s
# puts it in long mode).  calls/interp/smc: wall time at one size.  The
# exits of the deprivileged runs per second, by reason, from --stats.
set -u
cd "$(dirname "$0")/../.."
G="$BUILD/guests"; S="$BUILD/scout"
now() { date +%s.%N; }
timeit() { local t0 t1; t0=$(now); "$@" >/dev/null 2>&1; t1=$(now); echo "$t1 - $t0" | bc -l; }
rate() { echo "($2 - $1) / ($4 - $3)" | bc -l; }
loop() { echo "$G/bench_loop-$1.elf64"; }
read -r n0 ncpl0 nbig <<<"$N"
QEMU=(qemu-system-x86_64 -accel tcg -display none -no-reboot -m 128 -device isa-debug-exit,iobase=0xf4,iosize=0x04
      -debugcon stdio -kernel "$BUILD/bench/depriv_boot.mb64")

# loop_table TITLE GUESTFN QEMUFN: raw, enforced and deprivileged
# iterations/s of the loop GUESTFN N names, QEMU TCG's (QEMUFN PATH runs
# it), and the deprivileged run's exits and depriv: counters
loop_table() {
    local title=$1 guest=$2; shift 2
    local a b raw enf dep tdep qemu=0 want got
    a=$(timeit "$S" "$($guest "$n0")"); b=$(timeit "$S" "$($guest "$ncpl0")"); enf=$(rate "$n0" "$ncpl0" "$a" "$b")
    a=$(timeit "$S" --raw "$($guest "$n0")"); b=$(timeit "$S" --raw "$($guest "$ncpl0")"); raw=$(rate "$n0" "$ncpl0" "$a" "$b")
    a=$(timeit "$S" --deprivilege "$($guest "$n0")"); b=$(timeit "$S" --deprivilege "$($guest "$nbig")")
    dep=$(rate "$n0" "$nbig" "$a" "$b"); tdep=$b
    "$S" --deprivilege --stats "$($guest "$nbig")" 2>"$BUILD/bench/depriv_stats.txt" >/dev/null
    if command -v qemu-system-x86_64 >/dev/null; then
        # (as many iterations as the deprivileged run: with fewer, QEMU's
        # start-up noise is most of the difference and the rate means nothing)
        a=$(timeit "$@" "$($guest "$n0")"); b=$(timeit "$@" "$($guest "$nbig")"); qemu=$(rate "$n0" "$nbig" "$a" "$b")
        # the figure stands only if QEMU ran the loop to its end, as scout does
        want=$("$S" --raw "$($guest "$n0")" 2>/dev/null | head -1); got=$("$@" "$($guest "$n0")" 2>/dev/null | head -1)
        [ "$got" = "$want" ] || { echo "qemu: $title printed '$got', scout '$want': no QEMU figure"; qemu=0; }
    fi
    printf '\n%-40s %16s\n' "$title" "iterations/s"
    printf '%-40s %16.0f\n' "scout --raw (CPL 0, host-emulated)" "$raw"
    printf '%-40s %16.0f\n' "scout enforced CPL 0 (today)" "$enf"
    printf '%-40s %16.0f\n' "scout --deprivilege (real CPL 3)" "$dep"
    printf '%-40s %16.0f\n' "qemu -accel tcg" "$qemu"
    printf 'ratio deprivileged / enforced CPL 0:   %.0f\n' "$(echo "$dep / $enf" | bc -l)"
    [ "$(echo "$qemu > 0" | bc)" = 1 ] && printf 'ratio deprivileged / qemu tcg:         %.2f\n' "$(echo "$dep / $qemu" | bc -l)"
    printf 'deprivileged exits/s (%s iterations, %.2f s):' "$nbig" "$tdep"
    tr ' ' '\n' <"$BUILD/bench/depriv_stats.txt" | grep -E '^(vexits|computed|out-of-page|branch-unscanned|sensitive|deprivilege|io_exits)=' |
        while IFS== read -r k v; do printf ' %s=%.0f' "$k" "$(echo "$v / $tdep" | bc -l)"; done
    echo
    grep '^scout: depriv:' "$BUILD/bench/depriv_stats.txt" | sed 's/^scout: /deprivileged /'
}
# bench_loop: scout's boot tables (QEMU: the same ELF behind depriv_boot);
# bench_loop_mb: the loop in a kernel that enters long mode with tables of
# its own -- the shadow page tables' path (QEMU boots it as it is)
mb() { echo "$G/bench_loop_mb-$1.mb64"; }
qemu_loader() { "${QEMU[@]}" -device loader,file="$1"; }
qemu_kernel() { "${QEMU[@]:0:${#QEMU[@]}-1}" "$1"; }     # (QEMU's line ends with -kernel)
loop_table "bench_loop (CPL 0 guest)" loop qemu_loader
loop_table "bench_loop_mb (own tables, CPL 0)" mb qemu_kernel

# which CPL 3 code this host runs natively: 64-bit, and 32-bit
# (compatibility mode) -- only native code gains from being deprivileged
c3() { echo "$G/cpl3_loop-$1.elf64"; }
a=$(timeit "$S" --raw "$(c3 64-1000)"); b=$(timeit "$S" --raw "$(c3 64-400000000)"); n64=$(rate 1000 400000000 "$a" "$b")
a=$(timeit "$S" --raw "$(c3 32-1000)"); b=$(timeit "$S" --raw "$(c3 32-1000000)"); n32=$(rate 1000 1000000 "$a" "$b")
printf '\n%-40s %16s\n' "CPL 3 loop, --raw" "iterations/s"
printf '%-40s %16.0f\n' "64-bit code" "$n64"
printf '%-40s %16.0f\n' "32-bit code (compatibility mode)" "$n32"

printf '\n%-14s %14s %14s %8s\n' "guest (2000)" "enforced s" "depriv s" "ratio"
for g in calls interp smc; do
    e=$(timeit "$S" "$G/bench_$g-2000.elf64"); d=$(timeit "$S" --deprivilege "$G/bench_$g-2000.elf64")
    printf '%-14s %14.3f %14.3f %8.1f\n' "bench_$g" "$e" "$d" "$(echo "$e / $d" | bc -l)"
done
e=$(timeit "$S" --batch); d=$(timeit "$S" --batch --deprivilege)     # the built-in demo
printf '%-14s %14.3f %14.3f %8.1f\n' "demo" "$e" "$d" "$(echo "$e / $d" | bc -l)"
