# a32_taskgate: the #UD gate of the guest's IDT is a task gate.  UD2
# switches tasks: the CPU loads EIP from the new task's TSS and runs there
# without an exit -- code nothing has scanned, in a page of its own.  The
# handler task prints, moves the faulting task past UD2 and returns with
# IRET (NT set: back through the link), twice.  This host's KVM cannot
# deliver through a task gate (it loads the TSS selector as CS: a triple
# fault, raw too -- guests.list says status 4); on a KVM that can, scout's
# ENTRY trap at the new task's EIP guards it (tables.c).
        .code32
        .globl _start
_start: mov $m_start, %esi
        call puts
        mov $tss0, %eax                 # the TSS descriptors' bases
        mov %ax, tssd0+2
        shr $16, %eax
        mov %al, tssd0+4
        mov %ah, tssd0+7
        mov $tss1, %eax
        mov %ax, tssd1+2
        shr $16, %eax
        mov %al, tssd1+4
        mov %ah, tssd1+7
        lgdt gdtr
        ljmp $0x08, $1f                 # our own segments from here
1:      mov $0x10, %ax
        mov %ax, %ds
        mov %ax, %es
        mov %ax, %ss
        mov $0x18, %ax                  # TSS0: the task we run in
        ltr %ax
        movl $handler, tss1+0x20        # TSS1: EIP, EFLAGS, segments, stack
        movl $2, tss1+0x24
        movl $h_stack_top, tss1+0x38
        movw $0x08, tss1+0x4c           # CS
        movw $0x10, tss1+0x50           # SS
        movw $0x10, tss1+0x54           # DS
        movw $0x10, tss1+0x48           # ES
        movw $0x10, tss1+0x58           # FS
        movw $0x10, tss1+0x5c           # GS
        mov %cr3, %eax
        mov %eax, tss1+0x1c
        movw $0x20, idt+6*8+2           # the #UD gate: task gate to TSS1
        movb $0x85, idt+6*8+5
        lidt idtr
        ud2
        mov $'a', %al
        out %al, $0xe9
        ud2
        mov $'b', %al
        out %al, $0xe9
        mov $m_done, %esi
        call puts
        xor %eax, %eax
        jmp exit
        .include "tests/guests/common32.inc"
        .balign 4096
handler:                                # runs as task 1, each time from here
        mov $'T', %al                   # (IRET saves EIP past it: the loop)
        out %al, $0xe9
        addl $2, tss0+0x20              # the faulting task: past its UD2
        iret                            # NT: back to task 0
        jmp handler
        .section .data
        .balign 16
gdt:    .quad 0
        .quad 0x00CF9A000000FFFF        # 0x08: 32-bit code
        .quad 0x00CF92000000FFFF        # 0x10: data
tssd0:  .word 0x67, 0                   # 0x18: TSS0 (base filled below)
        .byte 0, 0x89, 0, 0
tssd1:  .word 0x67, 0                   # 0x20: TSS1
        .byte 0, 0x89, 0, 0
gdtr:   .word 0x27
        .long gdt
idtr:   .word 0x7ff
        .long idt
m_start: .asciz "task gate: "
m_done: .asciz "\ndone\n"
        .balign 64
tss0:   .fill 0x68, 1, 0
tss1:   .fill 0x68, 1, 0
        .balign 4096
idt:    .fill 2048, 1, 0
        .fill 1024, 1, 0
h_stack_top:
