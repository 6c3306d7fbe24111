# a64_user_remap: the guest's own CPL 3 code at linear X, which its kernel
# remaps (PTE write, INVLPG) to another page before it returns there.  The
# page table is on the walk to running code, so scout keeps it read-only
# and writes the PTE itself -- through its own mapping, which KVM does not
# see: KVM must still drop what it built from the old PTE, or the CPU runs
# the old page at CPL 3 (natively) while scout has scanned the new one.
# Prints "UV" (U from the first page, V from the second).
        .include "tests/adversarial/gate64.inc"
        .include "tests/adversarial/paging64.inc"
        shadow_start page_u
        orq $4, pml4(%rip)              # user pages on X's walk
        orq $4, pdpt(%rip)
        orq $4, pd+8*8(%rip)
        orq $4, pt(%rip)                # X -> page_u
        lea ustack(%rip), %rax          # X+4K -> the user stack
        or $7, %rax
        mov %rax, pt+8(%rip)
        mov %cr3, %rax
        mov %rax, %cr3
        lea tss(%rip), %rax             # its own TSS (RSP0: its own stack), in its own GDT
        mov %ax, gdt+0x32(%rip)
        shr $16, %rax
        mov %al, gdt+0x34(%rip)
        mov %ah, gdt+0x37(%rip)
        shr $16, %rax
        mov %eax, gdt+0x38(%rip)
        lea kstack(%rip), %rax
        mov %rax, tss+4(%rip)
        lgdt gdtr(%rip)
        mov $0x30, %ax
        ltr %ax
        lea ud(%rip), %rax              # #UD: back to CPL 0
        lea idt+6*16(%rip), %rdi
        intgate
        lidt idtr(%rip)
        pushq $0x23                     # to X at CPL 3
        pushq $X+0x2000
        pushq $2
        pushq $0x2b
        pushq $X
        iretq
ud:     incl rounds(%rip)
        cmpl $2, rounds(%rip)
        je 1f
        lea page_v(%rip), %rax          # X -> page_v, user
        or $7, %rax
        mov %rax, pt(%rip)
        invlpg X
        movq $X, (%rsp)                 # back to X, at CPL 3
        iretq
1:      mov $0x10, %eax                 # (kernel data selectors)
        mov %eax, %ds
        shadow_end
        .balign 4096
page_u: mov $'U', %al
        out %al, $0xe9
        ud2
        .balign 4096
page_v: mov $'V', %al
        out %al, $0xe9
        ud2
        .balign 4096
ustack: .fill 4096, 1, 0
        .balign 4096
        own_tables_data
rounds: .long 0
        .balign 16
gdt:    .quad 0
        .quad 0x00af9a000000ffff        # 0x08: 64-bit code, DPL 0
        .quad 0x00cf92000000ffff        # 0x10: data, DPL 0
        .quad 0
        .quad 0x00cff2000000ffff        # 0x23: data, DPL 3
        .quad 0x00affa000000ffff        # 0x2b: 64-bit code, DPL 3
        .word 0x67, 0                   # 0x30: 64-bit TSS (base filled in)
        .byte 0, 0x89, 0, 0
        .quad 0
gdtr:   .word gdtr - gdt - 1
        .quad gdt
        .balign 16
tss:    .fill 0x68, 1, 0
        .balign 16
        .fill 1024, 1, 0
kstack:
idtr:   .word 4095
        .quad idt
m_start: .asciz "user code remapped: "
        .balign 4096
idt:    .fill 4096, 1, 0
