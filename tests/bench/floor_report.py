"""floor_report.py — scout's cost per exit beside the floor, for enforce_bench.py.

The floor is bench_exit's (tests/bench/bench_exit.c): one guest exit's
round trip through bare KVM_RUN on this host, in real mode, 64-bit CPL 0
and 64-bit CPL 3, bare and with what scout adds to an exit (sync regs, the
immediate_exit completion run).  enforce_bench.py runs it once per
repetition (measure) and hands report() every repetition's figures and its
rows at the default depth: scout's cost per event is (enforced - raw wall
time) / events, events being virtualize exits (bench_calls, bench_interp)
or invalidations (bench_smc), and the ratio is that cost over the bare exit
at the same CPL (and, beside it, over the least an exit of scout's design
costs: sync regs + completion run).  The target (ratio <= TARGET) is
printed, not checked."""
import csv
import statistics
import subprocess

TARGET = 1.2
FLOOR_ROWS = [("bare", "bare KVM_RUN"),
              ("sync", "+ sync regs (regs/sregs/events out, regs in)"),
              ("getset", "+ GET_REGS, GET_SREGS, SET_REGS (no sync regs)"),
              ("complete", "+ immediate_exit completion run"),
              ("sync+complete", "+ sync regs + completion run"),
              ("mmio", "store to a read-only page (MMIO exit)")]
MODES = [("real", "real"), ("cpl0", "64 CPL0"), ("cpl3", "64 CPL3")]
EVENTS = [("calls", "vexits", "vexit"), ("interp", "vexits", "vexit"), ("smc", "invalidations", "invalidation")]


def measure(prog, csv_path, rounds=5, exits=200):
    """One run of bench_exit: {(mode, variant): (us per exit, ioctls per exit)}."""
    subprocess.run([prog, "--rounds", str(rounds), "--exits", str(exits), "--csv", csv_path],
                   stdout=subprocess.DEVNULL, check=True, timeout=300)
    with open(csv_path) as f:
        return {(r["mode"], r["variant"]): (float(r["us_per_exit"]), int(r["ioctls_per_exit"]))
                for r in csv.DictReader(f)}


def report(floor, rows, depth):
    med = {k: statistics.median(f[k][0] for f in floor) for k in floor[0]}
    print(f"\nfloor: one exit's round trip through bare KVM_RUN on this host, us "
          f"(bench_exit, median of {len(floor)} runs, each between this run's repetitions)")
    print(f"{'':<50}{'ioctls':>7}" + "".join(f"{t:>10}" for _, t in MODES))
    for v, text in FLOOR_ROWS:
        print(f"{text:<50}{floor[0][(MODES[0][0], v)][1]:>7}" + "".join(f"{med[(m, v)]:>10.1f}" for m, _ in MODES))

    print(f"\nscout per event beside the floor (depth {depth}): per event = (enforced - raw wall time) / events;"
          f"\nioctls and completion runs per KVM exit from --stats (KVM exits = runs - completion_runs)")
    print(f"{'guest':<14}{'cpl':>4}  {'event':<13}{'events':>8}{'enf-raw s':>11}{'us/event':>10}"
          f"{'ioctls/exit':>13}{'compl/exit':>12}{'floor us':>10}{'ratio':>8}{'target':>9}{'vs s+c':>8}")
    for name, counter, event in EVENTS:
        for cpl in (3, 0):
            r = next((x for x in rows if x["guest"] == f"bench_{name}" and int(x["cpl"]) == cpl), None)
            if r is None or not int(r[counter]):
                continue
            n = int(r[counter])
            extra = float(r["enforced_s"]) - float(r["raw_s"])
            per = extra * 1e6 / n
            exits = max(int(r["vm_runs"]) - int(r["vm_completion_runs"]), 1)
            fl = med[(f"cpl{cpl}", "bare")]
            least = med[(f"cpl{cpl}", "sync+complete")]
            print(f"{r['guest']:<14}{cpl:>4}  {event:<13}{n:>8}{extra:>11.3f}{per:>10.1f}"
                  f"{int(r['vm_ioctls']) / exits:>13.2f}{int(r['vm_completion_runs']) / exits:>12.2f}"
                  f"{fl:>10.1f}{per / fl:>8.2f}{'<= ' + str(TARGET):>9}{per / least:>8.2f}")
    print(f"ratio = scout's us per event / the bare exit (64-bit, same CPL); the target ratio is <= {TARGET} "
          f"(not a pass/fail check);\nvs s+c = us per event / the floor's sync regs + completion run row (the "
          f"least an exit costs with scout's 2 ioctls).\nAn event's cost includes everything scout does for it "
          f"(decoding, emulation, rescans), so a ratio near 1 means an exit costs little more than KVM's own.")
