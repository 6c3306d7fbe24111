#!/usr/bin/env python3
"""Enforcement cost, measured side by side: raw vs scan-before-execute for the
bench_* guests at CPL 3 and CPL 0, and a sweep over the max prescan depth.

Every repetition runs, for each (guest, CPL): the raw baseline, then the
enforced run at every depth (depth order rotated per repetition), so raw and
enforced runs are interleaved in time.  Times are medians over repetitions;
only ratios are meant to be compared.  Exit counters come from --stats (they
are deterministic; the script checks that they are).  Every enforced run's
stdout and exit status must equal the raw run's.

Technique switches: each --variant OPT=VAL[,OPT=VAL...] (e.g. links=on,
smc=insn) is one more enforced series, run with --OPT VAL... at the
--variant-depths, interleaved with the rest; a variant whose options the
scout binary does not list in --help is skipped with a note.

With --floor PROGRAM (tests/bench/bench_exit.c), the floor -- one exit's
round trip through bare KVM_RUN -- is measured once per repetition in the
same loop, and a table puts scout's cost per virtualize exit and per
invalidation (enforced - raw wall time, divided by the --stats counter) and
its ioctls per exit beside it (floor_report.py).

Writes OUT/enforce_depth.csv (medians and counters), OUT/enforce_runs.csv
(every sample) and OUT/enforce_depth.svg; prints tables and
the depth that wins on average (lowest geometric mean of enforced/raw time
over all guests and both CPLs)."""
import argparse
import csv
import math
import os
import re
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import enforce_plot  # noqa: E402
import floor_report  # noqa: E402

STAT_RE = re.compile(r"([A-Za-z_][A-Za-z0-9_-]*)=(\d+)")
SECTIONS = {"enforce": "", "writes": "", "stats": "vm_", "prescan": "ps_"}


def parse_stats(stderr):
    out = {}
    for line in stderr.splitlines():
        m = re.match(r"scout: (\w+): (.*)", line)
        if not m or m.group(1) not in SECTIONS:
            continue
        pre = SECTIONS[m.group(1)]
        for k, v in STAT_RE.findall(m.group(2)):
            out[pre + k] = int(v)
    return out


def run(cmd, timeout):
    t0 = time.perf_counter()
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
    t1 = time.perf_counter()
    return t1 - t0, p.returncode, p.stdout, p.stderr.decode(errors="replace")


def variant_args(spec):
    """'links=on,smc=insn' -> ['--links', 'on', '--smc', 'insn']"""
    out = []
    for part in spec.split(","):
        opt, _, val = part.partition("=")
        out += ["--" + opt] + ([val] if val else [])
    return out


