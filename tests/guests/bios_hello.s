# bios_hello: the smallest BIOS guest, a boot sector that prints a line
# with int 10h AH=0Eh (the teletype) and ends through the exit device.
.code16
.globl _start
_start:
    xor %ax, %ax
    mov %ax, %ds
    mov $msg, %si
1:  lodsb
    test %al, %al
    jz 2f
    mov $0x0e, %ah
    xor %bx, %bx
    int $0x10
    jmp 1b
2:  mov $0, %al
    out %al, $0xf4
    hlt                             # (the scan stops here, not in the string)
msg: .asciz "hello from the BIOS\r\n"
.org 510
.word 0xaa55
