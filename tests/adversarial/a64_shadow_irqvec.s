# a64_shadow_irqvec: an external interrupt on a vector the CPU also uses
# for an exception that pushes an error code.  The 8259 is left at the
# vector base 8 (as a BIOS leaves it), so the 8254's IRQ 0 comes as vector
# 8 -- #DF's, with an error code -- but an interrupt pushes none.  It
# arrives while the guest spins in native code (its own tables, its own
# IDT); the handler counts it and returns to the loop.  Deprivileged, the
# frame scout's stub finds holds no error code.  Prints "ticks: 0x1".
        .include "tests/adversarial/gate64.inc"
        .include "tests/adversarial/paging64.inc"
        shadow_start page_a
        lea tick(%rip), %rax            # vector 8: IRQ 0 here
        lea idt+8*16(%rip), %rdi
        intgate
        lidt idtr(%rip)
        pic_irq0 0x08                   # the 8259: vectors 0x08.., IRQ 0 only
        pit_oneshot                     # the 8254: one IRQ 0 in 1 ms
        mov $0x40000000, %ecx           # (bounded: about 0.5 s native)
        sti
1:      cmpl $0, ticks(%rip)            # native: the interrupt comes here
        jne 2f
        dec %ecx
        jnz 1b
2:      cli
        mov ticks(%rip), %eax
        mov $1, %cl
        call puthex
        shadow_end
        tick_handler
        .balign 4096
page_a: ret
        .balign 4096
        own_tables_data
ticks:  .long 0
idtr:   .word 4095
        .quad idt
m_start: .asciz "ticks: "
        .balign 4096
idt:    .fill 4096, 1, 0
