# bios_tutor: a boot sector as the tutorials write them -- print a
# message with int 10h, reset the disk, load the next sectors to 0:7E00
# with int 13h AH=02h, jump there -- and the stage 2 it loads, which
# tries the BIOS services one after the other and prints what each
# returned: video (mode, cursor, write/read a cell, scroll, write string),
# disk (geometry, type, EDD parameters, a write then a read back through
# CHS and LBA, and the errors: sector 0, a head too far, past the end, a
# read that runs off the end, an unknown drive, an unknown function),
# memory (int 12h, 11h, 15h E801h/88h), A20, the system table, ticks,
# the keyboard (peek, read, a key stored with 05h, the end of the input).
# Ends through the exit device (status 1); "failed" and status 3 if the
# boot sector could not load stage 2.  Also booted as a 1.44 MB diskette.
.code16
STAGE2_SECTORS = 4
.globl _start
_start:
    jmp 1f
    nop
1:  cli
    xor %ax, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    mov $0x7c00, %sp
    sti
    mov %dl, boot_drive
    mov $m_loading, %si
    call puts
    xor %ah, %ah                    # reset the disk
    mov boot_drive, %dl
    int $0x13
    mov $0x0200 + STAGE2_SECTORS, %ax   # read the sectors after this one
    mov $0x0002, %cx                # cylinder 0, sector 2
    xor %dh, %dh                    # head 0
    mov boot_drive, %dl
    mov $0x7e00, %bx                # ES:BX = 0:7E00
    int $0x13
    jc 1f
    cmp $STAGE2_SECTORS, %al
    jne 1f
    ljmp $0, $stage2
1:  mov $m_failed, %si
    call puts
    mov $3, %al
    out %al, $0xf4
    hlt
.include "tests/guests/bios16.inc"
boot_drive: .byte 0
m_loading: .asciz "Loading stage 2...\r\n"
m_failed: .asciz "failed\r\n"
.org 510
.word 0xaa55

# ── stage 2 (sectors 2 to 5, at 0:7E00) ──────────────────────────────────
# show: after an int, print NAME, then CF and AH (as a "cf/ah" pair).
.macro SHOW name
    pushf
    push %ax
    mov $\name, %si
    call puts
    pop %ax
    popf
    call cf_ah
