# bench_calls: call-heavy code across pages.  Each iteration calls into two
# other pages, one of which calls a third; every out-of-page call and every
# RET is a virtualize exit.  ITER comes from --defsym.
        .code64
        .globl _start
_start: mov $ITER, %ecx
        mov $1, %ebx
        xor %edi, %edi
top:    call mix_a                  # page 1 (calls page 2)
        call mix_c                  # page 3
        dec %ecx
        jnz top
        lea msg(%rip), %rsi
        call puts
        mov %rbx, %rax
        mov $16, %cl
        call puthex
        mov $' ', %al
        out %al, $0xe9
        mov %rdi, %rax
        mov $8, %cl
        call puthex
        call putnl
        xor %eax, %eax
        jmp exit
msg:    .asciz "bench_calls: state="
        .include "tests/guests/common64.inc"
        .balign 4096
mix_a:  imul $0x5851f42d, %rbx, %rbx
        add %rcx, %rbx
        call mix_b
        ret
        .balign 4096
mix_b:  mov %rbx, %rax
        shr $29, %rax
        xor %rax, %rbx
        inc %edi
        ret
        .balign 4096
mix_c:  rol $7, %rbx
        test $3, %bl
        jnz 1f
        add $3, %edi
1:      ret
