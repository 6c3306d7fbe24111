# a64_shadow_accessed: the Accessed and Dirty bits of a PTE, as a kernel
# that ages its pages reads them.  X+4K -> data page D is read once; then
# the guest clears A and D in that PTE (INVLPG), reads the PTE back (no
# access since: both clear), reads D through X+4K (A set), writes it (D
# set).  Prints the PTE's flags each time: "0x003 0x023 0x063".
        .include "tests/adversarial/paging64.inc"
        shadow_start page_a
        lea page_d(%rip), %rax
        or $3, %rax
        mov %rax, pt+8(%rip)
        invlpg X+0x1000
        mov X+0x1000, %rax              # D through its PTE: A (and the walk kept)
        andq $~0x60, pt+8(%rip)         # A and D cleared
        invlpg X+0x1000
        call flags                      # nothing since: 0x003
        mov X+0x1000, %rax              # a read: A
        call flags
        movq $1, X+0x1000               # a write: D
        call flags
        shadow_end
flags:  mov pt+8(%rip), %rax
        and $0xfff, %eax
        mov $3, %cl
        call puthex
        mov $' ', %al
        out %al, $0xe9
        ret
        .balign 4096
page_a: ret
        .balign 4096
page_d: .quad 0
        .balign 4096
        own_tables_data
m_start: .asciz "a PTE's A and D bits: "
