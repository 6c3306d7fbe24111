# enf_crosstrap: a page-crossing instruction executed in place must see its
# original bytes in BOTH pages (traps in its tail suspended too).  Review
# reproducer:
# a page-crossing movabs whose imm64 tail (next page) holds scanned code with
# virtualize traps: stepped in place, only the in-page part is suspended.
        .code64
        .globl _start
_start: lea back1(%rip), %rbx
        mov $'x', %al
        jmp page2                   # scans page2: out (trap), jmp *%rbx (trap)
back1:  mov $'\n', %al
        out %al, $0xe9
        jmp cross
        .balign 4096
        .fill 4092, 1, 0xcc
cross:  .byte 0x48, 0xb8, 0xb0, 0x42
page2:  .byte 0xe6, 0xe9, 0xff, 0xe3, 0x90, 0x90
        movabs $0x9090e3ffe9e642b0, %rdx
        cmp %rdx, %rax
        je ok
        mov $'C', %al
        out %al, $0xe9
        mov $'\n', %al
        out %al, $0xe9
        mov $1, %al
        out %al, $0xf4
ok:     mov $'K', %al
        out %al, $0xe9
        mov $'\n', %al
        out %al, $0xe9
        xor %eax, %eax
        out %al, $0xf4
