# bench_loop_mb: bench_loop's loop in a kernel of the kvm-unit-tests kind --
# a Multiboot kernel that enters long mode itself (mb64.inc: its own GDT,
# IDT and page tables, supervisor-only) and runs the loop at CPL 0.  Under
# --deprivilege it runs on scout's shadow page tables, where bench_loop
# (scout's own boot tables) does not; QEMU runs it with -kernel as it is.
# ITER from --defsym.
        .include "mb64.inc"
        .code64
main64:
        .include "tests/guests/bench_loop.inc"
        .include "common64.inc"
