# a16_pusha: PUSHA and PUSHAD with SS:SP = 0:0x7C00, right below the
# code: every store goes into the page scout keeps read-only, and KVM
# reports only the last store of an instruction that stores more than once
# (a BIOS's handlers start with PUSHA).  Each frame is read back and
# compared with the registers pushed: a letter per good frame, '!' per bad.
# (ENTER with frame pointers, the other such instruction, is left out:
# this host's KVM cannot emulate it at all, even raw.)
.code16
.globl _start
_start:
    cli
    xor %ax, %ax
    mov %ax, %ds
    mov %ax, %ss
    mov $0x7c00, %sp
    mov $0x1111, %ax                # pusha: AX CX DX BX SP BP SI DI
    mov $0x2222, %cx
    mov $0x3333, %dx
    mov $0x4444, %bx
    mov $0x5555, %bp
    mov $0x6666, %si
    mov $0x7777, %di
    pusha
    mov %sp, %bp
    cmpw $0x1111, 14(%bp)
    jne 1f
    cmpw $0x2222, 12(%bp)
    jne 1f
    cmpw $0x3333, 10(%bp)
    jne 1f
    cmpw $0x4444, 8(%bp)
    jne 1f
    cmpw $0x7c00, 6(%bp)
    jne 1f
    cmpw $0x5555, 4(%bp)
    jne 1f
    cmpw $0x6666, 2(%bp)
    jne 1f
    cmpw $0x7777, 0(%bp)
    jne 1f
    mov $'A', %al
    jmp 2f
1:  mov $'!', %al
2:  out %al, $0xe9
    popa
    mov $0x12345678, %eax           # pushad: 32-bit registers
    mov $0x9abcdef0, %ecx
    mov $0x0badf00d, %edx
    pushal
    mov %sp, %bp
    cmpl $0x12345678, 28(%bp)
    jne 1f
    cmpl $0x9abcdef0, 24(%bp)
    jne 1f
    cmpl $0x0badf00d, 20(%bp)
    jne 1f
    mov $'B', %al
    jmp 2f
1:  mov $'!', %al
2:  out %al, $0xe9
    popal
    mov $'\n', %al
    out %al, $0xe9
    mov $0, %al
    out %al, $0xf4
    hlt
.org 510
.word 0xaa55
