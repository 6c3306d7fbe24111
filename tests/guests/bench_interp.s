# bench_interp: a bytecode interpreter loop dispatching through a jump table
# (jmp through memory: a computed branch, a virtualize exit per opcode).
# The program runs ITER times round its loop and counts its passes in a
# variable that lives in the code page (data writes, not invalidations).
# ITER comes from --defsym.
        .code64
        .globl _start
_start: mov $ITER, %r8              # loop counter (the program decrements it)
        xor %ebx, %ebx              # accumulator
        mov $0x2545f491, %r9d       # second register
        lea table(%rip), %rdx
restart:
        lea prog(%rip), %rsi
next:   movzbl (%rsi), %eax
        inc %rsi
        jmp *(%rdx,%rax,8)          # computed dispatch
op_add: add %r9, %rbx
        jmp next
op_mul: imul $33, %rbx, %rbx
        jmp next
op_xor: mov %rbx, %rax
        shr $11, %rax
        xor %rax, %rbx
        jmp next
op_swp: xchg %rbx, %r9
        jmp next
op_loop:
        incl ticks(%rip)            # interpreter state in the code page: a data write
        dec %r8
        jnz restart
        lea msg(%rip), %rsi
        call puts
        mov %rbx, %rax
        mov $16, %cl
        call puthex
        mov $' ', %al
        out %al, $0xe9
        mov %r9, %rax
        call puthex
        mov $' ', %al
        out %al, $0xe9
        mov ticks(%rip), %eax
        mov $8, %cl
        call puthex
        call putnl
        xor %eax, %eax
        jmp exit
        .balign 8
table:  .quad op_add, op_mul, op_xor, op_swp, op_loop
prog:   .byte 0, 1, 2, 3, 1, 0, 2, 4
msg:    .asciz "bench_interp: acc="
        .include "tests/guests/common64.inc"
        .balign 64
ticks:  .long 0                     # after exit's hlt/jmp: never scanned as code
