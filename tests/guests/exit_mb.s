# exit_mb: Multiboot v1 kernel with address fields (a.out kludge, flat
# file).  Writes the decimal number that is its first argument (the
# command line starts with the kernel's path) to the exit device.
.code32
.set LOAD, 0x100000
.globl _start
hdr: .long 0x1BADB002, 0x00010000, -(0x1BADB002 + 0x00010000)
     .long hdr, LOAD, 0, 0, _start
_start:
    mov 16(%ebx), %esi
0:  movzbl (%esi), %ecx             # skip the path
    test %ecx, %ecx
    jz 1f
    inc %esi
    cmp $' ', %ecx
    jne 0b
1:  xor %eax, %eax
3:  movzbl (%esi), %ecx
    sub $'0', %ecx
    cmp $9, %ecx
    ja 2f
    imul $10, %eax, %eax
    add %ecx, %eax
    inc %esi
    jmp 3b
2:  out %al, $0xf4
    hlt
