# demo.s — scout's built-in demo guest: one 64-bit CPL 0 program (flat image
# at 0x400000, three pages) that walks through every kind of code the
# monitor has to handle, one output line per section.  Its output is the
# same raw (--raw) and enforced at any depth; tests/integration/demo.sh
# checks it line by line.
#
# Layout:  page 0 (0x400000)  main program, helpers, strings, data
#          page 1 (0x401000)  mul_far (the [call] target) ...
#                             ... and cross, a movabs starting 4 bytes
#          page 2 (0x402000)  before the end of page 1
# Data lives only after an unconditional jmp/ret/hlt, so no scan reaches it.
        .code64
        .globl _start

        .macro say str                  # print a NUL-terminated string
        lea \str(%rip), %rsi
        call puts
        .endm

_start: say m_hello

# [lazy] a jmp over a hole to code no scan has reached yet.  At --depth 0
# the jmp traps once; the monitor scans the target and the jmp goes native.
        say m_lazy
        jmp 1f
        hlt                             # the hole: never runs, never scanned
1:      say m_lazy2

# [loop] sum 1..1000: every branch in the loop is native after the first pass
        mov $1000, %ecx
        xor %eax, %eax
2:      add %rcx, %rax
        dec %ecx
        jnz 2b
        say m_loop
        call putdec
        say m_loop2

# [call] an out-of-page call into page 1 and the RET back (both emulated)
        mov $6, %edi
        mov $7, %esi
        call mul_far
        say m_call
        call putdec
        call putnl

# [jumptable] a tiny interpreter: jmp through a table of handler addresses
        lea prog(%rip), %r8
        xor %ebx, %ebx
next:   movzbl (%r8), %eax
        inc %r8
        lea table(%rip), %rdx
        jmp *(%rdx,%rax,8)              # computed branch
op_inc: inc %rbx
        jmp next
op_dbl: shl $1, %rbx
        jmp next
op_end: say m_jt
        mov %rbx, %rax
        call putdec
        call putnl

# [smc] run an instruction, rewrite its immediate, run it again.  The write
# hits a scanned instruction: the page's attributes are dropped and rescanned.
        call patched
        mov %rax, %rbx
        movb $2, patched+1(%rip)        # "mov $1,%eax" -> "mov $2,%eax"
        call patched
        mov %rax, %r12
        say m_smc
        mov %rbx, %rax
        call putdec
        say m_then
        mov %r12, %rax
        call putdec
        call putnl

# [data] a counter that lives in this code page, past all code: writes to it
# are data writes (no scanned instruction is touched, nothing is dropped)
        mov $3, %ecx
3:      incl counter(%rip)
        dec %ecx
        jnz 3b
        say m_data
        mov counter(%rip), %eax
        call putdec
        call putnl

# [overlap] the imm64 of a movabs is itself code: "mov $'B',%al; out %al,$0xe9;
# jmp back".  Run the movabs (al = 0xb0: print 'A'), then jump into its middle.
        say m_overlap
        mov $2, %ecx
outer:  .byte 0x48, 0xb8                # movabs $imm64, %rax
inner:  .byte 0xb0, 0x42                #   mov $'B', %al
        .byte 0xe6, 0xe9                #   out %al, $0xe9
        .byte 0xeb, back - (. + 1)      #   jmp back
        .byte 0x90, 0x90
        cmp $0xb0, %al
        jne back
        mov $'A', %al
        out %al, $0xe9
        jmp inner                       # into the middle of the movabs
back:   dec %ecx
        jnz outer
        say m_overlap2

# [crosspage] a 10-byte movabs that starts 4 bytes before the end of page 1
        call cross
        say m_cross
        mov $16, %cl
        call puthex
        call putnl

# [cpuid] the vendor string of leaf 0 (the host's: matched by pattern in tests)
        xor %eax, %eax
        cpuid
        mov %ebx, vendor(%rip)
        mov %edx, vendor+4(%rip)
        mov %ecx, vendor+8(%rip)
        say m_cpuid
        say vendor
        say m_quote

# [pushf/popf] set DF through a POPF, read it back with PUSHF
        pushf
        orq $0x400, (%rsp)
        popf
        pushf
        pop %rax
        cld
        shr $10, %rax
        and $1, %eax
        say m_flags
        call putdec
        call putnl

# [cli/sti] IF after STI, then after CLI
        sti
        pushf
        pop %rbx
        cli
        pushf
        pop %r12
        say m_if
        mov %rbx, %rax
        shr $9, %rax
        and $1, %eax
        call putdec
        say m_if2
        mov %r12, %rax
        shr $9, %rax
        and $1, %eax
        call putdec
        call putnl

