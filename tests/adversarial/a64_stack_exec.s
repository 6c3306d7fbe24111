# a64_stack_exec: code pushed onto the stack and run there -- a page that
# has only ever been data -- then the same stack slot rewritten by more
# pushes and run again.
        .code64
        .globl _start
_start: lea m_start(%rip), %rsi
        call puts
        movabs $0x90c3e9e6, %rax        # out %al,$0xe9; ret; nop ... (low bytes first)
        push %rax
        mov %rsp, %rbx
        mov $'s', %al
        call *%rbx
        movabs $0xc3e9e674b0, %rcx      # mov $'t',%al; out %al,$0xe9; ret
        mov %rcx, (%rsp)
        call *%rbx
        pop %rax
        call putnl
        xor %eax, %eax
        jmp exit
        .include "tests/guests/common64.inc"
        .section .data
m_start: .asciz "code on the stack: "
