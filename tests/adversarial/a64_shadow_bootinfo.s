# a64_shadow_bootinfo: the guest's own tables map the linear page of
# scout's boot information (reserved+0x8000, which --deprivilege lets the
# guest read at its own address) to a page of the guest's instead.  First,
# with the identity mapping, code is copied into the boot information page;
# then the PTE is pointed at page P (other code) and the TLB entry flushed:
# a read and a call through that linear address must reach P, as raw.
# Deprivileged, a mapping the shadow made on its own (not from the guest's
# walk) would read the boot information and run the copied code unscanned.
# Prints "RP" (read P, ran P).
        .include "tests/adversarial/paging64.inc"
        shadow_start page_a
        reserved_base %r12
        lea 0x8000(%r12), %r13          # the boot information's linear page
        lea evil(%rip), %rsi            # identity: code into the boot information page
        mov %r13, %rdi
        mov $evil_end - evil, %ecx
        rep movsb
        reserved_remap page_p           # ... but the boot information's page -> P
        mov (%r13), %eax                # P's first bytes?
        cmp page_p(%rip), %eax
        mov $'R', %al
        je 2f
        mov $'W', %al
2:      out %al, $0xe9
        call *%r13                      # P: prints 'P' (the copy would print 'E')
        shadow_end
evil:   mov $'E', %al
        out %al, $0xe9
        ret
evil_end:
        .balign 4096
page_a: ret
        .balign 4096
page_p: mov $'P', %al
        out %al, $0xe9
        ret
        .balign 4096
        own_tables_data
        reserved_remap_data
m_start: .asciz "boot information page remapped: "
