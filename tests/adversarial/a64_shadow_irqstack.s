# a64_shadow_irqstack: timer interrupts taken while the guest spins in
# native code, their frames pushed onto a stack in the page that holds the
# code (as a64_irq_frame's, which takes them in `sti; hlt`).  The 8254 is
# armed one-shot for each of three waits; the handler counts and
# acknowledges.  Deprivileged, each interrupt reaches scout's stub from
# CPL 3 and is delivered into the guest's IDT by scout, onto a page scout
# keeps read-only: it must be taken once each, in its turn.  Prints
# "ticks: 3".
        .include "tests/adversarial/gate64.inc"
        .include "tests/adversarial/paging64.inc"
        shadow_start page_a
        lea tick(%rip), %rax            # IDT: vector 0x20 (IRQ 0)
        lea idt+0x20*16(%rip), %rdi
        intgate
        lidt idtr(%rip)
        lea stack_top(%rip), %rsp       # in this page
        pic_irq0 0x20                   # the 8259: vectors 0x20.., IRQ 0 only
        xor %r12d, %r12d
1:      pit_oneshot                     # the 8254: one IRQ 0 in 1 ms
        mov $0x40000000, %ecx           # (bounded: about 0.5 s native)
        sti
2:      cmp %r12d, ticks(%rip)          # native: the interrupt comes here
        jne 3f
        dec %ecx
        jnz 2b
3:      cli
        inc %r12d
        cmp $3, %r12d
        jb 1b
        mov ticks(%rip), %eax
        add $'0', %al
        out %al, $0xe9
        shadow_end
        tick_handler
        .balign 16
        .fill 256, 1, 0
stack_top:
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
