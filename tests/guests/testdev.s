# testdev: a multiboot kernel (long mode) that uses QEMU's pc-testdev
# (scout --device pc-testdev): its data register at 0xE0 (written as a
# dword, read back as bytes and a word), its IORAM at 0xFF000000, and an
# ISA IRQ line it drives (IRQ 5, made level-triggered in the ELCR): raised
# with interrupts off, taken in `sti; hlt`, lowered by the handler before
# its EOI -- so it comes once.  Without the device, 0xE0 reads all-ones:
# it says so and exits with 1 (status 3); else with 0 (status 1).
        .include "mb64.inc"
        .set IORAM, 0xff000000

main64: mov $0x12345678, %eax
        out %eax, $0xe0
        in $0xe0, %eax
        cmp $0xffffffff, %eax
        je absent
        lea m_data(%rip), %rsi
        call puts
        xor %ebx, %ebx                  # the dword, byte by byte
        mov $0xe3, %dx
1:      shl $8, %ebx
        in %dx, %al
        mov %al, %bl
        dec %dx
        cmp $0xdf, %dx
        jne 1b
        mov %ebx, %eax
        mov $8, %cl
        call puthex
        lea m_word(%rip), %rsi
        call puts
        in $0xe2, %ax
        movzwl %ax, %eax
        mov $4, %cl
        call puthex
        lea m_ioram(%rip), %rsi
        call puts
        mov $IORAM, %ebx
        mov $0x1122334455667788, %rax
        mov %rax, 8(%rbx)
        mov 8(%rbx), %rax
        mov $16, %cl
        call puthex
        call putnl

        mov $0x25, %eax                 # IRQ 5, level-triggered
        lea irq5(%rip), %rbx
        call set_gate
        mov $0x27, %eax
        lea spurious(%rip), %rbx
        call set_gate
        call pic_init
        mov $0x20, %al                  # ELCR: IRQ 5 level
        mov $0x4d0, %dx
        out %al, %dx
        mov $0xdf, %al
        out %al, $0x21
        mov $1, %al                     # raise the line
        mov $0x2005, %dx
        out %al, %dx
        sti
        hlt
        cli
        lea m_irq(%rip), %rsi
        call puts
        mov count(%rip), %eax
        mov $1, %cl
        call puthex
        call putnl
        cmpl $1, count(%rip)
        jne fail
        xor %eax, %eax
        jmp exit
absent: lea m_absent(%rip), %rsi
        call puts
fail:   mov $1, %al
        jmp exit

irq5:   push %rax
        push %rdx
        incl count(%rip)
        xor %eax, %eax                  # lower the line, then EOI
        mov $0x2005, %dx
        out %al, %dx
        mov $0x20, %al
        out %al, $0x20
        pop %rdx
        pop %rax
        iretq
spurious:
        iretq

m_data:   .asciz "pc-testdev: data="
m_word:   .asciz " word="
m_ioram:  .asciz " ioram="
m_irq:    .asciz "irq5 taken: "
m_absent: .asciz "no pc-testdev: port 0xe0 reads all-ones\n"
        .include "common64.inc"

        .section .data
count:  .long 0
