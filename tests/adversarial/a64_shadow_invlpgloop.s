# a64_shadow_invlpgloop: a range of pages flushed one INVLPG at a time, as
# a kernel's flush_tlb_range does: the loop's only memory access is its
# own fetch.  No fault is the guest's: deprivileged, each INVLPG empties
# the shadow, and the next instruction's fetch misses there at the same
# RIP and address every round -- a fill each time.  Then the pages are
# read.  Prints the count and the sum: 0x10 0x1.
        .include "tests/adversarial/paging64.inc"
        shadow_start page_a
        mov $X, %rbx
        mov $16, %ecx
1:      invlpg (%rbx)
        add $0x1000, %rbx               # the same fetch after every INVLPG
        dec %ecx
        jnz 1b
        mov %rbx, %rax
        sub $X, %rax
        shr $12, %eax
        mov $2, %cl
        call puthex
        mov $' ', %al
        out %al, $0xe9
        movzbl X, %eax                  # page_a: RET (0xc3)
        cmp $0xc3, %al
        sete %al
        mov $1, %cl
        call puthex
        shadow_end
        .balign 4096
page_a: ret
        .balign 4096
        own_tables_data
m_start: .asciz "INVLPG over a range: "
