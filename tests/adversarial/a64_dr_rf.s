# a64_dr_rf: an instruction breakpoint (DR0) whose #DB handler sets RF in
# the frame and returns: the instruction then runs once, without a second
# #DB.  Its trap byte takes the breakpoint first (at the same address);
# the guard of the in-place IRETQ at the target consumes RF; the
# instruction scout then resumes at that address must keep RF, or #DB
# comes back forever.
        .include "tests/adversarial/gate64.inc"
        .code64
        .globl _start
_start: lea m_start(%rip), %rsi
        call puts
        lea db(%rip), %rax              # IDT: #DB only
        lea idt+1*16(%rip), %rdi
        intgate
        lidt idtr(%rip)
        xor %r12d, %r12d
        lea X(%rip), %rax
        mov %rax, %dr0
        mov $0x401, %eax                # DR7: L0, execute, 1 byte
        mov %rax, %dr7
X:      mov $'1', %al
        add %r12b, %al                  # one #DB: '2'
        mov $0x400, %ecx
        mov %rcx, %dr7
        out %al, $0xe9
        mov $'\n', %al
        out %al, $0xe9
        xor %eax, %eax
        jmp exit
db:     inc %r12d
        orq $0x10000, 16(%rsp)          # RF in the frame's RFLAGS
        iretq
m_start: .asciz "dr0 hits: "
        .include "tests/guests/common64.inc"
        .balign 16
idtr:   .word 4095
        .quad idt
        .balign 16
idt:    .fill 4096, 1, 0