.endm
stage2:
    mov $m_stage2, %si
    call puts
    mov boot_drive, %al
    call hex8
    call crlf

    # ── video ──
    mov $0x0f, %ah                  # mode, columns, page
    int $0x10
    push %bx
    mov $m_mode, %si
    call puts
    call hex16
    call space
    pop %ax
    mov %ah, %al
    call hex8
    call crlf
    mov $0x03, %ah                  # the cursor after two lines and "cursor "
    xor %bh, %bh
    mov $m_cursor, %si
    call puts
    int $0x10
    mov %dx, %ax
    call hex16
    call space
    mov %cx, %ax
    call hex16
    call crlf
    mov $0x0200, %ax                # a cell: 'Z' in 1Eh at row 24, column 79
    xor %bh, %bh
    mov $0x184f, %dx
    int $0x10
    mov $0x095a, %ax
    mov $0x001e, %bx
    mov $1, %cx
    int $0x10
    mov $0x0601, %ax                # scroll the screen up one line
    mov $0x07, %bh
    xor %cx, %cx
    mov $0x184f, %dx
    int $0x10
    mov $0x0200, %ax                # the cell is a row higher now
    xor %bh, %bh
    mov $0x174f, %dx
    int $0x10
    mov $0x08, %ah
    int $0x10
    push %ax
    mov $m_cell, %si
    call puts
    pop %ax
    call hex16
    call space
    mov $0x0200, %ax                # and the bottom row is blank
    mov $0x184f, %dx
    int $0x10
    mov $0x08, %ah
    int $0x10
    call hex16
    call crlf
    mov $0x0301, %ax                # back to the cursor saved in DX by 03h
    xor %bh, %bh
    int $0x10
    mov $0x0200, %ax
    int $0x10
    mov $0x1301, %ax                # write string, cursor moved
    mov $0x0007, %bx
    mov $m_string_end - m_string, %cx
    mov $0x0300, %dx                # at row 3
    mov $m_string, %bp
    int $0x10

    # ── disk ──
    mov $0x08, %ah                  # geometry
    mov boot_drive, %dl
    int $0x13
    SHOW m_params
    mov %cx, %ax
    call hex16
    call space
    mov %dx, %ax
    call hex16
    call space
    mov %bl, %al
    call hex8
    call crlf
    xor %ax, %ax                    # (a diskette's 08h set ES:DI to its parameter table)
    mov %ax, %es
    mov $0x15, %ah                  # type and size
    xor %cx, %cx
    mov boot_drive, %dl
    int $0x13
    push %ax
    mov $m_type, %si
    call puts
    pop %ax
    mov %ah, %al
    call hex8
    call space
    mov %cx, %ax
    call hex16
    mov %dx, %ax
    call hex16
    call crlf
    movw $0x1e, 0xa800              # EDD drive parameters
    mov $0x48, %ah
    mov boot_drive, %dl
    mov $0xa800, %si
    int $0x13
    SHOW m_edd
    mov 0xa800, %ax                 # size, flags, cylinders, heads, sectors a track, total, sector size
    call hex16
    call space
    mov 0xa802, %ax
    call hex16
    call space
    mov 0xa804, %eax
    call hex32
    call space
    mov 0xa808, %eax
    call hex32
    call space
    mov 0xa80c, %eax
    call hex32
    call space
    mov 0xa810, %eax
    call hex32
    call space
    mov 0xa818, %ax
    call hex16
    call crlf
    mov $0x0301, %ax                # write CHS 0/0/6 (LBA 5) from 0:8000
    mov $0x0006, %cx
    xor %dh, %dh
    mov boot_drive, %dl
    mov $m_written, %si
    mov $0xa000, %di
    mov $32, %cx
    rep movsb
    mov $0x0006, %cx
    mov $0xa000, %bx
    int $0x13
    SHOW m_write
    call crlf
    mov $0x42, %ah                  # read LBA 5 back to 0:8200
    mov boot_drive, %dl
    mov $dap, %si
    int $0x13
    SHOW m_readback
    mov $0xa200, %si
    call puts
    call crlf
    movw $0xa000, dap + 4           # LBA write of 0:8000 to LBA 6, then CHS 0/0/7 read to 0:8400
    movw $6, dap + 8
    movb $'W', 0xa000
    mov $0x4300, %ax
    mov boot_drive, %dl
    mov $dap, %si
    int $0x13
    SHOW m_lbawrite
    mov $0x0201, %ax
    mov $0x0007, %cx
    xor %dh, %dh
    mov boot_drive, %dl
    mov $0xa400, %bx
    int $0x13
    mov $0xa400, %si
    call puts
    call crlf
    mov $0x0201, %ax                # sector 0: no such sector in CHS
    xor %cx, %cx
    xor %dh, %dh
    mov boot_drive, %dl
    mov $0xa400, %bx
    int $0x13
    SHOW m_sector0
    call crlf
    mov $0x0201, %ax                # a head beyond the last
    mov $0x0001, %cx
    mov $0xff, %dh
    mov boot_drive, %dl
    int $0x13
    SHOW m_head
    call crlf
    mov $0x01, %ah                  # the last status
    mov boot_drive, %dl
    int $0x13
    SHOW m_last
    call crlf
    mov $0x48, %ah                  # total sectors, for the reads off the end
    mov boot_drive, %dl
    mov $0xa800, %si
    int $0x13
    mov 0xa810, %eax
    mov %eax, dap + 8
    movw $0xa400, dap + 4
    mov $0x42, %ah                  # LBA = total: past the end
    mov boot_drive, %dl
    mov $dap, %si
    int $0x13
    SHOW m_pastend
    mov dap + 2, %ax
    call hex16
    call crlf
    mov 0xa810, %eax                # three sectors from total - 2: two, then 04h
    sub $2, %eax
    mov %eax, dap + 8
    movw $3, dap + 2
    mov $0x42, %ah
    mov boot_drive, %dl
    mov $dap, %si
    int $0x13
    SHOW m_runoff
    mov dap + 2, %ax
    call hex16
    call crlf
    mov $0x0201, %ax                # drive 0x81: not there
    mov $0x0001, %cx
    xor %dh, %dh
    mov $0x81, %dl
    int $0x13
    SHOW m_nodrive
    call crlf
    mov $0x99, %ah                  # an unknown function
    mov boot_drive, %dl
    int $0x13
    SHOW m_unknown
    call crlf

    # ── memory, A20, system ──
    int $0x12
    push %ax
    mov $m_mem, %si
    call puts
    pop %ax
    call hex16
    call space
    int $0x11
    call hex16
    call space
    mov $0xe801, %ax
    int $0x15
    call hex16
    call space
    mov %bx, %ax
    call hex16
    call space
    mov $0x88, %ah
    int $0x15
    call hex16
    call crlf
    mov $0x2402, %ax                # A20 state, enable, disable
    int $0x15
    push %ax
    mov $m_a20, %si
    call puts
    pop %ax
    call hex16
    call space
    mov $0x2401, %ax
    int $0x15
    call cf_ah
    mov $0x2400, %ax
    int $0x15
    call cf_ah
    call crlf
    mov $0xc0, %ah                  # the system table: its model byte
    int $0x15
    SHOW m_config
    mov %es:2(%bx), %al
    call hex8
    call crlf
    xor %ax, %ax
    mov %ax, %es
    mov $0x0f, %ah                  # an unknown function
    int $0x15
    SHOW m_unknown
    call crlf

    # ── time ──
    mov $m_ticks, %si
    call puts
    xor %ah, %ah
    int $0x1a
    mov %dx, %ax
    call hex16
    call space
    xor %ah, %ah
    int $0x1a
    mov %dx, %ax
    call hex16
    call space
    mov $0x02, %ah                  # no real-time clock
    int $0x1a
    call cf_ah
    call crlf

    # ── keyboard: the input is "y" ──
    mov $0x01, %ah                  # peek: there is a key
    int $0x16
    push %ax
    pushf
    mov $m_peek, %si
    call puts
    popf
    mov $0, %al
    jnz 1f
    mov $1, %al
