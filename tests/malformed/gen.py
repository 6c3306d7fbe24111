#!/usr/bin/env python3
"""Writes the malformed-input corpus (committed; run it again after changing
this file): guest images in images/ (each small and built from scratch, a
valid ELF64, ELF32 or Multiboot image with one thing broken, named after
what is broken), command scripts in scripts/ and traces in traces/.
tests/malformed/cases.txt says what scout must answer to each, and
tests/integration/malformed.sh checks it (with the special files --
FIFOs, /dev/null, directories, /proc files -- and plugins it makes)."""
import os, struct

HERE = os.path.dirname(os.path.abspath(__file__))
CODE64 = bytes([0x31, 0xc0, 0xe6, 0xf4, 0xeb, 0xfe])          # xor eax,eax; out 0xf4,al; jmp $


def elf64(entry=0x400000, phoff=64, phnum=None, phentsize=56, etype=2, machine=62, cls=2, data=1,
          segs=None, code=CODE64):
    segs = segs if segs is not None else [(1, 0x1000, 0x400000, len(code), len(code))]
    phnum = len(segs) if phnum is None else phnum
    hdr = b'\x7fELF' + bytes([cls, data, 1]) + bytes(9)
    hdr += struct.pack('<HHIQQQIHHHHHH', etype, machine, 1, entry, phoff, 0, 0, 64, phentsize, phnum, 64, 0, 0)
    ph = b''.join(struct.pack('<IIQQQQQQ', t, 5, off, addr, addr, fsz, msz, 0x1000) for t, off, addr, fsz, msz in segs)
    img = bytearray(hdr + ph)
    img += bytes(max(0, 0x1000 - len(img)))
    img[0x1000:0x1000] = code
    return bytes(img)


def elf32(entry=0x100000, segs=None, code=CODE64, machine=3):
    segs = segs if segs is not None else [(1, 0x1000, 0x100000, len(code), len(code))]
    hdr = b'\x7fELF' + bytes([1, 1, 1]) + bytes(9)
    hdr += struct.pack('<HHIIIIIHHHHHH', 2, machine, 1, entry, 52, 0, 0, 52, 32, len(segs), 40, 0, 0)
    ph = b''.join(struct.pack('<IIIIIIII', t, off, addr, addr, fsz, msz, 5, 0x1000) for t, off, addr, fsz, msz in segs)
    img = bytearray(hdr + ph)
    img += bytes(max(0, 0x1000 - len(img)))
    img[0x1000:0x1000] = code
    return bytes(img)


def multiboot(flags=0x10000, cksum=None, hdr_addr=0x100000, load=0x100000, load_end=0, bss_end=0,
              entry=0x100020, body=64):
    magic = 0x1BADB002
    ck = (-(magic + flags)) & 0xffffffff if cksum is None else cksum
    h = struct.pack('<III', magic, flags, ck)
    if flags & 0x10000:
        h += struct.pack('<IIIII', hdr_addr, load, load_end, bss_end, entry)
    return h + bytes([0xf4]) * body


def write(name, data):
    """name: KIND/FILE"""
    os.makedirs(os.path.join(HERE, os.path.dirname(name)), exist_ok=True)
    with open(os.path.join(HERE, name), 'wb') as f:
        f.write(data if isinstance(data, bytes) else data.encode())


# Each image: the function that builds it and what it is given.
ELF64_BROKEN = {
    'bad-class': dict(cls=3), 'big-endian': dict(data=2), 'not-executable': dict(etype=1),
    'wrong-machine': dict(machine=40), 'no-phdrs': dict(phnum=0), 'phentsize-small': dict(phentsize=8),
    'phoff-past-end': dict(phoff=0x7ffffff0), 'phnum-past-end': dict(phnum=0xffff),
    'segment-past-eof': dict(segs=[(1, 0x10000000, 0x400000, 6, 6)]),
    'filesz-gt-memsz': dict(segs=[(1, 0x1000, 0x400000, 6, 2)]),
    'segment-outside-ram': dict(segs=[(1, 0x1000, 0x100000000, 6, 6)]),
    'segment-wraps': dict(segs=[(1, 0x1000, 0xfffffffffffff000, 6, 0x2000)]),
    'segment-in-reserved': dict(entry=0x3ff0000, segs=[(1, 0x1000, 0x3ff0000, 6, 6)]),
    'huge-memsz': dict(segs=[(1, 0x1000, 0x400000, 6, 0x7fffffffffffffff)]),
    'no-load-segment': dict(segs=[(4, 0x1000, 0x400000, 6, 6)]),
    '33-segments': dict(segs=[(1, 0x1000, 0x400000 + 0x1000 * i, 6, 6) for i in range(33)]),
    'entry-outside-ram': dict(entry=0x80000000), 'entry-outside-segments': dict(entry=0x500000),
    'entry-zero': dict(entry=0),
}
ELF32_BROKEN = {
    'entry-outside-segments': dict(entry=0x200000), 'wrong-machine': dict(machine=62),
    'segment-outside-ram': dict(segs=[(1, 0x1000, 0xfffff000, 6, 0x2000)]),
}
MULTIBOOT_BROKEN = {
    'bad-checksum': dict(cksum=0x12345678), 'unsupported-flags': dict(flags=0x10004),
    'load-after-header': dict(hdr_addr=0x100000, load=0x100100), 'load-end-past-file': dict(load_end=0x200000),
    'bss-below-load-end': dict(load_end=0x100040, bss_end=0x100010),
    'load-outside-ram': dict(hdr_addr=0xf0000000, load=0xf0000000, entry=0xf0000020),
    'entry-outside-image': dict(entry=0x900000), 'not-elf-no-addresses': dict(flags=0),
}


