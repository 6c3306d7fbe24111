# a64_irq_frame: timer interrupts (the 8254 through the 8259) whose frames
# go onto a stack in the page that holds the code: KVM cannot push them
# into a page scout keeps read-only, and the interrupt must still be taken
# once each -- not lost, not twice -- when the delivery is done again with
# the stack writable.  Each is taken in `sti; hlt`; the handler counts.
        .include "tests/adversarial/gate64.inc"
        .code64
        .globl _start
_start: lea m_start(%rip), %rsi
        call puts
        lea tick(%rip), %rax            # IDT: vector 0x20 (IRQ 0)
        lea idt+0x20*16(%rip), %rdi
        intgate
        lidt idtr(%rip)
        lea stack_top(%rip), %rsp       # in this page
        mov $0x11, %al                  # the 8259: vectors 0x20.., IRQ 0 only
        out %al, $0x20
        mov $0x20, %al
        out %al, $0x21
        mov $4, %al
        out %al, $0x21
        mov $1, %al
        out %al, $0x21
        mov $0xfe, %al
        out %al, $0x21
        xor %r12d, %r12d
        # The 8254 one-shot (mode 0, 1 ms) armed again for each wait: one
        # interrupt per wait, however long an exit takes (a periodic timer
        # could tick again between the IRET and the CLI under load).
1:      mov $0x30, %al
        out %al, $0x43
        mov $1193 & 0xff, %al
        out %al, $0x40
        mov $1193 >> 8, %al
        out %al, $0x40
        sti
        hlt
        cli
        inc %r12d
        cmp $3, %r12d
        jb 1b
        mov ticks(%rip), %eax
        add $'0', %al
        out %al, $0xe9
        mov $'\n', %al
        out %al, $0xe9
        xor %eax, %eax
        jmp exit
tick:   push %rax
        lock incl ticks(%rip)
        mov $0x20, %al
        out %al, $0x20
        pop %rax
        iretq
m_start: .asciz "ticks: "
        .include "tests/guests/common64.inc"
        .balign 16
        .fill 256, 1, 0
stack_top:
        .balign 4096
ticks:  .long 0
        .balign 16
idtr:   .word 4095
        .quad idt
        .balign 16
idt:    .fill 4096, 1, 0
