# a16_farptr_next: real-mode JMP FAR [m] and CALL FAR [m] whose far pointer
# is stored right after the instruction -- where a guard for its
# fall-through would be planted.  A trap byte there would change the
# pointer the CPU reads.
.code16
.globl _start
_start:
    cli
    xor %ax, %ax
    mov %ax, %ds
    mov %ax, %ss
    mov $0x9000, %sp
    mov $m_start, %si
    call puts
    lcall *1f                       # ff 1e <1f>: the pointer is the next 4 bytes
1:  .word target, 0
    mov $'c', %al                   # returned here? the CPU returns to 1f: the pointer's bytes
    out %al, $0xe9
    ljmp *2f
2:  .word target2, 0
target:
    mov $'t', %al
    out %al, $0xe9
    pop %bx                         # skip the pointer: return past it
    add $4, %bx
    push %bx
    lret
target2:
    mov $m_done, %si
    call puts
    mov $0, %al
    out %al, $0xf4
    hlt
puts:
1:  lodsb
    test %al, %al
    jz 2f
    out %al, $0xe9
    jmp 1b
2:  ret
m_start: .asciz "far pointers after the jump: "
m_done:  .asciz "\n"
.org 510
.word 0xaa55
