# a64_lgdt_code: LGDT whose 10-byte operand is code that runs: its limit
# bytes are a short JMP over the base (a branch: at depth 0 scout puts a
# trap on it).  LGDT must read the guest's bytes, not scout's trap byte --
# SGDT shows what was loaded.
        .code64
        .globl _start
_start: lea m_start(%rip), %rsi
        call puts
        lea gdt(%rip), %rax
        mov %rax, gdtr+2(%rip)          # the base
        call gdtr                       # run it: 'g'
        lgdt gdtr(%rip)
        sgdt out(%rip)
        movzwl out(%rip), %eax          # the limit: 0x08eb
        mov $4, %cl
        call puthex
        mov out+2(%rip), %rax
        lea gdt(%rip), %rbx
        sub %rbx, %rax                  # 0: the base as written
        mov $2, %cl
        call puthex
        call putnl
        xor %eax, %eax
        jmp exit
        .include "tests/guests/common64.inc"
gdtr:   jmp 1f                          # eb 08: the limit, 0x08eb
        .quad 0                         # the base
1:      mov $'g', %al
        out %al, $0xe9
        ret
        .section .data
        .balign 16
gdt:    .quad 0
        .quad 0x00AF9A000000FFFF        # 0x08: 64-bit code
        .quad 0x00CF92000000FFFF        # 0x10: data
        .fill 0x8f0, 1, 0
out:    .fill 10, 1, 0
m_start: .asciz "a descriptor-table operand that is code: "
