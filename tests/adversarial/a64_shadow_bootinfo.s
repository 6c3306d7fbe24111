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
        .code64
        .globl _start
_start: lea m_start(%rip), %rsi
        call puts
        sub $16, %rsp
        sgdt (%rsp)                     # scout's GDT: the reserved region's base
        mov 2(%rsp), %r12
        add $16, %rsp
        lea 0x8000(%r12), %r13          # the boot information's linear page
        own_tables page_a
        lea evil(%rip), %rsi            # identity: code into the boot information page
        mov %r13, %rdi
        mov $evil_end - evil, %ecx
        rep movsb
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
        mov %r13, %rcx                  # ... but the boot information's page -> P
        shr $12, %rcx
        and $511, %ecx
        lea page_p(%rip), %rax
        or $3, %rax
        mov %rax, (%rdi,%rcx,8)
        mov %r12, %rcx                  # PD entry of the reserved region -> pt2
        shr $21, %rcx
        lea pd(%rip), %rdi
        lea pt2(%rip), %rax
        or $3, %rax
        mov %rax, (%rdi,%rcx,8)
        invlpg (%r13)
        mov (%r13), %eax                # P's first bytes?
        cmp page_p(%rip), %eax
        mov $'R', %al
        je 2f
        mov $'W', %al
2:      out %al, $0xe9
        call *%r13                      # P: prints 'P' (the copy would print 'E')
        call putnl
        xor %eax, %eax
        jmp exit
evil:   mov $'E', %al
        out %al, $0xe9
        ret
evil_end:
        .include "tests/guests/common64.inc"
        .balign 4096
page_a: ret
        .balign 4096
page_p: mov $'P', %al
        out %al, $0xe9
        ret
        .balign 4096
        own_tables_data
pt2:    .fill 512, 8, 0
m_start: .asciz "boot information page remapped: "
