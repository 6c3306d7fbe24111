# a64_shadow_framept: an exception frame pushed into a page table.  The
# guest's stack is the top of the 4 KiB table of linear X's region, whose
# entry 507 maps X+507*4K to code page Y (run once: 'Y').  A UD2 at an odd
# address in page U then faults: the frame's RIP lands in entry 507 and
# maps X+507*4K to U instead (bit 0 set: present).  After INVLPG, a call
# to X+507*4K runs U's code at that offset: 'C'.  Deprivileged the frame
# is the delivery of an exception scout reflects into a page it keeps
# read-only; the store must reach the guest's table as every other does.
# Prints "YC".
        .include "tests/adversarial/paging64.inc"
        .include "tests/adversarial/gate64.inc"
        .set Z, X + 507 * 0x1000
        shadow_start page_a
        lea h_ud(%rip), %rax
        lea idt+6*16(%rip), %rdi
        intgate
        lidt idtr(%rip)
        lea page_y(%rip), %rax          # Z -> Y
        or $3, %rax
        mov %rax, pt+507*8(%rip)
        invlpg Z
        call Z                          # 'Y'
        mov %rsp, %r15
        lea pt+4096(%rip), %rsp         # the stack: the table's top
        clc                             # (RFLAGS' bit 0 clear in its frame slot)
        jmp ud_odd
back:   mov %r15, %rsp
        invlpg Z
        call Z                          # U: 'C'
        shadow_end
h_ud:   mov %r15, %rsp                  # (the frame stays in the table)
        xor %eax, %eax
        mov %ss, %ax
        push %rax
        push %r15
        pushfq
        push $0x08
        lea back(%rip), %rax
        push %rax
        iretq
        .balign 4096
page_u: mov $'C', %al                   # Z's offset 0 in U
        out %al, $0xe9
        ret
        .p2align 4
        nop
ud_odd: ud2                             # an odd RIP: a present entry
        .balign 4096
page_y: mov $'Y', %al                   # Z's offset 0 in Y
        out %al, $0xe9
        ret
        .balign 4096
page_a: ret
        .balign 4096
        own_tables_data
idtr:   .word 4095
        .quad idt
m_start: .asciz "an exception frame into a page table: "
        .balign 4096
idt:    .fill 4096, 1, 0
