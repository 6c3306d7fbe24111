# depriv_own: a 64-bit kernel with tables of its own, as kvm-unit-tests
# are: booted as a Multiboot kernel (mb64.inc: long mode on its own page
# tables of supervisor-only 2 MiB pages, its own GDT and IDT), it loads a
# GDT with user segments and a TSS of its own, then prints one line
# `key=value` per observation, to be the same under --raw (CPL 0, the
# host's emulator) and --deprivilege (real CPL 3 on scout's shadow page
# tables, its exceptions and interrupts reflected into its IDT):
# tests/integration/depriv.sh compares them line by line.
#
# What it looks at: the CPL-sensitive instructions depriv_observe.s runs
# (depriv_sensitive.inc: segment registers, flags, descriptor-table
# registers, control and debug registers, MSRs, CPUID, port and APIC
# reads, SWAPGS, far returns) -- values of its own tables now; its own
# #DE (on its TSS's IST1), #UD, #GP (a selector beyond its GDT, a
# non-canonical address) and #PF handlers (a page it maps in the handler
# with INVLPG, a read-only page with CR0.WP=1 it makes writable); CR2 kept
# across accesses scout's shadow fills; the 8254 and the local APIC timer, one-shot, through its
# IDT while it spins in native code; a MOV CR3 to a second tree and back;
# a data page remapped by a PTE store and INVLPG; 4 KiB pages and a 2 MiB
# page that is not identity; SYSRET and IRETQ to its own CPL 3 code on
# user pages, back by a #UD through its TSS's RSP0; the multiboot
# information.  At CPL 3 this host's kvm_pvm shows its own selectors
# (MOV from CS gives 0x33), and SYSCALL and INT 0x80 from there do not
# reach the guest's LSTAR or gate: not here.  This host cannot run
# INT n, LAR/LSL/VERR/VERW at CPL 0 raw (depriv_lar.s): not here.
        .include "mb64.inc"
        .include "tests/guests/depriv_sensitive.inc"
        .set R, 0x40000000              # 1 GiB: the 4 KiB pages of pt4k
        .set BIG, R + 0x200000          # a 2 MiB page onto physical 4 MiB
        .set UCODE, R + 0x4000          # user code (pt4k[4]) and stack (pt4k[5])
        .set USTACK_TOP, R + 0x6000
        .set LAPIC, 0xfee00000
        .set K_CS, 0x08
        .set K_DS, 0x10
        .set U_DS, 0x1b
        .set U_CS, 0x23
        .set TSS_SEL, 0x28

        .macro showvar var, name
        mov \var(%rip), %rax
        show \name
        .endm
        # expect LABEL: the next fault's handler resumes at LABEL
        .macro expect label
        lea \label(%rip), %rax
        mov %rax, resume(%rip)
        .endm
        # after a return from user code by its #UD
        .macro show_user p
        showvar frame_rip, \p\()_ud_rip_offset
        showvar frame_cs, \p\()_ud_frame_cs
        showvar frame_ss, \p\()_ud_frame_ss
        showvar frame_rsp, \p\()_ud_rsp_minus_ustack
        showvar rsp0_used, \p\()_ud_on_rsp0
        showvar user_sum, \p\()_loop_sum
        .endm
        # an interrupt's frame: taken in spin's loop, with IF set
        .macro show_irq p
        showvar frame_cs, \p\()_frame_cs
        showvar frame_if, \p\()_frame_if
        mov frame_rip(%rip), %rax
        lea spin_loop(%rip), %rdx
        sub %rdx, %rax
        cmp $spin_end - spin_loop, %rax
        setb %al
        movzbl %al, %eax
        show \p\()_in_spin
        .endm
        .macro gate vec, handler
        mov $\vec, %eax
        lea \handler(%rip), %rbx
        call set_gate
        .endm

main64: mov %rdi, %r15                  # the multiboot information
        call own_gdt
        gate 0, h_de
        lea mb64_idt(%rip), %rax
        movb $1, 4(%rax)                # #DE on the TSS's IST1
        gate 6, h_ud
        gate 13, h_gp
        gate 14, h_pf
        gate 0x20, h_pit
        gate 0x27, h_iret
        gate 0x40, h_apic
        gate 0xff, h_iret
        call own_pages

        # the CPL-sensitive instructions, on its own tables
        sensitive_lines

        # its own exception handlers
        expect 1f
        xor %edx, %edx
        xor %ecx, %ecx
        mov $1, %eax
        div %ecx
1:      showvar vector, de_vector
        showvar frame_cs, de_frame_cs
        showvar frame_ss, de_frame_ss
        mov entry_rsp(%rip), %rax
        lea ist1_top-40(%rip), %rdx
        sub %rdx, %rax
        show de_rsp_minus_ist1_frame
        expect 1f
        ud2
