# enf_crosspage: a 10-byte movabs that starts 4 bytes before a page end and
# runs three times; it is executed in place each time.
        .code64
        .globl _start
_start: mov $3, %ecx
        xor %ebx, %ebx
        jmp cross
        .balign 4096
        .fill 4096 - 4, 1, 0xcc         # never runs: "cross" starts 4 bytes before the page end
cross:  movabs $0x0102030405060708, %rax    # crosses into the next page
        add %rax, %rbx
        dec %ecx
        jnz cross
        lea msg(%rip), %rsi
        call puts
        mov %rbx, %rax
        mov $16, %cl
        call puthex
        call putnl
        xor %eax, %eax
        jmp exit
msg:    .asciz "crosspage: sum="
        .include "tests/guests/common64.inc"
