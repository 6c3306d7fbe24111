# enf_smc: self-modifying code.  patched: runs once, then its immediate is
# rewritten and it runs again: the new value must show, and the write must
# invalidate the page's attributes.
        .code64
        .globl _start
_start: call patched
        mov %rax, %rbx
        movl $0x22, patched+1(%rip)     # rewrite the imm32 of "mov $imm32, %eax"
        call patched
        lea msg(%rip), %rsi
        call puts
        xchg %rax, %rbx
        mov $2, %cl
        call puthex
        mov $' ', %al
        out %al, $0xe9
        mov %rbx, %rax
        call puthex
        call putnl
        xor %eax, %eax
        jmp exit
patched:
        mov $0x11, %eax
        ret
msg:    .asciz "smc: before/after="
        .include "tests/guests/common64.inc"
