# a64_iretq: IRETQ to code nothing has scanned, in another page, at the
# same privilege, and to compatibility mode: the successor comes from the
# frame on the stack and the GDT.
        .code64
        .globl _start
_start: lea m_start(%rip), %rsi
        call puts
        mov %rsp, %rbx
        push $0x10                      # SS
        push %rbx                       # RSP
        pushfq
        push $0x08                      # CS
        lea target64(%rip), %rax
        push %rax
        iretq
back64: mov %rsp, %rbx
        push $0x10
        push %rbx
        pushfq
        push $0x18                      # CS: 32-bit code
        lea target32(%rip), %rax
        push %rax
        iretq
back32: lea m_done(%rip), %rsi
        call puts
        xor %eax, %eax
        jmp exit
        .include "tests/guests/common64.inc"
        .balign 4096
target64:
        mov $'q', %al
        out %al, $0xe9
        jmp back64
        .balign 4096
        .code32
target32:
        mov $'d', %al
        out %al, $0xe9
        ljmp $0x08, $back32
        .code64
        .section .data
m_start: .asciz "iretq: "
m_done:  .asciz "\ndone\n"
