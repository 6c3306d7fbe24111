#!/usr/bin/env bash
# The debugger in the TUI, driven through tmux at 80x24 and at 160x50, on
# tests/guests/dbg64.s (as -g: symbols and lines; add3 at 0x40006a, bump
# 0x40006f writes counter at 0x401000, patch 0x40007d stores into value's
# immediate at 0x400078): symbols in the disassembly, break SYMBOL, p $rax,
# finish, a watchpoint firing on the guest's data write, an invalidation
# visible after the rescan that follows it, scrolling back through help,
# layout src; then the terminal's corners: Ctrl-R's search prompt, a line
# typed while the guest runs (interrupt acts at once), stepi N's progress
# and Ctrl-C count, TERM=dumb's line mode.
. "$TOP/tests/lib.sh"
. "$TOP/tests/tui/tmux_lib.inc"
require_kvm tui_debug
command -v tmux >/dev/null || { skip tui_debug "tmux is not installed"; exit 0; }
DBG="$GUESTS/dbg64.elf64"

workflow() {   # COLS ROWS
    local size="$1x$2"
    tm_start "$1" "$2" "$SCOUT" "$DBG"
    tm_expect "$size: starts on dbg64, stopped at _start" 'dbg64\.elf64 \| long64 cpl0 .*\| stopped \| rip 400000 <_start>'
    tm_expect "$size: symbols in the disassembly" '(^|\|)=> 0*400000 n  _start '
    tm_cmd "break add3"
    tm_expect "$size: break SYMBOL" 'Breakpoint 1 at 0x40006a <add3>: file dbg64\.s, line 37\.'
    tm_cmd "run"
    tm_expect "$size: run stops at the breakpoint, in colour of a stop" 'stopped: breakpoint at rip=0x40006a'
    tm_expect "$size: the breakpoint's line in the disassembly" '(^|\|)=> 0*40006a nB add3 '
    tm_cmd 'p $rdi'
    tm_expect "$size: p \$rdi" '^\$1 = 7'
    tm_cmd "finish"
    tm_expect "$size: finish returns to the caller" 'Value returned is \$2 = 10'
    tm_cmd 'p $rax'
    tm_expect "$size: p \$rax" '^\$3 = 10'
    tm_cmd "watch counter"
    tm_cmd "continue"
    tm_expect "$size: the watchpoint fires on the guest's data write" 'New value = 10'
    tm_expect "$size: the stop names the watchpoint" 'stopped: watchpoint at rip=0x400076'
    tm_cmd "delete"
    tm_cmd "break patch"
    tm_cmd "continue"
    tm_expect "$size: at patch" 'stopped: breakpoint at rip=0x40007d'
    tm_cmd "nexti"
    tm_expect "$size: the invalidation is reported and stays after the rescan" 'INVALIDATED page 0x400000: write 0x400078\+1'
    tm_expect "$size: the map marks the hit instruction and the write" '^040 .{55}XWXXX'
    tm_expect "$size: what was scanned before shows as dropped" '^0c0 :\.\.:\.\.:'
    tm_cmd "help"
    tm_expect "$size: help's end is in view" 'Type "help COMMAND" for details'
    local n=0
    while [ $n -lt 80 ] && ! tm_screen | grep -q 'List of commands:'; do tm send-keys PageUp; sleep 0.05; n=$((n + 1)); done
    tm_expect "$size: PgUp scrolls back to help's first line" 'List of commands:' 2
    tm_expect "$size: the pane says it is scrolled" 'command output: lines [0-9]+-[0-9]+ of [0-9]+ \(PgUp/PgDn'
    for _ in $(seq 80); do tm send-keys PageDown; done
    tm_expect "$size: PgDn back to the end" 'command output \(PgUp: scroll back\)'
    tm_cmd "layout src"
    tm_expect "$size: layout src shows the source with RIP's line" '=>  +50 +ret'
    tm_cmd "layout map"
    tm_cmd "quit"
    tm_expect "$size: quit" '^EXITED=0'
}

workflow 80 24
workflow 160 50

# Ctrl-R: readline's search prompt is on the command line
tm_start 100 40 "$SCOUT" "$DBG"
tm_expect "second start" 'dbg64\.elf64'
# Tab completes symbols; x goes on with Enter
tm send-keys -l "break ad"; tm send-keys Tab
tm_expect "Tab completes a symbol" '^\(scout\) break add3 *$'
tm send-keys C-u
tm_cmd "x/2xb add3"
tm_expect "x on a symbol" '^0x40006a <add3>: +0x48 +0x8d'
tm_cmd ""
tm_expect "Enter: x goes on after the last address" '^0x40006c <add3\+2>: +0x47 +0x03'
tm send-keys C-r; tm send-keys -l "brea"
tm_expect "Ctrl-R shows the search prompt" "reverse-i-search\)\`brea'"
tm send-keys C-g
tm_cmd "echo back"
tm_expect "the line works again after the search" '^back'

tm_cmd "quit"
tm_expect "quits" '^EXITED=0'

# stepi N: the screen follows (progress in the status bar), Ctrl-C says how many ran
tm_start 100 40 "$SCOUT" "$GUESTS/loop64-1000000.elf64"
tm_expect "loop guest for stepi" 'loop64-1000000\.elf64'
tm_cmd "stepi 1000000"
tm_expect "stepi N shows its progress while it runs" '\| stepi [0-9]+/1000000 \|'
sleep 0.3
tm send-keys C-c
tm_expect "Ctrl-C says how many instructions ran" 'stepi: interrupted after [0-9]+ of 1000000 instructions'
tm_cmd "quit"
tm_expect "quits" '^EXITED=0'

# typed while the guest runs: shown at once; interrupt stops the guest, and a
# queued line runs after
tm_start 100 40 "$SCOUT" --mode long64 --cpl 3 "$GUESTS/spin64.flat64"
tm_expect "spin guest" 'spin64\.flat64'
tm_cmd "run"
tm_expect "running" '\| running [0-9.]+s \|'
tm send-keys -l "echo queued-line"; tm send-keys Enter
tm_expect "a line typed while running is queued, visibly" '1 queued: runs after this command'
tm send-keys -l "interrupt"
tm_expect "what is typed shows on the running prompt" '^\(running\) interrupt'
tm send-keys Enter
tm_expect "interrupt typed while running stops the guest" 'guest interrupted at rip=0x100000'
tm_expect "the queued line ran after the command" '^queued-line'
tm_cmd "quit"
tm_expect "quits after the interrupt" '^EXITED=0'

# TERM=dumb: a plain command line, no screen
tm_start 80 24 env TERM=dumb "$SCOUT" "$DBG"
tm_expect "TERM=dumb: a plain prompt" '^\(scout\)'
if grep -q 'TERM=dumb: line mode' "$T_TMPDIR/stderr"; then ok "TERM=dumb: says it is in line mode"
else not_ok "TERM=dumb: says it is in line mode" "$(cat "$T_TMPDIR/stderr")"; fi
tm_cmd "break add3"
tm_cmd "run"
tm_expect "TERM=dumb: commands work" '=> 0x40006a <add3>:'
tm_cmd 'p $rdi'
tm_expect "TERM=dumb: print" '^\$1 = 7'
if tm_screen | grep -q 'scout | dbg64'; then not_ok "TERM=dumb: no screen drawn" "the TUI's status bar is there"
else ok "TERM=dumb: no screen drawn"; fi
tm_cmd "quit"
tm_expect "TERM=dumb: quits" '^EXITED=0'
finish
