# irq_pit: a multiboot kernel (long mode) that counts the 8254's ticks in a
# HLT loop, first through the 8259 (IRQ 0 -> vector 0x20, periodic), then
# through the IOAPIC (pin 2 -> vector 0x30, the 8259 masked, EOI to the
# local APIC; one-shot, re-armed by the handler).  Interrupts are enabled
# only in `sti; hlt`, so every tick is taken in the HLT and the run is the
# same every time.  (The 8259 holds a late periodic tick until the CPU can
# take it; the IOAPIC sends it at once, so there the next tick is armed
# only after the last was taken.)  Prints what it saw and exits
# with 0 (status 1), or with 1 (status 3) at the first surprise.  With
# the argument "forever" it counts 8259 ticks in `sti; hlt` until stopped.
        .include "mb64.inc"
        .set TICKS, 5
        .set LAPIC, 0xfee00000
        .set IOAPIC, 0xfec00000

main64: mov $0x20, %eax
        lea pic_tick(%rip), %rbx
        call set_gate
        mov $0x27, %eax                 # the 8259's spurious IRQ 7
        lea spurious(%rip), %rbx
        call set_gate
        mov $0x30, %eax
        lea apic_tick(%rip), %rbx
        call set_gate
        call pic_init
        mov $0xfe, %al                  # IRQ 0 only
        out %al, $0x21
        mov $0x34, %al                  # channel 0, LSB then MSB, mode 2
        out %al, $0x43
        mov $11932 & 0xff, %al          # 100 Hz
        out %al, $0x40
        mov $11932 >> 8, %al
        out %al, $0x40

        call arg1
        cmpb $'f', (%rsi)
        je forever
        xor %r12d, %r12d                # HLTs
1:      sti
        hlt
        cli
        inc %r12d
        cmp $TICKS, %r12d
        jb 1b
        lea m_pic(%rip), %rsi
        call puts
        mov ticks(%rip), %eax
        mov $2, %cl
        call puthex
        lea m_isr(%rip), %rsi
        call puts
        mov isr_seen(%rip), %eax
        mov $2, %cl
        call puthex
        call putnl
        cmpl $TICKS, ticks(%rip)
        jne fail
        cmpb $1, isr_seen(%rip)         # IRQ 0 was in service inside the handler
        jne fail

        # the same ticks through the IOAPIC: the 8259 masked, the local
        # APIC software-enabled, pin 2 (ISA IRQ 0) -> vector 0x30
        mov $0xff, %al
        out %al, $0x21
        mov $0x30, %al                  # channel 0 stopped: mode 0, no count yet
        out %al, $0x43
        mov $LAPIC, %ebx
        movl $0x1ff, 0xf0(%rbx)
        mov $IOAPIC, %ebx
        movl $0x15, (%rbx)              # pin 2, high half: destination APIC 0
        movl $0, 0x10(%rbx)
        movl $0x14, (%rbx)              # low half: vector 0x30, fixed, edge, unmasked
        movl $0x30, 0x10(%rbx)
        movl $0x01, (%rbx)              # version register
        mov 0x10(%rbx), %eax
        mov %eax, ioapic_ver(%rip)
        movl $0, ticks(%rip)            # (the first HLT takes the edge phase 1 left latched)
        xor %r12d, %r12d
2:      sti
        hlt
        cli
        inc %r12d
        cmp $TICKS, %r12d
        jb 2b
        movl $0x14, (%rbx)              # mask pin 2 again
        movl $0x10030, 0x10(%rbx)
        lea m_ioapic(%rip), %rsi
        call puts
        mov ticks(%rip), %eax
        mov $2, %cl
        call puthex
        lea m_ver(%rip), %rsi
        call puts
        mov ioapic_ver(%rip), %eax
        mov $8, %cl
        call puthex
        call putnl
        cmpl $TICKS, ticks(%rip)
        jne fail
        xor %eax, %eax
        jmp exit
fail:   mov $1, %al
        jmp exit
forever:
        sti
        hlt
        jmp forever

pic_tick:
        push %rax
        incl ticks(%rip)
        mov $0x0b, %al                  # OCW3: read ISR
        out %al, $0x20
        in $0x20, %al
        mov %al, isr_seen(%rip)
        mov $0x20, %al                  # non-specific EOI
        out %al, $0x20
        pop %rax
        iretq
apic_tick:
        push %rax
        incl ticks(%rip)
        call oneshot
        mov $LAPIC, %eax
        movl $0, 0xb0(%rax)             # EOI
        pop %rax
        iretq
oneshot:                                # channel 0, mode 0: one IRQ 0 in 20 ms
        push %rax
        mov $0x30, %al
        out %al, $0x43
        mov $23864 & 0xff, %al
        out %al, $0x40
        mov $23864 >> 8, %al
        out %al, $0x40
        pop %rax
        ret
spurious:
        iretq

m_pic:    .asciz "8259: ticks="
m_isr:    .asciz " isr="
m_ioapic: .asciz "ioapic: ticks="
m_ver:    .asciz " version="
        .include "common64.inc"

        .section .data
ticks:      .long 0
isr_seen:   .long 0
ioapic_ver: .long 0