1:      showvar vector, ud_vector
        expect 1f
        mov $0x40, %ax                  # beyond its GDT
        mov %ax, %ds
1:      showvar vector, gp_sel_vector
        showvar error, gp_sel_error
        sreg %ds, gp_sel_ds_kept
        expect 1f
        mov $0x8000000000000000, %rax
        mov (%rax), %rax
1:      showvar vector, gp_noncanon_vector
        showvar error, gp_noncanon_error

        # #PF: a page mapped by the handler (PTE store, INVLPG, retry)
        lea d_fix(%rip), %rax
        or $3, %rax
        mov %rax, pf_fix(%rip)
        movq $R+0x1000, pf_slot(%rip)
        mov R+0x1000, %rax
        show pf_fixed_read
        showvar error, pf_error
        showvar cr2, pf_cr2
        showvar pf_count, pf_count
        # a read-only page, CR0.WP=1: the handler makes it writable
        mov %cr0, %rax
        bts $16, %rax
        mov %rax, %cr0
        lea d_ro(%rip), %rax
        or $3, %rax
        mov %rax, pf_fix(%rip)
        movq $R+0x3000, pf_slot(%rip)
        movl $0xabcd, R+0x3000
        mov d_ro(%rip), %eax
        show ro_written
        showvar error, ro_error
        showvar pf_count, ro_pf_count
        # CR2 after accesses that are not the guest's faults
        mov 0x600000, %rax
        mov 0xa00000, %rax
        mov 0xe00000, %rax
        movb $1, 0x1200000
        mov %cr2, %rax
        show cr2_after_other_accesses

        # the 8254 through the 8259, one-shot, taken in native code
        call pic_init
        mov $0xfe, %al                  # IRQ 0 only
        out %al, $0x21
        mov $0x30, %al                  # channel 0, mode 0: one IRQ 0 in 1 ms
        out %al, $0x43
        mov $1193 & 0xff, %al
        out %al, $0x40
        mov $1193 >> 8, %al
        out %al, $0x40
        mov $pit_ticks, %edi
        call spin
        show pit_spin_ended
        showvar pit_ticks, pit_ticks
        show_irq pit
        mov $0xff, %al
        out %al, $0x21
        # the local APIC timer, one-shot, vector 0x40, taken in native code
        mov $LAPIC, %ebx
        movl $0x1ff, 0xf0(%rbx)
        movl $0xb, 0x3e0(%rbx)
        movl $0x40, 0x320(%rbx)
        movl $2000000, 0x380(%rbx)
        mov $apic_ticks, %edi
        call spin
        show apic_spin_ended
        showvar apic_ticks, apic_ticks
        show_irq apic

        # a data page remapped: PTE store and INVLPG
        mov R, %rax
        show remap_before
        lea d1(%rip), %rax
        or $3, %rax
        mov %rax, pt4k(%rip)
        invlpg R
        mov R, %rax
        show remap_after
        # a 2 MiB page that is not identity: BIG -> physical 4 MiB
        movq $0x2b16b16, 0x400128
        mov BIG+0x128, %rax
        show big_read
        movq $0x3b16b16, BIG+0x1f0008
        mov 0x5f0008, %rax
        show big_written
        # a second tree: R -> d2 there
        lea pml4_2(%rip), %rax
        mov %rax, %cr3
        mov R, %rax
        show tree2_read
        mov %cr3, %rax
        lea pml4_2(%rip), %rdx
        sub %rdx, %rax
        show tree2_cr3_minus_pml4_2
        lea mb64_pml4(%rip), %rax
        mov %rax, %cr3
        mov R, %rax
        show tree1_read

        # SYSRET to its own CPL 3 code on user pages, back by its #UD (onto
        # its TSS's RSP0)
        mov $0xc0000080, %ecx           # EFER.SCE
        rdmsr
        or $1, %eax
        wrmsr
        mov $0xc0000081, %ecx           # STAR: SYSRET to 0x23/0x1b
        xor %eax, %eax
        mov $(0x10 << 16) | 0x08, %edx
        wrmsr
        lea 1f(%rip), %rax
        mov %rax, after_user(%rip)
        mov %rsp, ksp(%rip)
        mov $UCODE, %rcx
        mov $0x2, %r11d
        mov $USTACK_TOP, %rsp
        sysretq
1:      show_user sysret
        # IRETQ to CPL 3, back by its #UD
        lea 1f(%rip), %rax
        mov %rax, after_user(%rip)
        mov %rsp, ksp(%rip)
        push $U_DS
        push $USTACK_TOP
        push $0x2
        push $U_CS
        push $UCODE
        iretq
