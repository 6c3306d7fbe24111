# a64_ltr_base: LTR of a 64-bit TSS descriptor whose base is not canonical
# must raise #GP (kvm-unit-tests' la57 test checks it): scout emulates LTR,
# and must leave this one to the CPU (which may judge a base canonical in
# 57 bits canonical even without CR4.LA57: KVM here does; this base is
# canonical in neither).  The guest loads its own GDT and IDT.
        .include "tests/adversarial/gate64.inc"
        .code64
        .globl _start
_start: lea m_start(%rip), %rsi
        call puts
        lea gp(%rip), %rax              # IDT: #GP only
        lea idt+13*16(%rip), %rdi
        intgate
        lidt idtr(%rip)
        lgdt gdtr(%rip)
        mov $0x20, %ax
        ltr %ax                         # base 0xaaaaaaaa_00000000: #GP
        lea m_loaded(%rip), %rsi        # (no #GP: wrong)
        call puts
        mov $1, %al
        jmp exit
gp:     lea m_gp(%rip), %rsi
        call puts
        xor %eax, %eax
        jmp exit
m_start:  .asciz "ltr: "
m_gp:     .asciz "#GP\n"
m_loaded: .asciz "loaded\n"
        .include "tests/guests/common64.inc"
        .section .data
        .balign 16
gdt:    .quad 0
        .quad 0x00AF9A000000FFFF        # 0x08: 64-bit code
        .quad 0x00CF92000000FFFF        # 0x10: data
        .quad 0
        .quad 0x0000890000000067        # 0x20: an available 64-bit TSS, base 63:32 below
        .quad 0x00000000aaaaaaaa
gdtr:   .word gdtr - gdt - 1
        .quad gdt
        .balign 16
idtr:   .word 4095
        .quad idt
        .balign 16
idt:    .fill 4096, 1, 0
