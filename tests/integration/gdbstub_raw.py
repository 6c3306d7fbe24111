#!/usr/bin/env python3
"""Raw remote-protocol checks of scout's gdb stub (run by gdbstub.sh
against `scout --gdb PORT -S dbg64.elf64`): what gdb itself never sends --
bad checksums, overlong and cut-off packets, escapes in binary X, noise,
floods -- answered per the protocol, and guest memory changed only by
good writes.  Prints `ok NAME` / `not ok NAME: why`; ends by dropping the
connection in the middle of a packet (the guest then runs on)."""
import socket
import sys
import time

COUNTER = 0x401000          # dbg64's counter (.data)
VALUE = 0x400077            # dbg64's value: mov $1, %eax; ret


def csum(b):
    return b"%02x" % (sum(b) & 0xff)


def unescape(b):
    out, i = bytearray(), 0
    while i < len(b):
        if b[i] == 0x7d:
            i += 1
            out.append(b[i] ^ 0x20)
        else:
            out.append(b[i])
        i += 1
    return bytes(out)


def frame(payload):
    return b"$" + payload + b"#" + csum(payload)


class Client:
    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.buf = b""
        self.ack = True

    def read(self, n=1):
        while len(self.buf) < n:
            d = self.s.recv(65536)
            if not d:
                raise EOFError("connection closed")
            self.buf += d
        r, self.buf = self.buf[:n], self.buf[n:]
        return r

    def packet(self):
        """The next packet's payload (O packets included), checksum checked."""
        while self.read() != b"$":
            pass
        data = b""
        while True:
            c = self.read()
            if c == b"#":
                break
            data += c
        if self.read(2) != csum(data):
            raise ValueError("bad checksum from the stub")
        if self.ack:
            self.s.sendall(b"+")
        return data

    def send(self, raw):
        self.s.sendall(raw)

    def ask(self, payload, expect_ack=None):
        """Sends a packet, returns the reply (after the stub's ack)."""
        self.send(frame(payload))
        if expect_ack if expect_ack is not None else self.ack:
            a = self.read()
            if a != b"+":
                raise ValueError("expected +, got %r" % a)
        return self.packet()


failed = False


def check(name, cond, why=""):
    global failed
    if cond:
        print("ok " + name)
    else:
        failed = True
        print("not ok %s: %s" % (name, why))


