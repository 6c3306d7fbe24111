# a16_ipwrap: 16-bit IP wraps at 64 KiB.  With CS = 0x1010 (base 0x10100),
# IP 0xFFF0 is linear 0x200F0 and IP 0x0012 is linear 0x10112.  At 0x200F0:
# jmp +0x20, which goes to IP 0x0012 (0x10112), not to 0x20112 (a decoy);
# an engine that took the gpa arithmetic would let the CPU run 0x10112
# unscanned: its `out` would be native I/O.  At 0x200FE: two nops whose
# fall-through goes past the CS limit (0xFFFF): #GP, to the guest's own
# handler (IVT entry 13), not to IP 0 (0x10100, another decoy).
.code16
.globl _start
_start:
    cli
    xor %ax, %ax
    mov %ax, %ds
    mov %ax, %ss
    mov $0x9000, %sp                # stack away from the code
    cld
    mov $0x2000, %ax                # decoys at 0x20112 and 0x20100.. (not run)
    mov %ax, %es
    mov $decoy, %si
    mov $0x112, %di
    mov $decoy_end - decoy, %cx
    rep movsb
    mov $0xf0, %di                  # the jumps at 0x200f0
    mov $jumps, %si
    mov $jumps_end - jumps, %cx
    rep movsb
    mov $0x1010, %ax                # the real targets at 0x10112 and 0x10100
    mov %ax, %es
    mov $wrap1, %si
    mov $0x12, %di
    mov $wrap1_end - wrap1, %cx
    rep movsb
    mov $wrap2, %si
    xor %di, %di
    mov $wrap2_end - wrap2, %cx
    rep movsb
    movw $gp, 13*4                  # IVT entry 13: the #GP handler
    movw $0, 13*4+2
    mov $m_start, %si
    call puts
    ljmp $0x1010, $0xfff0
back1:
    ljmp $0x1010, $0xfffe
gp: mov $0, %ax
    mov %ax, %ds
    mov $0x9000, %sp
    mov $'G', %al
    out %al, $0xe9
back2:
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
jumps:                              # at 0x200f0 (IP 0xfff0)
    jmp . + 0x22                    # eb 20: IP 0xfff2 + 0x20 = 0x10012 -> 0x0012
    .fill 12, 1, 0x90               # 0x200f2 .. 0x200fd
    nop                             # 0x200fe (IP 0xfffe)
    nop                             # 0x200ff: falls through to IP 0
jumps_end:
decoy:                              # copied to 0x20112 (the wrong target)
    mov $'D', %al
    out %al, $0xe9
    hlt
decoy_end:
wrap1:                              # copied to 0x10112 (IP 0x12)
    mov $'1', %al
    out %al, $0xe9
    ljmp $0, $back1
wrap1_end:
wrap2:                              # copied to 0x10100 (IP 0): not run
    mov $'2', %al
    out %al, $0xe9
    ljmp $0, $back2
wrap2_end:
m_start: .asciz "wrap: "
m_done:  .asciz "\ndone\n"
.org 510
.word 0xaa55
