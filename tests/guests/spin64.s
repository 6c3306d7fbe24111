# spin64: flat long-mode binary that spins forever (for --timeout).
.code64
.globl _start
_start:
    jmp _start
