# a64_depriv_tell: a CPL 0 guest trying to tell it runs deprivileged,
# through what is not a "system" instruction: the x87 environment's FPU CS
# selector (FNSTENV/FNSAVE after a native x87 instruction), alignment
# checking with AC set (on at CPL 3 only), the low bits of CS pushed by a
# far call, the RPL of SS seen by a stack switch-free IRETQ frame.  Each
# result is printed; --deprivilege must print what --raw prints.
        .code64
        .globl _start
_start: pushfq                          # AC set: unaligned loads fault at CPL 3 only
        orq $0x40000, (%rsp)
        popfq
        mov 1+buf(%rip), %rax
        pushfq
        andq $~0x40000, (%rsp)
        popfq
        mov $1, %eax
        lea m_ac(%rip), %rsi
        call show
        rex.w lcall *farptr(%rip)       # the CS a far call pushes
        lea m_farcs(%rip), %rsi
        call show
        fninit                          # last: this host cannot run FNSTENV at CPL 0
        fld1                            # native: the FPU keeps CS:IP of it
        sub $32, %rsp
        fnstenv (%rsp)
        movzwl 16(%rsp), %eax           # FCS
        add $32, %rsp
        lea m_fcs(%rip), %rsi
        call show
        xor %eax, %eax
        jmp exit
callee: mov 8(%rsp), %rax               # the pushed CS
        lretq
show:   call puts
        mov $4, %cl
        call puthex
        call putnl
        ret
m_fcs:  .asciz "fnstenv fcs="
m_ac:   .asciz "unaligned with AC ran="
m_farcs: .asciz "far call pushed cs="
        .include "tests/guests/common64.inc"
        .data
        .balign 16
buf:    .quad 0x1122334455667788, 0
farptr: .quad callee
        .word 0x08
