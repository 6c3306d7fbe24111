# a64_shadow_nxrw: execute-disable and read-only pages of the guest's own
# tables, each fault fixed by its #PF handler, which prints the error code
# and clears the bit in question (then INVLPG).  A call into X mapped XD
# (leaf), into X with the XD bit in its PDE instead, a read of an XD page
# (no fault), a store into a read-only page with CR0.WP=1, and a store
# through a read-only PDE.  Each fault must reach the guest with the error
# code raw gives, once, and the retried access must then succeed.
# Prints "0x11 A 0x11 A r 0x03 w 0x03 w".
        .include "tests/adversarial/gate64.inc"
        .include "tests/adversarial/paging64.inc"
        shadow_start page_a
        mov $0xc0000080, %ecx           # EFER.NXE
        rdmsr
        or $0x800, %eax
        wrmsr
        lea h_pf(%rip), %rax
        lea idt+14*16(%rip), %rdi
        intgate
        lidt idtr(%rip)
        lea pt(%rip), %rax              # the leaf: XD
        mov %rax, fixp(%rip)
        btsq $63, pt(%rip)
        invlpg X
        call X                          # fault, then 'A'
        lea pd+8*8(%rip), %rax          # the PDE: XD
        mov %rax, fixp(%rip)
        btsq $63, pd+8*8(%rip)
        invlpg X
        call X                          # fault, then 'A'
        btsq $63, pt(%rip)              # a read of an XD page: no fault
        invlpg X
        mov X, %al
        cmp page_a(%rip), %al
        jne bad
        mov $'r', %al
        out %al, $0xe9
        mov $' ', %al
        out %al, $0xe9
        lea pt(%rip), %rax              # the leaf: read-only (XD still)
        mov %rax, fixp(%rip)
        movq $1, fixbit(%rip)
        btrq $1, pt(%rip)
        invlpg X
        movb $0x90, X+0x800             # fault, then the store
        cmpb $0x90, page_a+0x800(%rip)
        jne bad
        mov $'w', %al
        out %al, $0xe9
        mov $' ', %al
        out %al, $0xe9
        lea pd+8*8(%rip), %rax          # the PDE: read-only
        mov %rax, fixp(%rip)
        btrq $1, pd+8*8(%rip)
        invlpg X
        movb $0x91, X+0x800             # fault, then the store
        cmpb $0x91, page_a+0x800(%rip)
        jne bad
        mov $'w', %al
        out %al, $0xe9
        shadow_end
bad:    mov $1, %eax
        jmp exit
# h_pf: prints the error code, flips bit `fixbit` of the entry at `fixp`
h_pf:   push %rax
        push %rcx
        push %rdx
        mov 24(%rsp), %rax
        mov $2, %cl
        call puthex
        mov $' ', %al
        out %al, $0xe9
        mov fixp(%rip), %rdx
        mov fixbit(%rip), %rcx
        btcq %rcx, (%rdx)
        invlpg X
        pop %rdx
        pop %rcx
        pop %rax
        add $8, %rsp
        iretq
        .balign 4096
page_a: mov $'A', %al
        out %al, $0xe9
        mov $' ', %al
        out %al, $0xe9
        ret
        .balign 4096
        own_tables_data
fixp:   .quad 0
fixbit: .quad 63
idtr:   .word 4095
        .quad idt
m_start: .asciz "XD and read-only, fixed by the handler: "
        .balign 4096
idt:    .fill 4096, 1, 0
