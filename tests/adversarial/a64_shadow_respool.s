# a64_shadow_respool: the guest's own tables map linear X's 2 MiB with one
# large page onto the top 2 MiB of RAM -- scout's reserved region, the
# shadow page tables' pool at reserved+0x20000 included -- and the guest
# writes zeros over the pool's first page (deprivileged: the shadow's own
# root) through it.  Raw (CPL 0) that memory is the guest's to write; a
# deprivileged guest must be refused before a byte is written.  Prints
# "wrote" (raw and enforced).
        .include "tests/adversarial/paging64.inc"
        shadow_start page_a
        reserved_base %r12
        mov %r12, %rax                  # X's 2 MiB -> the reserved region's 2 MiB
        and $~0x1fffff, %rax
        or $0x83, %rax
        mov %rax, pd+8*8(%rip)
        invlpg X
        mov %r12, %rdi                  # X + the pool's offset in that 2 MiB
        and $0x1fffff, %edi
        add $X+0x20000, %rdi
        xor %eax, %eax
        mov $4096 / 8, %ecx
        rep stosq
        lea m_wrote(%rip), %rsi
        call puts
        xor %eax, %eax
        jmp exit
        .include "tests/guests/common64.inc"
        .balign 4096
page_a: ret
        .balign 4096
        own_tables_data
m_start: .asciz "a large page over scout's pool: "
m_wrote: .asciz "wrote\n"
