# enf_jumptable: a tiny interpreter dispatching through a jump table
# (computed jmp through memory) and an indirect call through a register.
        .code64
        .globl _start
_start: lea prog(%rip), %rsi
        xor %ebx, %ebx          # accumulator
next:   movzbl (%rsi), %eax
        inc %rsi
        lea table(%rip), %rdx
        jmp *(%rdx,%rax,8)      # computed branch
op_inc: inc %rbx
        jmp next
op_dbl: shl $1, %rbx
        jmp next
op_out: lea show(%rip), %rax
        call *%rax              # indirect call through a register
        jmp next
op_end: xor %eax, %eax
        jmp exit
show:   push %rsi
        lea msg(%rip), %rsi
        call puts
        mov %rbx, %rax
        mov $4, %cl
        call puthex
        call putnl
        pop %rsi
        ret
        .balign 8
table:  .quad op_inc, op_dbl, op_out, op_end
prog:   .byte 0, 0, 1, 1, 2, 0, 1, 2, 3
msg:    .asciz "jumptable: acc="
        .include "tests/guests/common64.inc"
