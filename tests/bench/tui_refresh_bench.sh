#!/usr/bin/env bash
# tui_refresh_bench.sh — what the TUI's 10 Hz refresh while the guest runs
# costs: the same CPL 3 loop guest run to completion (a) in batch mode
# (`--batch -ex run`, no TUI, no ticks) and (b) in the TUI inside tmux
# (`run`, the SIGALRM tick redraws every 100 ms), alternating, N rounds.
# Guest time = t(run-stop) - t(run-start) from a --trace-times trace, so
# typing and start-up are not counted.  Prints both medians and the ratio.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
SCOUT="$PWD/$BUILD/scout"
ITER=${ITER:-16000000000}
ROUNDS=${ROUNDS:-3}
G="$PWD/$BUILD/guests/loop64-$ITER.elf64"
[ -f "$G" ] || make --no-print-directory "$BUILD/guests/loop64-$ITER.elf64" >/dev/null || exit 2
tmp=$(mktemp -d); sock="scout-bench-$$"
trap 'tmux -L "$sock" kill-server >/dev/null 2>&1; rm -rf "$tmp"' EXIT
dur() { awk '/ run-start /{for(i=1;i<=NF;i++) if($i~/^t=/) s=substr($i,3)} / run-stop /{for(i=1;i<=NF;i++) if($i~/^t=/) e=substr($i,3)} END{printf "%.4f\n", (e-s)/1e9}' "$1"; }
wait_for() { local i; for ((i = 0; i < 1200; i++)); do tmux -L "$sock" capture-pane -p 2>/dev/null | grep -Eq "$1" && return 0; sleep 0.05; done; return 1; }
batch=() tui=()
for ((r = 0; r < ROUNDS; r++)); do
    "$SCOUT" --cpl 3 --batch -ex run --trace "$tmp/b.trace" --trace-times "$G" >/dev/null
    batch+=("$(dur "$tmp/b.trace")")
    tmux -L "$sock" kill-server >/dev/null 2>&1
    sock="scout-bench-$$-$r"
    tmux -L "$sock" new-session -d -x 100 -y 40 \
        "SCOUT_HISTORY=$tmp/h '$SCOUT' --cpl 3 --trace '$tmp/t.trace' --trace-times '$G'; echo EXITED; sleep 60"
    wait_for '\| stopped \|' || { echo "TUI did not start"; exit 1; }
    tmux -L "$sock" send-keys run Enter
    wait_for '\| ended \|' || { echo "guest did not end in the TUI"; exit 1; }
    tmux -L "$sock" send-keys quit Enter
    wait_for '^EXITED' || exit 1
    tui+=("$(dur "$tmp/t.trace")")
done
med() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }
mb=$(med "${batch[@]}") mt=$(med "${tui[@]}")
echo "guest loop64-$ITER at CPL 3, $ROUNDS rounds"
echo "batch (no refresh): ${batch[*]} s  median $mb s"
echo "TUI  (10 Hz ticks): ${tui[*]} s  median $mt s"
awk -v a="$mt" -v b="$mb" 'BEGIN{printf "ratio TUI/batch: %.4f\n", a/b}'
