# a64_entry_in_native: the #DE gate points into the middle of an
# instruction that ran (native) before: at N+2 of `mov $imm64,%rax`, whose
# immediate bytes are code (`mov $'E',%al; out %al,$0xe9; ...`).  The
# handler's guard at N+3 must not sit inside the native mov: the mov
# becomes virtualize, and both run as written.
        .include "tests/adversarial/gate64.inc"
        .code64
        .globl _start
_start: lea m_start(%rip), %rsi
        call puts
        call N                          # the mov runs natively first
        mov %rax, %rbx
        lea N+2(%rip), %rax             # handler: inside the mov's immediate
        lea idt(%rip), %rdi
        intgate
        lidt idtr(%rip)
        call N                          # native again, now with the guard
        cmp %rax, %rbx
        jne bad
        xor %ecx, %ecx
        mov $1, %eax
        div %ecx                        # -> N+2
bad:    lea m_bad(%rip), %rsi
        call puts
        mov $1, %al
        jmp exit
        .balign 16
# 48 b8 <imm64> ; ret   -- the imm64 is: b0 45 e6 e9 eb 04 90 90
N:      .byte 0x48, 0xb8, 0xb0, 0x45, 0xe6, 0xe9, 0xeb, 0x04, 0x90, 0x90
        ret
        .byte 0x90
        mov $'\n', %al                  # N+2+6+2 = N+12: after the jmp
        out %al, $0xe9
        xor %eax, %eax
        out %al, $0xf4
        .balign 8
idtr:   .word 4095
        .quad idt
        .include "tests/guests/common64.inc"
        .balign 4096
idt:    .fill 4096, 1, 0
        .section .data
m_start: .asciz "entry inside an instruction: "
m_bad:   .asciz "wrong value\n"
