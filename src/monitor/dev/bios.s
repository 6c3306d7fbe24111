# bios.s -- scout's BIOS: a 64 KiB real-mode ROM for segment F000, built by
# src/monitor/dev/bios.mk and installed by bios.c.  It is guest code like
# any other (scanned, traced, in the map).  It reaches scout only through
# the ports of the BIOS device (bios.c), and every byte it puts into guest
# memory it stores with its own instructions -- sectors too (rep insl from
# the device's data port), so scan-before-execute sees every write.
#
# Layout: a header at offset 0 (magic, where the IVT table is), the IVT as
# bios.c installs it (256 offsets in F000, 0 = a null vector 0000:0000), the
# code, then the IBM PC fixed entry points (int 13h at E3FE, int 10h at
# F065, ..., reset at FFF0) as jumps into it.  State: the BIOS data area
# (0x400, set up by bios.c) and a few private bytes in the EBDA (9FC0:0).
.code16
.text

# the BIOS device (bios.c has the same numbers)
PORT_ARG  = 0xab0       # out dword: an argument for the next command
PORT_RES  = 0xab0       # in dword: the next result of the last command
PORT_CMD  = 0xab4       # out byte: run a command
PORT_DATA = 0xab8       # in/out: the 512-byte sector buffer
PORT_KEY  = 0xabc       # in word: the next key, 0 none now, 0xFFFF input ended; out: take it
PORT_KEYW = 0xabe       # in word: the same, but waits while none is there yet
CMD_DISK  = 1           # drive -> present, floppy, cylinders, heads, sectors a track, total lo, hi, CMOS type, CHS capacity
CMD_CHS   = 2           # drive, cylinder, head, sector -> status, LBA
CMD_READ  = 3           # drive, LBA lo, hi -> status; the sector is in the buffer
CMD_WRITE = 4           # drive, LBA lo, hi -> status; the buffer goes there once full
CMD_E820  = 5           # index -> status, base lo, hi, length lo, hi, type, next index
CMD_MEM   = 6           # -> KiB above 1 MiB (for 88h), KiB 1-16 MiB, 64 KiB blocks above 16 MiB

CONSOLE   = 0xe9        # the debug console: teletype output
TEXT_SEG  = 0xb800
EBDA_SEG  = 0x9fc0
EBDA_BOOT = 0x10        # boot drive (bios.c)
EBDA_IRQ0 = 0x11        # 1 once IRQ 0 has ticked
DISK      = 0x20        # CMD_DISK's answer, 9 dwords:
D_PRESENT = DISK + 0
D_FLOPPY  = DISK + 4
D_CYLS    = DISK + 8
D_HEADS   = DISK + 12
D_SPT     = DISK + 16
D_TOTAL   = DISK + 20   # qword
D_TYPE    = DISK + 28
D_CHSCAP  = DISK + 32
XF_LBA    = 0x50        # a transfer: qword LBA,
XF_SEG    = 0x58        # buffer segment, offset,
XF_OFF    = 0x5a
XF_CNT    = 0x5c        # sectors,
XF_OP     = 0x5e        # 2 read, 3 write, 4 verify,
XF_DRV    = 0x5f        # drive

# the frame ENTER leaves (bp-relative, in SS)
F_ES    = 0
F_DS    = 2
F_EDI   = 4
F_ESI   = 8
F_EBP   = 12
F_EBX   = 20
F_EDX   = 24
F_ECX   = 28
F_EAX   = 32
F_FLAGS = 40
CF = 1
ZF = 0x40

.macro ENTER
    pushal
    push %ds
    push %es
    mov %sp, %bp
    cld
    xor %ax, %ax
    mov %ax, %ds
.endm
.macro LEAVE
    pop %es
    pop %ds
    popal
    iret
.endm

# ── header ───────────────────────────────────────────────────────────────
    .ascii "SCOUTBIOS1"
    .word ivt
# the IVT as bios.c installs it: F000:offset, or 0 for 0000:0000
ivt:
vec = 0
.rept 256
    .if vec == 0
        .word exc_de
    .elseif vec == 6
        .word exc_ud
    .elseif vec == 2
        .word 0xe2c3
    .elseif vec == 5
        .word 0xff54
    .elseif vec == 8
        .word 0xfea5
    .elseif vec == 9
        .word 0xe987
    .elseif vec == 0x0e
        .word 0xef57
    .elseif vec >= 0x0a && vec <= 0x0f
        .word irq_master
    .elseif vec == 0x10
        .word 0xf065
    .elseif vec == 0x11
        .word 0xf84d
    .elseif vec == 0x12
        .word 0xf841
    .elseif vec == 0x13
        .word 0xe3fe
    .elseif vec == 0x14
        .word 0xe739
    .elseif vec == 0x15
        .word 0xf859
    .elseif vec == 0x16
        .word 0xe82e
    .elseif vec == 0x17
        .word 0xefd2
    .elseif vec == 0x18
        .word int18
    .elseif vec == 0x19
        .word 0xe6f2
    .elseif vec == 0x1a
        .word 0xfe6e
    .elseif vec == 0x1e
        .word 0xefc7            # the diskette parameter table (bios.c: floppies only)
    .elseif vec == 0x40
        .word 0xec59
    .elseif vec >= 0x70 && vec <= 0x77
        .word irq_slave
    .elseif (vec >= 0x60 && vec <= 0x67) || vec >= 0x78
        .word 0                 # free for programs: 0000:0000
    .else
        .word 0xff53            # iret
    .endif
    vec = vec + 1
