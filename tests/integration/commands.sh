#!/usr/bin/env bash
# Every debugger command in batch mode (-x / -ex) against test guests, with
# expected output derived from the guest sources (tests/guests/enf_lazy.s:
# _start at 0x400000, puts at 0x40004f, its `out %al,%dx` at 0x40005a, its
# ret at 0x40005f, exit at 0x4000a1), error cases, and `scout trace` on
# good and bad traces.
source "$TOP/tests/lib.sh"
require_kvm commands
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
LAZY="$GUESTS/enf_lazy.elf64"
NL=$'\n'
sc() { timeout 60 "$SCOUT" "$@" >"$T/out" 2>"$T/err"; RC=$?; }
out() { cat "$T/out"; }
err() { cat "$T/err"; }

# ── execution: break, info breakpoints, run, continue N, stepi, delete ──
sc -ex 'break 0x40005a' -ex 'info breakpoints' -ex run -ex 'continue 3' -ex 'info b' \
   -ex stepi -ex 'si 2' -ex 'delete 1' -ex 'info b' -ex c -ex run "$LAZY"
expect_eq exec_output "Breakpoint 1 at 0x40005a
Num  Address             Physical            Hits  Ignore
1    0x000000000040005a  0x000000000040005a  0     0
Breakpoint 1, 0x40005a
=> 0x40005a:	out dx, al
Will ignore next 2 crossings of breakpoint 1.
lazBreakpoint 1, 0x40005a
=> 0x40005a:	out dx, al
Num  Address             Physical            Hits  Ignore
1    0x000000000040005a  0x000000000040005a  4     0
y=> 0x40005b:	jmp 0x0000000000400055
=> 0x400056:	test al, al
No breakpoints.
: branching forward
lazy: done
guest exited: status 1" "$(out)"
expect_eq exec_run_after_end "-ex 11: run: the guest has ended (guest wrote 0x0 to the exit device: exit status 1)" "$(err)"
expect_eq exec_status 1 "$RC"

# stepi through virtualize instructions: lazy branch (resolved, then stepped),
# call, an emulated ret; stepping the whole guest gives the same output
sc --depth 0 -ex si -ex si -ex 'si 4' -ex 'break 0x40005f' -ex c -ex si -ex 'si 3' -ex 'si 100000' "$LAZY"
expect_eq stepi_output "=> 0x400007:	call 0x000000000040004F
=> 0x40004f:	push rax
=> 0x400056:	test al, al
Breakpoint 1 at 0x40005f
lazy: branching forward
Breakpoint 1, 0x40005f
=> 0x40005f:	ret
=> 0x40000c:	xor eax, eax
=> 0x400017:	jmp 0x000000000040001A
lazy: done
guest exited: status 1" "$(out)"
expect_eq stepi_status 0 "$RC"
for g in enf_smc.elf64 enf_jumptable.elf64 enf_farcall.elf64 modeswitch.bootsect; do
    a=$(timeout 60 "$SCOUT" "$GUESTS/$g" 2>/dev/null)
    b=$(timeout 120 "$SCOUT" -ex 'si 1000000' "$GUESTS/$g" 2>/dev/null | grep -v '^guest exited')
    expect_eq "stepi_whole_$g" "$a" "$b"
done

# breakpoints need a live guest and an instruction start
sc -ex 'break 0x40001e' "$LAZY"
expect_eq break_inside_insn "-ex 1: break: 0x40001e is inside the instruction at 0x40001a" "$(err)"
sc -ex 'break 0x40000000' "$LAZY"
expect_eq break_unmapped "-ex 1: break: 0x40000000 is not mapped" "$(err)"
sc -ex c "$LAZY"
expect_eq continue_before_run "-ex 1: continue: the guest is not running (use run)" "$(err)"
sc -ex 'delete 7' "$LAZY"
expect_eq delete_missing "-ex 1: delete: no breakpoint number 7" "$(err)"
sc -ex 'stepi 0' "$LAZY"
expect_eq stepi_zero "-ex 1: stepi: count must be at least 1" "$(err)"
sc -ex interrupt "$LAZY"
expect_eq interrupt_stopped "the guest is not running (stopped at 0x400000)" "$(out)"
sc --raw -ex 'set on-error continue' -ex 'break 0x400000' -ex 'stepi' -ex 'map' -ex 'poke 0x400000 90' "$LAZY"
expect_eq raw_needs_enforcement "-ex 2: break: needs enforcement (scout was started with --raw)
-ex 3: stepi: needs enforcement (scout was started with --raw)
-ex 4: map: needs enforcement (scout was started with --raw)
-ex 5: poke: needs enforcement (scout was started with --raw)" "$(err)"

