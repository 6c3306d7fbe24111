# bench_loop: a tight loop in one page (xorshift64 with a data-dependent
# forward branch).  After the first pass every branch in it is native, so
# enforcement should cost nothing per iteration.  ITER comes from --defsym.
        .code64
        .globl _start
_start: mov $ITER, %ecx
        movabs $0x9e3779b97f4a7c15, %rax
        xor %ebx, %ebx
top:    mov %rax, %rdx              # xorshift64
        shl $13, %rdx
        xor %rdx, %rax
        mov %rax, %rdx
        shr $7, %rdx
        xor %rdx, %rax
        mov %rax, %rdx
        shl $17, %rdx
        xor %rdx, %rax
        test $1, %al
        jz 1f                       # in-page forward branch
        add %rax, %rbx
        jmp 2f
1:      xor %rax, %rbx
        rol $5, %rbx
2:      dec %ecx
        jnz top
        lea msg(%rip), %rsi
        call puts
        mov %rbx, %rax
        mov $16, %cl
        call puthex
        call putnl
        xor %eax, %eax
        jmp exit
msg:    .asciz "bench_loop: sum="
        .include "tests/guests/common64.inc"