.endr

# ── the device ───────────────────────────────────────────────────────────
# dev_arg: EAX -> the argument queue.  dev_cmd: AL = command.  dev_res:
# EAX = the next result.  They keep every other register.
dev_arg:
    push %dx
    mov $PORT_ARG, %dx
    out %eax, %dx
    pop %dx
    ret
dev_cmd:
    push %dx
    mov $PORT_CMD, %dx
    out %al, %dx
    pop %dx
    ret
dev_res:
    push %dx
    mov $PORT_RES, %dx
    in %dx, %eax
    pop %dx
    ret

# ── text screen and console (DS = 0 throughout) ──────────────────────────
# cur_get: BH = page -> DX = its cursor (DH row, DL column).  cur_set: back.
cur_get:
    push %bx
    and $7, %bh
    movzbw %bh, %bx
    shl $1, %bx
    mov 0x450(%bx), %dx
    pop %bx
    ret
cur_set:
    push %bx
    and $7, %bh
    movzbw %bh, %bx
    shl $1, %bx
    mov %dx, 0x450(%bx)
    pop %bx
    ret

# cell: BH page, DH row, DL column -> DI = the cell's offset at B800.
cell:
    push %ax
    push %dx
    movzbw %dh, %ax
    mulw 0x44a                  # columns
    pop %dx
    push %dx
    movzbw %dl, %dx
    add %dx, %ax
    shl $1, %ax
    mov %ax, %di
    movzbw %bh, %ax
    and $7, %al
    shl $12, %ax                # 4 KiB a page
    add %ax, %di
    pop %dx
    pop %ax
    ret

# tty: AL = character, BH = page, AH = attribute (0: keep the cell's).
# The byte goes to the console as it is; screen and cursor follow a
# teletype: BEL nothing, BS back, LF down, CR to column 0, scroll at the
# bottom.
tty:
    pushal
    push %es
    out %al, $CONSOLE
    mov %ax, %cx                # CL character, CH attribute
    call cur_get
    cmp $7, %cl
    je 9f
    cmp $8, %cl
    jne 1f
    test %dl, %dl
    jz 9f
    dec %dl
    jmp 9f
1:  cmp $10, %cl
    jne 2f
    inc %dh
    jmp 8f
2:  cmp $13, %cl
    jne 3f
    xor %dl, %dl
    jmp 9f
3:  call cell
    push $TEXT_SEG
    pop %es
    mov %cl, %es:(%di)
    test %ch, %ch
    jz 4f
    mov %ch, %es:1(%di)
4:  inc %dl
    cmp 0x44a, %dl
    jb 9f
    xor %dl, %dl
    inc %dh
8:  cmp 0x484, %dh              # rows - 1
    jbe 9f
    push %dx
    mov $0x0701, %ax            # one line, blanks in attribute 7
    xor %cx, %cx
    mov 0x484, %dh
    mov 0x44a, %dl
    dec %dl
    mov $1, %si
    call scroll
    pop %dx
    mov 0x484, %dh
9:  call cur_set
    pop %es
    popal
    ret

# scroll: AL lines (0, or more than the window: clear it), AH the blanks'
# attribute, BH page, CH,CL top row,column, DH,DL bottom row,column, SI 1
# up or 0 down.  Locals at BP: lines, attribute, top, left, bottom, right,
# page, width.
scroll:
    pushal
    push %es
    push %bp
    mov %sp, %bp
    sub $8, %sp
    mov 0x44a, %bl              # clip the window to the screen
    dec %bl
    cmp %bl, %dl
    jbe 1f
    mov %bl, %dl
1:  cmp 0x484, %dh
    jbe 1f
    mov 0x484, %dh
1:  cmp %dl, %cl
    ja 9f
    cmp %dh, %ch
    ja 9f
    mov %dh, %bl
    sub %ch, %bl
    inc %bl                     # the window's height
    test %al, %al
    jz 2f
    cmp %bl, %al
    jbe 3f
2:  mov %bl, %al
3:  mov %al, -1(%bp)
    mov %ah, -2(%bp)
    mov %ch, -3(%bp)
    mov %cl, -4(%bp)
    mov %dh, -5(%bp)
    mov %dl, -6(%bp)
    mov %bh, -7(%bp)
    sub %cl, %dl
    inc %dl
    mov %dl, -8(%bp)
    push $TEXT_SEG
    pop %es
    test %si, %si
    jz 5f
    mov -3(%bp), %ah            # up: rows top..bottom take row + lines
