# a64_fxsave: stores KVM cannot emulate into a read-only page (FXSAVE,
# 512 bytes; CMPXCHG16B) aimed at data in a page with code.  They run with
# that page writable for the one instruction, and their bytes are read back.
# Listed twice: at CPL 0 (FXSAVE only: the host's KVM cannot emulate
# CMPXCHG16B at all) and at CPL 3.
        .code64
        .globl _start
_start: lea m_start(%rip), %rsi
        call puts
        fninit
        fxsave area(%rip)
        movzwl area(%rip), %eax         # FCW after fninit: 0x037f
        mov $4, %cl
        call puthex
        mov area+24(%rip), %eax         # MXCSR
        call puthex
        call putnl
        mov %cs, %eax                   # KVM cannot emulate CMPXCHG16B even
        test $3, %al                    # raw: at CPL 0 (emulated here) skip it
        jz 1f
        xor %eax, %eax                  # cmpxchg16b: rdx:rax == 0 -> stores rcx:rbx
        xor %edx, %edx
        mov $0x1234, %ebx
        mov $0x5678, %ecx
        lock cmpxchg16b pair(%rip)
        mov pair(%rip), %rax
        mov $4, %cl
        call puthex
        mov pair+8(%rip), %rax
        call puthex
        call putnl
1:      xor %eax, %eax
        jmp exit
        .include "tests/guests/common64.inc"
        .balign 16
pair:   .quad 0, 0
        .balign 16
area:   .fill 512, 1, 0xff
        .section .data
m_start: .asciz "fxsave, cmpxchg16b: "
