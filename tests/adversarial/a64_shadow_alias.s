# a64_shadow_alias: one physical code page C mapped at two linear pages, X
# and X+4K, by the guest's own tables.  Code run through one is rewritten
# through the other and run again, then the other way round, then a whole
# new body is copied through one and run through the other.  The CPU
# fetches through either linear page; scout scans C, by its physical
# address.  Prints abcd.
        .include "tests/adversarial/paging64.inc"
        .set Y, X+0x1000
        shadow_start page_c               # X -> C
        lea page_c(%rip), %rax          # Y -> C
        or $3, %rax
        mov %rax, pt+8(%rip)
        invlpg Y
        call X                          # 'a'
        movb $'b', Y+1                  # the immediate, through Y
        call X                          # 'b' through X
        movb $'c', X+1                  # through X
        call Y                          # 'c' through Y
        lea body(%rip), %rsi            # a new body through Y, run through X
        mov $Y, %edi
        mov $body_end - body, %ecx
        rep movsb
        call X                          # 'd'
        shadow_end
        .balign 4096
page_c: mov $'a', %al
        out %al, $0xe9
        ret
        .balign 4096
        own_tables_data
body:   push %rdx
        mov $0xe9, %dx
        mov $'d', %al
        out %al, %dx
        pop %rdx
        ret
body_end:
m_start: .asciz "one code page at two linear pages: "
