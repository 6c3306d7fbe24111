#!/usr/bin/env bash
# Issue 17's cases that need more than one error line (those are in the
# malformed corpus, malformed.sh): Ctrl-C and --timeout against a plugin
# that never returns and against later runs, a lost --trace deciding the
# status, the same plugin under two names (drcov's output kept), and what
# a plugin hands in: command and counter names, text, ranges, and a
# rewrite of the instruction it was called for.
source "$TOP/tests/lib.sh"
require_kvm robust
TP="$TOP/$BUILD/tests/plugins" P="$TOP/$BUILD/plugins" G="$GUESTS/plug_cpuid.elf64"
D=$(mktemp -d); trap 'rm -rf "$D"' EXIT
now() { date +%s%N; }
# wait_for PID SECONDS: its exit status; a process still there after
# SECONDS is killed (status 137): a hang fails the test, never the suite.
wait_for() {
    local i
    for ((i = 0; i < $2 * 20; i++)); do kill -0 "$1" 2>/dev/null || break; sleep 0.05; done
    kill -KILL "$1" 2>/dev/null
    wait "$1"
}
ms_since() { echo $(( ($(now) - $1) / 1000000 )); }

# ── Ctrl-C: once, the plugin ignores it (1 s); twice, at once ──
"$SCOUT" --plugin "$TP/hang.so,where=run" "$G" >/dev/null 2>"$D/err" & pid=$!
sleep 0.5; t=$(now); kill -INT $pid; wait_for $pid 5; rc=$?; ms=$(ms_since "$t")
expect_eq ctrl_c_ignored_by_plugin_status 130 "$rc"
expect_eq ctrl_c_ignored_by_plugin_line "scout: plugin hang: run callback ignored Ctrl-C for 1 s; exiting" "$(cat "$D/err")"
[ "$ms" -lt 2500 ] && ok "ctrl_c_ignored_by_plugin_within_2s ($ms ms)" || not_ok ctrl_c_ignored_by_plugin_within_2s "$ms ms"

"$SCOUT" --plugin "$TP/hang.so,where=vexit" "$G" >/dev/null 2>"$D/err" & pid=$!
sleep 0.5; t=$(now); kill -INT $pid; sleep 0.05; kill -INT $pid; wait_for $pid 5; rc=$?; ms=$(ms_since "$t")
expect_eq ctrl_c_twice_status 130 "$rc"
expect_eq ctrl_c_twice_line "scout: interrupted twice; exiting now" "$(cat "$D/err")"
[ "$ms" -lt 1000 ] && ok "ctrl_c_twice_within_1s ($ms ms)" || not_ok ctrl_c_twice_within_1s "$ms ms"

# twice while reading a guest image from a pipe that never ends
"$SCOUT" /dev/stdin < <(sleep 5) >/dev/null 2>"$D/err" & pid=$!
sleep 0.3; t=$(now); kill -INT $pid; sleep 0.05; kill -INT $pid; wait_for $pid 5; rc=$?; ms=$(ms_since "$t")
expect_eq ctrl_c_twice_while_loading "130 scout: interrupted twice; exiting now" "$rc $(cat "$D/err")"
[ "$ms" -lt 1000 ] && ok "ctrl_c_twice_while_loading_within_1s ($ms ms)" || not_ok ctrl_c_twice_while_loading_within_1s "$ms ms"

# a guest stopped by one Ctrl-C is a clean stop (the state printed, 130)
"$SCOUT" --mode long64 --cpl 3 "$GUESTS/spin64.flat64" >/dev/null 2>"$D/err" & pid=$!
sleep 0.5; kill -INT $pid; wait_for $pid 5; rc=$?
expect_eq ctrl_c_once_stops_guest 130 "$rc"
expect_match ctrl_c_once_state "^scout: .*\(SIGINT\); state:" "$(head -n1 "$D/err")"

# ── --timeout: armed before loading, and later runs stop too ──
t=$(now)
out=$(timeout -s KILL 10 "$SCOUT" --timeout 1 --batch -ex run -ex continue -ex 'echo done\n' --mode long64 --cpl 3 \
      "$GUESTS/spin64.flat64" 2>&1); rc=$?; ms=$(ms_since "$t")
expect_eq timeout_covers_later_runs_status 0 "$rc"
expect_eq timeout_covers_later_runs_stops 2 "$(grep -c 'timed out' <<<"$out")"
[ "$ms" -lt 2500 ] && ok "timeout_covers_later_runs_in_time ($ms ms)" || not_ok timeout_covers_later_runs_in_time "$ms ms"

