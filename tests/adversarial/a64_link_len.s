# a64_link_len: an immediate rewritten so the instruction's length changes:
# add $1,%rax (48 83 c0 01) becomes add $imm32,%rax (48 81 c0 ...) and
# swallows the three NOPs after it.  Once in a page reached through a
# cross-page link, once in the writer's own page.  --smc insn must not
# keep either page (the boundaries moved); the sums are printed.
        .code64
        .globl _start
_start: lea m_start(%rip), %rsi
        call puts
        xor %eax, %eax
        call lenf                       # +1 (scans lenf, makes the link)
        call lenf                       # +1 through the link
        call lenl
        movb $0x81, lenf+1(%rip)        # 48 81 c0 01 90 90 90: imm32 0x90909001
        movb $0x81, lenl+1(%rip)
        call lenf
        call lenl
        call lenf
        mov $16, %cl
        call puthex
        call putnl
        xor %eax, %eax
        jmp exit
lenl:   add $1, %rax
        nop
        nop
        nop
        ret
        .include "tests/guests/common64.inc"
        .balign 4096
lenf:   add $1, %rax                    # 48 83 c0 01
        nop
        nop
        nop
        ret
        .section .data
m_start: .asciz "immediate rewritten to a new length: "