1:      show_user iretq

        # the multiboot information
        mov (%r15), %eax
        show mb_flags
        mov 4(%r15), %eax
        show mb_mem_lower
        mov 8(%r15), %eax
        show mb_mem_upper
        lea m_cmdline(%rip), %rsi
        call puts
        mov 16(%r15), %esi
        call puts
        call putnl
        xor %eax, %eax
        jmp exit

# spin: IF on, wait in native code until the dword at %rdi is not 0
# (bounded); %rax: 1 if it ended that way
spin:   mov $0x40000000, %ecx
        sti
spin_loop:
        cmpl $0, (%rdi)
        jne spin_end
        dec %ecx
        jnz spin_loop
spin_end:
        cli
        xor %eax, %eax
        cmpl $0, (%rdi)
        setne %al
        ret

# own_gdt: the GDT with user segments and the TSS (RSP0: kstack0_top)
own_gdt:
        lea tss(%rip), %rax
        lea kstack0_top(%rip), %rdx
        mov %rdx, 4(%rax)               # RSP0
        lea ist1_top(%rip), %rdx
        mov %rdx, 0x24(%rax)            # IST1
        lea gdt+TSS_SEL(%rip), %rdi
        movw $0x67, (%rdi)              # limit
        mov %ax, 2(%rdi)                # base 15:0
        shr $16, %rax
        mov %al, 4(%rdi)                # base 23:16
        movb $0x89, 5(%rdi)             # present, available 64-bit TSS
        mov %ah, 7(%rdi)                # base 31:24
        shr $16, %rax
        mov %eax, 8(%rdi)               # base 63:32
        lgdt gdtr(%rip)
        push $K_CS
        lea 1f(%rip), %rax
        push %rax
        lretq
1:      mov $K_DS, %eax
        mov %eax, %ds
        mov %eax, %es
        mov %eax, %ss
        mov $TSS_SEL, %ax
        ltr %ax
        ret

# own_pages: 4 KiB pages at R (pt4k), user bits on the way to them, the
# 2 MiB page BIG, and the second tree
own_pages:
        orq $4, mb64_pml4(%rip)
        lea mb64_pdpt(%rip), %rdi
        orq $4, 0(%rdi)
        orq $4, 8(%rdi)
        orq $4, 16(%rdi)
        orq $4, 24(%rdi)
        lea d0(%rip), %rax
        or $3, %rax
        mov %rax, pt4k(%rip)            # R -> d0; R+4K: not present (#PF)
        lea d_ro(%rip), %rax
        or $1, %rax
        mov %rax, pt4k+3*8(%rip)        # R+12K -> d_ro, read-only
        lea ucode(%rip), %rax
        or $5, %rax
        mov %rax, pt4k+4*8(%rip)        # UCODE: user, read-only
        lea ustack(%rip), %rax
        or $7, %rax
        mov %rax, pt4k+5*8(%rip)        # the user stack
        lea pt4k(%rip), %rax
        or $7, %rax
        mov %rax, mb64_pd+(R >> 21)*8(%rip)
        movq $0x400000 | 0x83, mb64_pd+(BIG >> 21)*8(%rip)
        # the second tree: its own PML4, PDPT, the PD for 1 GiB, pt4k_2
        lea pdpt_2(%rip), %rax
        or $7, %rax
        mov %rax, pml4_2(%rip)
        lea mb64_pdpt(%rip), %rsi
        lea pdpt_2(%rip), %rdi
        mov $4, %ecx
        rep movsq
        lea pd_2(%rip), %rax
        or $7, %rax
        mov %rax, pdpt_2+1*8(%rip)
        lea mb64_pd+1*4096(%rip), %rsi
        lea pd_2(%rip), %rdi
        mov $512, %ecx
        rep movsq
        lea pt4k_2(%rip), %rax
        or $7, %rax
        mov %rax, pd_2(%rip)
        lea d2(%rip), %rax
        or $3, %rax
        mov %rax, pt4k_2(%rip)
        mov %cr3, %rax
        mov %rax, %cr3
        ret

