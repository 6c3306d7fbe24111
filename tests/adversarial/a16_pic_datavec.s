# a16_pic_datavec: real-mode vectors that PC convention keeps for data
# (1Dh, 1Eh, 1Fh, 41h, 43h, 46h) are not guarded while nothing can deliver
# them -- a trap byte would change the table the guest reads.  Here the
# guest moves the 8259's master block to 18h-1Fh, so IRQ 6 arrives at 1Eh
# and IRQ 5 at 1Dh, and raises those lines with the test device (run with
# --device pc-testdev).  Each handler is copied to a page nothing has run
# and does port I/O: it must be scanned before it runs, whichever comes
# first, the vector or the controller's new base.
.code16
.globl _start
_start:
    cli
    xor %ax, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    mov $0x7000, %sp
    cld
    mov $0x8000, %di                # handler A to a fresh page
    mov $ha, %si
    mov $ha_end - ha, %cx
    rep movsb
    mov $0x9000, %di                # handler B to another
    mov $hb, %si
    mov $hb_end - hb, %cx
    rep movsb
    movw $0x8000, 0x1e * 4          # IVT[1Eh] first ...
    movw $0, 0x1e * 4 + 2
    mov $0x11, %al                  # ... then the 8259: vectors 18h-1Fh
    out %al, $0x20
    mov $0x18, %al
    out %al, $0x21
    mov $4, %al
    out %al, $0x21
    mov $1, %al
    out %al, $0x21
    mov $0x9f, %al                  # IRQ 5 and 6 only
    out %al, $0x21
    mov $6, %bx                     # IRQ 6 -> 1Eh: 'A'
    call irq
    movw $0x9000, 0x1d * 4          # the controller first, then IVT[1Dh]
    movw $0, 0x1d * 4 + 2
    mov $5, %bx                     # IRQ 5 -> 1Dh: 'B'
    call irq
    mov $'\n', %al
    out %al, $0xe9
    mov $0, %al
    out %al, $0xf4
    hlt
irq:                                # raise line BX, take it, lower it
    lea 0x2000(%bx), %dx
    mov $1, %al
    out %al, %dx
    sti                             # taken at once, or in the HLT
    hlt
    cli
    xor %al, %al
    out %al, %dx
    ret
ha: mov $'A', %al
    out %al, $0xe9
    mov $0x20, %al                  # EOI
    out %al, $0x20
    iret
ha_end:
hb: mov $'B', %al
    out %al, $0xe9
    mov $0x20, %al
    out %al, $0x20
    iret
hb_end:
.org 510
.word 0xaa55
