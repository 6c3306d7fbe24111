# a64_shadow_rsvd: entries of the guest's own tables with reserved bits
# set: a 2 MiB PDE with bit 13 set (inside the large page's alignment), a
# PTE with bit 51 set (beyond the physical address width), and a 1 GiB
# page (PS in a PDPTE), which this host's CPUID does not offer the guest
# (0x80000001 EDX bit 26 clear).  The CPU's walk stops at each with #PF,
# error code P|RSVD (0x09), which the guest's handler prints before it
# skips the load.  Prints "0x09 0x09 0x09" here.
        .include "tests/adversarial/gate64.inc"
        .include "tests/adversarial/paging64.inc"
        shadow_start page_a
        lea h_pf(%rip), %rax
        lea idt+14*16(%rip), %rdi
        intgate
        lidt idtr(%rip)
        movq $0x2083, pd+8*8(%rip)      # a 2 MiB page, bit 13 set
        invlpg X
        lea 1f(%rip), %rax
        mov %rax, resume(%rip)
        mov X+0x10, %rax                # #PF (RSVD), skipped
1:      mov $' ', %al
        out %al, $0xe9
        lea pt(%rip), %rax              # X's region: the 4 KiB table again
        or $3, %rax
        mov %rax, pd+8*8(%rip)
        movabs $0x0008000000000003, %rax # X -> page A, bit 51 set
        lea page_a(%rip), %rdx
        or %rdx, %rax
        mov %rax, pt(%rip)
        invlpg X
        lea 1f(%rip), %rax
        mov %rax, resume(%rip)
        mov X, %rax                     # #PF (RSVD), skipped
1:      mov $' ', %al
        out %al, $0xe9
        movq $0x83, pdpt+4*8(%rip)      # 4 GiB: a 1 GiB page (PS in a PDPTE)
        mov $0x100000000, %rbx
        invlpg (%rbx)
        lea 1f(%rip), %rax
        mov %rax, resume(%rip)
        mov (%rbx), %rax                # without 1 GiB pages in CPUID: #PF (RSVD)
1:      mov $' ', %al
        out %al, $0xe9
        shadow_end
h_pf:   pop %rax
        mov $2, %cl
        call puthex
        mov resume(%rip), %rax
        mov %rax, (%rsp)
        iretq
        .balign 4096
page_a: ret
        .balign 4096
        own_tables_data
resume: .quad 0
idtr:   .word 4095
        .quad idt
m_start: .asciz "reserved bits in entries: "
        .balign 4096
idt:    .fill 4096, 1, 0
