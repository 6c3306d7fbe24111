# a64_shadow_reslinear: the guest's own tables map the linear page of
# scout's TSS (reserved+0x1000, where deprivileged the shadow keeps scout's
# own TSS for the CPU) to a page of the guest's, and the guest writes and
# reads it there.  Raw that is the guest's page; deprivileged scout cannot
# give the guest that linear page, and must refuse cleanly (status 2, one
# line) -- never write scout's TSS, never let the read see it.  Prints
# "0x5a5a" raw.
        .include "tests/adversarial/paging64.inc"
        shadow_start page_a
        reserved_base %r12
        lea 0x1000(%r12), %r13          # the TSS's linear page
        reserved_remap page_g           # ... but the TSS's page -> G
        movw $0x5a5a, 4(%r13)           # RSP0's low bytes, in scout's TSS
        movzwl 4(%r13), %eax
        mov $4, %cl
        call puthex
        movzwl page_g+4(%rip), %eax
        cmp $0x5a5a, %eax
        jne 2f
        shadow_end
2:      mov $1, %eax
        jmp exit
        .balign 4096
page_a: ret
        .balign 4096
page_g: .fill 4096, 1, 0
        .balign 4096
        own_tables_data
        reserved_remap_data
m_start: .asciz "the TSS's linear page mapped elsewhere: "
