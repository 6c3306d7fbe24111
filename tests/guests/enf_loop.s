# enf_loop: a counted loop in one page.  After the first pass every branch
# in it is native, so the number of virtualize exits does not depend on the
# iteration count (built with ITER=10 and ITER=1000).
        .code64
        .globl _start
_start: mov $ITER, %ecx
        xor %eax, %eax
top:    add %ecx, %eax
        dec %ecx
        jnz top
        mov %eax, %ebx
        lea msg(%rip), %rsi
        call puts
        mov %rbx, %rax
        mov $8, %cl
        call puthex
        call putnl
        xor %eax, %eax
        jmp exit
msg:    .asciz "loop: sum="
        .include "tests/guests/common64.inc"