def images():
    for kind, make, ext, table in (('elf64', elf64, 'elf', ELF64_BROKEN), ('elf32', elf32, 'elf', ELF32_BROKEN),
                                   ('mb', multiboot, 'bin', MULTIBOOT_BROKEN)):
        for name, kw in table.items():
            write('images/%s-%s.%s' % (kind, name, ext), make(**kw))
    above = bytearray(elf64(entry=0x100000000))
    above[0x80:0x8c] = multiboot(flags=0)[:12]          # an ELF kernel's header, after the phdrs
    other = {
        'elf64-truncated-header.elf': elf64()[:40], 'elf64-magic-only.elf': b'\x7fELF',
        'mb-aout-truncated.bin': multiboot()[:20], 'mb-elf-entry-outside-ram.bin': bytes(above),
        'bootsector-511-bytes.bin': bytes(509) + b'\x55\xaa', 'bootsector-no-signature.bin': bytes(512),
        'junk-100-zeros.bin': bytes(100), 'junk-random.bin': bytes((i * 131 + 7) & 0xff for i in range(3000)),
        'one-byte.bin': b'\x90', 'empty.bin': b'',
    }
    for name, data in other.items():
        write('images/' + name, data)


def scripts():
    w = lambda name, data: write('scripts/' + name, data)
    w('binary-elf.scout', b'echo a\n' + elf64()[:64] + b'\n')
    w('nul.scout', b'echo a\0b\n')
    w('esc.scout', b'echo \x1b[31mred\n')
    w('del.scout', b'echo a\x7f\n')
    w('c1-raw-csi.scout', b'echo \x9b' b'31m\n')
    w('c1-utf8-csi.scout', b'echo \xc2\x9b' b'31m\n')
    w('bad-utf8.scout', b'echo \xc0\xaf\n')
    w('surrogate.scout', b'# fine\necho \xed\xa0\x80\n')
    w('long-line.scout', b'echo ' + b'a' * 5000 + b'\n')
    w('unknown-command.scout', 'frobnicate\n')
    w('bad-number.scout', 'x/4x 0xzz\n')
    w('octal-8.scout', 'break 08\n')
    w('negative-count.scout', 'stepi -1\n')
    w('huge-count.scout', 'stepi 99999999999999999999999\n')
    w('depth-negative.scout', 'set depth -1\n')
    w('depth-overflow.scout', 'set depth 99999999999999999999\n')
    w('poke-bare-0x.scout', 'poke 0x400000 0x\n')
    w('poke-odd-digits.scout', 'poke 0x400000 909\n')
    w('poke-minus-one.scout', 'poke 0x400000 -1\n')
    w('source-self.scout', 'source tests/malformed/scripts/source-self.scout\n')
    w('quit-300.scout', 'quit 300\n')
    w('trace-on-directory.scout', 'trace on /\n')
    w('trace-on-dev-null.scout', 'trace on /dev/null\n')
    w('source-dev-zero.scout', 'source /dev/zero\n')
    w('source-proc-dir.scout', 'source /proc/self\n')
    w('x-unmapped.scout', 'x/4x 0xffffffff00000000\n')
    w('plugin-load-dev-null.scout', 'plugin load /dev/null\n')
    w('plugin-load-directory.scout', 'plugin load /tmp\n')
    w('empty-line-then-junk.scout', '\n\n# comment\n   \nbreak 0x\n')


def traces():
    w = lambda name, data: write('traces/' + name, data)
    hdr = 'scout-trace 1\n'
    w('empty.trace', '')
    w('no-header.trace', '1 run-start mode=long64\n')
    w('wrong-version.trace', 'scout-trace 2\n')
    w('header-junk.trace', 'scout-trace one\n')
    w('crlf.trace', 'scout-trace 1\r\n1 a\r\n')
    w('nul.trace', hdr + '1 a x=\0\n')
    w('no-final-newline.trace', hdr + '1 a x=1')
    w('seq-gap.trace', hdr + '1 a\n3 a\n')
    w('seq-starts-at-2.trace', hdr + '2 a\n')
    w('seq-leading-zero.trace', hdr + '01 a\n')
    w('seq-overflow.trace', hdr + '99999999999999999999999 a\n')
    w('no-type.trace', hdr + '1\n')
    w('bad-type.trace', hdr + '1 Run_Start\n')
    w('extra-space.trace', hdr + '1  a\n')
    w('trailing-space.trace', hdr + '1 a \n')
    w('field-no-equals.trace', hdr + '1 a x\n')
    w('empty-key.trace', hdr + '1 a =1\n')
    w('bad-key.trace', hdr + '1 a X=1\n')
    w('equals-in-value.trace', hdr + '1 a x=1=2\n')
    w('bad-escape.trace', hdr + '1 a x=%zz\n')
    w('esc-byte.trace', hdr + '1 a x=\x1b[2J\n')
    w('c1-byte.trace', (hdr + '1 a x=').encode() + b'\xc2\x9b\n')
    w('empty-line.trace', hdr + '1 a\n\n')
    w('binary.trace', bytes(range(256)) * 4)
    w('long-line.trace', hdr + '1 a x=' + 'v' * 70000 + '\n')


if __name__ == '__main__':
    images()
    scripts()
    traces()
