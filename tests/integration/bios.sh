#!/usr/bin/env bash
# The BIOS (src/monitor/dev/bios.c, its ROM bios.s) under the guests that
# use nothing else (tests/guests/bios_*.s): each runs raw and enforced at
# depths 0, 1 and 16 and must print exactly its golden output
# (tests/golden/bios_NAME.out) with the same status, no port I/O from an
# untrapped instruction and nothing refused.  Then: the BIOS is guest code
# like any other (scanned, in the page list, in the trace), the IVT points
# into it (and not with --no-bios), DL at boot, keyboard input from a file,
# a pipe or nothing, --disk, the disk file never written, and bad input:
# one clear line, status 2.
source "$TOP/tests/lib.sh"
require_kvm bios
T=$(mktemp -d); trap 'chmod -R u+rwx "$T" 2>/dev/null; rm -rf "$T"' EXIT
run() {  # name scout-args...
    local name=$1; shift
    timeout 120 "$SCOUT" "$@" >"$T/$name.out" 2>"$T/$name.err"; echo $? >"$T/$name.rc"
}
same_file() {  # test-name expected actual
    if cmp -s "$2" "$3"; then ok "$1"; else
        not_ok "$1" "differs: $(diff <(tr -d '\r' <"$2") <(tr -d '\r' <"$3") | head -n 6 | tr '\n' '|')"; fi
}

# ── the guests, raw and enforced ──
# name:keys:status (bios_reboot jumps to the reset vector, then ends in the
# BIOS's #UD report and halt)
for spec in hello:-:1 reboot:-:0 svc:svc:1 tutor:tutor:1 tutor_fd:tutor:1; do
    IFS=: read -r g k st <<<"$spec"
    args=(); [ "$k" = - ] || args=(--keys "$GUESTS/keys_$k.txt")
    img="$GUESTS/bios_$g.img"
    run "$g-raw" --raw "${args[@]}" "$img"
    expect_eq "bios_$g: raw status" "$st" "$(cat "$T/$g-raw.rc")"
    same_file "bios_$g: raw output = golden" "$TOP/tests/golden/bios_$g.out" "$T/$g-raw.out"
    for d in 0 1 16; do
        run "$g-d$d" --depth $d --stats "${args[@]}" "$img"
        expect_eq "bios_$g: depth $d status" "$st" "$(cat "$T/$g-d$d.rc")"
        same_file "bios_$g: depth $d output = golden" "$TOP/tests/golden/bios_$g.out" "$T/$g-d$d.out"
        expect_eq "bios_$g: depth $d native I/O" 0 "$(stats_value "$T/$g-d$d.err" native_io)"
        expect_eq "bios_$g: depth $d refused" 0 "$(stats_value "$T/$g-d$d.err" refused)"
    done
done

# ── guest code like any other ──
run pages -ex run -ex 'info pages' -ex 'xp/1xw 0x40' "$GUESTS/bios_hello.img"
expect_match "bios: its ROM page is scanned" $'\n0x00000000000f0000  16 +[1-9]' "$(cat "$T/pages.out")"
expect_match "bios: int 10h at F000:F065" $'0x40:\t0xf000f065' "$(cat "$T/pages.out")"
run nobios --no-bios -ex 'xp/1xw 0x40' "$GUESTS/hello_boot.bootsect"
expect_match "bios: --no-bios leaves the IVT zero" $'0x40:\t0x00000000' "$(cat "$T/nobios.out")"
run trace --trace "$T/hello.trace" "$GUESTS/bios_hello.img"
expect_match "bios: the trace has the ROM's scans" "scan page=0xf0000 " "$(cat "$T/hello.trace")"
expect_match "bios: and int 10h's entry" "vexit rip=0x7c[0-9a-f]+ insn=int .* target=0xff065" "$(cat "$T/hello.trace")"
for i in 1 2; do
    timeout 120 "$SCOUT" --trace "$T/tutor$i.trace" --keys "$GUESTS/keys_tutor.txt" "$GUESTS/bios_tutor.img" >/dev/null 2>&1
done
if cmp -s "$T/tutor1.trace" "$T/tutor2.trace"; then ok "bios: two traces of bios_tutor are the same"
else not_ok "bios: two traces of bios_tutor are the same" "they differ"; fi

