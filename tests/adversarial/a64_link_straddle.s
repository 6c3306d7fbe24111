# a64_link_straddle: one 8-byte store across a page boundary and across
# two instructions on each side: the last two instructions of page P
# (pend, reached through a link) and the first two of page Q (qf, reached
# through another).  First store: only immediates change on both sides;
# second store: the instruction boundaries move on both sides.  The
# store reaches scout as two pieces (one per page); each must be judged
# with its own page, and both links redone.  Prints a b b c c.
        .code64
        .globl _start
_start: lea m_start(%rip), %rsi
        call puts
        call pend                       # 'a'
        call pend
        call qf                         # 'b'
        call qf
        # P: b0 62 e6 e9 c3 | Q: b0 63 e6 e9 c3  ('a' -> 'b', 'b' -> 'c')
        movabs $0xe9e663b0c3e9e662, %rax
        mov %rax, pend+1(%rip)
        call pend                       # 'b'
        call qf                         # 'c'
        # P: b0 90 90 90 c3 (no output) | Q: 90 b0 63 e6 e9 c3 ('c')
        movabs $0xe663b090c3909090, %rax
        mov %rax, pend+1(%rip)
        movb $0xe9, qf+4(%rip)
        movb $0xc3, qf+5(%rip)
        call pend
        call qf                         # 'c'
        call putnl
        xor %eax, %eax
        jmp exit
        .include "tests/guests/common64.inc"
        .balign 4096
        .fill 4096 - 5, 1, 0xcc
pend:   mov $'a', %al                   # ends exactly at the page end
        out %al, $0xe9
        ret
qf:     mov $'b', %al                   # the next page's first byte
        out %al, $0xe9
        ret
        .fill 8, 1, 0xcc
        .section .data
m_start: .asciz "a store across two pages and two instructions: "
