# triple64: loads an empty IDT, then executes ud2: #UD -> #GP -> #DF ->
# triple fault (shutdown).
.code64
.globl _start
_start:
    lidt idtr(%rip)
    ud2
idtr: .word 0
      .quad 0
