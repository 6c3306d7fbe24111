/* gdbstub.h — the gdb remote stub: a front end that lets gdb (or any
 * client of gdb's remote serial protocol) drive a scout session over TCP,
 * as QEMU's `-s -S` / `-gdb tcp::PORT` do.
 *
 * Files: rsp.c (the protocol's framing, checksums, escapes and hex: pure,
 * unit-tested), target.c (the register file gdb is told about in
 * target.xml, and how each register is read and written through the
 * session), gdbstub.c (the socket, the packets' handlers, running and
 * stopping the guest).  Everything guest-facing goes through ui/session.
 *
 * One client at a time.  Addresses from gdb are linear addresses (in
 * real mode: segment base + offset, as QEMU takes them).  The register
 * file is x86-64's (64-bit GPRs, rip, eflags, segments, the x87 and SSE
 * registers as zeros, fs_base/gs_base, cr0/2/3/4/8, efer), or i386's
 * (as qemu-system-i386), or i386's registers with the i8086 architecture
 * (gdb then disassembles 16-bit code: `set architecture i8086` alone does
 * not change gdb's disassembly once a target description is in use). */
#ifndef SCOUT_UI_GDBSTUB_H
#define SCOUT_UI_GDBSTUB_H
#include <stddef.h>
#include <stdint.h>

#include "ui/session/session.h"

/* ══ the protocol's framing (rsp.c) ══════════════════════════════════ */

#define GDBSTUB_PACKET_MAX 0x4000       /* what qSupported offers (PacketSize) */

/* What one input byte completed. */
enum gdbstub_rsp_event {
    GDBSTUB_RSP_NONE,                   /* nothing yet */
    GDBSTUB_RSP_PACKET,                 /* a packet with a good checksum: ack it */
    GDBSTUB_RSP_BAD,                    /* a bad checksum: nak it ('-') */
    GDBSTUB_RSP_TOO_LONG,               /* over GDBSTUB_PACKET_MAX: dropped */
    GDBSTUB_RSP_INTERRUPT,              /* 0x03 outside a packet */
    GDBSTUB_RSP_ACK, GDBSTUB_RSP_NAK,   /* '+' / '-' for what we sent */
};
struct gdbstub_rsp {
    int state;
    uint8_t sum;
    unsigned cs;                        /* the checksum's digits as received */
    size_t len;                         /* payload bytes (up to GDBSTUB_PACKET_MAX) */
    int overflow;
    char buf[GDBSTUB_PACKET_MAX + 1];   /* the payload, NUL-terminated (still escaped) */
};
void gdbstub_rsp_init(struct gdbstub_rsp *r);
enum gdbstub_rsp_event gdbstub_rsp_byte(struct gdbstub_rsp *r, uint8_t c);
/* "$payload#cs" into out (with '#', '$', '}' and '*' escaped); the
 * length, or 0 if it does not fit. */
size_t gdbstub_rsp_frame(char *out, size_t max, const void *payload, size_t len);
/* Undoes the '}' escapes of binary data (X packets) in place; the new
 * length, or -1 if an escape is cut off. */
long gdbstub_rsp_unescape(uint8_t *buf, size_t len);
/* Bytes as lowercase hex into out (2*len chars, NUL-terminated). */
void gdbstub_hex_encode(char *out, const void *in, size_t len);
/* A hex number (up to 16 digits, no prefix) at *p; *p moves past it.
 * 0, or -1 (no digit, too long). */
int  gdbstub_hex_u64(const char **p, uint64_t *v);
/* 2*len hex digits into out: 0, or -1. */
int  gdbstub_hex_decode(uint8_t *out, const char *in, size_t len);

/* ══ the stub ════════════════════════════════════════════════════════ */

/* What the front end lends the stub. */
struct gdbstub_hooks {
    void *arg;
    /* `monitor CMD`: runs one scout command, its output (errors too)
     * given to out.  NULL: monitor commands are refused. */
    int (*monitor)(void *arg, const char *line, void (*out)(void *oarg, const char *text, size_t len),
                   void *oarg);
    /* 1 when scout must end (--timeout passed); polled while waiting. */
    int (*must_end)(void *arg);
    /* a stop was reported to the client (the front end settles Ctrl-C) */
    void (*settled)(void *arg);
};

struct gdbstub;
/* "[HOST:]PORT" (host default 127.0.0.1; PORT 1..65535).  0, or -1 with
 * err. */
int  gdbstub_parse_addr(const char *spec, char *host, size_t hostlen, unsigned *port, char *err, size_t errlen);
/* "x86-64", "i386" or "i8086" (i386's registers, 16-bit code): 1, else 0. */
int  gdbstub_arch_known(const char *arch);
/* Listens on spec, serving arch's register file (NULL: the one for the
 * mode the guest is in now: i8086, i386 or x86-64).  NULL
 * with err ("cannot listen on ...: why"). */
struct gdbstub *gdbstub_open(struct session *s, const char *spec, const char *arch,
                             const struct gdbstub_hooks *h, char *err, size_t errlen);
/* "127.0.0.1:1234": where it listens. */
const char *gdbstub_where(const struct gdbstub *g);
/* Serves clients until the guest ends or a client kills it.  flags:
 *   GDBSTUB_WAIT  the guest stays stopped until a client resumes it (-S);
 *                 else it runs, and a client that connects stops it;
 *   GDBSTUB_ONCE  one client: when it detaches or goes, serving ends with
 *                 the guest stopped where it is (the gdbserver command);
 *                 else the guest runs on after a detach.
 * Returns the exit status: the guest's (session_exit_status) once it
 * ended; 0 after a kill or (ONCE) a detach; must_end's status. */
enum { GDBSTUB_WAIT = 1u << 0, GDBSTUB_ONCE = 1u << 1 };
int  gdbstub_serve(struct gdbstub *g, unsigned flags);
void gdbstub_close(struct gdbstub *g);

/* ══ from the command language (command.c) ═══════════════════════════ */

struct cmd_ctx;
/* A monitor hook (gdbstub_hooks.monitor) for a command context: runs the
 * line there (arg is the struct cmd_ctx), its output and errors captured,
 * the context's own sink put back after. */
int  gdbstub_monitor_ctx(void *arg, const char *line, void (*out)(void *oarg, const char *text, size_t len),
                         void *oarg);
/* Adds `gdbserver [HOST:]PORT` to ctx, over s (one session a process).
 * 0, or -1. */
int  gdbstub_register_commands(struct cmd_ctx *ctx, struct session *s);

#endif
