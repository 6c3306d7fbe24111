# bench_smc: self-modifying code.  Every iteration rewrites the imm32 of an
# instruction that already ran (same page as the loop), then runs it: each
# write touches a scanned instruction, so the page's attributes are dumped
# and the loop is scanned again.  ITER comes from --defsym.
        .code64
        .globl _start
_start: mov $ITER, %ecx
        xor %ebx, %ebx
        mov $0x12345, %eax
top:    imul $0x41c64e6d, %eax, %eax    # next immediate
        add $0x3039, %eax
        mov %eax, patched+3(%rip)       # rewrite the imm32 of the add below
patched:
        add $0x12345678, %rbx            # imm32 (48 81 c3 imm32)
        rol $3, %rbx
        test $1, %bl
        jz 1f                           # in-page forward branch
        inc %rbx
1:      dec %ecx
        jnz top
        lea msg(%rip), %rsi
        call puts
        mov %rbx, %rax
        mov $16, %cl
        call puthex
        call putnl
        xor %eax, %eax
        jmp exit
msg:    .asciz "bench_smc: sum="
        .include "tests/guests/common64.inc"
