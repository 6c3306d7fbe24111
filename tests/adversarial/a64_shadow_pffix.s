# a64_shadow_pffix: #PF handlers that change the faulting PTE.  A call to
# linear X, not present, faults on the fetch; the handler maps X to code
# page B (never run) and returns to the fetch: B must be scanned before it
# runs.  Then X is mapped read-only to A and run; a store to X faults; the
# handler maps X writable to page C (no INVLPG: a #PF drops the faulting
# translation) and returns; the store lands in C, whose code it changes,
# and C runs through X.  The handler prints each error code's low bits.
# Prints "0:B 3:C".
        .include "tests/adversarial/gate64.inc"
        .include "tests/adversarial/paging64.inc"
        shadow_start page_a
        movq $0, pt(%rip)               # X not present
        invlpg X
        lea h_pf(%rip), %rax
        lea idt+14*16(%rip), %rdi
        intgate
        lidt idtr(%rip)
        lea page_b(%rip), %rax
        or $3, %rax
        mov %rax, fix(%rip)
        call X                          # #PF on the fetch; then B
        mov $' ', %al
        out %al, $0xe9
        lea page_a(%rip), %rax          # X -> A, read-only
        or $1, %rax
        mov %rax, pt(%rip)
        invlpg X
        call X                          # A: nothing
        lea page_c(%rip), %rax
        or $3, %rax
        mov %rax, fix(%rip)
        movb $'C', X+1                  # #PF (write); the store lands in C
        call X                          # C: 'C'
        shadow_end
h_pf:   push %rax
        mov 8(%rsp), %rax               # the error code
        and $0x3, %eax
        add $'0', %al
        out %al, $0xe9
        mov $':', %al
        out %al, $0xe9
        mov fix(%rip), %rax
        mov %rax, pt(%rip)
        pop %rax
        add $8, %rsp
        iretq
        .balign 4096
page_a: ret
        .balign 4096
page_b: mov $'B', %al
        out %al, $0xe9
        ret
        .balign 4096
page_c: mov $'?', %al
        out %al, $0xe9
        ret
        .balign 4096
        own_tables_data
fix:    .quad 0
idtr:   .word 4095
        .quad idt
m_start: .asciz "#PF handlers fix the PTE: "
        .balign 4096
idt:    .fill 4096, 1, 0
