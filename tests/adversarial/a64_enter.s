# a64_enter: ENTER with nesting levels copies frame pointers and pushes
# them -- several stores from one instruction -- with the stack in the
# page that holds the code (listed to run at CPL 3, where the CPU runs it;
# this host's KVM cannot emulate it at CPL 0).
        .code64
        .globl _start
_start: lea m_start(%rip), %rsi
        call puts
        mov %rsp, %r12
        lea stack_top(%rip), %rsp       # this page
        movq $0x0101010101010101, %rax
        mov %rax, -72(%rsp)             # what ENTER copies: [rbp-8], [rbp-16]
        shl $1, %rax
        mov %rax, -80(%rsp)
        lea -64(%rsp), %rbp
        enter $16, $3                   # push rbp, 2 copies, the new frame pointer
        lea stack_top(%rip), %rsi       # the 4 qwords below stack_top
        xor %eax, %eax
        mov $4, %ecx
1:      sub $8, %rsi
        add (%rsi), %rax
        loop 1b
        leave
        mov %r12, %rsp
        mov $16, %cl
        call puthex
        call putnl
        xor %eax, %eax
        jmp exit
        .include "tests/guests/common64.inc"
        .balign 64
        .fill 256, 1, 0
stack_top:
        .section .data
m_start: .asciz "enter with nesting into the code page: "
