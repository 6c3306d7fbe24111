# a64_shadow_reslinear: the guest's own tables map the linear page of
# scout's TSS (reserved+0x1000, where deprivileged the shadow keeps scout's
# own TSS for the CPU) to a page of the guest's, and the guest writes and
# reads it there.  Raw that is the guest's page; deprivileged scout cannot
# give the guest that linear page, and must refuse cleanly (status 2, one
# line) -- never write scout's TSS, never let the read see it.  Prints
# "0x5a5a" raw.
        .include "tests/adversarial/paging64.inc"
        .code64
        .globl _start
_start: lea m_start(%rip), %rsi
        call puts
        sub $16, %rsp
        sgdt (%rsp)
        mov 2(%rsp), %r12
        add $16, %rsp
        lea 0x1000(%r12), %r13          # the TSS's linear page
        own_tables page_a
        mov %r12, %rbx                  # pt2: the reserved 2 MiB, 4 KiB pages, identity
        and $~0x1fffff, %rbx
        lea pt2(%rip), %rdi
        xor %ecx, %ecx
1:      mov %rcx, %rax
        shl $12, %rax
        add %rbx, %rax
        or $3, %rax
        mov %rax, (%rdi,%rcx,8)
        inc %ecx
        cmp $512, %ecx
        jne 1b
        mov %r13, %rcx                  # ... but the TSS's page -> page G
        shr $12, %rcx
        and $511, %ecx
        lea page_g(%rip), %rax
        or $3, %rax
        mov %rax, (%rdi,%rcx,8)
        mov %r12, %rcx
        shr $21, %rcx
        lea pt2(%rip), %rax
        or $3, %rax
        mov %rax, pd(,%rcx,8)
        invlpg (%r13)
        movw $0x5a5a, 4(%r13)           # RSP0's low bytes, in scout's TSS
        movzwl 4(%r13), %eax
        mov $4, %cl
        call puthex
        movzwl page_g+4(%rip), %eax
        cmp $0x5a5a, %eax
        jne 2f
        call putnl
        xor %eax, %eax
        jmp exit
2:      mov $1, %eax
        jmp exit
        .include "tests/guests/common64.inc"
        .balign 4096
page_a: ret
        .balign 4096
page_g: .fill 4096, 1, 0
        .balign 4096
        own_tables_data
pt2:    .fill 512, 8, 0
m_start: .asciz "the TSS's linear page mapped elsewhere: "
