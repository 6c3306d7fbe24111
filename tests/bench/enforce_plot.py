#!/usr/bin/env python3
"""enforce_plot.py — plain-SVG plot of the depth sweep (no external libs).

Left panel: virtualize exits against max depth; right panel: enforced/raw
wall-time ratio against max depth.  Both y axes are logarithmic; one line
per guest and CPL (colour = guest, solid = CPL 3, dashed = CPL 0).
Usable alone: enforce_plot.py enforce_depth.csv out.svg"""
import csv
import math
import sys

COLOURS = {"bench_loop": "#1f77b4", "bench_calls": "#d62728", "bench_interp": "#2ca02c",
           "bench_smc": "#9467bd"}
W, H = 980, 420
PW, PH = 380, 300             # plot area of one panel
TOP = 50


def _esc(s):
    return str(s).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _panel(out, x0, title, depths, series, key):
    vals = [max(float(r[key]), 1e-9) for s in series.values() for r in s]
    lo = math.floor(math.log10(min(vals)))
    hi = math.ceil(math.log10(max(vals)))
    if hi == lo:
        hi = lo + 1

    def px(i):
        return x0 + i * PW / (len(depths) - 1)

    def py(v):
        return TOP + PH - (math.log10(max(v, 1e-9)) - lo) / (hi - lo) * PH

    out.append(f'<text x="{x0 + PW / 2}" y="{TOP - 18}" text-anchor="middle" font-size="14" '
               f'font-weight="bold">{_esc(title)}</text>')
    out.append(f'<rect x="{x0}" y="{TOP}" width="{PW}" height="{PH}" fill="none" stroke="#444"/>')
    for e in range(lo, hi + 1):
        y = py(10 ** e)
        out.append(f'<line x1="{x0}" y1="{y:.1f}" x2="{x0 + PW}" y2="{y:.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{x0 - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11">1e{e}</text>')
    for i, d in enumerate(depths):
        x = px(i)
        out.append(f'<line x1="{x:.1f}" y1="{TOP}" x2="{x:.1f}" y2="{TOP + PH}" stroke="#eee"/>')
        out.append(f'<text x="{x:.1f}" y="{TOP + PH + 16}" text-anchor="middle" font-size="11">{d}</text>')
    out.append(f'<text x="{x0 + PW / 2}" y="{TOP + PH + 34}" text-anchor="middle" font-size="12">'
               f'max prescan depth (0 = lazy)</text>')
    for (guest, cpl), rs in series.items():
        rs = sorted(rs, key=lambda r: depths.index(int(r["depth"])))
        pts = " ".join(f"{px(depths.index(int(r['depth']))):.1f},{py(float(r[key])):.1f}" for r in rs)
        dash = '' if int(cpl) == 3 else ' stroke-dasharray="6,4"'
        col = COLOURS.get(guest, "#333")
        out.append(f'<polyline points="{pts}" fill="none" stroke="{col}" stroke-width="2"{dash}/>')
        for p in pts.split():
            x, y = p.split(",")
            out.append(f'<circle cx="{x}" cy="{y}" r="2.5" fill="{col}"/>')


def plot(rows, depths, path):
    series = {}
    for r in rows:
        series.setdefault((r["guest"], int(r["cpl"])), []).append(r)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" '
           f'font-family="sans-serif">', f'<rect width="{W}" height="{H}" fill="white"/>']
    _panel(out, 60, "virtualize exits", depths, series, "vexits")
    _panel(out, 500, "wall time, enforced / raw", depths, series, "ratio")
    lx, ly = 895, TOP + 6
    for i, (guest, cpl) in enumerate(sorted(series)):
        y = ly + i * 18
        dash = '' if cpl == 3 else ' stroke-dasharray="6,4"'
        out.append(f'<line x1="{lx}" y1="{y}" x2="{lx + 22}" y2="{y}" stroke="{COLOURS.get(guest, "#333")}" '
                   f'stroke-width="2"{dash}/>')
        out.append(f'<text x="{lx + 26}" y="{y + 4}" font-size="10">{_esc(guest[6:])} cpl{cpl}</text>')
    out.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    with open(sys.argv[1]) as f:
        rows = list(csv.DictReader(f))
    ds = sorted({int(r["depth"]) for r in rows})
    plot(rows, ds, sys.argv[2])
