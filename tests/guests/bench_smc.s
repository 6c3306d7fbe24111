# bench_smc: self-modifying code in a page full of code.  Every iteration
# rewrites the imm32 of an instruction that already ran (same page as the
# loop), then runs it: each write touches a scanned instruction, so the
# page's attributes are dumped and the page is scanned again from the loop.
# The rest of the page is a long slow path (80 blocks chained by jmp, called
# when the new immediate's low 10 bits are 0): a deeper prescan rescans more
# of it after every invalidation, a shallow one less.  ITER from --defsym.
        .code64
        .globl _start
_start: mov $ITER, %ecx
        xor %ebx, %ebx
        xor %edx, %edx
        mov $0x12345, %eax
top:    imul $0x41c64e6d, %eax, %eax    # next immediate
        add $0x3039, %eax
        mov %eax, patched+3(%rip)       # rewrite the imm32 of the add below
patched:
        add $0x12345678, %rbx           # imm32 (48 81 c3 imm32)
        rol $3, %rbx
        test $1, %bl
        jz 1f                           # in-page forward branch
        inc %rbx
1:      test $0x3ff, %eax
        jnz 2f
        call slow                       # rare: about 1 iteration in 1024
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
slow:
        .rept 80
        add $5, %rbx
        rol $3, %rbx
        xor %rbx, %rdx
        imul $7, %rdx, %rdx
        add %rdx, %rbx
        shr $1, %rdx
        jmp 3f                          # each block one level deeper
3:
        .endr
        ret
msg:    .asciz "bench_smc: sum="
        .include "tests/guests/common64.inc"
