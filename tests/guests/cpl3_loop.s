# cpl3_loop: a counted loop (add/dec/jnz, ITER times) at CPL 3, in 64-bit
# code or, with COMPAT, in 32-bit compatibility-mode code -- to measure
# whether the host runs 32-bit CPL 3 code natively, as it does 64-bit
# (bench-depriv: only code the host runs natively gains from being
# deprivileged).  Starts at CPL 0 in scout's long-mode boot environment;
# its own GDT adds the user segments; the loop exits through port 0xf4
# (scout's TSS lets CPL 3 use every port).  ITER from --defsym.
        .code64
        .globl _start
_start: lgdt gdtr(%rip)
        pushq $0x23                     # SS: user data
        lea stack_top(%rip), %rax
        push %rax
        pushq $0x0002
        .ifdef COMPAT
        pushq $0x1b                     # CS: 32-bit user code
        .else
        pushq $0x2b                     # CS: 64-bit user code
        .endif
        lea user(%rip), %rax
        push %rax
        iretq
        .ifdef COMPAT
        .code32
        .endif
user:   mov $ITER, %ecx
        xor %eax, %eax
1:      add %ecx, %eax
        dec %ecx
        jnz 1b
        xor %eax, %eax
        out %al, $0xf4
2:      jmp 2b
        .section .data
        .p2align 3
gdt:    .quad 0
        .quad 0x00af9a000000ffff        # 0x08: 64-bit code, DPL 0
        .quad 0x00cf92000000ffff        # 0x10: data, DPL 0
        .quad 0x00cffa000000ffff        # 0x18: 32-bit code, DPL 3
        .quad 0x00cff2000000ffff        # 0x20: data, DPL 3
        .quad 0x00affa000000ffff        # 0x28: 64-bit code, DPL 3
gdtr:   .word gdtr - gdt - 1
        .quad gdt
        .section .bss
        .p2align 12
        .skip 4096
stack_top:
