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
read -r c0 c1 <<<"$CPL0_N"; read -r q0 q1 <<<"$QEMU_N"; read -r u0 u1 <<<"$CPL3_N"
QEMU=(qemu-system-x86_64 -accel tcg -display none -no-reboot -m 64 -device isa-debug-exit,iobase=0xf4,iosize=0x04 -debugcon stdio)

s0=$(timeit "$S" --raw "$G/bench32-$c0.elf32"); s1=$(timeit "$S" --raw "$G/bench32-$c1.elf32")
scout_cpl0=$(rate "$c0" "$c1" "$s0" "$s1")
if command -v qemu-system-x86_64 >/dev/null; then
    qa=$(timeit "${QEMU[@]}" -kernel "$G/bench32-$q0.elf32"); qb=$(timeit "${QEMU[@]}" -kernel "$G/bench32-$q1.elf32")
    qemu_cpl0=$(rate "$q0" "$q1" "$qa" "$qb")
else qemu_cpl0=0; qb=0; fi
u0t=$(timeit "$S" --raw --cpl 3 "$G/loop64-$u0.elf64"); u1t=$(timeit "$S" --raw --cpl 3 "$G/loop64-$u1.elf64")
scout_cpl3=$(rate "$u0" "$u1" "$u0t" "$u1t")

printf '\n%-34s %12s %10s %16s\n' "guest (raw mode)" "iterations" "wall s" "iterations/s"
printf '%-34s %12s %10.3f %16.0f\n' "scout  CPL0 prot32 (bench32)" "$c1" "$s1" "$scout_cpl0"
printf '%-34s %12s %10.3f %16.0f\n' "qemu   CPL0 prot32 (bench32, tcg)" "$q1" "$qb" "$qemu_cpl0"
printf '%-34s %12s %10.3f %16.0f\n' "scout  CPL3 long64 (loop64)" "$u1" "$u1t" "$scout_cpl3"
printf '%-34s %12s %10s %16s\n' "qemu   CPL3 long64" "-" "-" "n/a (*)"
echo
if [ "$(echo "$qemu_cpl0 > 0" | bc)" = 1 ]; then
    printf 'ratio scout/qemu, CPL0 loop:          %.4f\n' "$(echo "$scout_cpl0 / $qemu_cpl0" | bc -l)"
    printf 'ratio scout CPL3 / qemu CPL0 loop:    %.1f\n' "$(echo "$scout_cpl3 / $qemu_cpl0" | bc -l)"
fi
printf 'ratio scout CPL3 / scout CPL0 loop:   %.0f\n' "$(echo "$scout_cpl3 / $scout_cpl0" | bc -l)"
echo "(*) qemu -kernel cannot load an ELF64 and there is no multiboot CPL3 loop guest yet."
echo "    loop64 is add/dec/jnz (3 instr/iter), bench32 is dec/jnz (2 instr/iter)."
