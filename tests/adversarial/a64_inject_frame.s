# a64_inject_frame: an instruction no decoder accepts in 64-bit mode (0x60,
# PUSHA outside long mode) at CPL 0, with the stack in the page that holds
# the code and the guest's own #UD handler.  scout raises the #UD itself
# (it cannot scan the bytes); the frame goes into a read-only page, the
# delivery fails once -- and the #UD must be raised again, not lost.
        .include "tests/adversarial/gate64.inc"
        .code64
        .globl _start
_start: lea m_start(%rip), %rsi
        call puts
        lea h(%rip), %rax
        lea idt+6*16(%rip), %rdi
        intgate
        lidt idtr(%rip)
        mov %rsp, %r12
        lea stack_top(%rip), %rsp       # this page
bad:    .byte 0x60                      # #UD in 64-bit mode
        mov %r12, %rsp
        call putnl
        xor %eax, %eax
        jmp exit
h:      mov (%rsp), %rax                # RIP in the frame: bad
        lea bad(%rip), %rbx
        sub %rbx, %rax
        mov $2, %cl
        call puthex
        incq (%rsp)                     # past the one byte
        iretq
        .include "tests/guests/common64.inc"
        .balign 64
        .fill 256, 1, 0
stack_top:
        .section .data
idtr:   .word 4095
        .quad idt
m_start: .asciz "an injected #UD with its frame in the code page: "
        .balign 4096
idt:    .fill 4096, 1, 0
