#!/usr/bin/env bash
# TUI while the guest runs: `continue` on a spinning guest keeps the screen
# refreshing (status "running"), Ctrl-C stops it (not scout), the TUI
# stays usable; resize while running does not crash.  Then batch mode:
# `screen` prints the panes as text, and scout never starts ncurses when
# stdout is not a terminal.
. "$TOP/tests/lib.sh"
. "$TOP/tests/tui/tmux_lib.inc"
require_kvm tui_run
command -v tmux >/dev/null || { skip tui_run "tmux is not installed"; exit 0; }
SPIN="$GUESTS/spin64.flat64"

tm_start 100 40 "$SCOUT" --mode long64 --cpl 3 "$SPIN"
tm_expect "spin guest: stopped at its entry" 'spin64.flat64 \| long64 cpl3 .*\| stopped \|'
tm_cmd "run"
tm_expect "run: the screen says running while the guest runs" '\| running [0-9.]+s \|'
tm_expect "the screen refreshes while the guest runs (elapsed time advances)" '\| running (0\.[3-9]|[1-9][0-9]*\.[0-9])s \|'
tm_expect "run: the command line shows the running prompt" '^\(running\)'
tm resize-window -x 120 -y 45
tm_expect "resize while running redraws at the new size" '^rip .* rdx '
tm_expect "still running after the resize" '\| running [0-9.]+s \|'
sleep 0.3
tm send-keys C-c
tm_expect "Ctrl-C stops the guest, not scout" '\| stopped \|'
tm_expect "the stop is reported as interrupted" 'interrupted'
tm_cmd "echo after-interrupt"
tm_expect "the TUI still takes commands after Ctrl-C" '^after-interrupt'
tm_cmd "continue"
tm_expect "continue again" '\| running [0-9.]+s \|'
sleep 0.2
tm send-keys C-c
tm_expect "second Ctrl-C" '\| stopped \|'
tm send-keys -l "abc"; tm send-keys C-c
tm_expect "Ctrl-C while idle clears the command line" '^\(scout\) *$'
tm_cmd "quit"
tm_expect "quit after running" '^EXITED=0'

# batch: screen as text
out=$("$SCOUT" --batch -ex "screen" 2>&1)
expect_match "batch screen: status bar" 'scout \| demo \| long64' "$out"
expect_match "batch screen: map rows" $'\n''000 @' "$out"
expect_match "batch screen: disassembly at RIP" $'\n''=> 0*400000 n' "$out"
expect_eq "batch screen: 40 lines by default" 40 "$(printf '%s\n' "$out" | wc -l)"
out=$("$SCOUT" --batch -ex "poke 0x40000c 90" -ex "screen 80x24" 2>&1)
expect_eq "batch screen 80x24: 24 lines after the poke output" 25 "$(printf '%s\n' "$out" | wc -l)"
expect_match "batch screen: invalidation in the log" 'invalidate page=0x400000 write=' "$out"
expect_match "batch screen: the write in the map" $'\n''000 .{12}W' "$out"
out=$("$SCOUT" --batch -ex "screen 160x80" 2>&1)
expect_match "batch screen 160x80: whole map" 'whole page' "$out"
out=$("$SCOUT" --batch -ex "screen 10x3" 2>&1); rc=$?
expect_match "batch screen: bad size is an error" 'screen: "10x3": expected COLSxROWS' "$out"
expect_eq "batch screen: bad size exit status" 1 "$rc"
out=$("$SCOUT" --batch -ex "run" -ex "screen" 2>&1)
expect_match "batch screen: guest console pane" 'scout demo: one guest' "$out"

# not a terminal: never ncurses (no alternate screen, no escape sequences)
out=$(echo quit | "$SCOUT" 2>&1 | od -c | grep -c '033')
expect_eq "stdout not a terminal: no escape sequences" 0 "$out"
tm_start 100 40 sh -c "'$SCOUT' | cat"
tm_expect "stdout piped from a terminal: batch run of the demo" 'scout demo: one guest'
tm_expect "stdout piped: exits" '^EXITED=0'
finish
