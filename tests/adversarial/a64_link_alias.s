# a64_link_alias: one physical page run at two linear addresses.  Page A
# (`call far_fn`, the next page) runs at its own address: its call is
# linked, target far_fn.  The guest's tables also map A at X, and X+4K at
# page B (an OUT nothing has scanned).  Run at X, A's call goes to X+4K:
# B.  A link computed at A's own address must not run there: entered by
# a direct call (a link into A at X) and by an indirect one (an exit that
# resumes in A at X).  Prints F F B F B F.
        .include "tests/adversarial/paging64.inc"
        .code64
        .globl _start
_start: lea m_start(%rip), %rsi
        call puts
        own_tables page_a               # X -> A
        lea page_b(%rip), %rax          # X+4K -> B
        or $3, %rax
        mov %rax, pt+8(%rip)
        invlpg X+0x1000
        call page_a                     # 'F': links A's call
        call page_a                     # 'F' through it
        call X                          # 'B': A at X
        call page_a                     # 'F'
        lea X, %rax
        call *%rax                      # 'B': resumes in A at X after an exit
        call page_a                     # 'F'
        call putnl
        xor %eax, %eax
        jmp exit
        .include "tests/guests/common64.inc"
        .balign 4096
page_a: call far_fn
        ret
        .balign 4096
far_fn: push %rax                       # (rax kept: the indirect call's)
        mov $'F', %al
        out %al, $0xe9
        pop %rax
        ret
        .balign 4096
page_b: push %rax
        mov $'B', %al
        out %al, $0xe9
        pop %rax
        ret
        .balign 4096
        own_tables_data
m_start: .asciz "a linked page run at an alias: "