def supported_variants(scout, specs):
    """The specs whose every option `scout --help` lists; a note for each other."""
    text = subprocess.run([scout, "--help"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT).stdout.decode()
    ok = []
    for spec in specs:
        opts = ["--" + part.partition("=")[0] for part in spec.split(",")]
        missing = [o for o in opts if not re.search(re.escape(o) + r"\b", text)]
        if missing:
            print(f"variant {spec}: skipped, {scout} has no {' '.join(missing)} (not in --help)")
        else:
            ok.append(spec)
    return ok


def geomean(xs):
    return math.exp(sum(math.log(x) for x in xs) / len(xs))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--scout", required=True)
    ap.add_argument("--guests", required=True, help="directory with bench_NAME-ITER.elf64")
    ap.add_argument("--out", required=True)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--depths", default="0 1 2 4 8 16 64")
    ap.add_argument("--default-depth", type=int, default=16)
    ap.add_argument("--timeout", type=float, default=120)
    ap.add_argument("--variant", action="append", default=[],
                    help="OPT=VAL[,OPT=VAL...]: an enforced series with --OPT VAL (repeatable)")
    ap.add_argument("--variant-depths", default=None, help="depths the variants run at (default: --depths)")
    ap.add_argument("--floor", help="bench_exit program: measure the bare exit floor in the same run")
    ap.add_argument("configs", nargs="+", help="NAME:CPL:ITER, e.g. loop:3:100000000")
    a = ap.parse_args()
    depths = [int(d) for d in a.depths.split()]
    vdepths = [int(d) for d in a.variant_depths.split()] if a.variant_depths is not None else depths
    if not set(vdepths) <= set(depths):
        ap.error("--variant-depths must be a subset of --depths")
    variants = [""] + supported_variants(a.scout, a.variant)    # "" = scout's defaults
    series = [(v, d) for v in variants for d in (depths if v == "" else vdepths)]
    configs = []
    for c in a.configs:
        name, cpl, it = c.split(":")
        configs.append((name, int(cpl), int(it)))
    os.makedirs(a.out, exist_ok=True)

    raw_t = {}                      # (name, cpl) -> [s]
    enf_t = {}                      # (name, cpl, variant, depth) -> [s]
    stats = {}                      # (name, cpl, variant, depth) -> dict
    floor = []                      # per repetition: {(mode, variant): us per exit}
    raw_ref = {}                    # (name, cpl) -> (rc, stdout)
    problems = []
    t_start = time.perf_counter()
    for r in range(a.repeat):
        order = series[r % len(series):] + series[:r % len(series)]
        if a.floor:
            floor.append(floor_report.measure(a.floor, os.path.join(a.out, "bench_exit.csv")))
        for name, cpl, it in configs:
            g = os.path.join(a.guests, f"bench_{name}-{it}.elf64")
            base = [a.scout, "--cpl", str(cpl)]
            key = (name, cpl)
            t, rc, out, _ = run(base + ["--raw", g], a.timeout)
            raw_t.setdefault(key, []).append(t)
            if key not in raw_ref:
                raw_ref[key] = (rc, out)
                if rc != 1:
                    problems.append(f"{name} cpl{cpl} raw: exit status {rc}, expected 1 (exit device, status 0)")
            elif raw_ref[key] != (rc, out):
                problems.append(f"{name} cpl{cpl} raw: output differs between repetitions")
            for v, d in order:
                t, rc, out, err = run(base + (variant_args(v) if v else []) + ["--stats", "--depth", str(d), g],
                                      a.timeout)
                enf_t.setdefault(key + (v, d), []).append(t)
                what = f"{name} cpl{cpl} depth {d}" + (f" {v}" if v else "")
                if (rc, out) != raw_ref[key]:
                    problems.append(f"{what}: output/status differs from raw "
                                    f"(rc {rc} vs {raw_ref[key][0]}; stdout {out!r} vs {raw_ref[key][1]!r})")
                s = parse_stats(err)
                prev = stats.get(key + (v, d))
                if prev is None:
                    stats[key + (v, d)] = s
                elif prev.get("vexits") != s.get("vexits") or prev.get("invalidations") != s.get("invalidations"):
                    problems.append(f"{what}: exit counters differ between repetitions")
        print(f"  repetition {r + 1}/{a.repeat} done ({time.perf_counter() - t_start:.0f} s)", flush=True)

    med = statistics.median
    reasons = ["branch-unscanned", "out-of-page", "computed", "far", "sensitive", "crosses-page",
               "undecodable", "overlap", "policy"]
    # CSV: one row per (guest, cpl, variant, depth)
    csv_path = os.path.join(a.out, "enforce_depth.csv")
    rows = []
    for name, cpl, it in configs:
        key = (name, cpl)
        rm = med(raw_t[key])
        for v, d in series:
            s = stats[key + (v, d)]
            em = med(enf_t[key + (v, d)])
            row = {"guest": f"bench_{name}", "cpl": cpl, "iter": it, "options": v or "default", "depth": d,
                   "raw_s": f"{rm:.4f}", "enforced_s": f"{em:.4f}", "ratio": f"{em / rm:.3f}",
                   "vexits": s.get("vexits", 0)}
            for rn in reasons:
                row[rn] = s.get(rn, 0)
            for k in ("resolved", "emulated", "stepped", "invalidations", "dropped", "data_writes",
                      "scans", "ps_insns", "traps_planted", "vm_io_exits", "vm_mmio_writes",
                      "vm_runs", "vm_completion_runs", "vm_ioctls", "vm_kicks"):
                row[k] = s.get(k, 0)
            what = f"{name} cpl{cpl} depth {d}" + (f" {v}" if v else "")
            row["output_equal"] = int(not any(p.startswith(what + ":") for p in problems))
            rows.append(row)
    with open(csv_path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
        w.writeheader()
        w.writerows(rows)
    with open(os.path.join(a.out, "enforce_runs.csv"), "w", newline="") as f:   # every sample
        w = csv.writer(f)
        w.writerow(["guest", "cpl", "options", "depth", "run", "seconds"])
        for name, cpl, _ in configs:
            for i, t in enumerate(raw_t[(name, cpl)]):
                w.writerow([f"bench_{name}", cpl, "", "raw", i, f"{t:.4f}"])
            for v, d in series:
                for i, t in enumerate(enf_t[(name, cpl, v, d)]):
                    w.writerow([f"bench_{name}", cpl, v or "default", d, i, f"{t:.4f}"])

    def row(name, cpl, d, v=""):
        return next(x for x in rows if x["guest"] == f"bench_{name}" and x["cpl"] == cpl and x["depth"] == d
                    and x["options"] == (v or "default"))

    dd = a.default_depth if a.default_depth in depths else depths[-1]
    print(f"\nraw vs enforced (depth {dd}); medians of {a.repeat}, interleaved; ratio = enforced/raw wall time")
    print(f"{'guest':<14}{'cpl':>4}{'iter':>11}{'raw s':>9}{'enf s':>9}{'ratio':>9}{'vexits':>9}  "
          f"{'by reason':<44}{'inval':>7}{'datawr':>7}  same output")
    for name, cpl, it in configs:
        x = row(name, cpl, dd)
        by = " ".join(f"{rn}={x[rn]}" for rn in reasons if x[rn])
        same = all(row(name, cpl, d, v)["output_equal"] for v, d in series)
        print(f"{x['guest']:<14}{cpl:>4}{it:>11}{float(x['raw_s']):>9.3f}{float(x['enforced_s']):>9.3f}"
              f"{float(x['ratio']):>9.2f}{x['vexits']:>9}  {by:<44}{x['invalidations']:>7}{x['data_writes']:>7}"
              f"  {'yes' if same else 'NO'}")

    print("\ndepth sweep: enforced/raw time ratio (virtualize exits)")
    print(f"{'guest':<14}{'cpl':>4}" + "".join(f"{'d=' + str(d):>17}" for d in depths))
    for name, cpl, it in configs:
        cells = []
        for d in depths:
            x = row(name, cpl, d)
            cells.append(f"{float(x['ratio']):.2f} ({x['vexits']})")
        print(f"{'bench_' + name:<14}{cpl:>4}" + "".join(f"{c:>17}" for c in cells))
    gm = {d: geomean([float(row(n, c, d)["ratio"]) for n, c, _ in configs]) for d in depths}
    ex = {d: sum(row(n, c, d)["vexits"] for n, c, _ in configs) for d in depths}
    # Noise: the standard error of each median (1.2533 * sd / sqrt(n), relative),
    # combined in log space over the configs for each depth's geomean.
    def rel_se(ts):
        if len(ts) < 2:
            return 0.0
        return 1.2533 * statistics.stdev(ts) / math.sqrt(len(ts)) / med(ts)
    # (raw is common to every depth of a config, so it cancels between depths)
    se = {d: math.sqrt(sum(rel_se(enf_t[(n, c, "", d)]) ** 2
                           for n, c, _ in configs)) / len(configs) for d in depths}
    best = min(depths, key=lambda d: (gm[d], ex[d], d))
    # tied: the difference from the best is under two standard errors
    tied = [d for d in depths if math.log(gm[d] / gm[best]) <= 2 * math.sqrt(se[d] ** 2 + se[best] ** 2)]
    print(f"{'geomean':<18}" + "".join(f"{gm[d]:>17.3f}" for d in depths))
    print(f"{'  +- (1 s.e., %)':<18}" + "".join(f"{se[d] * 100:>17.1f}" for d in depths))
    print(f"{'total vexits':<18}" + "".join(f"{ex[d]:>17}" for d in depths))
    print(f"\nwinning depth on average: {best} (lowest geomean of enforced/raw time over "
          f"{len(configs)} guest/CPL runs: {gm[best]:.3f})")
    print(f"not distinguishable from it (difference < 2 standard errors): {' '.join(map(str, tied))}")
    print(f"losing depths: {' '.join(str(d) for d in depths if d not in tied) or 'none'}")
    if dd in tied:
        print(f"default depth {dd} is not distinguishable from the winner: keep it")
    else:
        print(f"default depth {dd} is measurably slower than depth {best}: the measurement favours {best}")

    for v in variants[1:]:
        print(f"\ndepth sweep with {' '.join(variant_args(v))}: enforced/raw time ratio (virtualize exits)")
        print(f"{'guest':<14}{'cpl':>4}" + "".join(f"{'d=' + str(d):>17}" for d in vdepths))
        for name, cpl, it in configs:
            cells = [f"{float(row(name, cpl, d, v)['ratio']):.2f} ({row(name, cpl, d, v)['vexits']})"
                     for d in vdepths]
            print(f"{'bench_' + name:<14}{cpl:>4}" + "".join(f"{c:>17}" for c in cells))
        print(f"{'geomean':<18}" + "".join(f"{geomean([float(row(n, c, d, v)['ratio']) for n, c, _ in configs]):>17.3f}"
                                           for d in vdepths))
    if floor:
        floor_report.report(floor, [r for r in rows if r["options"] == "default" and r["depth"] == dd], dd)

    enforce_plot.plot(rows, depths, os.path.join(a.out, "enforce_depth.svg"))
    print(f"\nwrote {csv_path} and {os.path.join(a.out, 'enforce_depth.svg')}")
    print(f"total bench time {time.perf_counter() - t_start:.0f} s")
    if problems:
        print("\nPROBLEMS:")
        for p in problems:
            print("  " + p)
        return 1
    print("every enforced run printed exactly what the raw run printed, with the same exit status")
    return 0


if __name__ == "__main__":
    sys.exit(main())
