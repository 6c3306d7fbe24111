# enf_sensitive: one of each sensitive family at CPL 0 in long mode: CPUID,
# PUSHF/POPF, CLI/STI, SGDT/SIDT, IN/OUT, MOV CR.  Prints what each saw;
# the output must equal the raw run's.  Ends with HLT (interrupts off).
        .code64
        .globl _start
_start: lea m_cpuid(%rip), %rsi
        call puts
        xor %eax, %eax
        cpuid                           # vendor string, max leaf
        mov %ebx, vendor(%rip)
        mov %edx, vendor+4(%rip)
        mov %ecx, vendor+8(%rip)
        # The vendor differs between hosts: print 1 when it is 12 printable
        # characters (the trace must not depend on the CPU it ran on).
        lea vendor(%rip), %rsi
        mov $12, %ecx
        mov $1, %eax
1:      movzbl (%rsi), %edx
        cmp $0x20, %edx
        jb 2f
        cmp $0x7e, %edx
        jbe 3f
2:      xor %eax, %eax
3:      inc %rsi
        dec %ecx
        jnz 1b
        mov $1, %cl
        call puthex
        call putnl

        lea m_flags(%rip), %rsi
        call puts
        pushf
        orq $0x400, (%rsp)              # set DF through the stack
        popf
        pushf
        pop %rax
        cld
        shr $10, %rax
        and $1, %eax
        mov $1, %cl
        call puthex
        call putnl

        lea m_if(%rip), %rsi
        call puts
        sti
        pushf
        pop %rax
        cli
        pushf
        pop %rbx
        shr $9, %rax
        and $1, %eax
        mov $1, %cl
        call puthex
        mov %rbx, %rax
        shr $9, %rax
        and $1, %eax
        call puthex
        call putnl

        lea m_desc(%rip), %rsi
        call puts
        sgdt gdtr(%rip)
        sidt idtr(%rip)
        movzwl gdtr(%rip), %eax
        mov $4, %cl
        call puthex
        movzwl idtr(%rip), %eax
        call puthex
        call putnl

        lea m_io(%rip), %rsi
        call puts
        mov $0x3fb, %dx                 # UART LCR: write, read back
        mov $0x03, %al
        out %al, %dx
        xor %eax, %eax
        in %dx, %al
        mov $2, %cl
        call puthex
        call putnl

        lea m_cr(%rip), %rsi
        call puts
        mov %cr0, %rax
        mov %rax, %cr0
        shr $31, %rax                   # PG
        mov $1, %cl
        call puthex
        mov %cr4, %rax
        shr $5, %rax                    # PAE
        and $1, %eax
        call puthex
        call putnl
        lea m_hlt(%rip), %rsi
        call puts
        cli
        hlt
        jmp exit                # not reached: HLT with IF=0 ends the run
m_cpuid: .asciz "cpuid: "
m_flags: .asciz "popf df="
m_if:    .asciz "sti/cli if="
m_desc:  .asciz "sgdt/sidt limits="
m_io:    .asciz "in lcr="
m_cr:    .asciz "cr0.pg,cr4.pae="
m_hlt:   .asciz "hlt\n"
        .balign 8
vendor:  .fill 13, 1, 0
        .balign 8
gdtr:    .fill 10, 1, 0
idtr:    .fill 10, 1, 0
        .include "tests/guests/common64.inc"
