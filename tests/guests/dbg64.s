# dbg64: the debugger's test guest (tests/integration/debugger.sh,
# tests/tui/tui_debug.sh), assembled with `as -g`: symbols and line
# information.  In order it
#   - runs `loop spin` on itself twice (a self-branching instruction),
#   - calls add3(7) = 10 and bump twice: counter += 10 (a data variable in
#     .data: `watch counter`),
#   - calls value (1), patch (a store into value's immediate: an
#     invalidation of this page), value again (42),
#   - prints "dbg: counter 0x14 value 0x2a" and exits with status 0.
        .code64
        .text
        .globl _start
_start: mov $3, %ecx
spin:   loop spin
        mov $7, %edi
        call add3
        mov %rax, %rbx
        call bump
        call bump
        call value
        call patch
        call value
        mov %rax, %r12
        lea msg(%rip), %rsi
        call puts
        mov counter(%rip), %rax
        mov $2, %cl
        call puthex
        lea msg2(%rip), %rsi
        call puts
        mov %r12, %rax
        call puthex
        call putnl
        xor %eax, %eax
        jmp exit
        .type add3, @function
add3:   lea 3(%rdi), %rax
        ret
        .size add3, . - add3
        .type bump, @function
bump:   add %rbx, counter(%rip)
        ret
        .size bump, . - bump
        .type value, @function
value:  mov $1, %eax
        ret
        .size value, . - value
        .type patch, @function
patch:  movb $42, value+1(%rip)
        ret
        .size patch, . - patch
msg:    .asciz "dbg: counter "
msg2:   .asciz " value "
        .include "tests/guests/common64.inc"
        .data
        .type counter, @object
counter: .quad 0
        .size counter, 8
