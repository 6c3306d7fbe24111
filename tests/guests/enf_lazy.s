# enf_lazy: forward in-page branches whose targets are not scanned yet.
# Lazy mode resolves each at its first trap; recursive mode needs none.
        .code64
        .globl _start
_start: lea msg(%rip), %rsi
        call puts
        xor %eax, %eax
        cmp $0, %eax
        je  1f                  # forward jcc: target unscanned at depth 0
        mov $0x58, %al          # never runs
        out %al, $0xe9
1:      jmp 2f                  # forward jmp
        hlt
2:      lea done(%rip), %rsi
        call puts
        xor %eax, %eax
        jmp exit
msg:    .asciz "lazy: branching forward\n"
done:   .asciz "lazy: done\n"
        .include "tests/guests/common64.inc"
