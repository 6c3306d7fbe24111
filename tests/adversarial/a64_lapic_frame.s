# a64_lapic_frame: the local APIC's timer interrupts (KVM delivers them,
# scout never sees the vector go in) with their frames on a stack in the
# page that holds the code: KVM cannot push a frame into a page scout keeps
# read-only, and the interrupt it was delivering -- already in service in
# the APIC -- must be delivered again, once.  Each is taken in
# `sti; hlt`, the timer armed one-shot for each (a periodic one could fire
# again between the IRET and the CLI when exits are slow); the handler
# counts.
        .include "tests/adversarial/gate64.inc"
        .code64
        .globl _start
        .set LAPIC, 0xfee00000
_start: lea m_start(%rip), %rsi
        call puts
        lea tick(%rip), %rax            # IDT: vector 0x40, spurious 0xff
        lea idt+0x40*16(%rip), %rdi
        intgate
        lea spurious(%rip), %rax
        lea idt+0xff*16(%rip), %rdi
        intgate
        lidt idtr(%rip)
        lea stack_top(%rip), %rsp       # in this page
        mov $LAPIC, %ebx
        movl $0x1ff, 0xf0(%rbx)         # enabled
        movl $0xb, 0x3e0(%rbx)          # divide by 1
        movl $0x40, 0x320(%rbx)         # one-shot, vector 0x40
        xor %r12d, %r12d
1:      movl $2000000, 0x380(%rbx)      # 2 ms
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
        push %rbx
        mov $LAPIC, %ebx
        lock incl ticks(%rip)
        movl $0, 0xb0(%rbx)             # EOI
        pop %rbx
        pop %rax
        iretq
spurious:
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
