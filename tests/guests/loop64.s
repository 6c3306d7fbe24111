# loop64: compute loop (ITER iterations of add/dec/jnz), prints the sum of
# 1..ITER in hex, then exits with status 1 (exit device value 0).
.code64
.globl _start
_start:
    mov $ITER, %rcx
    xor %rax, %rax
1:  add %rcx, %rax
    dec %rcx
    jnz 1b
    mov %rax, %rbx
    lea msg(%rip), %rsi
2:  lodsb
    test %al, %al
    jz 3f
    out %al, $0xe9
    jmp 2b
3:  mov $16, %ecx
4:  rol $4, %rbx
    mov %bl, %al
    and $15, %al
    cmp $10, %al
    jb 5f
    add $('a' - '0' - 10), %al
5:  add $'0', %al
    out %al, $0xe9
    dec %ecx
    jnz 4b
    mov $'\n', %al
    out %al, $0xe9
    xor %eax, %eax
    out %al, $0xf4
    hlt
msg: .asciz "sum=0x"
