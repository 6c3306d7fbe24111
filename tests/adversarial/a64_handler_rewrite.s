# a64_handler_rewrite: the guest's #DE handler runs once; then the guest
# rewrites the handler's code (the gate is unchanged) and takes #DE again.
# The new code must be scanned before it runs.
        .include "tests/adversarial/gate64.inc"
        .code64
        .globl _start
_start: lea m_start(%rip), %rsi
        call puts
        lea h(%rip), %rax
        lea idt(%rip), %rdi
        intgate
        lidt idtr(%rip)
        xor %r12d, %r12d
        xor %ecx, %ecx
        mov $1, %eax
        div %ecx
again:  inc %r12d
        lea h(%rip), %rdi               # rewrite the handler
        lea newcode(%rip), %rsi
        mov $newcode_end - newcode, %ecx
        rep movsb
        xor %ecx, %ecx
        mov $1, %eax
        div %ecx
        .section .data                  # a page nothing scans: copied, not run here
newcode: mov $'2', %al                  # copied over h
        out %al, $0xe9
        mov $'\n', %al
        out %al, $0xe9
        xor %eax, %eax
        out %al, $0xf4
newcode_end:
        .text
        .balign 8
idtr:   .word 4095
        .quad idt
        .include "tests/guests/common64.inc"
        .balign 4096
h:      mov $'1', %al
        out %al, $0xe9
        add $24, %rsp
        lea again(%rip), %rax
        jmp *%rax
        .fill 64, 1, 0x90
        .balign 4096
idt:    .fill 4096, 1, 0
        .section .data
m_start: .asciz "handler rewritten: "
