# irq_lapic: a multiboot kernel (long mode) that uses KVM's local APIC
# timer: 5 periodic ticks, one one-shot, one TSC-deadline tick (when CPUID
# has it), each taken in a `sti; hlt`; the handler stops a timer itself
# when it is done, so no tick is left pending.  Then x2APIC mode (when
# CPUID has it): its version and ID through the MSRs.  It prints what it
# saw and ends in `sti; hlt` with nothing armed: the run ends there.
        .include "mb64.inc"
        .set LAPIC, 0xfee00000
        .set PERIOD, 10000000           # 10 ms at KVM's 1 GHz APIC timer
        .set VEC, 0x40

main64: mov $VEC, %eax
        lea tick(%rip), %rbx
        call set_gate
        mov $0xff, %eax                 # the APIC's spurious vector
        lea spurious(%rip), %rbx
        call set_gate
        mov $LAPIC, %ebx
        movl $0x1ff, 0xf0(%rbx)         # software-enabled, spurious vector 0xff
        mov 0x30(%rbx), %eax
        mov %al, version(%rip)
        movl $0xb, 0x3e0(%rbx)          # divide by 1

        movl $5, stop_at(%rip)          # periodic
        movl $VEC | 1 << 17, 0x320(%rbx)
        movl $PERIOD, 0x380(%rbx)
1:      sti
        hlt
        cli
        cmpl $5, ticks(%rip)
        jb 1b
        mov ticks(%rip), %eax
        mov %eax, periodic(%rip)

        movl $0, ticks(%rip)            # one-shot
        movl $1, stop_at(%rip)
        movl $VEC, 0x320(%rbx)
        movl $PERIOD, 0x380(%rbx)
        sti
        hlt
        cli
        mov ticks(%rip), %eax
        mov %eax, oneshot(%rip)

        movb $'-', deadline(%rip)       # TSC deadline, if CPUID.1:ECX[24]
        mov $1, %eax
        cpuid
        mov $LAPIC, %ebx                # (cpuid took it)
        bt $24, %ecx
        jnc 2f
        movl $0, ticks(%rip)
        movl $VEC | 2 << 17, 0x320(%rbx)
        rdtsc
        shl $32, %rdx
        or %rdx, %rax
        add $10000000, %rax
        mov %rax, %rdx
        shr $32, %rdx
        mov $0x6e0, %ecx
        wrmsr
        sti
        hlt
        cli
        mov ticks(%rip), %eax
        add $'0', %al
        mov %al, deadline(%rip)
2:      movl $0x10000, 0x320(%rbx)      # the timer masked

        lea m_lapic(%rip), %rsi
        call puts
        movzbl version(%rip), %eax
        mov $2, %cl
        call puthex
        lea m_periodic(%rip), %rsi
        call puts
        mov periodic(%rip), %eax
        call putdigit
        lea m_oneshot(%rip), %rsi
        call puts
        mov oneshot(%rip), %eax
        call putdigit
        lea m_deadline(%rip), %rsi
        call puts
        mov deadline(%rip), %al
        out %al, $0xe9
        call putnl

        mov $1, %eax                    # x2APIC, if CPUID.1:ECX[21]
        cpuid
        bt $21, %ecx
        jnc 3f
        mov $0x1b, %ecx                 # APIC base: EN | EXTD
        rdmsr
        or $0xc00, %eax
        wrmsr
        lea m_x2apic(%rip), %rsi
        call puts
        mov $0x803, %ecx                # version
        rdmsr
        movzbl %al, %eax
        mov $2, %cl
        call puthex
        lea m_id(%rip), %rsi
        call puts
        mov $0x802, %ecx                # ID
        rdmsr
        mov $2, %cl
        call puthex
        call putnl
3:      lea m_done(%rip), %rsi
        call puts
        sti                             # nothing is armed: the run ends here
        hlt
        mov $1, %al                     # (an interrupt from nowhere)
        jmp exit

# EOI, count, and stop the timer at stop_at ticks
tick:   push %rax
        push %rbx
        mov $LAPIC, %ebx
        incl ticks(%rip)
        mov ticks(%rip), %eax
        cmp stop_at(%rip), %eax
        jb 1f
        movl $0, 0x380(%rbx)            # initial count 0: stopped
1:      movl $0, 0xb0(%rbx)             # EOI
        pop %rbx
        pop %rax
        iretq
spurious:
        iretq

putdigit:
        add $'0', %al
        out %al, $0xe9
        ret

m_lapic:    .asciz "lapic: version="
m_periodic: .asciz " periodic="
m_oneshot:  .asciz " oneshot="
m_deadline: .asciz " deadline="
m_x2apic:   .asciz "x2apic: version="
m_id:       .asciz " id="
m_done:     .asciz "done\n"
        .include "common64.inc"

        .section .data
ticks:      .long 0
stop_at:    .long 0
periodic:   .long 0
oneshot:    .long 0
version:    .byte 0
deadline:   .byte 0
