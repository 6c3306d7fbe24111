# a64_depriv_pf: page faults a guest handles itself, as --deprivilege must
# pass them on from its shadow page tables -- the same fault again and
# again at one instruction (the handler skips it: five times, not "scout's
# shadow keeps faulting"), a PTE with a reserved address bit (RSVD in the
# error code, where a shadow built without looking would map it), a write
# to a read-only page (CR0.WP), then the page made writable and written.
# Its own page tables (paging64.inc: linear X through one 4 KiB PTE) and
# IDT; the handler takes the error code, counts, and skips the 2-byte
# access.  Prints the count, the three error codes and the value.
        .include "tests/adversarial/gate64.inc"
        .include "tests/adversarial/paging64.inc"
        .code64
        .globl _start
_start: lea m_start(%rip), %rsi
        call puts
        own_tables page
        lea pf(%rip), %rax              # #PF -> pf
        lea idt+14*16(%rip), %rdi
        intgate
        lidt idtr(%rip)
        movq $0, pt(%rip)               # X not present
        invlpg X
        mov $X, %rbx
        mov $5, %ecx
1:      mov (%rbx), %al                 # 8a 03: faults, skipped
        dec %ecx
        jnz 1b
        mov %r13, %r12                  # the not-present read's error code
        lea page(%rip), %rax            # a reserved address bit (51)
        or $3, %rax
        bts $51, %rax
        mov %rax, pt(%rip)
        invlpg X
        mov (%rbx), %al
        mov %r13, %r11
        lea page(%rip), %rax            # read-only
        or $1, %rax
        mov %rax, pt(%rip)
        invlpg X
        mov %al, (%rbx)                 # 88 03: write, faults, skipped
        mov %r13, %r10
        lea page(%rip), %rax            # writable again
        or $3, %rax
        mov %rax, pt(%rip)
        invlpg X
        movb $0x42, (%rbx)
        mov %r12, errs(%rip)
        mov %r11, errs+8(%rip)
        mov %r10, errs+16(%rip)
        movzbl page(%rip), %eax
        mov %rax, errs+24(%rip)
        mov %r14, %rax                  # count, then the three codes, then the value
        lea errs(%rip), %rbx
        mov $4, %r15d
2:      mov $2, %cl
        call puthex
        mov $' ', %al
        out %al, $0xe9
        mov (%rbx), %rax
        add $8, %rbx
        dec %r15d
        jns 2b
        call putnl
        xor %eax, %eax
        jmp exit
pf:     pop %r13                        # the error code
        inc %r14
        addq $2, (%rsp)
        iretq
        .include "tests/guests/common64.inc"
        .balign 4096
        own_tables_data
page:   .fill 4096, 1, 0
idtr:   .word 4095
        .quad idt
m_start: .asciz "page faults: "
errs:   .quad 0, 0, 0, 0, 0
        .balign 4096
idt:    .fill 4096, 1, 0
