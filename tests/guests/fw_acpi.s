# fw_acpi: a multiboot kernel (long mode) that reads what a PC's firmware
# leaves it: fw_cfg (signature, interface ID, CPUs, RAM, the file
# directory and etc/e820, a DMA read), the ACPI tables (RSDP in the BIOS
# area, RSDT/XSDT checksums, the FADT's PM timer port, the MADT's APICs),
# the PM timer counting, CMOS memory size bytes, and PCI configuration
# space with no device.  Prints what it found and exits with 0 (status 1),
# or with 1 (status 3) at a bad checksum or a missing piece.
        .include "mb64.inc"

main64:
        # ── fw_cfg ──
        lea m_fw(%rip), %rsi
        call puts
        xor %eax, %eax                  # signature
        call fw_select
        mov $4, %ecx
        call fw_read
        mov %eax, buf(%rip)
        movb $0, buf+4(%rip)
        lea buf(%rip), %rsi
        call puts
        lea m_id(%rip), %rsi
        mov $1, %eax
        mov $4, %ecx
        call show_item
        lea m_cpus(%rip), %rsi
        mov $5, %eax
        mov $2, %ecx
        call show_item
        lea m_maxcpus(%rip), %rsi
        mov $0xf, %eax
        mov $2, %ecx
        call show_item
        lea m_ram(%rip), %rsi
        mov $3, %eax
        mov $8, %ecx
        call show_item
        call putnl

        mov $0x19, %eax                 # the file directory: etc/e820
        call fw_select
        mov $4, %ecx
        call fw_read
        bswap %eax
        mov %eax, %r12d                 # files
1:      test %r12d, %r12d
        jz fail
        dec %r12d
        mov $4, %ecx                    # size (big-endian)
        call fw_read
        bswap %eax
        mov %eax, %r13d
        mov $2, %ecx                    # select
        call fw_read
        xchg %al, %ah
        mov %eax, %r14d
        mov $2, %ecx                    # reserved
        call fw_read
        lea buf(%rip), %rdi             # the 56-byte name
        mov $56, %r15d
2:      mov $1, %ecx
        call fw_read
        stosb
        dec %r15d
        jnz 2b
        lea buf(%rip), %rsi
        lea n_e820(%rip), %rdi
        mov $9, %ecx
        repe cmpsb
        jne 1b
        lea m_e820(%rip), %rsi
        call puts
        mov %r13d, %eax
        xor %edx, %edx
        mov $20, %ecx
        div %ecx
        mov %eax, %r12d                 # entries
        mov $2, %cl
        call puthex
        call putnl
        mov %r14d, %eax
        call fw_select
3:      lea m_entry(%rip), %rsi
        call puts
        mov $8, %ecx
        call fw_read
        mov $9, %cl
        call puthex
        mov $' ', %al
        out %al, $0xe9
        mov $8, %ecx
        call fw_read
        mov $9, %cl
        call puthex
        mov $' ', %al
        out %al, $0xe9
        mov $4, %ecx
        call fw_read
        mov $1, %cl
        call puthex
        call putnl
        dec %r12d
        jnz 3b

        # DMA: the signature again, into buf, through a descriptor
        movl $0, buf(%rip)
        movl $0x0a000000, dma(%rip)     # control: select 0 << 16 | SELECT | READ, big-endian
        movl $0x04000000, dma+4(%rip)   # length 4
        lea buf(%rip), %rax
        bswap %rax
        mov %rax, dma+8(%rip)
        lea dma(%rip), %rax
        mov %rax, %rbx
        shr $32, %rax
        bswap %eax
        mov $0x514, %dx
        out %eax, %dx
        mov %ebx, %eax
        bswap %eax
        mov $0x518, %dx
        out %eax, %dx
        cmpl $0, dma(%rip)              # done, no error
        jne fail
        lea m_dma(%rip), %rsi
        call puts
        movb $0, buf+4(%rip)
        lea buf(%rip), %rsi
        call puts
        call putnl

        # ── ACPI ──
        mov $0xe0000, %ebx              # the RSDP: 16-byte steps through the BIOS area
4:      mov $0x2052545020445352, %rax   # "RSD PTR "
        cmp %rax, (%rbx)
        je 5f
        add $16, %ebx
        cmp $0x100000, %ebx
        jb 4b
        jmp fail
5:      mov %rbx, %rsi
        mov $20, %ecx
        call checksum
        mov %rbx, %rsi
        mov $36, %ecx
        call checksum
        lea m_rsdp(%rip), %rsi
        call puts
        mov %ebx, %eax
        mov $5, %cl
        call puthex
        lea m_rev(%rip), %rsi
        call puts
        movzbl 15(%rbx), %eax
        mov $1, %cl
        call puthex
        call putnl
        mov 24(%rbx), %r12              # the XSDT: checked, counted
        mov %r12, %rsi
        mov 4(%r12), %ecx
        call checksum
        mov 16(%rbx), %r12d             # the RSDT: every table's signature
        mov %r12, %rsi
        mov 4(%r12), %ecx
        call checksum
        lea m_tables(%rip), %rsi
        call puts
        mov 4(%r12), %r13d
        sub $36, %r13d
        shr $2, %r13d                   # entries
        lea 36(%r12), %r14