def main():
    c = Client(int(sys.argv[1]))
    r = c.ask(b"qSupported:multiprocess+;swbreak+;hwbreak+;xmlRegisters=i386")
    for f in (b"PacketSize=4000", b"qXfer:features:read+", b"swbreak+", b"hwbreak+",
              b"vContSupported+", b"QStartNoAckMode+"):
        check("raw_qsupported_" + f.decode().split("=")[0].split("+")[0].replace(":", "_"), f in r, r)

    c.send(b"$g#00")
    check("raw_bad_checksum_nak", c.read() == b"-")
    c.send(b"$g#zz")
    check("raw_bad_checksum_digits_nak", c.read() == b"-")

    check("raw_unknown_empty", c.ask(b"vFooBar;1") == b"")
    check("raw_unknown_letter_empty", c.ask(b"j") == b"")
    check("raw_empty_packet", c.ask(b"") == b"")
    check("raw_overlong", c.ask(b"m" * 0x5000) == b"E01")
    check("raw_z3_refused", c.ask(b"Z3,%x,8" % COUNTER) == b"")
    check("raw_z4_refused", c.ask(b"Z4,%x,8" % COUNTER) == b"")
    check("raw_z2_too_long", c.ask(b"Z2,%x,9" % COUNTER).startswith(b"E"))
    check("raw_z0_junk", c.ask(b"Z0,zz,1").startswith(b"E"))
    check("raw_z0_unmapped", c.ask(b"Z0,ffffffffffff0000,1").startswith(b"E"))

    check("raw_read_value", c.ask(b"m%x,6" % VALUE) == b"b801000000c3")
    check("raw_read_unmapped", c.ask(b"mffffffffffff0000,4").startswith(b"E"))
    check("raw_read_bad", c.ask(b"m400000").startswith(b"E"))
    r = c.ask(b"m400000,ffffffff")
    check("raw_read_oversize_clamped", len(r) == 0x4000, "%d hex digits" % len(r))
    check("raw_read_rip", c.ask(b"p10") == b"0000400000000000")
    check("raw_read_eflags", c.ask(b"p11") == b"02000000")
    check("raw_read_no_reg", c.ask(b"p3e7").startswith(b"E"))
    check("raw_write_segment_refused", c.ask(b"P12=33000000").startswith(b"E"))
    check("raw_write_fpu_refused", c.ask(b"P18=" + b"00" * 10).startswith(b"E"))

    # binary X: every byte gdb must escape, and a NUL and 0xff
    data = bytes([0x23, 0x24, 0x7d, 0x2a, 0x00, 0xff])
    esc = b"".join(b"}" + bytes([b ^ 0x20]) if b in b"#$}*" else bytes([b]) for b in data)
    check("raw_x_probe", c.ask(b"X%x,0:" % COUNTER) == b"OK")
    check("raw_x_escapes", c.ask(b"X%x,6:" % COUNTER + esc) == b"OK")
    good = data.hex().encode()
    check("raw_x_readback", c.ask(b"m%x,6" % COUNTER) == good)
    r = c.ask(b"x%x,6" % COUNTER)
    check("raw_binary_read", r[:1] == b"b" and unescape(r[1:]) == data, r)
    check("raw_binary_read_code", c.ask(b"x%x,6" % VALUE) == b"b\xb8\x01\x00\x00\x00\xc3")
    # bad writes change nothing
    for name, pkt in (("m_junk", b"M%x,4:zzzzzzzz" % COUNTER), ("m_odd", b"M%x,2:123" % COUNTER),
                      ("m_len", b"M%x,2:112233" % COUNTER), ("m_nocolon", b"M%x,2" % COUNTER),
                      ("x_cut_escape", b"X%x,1:}" % COUNTER), ("x_len", b"X%x,4:ab" % COUNTER),
                      ("m_unmapped", b"Mffffffffffff0000,1:00")):
        check("raw_bad_write_" + name, c.ask(pkt).startswith(b"E"))
    check("raw_bad_writes_change_nothing", c.ask(b"m%x,6" % COUNTER) == good)
    check("raw_m_write", c.ask(b"M%x,8:0000000000000000" % COUNTER) == b"OK")

    # target.xml in small pieces
    xml, off = b"", 0
    while True:
        r = c.ask(b"qXfer:features:read:target.xml:%x,100" % off)
        xml += r[1:]
        off += len(r) - 1
        if r[:1] != b"m":
            break
    check("raw_target_xml", xml.startswith(b"<?xml") and xml.rstrip().endswith(b"</target>")
          and b'<reg name="rip" bitsize="64" type="code_ptr"/>' in xml and b'name="efer"' in xml, xml[:80])
    check("raw_target_xml_past_end", c.ask(b"qXfer:features:read:target.xml:ffff,10") == b"l")
    check("raw_xfer_other_annex", c.ask(b"qXfer:features:read:other.xml:0,10").startswith(b"E"))

    check("raw_threads", (c.ask(b"qfThreadInfo"), c.ask(b"qsThreadInfo"), c.ask(b"qC"), c.ask(b"qAttached"))
          == (b"m01", b"l", b"QC01", b"1"))
    check("raw_vcont_query", c.ask(b"vCont?") == b"vCont;c;C;s;S;t")

    # monitor stats: O packets of hex, then OK
    c.send(frame(b"qRcmd," + b"stats".hex().encode()))
    c.read()
    out = b""
    while True:
        r = c.packet()
        if r[:1] != b"O" or r == b"OK":
            break
        out += bytes.fromhex(r[1:].decode())
    check("raw_monitor_stats", r == b"OK" and b"monitor: runs=" in out, out[:80])
    check("raw_monitor_bad_hex", c.ask(b"qRcmd,zz").startswith(b"E"))

    # no-ack mode: no '+' from the stub any more; noise between packets and
    # a packet restarted by '$' are fine
    check("raw_noack", c.ask(b"QStartNoAckMode") == b"OK")
    c.ack = False
    check("raw_noack_reply", c.ask(b"?") == b"T05thread:01;")
    c.send(b"xyz\x01" + frame(b"?"))
    check("raw_noise", c.packet() == b"T05thread:01;")
    c.send(b"$m40$" + b"?#3f")
    check("raw_restarted_packet", c.packet() == b"T05thread:01;")
    c.send(b"\x03")             # a Ctrl-C while stopped: nothing to stop
    c.send(frame(b"?") * 500)   # a flood: every one answered
    n = sum(1 for _ in range(500) if c.packet() == b"T05thread:01;")
    check("raw_flood", n == 500, "%d replies" % n)
    check("raw_still_unchanged", c.ask(b"m%x,6" % VALUE) == b"b801000000c3")

    # stop replies say why: Z1 hwbreak, Z0 swbreak, Z2 watch (counter is
    # zeroed above; bump adds rbx = 10 to it)
    check("raw_z1", c.ask(b"Z1,40006a,1") == b"OK")
    check("raw_stop_hwbreak", c.ask(b"c") == b"T05hwbreak:;thread:01;")
    check("raw_z1_remove", c.ask(b"z1,40006a,1") == b"OK")
    check("raw_z1_remove_again", c.ask(b"z1,40006a,1").startswith(b"E"))
    check("raw_z0", c.ask(b"Z0,40006f,1") == b"OK")
    check("raw_stop_swbreak", c.ask(b"vCont;c") == b"T05swbreak:;thread:01;")
    check("raw_stop_swbreak_rip", c.ask(b"p10") == b"6f00400000000000")
    check("raw_z0_remove", c.ask(b"z0,40006f,1") == b"OK")
    check("raw_z2", c.ask(b"Z2,%x,8" % COUNTER) == b"OK")
    check("raw_stop_watch", c.ask(b"c") == b"T05watch:%x;thread:01;" % COUNTER)
    check("raw_watch_value", c.ask(b"m%x,8" % COUNTER) == b"0a00000000000000")
    check("raw_z2_remove", c.ask(b"z2,%x,8" % COUNTER) == b"OK")
    check("raw_step", c.ask(b"vCont;s:1;c") == b"T05thread:01;")
    check("raw_step_rip", c.ask(b"p10") == b"1900400000000000")     # bump's ret: back after the call
    check("raw_question", c.ask(b"?") == b"T05thread:01;")

    # one client at a time: a second is closed at once
    d = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
    try:
        second = d.recv(1)
    except ConnectionResetError:
        second = b""
    check("raw_second_client_closed", second == b"", second)
    d.close()
    check("raw_first_client_still_served", c.ask(b"?") == b"T05thread:01;")

    # a client that goes away mid-packet: the stub carries on (the guest runs)
    c.send(b"$m4000")
    c.s.close()
    return 1 if failed else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception as e:          # a protocol break is a failure, not a crash
        print("not ok raw_protocol: %s: %s" % (type(e).__name__, e))
        sys.exit(1)
