# bench_loop: a tight loop in one page (xorshift64 with a data-dependent
# forward branch).  After the first pass every branch in it is native, so
# enforcement should cost nothing per iteration.  ITER comes from --defsym.
        .code64
        .globl _start
_start:
        .include "tests/guests/bench_loop.inc"
        .include "tests/guests/common64.inc"
