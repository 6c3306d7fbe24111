# a64_idt_rewrite: gates rewritten after the IDT is in use.  The guest
# first points #DE at handler 1 and takes it; then it rewrites the gate
# (no LIDT) to handler 2 on a page nothing has scanned, and takes #DE
# again; then it rewrites a gate of scout's own IDT (#UD) to handler 3 and
# raises #UD after loading scout's IDT back.  Each handler's first
# instruction must be guarded when the CPU gets there.
        .code64
        .globl _start
_start: lea m_start(%rip), %rsi
        call puts
        sidt scout_idtr(%rip)
        lea h1(%rip), %rax
        mov $0, %ecx
        call setgate
        lidt idtr(%rip)
        xor %ecx, %ecx
        mov $1, %eax
        div %ecx                        # -> h1
back1:  lea h2(%rip), %rax
        mov $0, %ecx
        call setgate
        xor %ecx, %ecx
        mov $1, %eax
        div %ecx                        # -> h2, the gate rewritten in place
back2:  lidt scout_idtr(%rip)           # scout's IDT again; its #UD gate -> h3
        lea h3(%rip), %rax
        mov scout_idtr+2(%rip), %rdi
        add $6*16, %rdi
        call setgate_at
        ud2
# setgate: gate %ecx of idt -> %rax
setgate: lea idt(%rip), %rdi
        shl $4, %ecx
        add %rcx, %rdi
setgate_at:
        mov %ax, (%rdi)
        movw $0x08, 2(%rdi)
        movb $0x8e, 5(%rdi)
        movb $0, 4(%rdi)
        shr $16, %rax
        mov %ax, 6(%rdi)
        shr $16, %rax
        mov %eax, 8(%rdi)
        ret
h1:     mov $'1', %al
        out %al, $0xe9
        add $24, %rsp
        lea back1(%rip), %rax
        jmp *%rax
        .balign 8
scout_idtr: .fill 10, 1, 0
idtr:   .word 4095
        .quad idt
        .include "tests/guests/common64.inc"
        .balign 4096
h2:     mov $'2', %al
        out %al, $0xe9
        add $24, %rsp
        lea back2(%rip), %rax
        jmp *%rax
        .balign 4096
h3:     mov $'3', %al
        out %al, $0xe9
        mov $'\n', %al
        out %al, $0xe9
        xor %eax, %eax
        out %al, $0xf4
        .balign 4096
idt:    .fill 4096, 1, 0
        .section .data
m_start: .asciz "gates rewritten: "
