# a64_ldt_far: a far call to a code segment in the LDT (selector 0x04),
# in a page nothing has scanned: its successor comes from the LDT, not
# the GDT.  The guest loads its own GDT (with an LDT descriptor) first.
        .code64
        .globl _start
_start: lea m_start(%rip), %rsi
        call puts
        lea ldt(%rip), %rax             # the GDT's LDT descriptor (16 bytes, at 0x20)
        lea gdt+0x20(%rip), %rdi
        movw $15, (%rdi)                # limit
        mov %ax, 2(%rdi)                # base 15:0
        shr $16, %rax
        mov %al, 4(%rdi)                # base 23:16
        movb $0x82, 5(%rdi)             # present, LDT
        mov %ah, 7(%rdi)                # base 31:24
        shr $16, %rax
        mov %eax, 8(%rdi)               # base 63:32
        lgdt gdtr(%rip)
        mov $0x20, %ax
        lldt %ax
        lea target(%rip), %rax
        mov %rax, ptr(%rip)
        movw $0x04, ptr+8(%rip)         # LDT entry 0, RPL 0
        rex.w lcall *ptr(%rip)
        lea m_done(%rip), %rsi
        call puts
        xor %eax, %eax
        jmp exit
        .include "tests/guests/common64.inc"
        .balign 4096
target: mov $'L', %al
        out %al, $0xe9
        lretq
        .section .data
        .balign 16
gdt:    .quad 0
        .quad 0x00AF9A000000FFFF        # 0x08: 64-bit code
        .quad 0x00CF92000000FFFF        # 0x10: data
        .quad 0
        .quad 0, 0                      # 0x20: the LDT (filled in)
gdtr:   .word 0x2f
        .quad gdt
        .balign 16
ldt:    .quad 0x00AF9A000000FFFF        # LDT entry 0: 64-bit code
        .quad 0
ptr:    .quad 0
        .word 0
m_start: .asciz "far call through the LDT: "
m_done:  .asciz "\ndone\n"
