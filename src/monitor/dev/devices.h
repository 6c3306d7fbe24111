/* devices.h — port I/O devices: debug console (0xE9), 8250 UART (0x3F8),
 * isa-debug-exit (0xF4, status (v << 1) | 1).  Unknown ports read as
 * all-ones and are counted.  The UART state machine is pure (testable). */
#ifndef SCOUT_MONITOR_DEVICES_H
#define SCOUT_MONITOR_DEVICES_H
#include <stdint.h>

struct vm;

#define DEV_DEBUGCON_PORT 0xE9
#define DEV_UART_BASE     0x3F8
#define DEV_EXIT_PORT     0xF4     /* iosize 4: 0xF4..0xF7 */

struct uart8250 {
    uint8_t ier, lcr, mcr, scr, dll, dlm, fcr;
};
void    uart_init(struct uart8250 *u);
/* offset 0..7; returns 1 and sets *out when the write is a THR byte to emit */
int     uart_write(struct uart8250 *u, unsigned offset, uint8_t val, uint8_t *out);
uint8_t uart_read(struct uart8250 *u, unsigned offset);

/* Result of dispatching one port access to the devices. */
enum dev_result { DEV_OK, DEV_EXIT /* exit device written: *status set */ };
/* Handles one element of an I/O exit (size 1, 2 or 4; data little-endian). */
enum dev_result dev_port_io(struct vm *vm, uint16_t port, int out, int size,
                            uint8_t *data, int *status);

#endif