# Ctrl-C during run: the guest stops, the script goes on
timeout 20 "$SCOUT" -ex run -ex 'echo after\n' --mode long64 --cpl 3 "$GUESTS/spin64.flat64" >"$T/out" 2>"$T/err" & pid=$!
sleep 0.5; kill -INT $pid; wait $pid; RC=$?
expect_eq sigint_run "guest interrupted at rip=0x100000${NL}=> 0x100000:	jmp 0x0000000000100000${NL}after" "$(out)"
expect_eq sigint_status 0 "$RC"

# ── state: x, xp, disas, attr, registers ───────────────────────────────
cat >"$T/x.scout" <<'EOF'
# bytes of _start: 48 8d 35 23 00 00 00 (lea), e8 43 00 00 00 (call),
# 31 c0 (xor), 83 f8 00 (cmp), 74 04 (je), b0 58 (mov), e6 e9 (out)
x/4xb 0x40000c
x/2xw 0x400000
x/xg 0x400000
x/3dh 0x40000c
x/2ub 0x400011
x/ob 0x400013
x/tb 0x400013
x/2c 0x40002a
x/2s 0x40002a
x/3i 0x400000
x/2xb $rip+2
xp/4xb 0x40000c
x/xb 0x400015
attr 0x400015
attr 0x400011
attr 0x40002a
disas 0x400011 3
EOF
sc -x "$T/x.scout" "$LAZY"
expect_eq x_formats "0x40000c:	0x31	0xc0	0x83	0xf8
0x400000:	0x23358d48	0xe8000000
0x400000:	0xe800000023358d48
0x40000c:	-16335	-1917	29696
0x400011:	116	4
0x400013:	0260
0x400013:	10110000
0x40002a:	108 'l'	97 'a'
0x40002a:	\"lazy: branching forward\\n\"
0x400043:	\"lazy: done\\n\"
=> 0x400000:	lea rsi, [0x000000000040002A]
   0x400007:	call 0x000000000040004F
   0x40000c:	xor eax, eax
0x400002:	0x35	0x23
0x40000c:	0x31	0xc0	0x83	0xf8
0x400015:	0xe6
0x400015 (physical 0x400015, mode 64): attr 0xc2 scanned virtualize kind=plain len=2 reason=sensitive; trap virtualize (guest byte 0xe6)
0x400011 (physical 0x400011, mode 64): attr 0x92 scanned native kind=branch len=2 reason=none
0x40002a (physical 0x40002a, mode 64): attr 0x00 not scanned
   0x400011:  74 04                      jz 0x0000000000400017                ; native
   0x400013:  b0 58                      mov al, 0x58                         ; native
   0x400015:  e6 e9                      out 0xE9, al                         ; virtualize sensitive [trap virtualize]" "$(out)"
expect_eq x_formats_status 0 "$RC"

sc -ex 'set on-error continue' -ex 'x/5000xb 0x400000' -ex 'x/x 0x40000000' -ex 'xp/x 0x40000000' \
   -ex 'x/4q 0' -ex 'x/x $nope' -ex 'x' -ex 'xp/i 0' -ex 'x/2xg 0x7fffff8' -ex 'disas 0 99999' "$LAZY"
expect_eq x_errors "-ex 2: x: count 5000 is too large (limit 4096)
-ex 3: x: cannot read 0x40000000: not mapped
-ex 4: xp: cannot read physical 0x40000000: outside guest memory (0x8000000 bytes)
-ex 5: x: bad format \"/4q\": unknown letter 'q'
-ex 6: x: unknown register \"\$nope\"
-ex 7: x: address expected (usage: x/NFU ADDRESS)
-ex 8: xp: format 'i' needs a linear address (use x/i)
-ex 10: disas: count 99999 is too large (limit 4096)" "$(grep -v '^-ex 9:' "$T/err")"
expect_eq x_end_of_ram "-ex 9: x: cannot read 0x8000000: not mapped" "$(grep '^-ex 9:' "$T/err")"
expect_eq x_partial_line "0x7fffff8:	0x0000000000000000" "$(out)"
expect_eq x_errors_status 1 "$RC"

