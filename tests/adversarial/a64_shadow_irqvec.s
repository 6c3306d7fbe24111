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
        mov $0x11, %al                  # the 8259: vectors 0x08.., IRQ 0 only
        out %al, $0x20
        mov $0x08, %al
        out %al, $0x21
        mov $4, %al
        out %al, $0x21
        mov $1, %al
        out %al, $0x21
        mov $0xfe, %al
        out %al, $0x21
        mov $0x30, %al                  # the 8254 one-shot (mode 0), 1 ms
        out %al, $0x43
        mov $1193 & 0xff, %al
        out %al, $0x40
        mov $1193 >> 8, %al
        out %al, $0x40
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
tick:   push %rax
        incl ticks(%rip)
        mov $0x20, %al
        out %al, $0x20
        pop %rax
        iretq
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
