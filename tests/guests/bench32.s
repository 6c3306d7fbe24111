# bench32: Multiboot ELF32 compute loop at CPL 0 (ITER iterations of
# dec/jnz), then exit device 0 (status 1).  Loadable by scout and by
# qemu -kernel.
.code32
.globl _start
.p2align 2
mbhdr: .long 0x1BADB002, 0x00000003, -(0x1BADB002 + 0x00000003)
_start:
    mov $ITER, %ecx
1:  dec %ecx
    jnz 1b
    xor %eax, %eax
    out %al, $0xf4
    hlt
