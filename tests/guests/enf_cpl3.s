# enf_cpl3: user-mode (CPL 3) long-mode code under enforcement: calls across
# pages, a jump table, PUSHF/POPF, a loop — runs natively between traps.
        .code64
        .globl _start
_start: xor %ebx, %ebx
        mov $100, %ecx
1:      call far_step           # out-of-page call each time round
        dec %ecx
        jnz 1b
        pushf
        pop %rax
        push %rax
        popf
        lea table(%rip), %rdx
        mov $1, %eax
        jmp *(%rdx,%rax,8)
t0:     mov $0x58, %al
        out %al, $0xe9
t1:     lea msg(%rip), %rsi
        call puts
        mov %rbx, %rax
        mov $4, %cl
        call puthex
        call putnl
        mov $2, %al
        jmp exit
        .balign 8
table:  .quad t0, t1
msg:    .asciz "cpl3: total="
        .include "tests/guests/common64.inc"
        .balign 4096
far_step:
        add %rcx, %rbx
        ret
