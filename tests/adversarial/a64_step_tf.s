# a64_step_tf: the guest single-steps itself with RFLAGS.TF and counts in
# its own #DB handler, which prints each trap's RIP (as an offset from the
# first step).  Some of the stepped instructions are CPL-sensitive, which
# scout runs in place or emulates: each must still end in the #DB the CPU
# would raise after it.  (Not the shadow's: enforced CPL 0 too.)  Prints
# "0x01 0x02 0x05 0x06 0x07 0x0f 0x10 =0x07".
        .include "tests/adversarial/gate64.inc"
        .include "tests/adversarial/paging64.inc"
        shadow_start page_a
        lea h_db(%rip), %rax
        lea idt+1*16(%rip), %rdi
        intgate
        lidt idtr(%rip)
        pushfq
        orq $0x100, (%rsp)
        popfq                           # TF: a #DB after each instruction after the next
first:  nop
        nop
        mov %cr0, %rax                  # CPL-sensitive
        nop
        pushfq                          # CPL-sensitive
        andq $~0x100, (%rsp)
        popfq                           # CPL-sensitive, TF off: still a #DB after it
        mov $'=', %al
        out %al, $0xe9
        mov steps(%rip), %eax
        mov $2, %cl
        call puthex
        shadow_end
h_db:   push %rax
        push %rcx
        incl steps(%rip)
        mov 16(%rsp), %rax              # the trap's RIP
        lea first(%rip), %rcx
        sub %rcx, %rax
        mov $2, %cl
        call puthex
        mov $' ', %al
        out %al, $0xe9
        pop %rcx
        pop %rax
        iretq
        .balign 4096
page_a: ret
        .balign 4096
        own_tables_data
steps:  .long 0
idtr:   .word 4095
        .quad idt
m_start: .asciz "single steps: "
        .balign 4096
idt:    .fill 4096, 1, 0
