# a64_lock_cmpxchg: atomic read-modify-write instructions on code bytes
# (LOCK CMPXCHG, LOCK XADD, XCHG with memory): the immediate of a MOV that
# runs again after each.
        .code64
        .globl _start
_start: lea m_start(%rip), %rsi
        call puts
        call show                       # 'a'
        mov $'a', %al                   # cmpxchg: 'a' -> 'b'
        mov $'b', %cl
        lock cmpxchg %cl, show+1(%rip)
        call show
        mov $1, %cl                     # xadd: +1 -> 'c'
        lock xadd %cl, show+1(%rip)
        call show
        mov $'z', %cl                   # xchg (locked by itself) -> 'z'
        xchg %cl, show+1(%rip)
        call show
        call putnl
        xor %eax, %eax
        jmp exit
show:   mov $'a', %al
        out %al, $0xe9
        ret
        .include "tests/guests/common64.inc"
        .section .data
m_start: .asciz "atomic writes into code: "
