# depriv_lar: LAR on its own code selector.  This host's KVM cannot run LAR
# (nor LSL/VERR/VERW) at CPL 0: raw ends in a KVM internal error at it.
# Deprivileged, scout runs it at the guest's virtual CPL 0 too, and must
# end the same way (the same message, not a CPL 3 answer: at CPL 3 LAR of
# a DPL 0 selector fails, a tell).
        .code64
        .globl _start
_start: mov $0x08, %ecx
        xor %eax, %eax
        lar %cx, %eax
        lea msg(%rip), %rsi
        call show
        xor %eax, %eax
        jmp exit
show:   call puts
        mov $4, %cl
        call puthex
        jmp putnl
msg:    .asciz "lar cs="
        .include "tests/guests/common64.inc"
