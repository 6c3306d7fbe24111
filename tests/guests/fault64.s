# fault64: writes to an unmapped address (1 GiB, beyond RAM) as its first
# instruction: the monitor reports a #PF at the entry point.
.code64
.globl _start
_start:
    movl $1, 0x40000000
    hlt