1:  call hex8                       # ZF
    call space
    pop %ax
    call hex16
    call space
    mov $0x05, %ah                  # store Enter: it comes before the input
    mov $0x1c0d, %cx
    int $0x16
    call hex8
    call space
    xor %ah, %ah
    int $0x16
    call hex16
    call space
    mov $0x10, %ah
    int $0x16
    call hex16
    call space
    mov $0x01, %ah                  # the input has ended: no key
    int $0x16
    mov $0, %al
    jnz 1f
    mov $1, %al
1:  call hex8
    call crlf
    mov $m_done, %si
    call puts
    mov $0, %al
    out %al, $0xf4
    hlt

# cf_ah: " CF/AH" from the flags and AH as they are
cf_ah:
    pushf
    pusha
    mov %sp, %bp
    mov $0, %cl
    adc $0, %cl                     # CF (PUSHA keeps the flags)
    call space
    mov %cl, %al
    call hex4
    mov $0x0e2f, %ax
    xor %bx, %bx
    int $0x10
    mov 15(%bp), %al                # AH, as PUSHA saved it
    call hex8
    popa
    popf
    ret

dap: .byte 0x10, 0
    .word 1
    .word 0xa200, 0
    .quad 5
m_stage2: .asciz "stage 2, drive "
m_mode: .asciz "mode "
m_cursor: .asciz "cursor "
m_cell: .asciz "cell "
m_string: .ascii "write string\r\n"
m_string_end:
m_params: .asciz "params"
m_type: .asciz "type "
m_edd: .asciz "edd"
m_written: .asciz "written by the guest"
    .fill 12, 1, 0
m_write: .asciz "write"
m_readback: .asciz "read back"
m_lbawrite: .asciz "lba write"
m_sector0: .asciz "sector 0"
m_head: .asciz "head ff"
m_last: .asciz "last status"
m_pastend: .asciz "past the end"
m_runoff: .asciz "off the end"
m_nodrive: .asciz "drive 81"
m_unknown: .asciz "unknown function"
m_mem: .asciz "memory "
m_a20: .asciz "a20 "
m_config: .asciz "config"
m_ticks: .asciz "ticks "
m_peek: .asciz "keys "
m_done: .asciz "done\r\n"
.org 512 * (1 + STAGE2_SECTORS)
# two more sectors, for the writes
.org 512 * (3 + STAGE2_SECTORS)
