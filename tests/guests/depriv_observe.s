# depriv_observe: what a CPL 0 guest sees of each CPL-sensitive instruction,
# one labelled line each.  It must print the same under --raw (CPL 0) and
# --deprivilege (real CPL 3, those instructions at its virtual CPL 0):
# tests/integration/depriv.sh compares the lines one by one.  Only state
# that is the same every run is printed (no TSC values).  LAR/LSL/VERR/VERW:
# depriv_lar.s (this host cannot run them at CPL 0).
        .code64
        .globl _start
        .macro show name
        .pushsection .data
8:      .asciz "\name="
        .popsection
        lea 8b(%rip), %rsi
        call puts
        mov $16, %cl
        call puthex
        call putnl
        .endm
        .macro sreg reg, name
        xor %eax, %eax
        mov \reg, %ax
        show \name
        .endm

_start: sreg %cs, mov_cs
        sreg %ss, mov_ss
        sreg %ds, mov_ds
        sreg %es, mov_es
        sreg %fs, mov_fs
        sreg %gs, mov_gs
        push %fs
        pop %rax
        show push_fs
        pushfq
        pop %rax
        show pushfq
        sti
        pushfq
        pop %rax
        show sti_pushfq
        cli
        pushfq
        pop %rax
        show cli_pushfq
        pushfq                          # POPF sets IOPL at CPL 0 (kept at CPL 3)
        orq $0x3000, (%rsp)
        popfq
        pushfq
        pop %rax
        show popfq_iopl3
        pushfq
        andq $~0x3000, (%rsp)
        popfq
        pushfq                          # AC: no alignment check at CPL 0
        orq $0x40000, (%rsp)
        popfq
        lea buf+1(%rip), %rbx
        mov (%rbx), %rax
        pushfq
        pop %rax
        show popfq_ac_unaligned
        pushfq
        andq $~0x40000, (%rsp)
        popfq
        sub $16, %rsp
        sgdt (%rsp)
        movzwl (%rsp), %eax
        show sgdt_limit
        mov 2(%rsp), %rax
        show sgdt_base
        sidt (%rsp)
        movzwl (%rsp), %eax
        show sidt_limit
        mov 2(%rsp), %rax
        show sidt_base
        add $16, %rsp
        xor %eax, %eax
        sldt %ax
        show sldt
        xor %eax, %eax
        str %ax
        show str
        xor %eax, %eax
        smsw %eax
        show smsw
        mov %cr0, %rax
        show mov_from_cr0
        mov %rax, %cr0                  # written back unchanged
        mov %cr3, %rax
        show mov_from_cr3
        mov %cr4, %rax
        show mov_from_cr4
        mov %dr7, %rax
        show mov_from_dr7
        mov $0xc0000080, %ecx
        rdmsr
        shl $32, %rdx
        or %rdx, %rax
        show rdmsr_efer
        xor %eax, %eax
        cpuid
        mov %rbx, %rax
        show cpuid0_ebx
        rdtsc
        mov $1, %eax
        show rdtsc_ran
        in $0x80, %al
        movzbl %al, %eax
        show in_80
        mov 0xfee00030, %eax            # local APIC version: the MMIO hole is reachable
        show apic_version
        mov $0xc0000102, %ecx           # KERNEL_GS_BASE, then SWAPGS
        mov $0x4321, %eax
        xor %edx, %edx
        wrmsr
        swapgs
        mov $0xc0000101, %ecx
        rdmsr
        show swapgs_gs_base
        swapgs
        lea buf(%rip), %rax             # FS base by WRMSR: used by native code after
        mov %rax, %rdx
        shr $32, %rdx
        mov $0xc0000100, %ecx
        wrmsr
        mov %fs:8, %rax
        show fs_load
        push $0x08                      # far return to CPL 0
        lea 1f(%rip), %rax
        push %rax
        lretq
1:      sreg %cs, lretq_cs
        mov %rsp, %rbx                  # IRETQ to CPL 0
        push $0x10
        push %rbx
        pushfq
        push $0x08
        lea 1f(%rip), %rax
        push %rax
        iretq
1:      sreg %ss, iretq_ss
        rex.w lcall *farptr(%rip)       # far call through memory
        show lcall_ret
        mov $0x10, %ax
        mov %ax, %ds
        sreg %ds, mov_ds_0x10
        xor %eax, %eax
        mov %ax, %es
        sreg %es, mov_es_null
        mov $0x10, %ax
        mov %ax, %es
        invlpg buf(%rip)
        wbinvd
        mov $1, %eax
        show invlpg_wbinvd_ran
        xor %eax, %eax
        jmp exit
farcallee:
        xor %eax, %eax
        mov %cs, %ax
        lretq
        .include "tests/guests/common64.inc"
        .data
        .balign 16
buf:    .quad 0x1122334455667788, 0x99aabbccddeeff00
farptr: .quad farcallee
        .word 0x08
