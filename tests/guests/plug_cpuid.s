# plug_cpuid: the plugin tests' guest (built by plugins/plugins.mk).  Prints
# the CPUID vendor (leaf 0) and two leaf-1 feature bits (ECX.SSE3, EDX.SSE),
# then calls `work` three times from a loop (known blocks for drcov: _start,
# loop, work, after) and exits with status 0 through the exit device.
        .code64
        .globl _start, loop, work, after
_start: xor %eax, %eax
        cpuid
        mov %ebx, vendor(%rip)
        mov %edx, vendor+4(%rip)
        mov %ecx, vendor+8(%rip)
        lea m_vendor(%rip), %rsi
        call puts
        lea vendor(%rip), %rsi
        call puts
        mov $1, %eax
        cpuid
        mov %edx, %r9d
        lea m_sse3(%rip), %rsi
        call puts
        mov %ecx, %eax
        and $1, %eax
        mov $1, %cl
        call puthex
        lea m_sse(%rip), %rsi
        call puts
        mov %r9d, %eax
        shr $25, %eax
        and $1, %eax
        call puthex
        call putnl
        mov $3, %ebx
loop:   call work
        dec %ebx
        jnz loop
after:  lea m_done(%rip), %rsi
        call puts
        xor %eax, %eax
        jmp exit
work:   add $1, %r8
        ret
m_vendor: .asciz "vendor: "
m_sse3: .asciz "\nleaf1: sse3="
m_sse:  .asciz " sse="
m_done: .asciz "done\n"
vendor: .fill 16, 1, 0
        .include "tests/guests/common64.inc"