6:      mov (%r14), %r15d               # a table
        mov %r15, %rsi
        mov 4(%r15), %ecx
        call checksum
        mov (%r15), %eax
        mov %eax, buf(%rip)
        movw $' ', buf+4(%rip)
        lea buf(%rip), %rsi
        call puts
        cmpl $0x50434146, (%r15)        # "FACP": the PM timer port, FACS and DSDT there
        jne 7f
        mov 76(%r15), %eax
        mov %eax, pm_port(%rip)
        mov 36(%r15), %eax
        cmpl $0x53434146, (%rax)        # "FACS"
        jne fail
        mov 40(%r15), %esi
        mov 4(%rsi), %ecx
        call checksum
7:      cmpl $0x43495041, (%r15)        # "APIC": the local APIC and IOAPIC addresses
        jne 9f
        mov 36(%r15), %eax
        mov %eax, lapic(%rip)
        lea 44(%r15), %rsi
8:      cmpb $1, (%rsi)
        jne 10f
        mov 4(%rsi), %eax
        mov %eax, ioapic(%rip)
10:     movzbl 1(%rsi), %eax
        add %rax, %rsi
        mov 4(%r15), %eax
        add %r15, %rax
        cmp %rax, %rsi
        jb 8b
9:      add $4, %r14
        dec %r13d
        jnz 6b
        call putnl
        lea m_pm(%rip), %rsi
        call puts
        mov pm_port(%rip), %eax
        mov $3, %cl
        call puthex
        lea m_lapic(%rip), %rsi
        call puts
        mov lapic(%rip), %eax
        mov $8, %cl
        call puthex
        lea m_ioapic(%rip), %rsi
        call puts
        mov ioapic(%rip), %eax
        mov $8, %cl
        call puthex
        call putnl

        mov pm_port(%rip), %edx         # the PM timer runs
        in %dx, %eax
        mov %eax, %ebx
        mov $1000, %ecx
11:     in %dx, %eax
        cmp %eax, %ebx
        jne 12f
        loop 11b
        jmp fail
12:     lea m_pmrun(%rip), %rsi
        call puts

        # ── CMOS: memory above 16 MiB in 64 KiB units, status register D ──
        lea m_cmos(%rip), %rsi
        call puts
        mov $0x35, %al
        out %al, $0x70
        in $0x71, %al
        movzbl %al, %ebx
        shl $8, %ebx
        mov $0x34, %al
        out %al, $0x70
        in $0x71, %al
        mov %al, %bl
        shr $4, %ebx                    # 64 KiB units -> MiB
        lea 16(%rbx), %eax
        mov $4, %cl
        call puthex
        lea m_regd(%rip), %rsi
        call puts
        mov $0x0d, %al
        out %al, $0x70
        in $0x71, %al
        movzbl %al, %eax
        mov $2, %cl
        call puthex
        call putnl

        # ── PCI: bus 0, device 0 has no vendor ──
        mov $0x80000000, %eax
        mov $0xcf8, %dx
        out %eax, %dx
        mov $0xcfc, %dx
        in %dx, %eax
        mov %eax, %ebx
        lea m_pci(%rip), %rsi
        call puts
        mov %ebx, %eax
        mov $8, %cl
        call puthex
        call putnl
        xor %eax, %eax
        jmp exit
fail:   lea m_fail(%rip), %rsi
        call puts
        mov $1, %al
        jmp exit

fw_select:                              # %ax: the key
        mov $0x510, %dx
        out %ax, %dx
        ret
fw_read:                                # %ecx bytes (1..8), little-endian, into %rax
        push %rbx
        push %rdx
        push %r8
        xor %ebx, %ebx
        xor %r8d, %r8d                  # the next byte's shift
        mov $0x511, %dx
1:      in %dx, %al
        movzbl %al, %eax
        xchg %ecx, %r8d
        shl %cl, %rax
        xchg %ecx, %r8d
        or %rax, %rbx
        add $8, %r8d
        loop 1b
        mov %rbx, %rax
        pop %r8
        pop %rdx
        pop %rbx
        ret
show_item:                              # print %rsi, then item %ax of %ecx bytes in hex
        call puts
        push %rcx
        call fw_select
        pop %rcx
        call fw_read
        mov $1, %cl
        cmp $8, %eax
        jb 1f
        mov $8, %cl
1:      call puthex
        ret
checksum:                               # %ecx bytes at %rsi must sum to 0
        xor %eax, %eax
1:      add (%rsi), %al
        inc %rsi
        loop 1b
        test %al, %al
        jnz fail
        ret

m_fw:      .asciz "fw_cfg: "
m_id:      .asciz " id="
m_cpus:    .asciz " cpus="
m_maxcpus: .asciz " max="
m_ram:     .asciz " ram="
m_e820:    .asciz "etc/e820: entries="
m_entry:   .asciz "  "
m_dma:     .asciz "dma: "
m_rsdp:    .asciz "acpi: rsdp="
m_rev:     .asciz " revision="
m_tables:  .asciz "rsdt: "
m_pm:      .asciz "fadt: pm timer="
m_lapic:   .asciz " madt: lapic="
m_ioapic:  .asciz " ioapic="
m_pmrun:   .asciz "pm timer counts\n"
m_cmos:    .asciz "cmos: ram MiB="
m_regd:    .asciz " status d="
m_pci:     .asciz "pci 00:00.0: "
m_fail:    .asciz "FAIL\n"
n_e820:    .asciz "etc/e820"
        .include "common64.inc"

        .section .data
        .p2align 4
dma:     .quad 0, 0
buf:     .fill 64, 1, 0
pm_port: .long 0
lapic:   .long 0
ioapic:  .long 0
