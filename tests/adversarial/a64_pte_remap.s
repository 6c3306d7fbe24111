# a64_pte_remap: the guest's own page tables map the linear page X to
# physical page A, where a function runs (scanned, native).  Then the PTE
# is rewritten to physical page B -- never executed, with an OUT in it --
# and the TLB entry flushed; the same direct call now fetches from B.
# scout scans by physical page: B must be scanned before it runs.  Then
# back to A, whose code was rewritten meanwhile through a second mapping.
        .include "tests/adversarial/paging64.inc"
        .code64
        .globl _start
_start: lea m_start(%rip), %rsi
        call puts
        own_tables page_a
        call tramp                      # A: prints 'A'
        call tramp
        remap page_b                    # X -> page B
        call tramp                      # B: prints 'B'
        movb $'C', page_a+1(%rip)       # A rewritten through its identity mapping
        remap page_a                    # X -> page A again
        call tramp                      # A, rewritten: prints 'C'
        call putnl
        xor %eax, %eax
        jmp exit
        .include "tests/guests/common64.inc"
        .balign 4096
tramp:  call X                          # a direct call: native once scanned
        ret
        .balign 4096
page_a: mov $'A', %al
        out %al, $0xe9
        ret
        .balign 4096
page_b: mov $'B', %al
        out %al, $0xe9
        ret
        .balign 4096
        own_tables_data
m_start: .asciz "remapped code page: "