# [sgdt/sidt] the descriptor-table limits the monitor set up
        sgdt gdtr(%rip)
        sidt idtr(%rip)
        say m_desc
        movzwl gdtr(%rip), %eax
        mov $4, %cl
        call puthex
        say m_desc2
        movzwl idtr(%rip), %eax
        call puthex
        call putnl

# [in/out] write the UART line-control register and read it back
        mov $0x3fb, %dx
        mov $0x03, %al
        out %al, %dx
        xor %eax, %eax
        in %dx, %al
        say m_io
        mov $2, %cl
        call puthex
        call putnl

# [mov cr] read CR0 and write it back; read CR4
        mov %cr0, %rax
        mov %rax, %cr0
        mov %cr4, %rbx
        say m_cr
        shr $31, %rax
        and $1, %eax
        call putdec
        say m_cr2
        mov %rbx, %rax
        shr $5, %rax
        and $1, %eax
        call putdec
        call putnl

        say m_bye
        xor %eax, %eax
        jmp exit                        # exit device, status 0

# patched: the [smc] target ("mov $imm32, %eax; ret")
patched:
        mov $1, %eax
        ret

# putdec: print %rax in decimal
putdec: push %rax
        push %rbx
        push %rcx
        push %rdx
        mov $10, %ebx
        xor %ecx, %ecx
4:      xor %edx, %edx
        div %rbx
        push %rdx
        inc %ecx
        test %rax, %rax
        jnz 4b
5:      pop %rax
        add $'0', %al
        out %al, $0xe9
        dec %ecx
        jnz 5b
        pop %rdx
        pop %rcx
        pop %rbx
        pop %rax
        ret
        .include "tests/guests/common64.inc"   # puts, puthex, putnl, exit (ends in hlt; jmp)

# ---- data (page 0, after the last unconditional jmp: never scanned) ----
m_hello:   .asciz "scout demo: one guest, every kind of code the monitor has to handle\n"
m_lazy:    .asciz "[lazy] jmp forward over a hole to code no scan has reached yet ... "
m_lazy2:   .asciz "arrived\n"
m_loop:    .asciz "[loop] sum of 1..1000 = "
m_loop2:   .asciz " (1000 passes; native after the first)\n"
m_call:    .asciz "[call] called mul_far in the next page (0x401000) and returned: 6*7 = "
m_jt:      .asciz "[jumptable] ops inc,inc,dbl,dbl,inc dispatched by 'jmp *(%rdx,%rax,8)': acc = "
m_smc:     .asciz "[smc] patched 'mov $1,%eax' -> 'mov $2,%eax': result "
m_then:    .asciz " then "
m_data:    .asciz "[data] incremented a counter kept in this code page 3 times: "
m_overlap: .asciz "[overlap] movabs, then a jump into its imm64 (code 'mov $0x42,%al; out; jmp'), twice: "
m_overlap2: .asciz "\n"
m_cross:   .asciz "[crosspage] movabs at 0x401ffc (4 bytes in page 1, 6 in page 2) loaded "
m_cpuid:   .asciz "[cpuid] leaf 0 vendor '"
m_quote:   .asciz "'\n"
m_flags:   .asciz "[pushf/popf] set DF with popf, pushf reads DF = "
m_if:      .asciz "[cli/sti] IF after sti = "
m_if2:     .asciz ", after cli = "
m_desc:    .asciz "[sgdt/sidt] GDT limit "
m_desc2:   .asciz ", IDT limit "
m_io:      .asciz "[in/out] out 0x03 to UART LCR (port 0x3fb), in reads back "
m_cr:      .asciz "[mov cr] cr0 read and written back: PG = "
m_cr2:     .asciz "; cr4.PAE = "
m_bye:     .asciz "[exit] done: exit status 0 through the exit device (port 0xf4)\n"
        .balign 8
table:     .quad op_inc, op_dbl, op_end
prog:      .byte 0, 0, 1, 1, 0, 2
        .balign 8
vendor:    .fill 16, 1, 0
gdtr:      .fill 10, 1, 0
        .balign 8
idtr:      .fill 10, 1, 0
        .balign 64
counter:   .long 0

# ---- page 1 ---- (.org fails to assemble if page 0 overflows)
        .org 0x1000, 0xcc
mul_far:                                # the [call] target: %edi * %esi
        mov %edi, %eax
        imul %esi, %eax
        ret
        .org 0x2000 - 4, 0xcc
cross:  movabs $0x0102030405060708, %rax    # crosses into page 2
        ret