sc -ex regs "$LAZY"
expect_match regs_gprs "rsp    0x0000000007fc0000" "$(out)"
expect_match regs_rip "rip    0x0000000000400000   rflags 0x00000002 \[\] iopl=0${NL}mode   long64 cpl=0" "$(out)"
expect_match regs_segments "cs  0x0008  base=0x0000000000000000 limit=0xffffffff type=11 dpl=0 P S L" "$(out)"
expect_match regs_control "cr0    0x0000000080050033.*efer   0x0000000000000500" "$(out | tr '\n' ' ')"
sc -ex 'info registers' "$GUESTS/hello_boot.bootsect"
expect_match regs_real_mode "rip    0x0000000000007c00 .*mode   real cpl=0" "$(out | tr '\n' ' ')"
sc -ex 'info host' "$LAZY"
expect_match info_host "host KVM: API version [0-9]+.*RIP at an OUT exit: +(at|past) the OUT" "$(out | tr '\n' ' ')"

# ── prescan: prescan, pstart/pstep, map, info pages, poke, set depth/scan ──
sc --depth 0 -ex 'info pages' -ex 'pstart 0x40001a' -ex pstep -ex 'pstep 10' -ex 'attr 0x400021' \
   -ex 'prescan 0x40004f' -ex 'info pages' "$LAZY"
expect_eq pstep_output "1 attribute page
Page                Mode  Scanned  Virtualize  Traps
0x0000000000400000  64    8        3           3
traps: 3 planted, 256 handler entries guarded
scan started at 0x40001a (physical 0x40001a, mode 64, depth 0); worklist=[0x40001a@0]
0x40001a lea len=7 depth=0 native end=continue worklist=[0x400021@0]
0x400021 call len=5 depth=0 virtualize branch-unscanned end=continue target=0x40004f worklist=[0x400026@0]
0x400026 xor len=2 depth=0 native end=continue worklist=[0x400028@0]
0x400028 jmp len=2 depth=0 virtualize branch-unscanned end=depth-limit target=0x4000a1 worklist=[]
scan finished after 4 steps
0x400021 (physical 0x400021, mode 64): attr 0xd5 scanned virtualize kind=branch len=5 reason=branch-unscanned; trap virtualize (guest byte 0xe8)
prescan 0x40004f (physical 0x40004f, mode 64, depth 0): 8 instructions scanned, 2 virtualize
1 attribute page
Page                Mode  Scanned  Virtualize  Traps
0x0000000000400000  64    20       7           7
traps: 7 planted, 256 handler entries guarded" "$(out)"
sc -ex 'pstep' "$LAZY"
expect_eq pstep_without_scan "-ex 1: pstep: no scan in progress (start one with pstart ADDRESS)" "$(err)"

sc -ex 'break 0x400011' -ex 'map 0x400000' "$LAZY"
expect_eq map_header "page 0x400000 mode 64
legend: . unscanned  N native  V virtualize  - instruction body  T trap  B breakpoint  @ rip" "$(out | sed -n 2,3p)"
expect_eq map_row0 "000 @------N----N-N--B-N-V-N-.N------N----N-N-......................" "$(out | sed -n 4p)"
expect_eq map_rows 64 "$(out | grep -c '^[0-9a-f]\{3\} ')"

sc -ex 'show depth' -ex 'show scan' -ex 'set scan lazy' -ex 'show depth' -ex 'set scan recursive' -ex 'show depth' \
   -ex 'set depth 3' -ex 'show scan' -ex 'set depth 0' -ex 'show scan' -ex 'set depth 1000001' "$LAZY"
expect_eq depth_vars "depth = 16
scan = recursive
depth = 0
depth = 16
scan = recursive
scan = lazy" "$(out)"
expect_match depth_range "^-ex 11: set: .*1000001.*range 0\.\.1000000" "$(err)"

