#!/usr/bin/env bash
# The guard from the TUI: a plugin command that never returns.  Ctrl-C
# twice ends scout at once (130), Ctrl-C once ends it 1 s later (the
# callback ignored it), --plugin-timeout ends it (2); each time the
# terminal is given back: the alternate screen left, the same stty
# settings as before scout started, the one report line on stderr.
. "$TOP/tests/lib.sh"
. "$TOP/tests/tui/tmux_lib.inc"
require_kvm tui_guard
command -v tmux >/dev/null || { skip tui_guard "tmux is not installed"; exit 0; }
HANG="$TOP/$BUILD/tests/plugins/hang.so,where=command"
G="$GUESTS/plug_cpuid.elf64"

# start_hung NAME OPTIONS...: scout in the TUI, the stty settings saved
# before and after it, "hang" typed at the prompt.
start_hung() {
    local name=$1; shift
    local cmd
    cmd=$(printf '%q ' "$SCOUT" "$@" --plugin "$HANG" "$G")
    tm kill-server >/dev/null 2>&1
    T_NSTART=$((T_NSTART + 1))
    TSOCK="$TSOCK_BASE-$T_NSTART"
    rm -f "$T_TMPDIR/stty.before" "$T_TMPDIR/stty.after"
    tm new-session -d -x 100 -y 40 "stty -g >'$T_TMPDIR/stty.before'; TERM=xterm-256color \
        SCOUT_HISTORY='$SCOUT_HISTORY' $cmd 2>'$T_TMPDIR/stderr'; echo EXITED=\$?; \
        stty -g >'$T_TMPDIR/stty.after'; sleep 600"
    tm_expect "$name: the TUI is up" 'plug_cpuid.elf64 \| long64'
    tm_cmd "hang"
    sleep 0.3
}

# given_back NAME STATUS LINE: scout ended with STATUS within the time the
# caller waited for, the terminal is as it was, stderr is LINE.
given_back() {
    tm_expect "$1: scout ended ($2)" "^EXITED=$2\$" "${4:-3}"
    for _ in 1 2 3 4 5 6 7 8 9 10; do [ -s "$T_TMPDIR/stty.after" ] && break; sleep 0.1; done
    expect_eq "$1: stty settings restored" "$(cat "$T_TMPDIR/stty.before")" "$(cat "$T_TMPDIR/stty.after" 2>/dev/null)"
    expect_eq "$1: alternate screen left" 0 "$(tm display -p '#{alternate_on}')"
    expect_eq "$1: one report line" "$3" "$(cat "$T_TMPDIR/stderr")"
}

start_hung twice --plugin-timeout 0
tm send-keys C-c; sleep 0.1; tm send-keys C-c
given_back twice 130 "scout: interrupted twice; exiting now" 1

start_hung once --plugin-timeout 0
tm send-keys C-c
given_back once 130 "scout: plugin hang: command hang callback ignored Ctrl-C for 1 s; exiting"

start_hung limit --plugin-timeout 1
given_back limit 2 "scout: plugin hang: command hang callback did not return within 1 s (--plugin-timeout, set plugin-timeout); exiting"
finish