4:  mov %ah, %al
    add -1(%bp), %al
    jc 41f
    cmp -5(%bp), %al
    ja 41f
    call copy_row
    jmp 42f
41: call fill_row
42: cmp -5(%bp), %ah
    jae 9f
    inc %ah
    jmp 4b
5:  mov -5(%bp), %ah            # down: rows bottom..top take row - lines
6:  mov %ah, %al
    sub -1(%bp), %al
    jc 61f
    cmp -3(%bp), %al
    jb 61f
    call copy_row
    jmp 62f
61: call fill_row
62: cmp -3(%bp), %ah
    jbe 9f
    dec %ah
    jmp 6b
9:  mov %bp, %sp
    pop %bp
    pop %es
    popal
    ret
# copy_row: row AL to row AH in scroll's window.  fill_row: row AH blank.
copy_row:
    pushal
    push %ds
    mov -7(%bp), %bh
    mov %al, %dh
    mov -4(%bp), %dl
    call cell
    mov %di, %si
    mov %ah, %dh
    call cell
    movzbw -8(%bp), %cx
    push $TEXT_SEG
    pop %ds
    rep movsw
    pop %ds
    popal
    ret
fill_row:
    pushal
    mov -7(%bp), %bh
    mov %ah, %dh
    mov -4(%bp), %dl
    call cell
    mov -2(%bp), %ah
    mov $' ', %al
    movzbw -8(%bp), %cx
    rep stosw
    popal
    ret

# puts: CS:SI = a NUL-terminated string, to the teletype (page 0).  Any DS.
puts:
    pushal
    push %ds
    xor %bx, %bx
    mov %bx, %ds
1:  mov %cs:(%si), %al
    inc %si
    test %al, %al
    jz 2f
    xor %ah, %ah
    call tty
    jmp 1b
2:  pop %ds
    popal
    ret
# put_hex16: AX as four hex digits; put_hex8: AL as two.
put_hex16:
    push %ax
    mov %ah, %al
    call put_hex8
    pop %ax
put_hex8:
    push %ax
    shr $4, %al
    call put_nibble
    pop %ax
    push %ax
    and $15, %al
    call put_nibble
    pop %ax
    ret
put_nibble:
    pushal
    push %ds
    add $'0', %al
    cmp $'9', %al
    jbe 1f
    add $7, %al
1:  xor %bx, %bx
    mov %bx, %ds
    xor %ah, %ah
    call tty
    pop %ds
    popal
    ret

# ── int 10h: video ───────────────────────────────────────────────────────
# The console shows what the teletype writes (0Eh, 13h); 09h/0Ah write the
# text screen at B800 only, as on a screen nobody reads out loud.
int10:
    ENTER
    mov F_EAX(%bp), %ax
    mov F_EBX(%bp), %bx
    mov F_ECX(%bp), %cx
    mov F_EDX(%bp), %dx
    cmp $0x0e, %ah
    je v_tty
    cmp $0x00, %ah
    je v_mode
    cmp $0x01, %ah
    je v_shape
    cmp $0x02, %ah
    je v_setcur
    cmp $0x03, %ah
    je v_getcur
    cmp $0x05, %ah
    je v_page
    cmp $0x06, %ah
    je v_scroll_up
    cmp $0x07, %ah
    je v_scroll_down
    cmp $0x08, %ah
    je v_read
    cmp $0x09, %ah
    je v_write
    cmp $0x0a, %ah
    je v_write
    cmp $0x0f, %ah
    je v_getmode
    cmp $0x12, %ah
    je v_alt
    cmp $0x13, %ah
    je v_string
    cmp $0x1a, %ah
    je v_dcc
v_done:
    LEAVE
v_tty:
    xor %ah, %ah
    call tty
    jmp v_done
v_mode:                         # AL mode (bit 7: keep the screen)
    mov %al, %cl
    and $0x7f, %cl
    mov %cl, 0x449
    movw $80, 0x44a
    cmp $1, %cl
    ja 1f
    movw $40, 0x44a
1:  movw $0x1000, 0x44c
    movw $0, 0x44e
    movb $0, 0x462
    push %ds
    pop %es
    mov $0x450, %di
    push %ax
    xor %ax, %ax
    mov $8, %cx
    rep stosw                   # every page's cursor to 0,0
    pop %ax
    test $0x80, %al
    jnz 2f
    push $TEXT_SEG
    pop %es
    xor %di, %di
    mov $0x0720, %ax
    mov $0x4000, %cx
    rep stosw
2:  mov $0x30, %al              # what BIOSes return in AL
    cmp $6, %cl
    jne 3f
    mov $0x3f, %al
3:  cmp $7, %cl
    jbe 4f
    mov $0x20, %al
4:  mov %al, F_EAX(%bp)
    jmp v_done
v_shape:
    mov %cx, 0x460
    jmp v_done
v_setcur:
    call cur_set
    jmp v_done
v_getcur:
    call cur_get
    mov %dx, F_EDX(%bp)
    mov 0x460, %ax
    mov %ax, F_ECX(%bp)
    movw $0, F_EAX(%bp)
    jmp v_done
