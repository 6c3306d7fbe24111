# a64_ud_bytes: bytes no decoder accepts, reached by a jump (run at CPL 3:
# at CPL 0 this host's KVM fails to emulate them instead of raising #UD).
# The CPU raises #UD there; scout cannot scan them and must deliver the
# #UD itself, with RIP on the bad bytes -- here to scout's own exception
# stubs, which end the run with the same report as raw.
        .code64
        .globl _start
_start: lea m_start(%rip), %rsi
        call puts
        jmp bad
        .include "tests/guests/common64.inc"
bad:    .byte 0xc4, 0xe2, 0x79, 0x00, 0xc0    # a VEX form that does not exist
        .byte 0xe6, 0xe9                       # (out: never runs)
        .section .data
m_start: .asciz "#UD at undecodable bytes: "
