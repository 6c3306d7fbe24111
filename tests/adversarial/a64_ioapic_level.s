# a64_ioapic_level: a level-triggered IOAPIC interrupt, as kvm-unit-tests'
# ioapic test raises it (run with --device pc-testdev): the line goes up
# with an OUT with interrupts on, the handler takes it down and EOIs.  The
# interrupt must arrive once, right after the OUT (the next instruction
# sees the count at 1), and never again: the EOI finds the line low.  The
# handler's page is one nothing has run, so its entry is scanned in the
# middle of the delivery.
        .include "tests/adversarial/gate64.inc"
        .code64
        .globl _start
        .set LAPIC, 0xfee00000
        .set IOAPIC, 0xfec00000
_start: lea m_start(%rip), %rsi
        call puts
        lea handler(%rip), %rax         # IDT: vector 0x77
        lea idt+0x77*16(%rip), %rdi
        intgate
        lidt idtr(%rip)
        lea stack_top(%rip), %rsp
        mov $0xff, %al                  # the 8259s masked: line 14 only
        out %al, $0x21                  # through the IOAPIC
        out %al, $0xa1
        mov $LAPIC, %ebx
        movl $0x1ff, 0xf0(%rbx)         # the local APIC on
        mov $IOAPIC, %ebx               # pin 14: vector 0x77, level, unmasked
        movl $0x10 + 2 * 14, (%rbx)
        movl $0x8077, 0x10(%rbx)
        movl $0x10 + 2 * 14 + 1, (%rbx)
        movl $0, 0x10(%rbx)
        mov $0x200e, %dx
        mov $1, %al
        sti
        out %al, %dx                    # the line up: taken right here
        mov count(%rip), %r12d          # 1
        nop
        nop
        cli
        mov count(%rip), %r13d          # still 1
        mov %r12d, %eax
        add $'0', %al
        out %al, $0xe9
        mov %r13d, %eax
        add $'0', %al
        out %al, $0xe9
        mov $'\n', %al
        out %al, $0xe9
        xor %eax, %eax
        jmp exit
m_start: .asciz "level interrupt: "
        .include "tests/guests/common64.inc"
        .balign 4096
handler:                                # a page of its own
        push %rax
        push %rdx
        lock incl count(%rip)
        mov $0x200e, %dx                # the line down
        xor %eax, %eax
        out %al, %dx
        mov $LAPIC, %edx                # EOI
        movl $0, 0xb0(%rdx)
        pop %rdx
        pop %rax
        iretq
        .balign 4096
        .fill 512, 1, 0
stack_top:
count:  .long 0
        .balign 16
idtr:   .word 4095
        .quad idt
        .balign 16
idt:    .fill 4096, 1, 0
