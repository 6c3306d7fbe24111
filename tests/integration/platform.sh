#!/usr/bin/env bash
# The PC platform: the platform guests (tests/guests/*.mb64, booted as
# multiboot kernels) raw and enforced -- the same output and status, and,
# for the interrupt-driven ones, the same trace on two runs; HLT waiting
# for interrupts (and ending when nothing can wake it), --timeout and
# Ctrl-C while halted, --device, and the stats of the interrupt path.
source "$TOP/tests/lib.sh"
require_kvm platform
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
NL=$'\n'
run() { timeout 60 "$SCOUT" "$@" >"$T/out" 2>"$T/err"; RC=$?; }

PIT_OUT="8259: ticks=0x05 isr=0x01${NL}ioapic: ticks=0x05 version=0x00170020"
LAPIC_OUT="lapic: version=0x14 periodic=5 oneshot=1 deadline=1${NL}x2apic: version=0x14 id=0x00${NL}done"
FW_OUT="fw_cfg: QEMU id=0x3 cpus=0x1 max=0x1 ram=0x08000000
etc/e820: entries=0x08
  0x000000000 0x00009fc00 0x1
  0x00009fc00 0x000000400 0x2
  0x0000e0000 0x000020000 0x2
  0x000100000 0x007ec0000 0x1
  0x007fc0000 0x000040000 0x2
  0x0fec00000 0x000001000 0x2
  0x0fee00000 0x000001000 0x2
  0x0fffc0000 0x000040000 0x2
dma: QEMU
acpi: rsdp=0xe0000 revision=0x2
rsdt: FACP APIC${NL}fadt: pm timer=0x608 madt: lapic=0xfee00000 ioapic=0xfec00000
pm timer counts
cmos: ram MiB=0x0080 status d=0x80
pci 00:00.0: 0xffffffff"
TD_OUT="pc-testdev: data=0x12345678 word=0x1234 ioram=0x1122334455667788${NL}irq5 taken: 0x1"

for mode in raw enforced; do
    m=(); [ $mode = raw ] && m=(--raw)
    run "${m[@]}" "$GUESTS/irq_pit.mb64"
    expect_eq "irq_pit $mode: output" "$PIT_OUT" "$(cat "$T/out")"
    expect_eq "irq_pit $mode: status" 1 "$RC"
    run "${m[@]}" "$GUESTS/irq_lapic.mb64"
    expect_eq "irq_lapic $mode: output" "$LAPIC_OUT" "$(cat "$T/out")"
    expect_eq "irq_lapic $mode: status" 0 "$RC"
    expect_match "irq_lapic $mode: a halt nothing can end ends the run" \
        "^scout: guest halted at rip=0x[0-9a-f]+ \(interrupts enabled, but nothing is armed to wake it\)$" "$(cat "$T/err")"
    run "${m[@]}" "$GUESTS/fw_acpi.mb64"
    expect_eq "fw_acpi $mode: output" "$FW_OUT" "$(sed 's/ $//' "$T/out")"
    expect_eq "fw_acpi $mode: status" 1 "$RC"
    run "${m[@]}" --mem 64M "$GUESTS/fw_acpi.mb64"
    expect_match "fw_acpi $mode: RAM follows --mem" "ram=0x04000000.*cmos: ram MiB=0x0040" "$(cat "$T/out" | tr '\n' ' ')"
    run "${m[@]}" --device pc-testdev "$GUESTS/testdev.mb64"
    expect_eq "testdev $mode: output" "$TD_OUT" "$(cat "$T/out")"
    expect_eq "testdev $mode: status" 1 "$RC"
    run "${m[@]}" "$GUESTS/testdev.mb64"
    expect_eq "testdev $mode: absent without --device" "no pc-testdev: port 0xe0 reads all-ones" "$(cat "$T/out")"
    expect_eq "testdev $mode: absent status" 3 "$RC"

    # interrupt-driven guests: the same trace twice (irq events, entry
    # events under enforcement, no timing)
    for g in irq_pit irq_lapic; do
        (cd "$GUESTS" && timeout 60 "$SCOUT" "${m[@]}" --trace "$T/a.trace" $g.mb64 >/dev/null 2>&1)
        (cd "$GUESTS" && timeout 60 "$SCOUT" "${m[@]}" --trace "$T/b.trace" $g.mb64 >/dev/null 2>&1)
        if cmp -s "$T/a.trace" "$T/b.trace"; then ok "$g $mode: two traces byte-identical"
        else not_ok "$g $mode: two traces byte-identical" "$("$SCOUT" trace diff "$T/a.trace" "$T/b.trace" | head -n 3 | tr '\n' ' ')"; fi
    done

    # a halted guest with a timer armed waits for it: --timeout and Ctrl-C end it
    run "${m[@]}" --timeout 0.3 --cmdline forever "$GUESTS/irq_pit.mb64"
    expect_eq "halted $mode: --timeout" 124 "$RC"
    expect_match "halted $mode: timeout message" "^scout: guest timed out after 0.3 s at rip=0x" "$(head -n1 "$T/err")"
    timeout 60 "$SCOUT" "${m[@]}" --cmdline forever "$GUESTS/irq_pit.mb64" >"$T/out" 2>"$T/err" & pid=$!
    sleep 0.3; kill -INT $pid; wait $pid; RC=$?
    expect_eq "halted $mode: Ctrl-C" 130 "$RC"
    expect_match "halted $mode: interrupted message" "^scout: guest interrupted at rip=0x[0-9a-f]+ \(SIGINT\)" "$(head -n1 "$T/err")"
