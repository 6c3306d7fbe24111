# a64_call_imm: code that calls into the immediate of one of its own
# native instructions.  The MOV's 8-byte immediate holds "out %al,$0xe9;
# ret" from its third byte on; the MOV runs first (native, scanned whole),
# then a call lands inside it: a second decode of the same bytes.
        .code64
        .globl _start
_start: lea m_start(%rip), %rsi
        call puts
        mov $'i', %al
        call 1f                         # runs the movabs: native
        call 1f
        call imm                        # into the immediate: out; ret
        call putnl
        xor %eax, %eax
        jmp exit
1:      movabs $0x90909090c3e9e690, %rdx  # 48 ba 90 e6 e9 c3 90 90 90 90
        ret
        .set imm, 1b + 3                # e6 e9 c3: out %al,$0xe9; ret
        .include "tests/guests/common64.inc"
        .section .data
m_start: .asciz "a call into an immediate: "
