# enf_strwrite: writes into code pages that are not single aligned stores:
# "rep movsb" copies 16 bytes into a buffer kept in the code page (each
# byte exits on its own), and an 8-byte store straddles the end of the
# code page into the next one.  None of them touches an instruction.
        .code64
        .globl _start
_start: lea src(%rip), %rsi
        lea buf(%rip), %rdi
        mov $16, %ecx
        cld
        rep movsb
        movabs $0x4847464544434241, %rax
        mov %rax, straddle(%rip)
        lea buf(%rip), %rsi
        call puts
        lea straddle(%rip), %rsi
        mov (%rsi), %rax
        lea nl(%rip), %rsi
        mov $8, %cl
        shr $32, %rax
        call puthex
        call putnl
        xor %eax, %eax
        jmp exit
src:    .asciz "strwrite: copied"
nl:     .asciz "\n"
        .include "tests/guests/common64.inc"
        .balign 64
buf:    .fill 32, 1, 0
        .org 4096 - 4
straddle: .fill 8, 1, 0         # 4 bytes in this page, 4 in the next
        .fill 64, 1, 0
