# a64_jmp_disp: a store changes the displacement of the jump that follows
# it (a native branch, scanned with its old target) and of a jump in a
# loop that already ran.
        .code64
        .globl _start
_start: lea m_start(%rip), %rsi
        call puts
        movb $t2 - j1 - 2, j1+1(%rip)   # jmp t1 -> jmp t2
j1:     jmp t1
t1:     mov $'1', %al
        out %al, $0xe9
t2:     mov $'2', %al
        out %al, $0xe9
        xor %ecx, %ecx
2:      inc %ecx
j2:     jmp 3f                          # first round: to 3
        .byte 0x90
        mov $'L', %al                   # second round: here
        out %al, $0xe9
        jmp 4f
3:      movb $1, j2+1(%rip)             # now jmp +1: past the nop, to the 'L'
        cmp $5, %ecx
        jb 2b
4:      call putnl
        xor %eax, %eax
        jmp exit
        .include "tests/guests/common64.inc"
        .section .data
m_start: .asciz "jump displacements rewritten: "
