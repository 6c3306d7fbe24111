# a64_shadow_noinvlpg: the PTE of linear code page X is changed from
# physical page A to B without INVLPG, and X is called: the CPU may use
# either mapping, so A and B print the same letter -- but B was never run,
# and A's code is then rewritten (same letter, other bytes) through its
# identity mapping before X is called again.  Whichever page the CPU
# fetches from, scout must have scanned it (native_io=0).  Prints AAAAAA.
        .include "tests/adversarial/paging64.inc"
        shadow_start page_a
        call tramp                      # A
        lea page_b(%rip), %rax          # X -> B, no INVLPG
        or $3, %rax
        mov %rax, pt(%rip)
        call tramp                      # A or B
        lea new_a(%rip), %rsi           # A rewritten: X may still reach it
        lea page_a(%rip), %rdi
        mov $new_a_end - new_a, %ecx
        rep movsb
        call tramp                      # new A or B
        invlpg X
        call tramp                      # B
        lea page_a(%rip), %rax          # X -> A again, no INVLPG
        or $3, %rax
        mov %rax, pt(%rip)
        call tramp                      # B or new A
        invlpg X
        call tramp                      # new A
        shadow_end
        .balign 4096
tramp:  call X                          # a direct call into another page
        ret
        .balign 4096
page_a: mov $'A', %al
        out %al, $0xe9
        ret
        .balign 4096
page_b: mov $'A', %al
        out %al, $0xe9
        ret
        .balign 4096
        own_tables_data
new_a:  push %rax
        mov $'A', %al
        out %al, $0xe9
        pop %rax
        ret
new_a_end:
m_start: .asciz "a code page remapped without INVLPG: "
