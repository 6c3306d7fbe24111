/* uart.c — an 8250 UART at 0x3F8 (COM1): transmit to the console, no
 * receive, no interrupts.  The register model is pure (dev_uart_*). */
#include <string.h>

#include "monitor/dev/dev.h"

void dev_uart_reset(struct dev_uart_regs *u)
{
    memset(u, 0, sizeof *u);
    u->dll = 0x0c;   /* 9600 baud */
}

#define LCR_DLAB 0x80

int dev_uart_write(struct dev_uart_regs *u, unsigned offset, uint8_t val, uint8_t *out)
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

uint8_t dev_uart_read(struct dev_uart_regs *u, unsigned offset)
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

struct uart { struct dev_bus *bus; struct dev_uart_regs regs; };

static enum vm_io_result uart_io(void *ctx, uint16_t port, int out, int size, uint8_t *data, int *status)
{
    struct uart *u = ctx;
    (void)status;
    for (int i = 0; i < size && port + i < DEV_UART_BASE + 8; i++) {
        unsigned off = (unsigned)(port + i - DEV_UART_BASE);
        if (out) {
            uint8_t c;
            if (dev_uart_write(&u->regs, off, data[i], &c))
                dev_console_write(u->bus, &c, 1);
        } else {
            data[i] = dev_uart_read(&u->regs, off);
        }
    }
    return VM_IO_OK;
}

int dev_uart_init(struct dev_bus *bus)
{
    struct uart *u = dev_bus_alloc(bus, sizeof(*u));
    if (!u)
        return -1;
    u->bus = bus;
    dev_uart_reset(&u->regs);
    return dev_bus_register_pio(bus, DEV_UART_BASE, 8, "uart", uart_io, u);
}