# the handlers: vector, error code and frame recorded
        .macro frame_record err
        mov %rax, saved_rax(%rip)
        .if \err
        pop %rax
        mov %rax, error(%rip)
        .endif
        mov %rsp, entry_rsp(%rip)
        mov (%rsp), %rax
        mov %rax, frame_rip(%rip)
        mov 8(%rsp), %rax
        mov %rax, frame_cs(%rip)
        mov 16(%rsp), %rax
        and $0x200, %eax
        mov %rax, frame_if(%rip)
        mov 24(%rsp), %rax
        mov %rax, frame_rsp(%rip)
        mov 32(%rsp), %rax
        mov %rax, frame_ss(%rip)
        .endm
        # to `resume`
        .macro fault vec, err
        frame_record \err
        movq $\vec, vector(%rip)
        mov resume(%rip), %rax
        mov %rax, (%rsp)
        mov saved_rax(%rip), %rax
        iretq
        .endm
h_de:   fault 0, 0
h_gp:   fault 13, 1
# #PF: pf_slot's PTE (in pt4k) := pf_fix, INVLPG, the access again
h_pf:   frame_record 1
        incq pf_count(%rip)
        push %rdx
        mov %cr2, %rax
        mov %rax, cr2(%rip)
        mov pf_slot(%rip), %rax
        sub $R, %rax
        shr $12, %rax
        lea pt4k(%rip), %rdx
        lea (%rdx,%rax,8), %rdx
        mov pf_fix(%rip), %rax
        mov %rax, (%rdx)
        mov pf_slot(%rip), %rax
        invlpg (%rax)
        pop %rdx
        mov saved_rax(%rip), %rax
        iretq
h_pit:  frame_record 0
        incl pit_ticks(%rip)
        mov $0x20, %al
        out %al, $0x20
        mov saved_rax(%rip), %rax
        iretq
h_apic: frame_record 0
        incl apic_ticks(%rip)
        push %rbx
        mov $LAPIC, %ebx
        movl $0, 0xb0(%rbx)
        pop %rbx
        mov saved_rax(%rip), %rax
        iretq
h_iret: iretq
# #UD: from user code (on the TSS's RSP0), back to `after_user` on the
# kernel's stack; from the kernel, to `resume`
h_ud:   testb $3, 8(%rsp)
        jnz 1f
        fault 6, 0
1:      frame_record 0
        lea kstack0_top-40(%rip), %rax
        cmp %rax, %rsp
        sete %al
        movzbl %al, %eax
        mov %rax, rsp0_used(%rip)
        mov frame_rsp(%rip), %rax
        sub $USTACK_TOP, %rax
        mov %rax, frame_rsp(%rip)
        mov (%rsp), %rax
        sub $UCODE, %rax
        mov %rax, frame_rip(%rip)
        mov %rdx, user_sum(%rip)
        mov ksp(%rip), %rsp
        jmp *after_user(%rip)
m_cmdline: .asciz "mb_cmdline="
        .include "common64.inc"

# user code, run at UCODE (user, read-only): a loop, then UD2
        .balign 4096
ucode:  xor %eax, %eax
        mov $1000, %ecx
1:      add %ecx, %eax
        dec %ecx
        jnz 1b
        mov %eax, %edx
        ud2
        .balign 4096

        .section .data
        .balign 16
gdt:    .quad 0
        .quad 0x00af9a000000ffff        # 0x08: 64-bit code
        .quad 0x00cf92000000ffff        # 0x10: data
        .quad 0x00cff2000000ffff        # 0x18: user data
        .quad 0x00affa000000ffff        # 0x20: user 64-bit code
        .quad 0, 0                      # 0x28: the TSS (own_gdt)
gdt_end:
gdtr:   .word gdt_end - gdt - 1
        .quad gdt
        .balign 16
tss:    .fill 104, 1, 0
        .balign 8
resume: .quad 0
vector: .quad 0
error:  .quad 0
cr2:    .quad 0
saved_rax: .quad 0
frame_cs: .quad 0
frame_ss: .quad 0
frame_if: .quad 0
frame_rsp: .quad 0
pf_slot: .quad 0
pf_fix: .quad 0
pf_count: .quad 0
pit_ticks: .quad 0
apic_ticks: .quad 0
ksp:    .quad 0
after_user: .quad 0
frame_rip: .quad 0
user_sum: .quad 0
rsp0_used: .quad 0
entry_rsp: .quad 0
        .balign 4096
d0:     .quad 0xd0d0d0d0
        .balign 4096
d1:     .quad 0xd1d1d1d1
        .balign 4096
d2:     .quad 0xd2d2d2d2
        .balign 4096
d_fix:  .quad 0xf1f1f1f1
        .balign 4096
d_ro:   .quad 0x0e0e0e0e
        .balign 4096

        .section .bss
        .balign 4096
pt4k:   .skip 4096
pml4_2: .skip 4096
pdpt_2: .skip 4096
pd_2:   .skip 4096
pt4k_2: .skip 4096
ustack: .skip 4096
        .skip 4096
kstack0_top:
        .skip 4096
ist1_top:
