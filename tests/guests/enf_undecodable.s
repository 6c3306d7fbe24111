# enf_undecodable: bytes no decoder accepts (0x06, "push es", does not exist
# in 64-bit mode).  The CPU raises #UD; under enforcement the engine marks
# the byte undecodable and the monitor injects the #UD itself.  Either way
# the monitor's IDT reports "guest #UD" at the same rip.
        .code64
        .globl _start
_start: lea msg(%rip), %rsi
        call puts
        jmp bad
msg:    .asciz "undecodable: about to run 0x06\n"
bad:    .byte 0x06
        xor %eax, %eax
        jmp exit
        .include "tests/guests/common64.inc"
