#!/usr/bin/env bash
# Malformed, truncated or missing images: one clear line naming the file
# and the field, a non-zero exit, no crash.
source "$TOP/tests/lib.sh"
require_kvm monitor_bad_images
D=$(mktemp -d); trap 'rm -rf "$D"' EXIT
patch() { printf "$3" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none; }   # file offset bytes

check() {  # name file expected-substring [scout options...]
    local name=$1 f=$2 want=$3; shift 3
    local err rc
    err=$(timeout 20 "$SCOUT" "$@" "$f" 2>&1 >/dev/null); rc=$?
    if [ "$rc" -eq 0 ] || [ "$rc" -ge 124 ]; then not_ok "$name" "exit status $rc"; return; fi
    if [ "$(printf '%s\n' "$err" | wc -l)" -ne 1 ]; then not_ok "$name" "not one line: [$err]"; return; fi
    case "$err" in
        "scout: $f: "*"$want"*) ok "$name" ;;
        *) not_ok "$name" "[$err] lacks file or [$want]" ;;
    esac
}

head -c 40 "$GUESTS/hello64.elf64" >"$D/trunc.elf"
check truncated_elf "$D/trunc.elf" "ELF header: truncated"

cp "$GUESTS/hello64.elf64" "$D/phoff.elf"; patch "$D/phoff.elf" 32 '\xff\xff\xff\x7f'
check bad_phoff "$D/phoff.elf" "e_phoff"

cp "$GUESTS/hello64.elf64" "$D/phnum.elf"; patch "$D/phnum.elf" 54 '\x08\x00'
check bad_phentsize "$D/phnum.elf" "e_phentsize"

cp "$GUESTS/hello64.elf64" "$D/poff.elf"; patch "$D/poff.elf" $((64 + 8)) '\x00\x00\x00\x10'
check segment_past_eof "$D/poff.elf" "p_offset"

cp "$GUESTS/hello64.elf64" "$D/far.elf"; patch "$D/far.elf" $((64 + 24)) '\x00\x00\x00\x10'
check segment_outside_ram "$D/far.elf" "outside guest RAM"

cp "$GUESTS/hello64.elf64" "$D/fsz.elf"; patch "$D/fsz.elf" $((64 + 32)) '\xff\xff\xff\x00'
check filesz_gt_memsz "$D/fsz.elf" "p_filesz"

cp "$GUESTS/exit_mb.bin" "$D/cksum.bin"; patch "$D/cksum.bin" 8 '\x00'
check bad_multiboot_checksum "$D/cksum.bin" "checksum"

cp "$GUESTS/exit_mb.bin" "$D/mbload.bin"; patch "$D/mbload.bin" 20 '\x00\x00\x00\x20'
check bad_multiboot_load_end "$D/mbload.bin" "load_end_addr"

: >"$D/empty"
check empty_file "$D/empty" "empty file"
mkdir "$D/dir"
check directory "$D/dir" "is a directory"
check missing_file "$D/nonexistent" "cannot open: No such file"
head -c 100 /dev/zero >"$D/junk"
check unrecognized "$D/junk" "unrecognized image"
check bootsector_forced "$D/junk" "boot sector: the first 512 bytes must end in 55 AA (the file is shorter)" --format bootsector
head -c 1024 /dev/zero >"$D/junk1k"
check bootsector_no_signature "$D/junk1k" "boot sector: the first 512 bytes must end in 55 AA (they do not)" --format bootsector
check flat_outside_ram "$GUESTS/hello_flat.flat32" "--load 0x7fffff00" --mode prot32 --load 0x7fffff00
check cpl3_needs_64bit "$GUESTS/hello_mb.elf32" "--cpl 3 needs a 64-bit guest" --cpl 3
finish
