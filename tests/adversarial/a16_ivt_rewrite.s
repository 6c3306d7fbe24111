# a16_ivt_rewrite: the IVT entry for #DE points at one handler, then at
# another (in a page nothing has run), and the first handler's code is
# rewritten in place; each DIV by zero must enter the handler the IVT
# names now, as it is now.
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
    movw $h1, 0
    movw $0, 2
    call fault                      # h1: '1'
    movb $'R', h1+1                 # h1 rewritten: 'R'
    call fault
    mov $0x8000, %di                # h2 copied to 0x8000, a fresh page
    mov $h2, %si
    mov $h2_end - h2, %cx
    cld
    rep movsb
    movw $0x8000, 0                 # IVT[0] -> 0x8000
    call fault                      # '2'
    mov $m_done, %si
    call puts
    mov $0, %al
    out %al, $0xf4
    hlt
fault:
    xor %bl, %bl
    mov $1, %ax
    div %bl                         # #DE; the handler skips the 2-byte DIV
    ret
h1: mov $'1', %al
    out %al, $0xe9
    mov %sp, %bp
    addw $2, (%bp)
    iret
h2: mov $'2', %al
    out %al, $0xe9
    mov %sp, %bp
    addw $2, (%bp)
    iret
h2_end:
puts:
1:  lodsb
    test %al, %al
    jz 2f
    out %al, $0xe9
    jmp 1b
2:  ret
m_start: .asciz "IVT and handler rewritten: "
m_done:  .asciz "\n"
.org 510
.word 0xaa55
