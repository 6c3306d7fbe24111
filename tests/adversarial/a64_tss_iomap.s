# a64_tss_iomap: user code (CPL 3) under the guest's own TSS, which has no
# I/O permission bitmap: every port is denied to CPL 3.  scout's traps are
# OUT DX,AL; one the CPU runs at CPL 3 raises #GP instead of exiting, into
# the guest's handler.  The guest must not see those: its only #GP is the
# one it asks for, from HLT.  The user code crosses pages (at depth 0 each
# call goes through a trap).  Then the #GP gate goes: a refused trap would
# be a #GP with no handler, a double fault, a triple fault.  The user code
# runs again and ends with UD2, into the #UD handler.
        .include "tests/adversarial/gate64.inc"
        .code64
        .globl _start
_start: lea m_start(%rip), %rsi
        call puts
        lea tss(%rip), %rax             # the GDT's TSS descriptor (16 bytes, at 0x30)
        lea gdt+0x30(%rip), %rdi
        movw $0x67, (%rdi)              # limit: no room for an I/O bitmap
        mov %ax, 2(%rdi)
        shr $16, %rax
        mov %al, 4(%rdi)
        movb $0x89, 5(%rdi)             # present, available 64-bit TSS
        mov %ah, 7(%rdi)
        shr $16, %rax
        mov %eax, 8(%rdi)
        lea kstack_top(%rip), %rax
        mov %rax, tss+4(%rip)           # RSP0
        movw $0x68, tss+0x66(%rip)      # I/O map base past the limit
        lgdt gdtr(%rip)
        mov $0x30, %ax
        ltr %ax
        lea gp(%rip), %rax
        lea idt+13*16(%rip), %rdi
        intgate
        lidt idtr(%rip)
        push $0x1b                      # SS: user data
        lea ustack_top(%rip), %rax
        push %rax
        push $0x202
        push $0x23                      # CS: user 64-bit code
        lea user(%rip), %rax
        push %rax
        iretq
gp:     mov (%rsp), %rax                # error code
        mov $2, %cl
        lea m_err(%rip), %rsi
        call puts
        call puthex
        lea m_at(%rip), %rsi
        call puts
        mov 8(%rsp), %rax               # where: the HLT, not a trap
        lea user(%rip), %rbx
        sub %rbx, %rax
        mov $4, %cl
        call puthex
        lea m_cs(%rip), %rsi
        call puts
        mov 16(%rsp), %rax
        mov $2, %cl
        call puthex
        lea m_sum(%rip), %rsi
        call puts
        mov %r12, %rax
        mov $8, %cl
        call puthex
        call putnl
        movq $0, idt+13*16(%rip)        # no #GP handler from now on
        movq $0, idt+13*16+8(%rip)
        lea ud(%rip), %rax
        lea idt+6*16(%rip), %rdi
        intgate
        lea user2(%rip), %rax
        mov %rax, 8(%rsp)               # back to CPL 3, at user2
        add $8, %rsp                    # the error code
        iretq
ud:     lea m_ud(%rip), %rsi
        call puts
        mov (%rsp), %rax
        lea user(%rip), %rbx
        sub %rbx, %rax
        mov $4, %cl
        call puthex
        lea m_sum(%rip), %rsi
        call puts
        mov %r12, %rax
        mov $8, %cl
        call puthex
        call putnl
        xor %eax, %eax
        jmp exit
        .include "tests/guests/common64.inc"
        .balign 4096
user:   xor %r12d, %r12d
        mov $50, %ecx
1:      call f
        dec %ecx
        jnz 1b
        hlt                             # CPL 3: #GP(0)
user2:  mov $30, %ecx
1:      call f
        dec %ecx
        jnz 1b
        ud2
        .balign 4096
f:      add %rcx, %r12
        imul $3, %r12, %r12
        ret
        .section .data
        .balign 16
gdt:    .quad 0
        .quad 0x00AF9A000000FFFF        # 0x08: 64-bit code
        .quad 0x00CF92000000FFFF        # 0x10: data
        .quad 0x00CFF2000000FFFF        # 0x18: user data
        .quad 0x00AFFA000000FFFF        # 0x20: user 64-bit code
        .quad 0
        .quad 0, 0                      # 0x30: the TSS (filled in)
gdtr:   .word 0x3f
        .quad gdt
idtr:   .word 4095
        .quad idt
m_start: .asciz "CPL 3 without an I/O bitmap: "
m_err:  .asciz "#GP err="
m_at:   .asciz " at user+"
m_cs:   .asciz " cs="
m_sum:  .asciz " sum="
m_ud:   .asciz "#UD at user+"
        .balign 16
tss:    .fill 0x68, 1, 0
        .balign 4096
idt:    .fill 4096, 1, 0
        .fill 4096, 1, 0
kstack_top:
        .fill 4096, 1, 0
ustack_top:
