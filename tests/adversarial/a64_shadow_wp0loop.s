# a64_shadow_wp0loop: with CR0.WP clear, a loop increments a byte in a
# page its tables map read-only, at the same instruction every round, with
# an exit (PUSHF/POPF) in each.  Deprivileged, the shadow cannot give such
# a store to CPL 3: each round it faults there at the same RIP and address
# and scout runs it at CPL 0 (cpl0=) -- every time.  Prints 0x08.
        .include "tests/adversarial/paging64.inc"
        shadow_start page_a
        lea page_d(%rip), %rax          # X+4K -> D, read-only
        or $1, %rax
        mov %rax, pt+8(%rip)
        invlpg X+0x1000
        mov %cr0, %rax
        btr $16, %rax                   # WP off
        mov %rax, %cr0
        mov $X+0x1000, %rbx
        mov $8, %ecx
1:      incb (%rbx)                     # into the read-only page, at CPL 0 only
        pushfq                          # (an exit every round)
        popfq
        dec %ecx
        jnz 1b
        movzbl page_d(%rip), %eax
        mov $2, %cl
        call puthex
        shadow_end
        .balign 4096
page_a: ret
        .balign 4096
page_d: .byte 0
        .balign 4096
        own_tables_data
m_start: .asciz "WP clear, a loop: "
