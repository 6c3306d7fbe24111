# a64_pte_live: code rewrites the PTE of the very page it runs in.  Linear
# page X maps physical page A; code in A stores a new PTE for X (-> B) and
# flushes it with INVLPG: the next instruction is fetched from B, at the
# same offset -- a page nothing has scanned, reached by falling through.
        .include "tests/adversarial/paging64.inc"
        .code64
        .globl _start
_start: lea m_start(%rip), %rsi
        call puts
        lea page_b(%rip), %rax          # what A will write: X -> B
        or $3, %rax
        mov %rax, %r12
        lea pt(%rip), %r13
        own_tables page_a
        mov $X, %rbx
        call *%rbx
        call putnl
        xor %eax, %eax
        jmp exit
        .include "tests/guests/common64.inc"
        .balign 4096
page_a: mov %r12, (%r13)                # X -> B
        invlpg (%rbx)
        mov $'A', %al                   # (in A: never runs)
        out %al, $0xe9
        ret
        .balign 4096
page_b: .fill page_a_mov - page_a, 1, 0x90
        mov $'B', %al                   # (in B, at the same offset)
        out %al, $0xe9
        ret
        .balign 4096
        .set page_a_mov, page_a + 7     # after the store (3) and INVLPG (4)
        own_tables_data
m_start: .asciz "the running page remapped: "
