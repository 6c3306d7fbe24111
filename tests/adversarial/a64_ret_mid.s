# a64_ret_mid: a return address rewritten on the stack to point into the
# middle of a native instruction (a successor scout reads from guest
# memory), then an IRETQ whose RIP does the same.  The MOVABS runs whole
# first; its immediate holds "nop; out %al,$0xe9; jmp tail".
        .code64
        .globl _start
_start: lea m_start(%rip), %rsi
        call puts
        xor %r12d, %r12d
        call 1f                         # the movabs, whole: native
        mov $'r', %al
        lea 1f+2(%rip), %rbx            # inside it
        push %rbx
        ret
back:   mov $'q', %al
        mov %ss, %ecx                   # an IRETQ frame to the same place
        push %rcx
        lea 8(%rsp), %rcx
        push %rcx
        pushf
        mov %cs, %ecx
        push %rcx
        push %rbx
        iretq
done:   call putnl
        xor %eax, %eax
        jmp exit
1:      movabs $0x90909005ebe9e690, %rdx  # 48 ba | 90 | e6 e9 | eb 05 | 90 90 90
        ret
        nop
tail:   inc %r12d                       # 1f+12: where the immediate's jmp goes
        cmp $1, %r12d
        je back
        jmp done
        .include "tests/guests/common64.inc"
        .section .data
m_start: .asciz "returns into the middle of an instruction: "
