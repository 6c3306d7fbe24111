#!/usr/bin/env python3
"""Seeds for the fuzzers (tests/fuzz/fuzz_*.c), written into OUTDIR:

  seeds.py prescan OUTDIR GUEST...   code of the built test guests and 4 KiB
                                     chunks of libc's .text, each behind the
                                     6-byte header (mode, depth 16, entry 0)
  seeds.py loader OUTDIR GUEST...    the test guests behind the 20-byte
                                     option header (auto, flat per mode ...)
  seeds.py trace OUTDIR TRACE...     golden traces (the first 64 KiB of lines)
  seeds.py emul OUTDIR               branch and flag instructions in 16-, 32-
                                     and 64-bit states
  seeds.py commands OUTDIR           command scripts as the tests write them

Real code makes the prescan fuzzer's inputs start where guests are, not at
116 bytes: with -max_len 8300 both pages of its code area are used."""
import os, struct, subprocess, sys

LIBC = '/lib/x86_64-linux-gnu/libc.so.6'


def write(outdir, name, data):
    with open(os.path.join(outdir, name), 'wb') as f:
        f.write(data)


def elf_sections(path):
    """(name, offset, size, is_code) of an ELF's sections with contents."""
    data = open(path, 'rb').read()
    if data[:4] != b'\x7fELF':
        return data, []
    c64 = data[4] == 2
    if c64:
        shoff, = struct.unpack_from('<Q', data, 0x28)
        shentsize, shnum, shstrndx = struct.unpack_from('<HHH', data, 0x3a)
    else:
        shoff, = struct.unpack_from('<I', data, 0x20)
        shentsize, shnum, shstrndx = struct.unpack_from('<HHH', data, 0x2e)
    secs = []
    for i in range(shnum):
        o = shoff + i * shentsize
        if c64:
            name, typ, flags, _addr, off, size = struct.unpack_from('<IIQQQQ', data, o)
        else:
            name, typ, flags, _addr, off, size = struct.unpack_from('<IIIIII', data, o)
        secs.append([name, typ, flags, off, size])
    strtab = secs[shstrndx]
    out = []
    for name, typ, flags, off, size in secs:
        end = data.index(b'\0', strtab[3] + name)
        nm = data[strtab[3] + name:end].decode()
        if typ == 1:                        # SHT_PROGBITS
            out.append((nm, off, size, bool(flags & 4)))
    return data, out


def code_of(path):
    """Code bytes and their mode (16/32/64) of a test guest."""
    data, secs = elf_sections(path)
    if path.endswith('.bootsect') or path.endswith('.bin'):
        return [(16 if path.endswith('.bootsect') else 32, data)]
    if not secs:                            # flat binaries
        return [(64 if '64' in os.path.basename(path) else 32, data)]
    mode = 64 if data[4] == 2 else 32
    return [(mode, data[o:o + s]) for _n, o, s, x in secs if x and s]


