# a64_link_jcc_end: a Jcc whose taken target is in another page and which
# ends exactly at its page's end: its fall-through is the next page.
# Taken (twice), then not taken: the fall-through runs code in the next
# page that nothing has scanned (an OUT).  A link would make the Jcc
# native and let the CPU fall into that page without an exit: the Jcc
# must stay virtualize.  Prints t t f.
        .code64
        .globl _start
_start: lea m_start(%rip), %rsi
        call puts
        xor %ebx, %ebx
        call jend                       # taken: 't'
        call jend                       # taken: 't'
        inc %ebx
        call jend                       # not taken: falls into the next page: 'f'
        call putnl
        xor %eax, %eax
        jmp exit
        .include "tests/guests/common64.inc"
        .balign 4096
        .fill 4096 - 6 - 2, 1, 0xcc
jend:   test %ebx, %ebx                 # 85 db
        jz taken                        # 0f 84 rel32: ends at the page end
next:   mov $'f', %al                   # the next page's first byte
        out %al, $0xe9
        ret
        .balign 4096
taken:  mov $'t', %al
        out %al, $0xe9
        ret
        .section .data
m_start: .asciz "a Jcc at the page end, linked: "
