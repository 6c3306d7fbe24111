# a16_ivt_data: real-mode vectors that point at data, as PC convention
# has it for 1Dh, 1Eh, 1Fh, 41h, 43h and 46h (video parameters, the
# diskette parameter table, fonts, fixed disk parameters).  The guest
# points int 41h at a table of its own and reads it back through the
# vector: it must read its own bytes, not a trap byte (the CPU never
# delivers vector 41h by itself in real mode; only INT 41h would go
# there, and scout emulates INT).  Then INT 1 to a handler (#DB-vector,
# one the CPU does deliver) still works.
.code16
.globl _start
_start:
    cli
    xor %ax, %ax
    mov %ax, %ds
    mov %ax, %ss
    mov $0x7000, %sp
    movw $table, 0x41 * 4
    movw $0, 0x41 * 4 + 2
    movw $handler, 0x01 * 4
    movw $0, 0x01 * 4 + 2
    lds 0x41 * 4, %si
    lodsb                           # 'T'
    out %al, $0xe9
    lodsb                           # 'a'
    out %al, $0xe9
    xor %ax, %ax
    mov %ax, %ds
    int $0x41 - 0x40                # (INT 1: the handler prints 'H')
    mov $'\n', %al
    out %al, $0xe9
    mov $0, %al
    out %al, $0xf4
    hlt
handler:
    mov $'H', %al
    out %al, $0xe9
    iret
table: .ascii "Ta"
.org 510
.word 0xaa55