# ── a lost --trace makes the status 2, whatever the guest's ──
for g in fault64.elf64:4 hello64.elf64:15; do
    guest=${g%:*} own=${g#*:}
    "$SCOUT" "$GUESTS/$guest" >/dev/null 2>&1; rc=$?
    expect_eq "trace_lost_guest_status_$guest" "$own" "$rc"
    ( ulimit -f 1; trap '' XFSZ; exec "$SCOUT" --trace "$D/t.trace" "$GUESTS/$guest" ) >/dev/null 2>"$D/err"; rc=$?
    expect_eq "trace_lost_wins_over_$own" 2 "$rc"
    expect_match "trace_lost_reported_$guest" "^scout: trace: trace $D/t.trace: write failed: File too large$" \
        "$(grep '^scout: trace' "$D/err")"
done

# ── the same plugin by two names: refused, drcov's first output kept ──
ln -s "$P/drcov.so" "$D/cov2.so"
"$SCOUT" --plugin "$P/drcov.so,out=$D/a.log" --plugin "$D/cov2.so,out=$D/b.log" "$G" >/dev/null 2>"$D/err"; rc=$?
expect_eq drcov_twice_status 1 "$rc"
expect_eq drcov_twice_refused "scout: plugin cov2: already loaded as drcov (the same file $D/cov2.so)" "$(cat "$D/err")"
expect_eq drcov_twice_first_output_kept "DRCOV VERSION: 2" "$(head -n1 "$D/a.log" 2>/dev/null)"
[ ! -e "$D/b.log" ] && ok drcov_twice_no_second_output || not_ok drcov_twice_no_second_output "b.log written"

# ── what a plugin hands in ──
out=$("$SCOUT" --plugin "$TP/abuse.so,mode=names" "$G" 2>&1 >/dev/null)
expect_eq plugin_bad_names_refused_batch $'abuse: names-checked\nabuse: exit' "$out"
out=$("$SCOUT" --batch -ex "plugin load $TP/abuse.so,mode=names" -ex 'info plugins' "$G" 2>&1)
expect_eq plugin_bad_names_refused_plugin_load "abuse: names-checked
plugin abuse loaded
abuse: $TP/abuse.so,mode=names (commands: abuse-ok abuse two)
  plugin abuse: ok.counter-1=0
abuse: exit" "$out"
out=$("$SCOUT" --batch --plugin "$TP/abuse.so,mode=text" -ex abuse-text "$G" 2>&1)
expect_eq plugin_text_escaped 'install: \x1b[1mbold\x1b[0m \xc2\x9b2J
out: \x1b[2J\x9b31m\xc2\x9b1m\x7f tab	end
-ex 1: abuse-text: bad\x0athing \x1b]0;title\x07 happened' "$out"
out=$("$SCOUT" --batch -ex 'help abuse-ok' --plugin "$TP/abuse.so,mode=names" "$G" 2>&1 | grep -A1 '^Usage: abuse-ok')
expect_eq plugin_help_escaped $'Usage: abuse-ok [ARGS...]\nfine\\x1b[2J.' "$out"
out=$("$SCOUT" --mem 64M --plugin "$TP/abuse.so,mode=ranges" "$G" 2>&1 >/dev/null)
expect_eq plugin_ranges_all_or_nothing $'abuse: ranges-checked\nabuse: exit' "$out"
out=$("$SCOUT" --plugin "$TP/abuse.so,mode=rewrite" "$G" 2>"$D/err"); rc=$?
expect_eq plugin_rewrite_status 1 "$rc"
# puts now prints the first character of each string: "v", then the vendor's
expect_match plugin_rewrite_runs_the_new_bytes '^v[A-Z]$' "$(head -n1 <<<"$out")"
expect_eq plugin_rewrite_no_error "abuse: exit" "$(cat "$D/err")"

# A guest read from a pipe: the trace's digest cannot be read again, so it
# is "-" (not the digest of the nothing left in the pipe); the size is what
# was loaded.
size=$(stat -c %s "$G")
cat "$G" | "$SCOUT" --batch --trace "$D/pipe.trace" /dev/stdin >/dev/null 2>&1
expect_eq pipe_image_digest "guest name=stdin format=elf size=$size sha256=-" \
    "$(sed -n 's/^1 //p' "$D/pipe.trace")"
"$SCOUT" --batch --trace "$D/file.trace" "$G" >/dev/null 2>&1
expect_eq file_image_digest "sha256=$(sha256sum <"$G" | cut -d' ' -f1)" \
    "$(sed -n 's/^1 guest .* \(sha256=[0-9a-f-]*\)$/\1/p' "$D/file.trace")"

# Symbol names are the guest's bytes: an escape sequence in one is printed
# escaped (info functions, info symbol, the disassembly's <name+off>).
python3 -c "import sys; d=open(sys.argv[1],'rb').read(); open(sys.argv[2],'wb').write(d.replace(b'bump\0', b'\x1b[2J\0'))" \
    "$GUESTS/dbg64.elf64" "$D/evil.elf64"
out=$("$SCOUT" --batch -ex 'info functions ^.x1b' -ex 'info symbol 0x40006f' -ex 'x/1i 0x40006f' "$D/evil.elf64" 2>&1)
expect_eq symbol_names_escaped 'All functions matching regular expression "^.x1b":
0x000000000040006f  \x1b[2J
\x1b[2J (code at 0x40006f), dbg64.s:41
   0x40006f <\x1b[2J>:	add [0x0000000000401000], rbx  # <counter>' "$out"

# Source lines are untrusted text too: CRLF ends a line, an ESC is escaped.
( cd "$D" && printf '.globl _start\r\n_start: mov $1, %%al  # \033[2J here\r\n        out %%al, $0xf4\r\n        hlt\r\n' >evil.s &&
  as --64 -g -o evil.o evil.s && ld -m elf_x86_64 -Ttext=0x400000 -e _start -o evilsrc.elf evil.o )
out=$("$SCOUT" --batch -ex 'list _start' "$D/evilsrc.elf" 2>&1)
expect_eq source_lines_escaped $'1\t.globl _start\n2\t_start: mov $1, %al  # \\x1b[2J here\n3\t        out %al, $0xf4\n4\t        hlt' "$out"
finish
