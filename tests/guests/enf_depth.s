# enf_depth: a chain of 24 in-page jumps, each to the next link.  At depth 0
# each jump traps once; a recursive prescan follows up to N links per scan,
# so virtualize exits fall as the depth grows.  (Generated list, kept
# written out so the guest reads as plain assembly.)
        .code64
        .globl _start
_start: xor %ebx, %ebx
        jmp j1
j1:     inc %ebx
        jmp j2
j2:     inc %ebx
        jmp j3
j3:     inc %ebx
        jmp j4
j4:     inc %ebx
        jmp j5
j5:     inc %ebx
        jmp j6
j6:     inc %ebx
        jmp j7
j7:     inc %ebx
        jmp j8
j8:     inc %ebx
        jmp j9
j9:     inc %ebx
        jmp j10
j10:     inc %ebx
        jmp j11
j11:     inc %ebx
        jmp j12
j12:     inc %ebx
        jmp j13
j13:     inc %ebx
        jmp j14
j14:     inc %ebx
        jmp j15
j15:     inc %ebx
        jmp j16
j16:     inc %ebx
        jmp j17
j17:     inc %ebx
        jmp j18
j18:     inc %ebx
        jmp j19
j19:     inc %ebx
        jmp j20
j20:     inc %ebx
        jmp j21
j21:     inc %ebx
        jmp j22
j22:     inc %ebx
        jmp j23
j23:     inc %ebx
        jmp j24
j24:     inc %ebx
        jmp j25
j25:    lea msg(%rip), %rsi
        call puts
        mov %rbx, %rax
        mov $2, %cl
        call puthex
        call putnl
        xor %eax, %eax
        jmp exit
msg:    .asciz "depth: links="
        .include "tests/guests/common64.inc"
