#!/usr/bin/env python3
"""One instruction stepped in place, with few and with many code pages.

bench_pages-P_I calls P code pages once (each scanned, with a trap,
read-only), then steps I OUTs in place, timing that loop with the guest's
TSC (so loading and scanning the P pages are left out) and printing the
cycles.  For each P: the median cycles per OUT over the repetitions, runs
of different P interleaved; then the ratio (1.0 = a step costs the same
whatever the guest's size), and the pages scout scanned (from --stats)."""
import argparse
import re
import statistics
import subprocess
import sys


def run(cmd):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=600)
    m = re.match(rb"pages done, tsc cycles 0x([0-9a-f]+)\n$", p.stdout)
    if p.returncode != 1 or not m:
        sys.exit("pages_bench: %s: status %d, output %r" % (" ".join(cmd), p.returncode, p.stdout[:80]))
    return int(m.group(1), 16), p.stderr.decode(errors="replace")


def stat(text, key):
    m = re.search(r"[ :]%s=(\d+)" % key, text)
    return int(m.group(1)) if m else -1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--scout", required=True)
    ap.add_argument("--guests", required=True)
    ap.add_argument("--pages", default="10 10000")
    ap.add_argument("--iter", type=int, required=True)
    ap.add_argument("--repeat", type=int, default=5)
    a = ap.parse_args()
    pages = [int(p) for p in a.pages.split()]
    cycles = {p: [] for p in pages}
    info = {}
    for _ in range(a.repeat):
        for p in pages:
            c, err = run([a.scout, "--mem", "128M", "--stats", "%s/bench_pages-%d_%d.elf64" % (a.guests, p, a.iter)])
            cycles[p].append(c / a.iter)
            info[p] = stat(err, "pages_live")
    print("\n%-22s %14s %8s %18s" % ("code pages (enforced)", "pages scanned", "OUTs", "TSC cycles per OUT"))
    for p in pages:
        print("%-22d %14d %8d %18.0f" % (p, info[p], a.iter, statistics.median(cycles[p])))
    if len(pages) == 2:
        r = statistics.median(cycles[pages[1]]) / statistics.median(cycles[pages[0]])
        print("per-OUT cost ratio, %d pages / %d pages: %.2f (medians of %d runs)" % (pages[1], pages[0], r, a.repeat))


if __name__ == "__main__":
    main()
