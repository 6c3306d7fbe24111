/* gdbstub.c — the gdb stub: the listening socket, one client, its
 * packets' handlers over the session, and running the guest until it
 * stops or the client sends Ctrl-C (0x03).
 *
 * While the guest runs, the client's socket (or the listening socket,
 * with no client) is armed with O_ASYNC: input raises SIGIO, whose
 * handler stops the run with session_interrupt, as Ctrl-C does.
 *
 * Packets: qSupported, ?, g G p P, m M x X, c s C S, vCont? vCont;c/s/t,
 * Z0-Z2 z0-z2 (Z3/Z4 empty: not supported), qXfer:features:read
 * (target.xml), qAttached, qC, qfThreadInfo/qsThreadInfo, H, T, qRcmd,
 * qSymbol, QStartNoAckMode, D, k, vKill; 0x03.  Anything else: empty. */
#include "ui/gdbstub/gdbstub_priv.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_BPS 64
#define MAX_WPS 32
#define IO_TIMEOUT_MS 5000      /* a client that takes no output for this long is dropped */

/* What a client's packets ask of the serve loop. */
enum act { ACT_STAY, ACT_CONT, ACT_STEP, ACT_DETACH, ACT_KILL, ACT_GONE, ACT_END };
/* next_event's own results, beside enum gdbstub_rsp_event */
enum { EV_GONE = 100, EV_END };

/* borrowed: a breakpoint of scout's own commands was there already (it
 * stops the guest the same way, and stays when gdb removes its own) */
struct bp { uint64_t addr, gpa; int sw, hw, borrowed; };
struct wp { uint64_t addr, gpa; unsigned len; };

struct gdbstub {
    struct session *s;
    const struct gdbstub_target *t;
    struct gdbstub_hooks h;
    int lfd, cfd;
    char where[96];
    struct gdbstub_rsp rsp;
    uint8_t in[4096];
    size_t in_pos, in_len;
    int noack;
    int end_status;             /* must_end's status, once it asked */
    struct bp bps[MAX_BPS];
    size_t nbps;
    struct wp wps[MAX_WPS];
    size_t nwps;
    char stop[64];              /* the last stop reply ('?') */
    size_t last_len;
    char last[2 * GDBSTUB_PACKET_MAX + 8];     /* the last packet framed ('-' resends it) */
    char reply[GDBSTUB_PACKET_MAX + 1];
    uint8_t data[GDBSTUB_PACKET_MAX];
};

/* ── SIGIO: input while the guest runs ───────────────────────────────── */

static struct session *volatile sigio_session;
static int serving;             /* one stub at a time (monitor gdbserver ...) */
static volatile sig_atomic_t sigio_fired;

static void on_sigio(int sig)
{
    (void)sig;
    sigio_fired = 1;
    if (sigio_session)
        session_interrupt(sigio_session, VM_STOP_INTERRUPTED);
}

static void set_async(int fd, int on)
{
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0)
        return;
    if (on) {
        /* this thread (the one in KVM_RUN), not any thread of the process */
        struct f_owner_ex owner = { F_OWNER_TID, gettid() };
        fcntl(fd, F_SETOWN_EX, &owner);
    }
    fcntl(fd, F_SETFL, on ? fl | O_ASYNC : fl & ~O_ASYNC);
}

/* Runs the guest until it stops; input on fd stops it too (*input = 1). */
static void run_watching(struct gdbstub *g, int fd, struct vm_stop *st, int *input)
{
    sigio_fired = 0;
    sigio_session = g->s;
    set_async(fd, 1);
    struct pollfd p = { fd, POLLIN, 0 };
    if (poll(&p, 1, 0) > 0)     /* came before the arming: the run stops at once */
        session_interrupt(g->s, VM_STOP_INTERRUPTED);
    session_mark_epoch(g->s);
    session_run(g->s, st);
    set_async(fd, 0);
    sigio_session = NULL;
    session_cancel_interrupt(g->s);
    *input = sigio_fired || (poll(&p, 1, 0) > 0);
}

/* ── the client's bytes ──────────────────────────────────────────────── */

static void drop_client(struct gdbstub *g)
{
    if (g->cfd >= 0)
        close(g->cfd);
    g->cfd = -1;
}

