#!/usr/bin/env bash
# Boots every test guest under scout and checks output and exit status.
source "$TOP/tests/lib.sh"
require_kvm monitor_guests
OUT=$(mktemp); ERR=$(mktemp); trap 'rm -f "$OUT" "$ERR"' EXIT
run() { timeout 20 "$SCOUT" "$@" >"$OUT" 2>"$ERR"; RC=$?; }
NL=$'\n'

run "$GUESTS/hello_boot.bootsect"
expect_eq bootsector_output "hello from real mode" "$(cat "$OUT")"
expect_eq bootsector_status 0 "$RC"
expect_eq bootsector_hlt_message "scout: guest halted at rip=0x7c19 (interrupts disabled)" "$(cat "$ERR")"

run "$GUESTS/modeswitch.bootsect"
expect_eq modeswitch_output "real${NL}prot32${NL}long64" "$(cat "$OUT")"
expect_eq modeswitch_status 67 "$RC"

run --cmdline "console=a b" "$GUESTS/hello_mb.elf32"
expect_eq multiboot_elf_output "hello from protected mode${NL}cmdline: $GUESTS/hello_mb.elf32 console=a b${NL}mmap entries: 8" "$(cat "$OUT")"
expect_eq multiboot_elf_status 0 "$RC"

for v in 0 1 5 42; do
    run --cmdline "$v" "$GUESTS/exit_mb.bin"
    expect_eq "exit_device_$v" "$(( (v << 1) | 1 ))" "$RC"
    expect_eq "exit_device_${v}_quiet" "" "$(cat "$OUT" "$ERR")"
done

run "$GUESTS/hello64.elf64"
expect_eq elf64_cpl0_output "hello from long mode, cpl 0${NL}port 0x80 reads 0xff" "$(cat "$OUT")"
expect_eq elf64_cpl0_status 15 "$RC"

run --cpl 3 --stats "$GUESTS/hello64.elf64"
expect_eq elf64_cpl3_output "hello from long mode, cpl 3${NL}port 0x80 reads 0xff" "$(cat "$OUT")"
expect_eq elf64_cpl3_status 15 "$RC"
expect_match unknown_port_counted "unknown_port_reads=1 " "$(cat "$ERR")"

run --cpl 3 "$GUESTS/loop64-1000000.elf64"
expect_eq cpl3_loop_output "sum=0x000000746a5a2920" "$(cat "$OUT")"
expect_eq cpl3_loop_status 1 "$RC"

run --mode prot32 --load 0x200000 "$GUESTS/hello_flat.flat32"
expect_eq flat_output "hello from a flat binary" "$(cat "$OUT")"
expect_eq flat_status 33 "$RC"

run "$GUESTS/serial.elf32"
expect_eq serial_output "serial ok" "$(cat "$OUT")"
expect_eq serial_status 1 "$RC"

run "$GUESTS/fault64.elf64"
expect_eq pf_cpl0_status 4 "$RC"
expect_eq pf_cpl0_message "scout: guest #PF at rip=0x400000 addr=0x40000000 error=0x2; state:" "$(head -n1 "$ERR")"
expect_match pf_cpl0_state_unwound "rip=0000000000400000 rflags=[0-9a-f]+ mode=64 cpl=0" "$(cat "$ERR")"

run --cpl 3 "$GUESTS/fault64.elf64"
expect_eq pf_cpl3_status 4 "$RC"
expect_eq pf_cpl3_message "scout: guest #PF at rip=0x400000 addr=0x40000000 error=0x6; state:" "$(head -n1 "$ERR")"
expect_match pf_cpl3_state_unwound "rip=0000000000400000 rflags=[0-9a-f]+ mode=64 cpl=3" "$(cat "$ERR")"

run --mode prot32 --load 0x200000 "$GUESTS/ud32.flat32"
expect_eq ud_prot32_status 4 "$RC"
expect_eq ud_prot32_message "scout: guest #UD at rip=0x200000; state:" "$(head -n1 "$ERR")"

run "$GUESTS/triple64.elf64"
expect_eq triple_fault_status 4 "$RC"
expect_eq triple_fault_message "scout: guest triple fault (shutdown) at rip=0x400007; state:" "$(head -n1 "$ERR")"
expect_match triple_fault_state "rip=0000000000400007" "$(cat "$ERR")"

run --timeout 0.3 --mode long64 --cpl 3 "$GUESTS/spin64.flat64"
expect_eq timeout_status 124 "$RC"
expect_eq timeout_message "scout: guest timed out after 0.3 s at rip=0x100000; state:" "$(head -n1 "$ERR")"

# SIGINT stops the guest with its state printed
timeout --foreground 20 "$SCOUT" --mode long64 --cpl 3 "$GUESTS/spin64.flat64" >"$OUT" 2>"$ERR" & pid=$!
sleep 0.3; kill -INT $pid; wait $pid; RC=$?
expect_eq sigint_status 130 "$RC"
expect_eq sigint_message "scout: guest interrupted at rip=0x100000 (SIGINT); state:" "$(head -n1 "$ERR")"

run --raw --cmdline 3 "$GUESTS/exit_mb.bin"
expect_eq raw_mode_status 7 "$RC"

run --version
expect_match version_probe "single-step.*RIP at an OUT exit:.*(at|past) the OUT.*KVM_CAP_NR_MEMSLOTS\): [0-9]+" "$(tr '\n' ' ' <"$OUT")"
finish
