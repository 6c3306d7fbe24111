# a64_frame_in_code: the stack lives in the page that holds the code, and
# an exception pushes its frame there (the guest's own IDT, no IST): the
# CPU writes the frame into a page scout keeps read-only.
        .include "tests/adversarial/gate64.inc"
        .code64
        .globl _start
_start: lea m_start(%rip), %rsi
        call puts
        lea h(%rip), %rax
        lea idt+6*16(%rip), %rdi
        intgate
        lidt idtr(%rip)
        lea stack_top(%rip), %rsp       # in this page
        ud2
h:      mov (%rsp), %rax                # the frame's RIP
        lea _start(%rip), %rbx
        sub %rbx, %rax
        mov $4, %cl
        call puthex
        call putnl
        xor %eax, %eax
        jmp exit
        .include "tests/guests/common64.inc"
        .balign 16
        .fill 256, 1, 0
stack_top:
        .balign 4096
idtr:   .word 4095
        .quad idt
        .balign 16
idt:    .fill 4096, 1, 0
        .section .data
m_start: .asciz "#UD frame pushed into the code page at offset "
