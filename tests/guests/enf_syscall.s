# enf_syscall: SYSCALL executed in place: its successor is the LSTAR target,
# read from the MSR, so the handler page is guarded before it runs.
        .code64
        .globl _start
_start: mov $0xC0000080, %ecx        # EFER
        rdmsr
        or $1, %eax                  # SCE
        wrmsr
        mov $0xC0000081, %ecx        # STAR
        xor %eax, %eax
        mov $0x00100008, %edx        # syscall CS=0x08, SS=0x10
        wrmsr
        mov $0xC0000082, %ecx        # LSTAR
        lea handler(%rip), %rax
        mov %rax, %rdx
        shr $32, %rdx
        wrmsr
        syscall
        hlt
        .balign 4096
handler: mov $'S', %al
        out %al, $0xe9
        mov $'\n', %al
        out %al, $0xe9
        xor %eax, %eax
        out %al, $0xf4
        hlt
