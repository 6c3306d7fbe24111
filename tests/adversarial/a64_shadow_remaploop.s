# a64_shadow_remaploop: a loop that remaps one linear page (a PTE store,
# INVLPG) and loads through it at the same instruction, eight times, to
# two data pages in turn.  No fault is the guest's: deprivileged, each
# remap empties the shadow, and each load misses there at the same RIP and
# address -- a fill each time, as the guest's tables say.  Prints the sum
# of the loads: 0x1c.
        .include "tests/adversarial/paging64.inc"
        shadow_start page_a
        xor %r12d, %r12d                # the sum
        mov $8, %r13d
        mov $X+0x1000, %rbx
1:      lea page_1(%rip), %rax          # odd rounds: page 1, even: page 3
        test $1, %r13d
        jnz 2f
        lea page_3(%rip), %rax
2:      or $3, %rax
        mov %rax, pt+8(%rip)
        invlpg (%rbx)
        add (%rbx), %r12                # the same RIP and address every round
        dec %r13d
        jnz 1b
        mov %r12, %rax
        mov $2, %cl
        call puthex
        shadow_end
        .balign 4096
page_a: ret
        .balign 4096
page_1: .quad 1
        .balign 4096
page_3: .quad 6
        .balign 4096
        own_tables_data
m_start: .asciz "one page remapped in a loop: "
