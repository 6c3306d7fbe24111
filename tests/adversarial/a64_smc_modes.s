# a64_smc_modes: one page run as 64-bit code, then its bytes rewritten and
# run as 32-bit compatibility-mode code through a far call (a 32-bit code
# segment in the guest's GDT), then back.  Bytes that decode differently
# in the two modes: DEC %eax is a REX prefix in 64-bit mode.
        .code64
        .globl _start
_start: lea m_start(%rip), %rsi
        call puts
        lgdt gdtr(%rip)
        call page                       # 64-bit: 48 b0 61 = mov $'a', %al (REX.W ignored)
        out %al, $0xe9
        lea code32(%rip), %rsi          # the page rewritten with 32-bit code
        lea page(%rip), %rdi
        mov $code32_end - code32, %ecx
        rep movsb
        lea page(%rip), %rax
        mov %eax, ptr(%rip)
        movw $0x18, ptr+4(%rip)
        mov $'b', %eax
        lcall *ptr(%rip)                # 32-bit: 48 = dec %eax: 'a'
        out %al, $0xe9
        call putnl
        xor %eax, %eax
        jmp exit
        .include "tests/guests/common64.inc"
code32: .byte 0x48                      # dec %eax (64-bit: a REX prefix)
        .byte 0xcb                      # lret (32-bit far return to 64-bit code)
code32_end:
        .balign 4096
page:   .byte 0x48, 0xb0, 0x61          # 64-bit: rex.w mov $'a', %al
        ret
        .balign 4096
        .section .data
        .balign 16
gdt:    .quad 0
        .quad 0x00AF9A000000FFFF        # 0x08: 64-bit code
        .quad 0x00CF92000000FFFF        # 0x10: data
        .quad 0x00CF9A000000FFFF        # 0x18: 32-bit code
gdtr:   .word 0x1f
        .quad gdt
ptr:    .long 0
        .word 0
m_start: .asciz "one page, two modes: "
