# a64_crosspage_tail: an instruction that straddles two pages, and a store
# into its tail -- in the second page, which holds no instruction start of
# its own there.  The MOVABS's immediate ends in the next page; the store
# changes the value it loads (and must invalidate it, though it starts in
# the page before).
        .code64
        .globl _start
_start: lea m_start(%rip), %rsi
        call puts
        call f
        mov $2, %cl
        call puthex
        movb $0x42, f+9(%rip)           # the immediate's last byte: next page
        call f
        call puthex
        call putnl
        xor %eax, %eax
        jmp exit
        .include "tests/guests/common64.inc"
        .balign 4096
        .skip 4096 - 5
f:      movabs $0x4100000000000000, %rax  # 48 b8 + 8 bytes: 5 here, 5 there
        shr $56, %rax
        ret
        .section .data
m_start: .asciz "a store into the tail of a straddling instruction: "
