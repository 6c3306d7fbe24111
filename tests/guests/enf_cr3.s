# enf_cr3: MOV to CR3 switches to page tables that map the next instruction
# elsewhere: scout emulates the write and scans the next instruction through
# the new tables.
        .code64
        .globl _start
_start: lea pml4(%rip), %rdi
        lea pdpt(%rip), %rax
        or $7, %rax
        mov %rax, (%rdi)
        lea pdpt(%rip), %rdi
        lea pd(%rip), %rax
        or $7, %rax
        mov %rax, (%rdi)
        lea pd(%rip), %rdi
        xor %ecx, %ecx
1:      mov %rcx, %rax
        shl $21, %rax
        or $0x87, %rax
        mov %rax, (%rdi,%rcx,8)
        inc %ecx
        cmp $32, %ecx
        jne 1b
        movq $0x600087, 16(%rdi)     # linear 0x400000.. -> phys 0x600000..
        lea pml4(%rip), %rax
        jmp go
        .org 0x100
go:     mov %rax, %cr3               # at 0x400100, 3 bytes
        mov $'O', %al                # old mapping's next instruction (scanned)
        out %al, $0xe9
        mov $1, %al
        out %al, $0xf4
        .org 0x1000
        .balign 4096
pml4:   .fill 4096,1,0
pdpt:   .fill 4096,1,0
pd:     .fill 4096,1,0
        .org 0x200103
        mov $'N', %al                # new mapping's next instruction: never scanned
        out %al, $0xe9
        mov $'\n', %al
        out %al, $0xe9
        xor %eax, %eax
        out %al, $0xf4