# ── keyboard input: a pipe; none, or the end of it: the BIOS waits for ever ──
printf 'q' | timeout 60 "$SCOUT" --keys - "$GUESTS/bios_svc.img" >"$T/pipe.out" 2>&1
expect_match "bios: --keys - reads a pipe" "key: 1071 q" "$(cat "$T/pipe.out")"
for m in raw d16; do
    mode=--raw; [ $m = raw ] || mode=--depth=16
    run "nokeys-$m" $mode "$GUESTS/bios_svc.img"
    expect_eq "bios: no input ($m): halts (status 0)" 0 "$(cat "$T/nokeys-$m.rc")"
    expect_match "bios: no input ($m): in int 16h, interrupts off" \
        "^scout: guest halted at rip=0x[0-9a-f]+ \(interrupts disabled\)$" "$(cat "$T/nokeys-$m.err")"
    expect_match "bios: no input ($m): all until the key" "e820 fffc0000 00040000 2"$'\r\n'"key: $" "$(cat "$T/nokeys-$m.out")"
done
run keysnull --keys /dev/null "$GUESTS/bios_svc.img"
expect_eq "bios: --keys /dev/null: input ended at once" "$(cat "$T/nokeys-d16.err")" "$(cat "$T/keysnull.err")"

# ── --disk ──
run diskboot --disk "$GUESTS/bios_svc.img" --keys "$GUESTS/keys_svc.txt"
same_file "bios: --disk and no guest boots the disk" "$TOP/tests/golden/bios_svc.out" "$T/diskboot.out"
# a data disk of three sectors: what the boot sector reads comes from it
{ head -c 512 /dev/zero; printf 'chs: the data disk\r\n\0'; head -c 491 /dev/zero
  printf 'lba: the data disk\r\n\0'; } >"$T/data.img"
run datadisk --disk "$T/data.img" --keys "$GUESTS/keys_svc.txt" "$GUESTS/bios_svc.img"
expect_match "bios: --disk FILE is what int 13h reads (CHS)" $'chs: the data disk\r\n' "$(cat "$T/datadisk.out")"
expect_match "bios: --disk FILE is what int 13h reads (LBA)" $'lba: the data disk\r\n' "$(cat "$T/datadisk.out")"
expect_eq "bios: --disk FILE: status" 1 "$(cat "$T/datadisk.rc")"
cp "$GUESTS/bios_tutor.img" "$T/tutor.img"
sum=$(sha256sum <"$T/tutor.img")
run writes --keys "$GUESTS/keys_tutor.txt" "$T/tutor.img"
expect_match "bios: the guest's writes read back" "lba write 0/00Written by the guest" "$(cat "$T/writes.out")"
expect_eq "bios: the disk file is never written" "$sum" "$(sha256sum <"$T/tutor.img")"

# ── bad input: one line, status 2 ──
bad() {  # name expected-line scout-args...
    local name=$1 want=$2; shift 2
    run "$name" "$@"
    expect_eq "bios: $name: status" 2 "$(cat "$T/$name.rc")"
    expect_eq "bios: $name: one line" "$want" "$(cat "$T/$name.err")"
}
mkdir "$T/dir"; : >"$T/empty"; mkfifo "$T/fifo"
bad disk_missing "scout: disk image $T/none: cannot open: No such file or directory" --disk "$T/none" "$GUESTS/bios_hello.img"
bad disk_directory "scout: disk image $T/dir: is a directory" --disk "$T/dir" "$GUESTS/bios_hello.img"
bad disk_empty "scout: disk image $T/empty: empty file (0 bytes)" --disk "$T/empty" "$GUESTS/bios_hello.img"
bad disk_fifo "scout: disk image $T/fifo: not a regular file" --disk "$T/fifo" "$GUESTS/bios_hello.img"
if [ "$(id -u)" != 0 ]; then
    cp "$T/data.img" "$T/locked.img"; chmod 000 "$T/locked.img"
    bad disk_unreadable "scout: disk image $T/locked.img: cannot open: Permission denied" --disk "$T/locked.img" "$GUESTS/bios_hello.img"
else
    skip "bios: disk_unreadable" "running as root: every file is readable"
fi
bad disk_not_bootable "scout: disk image $T/data.img: not bootable: its first sector does not end in 55 AA" --disk "$T/data.img"
bad disk_without_bios "scout: --disk: only a guest with the BIOS has one (boot sectors and real-mode images that leave its memory free)" \
    --disk "$T/data.img" "$GUESTS/hello64.elf64"
bad disk_no_bios "scout: --disk: only a guest with the BIOS has one (boot sectors and real-mode images; not with --no-bios)" \
    --no-bios --disk "$T/data.img" "$GUESTS/bios_hello.img"
bad keys_missing "scout: keyboard input $T/none: cannot open: No such file or directory" --keys "$T/none" "$GUESTS/bios_hello.img"
bad keys_directory "scout: keyboard input $T/dir: is a directory" --keys "$T/dir" "$GUESTS/bios_hello.img"
finish
