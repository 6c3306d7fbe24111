# a64_link_retarget: a linked call's target rewritten.  tramp (its own
# page) calls q1 in another page; once linked, the guest rewrites the
# call's rel32 so it points at q2, a page nothing has scanned (it has an
# OUT in it).  Same length, same mnemonic, another target: --smc insn must
# dump tramp's page (and its link), and q2 must be scanned before it runs.
# Then back to q1.  Prints 1 1 2 1.
        .code64
        .globl _start
_start: lea m_start(%rip), %rsi
        call puts
        call tramp                      # '1'
        call tramp                      # '1' through the link
        lea q2(%rip), %rax
        lea site+5(%rip), %rcx
        sub %rcx, %rax
        mov %eax, site+1(%rip)          # call q1 -> call q2
        call tramp                      # '2'
        lea q1(%rip), %rax
        sub %rcx, %rax
        mov %eax, site+1(%rip)          # back to q1
        call tramp                      # '1'
        call tramp                      # '1'
        call putnl
        xor %eax, %eax
        jmp exit
        .include "tests/guests/common64.inc"
        .balign 4096
tramp:
site:   call q1
        ret
        .balign 4096
q1:     mov $'1', %al
        out %al, $0xe9
        ret
        .balign 4096
q2:     push %rdx
        mov $0xe9, %dx
        mov $'2', %al
        out %al, %dx
        pop %rdx
        ret
        .section .data
m_start: .asciz "a linked call retargeted: "
