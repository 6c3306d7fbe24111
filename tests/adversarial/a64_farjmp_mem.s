# a64_farjmp_mem: far transfers through memory (m16:64) to pages nothing
# has scanned, into 64-bit code and into compatibility mode and back: the
# successor comes from the GDT (selector 0x08 64-bit, 0x18 32-bit).
        .code64
        .globl _start
_start: lea m_start(%rip), %rsi
        call puts
        lea target64(%rip), %rax
        mov %rax, ptr64(%rip)
        movw $0x08, ptr64+8(%rip)
        rex.w ljmp *ptr64(%rip)
back64: lea target32(%rip), %rax
        mov %eax, ptr32(%rip)
        movw $0x18, ptr32+4(%rip)
        ljmp *ptr32(%rip)               # m16:32: into compatibility mode
back32: lea m_done(%rip), %rsi
        call puts
        xor %eax, %eax
        jmp exit
        .include "tests/guests/common64.inc"
        .balign 4096
target64:
        mov $'6', %al
        out %al, $0xe9
        jmp back64
        .balign 4096
        .code32
target32:
        mov $'3', %al
        out %al, $0xe9
        ljmp $0x08, $back32
        .code64
        .section .data
ptr64:  .quad 0
        .word 0
ptr32:  .long 0
        .word 0
m_start: .asciz "far through memory: "
m_done:  .asciz "\ndone\n"
