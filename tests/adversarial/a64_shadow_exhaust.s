# a64_shadow_exhaust: more 2 MiB regions mapped page by page than the
# shadow page tables' pool has tables for (32 pages, deprivileged): the
# guest's own tables map 40 regions of its second GiB, each through its own
# 4 KiB table, region k's first page to data page k and its second page to
# one code page.  Twice over, the code is called through every region and
# loads region k's data (k * 0x1111), then each region's data is written
# through it and read back through its identity mapping.  Every value must
# be region k's own, however often the shadow had to start again.  Prints
# the sums: 0x3ffcc 0x3ffcc ok.
        .include "tests/adversarial/paging64.inc"
        .set NREG, 40
        .set G1, 0x40000000
        shadow_start page_a
        xor %ecx, %ecx                  # region k: pd2[k] -> pt_k, pt_k[0] -> data_k, pt_k[1] -> code
1:      mov %rcx, %rax
        shl $12, %rax
        lea pts(%rip), %rdi
        add %rax, %rdi                  # pt_k
        lea datas(%rip), %rsi
        add %rax, %rsi                  # data_k
        imul $0x1111, %ecx, %edx
        mov %rdx, (%rsi)
        or $3, %rsi
        mov %rsi, (%rdi)
        lea page_code(%rip), %rdx
        or $3, %rdx
        mov %rdx, 8(%rdi)
        or $3, %rdi
        lea pd2(%rip), %rdx
        mov %rdi, (%rdx,%rcx,8)
        inc %ecx
        cmp $NREG, %ecx
        jne 1b
        lea pd2(%rip), %rax
        or $3, %rax
        mov %rax, pdpt+8(%rip)
        mov %cr3, %rax                  # (a new PDPT entry: flush)
        mov %rax, %cr3
        mov $2, %r14d
pass:   xor %r12d, %r12d                # sum of the loads
        xor %ecx, %ecx
2:      mov %rcx, %rdi                  # region k's linear base
        shl $21, %rdi
        add $G1, %rdi
        lea 0x1000(%rdi), %rax
        call *%rax                      # the code, through region k: loads its data
        imul $0x1111, %ecx, %edx
        cmp %rdx, %rax
        jne bad
        add %rax, %r12
        inc %ecx
        cmp $NREG, %ecx
        jne 2b
        xor %ecx, %ecx                  # stores through the regions, checked through identity
3:      mov %rcx, %rdi
        shl $21, %rdi
        add $G1, %rdi
        imul $0x1111, %ecx, %edx
        mov %rdx, 8(%rdi)
        mov %rcx, %rax
        shl $12, %rax
        lea datas(%rip), %rsi
        cmp 8(%rsi,%rax), %rdx
        jne bad
        inc %ecx
        cmp $NREG, %ecx
        jne 3b
        mov %r12, %rax
        mov $5, %cl
        call puthex
        mov $' ', %al
        out %al, $0xe9
        dec %r14d
        jnz pass
        lea m_ok(%rip), %rsi
        call puts
        xor %eax, %eax
        jmp exit
bad:    mov %rcx, %rax
        mov $2, %cl
        call puthex
        lea m_bad(%rip), %rsi
        call puts
        mov $1, %eax
        jmp exit
        .include "tests/guests/common64.inc"
        .balign 4096
page_a: ret
        .balign 4096
page_code:
        mov (%rdi), %rax
        ret
        .balign 4096
        own_tables_data
pd2:    .fill 512, 8, 0
m_start: .asciz "40 regions page by page: "
m_ok:   .asciz "ok\n"
m_bad:  .asciz " wrong\n"
        .bss
        .balign 4096
pts:    .skip NREG * 4096
datas:  .skip NREG * 4096
