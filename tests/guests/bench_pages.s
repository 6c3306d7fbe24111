# bench_pages: the cost of one instruction stepped in place as the guest's
# code grows.  PAGES code pages, each with a function that has a trap (an
# OUT, virtualize), are called once -- scanned, trapped, read-only -- then
# ITER OUTs run in a loop, each one stepped in place by scout.  Built as
# bench_pages-PAGES_ITER; the benchmark compares the per-OUT cost at 10
# and 10000 pages, by the TSC around the loop (start-up left out).
        .code64
        .globl _start
_start: lea pages(%rip), %rbx
        mov $PAGES, %r12d
1:      call *%rbx                  # every page: scanned, a trap, read-only
        add $4096, %rbx
        dec %r12d
        jnz 1b
        mov $ITER, %r12d
        rdtsc                       # the loop alone is timed, by the TSC
        shl $32, %rdx
        or %rax, %rdx
        mov %rdx, %r13
        test %r12d, %r12d
        jz 3f
2:      out %al, $0x80              # virtualize: stepped in place each time
        dec %r12d
        jnz 2b
3:      rdtsc
        shl $32, %rdx
        or %rdx, %rax
        sub %r13, %rax
        lea msg(%rip), %rsi
        call puts
        mov $16, %cl
        call puthex
        call putnl
        xor %eax, %eax
        jmp exit
msg:    .asciz "pages done, tsc cycles "
        .include "tests/guests/common64.inc"
        .balign 4096
pages:  .rept PAGES
        out %al, $0x80
        ret
        .balign 4096
        .endr
