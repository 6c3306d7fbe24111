# hello_mb: Multiboot v1 ELF32 kernel (no address fields).  Checks the
# boot magic, prints its command line, the memory map entry count and each
# module's string.
.code32
.section .text
.globl _start
.p2align 2
mbhdr: .long 0x1BADB002, 0x00000003, -(0x1BADB002 + 0x00000003)
_start:
    mov $stack_top, %esp
    mov %ebx, %edi
    cmp $0x2BADB002, %eax
    je 1f
    mov $badmagic, %esi
    call print
    mov $1, %al
    out %al, $0xf4
1:  mov $msg, %esi
    call print
    mov $cmsg, %esi
    call print
    testl $4, (%edi)
    jz 2f
    mov 16(%edi), %esi
    call print
2:  mov $nl, %esi
    call print
    mov $mmsg, %esi
    call print
    mov 44(%edi), %eax          # mmap_length / 24 entries
    xor %edx, %edx
    mov $24, %ecx
    div %ecx
    add $'0', %al
    out %al, $0xe9
    mov $nl, %esi
    call print
    testl $8, (%edi)                # modules
    jz 4f
    mov 20(%edi), %ecx
    mov 24(%edi), %ebx
3:  test %ecx, %ecx
    jz 4f
    mov $modmsg, %esi
    call print
    mov 8(%ebx), %esi
    call print
    mov $nl, %esi
    call print
    add $16, %ebx
    dec %ecx
    jmp 3b
4:  cli
    hlt
print:
    lodsb
    test %al, %al
    jz 1f
    out %al, $0xe9
    jmp print
1:  ret
msg:  .asciz "hello from protected mode\n"
cmsg: .asciz "cmdline: "
mmsg: .asciz "mmap entries: "
modmsg: .asciz "module: "
nl:   .asciz "\n"
badmagic: .asciz "bad multiboot magic\n"
.bss
.p2align 4
.skip 4096
stack_top:
