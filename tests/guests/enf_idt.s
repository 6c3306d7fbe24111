# enf_idt: the guest installs its own IDT and a native div by zero delivers
# #DE to its handler: scout scans every gate handler when IDTR changes.
        .code64
        .globl _start
_start: lea handler(%rip), %rax
        lea idt(%rip), %rdi
        mov %ax, (%rdi)              # offset 15:0
        movw $0x08, 2(%rdi)          # selector
        movb $0x8e, 5(%rdi)          # present, interrupt gate
        shr $16, %rax
        mov %ax, 6(%rdi)
        shr $16, %rax
        mov %eax, 8(%rdi)
        lidt idtr(%rip)
        xor %ecx, %ecx
        mov $1, %eax
        div %ecx                     # native: #DE
        hlt
        .balign 4096
handler: mov $'E', %al               # never scanned
        out %al, $0xe9
        mov $'\n', %al
        out %al, $0xe9
        xor %eax, %eax
        out %al, $0xf4
        hlt
        .balign 4096
idtr:   .word 4095
        .quad idt
        .balign 16
idt:    .fill 4096, 1, 0
