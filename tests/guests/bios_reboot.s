# bios_reboot: the reset vector and int 19h, then an exception.  The first
# time through, the boot sector notes it at 0:0500 (memory a warm boot
# keeps) and jumps to FFFF:0000: the BIOS loads sector 1 to 0:7C00 again
# and jumps there with DL set.  The second time it runs UD2, which the
# BIOS reports on the console before it halts.
.code16
.globl _start
_start:
    xor %ax, %ax
    mov %ax, %ds
    mov $m_boot, %si
    call puts
    mov %dl, %al
    call hex8
    call crlf
    incb 0x500
    cmpb $1, 0x500
    jne 1f
    ljmp $0xffff, $0
1:  ud2
.include "tests/guests/bios16.inc"
m_boot: .asciz "boot, drive "
.org 510
.word 0xaa55
