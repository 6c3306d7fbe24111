# enf_trapmiddle: control lands in the middle of an instruction that holds a
# trap.  "int $0x90" (cd 90) is scanned (jcc fall-through) and trapped but
# never runs; the guest jumps to its second byte, a nop, and carries on.
        .code64
        .globl _start
_start: lea msg(%rip), %rsi
        call puts
        xor %ebx, %ebx                  # 0: not yet jumped
        xor %eax, %eax
        test %eax, %eax
        jz 1f                           # always taken; the fall-through is scanned
int_at: int $0x90                       # never executed as a whole
1:      test %ebx, %ebx
        jnz 2f
        inc %ebx
        lea int_at+1(%rip), %rax
        jmp *%rax                       # computed jump to the nop inside the trapped int
2:      lea ok(%rip), %rsi
        call puts
        xor %eax, %eax
        jmp exit
msg:    .asciz "trapmiddle: "
ok:     .asciz "ok\n"
        .include "tests/guests/common64.inc"
