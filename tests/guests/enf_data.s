# enf_data: a counter that lives in the code page (after the code, past any
# instruction): writes to it are data writes, not invalidations.
        .code64
        .globl _start
_start: mov $4, %ecx
1:      incl counter(%rip)
        dec %ecx
        jnz 1b
        lea msg(%rip), %rsi
        call puts
        mov counter(%rip), %eax
        mov $2, %cl
        call puthex
        call putnl
        xor %eax, %eax
        jmp exit
msg:    .asciz "data: counter="
        .include "tests/guests/common64.inc"
        .balign 64
counter: .long 0
