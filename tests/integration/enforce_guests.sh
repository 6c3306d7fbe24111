#!/usr/bin/env bash
# Scan-before-execute under KVM: every guest runs raw and enforced at depths
# 0, 1 and 16 with identical output and status; per-case counters from
# --stats show that each mechanism actually happened.
source "$TOP/tests/lib.sh"
require_kvm enforce
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT

# run NAME ARGS... -> $T/NAME.out (stdout), .err, .rc
run() { local n=$1; shift; timeout 60 "$SCOUT" "$@" >"$T/$n.out" 2>"$T/$n.err"; echo $? >"$T/$n.rc"; }
# stat NAME KEY -> the number after KEY= in the --stats lines
stat() { stats_value "$T/$1.err" "$2"; }    # stat NAME KEY: run NAME's counter

# check GUEST "ARGS" EXPECTED_STATUS EXPECTED_OUTPUT
check() {
    local g=$1 args=$2 want_rc=$3 want_out=$4 name
    name=$(basename "$g"); name=${name%.*}
    run "$name-raw" --raw $args "$GUESTS/$g"
    expect_eq "$name: raw output" "$want_out" "$(cat "$T/$name-raw.out")"
    expect_eq "$name: raw status" "$want_rc" "$(cat "$T/$name-raw.rc")"
    for d in 0 1 16; do
        run "$name-d$d" --depth $d --stats $args "$GUESTS/$g"
        expect_eq "$name: depth $d output = raw" "$(cat "$T/$name-raw.out")" "$(cat "$T/$name-d$d.out")"
        expect_eq "$name: depth $d status" "$want_rc" "$(cat "$T/$name-d$d.rc")"
        [ "$(stat "$name-d$d" native_io)" = 0 ] || not_ok "$name: depth $d native I/O" "$(stat "$name-d$d" native_io)"
    done
}
ge() { if [ "${2:-0}" -ge "$3" ]; then ok "$1"; else not_ok "$1" "$2 < $3"; fi; }
gt() { if [ "${2:-0}" -gt "${3:-0}" ]; then ok "$1"; else not_ok "$1" "${2:-?} is not > ${3:-?}"; fi; }

check enf_lazy.elf64 "" 1 $'lazy: branching forward\nlazy: done'
ge "lazy: depth 0 resolves branches at their trap" "$(stat enf_lazy-d0 resolved)" 2
expect_eq "lazy: depth 16 needs no resolving" 0 "$(stat enf_lazy-d16 branch-unscanned)"

check enf_loop-10.elf64 "" 1 "loop: sum=0x00000037"
check enf_loop-1000.elf64 "" 1 "loop: sum=0x0007a314"
for d in 0 1 16; do
    expect_eq "loop: depth $d exits do not grow with iterations" \
        "$(stat enf_loop-10-d$d vexits)" "$(stat enf_loop-1000-d$d vexits)"
done

check enf_depth.elf64 "" 1 "depth: links=0x18"
gt "depth: fewer exits at depth 1 than 0" "$(stat enf_depth-d0 vexits)" "$(stat enf_depth-d1 vexits)"
gt "depth: fewer exits at depth 16 than 1" "$(stat enf_depth-d1 vexits)" "$(stat enf_depth-d16 vexits)"

check enf_farcall.elf64 "" 1 "farcall: total=0x0024"
ge "farcall: out-of-page branches emulated" "$(stat enf_farcall-d16 out-of-page)" 3
ge "farcall: returns emulated" "$(stat enf_farcall-d16 computed)" 7

check enf_jumptable.elf64 "" 1 $'jumptable: acc=0x0008\njumptable: acc=0x0012'
ge "jumptable: computed jumps emulated" "$(stat enf_jumptable-d16 computed)" 9

check enf_smc.elf64 "" 1 "smc: before/after=0x11 0x22"
for d in 0 1 16; do ge "smc: depth $d invalidates" "$(stat enf_smc-d$d invalidations)" 1; done

check enf_data.elf64 "" 1 "data: counter=0x04"
for d in 0 1 16; do
    expect_eq "data: depth $d no invalidation" 0 "$(stat enf_data-d$d invalidations)"
    ge "data: depth $d data writes" "$(stat enf_data-d$d data_writes)" 4
done

check enf_overlap.elf64 "" 1 "overlap: ABAB"
ge "overlap: the covering movabs is virtualized" "$(stat enf_overlap-d16 overlap)" 1

check enf_crosspage.elf64 "" 1 "crosspage: sum=0x0306090c0f121518"
ge "crosspage: stepped in place each time" "$(stat enf_crosspage-d16 crosses-page)" 3

# The guest checks that the CPUID vendor is 12 printable characters (0x1).
check enf_sensitive.elf64 "" 0 "$(printf '%s\n' "cpuid: 0x1" \
    "popf df=0x1" "sti/cli if=0x10x0" "sgdt/sidt limits=0x003f0x0fff" "in lcr=0x03" \
    "cr0.pg,cr4.pae=0x10x1" "hlt")"
ge "sensitive: exits for each family" "$(stat enf_sensitive-d16 sensitive)" 10
expect_match "sensitive: HLT ends the run" "guest halted at rip=0x[0-9a-f]+ \(interrupts disabled\)" \
    "$(cat "$T/enf_sensitive-d16.err")"

check enf_trapwrite.elf64 "" 1 "trapwrite: Y"
ge "trapwrite: writing the trap byte invalidates" "$(stat enf_trapwrite-d16 invalidations)" 2
check enf_trapmiddle.elf64 "" 1 "trapmiddle: ok"

