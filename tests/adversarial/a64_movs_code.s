# a64_movs_code: REP MOVSQ copies code from data into two code pages at
# once (across the boundary between them), over functions that already
# ran; then they run again.
        .code64
        .globl _start
_start: lea m_start(%rip), %rsi
        call puts
        call f1
        call f2
        lea newcode(%rip), %rsi
        lea f1(%rip), %rdi
        mov $(newcode_end - newcode) / 8, %ecx
        rep movsq
        call f1
        call f2
        call putnl
        xor %eax, %eax
        jmp exit
        .include "tests/guests/common64.inc"
        .balign 4096
        .skip 4096 - 8
f1:     mov $'1', %al                   # 8 bytes before the boundary
        out %al, $0xe9
        ret
        .fill 3, 1, 0x90
f2:     mov $'2', %al                   # the next page
        out %al, $0xe9
        ret
        .fill 3, 1, 0x90
        .section .data
        .balign 8
newcode: mov $'A', %al
        out %al, $0xe9
        ret
        .fill 3, 1, 0x90
        mov $'B', %al
        out %al, $0xe9
        ret
        .fill 3, 1, 0x90
newcode_end:
m_start: .asciz "rep movsq across two code pages: "
