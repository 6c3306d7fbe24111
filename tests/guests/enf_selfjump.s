# enf_selfjump: an overlap-forced jmp whose target is inside its own bytes
# (eb ff: the target ff e0 is jmp *%rax).  scout must emulate it (a trap
# inside the instruction would change it) and scan page2 before it runs.
# Before the review fix it was stepped in place with no successor trap:
# jmp .+1 into its own body: ff e0 = jmp *%rax (computed -> virtualize),
# so the jmp is overlap-virtualize and stepped in place; its only successor
# is inside itself -> no STEP trap -> jmp *%rax runs natively into page2.
        .code64
        .globl _start
_start: lea page2(%rip), %rax
again:  .byte 0xeb, 0xff
        .byte 0xe0
        .balign 4096
page2:  mov $'U', %al          # never scanned
        out %al, $0xe9
        mov $'\n', %al
        out %al, $0xe9
        xor %eax, %eax
        out %al, $0xf4
        hlt
