# hello_flat: flat 32-bit protected-mode binary (load it with
# --mode prot32 --load 0x200000).  Prints, exits with 0x10 (33).
.code32
.globl _start
_start:
    mov $msg, %esi
1:  lodsb
    test %al, %al
    jz 2f
    out %al, $0xe9
    jmp 1b
2:  mov $0x10, %al
    out %al, $0xf4
    hlt
msg: .asciz "hello from a flat binary\n"
