# enf_farcall: calls and returns between pages (out-of-page static branches
# and RET, all emulated by the monitor).
        .code64
        .globl _start
_start: xor %ebx, %ebx
        mov $5, %ecx
1:      call far_add            # out-of-page call
        dec %ecx
        jnz 1b
        call far_twice
        lea msg(%rip), %rsi
        call puts
        mov %rbx, %rax
        mov $4, %cl
        call puthex
        call putnl
        xor %eax, %eax
        jmp exit
msg:    .asciz "farcall: total="
        .include "tests/guests/common64.inc"
        .balign 4096
far_add:
        add $3, %rbx
        ret
        .balign 4096
far_twice:
        call far_add            # back to the other page
        shl $1, %rbx
        ret $0                  # ret imm16
