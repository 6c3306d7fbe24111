/* devices.c — debug console, 8250 UART, isa-debug-exit, unknown ports. */
#include "monitor/dev/devices.h"
#include "monitor/kvm/vm_priv.h"
#include <string.h>

void uart_init(struct uart8250 *u)
{
    memset(u, 0, sizeof *u);
    u->dll = 0x0c;   /* 9600 baud */
}

#define LCR_DLAB 0x80

int uart_write(struct uart8250 *u, unsigned offset, uint8_t val, uint8_t *out)
{
    switch (offset & 7) {
    case 0:
        if (u->lcr & LCR_DLAB) { u->dll = val; return 0; }
        if (u->mcr & 0x10) return 0;   /* loopback: not transmitted */
        *out = val; return 1;
    case 1:
        if (u->lcr & LCR_DLAB) u->dlm = val; else u->ier = val & 0x0f;
        return 0;
    case 2: u->fcr = val; return 0;
    case 3: u->lcr = val; return 0;
    case 4: u->mcr = val & 0x1f; return 0;
    case 7: u->scr = val; return 0;
    default: return 0;   /* LSR, MSR: read-only */
    }
}

uint8_t uart_read(struct uart8250 *u, unsigned offset)
{
    switch (offset & 7) {
    case 0: return (u->lcr & LCR_DLAB) ? u->dll : 0;  /* no input */
    case 1: return (u->lcr & LCR_DLAB) ? u->dlm : u->ier;
    case 2: {   /* IIR: no interrupt pending; FIFO bits when enabled */
        uint8_t iir = 0x01;
        if (u->fcr & 1) iir |= 0xc0;
        if ((u->ier & 0x02)) iir = (uint8_t)((iir & 0xc0) | 0x02);  /* THR empty */
        return iir;
    }
    case 3: return u->lcr;
    case 4: return u->mcr;
    case 5: return 0x60;   /* THRE | TEMT, no data ready */
    case 6: {   /* MSR: in loopback reflect MCR, else CTS DSR DCD */
        if (u->mcr & 0x10)
            return (uint8_t)(((u->mcr & 1) << 5) | ((u->mcr & 2) << 3) | ((u->mcr & 4) << 4) | ((u->mcr & 8) << 4));
        return 0xb0;
    }
    default: return u->scr;
    }
}

enum dev_result dev_port_io(struct vm *vm, uint16_t port, int out, int size,
                            uint8_t *data, int *status)
{
    if (port == DEV_DEBUGCON_PORT) {
        if (out) vm_console_write(vm, data, 1);
        else data[0] = DEV_DEBUGCON_PORT;   /* bochs/QEMU read-back */
        for (int i = 1; i < size; i++) if (!out) data[i] = 0;
        return DEV_OK;
    }
    if (port >= DEV_EXIT_PORT && port < DEV_EXIT_PORT + 4) {
        if (out) {
            uint32_t v = 0;
            for (int i = 0; i < size; i++) v |= (uint32_t)data[i] << (8 * i);
            *status = (int)((v << 1) | 1);
            return DEV_EXIT;
        }
        memset(data, 0xff, (size_t)size);
        return DEV_OK;
    }
    if (port >= DEV_UART_BASE && port < DEV_UART_BASE + 8) {
        for (int i = 0; i < size && port + i < DEV_UART_BASE + 8; i++) {
            unsigned off = (unsigned)(port + i - DEV_UART_BASE);
            if (out) {
                uint8_t c;
                if (uart_write(&vm->uart, off, data[i], &c)) vm_console_write(vm, &c, 1);
            } else {
                data[i] = uart_read(&vm->uart, off);
            }
        }
        return DEV_OK;
    }
    if (out) vm->stats.unknown_port_writes++;
    else { vm->stats.unknown_port_reads++; memset(data, 0xff, (size_t)size); }
    return DEV_OK;
}
