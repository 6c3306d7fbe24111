# a64_step_fault: an instruction executed in place faults instead of
# reaching its successor, and the exception handler then runs the native
# instruction that the successor's guard sits inside.
#   A:   8e 15 d0 d1 0f 1f     mov ss, [rip+0x1f0fd1d0]  (unmapped: #PF)
#   A+4:       0f 1f 80 e6 e9 90 90      nopl 0x9090e9e6(%rax) (run natively first)
# The mov's fall-through A+6 is the nopl's ModRM byte, which the scanner
# reads as `and $0xe9,%dh`, native: the overlap rule alone does not touch
# the nopl.  A STEP trap there
# would make the nopl `0f 1f ee` and run its tail natively: `out %al,$0xe9`
# prints 'X'.  (scout: a guard cannot go inside a native instruction, which
# becomes virtualize; and the #PF handler's entry is guarded, so the step
# ends before the handler runs.)
        .include "tests/adversarial/gate64.inc"
        .code64
        .globl _start
_start: lea m_start(%rip), %rsi
        call puts
        lea pf(%rip), %rax              # IDT: #PF only
        lea idt+14*16(%rip), %rdi
        intgate
        lidt idtr(%rip)
        mov %rsp, %rbx
        xor %r12d, %r12d
        mov $'X', %al
        jmp N                           # the nopl runs (and is scanned) once first
again:  jmp A
pf:     mov %rbx, %rsp                  # straight to N: no exit on the way
        mov $'X', %al
        jmp N
        .balign 16
A:      .byte 0x8e, 0x15, 0xd0, 0xd1
N:      .byte 0x0f, 0x1f, 0x80, 0xe6, 0xe9, 0x90, 0x90
        test %r12d, %r12d
        jnz done
        inc %r12d
        jmp again
done:   lea m_pf(%rip), %rsi
        call puts
        lea m_done(%rip), %rsi
        call puts
        xor %eax, %eax
        jmp exit
        .include "tests/guests/common64.inc"
        .balign 4096
idtr:   .word 4095
        .quad idt
        .balign 16
idt:    .fill 4096, 1, 0
        .section .data
m_start: .asciz "mov ss faults into the #PF handler\n"
m_pf:    .asciz "#PF\n"
m_done:  .asciz "done\n"
