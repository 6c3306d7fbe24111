# a64_shadow_pfloop: one instruction faults on the same unmapped page eight
# times in a row (a probe the guest calls in a loop); its #PF handler
# counts and skips it.  Each fault is the guest's own: delivered to its
# handler every time, however often the same RIP and address repeat.
# Prints the count in hex: 0x8.
        .include "tests/adversarial/gate64.inc"
        .include "tests/adversarial/paging64.inc"
        shadow_start page_a               # X -> A; X+4K not present
        lea h_pf(%rip), %rax
        lea idt+14*16(%rip), %rdi
        intgate
        lidt idtr(%rip)
        mov $X+0x1000, %rbx
        mov $8, %r12d
1:      mov (%rbx), %eax                # 8b 03: #PF, skipped by the handler
        dec %r12d
        jnz 1b
        mov faults(%rip), %eax
        mov $1, %cl
        call puthex
        shadow_end
h_pf:   incl faults(%rip)
        addq $2, 8(%rsp)                # past the 2-byte load
        add $8, %rsp                    # the error code
        iretq
        .balign 4096
page_a: ret
        .balign 4096
        own_tables_data
faults: .long 0
idtr:   .word 4095
        .quad idt
m_start: .asciz "the same fault again: "
        .balign 4096
idt:    .fill 4096, 1, 0
