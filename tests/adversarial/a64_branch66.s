# a64_branch66: 66-prefixed near branches in 64-bit mode.  Intel ignores the
# prefix (rel32, 64-bit RIP, 8-byte pushes), AMD honours it (rel16, RIP
# truncated to 16 bits, 2-byte pushes): scout decodes them as the host CPU
# runs them.  Each lands where the host says; the prints show which.
        .code64
        .globl _start
_start: lea m_start(%rip), %rsi
        call puts
        .byte 0x66, 0xe9                # jmp rel32 (Intel) / rel16 (AMD)
        .long t1 - (. + 4)
        .fill 16, 1, 0x90
t1:     mov $'j', %al
        out %al, $0xe9
        .byte 0x66, 0xe8                # call rel32 / rel16
        .long f - (. + 4)
        mov $'r', %al
        out %al, $0xe9
        lea t2(%rip), %rax
        .byte 0x66, 0xff, 0xe0          # jmp *%rax (Intel: 64-bit; AMD: 16-bit)
        .fill 8, 1, 0x90
t2:     mov $'i', %al
        out %al, $0xe9
        mov $3, %ecx
1:      .byte 0x66, 0xe2                # loop rel8 with a 66 prefix
        .byte 1b - (. + 1)
        mov $'\n', %al
        out %al, $0xe9
        xor %eax, %eax
        jmp exit
f:      mov $'c', %al
        out %al, $0xe9
        .byte 0x66, 0xc3                # ret
        .include "tests/guests/common64.inc"
        .section .data
m_start: .asciz "66 branches: "
