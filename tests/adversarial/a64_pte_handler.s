# a64_pte_handler: the #UD handler lives at linear page X, mapped to
# physical page A by the guest's own page tables.  The IDT is left alone;
# only the PTE for X changes, to page B (never run, an OUT in it).  UD2:
# the CPU delivers to X, now B -- scout must guard B's entry, not A's.
        .include "tests/adversarial/gate64.inc"
        .include "tests/adversarial/paging64.inc"
        .code64
        .globl _start
_start: lea m_start(%rip), %rsi
        call puts
        own_tables page_a
        mov $X, %rax                    # #UD -> X
        lea idt+6*16(%rip), %rdi
        intgate
        lidt idtr(%rip)
        ud2                             # A: prints 'A'
        remap page_b                    # X -> page B; the IDT unchanged
        ud2                             # B: prints 'B'
        call putnl
        xor %eax, %eax
        jmp exit
        .include "tests/guests/common64.inc"
        .balign 4096
page_a: mov $'A', %al
        out %al, $0xe9
        addq $2, (%rsp)
        iretq
        .balign 4096
page_b: mov $'B', %al
        out %al, $0xe9
        addq $2, (%rsp)
        iretq
        .balign 4096
        own_tables_data
idtr:   .word 4095
        .quad idt
m_start: .asciz "handler page remapped: "
        .balign 4096
idt:    .fill 4096, 1, 0
