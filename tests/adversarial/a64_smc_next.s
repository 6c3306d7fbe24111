# a64_smc_next: a single native store rewrites the very next instruction;
# and a store that scout must step in place (a virtualize instruction hides
# inside its own bytes) rewrites its own successor.  Both must run as
# written: the store comes through an exit (the page is read-only), so the
# rewritten instruction is scanned before it runs.
        .code64
        .globl _start
_start: xor %r12d, %r12d
        lea m_start(%rip), %rsi
        call puts
        movb $'2', next+1(%rip)         # the immediate of the next instruction
next:   mov $'1', %al
        out %al, $0xe9
        # the store's imm32 (bytes st+6..9) is e6 e9 eb 02: out %al,$0xe9;
        # jmp +2.  Jumping to st+6 first makes scout see the OUT there, so
        # the store at st overlaps a virtualize instruction.
        mov $'X', %al
        jmp st+6
st:     movl $0x02ebe9e6, next2(%rip)   # c7 05 <disp32> e6 e9 eb 02
        nop
        nop
        test %r12, %r12                 # second time through: done
        jnz 1f
        inc %r12
        jmp st
next2:  .byte 0xb0, 0x31                # mov $'1',%al ...
        .byte 0xe6, 0xe9                # out %al,$0xe9 -- rewritten to e6 e9 eb 02
        mov $'/', %al
        out %al, $0xe9
        jmp 2f
1:      mov $'=', %al
        out %al, $0xe9
        jmp next2
2:      call putnl
        xor %eax, %eax
        jmp exit
        .include "tests/guests/common64.inc"
        .section .data
m_start: .asciz "store into the next instruction: "