static int send_raw(struct gdbstub *g, const char *buf, size_t len)
{
    while (len && g->cfd >= 0) {
        ssize_t n = send(g->cfd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0) {
            buf += n;
            len -= (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        struct pollfd p = { g->cfd, POLLOUT, 0 };
        if (n < 0 && errno == EAGAIN && poll(&p, 1, IO_TIMEOUT_MS) > 0)
            continue;
        drop_client(g);         /* gone, or it takes nothing */
    }
    return g->cfd >= 0 ? 0 : -1;
}

static int send_packet(struct gdbstub *g, const void *payload, size_t len)
{
    g->last_len = gdbstub_rsp_frame(g->last, sizeof g->last, payload, len);
    return send_raw(g, g->last, g->last_len);
}

static int send_str(struct gdbstub *g, const char *s) { return send_packet(g, s, strlen(s)); }

/* A second client while one is attached: refused at once. */
static void refuse_extra(struct gdbstub *g)
{
    int fd = accept4(g->lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd >= 0)
        close(fd);
}

/* Reads what is there (waiting up to timeout_ms, -1: until input, with
 * must_end polled): 1 bytes came, 0 none, EV_GONE, EV_END. */
static int pull(struct gdbstub *g, int timeout_ms)
{
    for (;;) {
        struct pollfd p[2] = { { g->cfd, POLLIN, 0 }, { g->lfd, POLLIN, 0 } };
        int slice = timeout_ms < 0 || timeout_ms > 200 ? 200 : timeout_ms;
        int r = poll(p, 2, slice);
        if (r > 0 && (p[1].revents & POLLIN))
            refuse_extra(g);
        if (r > 0 && p[0].revents) {
            ssize_t n = recv(g->cfd, g->in, sizeof g->in, MSG_DONTWAIT);
            if (n > 0) {
                g->in_pos = 0;
                g->in_len = (size_t)n;
                return 1;
            }
            if (n == 0 || (errno != EINTR && errno != EAGAIN))
                return EV_GONE;
        }
        if (g->h.must_end && (g->end_status = g->h.must_end(g->h.arg)) != 0)
            return EV_END;
        if (timeout_ms >= 0 && (timeout_ms -= slice) <= 0)
            return 0;
    }
}

/* The next protocol event; GDBSTUB_RSP_NONE when nothing is there and
 * timeout_ms passed. */
static int next_event(struct gdbstub *g, int timeout_ms)
{
    for (;;) {
        while (g->in_pos < g->in_len) {
            enum gdbstub_rsp_event ev = gdbstub_rsp_byte(&g->rsp, g->in[g->in_pos++]);
            if (ev != GDBSTUB_RSP_NONE)
                return (int)ev;
        }
        int r = pull(g, timeout_ms);
        if (r != 1)
            return r == 0 ? GDBSTUB_RSP_NONE : r;
    }
}

/* ── stop replies ────────────────────────────────────────────────────── */

/* gdb's signal numbers for the vectors (SIGFPE 8, SIGTRAP 5, SIGILL 4,
 * SIGBUS 7, SIGSEGV 11). */
static int vector_signal(unsigned v)
{
    switch (v) {
    case 0: case 16: case 19: case 7: return 8;
    case 1: case 3: return 5;
    case 6: return 4;
    case 17: return 7;
    default: return 11;
    }
}

static struct bp *find_bp(struct gdbstub *g, uint64_t addr)
{
    for (size_t i = 0; i < g->nbps; i++)
        if (g->bps[i].addr == addr)
            return &g->bps[i];
    return NULL;
}

/* The reply for how the guest stopped, into g->stop (also the answer to
 * '?').  Returns 1 when the guest has ended (W or X). */
static int make_stop_reply(struct gdbstub *g, const struct vm_stop *st)
{
    uint64_t gpa = 0;
    struct enf_watch_hit hit;
    switch (st->why) {
    case VM_STOP_EXIT_DEVICE:
        snprintf(g->stop, sizeof g->stop, "W%02x", st->exit_status & 0xff);
        return 1;
    case VM_STOP_HLT:
        snprintf(g->stop, sizeof g->stop, "W00");
        return 1;
    case VM_STOP_TIMEOUT:
        snprintf(g->stop, sizeof g->stop, "X0e");     /* SIGALRM: --timeout */
        return 1;
    case VM_STOP_INTERRUPTED:
        snprintf(g->stop, sizeof g->stop, "T02thread:01;");
        return 0;
    case VM_STOP_GUEST_EXCEPTION:
        snprintf(g->stop, sizeof g->stop, "T%02xthread:01;", vector_signal(st->vector));
        return 0;
    case VM_STOP_SHUTDOWN:
        snprintf(g->stop, sizeof g->stop, "T0bthread:01;");
        return 0;
    case VM_STOP_HOOK:
        switch (session_stop_kind(g->s, &gpa)) {
        case ENF_STOP_BREAK: {
            struct bp *b = find_bp(g, session_rip_linear(g->s));
            snprintf(g->stop, sizeof g->stop, "T05%s:;thread:01;", b && b->hw && !b->sw ? "hwbreak" : "swbreak");
            return 0;
        }
        case ENF_STOP_WATCH:
            if (session_last_watch(g->s, &hit) == 0)
                for (size_t i = 0; i < g->nwps; i++)
                    if (g->wps[i].gpa == hit.gpa && g->wps[i].len == hit.len) {
                        snprintf(g->stop, sizeof g->stop, "T05watch:%" PRIx64 ";thread:01;", g->wps[i].addr);
                        return 0;
                    }
            break;
        default:
            break;
        }
        snprintf(g->stop, sizeof g->stop, "T05thread:01;");
        return 0;
    default:
        snprintf(g->stop, sizeof g->stop, "T06thread:01;");   /* scout could not go on: SIGABRT */
        return 0;
    }
}

/* After a crash the session has ended but the client may still look at
 * the registers: the next resume reports the end as X + signal. */
static void ended_reply(struct gdbstub *g)
{
    const struct vm_stop *st = session_last_stop(g->s);
    if (make_stop_reply(g, st))
        return;
    char sig[3] = { g->stop[1], g->stop[2], 0 };
    snprintf(g->stop, sizeof g->stop, "X%s", sig);
}

/* ── packets ─────────────────────────────────────────────────────────── */

static int reply_err(struct gdbstub *g, int e)
{
    char b[8];
    snprintf(b, sizeof b, "E%02x", e & 0xff);
    send_str(g, b);
    return ACT_STAY;
}

static int reply(struct gdbstub *g, const char *s)
{
    send_str(g, s);
    return ACT_STAY;
}

/* "ADDR,LEN" at *p: 0, or -1. */
static int addr_len(const char **p, uint64_t *addr, uint64_t *len)
{
    if (gdbstub_hex_u64(p, addr) < 0 || **p != ',')
        return -1;
    (*p)++;
    return gdbstub_hex_u64(p, len);
}

/* m ADDR,LEN (hex reply) and x ADDR,LEN (binary reply after 'b') */
static int read_mem(struct gdbstub *g, const char *p, int binary)
{
    uint64_t a, n;
    if (addr_len(&p, &a, &n) < 0 || *p)
        return reply_err(g, 1);
    if (n > GDBSTUB_PACKET_MAX / 2)
        n = GDBSTUB_PACKET_MAX / 2;
    size_t got = 0;
    while (got < n) {          /* page by page: as much as is readable */
        size_t chunk = 4096 - ((a + got) & 4095);
        if (chunk > n - got)
            chunk = n - got;
        if (session_read_linear(g->s, a + got, g->data + got, chunk) != 0)
            break;
        got += chunk;
    }
    if (!got && n)
        return reply_err(g, 14);
    if (binary) {
        g->reply[0] = 'b';
        memcpy(g->reply + 1, g->data, got);
        send_packet(g, g->reply, got + 1);
        return ACT_STAY;
    }
    gdbstub_hex_encode(g->reply, g->data, got);
    return reply(g, g->reply);
}

static int write_mem(struct gdbstub *g, const uint8_t *data, size_t len, uint64_t a)
{
    char err[256];
    if (len && session_write_linear(g->s, a, data, len, 0, err, sizeof err) != 0)
        return reply_err(g, 14);
    return reply(g, "OK");
}

static int write_mem_hex(struct gdbstub *g, const char *p)
{
    uint64_t a, n;
    if (addr_len(&p, &a, &n) < 0 || *p++ != ':' || n > sizeof g->data || strlen(p) != 2 * n ||
        gdbstub_hex_decode(g->data, p, n) < 0)
        return reply_err(g, 1);
    return write_mem(g, g->data, n, a);
}

/* X ADDR,LEN:BINARY (escaped) */
static int write_mem_bin(struct gdbstub *g, const char *pkt, size_t pktlen)
{
    const char *p = pkt + 1;
    uint64_t a, n;
    if (addr_len(&p, &a, &n) < 0 || *p++ != ':')
        return reply_err(g, 1);
    size_t raw = pktlen - (size_t)(p - pkt);
    memcpy(g->data, p, raw);
    long got = gdbstub_rsp_unescape(g->data, raw);
    if (got < 0 || (uint64_t)got != n)
        return reply_err(g, 1);
    return write_mem(g, g->data, (size_t)n, a);
}

static int read_regs(struct gdbstub *g)
{
    size_t n = 0;
    uint8_t b[16];
    for (size_t i = 0; i < gdbstub_reg_count(g->t); i++) {
        unsigned k = gdbstub_reg_bytes(g->t, i);
        if (gdbstub_reg_get(g->t, g->s, i, b) != 0)
            return reply_err(g, 1);
        gdbstub_hex_encode(g->reply + n, b, k);
        n += 2 * k;
    }
    return reply(g, g->reply);
}

static int write_regs(struct gdbstub *g, const char *p)
{
    char err[256];
    uint8_t b[16];
    int bad = 0;
    for (size_t i = 0; i < gdbstub_reg_count(g->t) && *p; i++) {
        unsigned k = gdbstub_reg_bytes(g->t, i);
        if (strlen(p) < 2 * k || gdbstub_hex_decode(b, p, k) < 0)
            return reply_err(g, 1);
        uint8_t now[16];
        /* registers scout does not serve come back as the zeros sent */
        if (gdbstub_reg_get(g->t, g->s, i, now) != 0 || memcmp(now, b, k))
            bad |= gdbstub_reg_set(g->t, g->s, i, b, err, sizeof err) != 0;
        p += 2 * k;
    }
    return bad ? reply_err(g, 1) : reply(g, "OK");
}

static int read_reg(struct gdbstub *g, const char *p)
{
    uint64_t i;
    uint8_t b[16];
    if (gdbstub_hex_u64(&p, &i) < 0 || *p || !gdbstub_reg_bytes(g->t, i) || gdbstub_reg_get(g->t, g->s, i, b) != 0)
        return reply_err(g, 1);
    gdbstub_hex_encode(g->reply, b, gdbstub_reg_bytes(g->t, i));
    return reply(g, g->reply);
}

static int write_reg(struct gdbstub *g, const char *p)
{
    uint64_t i;
    uint8_t b[16];
    char err[256];
    if (gdbstub_hex_u64(&p, &i) < 0 || *p++ != '=' || !gdbstub_reg_bytes(g->t, i) ||
        strlen(p) != 2 * gdbstub_reg_bytes(g->t, i) || gdbstub_hex_decode(b, p, gdbstub_reg_bytes(g->t, i)) < 0)
        return reply_err(g, 1);
    return gdbstub_reg_set(g->t, g->s, i, b, err, sizeof err) == 0 ? reply(g, "OK") : reply_err(g, 1);
}

/* Z/z TYPE,ADDR,KIND: 0 and 1 are scout's breakpoints, 2 a write
 * watchpoint; read and access watchpoints (3, 4) cannot be had (KVM has
 * no read-protected pages): the empty reply says "not supported". */
static int points(struct gdbstub *g, const char *pkt)
{
    int insert = pkt[0] == 'Z';
    char type = pkt[1], err[256];
    const char *p = pkt + 2;
    uint64_t addr, kind, gpa;
    if (type < '0' || type > '2')
        return reply(g, "");
    if (*p++ != ',' || addr_len(&p, &addr, &kind) < 0 || (*p && *p != ';'))
        return reply_err(g, 1);
    /* removals use the address translated at insertion (the page tables
     * may have changed since) and always succeed for gdb's own points */
    if (insert && (session_ended(g->s) || session_translate(g->s, addr, &gpa) != 0))
        return reply_err(g, 14);
    if (type == '2') {
        if (!kind || kind > 8 || (addr & 4095) + kind > 4096)
            return reply_err(g, 22);
        if (!insert) {
            for (size_t i = 0; i < g->nwps; i++)
                if (g->wps[i].addr == addr && g->wps[i].len == kind) {
                    session_watch_remove(g->s, g->wps[i].gpa, g->wps[i].len, err, sizeof err);
                    g->wps[i] = g->wps[--g->nwps];
                    return reply(g, "OK");
                }
            return reply_err(g, 2);
        }
        if (g->nwps == MAX_WPS || session_watch_insert(g->s, gpa, (unsigned)kind, err, sizeof err) != 0)
            return reply_err(g, 28);
        g->wps[g->nwps++] = (struct wp){ addr, gpa, (unsigned)kind };
        return reply(g, "OK");
    }
    struct bp *b = find_bp(g, addr);
    int *flag = b ? (type == '0' ? &b->sw : &b->hw) : NULL;
    if (!insert) {
        if (!flag || !*flag)
            return reply_err(g, 2);
        *flag = 0;
        if (!b->sw && !b->hw) {
            if (!b->borrowed)
                session_break_remove(g->s, b->gpa, err, sizeof err);
            *b = g->bps[--g->nbps];
        }
        return reply(g, "OK");
    }
    if (!b) {
        int borrowed = (session_trap_kinds(g->s, gpa) & ENF_TRAP_BREAK) != 0;
        if (g->nbps == MAX_BPS || (!borrowed && session_break_insert(g->s, gpa, err, sizeof err) != 0))
            return reply_err(g, 28);
        b = &g->bps[g->nbps++];
        *b = (struct bp){ addr, gpa, 0, 0, borrowed };
    }
    *(type == '0' ? &b->sw : &b->hw) = 1;
    return reply(g, "OK");
}

/* Before a detach or a new client: gdb's points go. */
static void clear_points(struct gdbstub *g)
{
    char err[256];
    for (size_t i = 0; i < g->nbps; i++)
        if (!g->bps[i].borrowed)
            session_break_remove(g->s, g->bps[i].gpa, err, sizeof err);
    for (size_t i = 0; i < g->nwps; i++)
        session_watch_remove(g->s, g->wps[i].gpa, g->wps[i].len, err, sizeof err);
    g->nbps = g->nwps = 0;
}

/* monitor output: O packets of hex, as it comes */
static void monitor_out(void *arg, const char *text, size_t len)
{
    struct gdbstub *g = arg;
    while (len && g->cfd >= 0) {
        size_t chunk = len < (GDBSTUB_PACKET_MAX - 2) / 2 ? len : (GDBSTUB_PACKET_MAX - 2) / 2;
        g->reply[0] = 'O';
        gdbstub_hex_encode(g->reply + 1, text, chunk);
        send_str(g, g->reply);
        text += chunk;
        len -= chunk;
    }
}

static int monitor(struct gdbstub *g, const char *hex)
{
    size_t n = strlen(hex) / 2;
    char line[1024];
    if (strlen(hex) % 2 || n >= sizeof line || gdbstub_hex_decode((uint8_t *)line, hex, n) < 0 ||
        memchr(line, 0, n))
        return reply_err(g, 1);
    line[n] = 0;
    if (!g->h.monitor) {
        static const char no[] = "scout: monitor commands are not available here\n";
        monitor_out(g, no, sizeof no - 1);
        return reply(g, "OK");
    }
    session_mark_epoch(g->s);
    g->h.monitor(g->h.arg, line, monitor_out, g);
    return reply(g, "OK");
}

/* qXfer:features:read:target.xml:OFFSET,LENGTH */
static int xfer(struct gdbstub *g, const char *p)
{
    static const char pre[] = "qXfer:features:read:";
    if (strncmp(p, pre, sizeof pre - 1))
        return reply(g, "");
    p += sizeof pre - 1;
    if (strncmp(p, "target.xml:", 11))
        return reply_err(g, 0);
    p += 11;
    uint64_t off, len;
    size_t xlen;
    const char *xml = gdbstub_target_xml(g->t, &xlen);
    if (addr_len(&p, &off, &len) < 0 || *p)
        return reply_err(g, 1);
    if (off > xlen)
        off = xlen;
    if (len > GDBSTUB_PACKET_MAX / 2)
        len = GDBSTUB_PACKET_MAX / 2;
    int last = len >= xlen - off;
    size_t n = last ? xlen - off : len;
    g->reply[0] = last ? 'l' : 'm';
    memcpy(g->reply + 1, xml + off, n);
    send_packet(g, g->reply, n + 1);
    return ACT_STAY;
}

/* 'c'/'s' with an address resume there */
static int resume_at(struct gdbstub *g, const char *p, int act)
{
    uint64_t a;
    char err[256];
    if (*p && (gdbstub_hex_u64(&p, &a) < 0 || session_reg_write(g->s, "rip", a, err, sizeof err) != 0))
        return reply_err(g, 1);
    return act;
}

/* vCont;ACTION[:TID][;...]: one thread, so the first action is it */
static int vcont(struct gdbstub *g, const char *p)
{
    if (!strcmp(p, "?"))
        return reply(g, "vCont;c;C;s;S;t");
    if (*p != ';')
        return reply(g, "");
    switch (p[1]) {
    case 'c': case 'C': return ACT_CONT;
    case 's': case 'S': return ACT_STEP;
    case 't': return reply(g, "OK");
    default: return reply_err(g, 1);
    }
}

static int query(struct gdbstub *g, const char *p)
{
    if (!strncmp(p, "qSupported", 10))
        return reply(g, "PacketSize=4000;qXfer:features:read+;swbreak+;hwbreak+;vContSupported+;QStartNoAckMode+;binary-upload+");
    if (!strcmp(p, "qAttached") || !strncmp(p, "qAttached:", 10))
        return reply(g, "1");
    if (!strcmp(p, "qC"))
        return reply(g, "QC01");
    if (!strcmp(p, "qfThreadInfo"))
        return reply(g, "m01");
    if (!strcmp(p, "qsThreadInfo"))
        return reply(g, "l");
    if (!strncmp(p, "qXfer:", 6))
        return xfer(g, p);
    if (!strncmp(p, "qRcmd,", 6))
        return monitor(g, p + 6);
    if (!strncmp(p, "qSymbol:", 8))
        return reply(g, "OK");
    return reply(g, "");
}

static int handle(struct gdbstub *g, const char *pkt, size_t len)
{
    const char *p = pkt + 1;
    if (len == 0)
        return reply(g, "");
    /* an ended guest runs no more: a resume reports the end (W or X) */
    if (session_ended(g->s) && (strchr("cCsS", pkt[0]) || !strncmp(pkt, "vCont;", 6)))
        return ACT_CONT;
    switch (pkt[0]) {
    case '?': return reply(g, g->stop);
    case 'g': return read_regs(g);
    case 'G': return write_regs(g, p);
    case 'p': return read_reg(g, p);
    case 'P': return write_reg(g, p);
    case 'm': return read_mem(g, p, 0);
    case 'x': return read_mem(g, p, 1);
    case 'M': return write_mem_hex(g, p);
    case 'X': return write_mem_bin(g, pkt, len);
    case 'c': return resume_at(g, p, ACT_CONT);
    case 's': return resume_at(g, p, ACT_STEP);
    case 'C': return ACT_CONT;     /* signals mean nothing to a VM */
    case 'S': return ACT_STEP;
    case 'Z': case 'z': return points(g, pkt);
    case 'H': return reply(g, "OK");
    case 'T': return reply(g, "OK");
    case 'D': reply(g, "OK"); return ACT_DETACH;
    case 'k': return ACT_KILL;
    case 'q': return query(g, pkt);
    case 'Q':
        if (!strcmp(pkt, "QStartNoAckMode")) {
            reply(g, "OK");
            g->noack = 1;
            return ACT_STAY;
        }
        return reply(g, "");
    case 'v':
        if (!strncmp(pkt, "vCont", 5))
            return vcont(g, pkt + 5);
        if (!strncmp(pkt, "vKill", 5)) {
            reply(g, "OK");
            return ACT_KILL;
        }
        return reply(g, "");
    default: return reply(g, "");
    }
}

/* Packets until one resumes, detaches, kills or the client goes. */
static int serve_packets(struct gdbstub *g)
{
    for (;;) {
        int ev = next_event(g, -1);
        switch (ev) {
        case GDBSTUB_RSP_PACKET: {
            if (!g->noack)
                send_raw(g, "+", 1);
            int act = handle(g, g->rsp.buf, g->rsp.len);
            if (g->cfd < 0)
                return ACT_GONE;
            if (act != ACT_STAY)
                return act;
            break;
        }
        case GDBSTUB_RSP_TOO_LONG:
            if (!g->noack)
                send_raw(g, "+", 1);
            reply_err(g, 1);
            break;
        case GDBSTUB_RSP_BAD:
            if (!g->noack)
                send_raw(g, "-", 1);
            break;
        case GDBSTUB_RSP_NAK:
            if (!g->noack && g->last_len)
                send_raw(g, g->last, g->last_len);
            break;
        case EV_GONE: drop_client(g); return ACT_GONE;
        case EV_END: return ACT_END;
        default: break;         /* acks; a 0x03 while stopped */
        }
        if (g->cfd < 0)
            return ACT_GONE;
    }
}

/* ── the serve loop ──────────────────────────────────────────────────── */

static void new_client(struct gdbstub *g, int fd)
{
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    g->cfd = fd;
    g->noack = 0;
    g->in_pos = g->in_len = 0;
    g->last_len = 0;
    gdbstub_rsp_init(&g->rsp);
    clear_points(g);
    if (session_ended(g->s))
        ended_reply(g);
    else
        snprintf(g->stop, sizeof g->stop, "T05thread:01;");
}

/* Waits for a client: 1 one came, 0 must end. */
static int wait_client(struct gdbstub *g)
{
    for (;;) {
        struct pollfd p = { g->lfd, POLLIN, 0 };
        if (poll(&p, 1, 200) > 0) {
            int fd = accept4(g->lfd, NULL, NULL, SOCK_CLOEXEC);
            if (fd >= 0) {
                new_client(g, fd);
                return 1;
            }
        }
        if (g->h.must_end && (g->end_status = g->h.must_end(g->h.arg)) != 0)
            return 0;
    }
}

/* Resumes for the client and reports the stop: 1 the guest has ended. */
static int resume(struct gdbstub *g, int step)
{
    struct vm_stop st;
    if (session_ended(g->s)) {
        ended_reply(g);
        send_str(g, g->stop);
        return 1;
    }
    if (step) {
        session_mark_epoch(g->s);
        if (session_step(g->s, &st) != 0 && !session_ended(g->s)) {
            reply_err(g, 1);    /* refused (--raw): nothing ran */
            return 0;
        }
    } else {
        for (;;) {
            int input = 0;
            run_watching(g, g->cfd, &st, &input);
            if (st.why != VM_STOP_INTERRUPTED || !input)
                break;
            /* input stopped it: a 0x03 is a stop; anything else (late acks) is not */
            int ev, intr = 0;
            while ((ev = next_event(g, 0)) != GDBSTUB_RSP_NONE && ev != EV_GONE && ev != EV_END)
                intr |= ev == GDBSTUB_RSP_INTERRUPT;
            if (ev == EV_GONE) {
                drop_client(g);
                break;
            }
            if (intr || ev == EV_END)
                break;
        }
    }
    int ended = make_stop_reply(g, &st);
    if (g->h.settled)
        g->h.settled(g->h.arg);
    if (g->cfd >= 0)
        send_str(g, g->stop);
    if (st.why == VM_STOP_TIMEOUT)
        g->end_status = 124;
    return ended;
}

/* After W/X: give the client a moment to take it and go. */
static void linger(struct gdbstub *g)
{
    for (int i = 0; i < 10 && g->cfd >= 0; i++) {
        int ev = next_event(g, 100);
        if (ev == EV_GONE || ev == EV_END)
            break;
        if (ev == GDBSTUB_RSP_PACKET)
            reply(g, g->rsp.buf[0] == '?' ? g->stop : "");
    }
    drop_client(g);
}

static int status_now(struct gdbstub *g)
{
    if (g->end_status)
        return g->end_status;
    return session_ended(g->s) ? session_exit_status(session_last_stop(g->s)) : 0;
}

int gdbstub_serve(struct gdbstub *g, unsigned flags)
{
    int wait = (flags & GDBSTUB_WAIT) != 0;
    serving = 1;
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigio;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGIO, &sa, &old);
    int free_run = !wait, rc = -1;
    while (rc < 0) {
        if (g->cfd < 0) {
            if (session_ended(g->s)) {
                rc = status_now(g);
                break;
            }
            if (free_run) {
                struct vm_stop st;
                int input = 0;
                run_watching(g, g->lfd, &st, &input);
                if (st.why == VM_STOP_INTERRUPTED && input) {
                    int fd = accept4(g->lfd, NULL, NULL, SOCK_CLOEXEC);
                    if (fd >= 0)
                        new_client(g, fd);
                    continue;
                }
                if (st.why == VM_STOP_HOOK)
                    continue;   /* nobody to report a stop to */
                if (g->h.settled)
                    g->h.settled(g->h.arg);
                rc = session_exit_status(&st);
                break;
            }
            if (!wait_client(g)) {
                rc = g->end_status;
                break;
            }
        }
        int act = serve_packets(g);
        switch (act) {
        case ACT_CONT:
        case ACT_STEP:
            if (resume(g, act == ACT_STEP) || g->end_status) {
                linger(g);
                rc = status_now(g);
            } else if (g->cfd < 0) {
                /* the client went while the guest ran: as a detach */
                clear_points(g);
                if (flags & GDBSTUB_ONCE)
                    rc = 0;
                free_run = 1;
            }
            break;
        case ACT_DETACH:
        case ACT_GONE:
            clear_points(g);
            drop_client(g);
            if (flags & GDBSTUB_ONCE)
                rc = session_ended(g->s) ? status_now(g) : 0;
            free_run = 1;       /* the guest runs on */
            break;
        case ACT_KILL:
            clear_points(g);
            drop_client(g);
            rc = session_ended(g->s) ? status_now(g) : 0;
            session_kill(g->s);
            break;
        case ACT_END:
            send_str(g, g->end_status == 130 ? "X02" : "X0e");     /* SIGINT, SIGALRM */
            linger(g);
            rc = g->end_status;
            break;
        default:
            break;
        }
    }
    sigaction(SIGIO, &old, NULL);
    serving = 0;
    return rc;
}

/* ── the listening socket ────────────────────────────────────────────── */

int gdbstub_parse_addr(const char *spec, char *host, size_t hostlen, unsigned *port, char *err, size_t errlen)
{
    const char *colon = strrchr(spec, ':');
    const char *ps = colon ? colon + 1 : spec;
    size_t hl = colon ? (size_t)(colon - spec) : 0;
    if (hl >= hostlen) {
        snprintf(err, errlen, "host name too long");
        return -1;
    }
    if (hl)
        memcpy(host, spec, hl), host[hl] = 0;
    else
        snprintf(host, hostlen, "127.0.0.1");
    if (host[0] == '[' && hl >= 2 && host[hl - 1] == ']') {     /* [::1]:1234 */
        memmove(host, host + 1, hl - 2);
        host[hl - 2] = 0;
    }
    unsigned long v = 0;
    size_t nd = strspn(ps, "0123456789");
    if (!nd || ps[nd] || nd > 5 || (v = strtoul(ps, NULL, 10)) > 65535) {
        snprintf(err, errlen, "not a port: expected [HOST:]PORT with PORT 0..65535 (0: any free port)");
        return -1;
    }
    *port = (unsigned)v;
    return 0;
}

int gdbstub_arch_known(const char *arch) { return gdbstub_target_find(arch) != NULL; }

struct gdbstub *gdbstub_open(struct session *s, const char *spec, const char *arch,
                             const struct gdbstub_hooks *h, char *err, size_t errlen)
{
    char host[256], ports[8];
    unsigned port;
    /* No arch given: the guest's mode now (gdb cannot switch later). */
    int mode = session_mode(s);
    const char *dflt = mode == 16 ? "i8086" : mode == 32 ? "i386" : "x86-64";
    const struct gdbstub_target *t = gdbstub_target_find(arch ? arch : dflt);
    if (serving) {
        snprintf(err, errlen, "a gdb stub is serving already");
        return NULL;
    }
    if (!t) {
        snprintf(err, errlen, "unknown register file %s (x86-64, i386 or i8086)", arch);
        return NULL;
    }
    if (gdbstub_parse_addr(spec, host, sizeof host, &port, err, errlen) < 0)
        return NULL;
    snprintf(ports, sizeof ports, "%u", port);
    /* numeric hosts (and localhost) only: no name lookup to hang on */
    struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                              .ai_flags = AI_NUMERICSERV | (strcmp(host, "localhost") ? AI_NUMERICHOST : 0) };
    struct addrinfo *ai = NULL;
    int e = getaddrinfo(host, ports, &hints, &ai);
    if (e) {
        snprintf(err, errlen, "cannot listen on %s: %s", spec, e == EAI_NONAME ? "not a numeric address" : gai_strerror(e));
        return NULL;
    }
    int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
        bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, 1) < 0) {
        snprintf(err, errlen, "cannot listen on %s: %s", spec, strerror(errno));
        if (fd >= 0)
            close(fd);
        freeaddrinfo(ai);
        return NULL;
    }
    freeaddrinfo(ai);
    struct gdbstub *g = calloc(1, sizeof *g);
    if (!g) {
        close(fd);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    g->s = s;
    g->t = t;
    if (h)
        g->h = *h;
    g->lfd = fd;
    g->cfd = -1;
    struct sockaddr_storage sa;
    socklen_t sl = sizeof sa;
    char hb[NI_MAXHOST] = "?", pb[NI_MAXSERV] = "?";
    if (getsockname(fd, (struct sockaddr *)&sa, &sl) == 0)
        getnameinfo((struct sockaddr *)&sa, sl, hb, sizeof hb, pb, sizeof pb, NI_NUMERICHOST | NI_NUMERICSERV);
    snprintf(g->where, sizeof g->where, strchr(hb, ':') ? "[%s]:%s" : "%s:%s", hb, pb);
    snprintf(g->stop, sizeof g->stop, "T05thread:01;");
    return g;
}

const char *gdbstub_where(const struct gdbstub *g) { return g->where; }

void gdbstub_close(struct gdbstub *g)
{
    if (!g)
        return;
    clear_points(g);
    drop_client(g);
    close(g->lfd);
    free(g);
}
