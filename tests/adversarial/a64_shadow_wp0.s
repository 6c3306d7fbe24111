# a64_shadow_wp0: with CR0.WP clear, CPL 0 may store into pages its tables
# map read-only.  The guest maps X read-only to code page A (run first),
# clears WP, stores a new immediate into A through X, runs A through X
# again, stores into a read-only data page too, sets WP again, and a store
# through X now faults (its handler prints the error code and skips the
# store).  Deprivileged the shadow cannot give CPL 3 such a store: scout
# runs it at CPL 0 (counted cpl0=).  Prints "ABd 0x03B".
        .include "tests/adversarial/gate64.inc"
        .include "tests/adversarial/paging64.inc"
        shadow_start page_a
        lea h_pf(%rip), %rax
        lea idt+14*16(%rip), %rdi
        intgate
        lidt idtr(%rip)
        lea page_a(%rip), %rax          # X -> A, read-only
        or $1, %rax
        mov %rax, pt(%rip)
        lea page_d(%rip), %rax          # X+4K -> D, read-only
        or $1, %rax
        mov %rax, pt+8(%rip)
        invlpg X
        invlpg X+0x1000
        call X                          # 'A'
        mov %cr0, %rax
        btr $16, %rax                   # WP off
        mov %rax, %cr0
        movb $'B', X+1                  # into read-only code
        call X                          # 'B'
        movb $'d', X+0x1000             # into a read-only data page
        mov page_d(%rip), %al
        out %al, $0xe9
        mov $' ', %al
        out %al, $0xe9
        mov %cr0, %rax
        bts $16, %rax                   # WP on
        mov %rax, %cr0
        movb $'C', X+1                  # 7 bytes (c6 04 25 disp32 imm8): #PF, skipped
        call X                          # 'B' still: nothing written
        shadow_end
h_pf:   push %rax
        push %rcx
        mov 16(%rsp), %rax
        mov $2, %cl
        call puthex
        addq $8, 24(%rsp)               # past the store
        pop %rcx
        pop %rax
        add $8, %rsp
        iretq
        .balign 4096
page_a: mov $'A', %al
        out %al, $0xe9
        ret
        .balign 4096
page_d: .byte '?'
        .balign 4096
        own_tables_data
idtr:   .word 4095
        .quad idt
m_start: .asciz "stores with CR0.WP clear: "
        .balign 4096
idt:    .fill 4096, 1, 0