v_page:
    and $7, %al
    mov %al, 0x462
    movzbw %al, %ax
    shl $12, %ax
    mov %ax, 0x44e
    jmp v_done
v_scroll_up:
    mov $1, %si
    jmp 1f
v_scroll_down:
    xor %si, %si
1:  mov %bh, %ah                # the blanks' attribute
    mov 0x462, %bh
    call scroll
    jmp v_done
v_read:                         # AH attribute, AL character at the cursor
    call cur_get
    call cell
    push $TEXT_SEG
    pop %es
    mov %es:(%di), %ax
    mov %ax, F_EAX(%bp)
    jmp v_done
v_write:                        # AL character (BL attribute for 09h), CX times
    push %ax
    call cur_get
    call cell
    pop %ax
    push $TEXT_SEG
    pop %es
    mov $0x8000, %dx            # no further than the last page's end
    sub %di, %dx
    shr $1, %dx
    cmp %dx, %cx
    jbe 1f
    mov %dx, %cx
1:  test %cx, %cx
    jz v_done
2:  cmp $0x09, %ah
    jne 3f
    mov %bl, %es:1(%di)
3:  mov %al, %es:(%di)
    add $2, %di
    loop 2b
    jmp v_done
v_getmode:
    mov 0x449, %al
    mov 0x44a, %ah
    mov %ax, F_EAX(%bp)
    mov 0x462, %al
    mov %al, F_EBX+1(%bp)
    jmp v_done
v_alt:                          # BL=10h: a colour EGA/VGA with 256 KiB
    cmp $0x10, %bl
    jne v_done
    movw $0x0003, F_EBX(%bp)
    movw $0x0009, F_ECX(%bp)
    jmp v_done
v_dcc:                          # AL=0: VGA with a colour display
    test %al, %al
    jnz v_done
    movb $0x1a, F_EAX(%bp)
    movw $0x0008, F_EBX(%bp)
    jmp v_done
v_string:                       # AL mode, BH page, BL attribute, CX length, DX position, ES:BP string
    push %fs
    mov F_ES(%bp), %fs
    mov F_EBP(%bp), %si
    push %dx
    call cur_get
    mov %dx, %di                # the cursor before
    pop %dx
    call cur_set
    jcxz 3f
1:  mov %al, %dl                # DL mode
    mov %fs:(%si), %al
    inc %si
    mov %bl, %ah
    test $2, %dl
    jz 2f
    mov %fs:(%si), %ah
    inc %si
2:  call tty
    mov %dl, %al
    loop 1b
3:  test $1, %al
    jnz 4f
    mov %di, %dx
    call cur_set
4:  pop %fs
    jmp v_done

# ── int 11h, 12h: equipment, base memory (from the BIOS data area) ───────
int11:
    push %ds
    push $0
    pop %ds
    mov 0x410, %ax
    pop %ds
    iret
int12:
    push %ds
    push $0
    pop %ds
    mov 0x413, %ax
    pop %ds
    iret

# ── int 13h: disk ────────────────────────────────────────────────────────
# One drive, the device's.  Status codes as BIOSes give them: 01h bad
# function or parameter (also: no such drive), 04h sector not found
# (beyond the disk's end); CF set with a non-zero AH.  Reads and writes go
# sector by sector, so AL (or the packet's count) says how many got done.
int13:
    ENTER
    movzbl F_EDX(%bp), %eax
    call dev_arg
    mov $CMD_DISK, %al
    call dev_cmd
    push $EBDA_SEG
    pop %es
    mov $DISK, %di
    mov $9, %cx
1:  call dev_res
    stosl
    loop 1b
    mov F_EAX+1(%bp), %ah
    cmpl $0, %es:D_PRESENT
    jne 2f
    cmp $0x15, %ah              # no such drive
    jne d_bad_nodrive
    movb $0, F_EAX+1(%bp)
    jmp d_nc
2:  cmp $0x00, %ah
    je d_ok
    cmp $0x01, %ah
    je d_last
    cmp $0x02, %ah
    je d_chs
    cmp $0x03, %ah
    je d_chs
    cmp $0x04, %ah
    je d_chs
    cmp $0x08, %ah
    je d_params
    cmp $0x0c, %ah
    je d_ok
    cmp $0x0d, %ah
    je d_ok
    cmp $0x10, %ah
    je d_ok
    cmp $0x11, %ah
    je d_ok
    cmp $0x15, %ah
    je d_type
    cmp $0x41, %ah
    je d_check
    cmp $0x42, %ah
    je d_ext
    cmp $0x43, %ah
    je d_ext
    cmp $0x44, %ah
    je d_ext
    cmp $0x47, %ah
    je d_ok
    cmp $0x48, %ah
    je d_ext_params
d_bad:
    mov $0x01, %al
    jmp d_status
d_ok:
    xor %al, %al
# d_status: AL = status, kept as the last one (BDA 41h floppy, 74h disk)
d_status:
    cmpl $0, %es:D_FLOPPY
    je 1f
    mov %al, 0x441
    jmp 2f
