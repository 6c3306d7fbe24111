# a64_nested_fault: a fault inside a handler -- #DE's handler executes UD2
# at its first instruction, into #UD's handler, which returns past it --
# each handler entered without an exit, in pages nothing had run.
        .include "tests/adversarial/gate64.inc"
        .code64
        .globl _start
_start: lea m_start(%rip), %rsi
        call puts
        lea h_de(%rip), %rax
        lea idt+0*16(%rip), %rdi
        intgate
        lea h_ud(%rip), %rax
        lea idt+6*16(%rip), %rdi
        intgate
        lidt idtr(%rip)
        xor %edx, %edx
        xor %ecx, %ecx
        mov $1, %eax
        div %ecx                        # #DE (f7 f1: 2 bytes)
        call putnl
        xor %eax, %eax
        jmp exit
        .include "tests/guests/common64.inc"
        .balign 4096
h_de:   ud2                             # #UD inside the #DE handler
        mov $'D', %al
        out %al, $0xe9
        addq $2, (%rsp)
        iretq
        .balign 4096
h_ud:   mov $'U', %al
        out %al, $0xe9
        addq $2, (%rsp)
        iretq
        .section .data
idtr:   .word 4095
        .quad idt
m_start: .asciz "a fault in a handler: "
        .balign 4096
idt:    .fill 4096, 1, 0
