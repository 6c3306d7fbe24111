# a64_straddle: an 8-byte store across two pages that both hold code:
# it rewrites an instruction's immediate at the end of one page and the
# first instruction of the next; both must run as written.
        .code64
        .globl _start
_start: lea m_start(%rip), %rsi
        call puts
        call a                          # both pages scanned and run
        mov newbytes(%rip), %rax
        mov %rax, a_imm(%rip)           # 4 bytes in each page
        call a
        call putnl
        xor %eax, %eax
        jmp exit
        .include "tests/guests/common64.inc"
        .org 0xffc
a:                                      # at 0x400ffc: nop x3; mov $'1',%al (crosses); out; ret
a_imm:  .byte 0x90, 0x90, 0x90, 0xb0    # 0xffc..0xfff: the store's first half
        .byte 0x31                      # 0x1000: the immediate, '1' (the second half starts here)
        out %al, $0xe9
        ret
        .section .data
newbytes: .byte 0x90, 0x90, 0x90, 0xb0, 0x32, 0xe6, 0xe9, 0xc3
m_start: .asciz "store across two code pages: "
