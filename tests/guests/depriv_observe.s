# depriv_observe: what a CPL 0 guest sees of each CPL-sensitive instruction,
# one labelled line each.  It must print the same under --raw (CPL 0) and
# --deprivilege (real CPL 3, those instructions at its virtual CPL 0):
# tests/integration/depriv.sh compares the lines one by one.  Only state
# that is the same every run is printed (no TSC values).  LAR/LSL/VERR/VERW:
# depriv_lar.s (this host cannot run them at CPL 0).  The instructions:
# depriv_sensitive.inc (depriv_own.s runs them on tables of its own).
        .include "tests/guests/depriv_sensitive.inc"
        .code64
        .globl _start
_start: sensitive_lines
        xor %eax, %eax
        jmp exit
        .include "tests/guests/common64.inc"
