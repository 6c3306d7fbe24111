#!/usr/bin/env python3
"""enforce_plot.py — plain-SVG plot of the depth sweep (no external libs).

Left panel: virtualize exits against max depth; right panel: enforced/raw
wall-time ratio against max depth.  Both y axes are logarithmic; one line
per guest, CPL and option set (colour = guest, solid = CPL 3, dashed =
CPL 0, marker = the options column: circles for scout's defaults, other
shapes and thinner lines for the technique switches).
Usable alone: enforce_plot.py enforce_depth.csv out.svg"""
import csv
import math
import sys

COLOURS = {"bench_loop": "#1f77b4", "bench_calls": "#d62728", "bench_interp": "#2ca02c",
           "bench_smc": "#9467bd"}
W, H = 1010, 460
PW, PH = 380, 300             # plot area of one panel
TOP = 50


def _marker(shape, x, y, col):
    x, y = float(x), float(y)
    if shape == 0:
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="{col}"/>'
    if shape == 1:
        return f'<rect x="{x - 3:.1f}" y="{y - 3:.1f}" width="6" height="6" fill="{col}"/>'
    if shape == 2:
        return f'<polygon points="{x:.1f},{y - 4:.1f} {x - 3.5:.1f},{y + 3:.1f} {x + 3.5:.1f},{y + 3:.1f}" fill="{col}"/>'
    return (f'<polygon points="{x:.1f},{y - 4:.1f} {x + 4:.1f},{y:.1f} {x:.1f},{y + 4:.1f} {x - 4:.1f},{y:.1f}" '
            f'fill="none" stroke="{col}"/>')


def _esc(s):
    return str(s).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _panel(out, x0, title, depths, series, key, shapes):
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
    for (guest, cpl, opts), rs in series.items():
        rs = sorted(rs, key=lambda r: depths.index(int(r["depth"])))
        pts = " ".join(f"{px(depths.index(int(r['depth']))):.1f},{py(float(r[key])):.1f}" for r in rs)
        dash = '' if int(cpl) == 3 else ' stroke-dasharray="6,4"'
        col = COLOURS.get(guest, "#333")
        width = 2 if shapes[opts] == 0 else 1
        out.append(f'<polyline points="{pts}" fill="none" stroke="{col}" stroke-width="{width}"{dash}/>')
        for p in pts.split():
            out.append(_marker(shapes[opts], *p.split(","), col))


def plot(rows, depths, path):
    series = {}
    shapes = {"default": 0}
    for r in rows:
        opts = r.get("options", "default")
        shapes.setdefault(opts, 1 + (len(shapes) - 1) % 3)
        series.setdefault((r["guest"], int(r["cpl"]), opts), []).append(r)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" '
           f'font-family="sans-serif">', f'<rect width="{W}" height="{H}" fill="white"/>']
    _panel(out, 60, "virtualize exits", depths, series, "vexits", shapes)
    _panel(out, 500, "wall time, enforced / raw", depths, series, "ratio", shapes)
    lx, ly = 895, TOP + 6
    lines = sorted({(guest, cpl) for guest, cpl, _ in series})
    for i, (guest, cpl) in enumerate(lines):
        y = ly + i * 18
        dash = '' if cpl == 3 else ' stroke-dasharray="6,4"'
        out.append(f'<line x1="{lx}" y1="{y}" x2="{lx + 22}" y2="{y}" stroke="{COLOURS.get(guest, "#333")}" '
                   f'stroke-width="2"{dash}/>')
        out.append(f'<text x="{lx + 26}" y="{y + 4}" font-size="10">{_esc(guest[6:])} cpl{cpl}</text>')
    if len(shapes) > 1:     # the option sets, by marker
        for i, (opts, shape) in enumerate(shapes.items()):
            y = ly + (len(lines) + 1 + i) * 18
            out.append(_marker(shape, lx + 11, y, "#333"))
            out.append(f'<text x="{lx + 26}" y="{y + 4}" font-size="10">{_esc(opts)}</text>')
    out.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    with open(sys.argv[1]) as f:
        rows = list(csv.DictReader(f))
    ds = sorted({int(r["depth"]) for r in rows})
    plot(rows, ds, sys.argv[2])
