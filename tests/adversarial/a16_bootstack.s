# a16_bootstack: the classic boot sector stack, SS:SP = 0:0x7C00, right
# below the code in the same page.  Every interrupt frame lands in a page
# scout keeps read-only: a #DE from DIV and a #UD from UD2, each handler
# reading its frame back.  (Software interrupts are left out: this host's
# KVM cannot run INT n in real mode even raw -- the guest spins on it.)
.code16
.globl _start
_start:
    cli
    xor %ax, %ax
    mov %ax, %ds
    mov %ax, %ss
    mov $0x7c00, %sp
    movw $de, 0*4                   # IVT entries 0 (#DE) and 6 (#UD)
    movw $0, 0*4+2
    movw $ud, 6*4
    movw $0, 6*4+2
    mov $m_start, %si
    call puts
    xor %bl, %bl
    mov $7, %ax
div0:
    div %bl                         # #DE: the frame's IP is div0
    mov $'a', %al
    out %al, $0xe9
ud0:
    ud2
    mov $'b', %al
    out %al, $0xe9
    mov %sp, %ax                    # balanced: 0x7c00
    cmp $0x7c00, %ax
    jne 1f
    mov $'=', %al
    out %al, $0xe9
1:  mov $m_done, %si
    call puts
    mov $0, %al
    out %al, $0xf4
    hlt
de: push %bp                        # the frame: IP, CS, FLAGS at SP
    mov %sp, %bp
    mov 2(%bp), %ax
    cmp $div0, %ax
    jne 2f
    mov $'D', %al
    out %al, $0xe9
2:  addw $2, 2(%bp)                 # past the two-byte DIV
    pop %bp
    iret
ud: push %bp
    mov %sp, %bp
    mov 2(%bp), %ax
    cmp $ud0, %ax
    jne 2f
    mov $'U', %al
    out %al, $0xe9
2:  addw $2, 2(%bp)                 # past UD2
    pop %bp
    iret
puts:
1:  lodsb
    test %al, %al
    jz 2f
    out %al, $0xe9
    jmp 1b
2:  ret
m_start: .asciz "boot stack: "
m_done:  .asciz "\n"
.org 510
.word 0xaa55