done

# the trace of irq_pit says where each interrupt went in
(cd "$GUESTS" && "$SCOUT" --raw --trace "$T/r.trace" irq_pit.mb64 >/dev/null 2>&1)
expect_eq "irq events: 5 from the 8259 at the HLT's successor" 5 \
    "$(grep -c "irq vector=0x20 line=0 src=pic rip=0x$(grep -m1 'irq vector=0x20' "$T/r.trace" | sed 's/.*rip=0x//')" "$T/r.trace")"
expect_eq "irq events: 5 from the IOAPIC" 5 "$(grep -c 'irq vector=0x30 line=2 src=ioapic' "$T/r.trace")"
(cd "$GUESTS" && "$SCOUT" --trace "$T/e.trace" irq_pit.mb64 >/dev/null 2>&1)
expect_eq "entry events: each delivery reaches the guarded handler" 10 "$(grep -c '^[0-9]* entry addr=' "$T/e.trace")"

# the interrupt path in --stats: vectors injected, ioctls counted
run --raw --stats "$GUESTS/irq_pit.mb64"
expect_match "stats: the 8259's vectors injected" " irqs_injected=5 " "$(cat "$T/err")"
expect_match "stats: ioctls counted" " ioctls=[1-9][0-9]* " "$(cat "$T/err")"

# multiboot as GRUB and QEMU do it: the command line starts with the
# kernel's path; each module has its own string
(cd "$GUESTS" && timeout 20 "$SCOUT" --cmdline "a b" --module "exit_mb.bin x y" --module "serial.elf32" \
    hello_mb.elf32 >"$T/out" 2>"$T/err")
expect_eq "multiboot: path, arguments, module strings" "hello from protected mode
cmdline: hello_mb.elf32 a b
mmap entries: 8
module: exit_mb.bin x y
module: serial.elf32" "$(cat "$T/out")"
(cd "$GUESTS" && timeout 20 "$SCOUT" hello_mb.elf32 >"$T/out" 2>"$T/err")
expect_match "multiboot: no arguments, the path alone" "cmdline: hello_mb.elf32${NL}" "$(cat "$T/out")"

# a HLT with interrupts off ends the run at once, whatever is armed
run --raw "$GUESTS/hello_boot.bootsect"
expect_eq "halt with IF clear: message" "scout: guest halted at rip=0x7c19 (interrupts disabled)" "$(cat "$T/err")"

# bad input: one clear line, status 2
run --device nosuch "$GUESTS/irq_pit.mb64"
expect_eq "--device unknown: status" 2 "$RC"
expect_eq "--device unknown: message" "scout: --device nosuch: unknown device (known: pc-testdev)" "$(cat "$T/err")"
finish
