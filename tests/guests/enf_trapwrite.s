# enf_trapwrite: the guest rewrites the byte that holds a trap.  out_at is
# "out %al, %dx" (virtualize: a trap sits on it).  The guest turns it into
# a nop, calls it (prints nothing), restores it and calls it again ('Y').
        .code64
        .globl _start
_start: lea msg(%rip), %rsi
        call puts
        mov $0xe9, %dx
        mov $'X', %al
        movb $0x90, out_at(%rip)        # write onto the trapped byte
        call out_at
        movb $0xee, out_at(%rip)        # and put the OUT back
        mov $'Y', %al
        call out_at
        call putnl
        xor %eax, %eax
        jmp exit
out_at: out %al, %dx
        ret
msg:    .asciz "trapwrite: "
        .include "tests/guests/common64.inc"
