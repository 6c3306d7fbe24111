# depriv_reserved: reads scout's own GDT (in the reserved region at the top
# of RAM) through the address SGDT gives.  Raw, CPL 0 code can: it prints
# the 64-bit code descriptor.  Deprivileged, the region is supervisor-only
# and scout refuses to go on (status 2, one line): the guest cannot reach
# scout's memory.
        .code64
        .globl _start
_start: sub $16, %rsp
        sgdt (%rsp)
        mov 2(%rsp), %rbx
        lea msg(%rip), %rsi
        call puts
        mov 8(%rbx), %rax               # descriptor 0x08
        mov $16, %cl
        call puthex
        call putnl
        xor %eax, %eax
        jmp exit
msg:    .asciz "scout's GDT[1]="
        .include "tests/guests/common64.inc"
