# enf_pageend: the last native instruction of a page falls through into the
# next page: it is virtualize (out-of-page), so page 2 is scanned before it
# runs.  Before the review fix the scan simply ended at the page end:
# native nops fill page 1; the last ends exactly at the page end; the CPU
# falls through into page 2, which nothing scanned.
        .code64
        .globl _start
_start: .fill 4096, 1, 0x90
page2:  mov $'P', %al
        out %al, $0xe9
        mov $'\n', %al
        out %al, $0xe9
        xor %eax, %eax
        out %al, $0xf4
        hlt
