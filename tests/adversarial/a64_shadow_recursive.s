# a64_shadow_recursive: page tables that map themselves, as some kernels
# keep them (PML4[511] -> the PML4): linear X's PTE is then at
# 0xffffff8000008000.  Through that window the guest reads X's PTE, points
# it at code page B (never run, an OUT in it), flushes X and calls it,
# then back to A.  A store through the window is a store into a
# paging-structure page, whichever linear address it goes through.
# Prints "=BA".
        .include "tests/adversarial/paging64.inc"
        .set PTE_X, 0xffffff8000008000
        shadow_start page_a
        lea pml4(%rip), %rax            # PML4[511] -> PML4
        or $3, %rax
        mov %rax, pml4+511*8(%rip)
        mov %cr3, %rax
        mov %rax, %cr3
        call X                          # A: nothing
        movabs $PTE_X, %rbx
        mov (%rbx), %rax                # X's PTE, read through the window
        xor pt(%rip), %rax
        and $~0xfff, %rax
        mov $'=', %al
        jz 1f
        mov $'!', %al
1:      out %al, $0xe9
        lea page_b(%rip), %rax          # X -> B, stored through the window
        or $3, %rax
        mov %rax, (%rbx)
        invlpg X
        call X                          # B: 'B'
        lea page_a2(%rip), %rax         # X -> A2, through the window
        or $3, %rax
        mov %rax, (%rbx)
        invlpg X
        call X                          # A2: 'A'
        shadow_end
        .balign 4096
page_a: ret
        .balign 4096
page_b: mov $'B', %al
        out %al, $0xe9
        ret
        .balign 4096
page_a2: mov $'A', %al
        out %al, $0xe9
        ret
        .balign 4096
        own_tables_data
m_start: .asciz "page tables through a recursive window: "
