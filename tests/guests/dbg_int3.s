# dbg_int3: a guest INT3 at CPL 0 with no IDT of its own: the CPU raises
# #BP (a trap: RIP after the INT3) and scout's IDT reports it as a guest
# exception (exit status 4), as it reports ud2's #UD.  (This host's KVM
# cannot emulate INT3 at CPL 0: scout delivers the #BP itself.)
        .code64
        .globl _start
_start: mov $1, %eax
        int3
        mov $2, %eax
        hlt
