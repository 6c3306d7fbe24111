# ud32: flat 32-bit binary whose first instruction is ud2 (#UD reported).
.code32
.globl _start
_start:
    ud2
