# a32_gate16: a 16-bit interrupt gate in 32-bit protected mode: the #UD
# handler is 16-bit code (a 16-bit code segment based at its page).  Read
# as 32-bit code its first MOV swallows the OUT after it, so scanned in the
# wrong mode the OUT would run unguarded.
        .code32
        .globl _start
_start: mov $m_start, %esi
        call puts
        mov $hpage, %eax                # the 16-bit segment's base: hpage
        mov %ax, gdt16+2
        shr $16, %eax
        mov %al, gdt16+4
        mov %ah, gdt16+7
        lgdt gdtr
        ljmp $0x08, $1f
1:      mov $0x10, %ax
        mov %ax, %ds
        mov %ax, %es
        mov %ax, %ss
        movw $h16 - hpage, idt+6*8      # #UD: 16-bit interrupt gate to 0x18:h16
        movw $0x18, idt+6*8+2
        movb $0x86, idt+6*8+5
        lidt idtr
        ud2
resume: add $6, %esp                    # the handler's 16-bit frame
        mov $m_done, %esi
        call puts
        xor %eax, %eax
        jmp exit
        .include "tests/guests/common32.inc"
        .balign 4096
hpage:
        .code16
h16:    mov $0x4847, %ax                # b8 47 48; as 32-bit code: b8 47 48 e6 e9
        out %al, $0xe9                  # 'G'
        ljmpl $0x08, $resume            # (this host's KVM cannot run a 16-bit IRET)
        .code32
        .section .data
        .balign 16
gdt:    .quad 0
        .quad 0x00CF9A000000FFFF        # 0x08: 32-bit code
        .quad 0x00CF92000000FFFF        # 0x10: data
gdt16:  .quad 0x00009A000000FFFF        # 0x18: 16-bit code, base filled in
gdtr:   .word 0x1f
        .long gdt
idtr:   .word 0x7ff
        .long idt
m_start: .asciz "16-bit gate: "
m_done: .asciz "\n"
        .balign 4096
idt:    .fill 2048, 1, 0
