# a64_depriv_crloop: a loop that writes CR4 back unchanged (which flushes
# the guest's TLB, and so scout's shadow page tables), ten times: under
# --deprivilege every pass faults on the same fetch at the same address, a
# fresh miss each time after the flush -- not the shadow failing to hold a
# fill.  Then ten writes of CR8 (the task priority: nothing to flush).  An
# IDT of its own puts it on the shadow.  Prints the passes (0x14).
        .code64
        .globl _start
_start: lea m_start(%rip), %rsi
        call puts
        lidt myidtr(%rip)
        xor %ebx, %ebx
        mov $10, %r12d
1:      mov %cr4, %rax                  # flushes: the next fetch misses, each pass
        mov %rax, %cr4
        inc %rbx
        dec %r12d
        jnz 1b
        mov $10, %r12d
        xor %eax, %eax
2:      mov %rax, %cr8                  # the task priority: no flush
        inc %rbx
        dec %r12d
        jnz 2b
        mov %rbx, %rax
        mov $2, %cl
        call puthex
        call putnl
        xor %eax, %eax
        jmp exit
        .include "tests/guests/common64.inc"
        .section .data
        .balign 16
myidtr: .word 16*32 - 1
        .quad myidt
        .balign 16
myidt:  .fill 16*32, 1, 0
m_start: .asciz "passes: "
