#!/usr/bin/env bash
# Raw-mode guest speed under scout and under QEMU TCG, measured in one run.
# Rate = (N_big - N_small) / (t_big - t_small), so start-up cost cancels.
set -u
cd "$(dirname "$0")/../.."
G="$BUILD/guests"; S="$BUILD/scout"
now() { date +%s.%N; }
timeit() {  # prints wall seconds of "$@" (output discarded)
    local t0 t1; t0=$(now); "$@" >/dev/null 2>&1; t1=$(now)
    echo "$t1 - $t0" | bc -l
}
rate() {  # n0 n1 t0 t1 -> iterations/s
    echo "($2 - $1) / ($4 - $3)" | bc -l
}
read -r c0 c1 <<<"$CPL0_N"; read -r q0 q1 <<<"$QEMU_N"; read -r u0 u1 <<<"$CPL3_N"; read -r m0 m1 <<<"$QEMU3_N"
QEMU=(qemu-system-x86_64 -accel tcg -display none -no-reboot -m 64 -device isa-debug-exit,iobase=0xf4,iosize=0x04 -debugcon stdio)

have_qemu=0; command -v qemu-system-x86_64 >/dev/null && have_qemu=1
s0=$(timeit "$S" --raw "$G/bench32-$c0.elf32"); s1=$(timeit "$S" --raw "$G/bench32-$c1.elf32")
scout_cpl0=$(rate "$c0" "$c1" "$s0" "$s1")
qemu_cpl0=0; qb=0; qemu_cpl3=0; mb=0
if [ $have_qemu = 1 ]; then
    qa=$(timeit "${QEMU[@]}" -kernel "$G/bench32-$q0.elf32"); qb=$(timeit "${QEMU[@]}" -kernel "$G/bench32-$q1.elf32")
    qemu_cpl0=$(rate "$q0" "$q1" "$qa" "$qb")
fi
u0t=$(timeit "$S" --raw --cpl 3 "$G/loop64-$u0.elf64"); u1t=$(timeit "$S" --raw --cpl 3 "$G/loop64-$u1.elf64")
scout_cpl3=$(rate "$u0" "$u1" "$u0t" "$u1t")
# the same CPL 3 loop as a Multiboot kernel that enters long mode and CPL 3 itself
v0t=$(timeit "$S" --raw "$G/loop64_mb-$u0.mb64"); v1t=$(timeit "$S" --raw "$G/loop64_mb-$u1.mb64")
scout_mb3=$(rate "$u0" "$u1" "$v0t" "$v1t")
if [ $have_qemu = 1 ]; then
    ma=$(timeit "${QEMU[@]}" -kernel "$G/loop64_mb-$m0.mb64"); mb=$(timeit "${QEMU[@]}" -kernel "$G/loop64_mb-$m1.mb64")
    qemu_cpl3=$(rate "$m0" "$m1" "$ma" "$mb")
fi

printf '\n%-38s %12s %10s %16s\n' "guest (raw mode)" "iterations" "wall s" "iterations/s"
printf '%-38s %12s %10.3f %16.0f\n' "scout  CPL0 prot32 (bench32)" "$c1" "$s1" "$scout_cpl0"
printf '%-38s %12s %10.3f %16.0f\n' "qemu   CPL0 prot32 (bench32, tcg)" "$q1" "$qb" "$qemu_cpl0"
printf '%-38s %12s %10.3f %16.0f\n' "scout  CPL3 long64 (loop64, --cpl 3)" "$u1" "$u1t" "$scout_cpl3"
printf '%-38s %12s %10.3f %16.0f\n' "scout  CPL3 long64 (loop64_mb)" "$u1" "$v1t" "$scout_mb3"
printf '%-38s %12s %10.3f %16.0f\n' "qemu   CPL3 long64 (loop64_mb, tcg)" "$m1" "$mb" "$qemu_cpl3"
echo
if [ $have_qemu = 1 ]; then
    printf 'ratio scout/qemu, CPL0 loop:                  %.4f\n' "$(echo "$scout_cpl0 / $qemu_cpl0" | bc -l)"
    printf 'ratio scout/qemu, CPL3 loop (loop64 --cpl 3): %.2f\n' "$(echo "$scout_cpl3 / $qemu_cpl3" | bc -l)"
    printf 'ratio scout/qemu, CPL3 loop (loop64_mb):      %.2f\n' "$(echo "$scout_mb3 / $qemu_cpl3" | bc -l)"
else
    echo "qemu-system-x86_64 not found: no QEMU figures"
fi
printf 'ratio scout CPL3 / scout CPL0 loop:           %.0f\n' "$(echo "$scout_cpl3 / $scout_cpl0" | bc -l)"
echo "loop64 and loop64_mb are add/dec/jnz (3 instr/iter), bench32 is dec/jnz (2 instr/iter);"
echo "loop64_mb enters long mode and CPL 3 itself from Multiboot's 32-bit entry (qemu -kernel loads it)."
