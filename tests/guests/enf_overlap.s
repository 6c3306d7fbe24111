# enf_overlap: a jump into the middle of an instruction.  The imm64 of the
# movabs is itself code: "mov $'B', %al; out %al, $0xe9; jmp back".  The
# movabs must still load its immediate (al = 0xb0 -> prints 'A'), and the
# inner code must print 'B'.  Twice round: "ABAB".
        .code64
        .globl _start
_start: lea msg(%rip), %rsi
        call puts
        mov $2, %ecx
outer:  .byte 0x48, 0xb8                # movabs $imm64, %rax
inner:  .byte 0xb0, 0x42                #   mov $'B', %al
        .byte 0xe6, 0xe9                #   out %al, $0xe9
        .byte 0xeb, back - (. + 1)      #   jmp back
        .byte 0x90, 0x90
        cmp $0xb0, %al
        jne back
        mov $'A', %al
        out %al, $0xe9
        jmp inner                       # into the middle of the movabs
back:   dec %ecx
        jnz outer
        call putnl
        xor %eax, %eax
        jmp exit
msg:    .asciz "overlap: "
        .include "tests/guests/common64.inc"
