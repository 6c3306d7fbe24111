# a64_stub_write: the guest writes code into scout's own exception-stub
# page (found through SIDT: the stubs follow the IDT) and raises #UD, which
# scout's IDT sends there.  The written code must be scanned before it
# runs, like any guest code: its `out` is trapped, not native.
        .code64
        .globl _start
_start: lea m_start(%rip), %rsi
        call puts
        sidt idtr(%rip)
        mov idtr+2(%rip), %rdi
        add $0x1000 + 6*16, %rdi        # the #UD stub
        lea code(%rip), %rsi
        mov $code_end - code, %ecx
        rep movsb
        ud2
        .section .data                  # a page nothing scans: copied, not run here
code:   mov $'S', %al                   # runs from the stub page
        out %al, $0xe9
        mov $'\n', %al
        out %al, $0xe9
        xor %eax, %eax
        out %al, $0xf4
code_end:
        .text
        .balign 8
idtr:   .fill 10, 1, 0
        .include "tests/guests/common64.inc"
        .section .data
m_start: .asciz "code written into scout's stub page\n"