check enf_cpl3.elf64 "--cpl 3" 5 "cpl3: total=0x13ba"
check modeswitch.bootsect "" 67 $'real\nprot32\nlong64'
ge "modeswitch: far jumps stepped in place" "$(stat modeswitch-d16 far)" 2
# Guests whose exact raw output monitor_guests.sh checks: enforced = raw here.
same_as_raw() {
    local g=$1 args=$2 name; name=$(basename "$g"); name=${name%.*}
    run "$name-raw" --raw $args "$GUESTS/$g"
    for d in 0 1 16; do
        run "$name-d$d" --depth $d $args "$GUESTS/$g"
        expect_eq "$name: depth $d output = raw" "$(cat "$T/$name-raw.out")" "$(cat "$T/$name-d$d.out")"
        expect_eq "$name: depth $d status = raw" "$(cat "$T/$name-raw.rc")" "$(cat "$T/$name-d$d.rc")"
    done
}
same_as_raw hello_boot.bootsect ""
same_as_raw hello_mb.elf32 ""
same_as_raw serial.elf32 ""
same_as_raw hello64.elf64 ""
same_as_raw hello64.elf64 "--cpl 3"
same_as_raw hello_flat.flat32 "--mode prot32 --load 0x200000"
same_as_raw exit_mb.bin "--cmdline 5"
same_as_raw loop64-1000000.elf64 "--cpl 3"
same_as_raw fault64.elf64 ""
same_as_raw fault64.elf64 "--cpl 3"
same_as_raw ud32.flat32 "--mode prot32 --load 0x200000"
same_as_raw triple64.elf64 ""
# the exception reports (first stderr line) match too
for g in fault64 ud32 triple64; do
    expect_eq "$g: exception report = raw" "$(head -n1 "$T/$g-raw.err")" "$(head -n1 "$T/$g-d16.err")"
done

# Undecodable bytes: the monitor injects #UD as the CPU would.
check enf_undecodable.elf64 "" 4 "undecodable: about to run 0x06"
expect_eq "undecodable: same #UD report as raw" "$(head -n1 "$T/enf_undecodable-raw.err")" \
    "$(grep -m1 '^scout: guest' "$T/enf_undecodable-d16.err")"
expect_eq "undecodable: #UD injected once" 1 "$(stat enf_undecodable-d16 ud)"

# String writes (one exit per byte) and a store straddling the page end.
check enf_strwrite.elf64 "" 1 "strwrite: copied0x48474645"
for d in 0 16; do
    expect_eq "strwrite: depth $d no invalidation" 0 "$(stat enf_strwrite-d$d invalidations)"
    expect_eq "strwrite: depth $d 16 byte writes + 1 straddling store" 17 "$(stat enf_strwrite-d$d data_writes)"
done

# Review reproducers: each once ran guest code that was never scanned.
# (SAN=1 builds check the scanned-RIP invariant at every exit, so there they
# also prove nothing unscanned ran.)
check enf_selfjump.elf64 "" 1 "U"
ge "selfjump: overlap-forced jmp into its own bytes" "$(stat enf_selfjump-d16 overlap)" 1
check enf_pageend.elf64 "" 1 "P"
ge "pageend: falling off the page end is guarded" "$(stat enf_pageend-d16 out-of-page)" 1
check enf_reserved.elf64 "" 1 "R"
check enf_crosstrap.elf64 "" 1 $'x\nK'
check enf_syscall.elf64 "" 1 "S"
check enf_cr3.elf64 "" 1 "N"
check enf_idt.elf64 "" 1 "E"
ge "crosstrap: stepped in place with both pages' bytes" "$(stat enf_crosstrap-d16 crosses-page)" 1

# Injected writes go through the same check: a poke into a scanned
# instruction invalidates, a poke into unscanned bytes is a data write.
# the same value as before: the check looks at overlap, not at values
run poke-hit --stats --poke 0x400000=b9 "$GUESTS/enf_loop-10.elf64"
expect_eq "poke into scanned code invalidates" 1 "$(stat poke-hit invalidations)"
expect_eq "poke of the same byte: guest unaffected" "loop: sum=0x00000037" "$(cat "$T/poke-hit.out")"
run poke-data --stats --poke 0x400f00=00 "$GUESTS/enf_loop-10.elf64"
expect_eq "poke into unscanned bytes: no invalidation" 0 "$(stat poke-data invalidations)"
expect_eq "poke into unscanned bytes: a data write" 1 "$(stat poke-data data_writes)"
expect_eq "poke data: guest unaffected" "loop: sum=0x00000037" "$(cat "$T/poke-data.out")"
run poke-bad --poke 0x7fffffff=90 "$GUESTS/enf_loop-10.elf64"
expect_eq "poke outside RAM: status" 2 "$(cat "$T/poke-bad.rc")"
expect_match "poke outside RAM: message" "^scout: --poke 0x7fffffff=90: 0x7fffffff\+1 is outside guest memory" "$(cat "$T/poke-bad.err")"

# Bad guest behaviour under enforcement.
run spin --timeout 0.5 --mode long64 --cpl 3 "$GUESTS/spin64.flat64"
expect_eq "runaway guest: timeout status" 124 "$(cat "$T/spin.rc")"
expect_match "runaway guest: state printed" "timed out after 0.5 s.*rip=" "$(cat "$T/spin.err")"
run slots --max-memslots 2 "$GUESTS/enf_farcall.elf64"
expect_eq "memslot exhaustion: status" 2 "$(cat "$T/slots.rc")"
# (the first page to protect is scout's exception-stub page: its handlers are guarded)
expect_match "memslot exhaustion: message" "^scout: out of KVM memory slots \(1 in use\) protecting page 0x[0-9a-f]+; state:$" \
    "$(head -n1 "$T/slots.err")"
finish
