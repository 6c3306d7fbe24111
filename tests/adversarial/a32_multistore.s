# a32_multistore: instructions that store more than once -- PUSHA and a
# far CALL -- with the stack in the page that holds the code.  KVM reports
# one store per instruction into a read-only page; every byte must still
# land.  The guest sums what it finds on the stack.  (ENTER with nesting:
# a64_enter, at CPL 3 -- this host's KVM cannot emulate it at CPL 0.)
        .code32
        .globl _start
_start: mov $m_start, %esi
        call puts
        mov %esp, saved_sp
        mov $stack_top, %esp            # this page
        mov $0x11111111, %eax
        mov $0x22222222, %ecx
        mov $0x33333333, %edx
        mov $0x44444444, %ebx
        mov $0x55555555, %ebp
        mov $0x66666666, %esi
        mov $0x77777777, %edi
        pusha                           # 8 stores
        mov $stack_top - 32, %esi
        call sum8
        mov %eax, r_pusha
        popa
        mov %cs, farptr+4
        lcall *farptr                   # pushes CS and EIP
after:  mov %edi, r_far
        mov saved_sp, %esp
        mov r_pusha, %eax
        call puthex8
        mov r_far, %eax
        call puthex8
        mov $m_done, %esi
        call puts
        xor %eax, %eax
        jmp exit
sum8:   xor %eax, %eax                  # the 8 dwords at %esi (the stack page)
        mov $8, %ecx
1:      add (%esi), %eax
        add $4, %esi
        loop 1b
        ret
far:    mov (%esp), %edi                # the EIP pushed: after
        sub $after, %edi
        mov 4(%esp), %eax               # the CS pushed
        mov %cs, %edx
        sub %edx, %eax
        add %eax, %edi                  # 0 if both landed
        lret
        .include "tests/guests/common32.inc"
        .balign 64
        .fill 256, 1, 0
stack_top:
        .section .data
saved_sp: .long 0
r_pusha: .long 0
r_far:  .long 0
farptr: .long far
        .word 0
m_start: .asciz "multi-store instructions into the code page: "
m_done: .asciz "\n"
