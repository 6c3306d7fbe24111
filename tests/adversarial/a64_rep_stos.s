# a64_rep_stos: REP STOSB overwrites the code right after itself -- one
# store per iteration, each an exit on a read-only page (KVM completes a
# REP one iteration at a time).  The bytes it writes are NOPs over an OUT
# that printed 'X' on the first pass: the second pass must not print it.
        .code64
        .globl _start
_start: lea m_start(%rip), %rsi
        call puts
        xor %r12d, %r12d
again:  mov $'1', %al
        out %al, $0xe9
        test %r12d, %r12d
        jz 1f
        lea victim(%rip), %rdi
        mov $0x90, %al
        mov $victim_end - victim, %ecx
        rep stosb                       # over what follows
victim: mov $'X', %al
        out %al, $0xe9
victim_end:
1:      inc %r12d
        cmp $2, %r12d
        jb again
        call putnl
        xor %eax, %eax
        jmp exit
        .include "tests/guests/common64.inc"
        .section .data
m_start: .asciz "rep stosb over the next instructions: "
