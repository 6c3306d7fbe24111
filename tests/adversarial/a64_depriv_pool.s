# a64_depriv_pool: a guest with an IDT of its own (so --deprivilege runs it
# on scout's shadow page tables) stores with SGDT -- a CPL-sensitive
# instruction, run in the window at CPL 0 on the guest's own (here scout's
# boot) tables -- into the shadow tables' pool at the reserved region's
# +0x20000, found through its GDTR.  Raw and enforced, that memory is
# nobody's: the store lands and the guest goes on.  Deprivileged, the pool
# maps what native code may touch: the store must be refused before it
# is made, never applied (the guest would map itself what it likes).
        .code64
        .globl _start
_start: lea m_start(%rip), %rsi
        call puts
        lidt myidtr(%rip)               # its own IDT (no gate used)
        sgdt gdtr(%rip)                 # scout's GDT: the reserved region's start
        mov gdtr+2(%rip), %rdi
        add $0x20000, %rdi              # the shadow pool's first page: the root
        sgdt (%rdi)                     # a PML4 entry of the guest's choosing
        sgdt 8(%rdi)
        lea m_done(%rip), %rsi
        call puts
        xor %eax, %eax
        jmp exit
        .include "tests/guests/common64.inc"
        .section .data
        .balign 16
gdtr:   .fill 10, 1, 0
        .balign 16
myidtr: .word 16*32 - 1
        .quad myidt
        .balign 16
myidt:  .fill 16*32, 1, 0
m_start: .asciz "storing into the reserved region: "
m_done:  .asciz "done\n"
