# a64_trap_patch: the guest writes the very byte where scout planted a
# trap (the OUT of tp, virtualize, in a page reached through a link).
# First its own byte again (unchanged: the trap must stay and the OUT
# still be trapped), then the port byte after it (OUT to port 0x80: no
# output), then NOP NOP over the OUT, then the OUT back.  The guest's view
# of its code is the trap table's saved byte, never scout's.  Prints p p p.
        .code64
        .globl _start
_start: lea m_start(%rip), %rsi
        call puts
        call tp                         # 'p'
        call tp                         # 'p' through the link
        movb $0xe6, tp+2(%rip)          # the trap's byte, as the guest wrote it
        call tp                         # 'p'
        movb $0x80, tp+3(%rip)          # out %al,$0x80: nothing shown
        call tp
        movw $0x9090, tp+2(%rip)        # nop; nop
        call tp
        movw $0xe9e6, tp+2(%rip)        # out %al,$0xe9 again
        call tp                         # 'p'
        call putnl
        xor %eax, %eax
        jmp exit
        .include "tests/guests/common64.inc"
        .balign 4096
tp:     mov $'p', %al
        out %al, $0xe9
        ret
        .section .data
m_start: .asciz "a write onto a trap byte: "
