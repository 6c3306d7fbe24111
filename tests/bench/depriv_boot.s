# depriv_boot: a Multiboot kernel for QEMU that does what scout's ELF64
# loader does for a CPL 0 guest -- long mode, identity-mapped -- and jumps
# to the 64-bit ELF QEMU's generic loader put at 4 MiB (a bench guest), so
# QEMU TCG runs the very guest scout runs.
        .include "tests/guests/mb64.inc"
main64: mov $0x400000, %eax
        jmp *%rax
        .include "tests/guests/common64.inc"
