# a64_sse_store: 16-byte SSE stores into a page with code (KVM splits them
# into two 8-byte MMIO exits): one into data next to the code, read back;
# one over code ahead, which then runs as written.
        .code64
        .globl _start
_start: lea m_start(%rip), %rsi
        call puts
        movdqu pattern(%rip), %xmm0
        movdqu %xmm0, slot(%rip)        # data in this code page
        mov slot(%rip), %rax
        mov $16, %cl
        call puthex
        mov slot+8(%rip), %rax
        call puthex
        call putnl
        movdqu newcode(%rip), %xmm1
        movdqu %xmm1, patch(%rip)       # code ahead: 16 bytes
        call patch
        call putnl
        xor %eax, %eax
        jmp exit
patch:  mov $'o', %al                   # replaced by newcode (16 bytes)
        out %al, $0xe9
        mov $'l', %al
        out %al, $0xe9
        mov $'d', %al
        out %al, $0xe9
        ret
        .fill 4, 1, 0x90
        .balign 16
slot:   .fill 16, 1, 0
        .include "tests/guests/common64.inc"
        .section .data
        .balign 16
pattern: .quad 0x1122334455667788, 0x99aabbccddeeff00
newcode: mov $'n', %al                  # 16 bytes: b0 6e e6 e9 x3, c3, nops
        out %al, $0xe9
        mov $'e', %al
        out %al, $0xe9
        mov $'w', %al
        out %al, $0xe9
        ret
        .fill 3, 1, 0x90
m_start: .asciz "16-byte stores: "
