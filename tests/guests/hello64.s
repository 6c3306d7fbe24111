# hello64: ELF64 guest (long mode, CPL 0 by default; also runs at CPL 3).
# Prints its CPL, checks that an unknown port reads 0xFF, exits with 7 (15).
.code64
.globl _start
_start:
    lea msg(%rip), %rsi
    call print
    mov %cs, %ax
    and $3, %al
    add $'0', %al
    out %al, $0xe9
    mov $'\n', %al
    out %al, $0xe9
    in $0x80, %al
    cmp $0xff, %al
    jne 1f
    lea okp(%rip), %rsi
    call print
1:  mov $7, %al
    out %al, $0xf4
    hlt
print:
    lodsb
    test %al, %al
    jz 1f
    out %al, $0xe9
    jmp print
1:  ret
msg: .asciz "hello from long mode, cpl "
okp: .asciz "port 0x80 reads 0xff\n"