sc -ex 'poke 0x40002a 4c' -ex 'poke 0x500000 00' -ex 'poke 0x400013 b058' -ex 'x/2xb 0x400013' \
   -ex 'set on-error continue' -ex 'poke 0x400000 9' -ex 'poke 0x400000 zz' -ex 'poke 0x40000000 90' -ex 'poke 0x400000' "$LAZY"
expect_eq poke_output "poke 0x40002a (physical 0x40002a): 1 byte, data write into a code page (no scanned instruction hit)
poke 0x500000 (physical 0x500000): 1 byte, plain memory write (not a code page)
poke 0x400013 (physical 0x400013): 2 bytes, invalidated 1 page (26 attributes dropped)
0x400013:	0xb0	0x58" "$(out)"
expect_eq poke_errors "-ex 6: poke: \"9\" is not hex bytes (an even number of hex digits)
-ex 7: poke: \"zz\" is not hex bytes (an even number of hex digits)
-ex 8: poke: 0x40000000 is not mapped
-ex 9: poke: usage: poke ADDRESS HEXBYTES... (e.g. poke 0x401000 90 90, or 9090)" "$(err)"

# self-modifying code changes what the guest prints after a poke
sc -ex 'poke 0x400013 eb02' -ex 'poke 0x400011 9090' -ex run "$LAZY"
expect_eq poke_changes_guest "poke 0x400013 (physical 0x400013): 2 bytes, invalidated 1 page (26 attributes dropped)
poke 0x400011 (physical 0x400011): 2 bytes, invalidated 1 page (25 attributes dropped)
lazy: branching forward${NL}lazy: done${NL}guest exited: status 1" "$(out)"

sc -ex stats -ex run -ex stats "$LAZY"
expect_match stats_lines "^monitor: runs=0 .*enforce: vexits=0 .*engine: scans=[0-9]+ .*monitor: runs=[1-9][0-9]* .*enforce: vexits=[1-9]" "$(out | tr '\n' ' ')"

# ── session: trace on/off, info trace, echo, source, help, quit ─────────
sc -ex 'info trace' -ex "trace on $T/t.trace" -ex 'info trace' -ex run -ex 'trace off' -ex 'info trace' "$LAZY"
expect_eq trace_cmds "trace: off
tracing to $T/t.trace
trace: writing $T/t.trace
lazy: branching forward
lazy: done
guest exited: status 1
trace $T/t.trace closed
trace: off" "$(out)"
# a trace started by command records from then on: the same commands give the same trace
"$SCOUT" -ex "trace on $T/t2.trace" -ex run "$LAZY" >/dev/null 2>&1
"$SCOUT" trace diff "$T/t.trace" "$T/t2.trace" >/dev/null 2>&1
expect_eq trace_cmd_deterministic 0 $?
expect_match trace_cmd_events "^scout-trace 1${NL}1 run-start mode=long64 scan=recursive depth=16 guest=enf_lazy.elf64" "$(cat "$T/t.trace")"
"$SCOUT" --trace "$T/ref.trace" "$LAZY" >/dev/null 2>&1
sc -ex 'trace off' -ex 'trace on /nonexistent/dir/t' "$LAZY"
expect_eq trace_off_without "-ex 1: trace: no trace is being written" "$(err)"

printf 'echo one\\n\n# a comment\n\nsource %s/inner.scout\necho three\\n\n' "$T" >"$T/outer.scout"
printf 'echo two\\n\nbogus\necho never\n' >"$T/inner.scout"
sc -x "$T/outer.scout" "$LAZY"
expect_eq script_nested_error_out "one${NL}two" "$(out)"
expect_eq script_nested_error_line "$T/inner.scout:2: unknown command \"bogus\"; try \"help\"" "$(err)"
expect_eq script_error_status 1 "$RC"
sc -ex 'set on-error continue' -x "$T/outer.scout" "$LAZY"
expect_eq on_error_continue "one${NL}two${NL}neverthree" "$(out)"
expect_eq on_error_continue_status 1 "$RC"
sc -x "$T/missing.scout" "$LAZY"
expect_match missing_script "missing\.scout.*(No such file|cannot)" "$(err)"
expect_eq missing_script_status 1 "$RC"
head -c 3000 /dev/urandom >"$T/junk.bin"; printf '\x00\x01binary' >>"$T/junk.bin"
sc -x "$T/junk.bin" "$LAZY"
expect_match junk_script "junk\.bin:[0-9]+: (binary data in script|line too long)" "$(err)"
expect_eq junk_script_one_line 1 "$(err | wc -l)"
sc -ex 'echo a\n' -ex 'quit 7' -ex 'echo b\n' "$LAZY"
expect_eq quit_status "a|7" "$(out)|$RC"
sc -ex 'frobnicate' -ex 'echo no\n' "$LAZY"
expect_eq unknown_command "-ex 1: unknown command \"frobnicate\"; try \"help\"|1|" "$(err)|$RC|$(out)"
sc -ex 'help' "$LAZY"
for cmd in run continue stepi break delete interrupt info x xp disas prescan pstart pstep map attr poke stats trace source echo set show help quit; do
    if grep -q "^  $cmd\b" "$T/out"; then ok "help_lists_${cmd// /_}"; else not_ok "help_lists_${cmd// /_}" "$(head -c 300 "$T/out")"; fi
