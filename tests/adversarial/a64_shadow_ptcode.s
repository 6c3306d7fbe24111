# a64_shadow_ptcode: a page-table page that is also a code page.  The PT
# for linear X's 2 MiB is page CP, whose entry 2 is the immediate of a
# MOVABS that CP runs: the entry maps X+8K to data page D.  The guest reads
# and writes D through X+8K -- the CPU's walk sets the entry's A and D bits
# in that immediate, as it would in any PTE -- then runs the MOVABS again
# and prints what it loads, and D's value.  The other entries of CP are
# code bytes the guest never uses as mappings.  Prints, raw,
# "0x003= 0x12345678 0x600dbeef 0x063=".
        .include "tests/adversarial/paging64.inc"
        shadow_start page_a
        call cp_fn                      # the PTE, as code
        call show_pte
        lea page_cp(%rip), %rax         # X's 2 MiB -> the table CP
        or $3, %rax
        mov %rax, pd+8*8(%rip)
        invlpg X+0x2000
        mov X+0x2000, %eax              # D through CP's entry 2
        mov $8, %cl
        call puthex
        mov $' ', %al
        out %al, $0xe9
        movl $0x600dbeef, X+0x2000      # ... written through it
        mov d_val(%rip), %eax
        mov $8, %cl
        call puthex
        call cp_fn                      # the PTE again, as code: A and D set
        call show_pte
        shadow_end
# show_pte: ' ' then %rax's flag bits (the low 12) and whether the
# address is D's
show_pte:
        push %rax
        mov $' ', %al
        out %al, $0xe9
        mov (%rsp), %rax
        and $0xfff, %eax
        mov $3, %cl
        call puthex
        pop %rax
        and $~0xfff, %rax
        lea page_d(%rip), %rdx
        cmp %rdx, %rax
        mov $'=', %al
        je 1f
        mov $'!', %al
1:      out %al, $0xe9
        mov $' ', %al
        out %al, $0xe9
        ret
        .balign 4096
page_a: ret
        .balign 4096
page_cp:                                # entry 2 (offset 0x10) is the immediate
        .fill 14, 1, 0x90
cp_fn:  movabs $page_d + 3, %rax        # 48 b8 at 0x0e, imm64 at 0x10
        ret
        .balign 4096
page_d:
d_val:  .long 0x12345678
        .balign 4096
        own_tables_data
m_start: .asciz "a PTE inside code: "
