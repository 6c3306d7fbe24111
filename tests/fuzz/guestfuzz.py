#!/usr/bin/env python3
"""Guest-code fuzzer: random guest programs, run under --raw and enforced,
must give the same output and exit status.

Each seed makes one 64-bit program (GNU as source), built with as/ld like
the test guests.  It runs at CPL 0 or 3, enforced at depth 0, 1 or 16:
  - straight-line integer code on all general registers, loads and stores
    on a data page, balanced PUSH/POP and PUSHF/POPF (arithmetic flags);
  - forward conditional branches, counted loops, calls to functions in
    other pages, direct and through a table (indirect);
  - port I/O (an unknown port: virtualize, stepped in place);
  - self-modifying code: "slots" (5-byte MOV/ADD/SUB/XOR/AND/OR imm32 to
    EAX, executed in runs) rewritten by byte, dword, qword and 16-byte SSE
    stores, by REP MOVSB, from before the run and from inside it (the
    next instruction), and runs that straddle a page boundary;
  - in one program of five, any byte or qword stored into code that runs
    (it may fault, loop or decode differently -- the same under --raw);
  - at CPL 0, the guest's own IDT and UD2s its #UD handler skips; in one
    program of four, the stack in a page with code.
At the end the program prints every register and an FNV-1a hash of its
data page.  (Code pages are not hashed: a guest reading its own code sees
scout's trap bytes, the documented limit.)

  guestfuzz.py --scout S [--seeds A:B | --seconds N] [--out DIR] [--print SEED]
               [--scout-args "--links on --smc insn"]

--scout-args: more options for the enforced runs (split on blanks), the
technique switches say; the raw run has none.

Same means: exit status, output, and -- when the guest did not end through
the exit device -- scout's report of how it ended (registers included).
Prints one line per mismatch and a summary line; exit 1 if any mismatch.
A mismatch leaves SEED.s and both outputs in DIR (default
build/fuzz/guest)."""
import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
REGS = ["rax", "rbx", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12", "r13", "r14"]
R32 = {"rax": "eax", "rbx": "ebx", "rcx": "ecx", "rdx": "edx", "rsi": "esi", "rdi": "edi"}
for _i in range(8, 15):
    R32["r%d" % _i] = "r%dd" % _i
SLOT_OPS = [0xB8, 0x05, 0x2D, 0x35, 0x25, 0x0D]   # mov/add/sub/xor/and/or imm32, %eax
DATA_SIZE = 4096
NFUNCS = 6


class Gen:
    def __init__(self, seed, cpl, own_idt=True, defined_flags=False):
        self.own_idt = own_idt
        self.r = random.Random(seed)
        self.cpl = cpl
        # defined_flags (--deprivilege): raw runs CPL 0 code in the host's
        # emulator, deprivileged the CPU runs it, and the two compute the
        # flags the SDM leaves undefined (IMUL's SF/ZF, OF after a multi-bit
        # shift, AF after a logic op...) each their own way.  A CMP after
        # every piece defines them all before anything reads them, and no
        # random bytes run (they could be any such instruction), so what
        # is left to differ is the deprivileging.
        self.defined_flags = defined_flags
        self.wild = self.r.random() < 0.2 and not defined_flags   # random bytes into code, too
        self.code_stack = self.r.random() < 0.25   # the stack in a page with code
        self.labels = []                           # slots, for wild stores
        self.lab = 0
        self.funcs = []             # function bodies, one per page

    def label(self):
        self.lab += 1
        return "L%d" % self.lab

    def reg(self):
        return self.r.choice(REGS)

    def imm(self):
        return self.r.choice([0, 1, -1, 0x7f, 0x80, 0xffff, self.r.getrandbits(31), -self.r.getrandbits(31)])

    def off(self, size):
        return self.r.randrange(0, (DATA_SIZE - 128) // size) * size

    # ── instruction kinds ────────────────────────────────────────────
    def alu(self):
        r1, r2 = self.reg(), self.reg()
        k = self.r.randrange(14)
        if k == 0:
            return ["%s %%%s, %%%s" % (self.r.choice(["add", "sub", "xor", "and", "or", "adc", "sbb", "cmp", "test"]), r1, r2)]
        if k == 1:
            return ["imul %%%s, %%%s" % (r1, r2)]
        if k == 2:
            return ["%s $%d, %%%s" % (self.r.choice(["rol", "ror", "shl", "shr", "sar"]), self.r.randrange(64), r1)]
        if k == 3:
            return ["lea %d(%%%s,%%%s,%d), %%%s" % (self.imm() & 0xffff, r1, r2, self.r.choice([1, 2, 4, 8]), self.reg())]
        if k == 4:
            return ["%s %%%s" % (self.r.choice(["not", "neg", "inc", "dec", "bswap"]), r1)]
        if k == 5:
            return ["mov $%d, %%%s" % (self.imm(), R32[r1])]
        if k == 6:
            return ["movabs $0x%x, %%%s" % (self.r.getrandbits(64), r1)]
        if k == 7:
            return ["%s %%%s, %%%s" % (self.r.choice(["add", "xor", "sub", "imul"]), R32[r1], R32[r2])]
        if k == 8:
            return ["cmov%s %%%s, %%%s" % (self.r.choice(["z", "nz", "c", "nc", "s", "ns", "o", "l", "g", "be", "a"]), r1, r2)]
        if k == 9:
            return ["set%s %%al" % self.r.choice(["z", "c", "s", "o", "p", "l"]), "movzbl %al, %eax"]
        if k == 10:
            return ["xchg %%%s, %%%s" % (r1, r2)]
        if k == 11:
            return ["bt $%d, %%%s" % (self.r.randrange(64), r1), "adc $0, %%%s" % r2]
        if k == 12 and self.cpl == 3:     # KVM's emulator (CPL 0 here) has no POPCNT/LZCNT/TZCNT
            return ["%s %%%s, %%%s" % (self.r.choice(["popcnt", "lzcnt", "tzcnt"]), r1, r2)]
        return ["movsx %%%s, %%%s" % (self.r.choice(["ax", "bx", "cx", "dx"]), r1)]

    def mem(self):
        r1 = self.reg()
        size = self.r.choice([1, 2, 4, 8])
        o = self.off(size)
        reg = {1: None, 2: None, 4: R32[r1], 8: r1}[size]
        k = self.r.randrange(5)
        if size < 4:
            sfx = "b" if size == 1 else "w"
            if k < 2:
                return ["mov%s $%d, %d(%%rbp)" % (sfx, self.r.getrandbits(8 * size), o)]
            return ["movz%sl %d(%%rbp), %%%s" % (sfx, o, R32[r1])]
        if k == 0:
            return ["mov %%%s, %d(%%rbp)" % (reg, o)]
        if k == 1:
            return ["mov %d(%%rbp), %%%s" % (o, reg)]
        if k == 2:
            return ["add %%%s, %d(%%rbp)" % (reg, o)]
        if k == 3:
            return ["lock xadd %%%s, %d(%%rbp)" % (reg, o)]
        return ["xor %d(%%rbp), %%%s" % (o, reg)]

    def stack(self):
        r1, r2 = self.reg(), self.reg()
        if self.r.random() < 0.5:
            return ["push %%%s" % r1, "pop %%%s" % r2]
        # flags through the stack: only the arithmetic ones may change
        return ["pushf", "pop %%%s" % r1, "and $0x8d5, %%%s" % R32[r1], "or $2, %%%s" % R32[r1],
                "pushf", "andq $~0x8d5, (%rsp)", "or %%%s, (%%rsp)" % r1, "popf"]

    def io(self):
        return ["out %%al, $0x%x" % self.r.choice([0x80, 0x81, 0x84])]

    def call(self):
        if not self.funcs:
            return []
        i = self.r.randrange(len(self.funcs))
        if self.r.random() < 0.5:
            return ["call f%d" % i]
        r1 = self.r.choice(["rax", "rbx", "rsi"])
        return ["mov %%%s, %%r15" % r1, "and $%d, %%r15" % 7, "call *ftab(%rbp,%r15,8)"]

    def slot_run(self, lab, n, patch_inside):
        """n slots executed in a run, slot i at label lab_i; with
        patch_inside, stores between the slots rewrite later ones (the next
        instruction, often) -- then the slots are not contiguous, and every
        store targets one slot."""
        out = []
        for i in range(n):
            out += ["%s_%d:" % (lab, i), ".byte 0x%02x; .long 0x%08x" % (self.r.choice(SLOT_OPS), self.r.getrandbits(32))]
            if patch_inside and i + 1 < n and self.r.random() < 0.4:
                out += self.slot_store("%s_%d" % (lab, self.r.randrange(i + 1, n)), 1)
        return out

    def slot_bytes(self, k):
        b = []
        for _ in range(k):
            b.append(self.r.choice(SLOT_OPS))
            b += list(self.r.getrandbits(32).to_bytes(4, "little"))
        return b

    def slot_store(self, base, avail):
        """A store at slot label base (avail contiguous slots from there)
        that leaves valid slots behind."""
        k = self.r.randrange(6)
        if k == 0:          # one immediate byte
            return ["movb $0x%02x, %s+%d(%%rip)" % (self.r.getrandbits(8), base, self.r.randrange(1, 5))]
        if k == 1:          # an opcode
            return ["movb $0x%02x, %s(%%rip)" % (self.r.choice(SLOT_OPS), base)]
        if k == 3 and avail >= 2:   # 8 bytes: a slot and most of the next
            b = self.slot_bytes(2)[:8]
            return ["movabs $0x%x, %%r15" % int.from_bytes(bytes(b), "little"), "mov %%r15, %s(%%rip)" % base]
        if k == 4 and avail >= 4:   # 16 bytes, SSE
            b = self.slot_bytes(4)[:16]
            lo = int.from_bytes(bytes(b[:8]), "little")
            hi = int.from_bytes(bytes(b[8:]), "little")
            o = self.off(16)        # (KVM's emulator, CPL 0 here, has no MOVQ to XMM)
            return ["movabs $0x%x, %%r15" % lo, "mov %%r15, %d(%%rbp)" % o, "movabs $0x%x, %%r15" % hi,
                    "mov %%r15, %d(%%rbp)" % (o + 8), "movdqu %d(%%rbp), %%xmm0" % o,
                    "movdqu %%xmm0, %s(%%rip)" % base]
        if k == 5:          # REP MOVSB of whole slots from the data page
            n = self.r.randrange(1, min(avail, 3) + 1)
            o = self.off(16)
            b = self.slot_bytes(n)
            out = ["movb $0x%02x, %d(%%rbp)" % (x, o + i) for i, x in enumerate(b)]
            return out + ["push %rsi", "push %rdi", "push %rcx", "lea %d(%%rbp), %%rsi" % o,
                          "lea %s(%%rip), %%rdi" % base, "mov $%d, %%ecx" % len(b), "rep movsb",
                          "pop %rcx", "pop %rdi", "pop %rsi"]
        return ["movl $0x%08x, %s+1(%%rip)" % (self.r.getrandbits(32), base)]

    def wild_store(self):
        """Any byte or qword into code that runs: a program may then fault,
        loop or run something else -- the same under --raw."""
        lab = self.r.choice(self.labels)
        if self.r.random() < 0.7:
            return ["movb $0x%02x, %s+%d(%%rip)" % (self.r.getrandbits(8), lab, self.r.randrange(5))]
        return ["movabs $0x%x, %%r15" % self.r.getrandbits(64), "mov %%r15, %s+%d(%%rip)" % (lab, self.r.randrange(5))]

    def smc(self):
        """A run of slots, rewritten by a store just before it (and maybe
        from inside); it may run again (loops, functions)."""
        n = self.r.randrange(1, 6)
        lab = self.label()
        inside = self.r.random() < 0.5
        first = self.r.randrange(n)
        pre = self.slot_store("%s_%d" % (lab, first), 1 if inside else n - first)
        self.labels += ["%s_%d" % (lab, i) for i in range(n)]
        return pre + self.slot_run(lab, n, inside)

    def simple(self, depth):
        out = self.simple_any(depth)
        if self.defined_flags:
            out = out + ["cmp %%%s, %%%s" % (self.reg(), self.reg())]
        return out

    def simple_any(self, depth):
        k = self.r.random()
        if k < 0.40:
            return self.alu()
        if k < 0.60:
            return self.mem()
        if k < 0.66:
            return self.stack()
        if k < 0.70:
            return self.io()
        if k < 0.72 and self.cpl == 0 and self.own_idt:
            return ["ud2"]              # into the guest's #UD handler, which skips it
        if k < 0.74 and self.wild and self.labels:
            return self.wild_store()
        if k < 0.80 and depth < 2:
            return self.call()
        if k < 0.90:
            return self.smc()
        if k < 0.95 and depth < 3:
            end = self.label()
            body = self.block(self.r.randrange(1, 5), depth + 1)
            return ["j%s %s" % (self.r.choice(["z", "nz", "c", "nc", "s", "ns", "l", "ge", "be", "a"]), end)] + body + ["%s:" % end]
        if depth < 2:
            top = self.label()
            return ["push %r15", "mov $%d, %%r15d" % self.r.randrange(1, 6), "%s:" % top, "push %r15"] + \
                   self.block(self.r.randrange(1, 6), depth + 2) + ["pop %r15", "dec %r15d", "jnz %s" % top, "pop %r15"]
        return self.alu()

    def block(self, n, depth):
        out = []
        for _ in range(n):
            out += self.simple(depth)
        return out

    def program(self):
        cpl = self.cpl
        # functions first: each in its own page (calls cross pages)
        fbodies = []
        for i in range(NFUNCS):
            self.funcs = []             # no calls from functions: no recursion
            body = self.block(self.r.randrange(1, 8), 2)
            fbodies.append(body)
        self.funcs = list(range(NFUNCS))
        main = self.block(self.r.randrange(20, 80), 0)
        init = []
        for i, reg in enumerate(REGS):
            init.append("movabs $0x%x, %%%s" % (self.r.getrandbits(64), reg))
        s = ["# guestfuzz program, cpl %d" % cpl, ".code64", ".globl _start", ".text", "_start:",
             "lea data(%rip), %rbp"]
        for i in range(8):      # the call table: 8 entries over the functions
            s += ["lea f%d(%%rip), %%rax" % (i % NFUNCS), "mov %%rax, ftab+%d(%%rbp)" % (8 * i)]
        if cpl == 0 and self.own_idt:   # the guest's own IDT: #UD skips the UD2, counted
            s += ["lea h_ud(%rip), %rax", "lea idt+6*16(%rip), %rdi", "mov %ax, (%rdi)", "movw $0x08, 2(%rdi)",
                  "movb $0x8e, 5(%rdi)", "shr $16, %rax", "mov %ax, 6(%rdi)", "shr $16, %rax", "mov %eax, 8(%rdi)",
                  "lidt idtr(%rip)"]
        if self.code_stack:
            s += ["lea cstack_top(%rip), %rsp"]
        s += init + main + ["jmp done"]
        # a page-straddling run: starts 7 bytes before a page boundary
        s += [".balign 4096", ".skip 4089", "jmp 1f", ".balign 4096"]
        for i, body in enumerate(fbodies):
            if i == 0:
                s.pop()         # f0 straddles: it follows the skip above
            else:
                s.append(".balign 4096")
            s += ["f%d:" % i] + body + ["ret"]
        s += ["1:", "jmp done", ".balign 4096", "h_ud:", "addq $2, (%rsp)",
              "incq data+%d(%%rip)" % (DATA_SIZE - 128), "iretq",
              ".balign 16", "cstack: .fill 1024, 1, 0", "cstack_top:", "nop",
              ".balign 4096", "done:"]
        # dump: registers, then the data page's FNV-1a hash
        s += ["push %r14", "push %r13", "push %r12", "push %r11", "push %r10", "push %r9",
              "push %r8", "push %rdi", "push %rsi", "push %rdx", "push %rcx", "push %rbx", "push %rax",
              "mov $13, %r14d", "9:", "pop %rax", "mov $16, %cl", "call puthex", "mov $' ', %al",
              "out %al, $0xe9", "dec %r14d", "jnz 9b", "call putnl",
              "mov $0xcbf29ce484222325, %rax", "movabs $0x100000001b3, %rbx", "xor %ecx, %ecx",
              "8:", "movzbl (%rbp,%rcx), %edx", "xor %rdx, %rax", "imul %rbx, %rax", "inc %ecx",
              "cmp $%d, %%ecx" % DATA_SIZE, "jne 8b", "mov $16, %cl", "call puthex", "call putnl",
              "xor %eax, %eax", "jmp exit", '.include "tests/guests/common64.inc"',
              ".data", ".balign 4096", "data: .fill %d, 1, 0" % DATA_SIZE, ".equ ftab, %d" % (DATA_SIZE - 64),
              "idtr: .word 4095", ".quad idt", ".balign 4096", "idt: .fill 4096, 1, 0"]
        return "\n".join(x if x.endswith(":") or x.startswith(".") or x.startswith("#") else "    " + x for x in s) + "\n"


def build(src, d):
    s = os.path.join(d, "g.s")
    o = os.path.join(d, "g.o")
    e = os.path.join(d, "g.elf64")
    with open(s, "w") as f:
        f.write(src)
    p = subprocess.run(["as", "--64", "-o", o, s], cwd=TOP, capture_output=True)
    if p.returncode:
        sys.exit("guestfuzz: the generator made a program as rejects (%s):\n%s" % (s, p.stderr.decode()[:2000]))
    subprocess.run(["ld", "-m", "elf_x86_64", "-z", "max-page-size=0x1000", "-z", "noexecstack",
                    "--no-warn-rwx-segments", "-Ttext=0x400000", "-e", "_start", "-o", e, o],
                   check=True, capture_output=True)
    return e


def run(cmd, timeout=60):
    try:
        p = subprocess.run(cmd, capture_output=True, timeout=timeout)
        return p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired:
        return None, b"", b"timeout"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--scout", required=True)
    ap.add_argument("--seeds", help="A:B, the seeds A..B-1")
    ap.add_argument("--seconds", type=float, help="run new seeds (from the clock) for this long")
    ap.add_argument("--out", default=os.path.join(TOP, "build", "fuzz", "guest"))
    ap.add_argument("--print", dest="show", type=int, help="print the program of this seed and exit")
    ap.add_argument("--deprivilege", action="store_true",
                    help="CPL 0 programs, enforced run with --deprivilege")
    ap.add_argument("--scout-args", default="", help="more options for the enforced runs")
    a = ap.parse_args()
    if a.show is not None:
        r = random.Random(a.show)
        sys.stdout.write(Gen(a.show, r.choice([0, 3])).program())
        return 0
    if a.seeds:
        lo, hi = (int(x) for x in a.seeds.split(":"))
        seeds = iter(range(lo, hi))
        deadline = None
    else:
        start = int(time.time()) * 1000
        seeds = iter(range(start, start + 10 ** 9))
        deadline = time.time() + (a.seconds or 60)
    d = tempfile.mkdtemp(prefix="guestfuzz")

    n = execs = bad = skipped = 0
    statuses = {}
    t0 = time.time()
    try:
        for seed in seeds:
            if deadline and time.time() > deadline:
                break
            r = random.Random(seed)
            cpl = r.choice([0, 3])
            depth = r.choice([0, 1, 16])
            if a.deprivilege:
                cpl = 0
            src = Gen(seed, cpl, defined_flags=a.deprivilege).program()
            img = build(src, d)
            raw = run([a.scout, "--raw", "--cpl", str(cpl), img])
            # (enforced may be far slower: a program that hammers a page
            # holding code makes an exit per store)
            enf = run([a.scout, "--depth", str(depth), "--cpl", str(cpl)] + a.scout_args.split() +
                      (["--deprivilege"] if a.deprivilege else []) + [img], timeout=300)
            n += 1
            execs += 2
            statuses[raw[0]] = statuses.get(raw[0], 0) + 1
            if raw[0] is None or b"KVM internal error" in raw[2]:
                skipped += 1        # runs too long raw, or this host's KVM cannot run it: no reference
                continue
            same = raw[0] == enf[0] and raw[1] == enf[1] and \
                (raw[0] in (0, 1) or raw[2] == enf[2])
            if not same:
                bad += 1
                os.makedirs(a.out, exist_ok=True)
                shutil.copy(os.path.join(d, "g.s"), os.path.join(a.out, "%d.s" % seed))
                with open(os.path.join(a.out, "%d.txt" % seed), "wb") as f:
                    f.write(b"cpl %d depth %d %s\n--- raw status %s\n%s\n%s\n--- enforced status %s\n%s\n%s\n" % (
                        cpl, depth, a.scout_args.encode(), str(raw[0]).encode(), raw[1], raw[2], str(enf[0]).encode(), enf[1], enf[2]))
                print("guestfuzz: seed %d (cpl %d, depth %d): raw status %s, enforced %s%s; see %s/%d.txt" % (
                    seed, cpl, depth, raw[0], enf[0], "" if raw[1] == enf[1] else ", output differs", a.out, seed))
    finally:
        shutil.rmtree(d, ignore_errors=True)
    print("guestfuzz: %d programs, %d scout runs, %.0f s, %d mismatches, %d skipped (no reference: raw timed out or hit a KVM limit); "
          "raw statuses: %s" % (n, execs, time.time() - t0, bad, skipped,
                                " ".join("%s:%d" % (k, v) for k, v in sorted(statuses.items(), key=str))))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
