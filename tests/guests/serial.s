# serial: ELF32 guest driving the 8250 UART at 0x3F8 like a polling
# driver.  Reads registers back and reports mismatches on port 0xE9, prints
# through THR (polling LSR.THRE), exits with the mismatch count.
.code32
.globl _start
.macro wr port, val
    mov $\val, %al
    mov $\port, %dx
    out %al, %dx
.endm
.macro chk port, val, name
    mov $\port, %dx
    in %dx, %al
    cmp $\val, %al
    je 9f
    lea \name, %esi
    call mismatch
9:
.endm
_start:
    mov $stack_top, %esp
    xor %edi, %edi
    wr 0x3f9, 0x00          # IER off
    wr 0x3fb, 0x80          # DLAB
    wr 0x3f8, 0x03          # DLL: 38400 baud
    wr 0x3f9, 0x00          # DLM
    chk 0x3f8, 0x03, n_dll
    chk 0x3f9, 0x00, n_dlm
    wr 0x3fb, 0x03          # 8N1
    chk 0x3fb, 0x03, n_lcr
    wr 0x3fa, 0xc7          # FIFO on
    mov $0x3fa, %dx         # IIR: no interrupt pending
    in %dx, %al
    and $0x0f, %al
    cmp $0x01, %al
    je 1f
    lea n_iir, %esi
    call mismatch
1:  wr 0x3fc, 0x0b          # MCR: DTR RTS OUT2
    chk 0x3fc, 0x0b, n_mcr
    wr 0x3ff, 0x5a
    chk 0x3ff, 0x5a, n_scr
    wr 0x3f9, 0x05
    chk 0x3f9, 0x05, n_ier
    wr 0x3f9, 0x00
    mov $0x3fd, %dx         # LSR: THR empty, transmitter empty
    in %dx, %al
    and $0x60, %al
    cmp $0x60, %al
    je 2f
    lea n_lsr, %esi
    call mismatch
2:  lea msg, %esi
3:  lodsb
    test %al, %al
    jz 5f
    mov %al, %bl
    mov $0x3fd, %dx
4:  in %dx, %al
    test $0x20, %al
    jz 4b
    mov %bl, %al
    mov $0x3f8, %dx
    out %al, %dx
    jmp 3b
5:  mov %edi, %eax
    out %al, $0xf4
    hlt
mismatch:                   # esi = register name
    inc %edi
1:  lodsb
    test %al, %al
    jz 2f
    out %al, $0xe9
    jmp 1b
2:  ret
n_dll: .asciz "mismatch DLL\n"
n_dlm: .asciz "mismatch DLM\n"
n_lcr: .asciz "mismatch LCR\n"
n_iir: .asciz "mismatch IIR\n"
n_mcr: .asciz "mismatch MCR\n"
n_scr: .asciz "mismatch SCR\n"
n_ier: .asciz "mismatch IER\n"
n_lsr: .asciz "mismatch LSR\n"
msg:   .asciz "serial ok\n"
.bss
.skip 1024
stack_top:
