# a64_link_write: with --links on, `call far_fn` (a function in another
# page) runs native once far_fn is scanned.  Then the guest writes into
# far_fn's page and calls through the link again: first only an immediate
# (--smc insn keeps the page, the link stays and the CPU runs the new
# byte), then other instructions (the page is dumped: the link must be
# virtualize again before the call runs, or the new OUT would run unscanned
# and count as native I/O).  Each call prints a letter: A A B C.
        .code64
        .globl _start
_start: lea m_start(%rip), %rsi
        call puts
        call far_fn                     # 'A': scans far_fn, makes the link
        call far_fn                     # 'A': through the link
        movb $'B', far_fn+1(%rip)       # the immediate of mov $'A',%al
        call far_fn                     # 'B'
        # nop; mov $'C',%al; out %al,$0xe9; ret; nop; nop -- new boundaries
        movabs $0x9090c3e9e643b090, %rax
        mov %rax, far_fn(%rip)
        call far_fn                     # 'C'
        call far_fn                     # 'C'
        call putnl
        xor %eax, %eax
        jmp exit
        .include "tests/guests/common64.inc"
        .balign 4096
far_fn: mov $'A', %al                   # b0 41
        out %al, $0xe9                  # e6 e9
        ret                             # c3
        .fill 8, 1, 0x90
        .section .data
m_start: .asciz "write into a link's target: "