1:  mov %al, 0x474
2:  mov %al, F_EAX+1(%bp)
    test %al, %al
    jz d_nc
d_cf:
    orw $CF, F_FLAGS(%bp)
    LEAVE
d_nc:
    andw $~CF, F_FLAGS(%bp)
    LEAVE
d_bad_nodrive:
    movb $0x01, F_EAX+1(%bp)
    jmp d_cf
d_last:
    mov 0x474, %al
    cmpl $0, %es:D_FLOPPY
    je 1f
    mov 0x441, %al
1:  mov %al, F_EAX+1(%bp)
    test %al, %al
    jz d_nc
    jmp d_cf
d_chs:                          # AL count, CH/CL cylinder and sector, DH head, ES:BX buffer
    mov %ah, %es:XF_OP
    movzbw F_EAX(%bp), %cx
    movb $0, F_EAX(%bp)         # AL: sectors done
    test %cx, %cx
    jz d_bad
    cmp $128, %cx
    ja d_bad
    mov %cx, %es:XF_CNT
    movzbl F_EDX(%bp), %eax
    mov %al, %es:XF_DRV
    call dev_arg
    movzbl F_ECX+1(%bp), %eax   # cylinder: CH, and CL's top two bits
    movzbl F_ECX(%bp), %ebx
    and $0xc0, %bl
    shl $2, %ebx
    or %ebx, %eax
    call dev_arg
    movzbl F_EDX+1(%bp), %eax
    call dev_arg
    movzbl F_ECX(%bp), %eax
    and $0x3f, %al
    call dev_arg
    mov $CMD_CHS, %al
    call dev_cmd
    call dev_res
    test %al, %al
    jnz d_status
    call dev_res
    mov %eax, %es:XF_LBA
    movl $0, %es:XF_LBA+4
    mov F_ES(%bp), %ax
    mov %ax, %es:XF_SEG
    mov F_EBX(%bp), %ax
    mov %ax, %es:XF_OFF
    call xfer
    mov %cl, F_EAX(%bp)
    jmp d_status
d_params:                       # CX cylinders and sectors, DH heads, DL drives (floppy: BL type, ES:DI table)
    mov %es:D_CYLS, %eax
    dec %eax
    cmp $1023, %eax
    jbe 1f
    mov $1023, %eax
1:  mov %al, F_ECX+1(%bp)
    shl $6, %ah
    or %es:D_SPT, %ah
    mov %ah, F_ECX(%bp)
    mov %es:D_HEADS, %al
    dec %al
    mov %al, F_EDX+1(%bp)
    movw $0, F_EAX(%bp)
    cmpl $0, %es:D_FLOPPY
    je 2f
    movb $1, F_EDX(%bp)
    mov %es:D_TYPE, %al
    mov %al, F_EBX(%bp)
    movw $0xf000, F_ES(%bp)
    movw $0xefc7, F_EDI(%bp)
    jmp d_ok
2:  mov 0x475, %al
    mov %al, F_EDX(%bp)
    jmp d_ok
d_type:                         # AH 01h floppy, 03h disk with CX:DX sectors (as CHS reaches them)
    movb $0x01, F_EAX+1(%bp)
    cmpl $0, %es:D_FLOPPY
    jne d_nc
    movb $0x03, F_EAX+1(%bp)
    mov %es:D_CHSCAP, %ax
    mov %ax, F_EDX(%bp)
    mov %es:D_CHSCAP+2, %ax
    mov %ax, F_ECX(%bp)
    jmp d_nc
d_check:                        # BX=55AAh: EDD 3.0, packet access and drive parameters
    cmpw $0x55aa, F_EBX(%bp)
    jne d_bad
    movw $0xaa55, F_EBX(%bp)
    movw $0x0005, F_ECX(%bp)
    movb $0x30, F_EAX+1(%bp)
    jmp d_nc
d_ext:                          # DS:SI = the disk address packet
    sub $0x40, %ah
    mov %ah, %es:XF_OP
    mov F_EDX(%bp), %al
    mov %al, %es:XF_DRV
    push %fs
    mov F_DS(%bp), %fs
    mov F_ESI(%bp), %si
    cmpb $0x10, %fs:(%si)
    jb 8f
    mov %fs:2(%si), %cx
    cmp $127, %cx
    ja 8f
    mov %cx, %es:XF_CNT
    mov %fs:4(%si), %ax
    mov %ax, %es:XF_OFF
    mov %fs:6(%si), %dx
    mov %dx, %es:XF_SEG
    and %dx, %ax
    cmp $0xffff, %ax            # FFFF:FFFF: a 64-bit flat address follows (not here)
    je 8f
    mov %fs:8(%si), %eax
    mov %eax, %es:XF_LBA
    mov %fs:12(%si), %eax
    mov %eax, %es:XF_LBA+4
    call xfer
    mov %cx, %fs:2(%si)         # how many got done
    pop %fs
    jmp d_status
8:  movw $0, %fs:2(%si)
    pop %fs
    jmp d_bad
d_ext_params:                   # DS:SI = the result buffer, its size first
    push %fs
    mov F_DS(%bp), %fs
    mov F_ESI(%bp), %si
    mov %fs:(%si), %ax
    cmp $0x1a, %ax
    jb 8f
    movw $0x1a, %fs:(%si)
    movw $0x0002, %fs:2(%si)    # the geometry is valid
    mov %es:D_CYLS, %ebx
    mov %ebx, %fs:4(%si)
    mov %es:D_HEADS, %ebx
    mov %ebx, %fs:8(%si)
    mov %es:D_SPT, %ebx
    mov %ebx, %fs:12(%si)
    mov %es:D_TOTAL, %ebx
    mov %ebx, %fs:16(%si)
    mov %es:D_TOTAL+4, %ebx
    mov %ebx, %fs:20(%si)
    movw $512, %fs:24(%si)
    cmp $0x1e, %ax
    jb 1f
    movw $0x1e, %fs:(%si)
    movl $0xffffffff, %fs:26(%si)   # no EDD configuration parameters
1:  pop %fs
    jmp d_ok
8:  pop %fs
    jmp d_bad

# xfer: the transfer the XF_* bytes in the EBDA describe, a sector at a
# time through the device's buffer -> AL status, CX sectors done.  Past
# the disk's end (04h from the device): a request that starts there is a
# bad parameter, as SeaBIOS has it; one that runs into it stops there.
xfer:
    push %bx
    push %dx
    push %si
    push %di
    push %ds
    push %es
    push $EBDA_SEG
    pop %ds
    mov XF_OFF, %ax             # offset below 16: a transfer may pass 64 KiB
    mov %ax, %bx
    shr $4, %ax
    add %ax, XF_SEG
    and $15, %bx
    mov %bx, XF_OFF
    xor %cx, %cx
1:  cmp XF_CNT, %cx
    jae 8f
    movzbl XF_DRV, %eax
    call dev_arg
    movzwl %cx, %eax
    xor %edx, %edx
    add XF_LBA, %eax
    adc XF_LBA+4, %edx
    call dev_arg
    mov %edx, %eax
    call dev_arg
    mov $CMD_READ, %al
    cmpb $3, XF_OP
    jne 2f
    mov $CMD_WRITE, %al
2:  call dev_cmd
    call dev_res
    test %al, %al
    jz 5f
    test %cx, %cx
    jnz 9f
    cmp $0x04, %al
    jne 9f
    mov $0x01, %al
    jmp 9f
5:  push %cx
    mov $PORT_DATA, %dx
    mov $128, %cx
    cmpb $3, XF_OP
    je 3f
    ja 4f                       # verify: nothing to move
    mov XF_SEG, %es
    mov XF_OFF, %di
    rep insl
    jmp 4f
3:  mov XF_OFF, %si
    push %ds
    mov XF_SEG, %ds
    rep outsl
    pop %ds
4:  pop %cx
    addw $0x20, XF_SEG
    inc %cx
    jmp 1b
8:  xor %al, %al
9:  pop %es
    pop %ds
    pop %di
    pop %si
    pop %dx
    pop %bx
    ret

# ── int 15h: memory map, A20, system ─────────────────────────────────────
int15:
    ENTER
    mov F_EAX(%bp), %eax
    cmp $0xe820, %eax
    je s_e820
    cmp $0xe801, %ax
    je s_e801
    cmp $0x88, %ah
    je s_88
    cmp $0x24, %ah
    je s_a20
    cmp $0xc0, %ah
    je s_config
    cmp $0x86, %ah              # wait: no time passes here (the BIOS starts no timer)
    je s_ok
    cmp $0x4f, %ah              # keyboard intercept: use the key as it is
    je s_cf
    cmp $0x90, %ah
    je s_ok
    cmp $0x91, %ah
    je s_ok
s_unsupported:
    movb $0x86, F_EAX+1(%bp)
s_cf:
    orw $CF, F_FLAGS(%bp)
    LEAVE
s_ok:
    movb $0, F_EAX+1(%bp)
s_nc:
    andw $~CF, F_FLAGS(%bp)
    LEAVE
s_e820:                         # EBX continuation, ECX buffer size, EDX 'SMAP', ES:DI buffer
    cmpl $0x534d4150, F_EDX(%bp)
    jne s_unsupported
    mov F_ECX(%bp), %esi
    cmp $20, %esi
    jb s_unsupported
    mov F_EBX(%bp), %eax
    call dev_arg
    mov $CMD_E820, %al
    call dev_cmd
    call dev_res
    test %eax, %eax
    jnz s_unsupported
    mov F_ES(%bp), %es
    mov F_EDI(%bp), %di
    mov $5, %cx                 # base, length, type
1:  call dev_res
    stosl
    loop 1b
    movl $20, F_ECX(%bp)
    cmp $24, %esi
    jb 2f
    movl $1, %es:(%di)          # ACPI 3.0 attributes: the entry counts
    movl $24, F_ECX(%bp)
2:  call dev_res
    mov %eax, F_EBX(%bp)
    movl $0x534d4150, F_EAX(%bp)
    jmp s_nc
s_e801:                         # AX=CX KiB 1-16 MiB, BX=DX 64 KiB blocks above
    mov $CMD_MEM, %al
    call dev_cmd
    call dev_res
    call dev_res
    mov %ax, F_EAX(%bp)
    mov %ax, F_ECX(%bp)
    call dev_res
    mov %ax, F_EBX(%bp)
    mov %ax, F_EDX(%bp)
    jmp s_nc
s_88:                           # AX KiB above 1 MiB
    mov $CMD_MEM, %al
    call dev_cmd
    call dev_res
    mov %ax, F_EAX(%bp)
    jmp s_nc
s_a20:                          # A20 is always on here: it cannot be turned off
    cmp $0x01, %al
    je s_ok
    cmp $0x02, %al
    jne 1f
    movb $1, F_EAX(%bp)
    jmp s_ok
1:  cmp $0x03, %al
    jne s_unsupported
    movw $0, F_EBX(%bp)         # no gate to drive (neither 8042 nor port 92h)
    jmp s_ok
s_config:
    movw $0xf000, F_ES(%bp)
    movw $config_table, F_EBX(%bp)
    jmp s_ok

# ── int 16h: keyboard ────────────────────────────────────────────────────
# Keys come from the BIOS data area's buffer (05h puts them there), then
# from the device (scout's --keys input).  When that input has ended, a
# read waits for ever: the BIOS halts with interrupts off, so the run ends.
int16:
    ENTER
    mov F_EAX+1(%bp), %ah
    mov %ah, %cl
    and $0xef, %ah              # 10h-12h as 00h-02h
    cmp $0x00, %ah
    je k_read
    cmp $0x01, %ah
    je k_peek
    cmp $0x02, %ah
    je k_flags
    cmp $0x05, %ah
    je k_store
k_done:
    LEAVE
k_read:
1:  call ring_take
    jnc 3f
    mov $PORT_KEYW, %dx
    in %dx, %ax
    cmp $0xffff, %ax
    je k_ended
    test %ax, %ax
    jz 1b                       # (a wait a signal cut short)
    mov $PORT_KEY, %dx
    out %al, %dx
3:  mov %ax, F_EAX(%bp)
    jmp k_done
k_ended:
    cli
    hlt
    jmp k_ended
k_peek:
    call ring_peek
    jnc 2f
    mov $PORT_KEY, %dx
    in %dx, %ax
    cmp $0xffff, %ax
    je 1f
    test %ax, %ax
    jnz 2f
1:  orw $ZF, F_FLAGS(%bp)
    jmp k_done
2:  mov %ax, F_EAX(%bp)
    andw $~ZF, F_FLAGS(%bp)
    jmp k_done
k_flags:
    mov 0x417, %ax
    mov %al, F_EAX(%bp)
    cmp $0x12, %cl
    jne k_done
    mov %ah, F_EAX+1(%bp)
    jmp k_done
k_store:                        # CX into the buffer: AL 0, or 1 when it is full
    mov F_ECX(%bp), %cx
    mov 0x41c, %bx
    mov %bx, %si
    add $2, %si
    cmp 0x482, %si
    jb 1f
    mov 0x480, %si
1:  movb $1, F_EAX(%bp)
    cmp 0x41a, %si
    je k_done
    mov %cx, 0x400(%bx)
    mov %si, 0x41c
    movb $0, F_EAX(%bp)
    jmp k_done
ring_take:                      # -> CF empty, or AX the oldest key, taken out
    call ring_peek
    jc 1f
    add $2, %bx
    cmp 0x482, %bx
    jb 2f
    mov 0x480, %bx
2:  mov %bx, 0x41a
    clc
1:  ret
ring_peek:                      # -> CF empty, or AX the oldest key and BX where it is
    mov 0x41a, %bx
    cmp 0x41c, %bx
    je 1f
    mov 0x400(%bx), %ax
    clc
    ret
1:  stc
    ret

# ── int 1Ah: time ────────────────────────────────────────────────────────
# Ticks are the BIOS data area's counter at 46Ch, which IRQ 0 advances.
# Until IRQ 0 has ticked once (the BIOS starts no timer: the guest may), each read returns
# the counter and then advances it by one: deterministic, and a loop that
# waits for the next tick ends.  No real-time clock: 02h-07h set CF.
int1a:
    ENTER
    mov F_EAX+1(%bp), %ah
    cmp $0x00, %ah
    je t_read
    cmp $0x01, %ah
    je t_set
    orw $CF, F_FLAGS(%bp)
    LEAVE
t_read:                         # CX:DX ticks since midnight, AL the midnight flag
    mov 0x46c, %eax
    mov %ax, F_EDX(%bp)
    shr $16, %eax
    mov %ax, F_ECX(%bp)
    mov 0x470, %al
    mov %al, F_EAX(%bp)
    movb $0, 0x470
    push $EBDA_SEG
    pop %es
    cmpb $0, %es:EBDA_IRQ0
    jne 1f
    call tick
1:  andw $~CF, F_FLAGS(%bp)
    LEAVE
t_set:
    mov F_ECX(%bp), %ax
    shl $16, %eax
    mov F_EDX(%bp), %ax
    mov %eax, 0x46c
    movb $0, 0x470
    andw $~CF, F_FLAGS(%bp)
    LEAVE
tick:                           # DS = 0
    incl 0x46c
    cmpl $0x1800b0, 0x46c       # a day of ticks
    jb 1f
    movl $0, 0x46c
    movb $1, 0x470
1:  ret

# ── interrupts: IRQ 0 ticks, the rest only end their interrupt ───────────
int08:
    push %ax
    push %ds
    push %es
    xor %ax, %ax
    mov %ax, %ds
    call tick
    push $EBDA_SEG
    pop %es
    movb $1, %es:EBDA_IRQ0
    int $0x1c
    mov $0x20, %al
    out %al, $0x20
    pop %es
    pop %ds
    pop %ax
    iret
irq_master:
    push %ax
    mov $0x20, %al
    out %al, $0x20
    pop %ax
    iret
irq_slave:
    push %ax
    mov $0x20, %al
    out %al, $0xa0
    out %al, $0x20
    pop %ax
    iret

# ── booting ──────────────────────────────────────────────────────────────
# int 19h loads sector 1 of the boot drive to 0:7C00 and jumps there with
# DL = the drive (a hard disk's must end in 55 AA); int 18h says there is
# nothing to boot and stops.  The reset vector (a guest jumping to
# FFFF:0000) is a warm boot through int 19h: the IVT and BDA stay as they
# are.
int18:
    mov $msg_noboot, %si
    call puts
1:  cli
    hlt
    jmp 1b
int19:
    cli
    cld
    xor %ax, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    mov $0x7c00, %sp
    push $EBDA_SEG
    pop %fs
    mov %fs:EBDA_BOOT, %dl
    mov $3, %si
1:  mov $0x0201, %ax
    mov $0x0001, %cx
    xor %dh, %dh
    mov $0x7c00, %bx
    int $0x13
    jnc 2f
    dec %si
    jnz 1b
    int $0x18
2:  test $0x80, %dl
    jz 3f
    cmpw $0xaa55, 0x7dfe
    jne 4f
3:  ljmp $0, $0x7c00
4:  int $0x18
post:
    cli
    cld
    xor %ax, %ax
    mov %ax, %ss
    mov $0x7c00, %sp
    int $0x19

# ── CPU exceptions that would repeat for ever through an IRET ────────────
# #DE and #UD: say where on the console, then stop.
exc_de:
    push $0
    jmp exc
exc_ud:
    push $6
exc:                            # [SP] vector, then IP, CS, FLAGS
    mov %sp, %bp
    mov $msg_exc, %si
    call puts
    mov (%bp), %al
    call put_hex8
    mov $msg_at, %si
    call puts
    mov 4(%bp), %ax
    call put_hex16
    mov $msg_colon, %si
    call puts
    mov 2(%bp), %ax
    call put_hex16
    mov $msg_nl, %si
    call puts
1:  cli
    hlt
    jmp 1b

msg_noboot: .asciz "scout BIOS: no bootable disk\r\n"
msg_exc:    .asciz "\r\nscout BIOS: unhandled exception "
msg_at:     .asciz " at "
msg_colon:  .asciz ":"
msg_nl:     .asciz "\r\n"
# int 15h C0h: 8 bytes, model FCh (AT), two PICs, an RTC, 15h/4Fh
config_table:
    .word 8
    .byte 0xfc, 0x01, 0x00, 0x70, 0, 0, 0, 0

# ── the IBM PC's fixed entry points ──────────────────────────────────────
.org 0xe05b                     # POST
    jmp post
.org 0xe2c3                     # NMI
    iret
.org 0xe3fe
    jmp int13
.org 0xe6f2
    jmp int19
.org 0xe739                     # int 14h: no serial services
    iret
.org 0xe82e
    jmp int16
.org 0xe987                     # int 09h: no keyboard controller yet
    jmp irq_master
.org 0xec59                     # int 40h
    iret
.org 0xef57                     # int 0Eh: diskette IRQ
    jmp irq_master
.org 0xefc7                     # the diskette parameter table (1.44 MB)
    .byte 0xaf, 0x02, 0x25, 0x02, 0x12, 0x1b, 0xff, 0x6c, 0xf6, 0x0f, 0x08
.org 0xefd2                     # int 17h: no printer
    iret
.org 0xf065
    jmp int10
.org 0xf841
    jmp int12
.org 0xf84d
    jmp int11
.org 0xf859
    jmp int15
.org 0xfe6e
    jmp int1a
.org 0xfea5
    jmp int08
.org 0xff53                     # the IRET every unused vector points at
    iret
.org 0xff54                     # int 05h: print screen
    iret
.org 0xfff0                     # reset
    ljmp $0xf000, $0xe05b
.org 0xfff5
    .ascii "01/01/25"
.org 0xfffe
    .byte 0xfc, 0
