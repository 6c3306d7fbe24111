# dbg_int3idt: a guest INT3 with the guest's own IDT: its #BP handler
# (gate 3) runs, prints "bp" and exits with status 3.
        .code64
        .globl _start
_start: lea handler(%rip), %rax
        lea idt+3*16(%rip), %rdi
        mov %ax, (%rdi)              # offset 15:0
        movw $0x08, 2(%rdi)          # selector
        movb $0x8f, 5(%rdi)          # present, trap gate
        shr $16, %rax
        mov %ax, 6(%rdi)
        shr $16, %rax
        mov %eax, 8(%rdi)
        lidt idtr(%rip)
        int3
        hlt
        .balign 4096
handler: mov $'b', %al
        out %al, $0xe9
        mov $'p', %al
        out %al, $0xe9
        mov $'\n', %al
        out %al, $0xe9
        mov $3, %al
        out %al, $0xf4
        hlt
        .balign 4096
idtr:   .word 4095
        .quad idt
        .balign 16
idt:    .fill 4096, 1, 0
