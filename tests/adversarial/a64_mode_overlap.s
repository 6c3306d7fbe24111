# a64_mode_overlap: the same bytes run as 32-bit (compatibility mode) and
# as 64-bit code.  At X, 64-bit code is an 8-byte nopl; 32-bit code entered
# at X+2 is pushf (virtualize), out, jmp.  A 32-bit trap byte at X+2 sitting
# inside the native 64-bit nopl would turn it into `0f 1f ee` and run its
# tail natively: `out %al,$0xe9` would print 'X' (native I/O) and the run
# would end in #UD.  Both orders: X1 runs 32-bit first, X2 64-bit first.
        .code64
        .globl _start
_start: lea m_start(%rip), %rsi
        call puts
        # ── X1: 32-bit first, then 64-bit ──
        mov $'3', %al
        lea X1+2(%rip), %rdx
        push $0x18                      # scout's 32-bit code segment
        push %rdx
        lretq
back1:  lea m_64(%rip), %rsi
        call puts
        mov $'X', %al
        jmp X1
done1:
        # ── X2: 64-bit first, then 32-bit ──
        mov $'X', %al
        jmp X2
done2a: mov $'3', %al
        lea X2+2(%rip), %rdx
        push $0x18
        push %rdx
        lretq
back2:  lea m_done(%rip), %rsi
        call puts
        xor %eax, %eax
        jmp exit

        .balign 16
# 64-bit: nopl disp32(%rsi,%riz,8) = 0f 1f 9c e6 <e9 eb 08 90>, then jmp done
# 32-bit from X+2: pushf; out %al,$0xe9; jmp X+15
X1:     .byte 0x0f, 0x1f, 0x9c, 0xe6, 0xe9, 0xeb, 0x08, 0x90
        jmp done1                       # X1+8: 64-bit
        .org X1+15, 0x90
        .code32                         # X1+15: 32-bit
        popf
        mov $'\n', %al
        out %al, $0xe9
        ljmp $0x08, $back1
        .code64

        .balign 16
X2:     .byte 0x0f, 0x1f, 0x9c, 0xe6, 0xe9, 0xeb, 0x08, 0x90
        jmp done2a
        .org X2+15, 0x90
        .code32
        popf
        mov $'\n', %al
        out %al, $0xe9
        ljmp $0x08, $back2
        .code64

        .include "tests/guests/common64.inc"
        .section .data
m_start: .asciz "compat then long, long then compat\n"
m_64:    .asciz "long mode again\n"
m_done:  .asciz "done\n"
