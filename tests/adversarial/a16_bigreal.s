# a16_bigreal: real mode with a 32-bit code segment still cached ("big
# real" code): protected mode is left without reloading CS, so the CPU
# keeps decoding 32-bit instructions with CR0.PE = 0.  A 16-bit decode of
# the same bytes sees an OUT inside a 32-bit MOV's immediate -- a trap
# planted there would change the value the MOV loads.  (Real-mode
# far jumps keep CS.D: the way back to 16-bit code is through protected
# mode and a 16-bit segment.)
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
    lgdt gdtr
    mov %cr0, %eax
    or $1, %al
    mov %eax, %cr0
    ljmp $0x08, $pm32
.code32
pm32:
    mov %cr0, %eax                  # back to real mode, CS still 32-bit
    and $~1, %al
    mov %eax, %cr0
    mov $0xe9e63433, %eax           # b8 33 34 e6 e9: decoded 16-bit, an OUT at +3
    out %al, $0xe9                  # '3'
    mov %ah, %al
    out %al, $0xe9                  # '4'
    shr $16, %eax
    cmp $0xe9e6, %ax                # the immediate as written (a trap byte in it: no)
    jne 1f
    mov $'=', %al
    out %al, $0xe9
1:
    mov %cr0, %eax                  # a real-mode far jump keeps CS.D: back
    or $1, %al                      # through a 16-bit code segment
    mov %eax, %cr0
    ljmp $0x10, $pm16
.code16
pm16:
    mov %cr0, %eax
    and $~1, %al
    mov %eax, %cr0
    ljmp $0, $real16
real16:
    mov $'6', %al
    out %al, $0xe9
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
    .balign 8
gdt:    .quad 0
        .quad 0x00CF9A000000FFFF    # 0x08: 32-bit code, base 0
        .quad 0x00009A000000FFFF    # 0x10: 16-bit code, base 0
gdtr:   .word 23
        .long gdt
m_start: .asciz "big real: "
m_done:  .asciz "\n"
.org 510
.word 0xaa55
