# loop64_mb: loop64's compute loop (ITER iterations of add/dec/jnz) at
# CPL 3 in long mode, as a Multiboot kernel that gets there itself, so that
# QEMU (-kernel) runs the CPL 3 loop as scout --cpl 3 runs loop64.
# mb64.inc enters long mode at CPL 0; main64 makes the first 2 MiB
# user-accessible, loads a GDT with user segments and a TSS whose I/O
# bitmap allows ports 0-0xff (a host that ignores IOPL at CPL 3 still lets
# the guest exit), and IRETs to CPL 3 with IOPL 3.  Exits with status 1
# (exit device value 0) when the loop's sum is ITER*(ITER+1)/2, else 3.
# ITER (up to 4e9) from --defsym.
        .include "mb64.inc"
        .code64
main64: orq $4, mb64_pml4(%rip)         # U/S on the path to the first 2 MiB
        orq $4, mb64_pdpt(%rip)
        orq $4, mb64_pd(%rip)
        mov %cr3, %rax
        mov %rax, %cr3
        lea lmb_tss(%rip), %rax         # the TSS descriptor's base
        mov %ax, lmb_gdt + 0x2a(%rip)
        shr $16, %rax
        mov %al, lmb_gdt + 0x2c(%rip)
        mov %ah, lmb_gdt + 0x2f(%rip)
        shr $16, %rax
        mov %eax, lmb_gdt + 0x30(%rip)
        lea mb64_stack(%rip), %rax
        mov %rax, lmb_tss + 4(%rip)     # RSP0
        lgdt lmb_gdtr(%rip)
        mov $0x28, %ax
        ltr %ax
        pushq $0x1b                     # SS: user data
        lea lmb_ustack(%rip), %rax
        push %rax
        pushq $0x3002                   # RFLAGS: IOPL 3
        pushq $0x23                     # CS: user code, 64-bit
        lea user(%rip), %rax
        push %rax
        iretq

user:   mov $ITER, %rcx                 # loop64's loop
        xor %rax, %rax
1:      add %rcx, %rax
        dec %rcx
        jnz 1b
        mov $ITER, %rbx                 # the sum of 1..ITER is ITER*(ITER+1)/2
        lea 1(%rbx), %rdx
        imul %rdx, %rbx
        shr $1, %rbx
        cmp %rbx, %rax
        setne %al                       # exit device value 0 if it is, else 1
        movzbl %al, %eax
        out %al, $0xf4
2:      jmp 2b

        .section .data
        .p2align 3
lmb_gdt:
        .quad 0
        .quad 0x00af9a000000ffff        # 0x08: 64-bit code, DPL 0
        .quad 0x00cf92000000ffff        # 0x10: data, DPL 0
        .quad 0x00cff2000000ffff        # 0x18: data, DPL 3
        .quad 0x00affa000000ffff        # 0x20: 64-bit code, DPL 3
        .word lmb_tss_end - lmb_tss - 1 # 0x28: 64-bit TSS (base filled in)
        .word 0
        .byte 0, 0x89, 0, 0
        .quad 0
lmb_gdtr:
        .word lmb_gdtr - lmb_gdt - 1
        .quad lmb_gdt
        .p2align 4
lmb_tss:
        .skip 0x66
        .word 0x68                      # I/O bitmap offset
        .skip 32                        # ports 0-0xff allowed
        .byte 0xff
lmb_tss_end:

        .section .bss
        .p2align 12
        .skip 4096
lmb_ustack:
