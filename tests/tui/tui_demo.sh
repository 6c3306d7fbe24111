#!/usr/bin/env bash
# TUI on the built-in demo guest, driven through tmux: start, stepi (and
# Enter repeats it), pstart/pstep, poke into a scanned instruction
# (invalidation in the map and the log), completion, history, junk input,
# resize (80x24, bigger, too small), quit with the terminal restored.
. "$TOP/tests/lib.sh"
. "$TOP/tests/tui/tmux_lib.inc"
require_kvm tui_demo
command -v tmux >/dev/null || { skip tui_demo "tmux is not installed"; exit 0; }

tm_start 100 40 "$SCOUT"
tm_expect "starts on the demo guest, stopped at its entry" 'scout \| demo \| long64.*\| stopped \| rip 400000'
tm_expect "map pane shows the entry page with RIP" '^000 @'
tm_expect "legend, pages and disassembly panes" 'B break.*@ RIP'
tm_expect "disassembly marks RIP's line, with its symbol" '^=> 0*400000 n  _start'

tm_cmd "stepi"
tm_expect "stepi moves RIP, changed registers are marked" 'rip +\*400007'
tm_cmd ""
tm_expect "Enter on an empty line repeats stepi (into puts)" 'rip +\*4002ff'

# a steppable scan on a page nobody scanned yet: the map fills one insn at a time
tm_cmd "pstart 0x401000"
tm_cmd "pstep"
tm_expect "pstep: the map follows the scan to its page" '^map 401000 '
tm_expect "pstep: depth and worklist shown" '^scan depth 0/16 worklist [0-9]+:' 
tm_expect "pstep: first instruction in the map" '^000 [nV]-'
tm_cmd ""
tm_expect "Enter repeats pstep: the second instruction appears" '^000 [nV]-[nV]-'

# poke a byte into a scanned instruction of the demo: invalidation is visible
tm_cmd "poke 0x40000c 90"
tm_expect "invalidation message names the write and the hit instruction" 'INVALIDATED page 0x400000: write 0x40000c\+1 hit insn 0x40000c'
tm_expect "event log shows the invalidate event" 'invalidate page=0x400000 write=0x40000c len=1 hit=0x40000c'
tm_expect "map marks the write" '^000 .{12}W'
tm_expect "page strip counts the invalidation" '>400000 +[#.]+ .[0-9]+ +.1'

# completion: "inf<Tab>" -> "info "
tm send-keys -l "inf"; tm send-keys Tab
tm_expect "Tab completes a command" '^\(scout\) info *$'
tm send-keys C-u

# junk: a very long line, control bytes and function keys do nothing harmful
long=$(head -c 3000 /dev/zero | tr '\0' 'z')
tm send-keys -l "$long"; tm send-keys Enter
tm_expect "a 3000-byte junk line is an unknown command" 'unknown command "zzzz'
tm send-keys F5 F12 Up Down Left Right Home End PageUp PageDown C-x C-g
tm send-keys C-u
tm_cmd "echo still-alive"
tm_expect "unknown keys are harmless" '^still-alive'

tm send-keys C-l
tm_expect "Ctrl-L redraws" 'scout \| demo'

# resize: 80x24 shows a window of the map, bigger shows the whole page, too small a message
tm resize-window -x 80 -y 24
tm_expect "80x24: layout fits, map window with rows note" 'map 400000 64-bit: [0-9a-f]{3}-[0-9a-f]{3} of fff'
tm resize-window -x 60 -y 15
tm_expect "below 80x24: a clear message instead of panes" 'terminal 60x15 is too small'
tm resize-window -x 160 -y 80
tm_expect "160x80: the whole 64x64 map" 'whole page, 64 B/row'
tm_expect "160x80: last map row" '^fc0 '
tm resize-window -x 100 -y 40
tm_expect "back to 100x40" 'map 400000 64-bit: [0-9a-f]{3}-[0-9a-f]{3} of fff'

tm_cmd "quit"
tm_expect "quit exits with status 0" '^EXITED=0'
if tm_screen | grep -q 'scout | demo'; then not_ok "terminal restored after quit" "the TUI is still on the screen"
else ok "terminal restored after quit"; fi
if grep -qx 'stepi' "$SCOUT_HISTORY" 2>/dev/null && grep -qx 'poke 0x40000c 90' "$SCOUT_HISTORY"; then
    ok "history saved in SCOUT_HISTORY"
else not_ok "history saved in SCOUT_HISTORY" "$(cat "$SCOUT_HISTORY" 2>&1 | head -5)"; fi

# the history comes back: Up recalls the last command of the previous session
tm_start 100 40 "$SCOUT"
tm_expect "second start" 'scout \| demo'
tm send-keys Up
tm_expect "Up recalls history from the file" '^\(scout\) quit'
tm send-keys C-u C-d
tm_expect "Ctrl-D on an empty line quits" '^EXITED=0'

# NO_COLOR: still starts and draws the map with distinct characters
tm_start 80 24 env NO_COLOR=1 "$SCOUT"
tm_expect "NO_COLOR, 80x24: starts" '^000 @'
tm_cmd "quit"
tm_expect "NO_COLOR: quits" '^EXITED=0'
finish
