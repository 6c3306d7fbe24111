# enf_reserved: a CPL 0 guest copies code into scout's reserved region and
# jumps there: only the exception-stub page is exempt from scanning, so the
# copy is scanned like any guest code.  Review reproducer:
# CPL0 guest writes code into scout's reserved region (supervisor RW) and jumps there.
        .code64
        .globl _start
_start: mov $0x3FCA000, %rdi
        lea code(%rip), %rsi
        mov $(codeend-code), %ecx
        rep movsb
        mov $0x3FCA000, %rax
        jmp *%rax
code:   mov $'R', %al
        out %al, $0xe9
        mov $'\n', %al
        out %al, $0xe9
        xor %eax, %eax
        out %al, $0xf4
        hlt
codeend:
