# bios_svc: a boot sector that uses nothing but BIOS services (the disk
# image is this sector and two more).  It prints its boot drive, reads
# sector 2 with int 13h CHS and sector 3 with the LBA extensions (41h,
# 42h), asks for a sector past the disk's end (CF, AH=04h, nothing read),
# lists the E820 memory map, waits for a key (int 16h) and echoes it, then
# ends through the exit device (status 1).
.code16
.globl _start
_start:
    xor %ax, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    mov $0x7c00, %sp
    mov %dl, drive
    mov $m_drive, %si
    call puts
    mov drive, %al
    call hex8
    call crlf
    mov $0x0201, %ax                # CHS 0/0/2 to 0:8000
    mov $0x0002, %cx
    xor %dh, %dh
    mov drive, %dl
    mov $0x8000, %bx
    int $0x13
    jc fail
    mov $0x8000, %si
    call puts
    mov $0x41, %ah                  # the extensions are there
    mov $0x55aa, %bx
    mov drive, %dl
    int $0x13
    jc fail
    cmp $0xaa55, %bx
    jne fail
    mov $0x42, %ah                  # LBA 2 to 0:8200
    mov drive, %dl
    mov $dap, %si
    int $0x13
    jc fail
    mov $0x8200, %si
    call puts
    movw $1000, dap + 8             # LBA 1000: past the end
    mov $0x42, %ah
    mov drive, %dl
    mov $dap, %si
    int $0x13
    mov %ah, %ch                    # AH, and CF, before anything else
    mov $0, %cl
    adc $0, %cl
    mov $m_end, %si
    call puts
    mov %cl, %al
    call hex8
    call space
    mov %ch, %al
    call hex8
    call space
    mov dap + 2, %ax                # sectors done
    call hex16
    call crlf
    xor %ebx, %ebx                  # E820
1:  mov $0xe820, %eax
    mov $24, %ecx
    mov $0x534d4150, %edx
    mov $0x8400, %di
    int $0x15
    jc fail
    cmp $0x534d4150, %eax
    jne fail
    mov $m_e820, %si
    call puts
    mov 0x8400, %eax
    call hex32
    call space
    mov 0x8408, %eax
    call hex32
    call space
    mov 0x8410, %al
    call hex4
    call crlf
    test %ebx, %ebx
    jnz 1b
    mov $m_key, %si
    call puts
    xor %ah, %ah                    # wait for a key
    int $0x16
    call hex16
    call space
    mov $0x0e, %ah
    xor %bx, %bx
    int $0x10
    call crlf
    mov $0, %al
    out %al, $0xf4
    hlt
fail:
    mov $m_fail, %si
    call puts
    mov $1, %al
    out %al, $0xf4
    hlt
.include "tests/guests/bios16.inc"
drive: .byte 0
dap: .byte 0x10, 0
    .word 1                         # sectors
    .word 0x8200, 0                 # to 0:8200
    .quad 2                         # from LBA 2
m_drive: .asciz "bios: drive "
m_end: .asciz "past the end: cf ah n "
m_e820: .asciz "e820 "
m_key: .asciz "key: "
m_fail: .asciz "failed\r\n"
.org 510
.word 0xaa55
# sectors 2 and 3
.asciz "chs: sector 2\r\n"
.org 1024
.asciz "lba: sector 3\r\n"
.org 1536
