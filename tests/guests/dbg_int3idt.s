# dbg_int3idt: a guest INT3 with the guest's own IDT: its #BP handler
# (gate 3) runs, prints "bp" and exits with status 3.
        .code64
        .globl _start
_start: lea handler(%rip), %rax     # gate 3, built as its three dwords:
        movzwl %ax, %edx
        or $0x00080000, %edx         # selector 8, offset 15:0
        mov %edx, idt+48(%rip)
        mov %eax, %edx
        and $0xffff0000, %edx
        or $0x8f00, %edx             # offset 31:16, present, trap gate
        mov %edx, idt+52(%rip)
        shr $32, %rax
        mov %eax, idt+56(%rip)       # offset 63:32
        lidt idtr(%rip)
        int3
        hlt
        .balign 4096
handler: lea bp(%rip), %rsi
        mov $0xe9, %dx
        mov $3, %ecx
        rep outsb                    # "bp\n"
        mov $3, %al
        out %al, $0xf4               # exit status (3 << 1) | 1
        hlt
bp:     .ascii "bp\n"
        .balign 4096                 # the IDT: gates 0-3 (only #BP's is set)
idt:    .fill 64, 1, 0
idtr:   .word 63
        .quad idt