def prescan(outdir, guests):
    mode_byte = {16: 0, 32: 1, 64: 2}
    n = 0
    for g in guests:
        for mode, code in code_of(g):
            for start in range(0, max(len(code), 1), 4096):
                chunk = code[start:start + 8192]
                hdr = bytes([mode_byte[mode], 16, 0, 0, 0, 0])
                write(outdir, 'guest-%s-%x' % (os.path.basename(g), start), hdr + chunk)
                n += 1
    if os.path.exists(LIBC):
        data, secs = elf_sections(LIBC)
        text = [(o, s) for nm, o, s, x in secs if nm == '.text']
        if text:
            off, size = text[0]
            step = max(size // 48, 4096)
            for k in range(48):
                o = off + k * step
                if o + 8192 > off + size:
                    break
                depth = [0, 16, 512][k % 3]
                hdr = bytes([2, depth & 0xff, depth >> 8, (k * 37) & 0xff, 0, 0])
                write(outdir, 'libc-text-%02d' % k, hdr + data[o:o + 8192])
                n += 1
    return n


def each_file(outdir, paths, make):
    """make(name, bytes) -> the seed for each file; returns the count."""
    for p in paths:
        write(outdir, os.path.basename(p), make(os.path.basename(p), open(p, 'rb').read()))
    return len(paths)


def loader_seed(base, data):
    if base.endswith('.flat32') or base.endswith('.flat64'):
        fmt, mode, load = 4, (1 if base.endswith('32') else 2), 0x200000
    elif base.endswith('.bootsect'):
        fmt, mode, load = 3, 0, 0x7c00
    else:
        fmt, mode, load = 0, 0, 0
    flags = 0x2 if load else 0
    if 'mb' in base:
        flags |= 0x18                       # a module and a command line
    hdr = bytes([fmt | mode << 3, flags]) + struct.pack('<QQH', load, load, 64)
    return hdr + data + b'module bytes' * 5 + b'!!!!'


def trace_seed(_base, data):
    if len(data) > 65536:
        data = data[:data.rindex(b'\n', 0, 65536) + 1]
    return data


def emul(outdir):
    insns = {
        'jmp8': b'\xeb\x10', 'jmp32': b'\xe9\x00\x01\x00\x00', 'jz': b'\x74\x05', 'jnz32': b'\x0f\x85\x10\x00\x00\x00',
        'call': b'\xe8\x00\x10\x00\x00', 'ret': b'\xc3', 'ret16': b'\xc2\x08\x00', 'jmprax': b'\xff\xe0',
        'callmem': b'\xff\x15\x00\x10\x00\x00', 'jmpsib': b'\xff\x24\xc5\x00\x20\x00\x00', 'pushf': b'\x9c',
        'popf': b'\x9d', 'cli': b'\xfa', 'sti': b'\xfb', 'loop': b'\xe2\xfe', 'jrcxz': b'\xe3\x02',
        'iret': b'\xcf', 'int': b'\xcd\x10', 'int3': b'\xcc', 'into': b'\xce', 'farjmp': b'\xea\x00\x10\x00\x00\x08\x00',
        'farcall': b'\x9a\x00\x10\x00\x00\x08\x00', 'retf': b'\xcb', 'o16jmp': b'\x66\xe9\x10\x00',
        'o16call': b'\x66\xe8\x10\x00', 'ljmpm': b'\xff\x2d\x00\x10\x00\x00', 'nop': b'\x90',
        'syscall': b'\x0f\x05', 'mov': b'\x48\x89\xc3',
    }
    n = 0
    for mname, modes in (('real', 0x40), ('p16', 0x0), ('p32', 0x5), ('l64', 0x10a), ('l64amd', 0x18a),
                         ('p32cpl3', 0x35)):
        for iname, b in insns.items():
            gpr = [0x1000 * (i + 1) for i in range(16)]
            gpr[4] = 0x3000                  # rsp
            cpu = struct.pack('<16Q', *gpr) + struct.pack('<QQ', 0x100, 0x246)
            cpu += struct.pack('<6Q', 0, 0x1000 if mname in ('real', 'p16') else 0, 0, 0, 0, 0)
            cpu += struct.pack('<HIH', 0x08, 0xffff if mname != 'l64' else 0, modes)
            cpu += struct.pack('<IIIHHH', 0x2000, 0, 0x2800, 0x2f, 0, 0x7ff)
            mem = bytearray(16384)
            # a GDT with a flat code and data segment, an IDT of present gates, a stack of return addresses
            struct.pack_into('<QQQ', mem, 0x2000, 0, 0x00cf9a000000ffff, 0x00cf92000000ffff)
            for v in range(0, 0x800 // 16):
                struct.pack_into('<HHBBHII', mem, 0x2800 + 16 * v, 0x1000 + v, 0x08, 0, 0x8e, 0, 0, 0)
            for k in range(0, 0x100, 8):
                struct.pack_into('<Q', mem, 0x3000 + k, 0x1200 + k)
            write(outdir, '%s-%s' % (mname, iname), cpu + b.ljust(15, b'\x90') + bytes(mem[:0x3200]))
            n += 1
    return n


def commands(outdir):
    scripts = [
        'break 0x400000\nrun\ninfo registers\nx/8xg $rsp\ndisas\nstepi 3\ncontinue\n',
        'pstart 0x400000\npstep 5\nmap 0x400000\nattr 0x400000\nstats\n',
        'prescan 0x400010\npoke 0x400020 9090\nx/4i 0x400020\ninfo pages\ninfo breakpoints\n',
        'set depth 0\nshow depth\nset on-error stop\nshow\nhelp x\nhelp\necho hi\\n\n',
        'stepi\nstepi 2\nbreak 0x400030\ndelete 1\ninfo trace\ncontinue 2\nscreen 100x40\n',
        'xp/16xb 0x400000\nx/3s 0x400100\ndisas 0x400000 20\ninfo host\nquit 3\n',
        'trace on fuzz.trace\nrun\ntrace off\n',
    ]
    for i, s in enumerate(scripts):
        write(outdir, 'script-%d' % i, s.encode())
    return len(scripts)


def main():
    target, outdir, rest = sys.argv[1], sys.argv[2], sys.argv[3:]
    os.makedirs(outdir, exist_ok=True)
    n = {'prescan': lambda: prescan(outdir, rest), 'loader': lambda: each_file(outdir, rest, loader_seed),
         'trace': lambda: each_file(outdir, rest, trace_seed), 'emul': lambda: emul(outdir),
         'commands': lambda: commands(outdir)}[target]()
    print('%s: %d seeds in %s' % (target, n, outdir))


if __name__ == '__main__':
    main()
