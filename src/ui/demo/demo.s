# demo.s — scout's built-in demo guest (placeholder: prints and exits).
        .code64
        .globl _start
_start: lea msg(%rip), %rsi
        call puts
        xor %eax, %eax
        jmp exit
msg:    .asciz "scout demo guest\n"
        .include "tests/guests/common64.inc"
