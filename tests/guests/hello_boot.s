# hello_boot: a 512-byte boot sector (real mode at 0x7C00, DL=0x80).
# Prints "hello from real mode" on port 0xE9, then halts with IF=0.
.code16
.globl _start
_start:
    cli
    xor %ax, %ax
    mov %ax, %ds
    mov $msg, %si
    cmp $0x80, %dl
    je 1f
    mov $bad, %si
1:  lodsb
    test %al, %al
    jz 2f
    out %al, $0xe9
    jmp 1b
2:  hlt
    jmp 2b
msg: .asciz "hello from real mode\n"
bad: .asciz "DL is not 0x80\n"
.org 510
.word 0xaa55