done
sc -ex 'help info' "$LAZY"
expect_eq help_info "Usage: info SUBCOMMAND
Subcommands:
  info breakpoints -- list breakpoints with hit and ignore counts
  info host -- what the host KVM probe found
  info pages -- every attribute page: scanned and virtualize counts, traps
  info plugins -- loaded plugins, their arguments, commands and counters
  info registers -- general, segment, descriptor-table and control registers
  info trace -- whether a trace is being written, and where" "$(out)"
sc -ex 'help x' "$LAZY"
expect_match help_x "x/NFU ADDRESS" "$(out)"

# ── one number parser (gdb's rules) for options and commands ───────────
sc --mem 010 -ex 'set on-error continue' -ex 'xp/1xb 0x7fffff' -ex 'xp/1xb 040000000' -ex 'x/1xb 010' \
   -ex 'break 08' -ex 'set depth 010' -ex 'show depth' "$LAZY"
expect_eq numbers_octal_everywhere "0x7fffff:	0x00
0x8:	0x00
depth = 8" "$(out)"
expect_eq numbers_octal_errors "-ex 3: xp: cannot read physical 0x800000: outside guest memory (0x800000 bytes)
-ex 5: break: \"08\" is not a number" "$(err)"

# --batch without commands runs the guest as before
sc --batch "$LAZY"
expect_eq batch_runs "lazy: branching forward${NL}lazy: done|1" "$(out)|$RC"

# ── scout trace diff / stats on equal, different, truncated, corrupt ────
cp "$T/ref.trace" "$T/same.trace"
"$SCOUT" trace diff "$T/ref.trace" "$T/same.trace" >"$T/out" 2>&1; expect_eq trace_diff_equal 0 $?
sed '5s/len=[0-9]*/len=9/' "$T/ref.trace" >"$T/diff.trace"
"$SCOUT" trace diff "$T/ref.trace" "$T/diff.trace" >"$T/out" 2>&1; RC=$?
expect_eq trace_diff_different 1 "$RC"
expect_match trace_diff_names_line ":5|line 5|event 4" "$(out)"
head -c -1 "$T/ref.trace" >"$T/trunc.trace"
"$SCOUT" trace diff "$T/ref.trace" "$T/trunc.trace" >"$T/out" 2>&1; RC=$?
expect_eq trace_diff_truncated 2 "$RC"
expect_match trace_diff_truncated_msg "trunc\.trace.*(truncated|newline)" "$(out)"
printf 'scout-trace 1\n1 scan page=0x1 %%zz\n' >"$T/bad.trace"
"$SCOUT" trace diff "$T/ref.trace" "$T/bad.trace" >"$T/out" 2>&1; RC=$?
expect_eq trace_diff_corrupt 2 "$RC"
expect_match trace_diff_corrupt_msg "bad\.trace:2" "$(out)"
"$SCOUT" trace stats "$T/bad.trace" >"$T/out" 2>&1; expect_eq trace_stats_corrupt 2 $?
"$SCOUT" trace stats "$T/ref.trace" >"$T/out" 2>&1; RC=$?
expect_match trace_stats_ok "^trace .*ref\.trace: [0-9]+ events" "$(out)|$RC"
finish
