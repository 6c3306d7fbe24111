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
# (enf_lazy has symbols: its ELF's; puts is in common64.inc)
sc -ex 'break 0x40005a' -ex 'info breakpoints' -ex run -ex 'continue 3' -ex 'info b' \
   -ex stepi -ex 'si 2' -ex 'delete 1' -ex 'info b' -ex c -ex 'continue' "$LAZY"
expect_eq exec_output "Breakpoint 1 at 0x40005a <puts+11>
Num  Type        Disp Enb Address             Physical            Hits  What
1    breakpoint  keep y   0x000000000040005a  0x000000000040005a  0     <puts+11>
Breakpoint 1, 0x40005a <puts+11>
=> 0x40005a <puts+11>:	out dx, al
Will ignore next 2 crossings of breakpoint 1.
lazBreakpoint 1, 0x40005a <puts+11>
=> 0x40005a <puts+11>:	out dx, al
Num  Type        Disp Enb Address             Physical            Hits  What
1    breakpoint  keep y   0x000000000040005a  0x000000000040005a  4     <puts+11>
y=> 0x40005b <puts+12>:	jmp 0x0000000000400055 <puts+6>
=> 0x400056 <puts+7>:	test al, al
No breakpoints or watchpoints.
: branching forward
lazy: done
guest exited: status 1" "$(out)"
expect_eq exec_continue_after_end "-ex 11: continue: the guest has ended (guest wrote 0x0 to the exit device: exit status 1); run starts it again" "$(err)"
expect_eq exec_status 1 "$RC"

# stepi through virtualize instructions: lazy branch (resolved, then stepped),
# call, an emulated ret; stepping the whole guest gives the same output
sc --depth 0 -ex si -ex si -ex 'si 4' -ex 'break 0x40005f' -ex c -ex si -ex 'si 3' -ex 'si 100000' "$LAZY"
expect_eq stepi_output "=> 0x400007 <_start+7>:	call 0x000000000040004F <puts>
=> 0x40004f <puts>:	push rax
=> 0x400056 <puts+7>:	test al, al
Breakpoint 1 at 0x40005f <puts+16>
lazy: branching forward
Breakpoint 1, 0x40005f <puts+16>
=> 0x40005f <puts+16>:	ret
=> 0x40000c <_start+12>:	xor eax, eax
=> 0x400017 <_start+23>:	jmp 0x000000000040001A <_start+26>
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

# (--foreground: timeout would pass SIGINT on to its process group too --
# scout would see it twice)
# Ctrl-C during run: the guest stops, the script goes on
timeout --foreground 20 "$SCOUT" -ex run -ex 'echo after\n' --mode long64 --cpl 3 "$GUESTS/spin64.flat64" >"$T/out" 2>"$T/err" & pid=$!
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
expect_eq x_formats "0x40000c <_start+12>:	0x31	0xc0	0x83	0xf8
0x400000 <_start>:	0x23358d48	0xe8000000
0x400000 <_start>:	0xe800000023358d48
0x40000c <_start+12>:	-16335	-1917	29696
0x400011 <_start+17>:	116	4
0x400013 <_start+19>:	0260
0x400013 <_start+19>:	10110000
0x40002a <msg>:	108 'l'	97 'a'
0x40002a <msg>:	\"lazy: branching forward\\n\"
0x400043 <done>:	\"lazy: done\\n\"
=> 0x400000 <_start>:	lea rsi, [0x000000000040002A]  # <msg>
   0x400007 <_start+7>:	call 0x000000000040004F <puts>
   0x40000c <_start+12>:	xor eax, eax
0x400002 <_start+2>:	0x35	0x23
0x40000c:	0x31	0xc0	0x83	0xf8
0x400015 <_start+21>:	0xe6
0x400015 (physical 0x400015, mode 64): attr 0xc2 scanned virtualize kind=plain len=2 reason=sensitive; trap virtualize (guest byte 0xe6)
0x400011 (physical 0x400011, mode 64): attr 0x92 scanned native kind=branch len=2 reason=none
0x40002a (physical 0x40002a, mode 64): attr 0x00 not scanned
   0x400011 <_start+17>:  74 04                      jz 0x0000000000400017 <_start+23>    ; native
   0x400013 <_start+19>:  b0 58                      mov al, 0x58                         ; native
   0x400015 <_start+21>:  e6 e9                      out 0xE9, al                         ; virtualize sensitive [trap virtualize]" "$(out)"
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
expect_eq map_header "page 0x400000 mode 64: 26 instructions scanned, 6 virtualize, 7 trap bytes
legend: . unscanned  n native  V virtualize  - body  T trap  B breakpoint  @ rip  W write  X hit  : dropped  L link in" "$(out | sed -n 2,3p)"
expect_eq map_row0 "000 @------n----n-n--B-n-V-n-.n------n----n-n-......................" "$(out | sed -n 4p)"
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
0x400013 <_start+19>:	0xb0	0x58" "$(out)"
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
expect_match trace_cmd_events "^scout-trace 1${NL}1 guest name=enf_lazy.elf64 format=elf size=[0-9]+ sha256=[0-9a-f]{64}${NL}2 option name=scan value=recursive${NL}3 option name=depth value=16${NL}.*run-start mode=long64 scan=recursive depth=16 guest=enf_lazy.elf64" "$(cat "$T/t.trace")"
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
{ printf '\x00\x01binary'; head -c 3000 /dev/urandom; } >"$T/junk.bin"   # binary from its first line
sc -x "$T/junk.bin" "$LAZY"
expect_match junk_script "junk\.bin:[0-9]+: (binary data in script|line too long)" "$(err)"
expect_eq junk_script_one_line 1 "$(err | wc -l)"
sc -ex 'echo a\n' -ex 'quit 7' -ex 'echo b\n' "$LAZY"
expect_eq quit_status "a|7" "$(out)|$RC"
sc -ex 'frobnicate' -ex 'echo no\n' "$LAZY"
expect_eq unknown_command "-ex 1: unknown command \"frobnicate\"; try \"help\"|1|" "$(err)|$RC|$(out)"
sc -ex 'help' "$LAZY"
for cmd in run continue stepi break delete interrupt info x xp disas prescan pstart pstep map attr poke stats trace source echo set show help quit \
           kill nexti finish until advance tbreak watch rwatch awatch enable disable condition ignore commands print output \
           display undisplay list symbol-file page rescan forget layout winheight focus; do
    if grep -q "^  $cmd\b" "$T/out"; then ok "help_lists_${cmd// /_}"; else not_ok "help_lists_${cmd// /_}" "$(head -c 300 "$T/out")"; fi
done
sc -ex 'help info' "$LAZY"
expect_eq help_info "Usage: info SUBCOMMAND
Subcommands:
  info breakpoints -- breakpoints and watchpoints: hits, conditions, commands
  info display -- the expressions display shows
  info functions -- code symbols (matching REGEX)
  info gdt -- the GDT's descriptors, decoded (Bochs)
  info host -- what the host KVM probe found
  info idt -- the IDT's gates (the IVT in real mode) with their handlers (Bochs)
  info ldt -- the current LDT's descriptors (Bochs)
  info line -- where a source line's code starts and ends
  info mem -- mapped linear ranges with permissions and physical addresses (QEMU, Bochs)
  info pages -- every attribute page: scanned and virtualize counts, traps
  info plugins -- loaded plugins, their arguments, commands and counters
  info registers -- general, segment, descriptor-table and control registers
  info symbol -- which symbol an address is in (and its source line)
  info tlb -- every page mapping: linear, physical, size, permissions (QEMU)
  info trace -- whether a trace is being written, and where
  info tss -- the task state segment TR points to (Bochs)
  info variables -- data symbols (matching REGEX)" "$(out)"
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
sed '12s/len=[0-9]*/len=9/' "$T/ref.trace" >"$T/diff.trace"
"$SCOUT" trace diff "$T/ref.trace" "$T/diff.trace" >"$T/out" 2>&1; RC=$?
expect_eq trace_diff_different 1 "$RC"
expect_match trace_diff_names_line ":12|line 12|event 11" "$(out)"
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

# ══ the debugger (issue 13) on tests/guests/dbg64.s, assembled with -g:
# _start 0x400000 (mov $3,%ecx), spin 0x400005 (loop spin: taken twice),
# call add3 at 0x40000c, add3 0x40006a (rax = rdi+3 = 10), bump 0x40006f
# (counter += rbx; counter is .data 0x401000), value 0x400077 (mov $1,%eax),
# patch 0x40007d (stores 42 into value+1: an invalidation), msg 0x400085.
# It prints "dbg: counter 0x14 value 0x2a" and exits with status 0 (scout's
# 1).  Every expected value below follows from that source.
sc '-ex' 'break _start' '-ex' 'run' '-ex' 'p $rcx' '-ex' 'si' '-ex' 'si' '-ex' 'p $rcx' '-ex' 'si 3' '-ex' 'p $rip' "$GUESTS/dbg64.elf64"
expect_eq self_branch_steps "Breakpoint 1 at 0x400000 <_start>: file dbg64.s, line 13.
Breakpoint 1, 0x400000 <_start>
dbg64.s:13	_start: mov \$3, %ecx
=> 0x400000 <_start>:	mov ecx, 0x03
\$1 = 0
dbg64.s:14	spin:   loop spin
=> 0x400005 <spin>:	loop 0x0000000000400005 <spin>
dbg64.s:14	spin:   loop spin
=> 0x400005 <spin>:	loop 0x0000000000400005 <spin>
\$2 = 2
dbg64.s:16	        call add3
=> 0x40000c <spin+7>:	call 0x000000000040006A <add3>
\$3 = 0x40000c <spin+7>" "$(out)"
expect_eq self_branch_steps_status 0 "$RC"
sc '-ex' 'break spin' '-ex' 'run' '-ex' 'c' '-ex' 'p $rcx' '-ex' 'c' '-ex' 'p $rcx' '-ex' 'info b' "$GUESTS/dbg64.elf64"
expect_eq self_branch_breakpoint "Breakpoint 1 at 0x400005 <spin>: file dbg64.s, line 14.
Breakpoint 1, 0x400005 <spin>
dbg64.s:14	spin:   loop spin
=> 0x400005 <spin>:	loop 0x0000000000400005 <spin>
Breakpoint 1, 0x400005 <spin>
dbg64.s:14	spin:   loop spin
=> 0x400005 <spin>:	loop 0x0000000000400005 <spin>
\$1 = 2
Breakpoint 1, 0x400005 <spin>
dbg64.s:14	spin:   loop spin
=> 0x400005 <spin>:	loop 0x0000000000400005 <spin>
\$2 = 1
Num  Type        Disp Enb Address             Physical            Hits  What
1    breakpoint  keep y   0x0000000000400005  0x0000000000400005  3     <spin>" "$(out)"
sc '--mode' 'long64' '--cpl' '3' '-ex' 'si' '-ex' 'si 5' '-ex' 'break 0x100000' '-ex' 'c' '-ex' 'c 3' '-ex' 'info b' "$GUESTS/spin64.flat64"
expect_eq jmp_self "=> 0x100000:	jmp 0x0000000000100000
=> 0x100000:	jmp 0x0000000000100000
Breakpoint 1 at 0x100000
Breakpoint 1, 0x100000
=> 0x100000:	jmp 0x0000000000100000
Will ignore next 2 crossings of breakpoint 1.
Breakpoint 1, 0x100000
=> 0x100000:	jmp 0x0000000000100000
Num  Type        Disp Enb Address             Physical            Hits  What
1    breakpoint  keep y   0x0000000000100000  0x0000000000100000  4     0x100000" "$(out)"
expect_eq jmp_self_status 0 "$RC"
sc '-ex' 'break add3' '-ex' 'run' '-ex' 'p $rdi' '-ex' 'p $rdi + 3' '-ex' 'p/x $rdi * 0x10' '-ex' 'p -$rdi' '-ex' 'p/t 10' '-ex' 'p/o 8' '-ex' 'p/c 65' '-ex' 'p '\''A'\'' + 1' '-ex' 'p 1 << 4 | 1' '-ex' 'p (1 == 1) && (2 > 3)' '-ex' 'p 7 / 2' '-ex' 'p 7 % 3' '-ex' 'p 5 - 10' '-ex' 'p $1 + $2' '-ex' 'p add3' '-ex' 'p add3+4' '-ex' 'p/x &counter' '-ex' 'p *(char *)value' '-ex' 'p/x *(int *)add3' '-ex' 'p/x *(unsigned char *)(value + 1)' '-ex' 'p (char)0x141' '-ex' 'p (int)0xffffffff' '-ex' 'p $rip' '-ex' 'p $eflags' '-ex' 'p $rsp' '-ex' 'p/a 0x40006e' '-ex' 'p' '-ex' 'output 6*7' "$GUESTS/dbg64.elf64"
expect_eq print_values "Breakpoint 1 at 0x40006a <add3>: file dbg64.s, line 37.
Breakpoint 1, 0x40006a <add3>
dbg64.s:37	add3:   lea 3(%rdi), %rax
=> 0x40006a <add3>:	lea rax, [rdi+0x03]
\$1 = 7
\$2 = 10
\$3 = 0x70
\$4 = -7
\$5 = 1010
\$6 = 010
\$7 = 65 'A'
\$8 = 66
\$9 = 17
\$10 = 0
\$11 = 3
\$12 = 1
\$13 = -5
\$14 = 17
\$15 = 0x40006a <add3>
\$16 = 0x40006e <add3+4>
\$17 = 0x401000
\$18 = -72
\$19 = 0x3478d48
\$20 = 0x1
\$21 = 65
\$22 = -1
\$23 = 0x40006a <add3>
\$24 = [ ]
\$25 = 0x7fbfff8
\$26 = 0x40006e <add3+4>
\$27 = 4194414
42" "$(out)"
sc '-ex' 'set on-error continue' '-ex' 'p' '-ex' 'p 1 +' '-ex' 'p nosuch' '-ex' 'p $nosuch' '-ex' 'p 1/0' '-ex' 'p *0x40000000' '-ex' 'p (1' '-ex' 'p 1)' '-ex' 'p/q 1' '-ex' 'p $1' '-ex' 'p *(float *)0' '-ex' 'output' "$GUESTS/dbg64.elf64"
expect_eq print_errors "-ex 2: print: the value history is empty (print EXPRESSION)
-ex 3: print: bad expression \"1 +\": term expected after '+'
-ex 4: print: no symbol \"nosuch\" in the guest's symbols
-ex 5: print: unknown register \"\$nosuch\"
-ex 6: print: division by zero
-ex 7: print: cannot access memory at address 0x40000000
-ex 8: print: bad expression \"(1\": ')' expected
-ex 9: print: bad expression \"1)\": unbalanced ')'
-ex 10: print: bad format \"/q\": one of /x /d /u /o /t /c /a
-ex 11: print: history is empty or has no value \$1
-ex 12: print: no symbol \"float\" in the guest's symbols
-ex 13: output: expression expected" "$(err)"
expect_eq print_errors_status 1 "$RC"
sc '--mode' 'long64' '-ex' 'p top' "$GUESTS/spin64.flat64"
expect_eq symbol_without_symbols "-ex 1: print: \"top\" is not a number, and no symbols are loaded (symbol-file FILE)" "$(err)"
expect_eq symbol_without_symbols_status 1 "$RC"
sc '-ex' 'break patch' '-ex' 'run' '-ex' 'set $rax = 0x1234' '-ex' 'p/x $rax' '-ex' 'set $al = 0x77' '-ex' 'p/x $rax' '-ex' 'set $eax = 1' '-ex' 'p/x $rax' '-ex' 'set var *(char *)msg = 0x44' '-ex' 'x/s msg' '-ex' 'p $ax = 0x10' '-ex' 'info registers rax eax al rip eflags $rsp cs' '-ex' 'c' "$GUESTS/dbg64.elf64"
expect_eq set_registers_memory "Breakpoint 1 at 0x40007d <patch>: file dbg64.s, line 49.
Breakpoint 1, 0x40007d <patch>
dbg64.s:49	patch:  movb \$42, value+1(%rip)
=> 0x40007d <patch>:	mov byte ptr [0x0000000000400078], 0x2A  # <value+1>
\$1 = 0x1234
\$2 = 0x1277
\$3 = 0x1
0x400085 <msg>:	\"Dbg: counter \"
\$4 = 16
rax            0x10                 16
eax            0x10                 16
al             0x10                 16
rip            0x40007d             0x40007d <patch>
eflags         0x16                 [ PF AF ]
rsp            0x7fbfff8            0x7fbfff8
cs             0x8                  8
Dbg: counter 0x14 value 0x2a
guest exited: status 1" "$(out)"
expect_eq set_registers_memory_status 0 "$RC"
sc '-ex' 'set on-error continue' '-ex' 'set $rax =' '-ex' 'set $cs = 3' '-ex' 'set 1 = 2' '-ex' 'set var 5' '-ex' 'set $nope = 1' '-ex' 'info registers nope' '-ex' 'set *(int *)0x40000000 = 1' "$GUESTS/dbg64.elf64"
expect_eq set_errors "-ex 2: set: bad expression \"\$rax =\": term expected after '='
-ex 3: set: cannot set \$cs: not writable here
-ex 4: set: unknown variable \"1\"; try \"show\"
-ex 5: set: expected an assignment: set \$REGISTER = VALUE, set *(TYPE *)ADDRESS = VALUE
-ex 6: set: unknown register \"\$nope\"
-ex 7: info registers: unknown register \"\$nope\"
-ex 8: set: cannot access memory at address 0x40000000" "$(err)"
expect_eq set_errors_status 1 "$RC"
# a bad name after a good one: one error line (the good one's value is not
# taken for the bad one's)
sc '-ex' 'set on-error continue' '-ex' 'info registers rbx' '-ex' 'info registers bogus' "$GUESTS/dbg64.elf64"
expect_eq info_registers_one_error '-ex 3: info registers: unknown register "$bogus"' "$(err)"
sc '-ex' 'tbreak add3' '-ex' 'break bump if $rbx == 10' '-ex' 'info breakpoints' '-ex' 'run' '-ex' 'info breakpoints' '-ex' 'c' '-ex' 'p/x counter' '-ex' 'p *(long *)counter' '-ex' 'finish' '-ex' 'display $rbx' '-ex' 'display/x *(long *)counter' '-ex' 'info display' '-ex' 'c' '-ex' 'undisplay 1' '-ex' 'condition 2' '-ex' 'disable 2' '-ex' 'advance value' '-ex' 'until' '-ex' 'until' '-ex' 'x/2xb value' '-ex' 'x' '-ex' 'enable 2' '-ex' 'delete' '-ex' 'kill' '-ex' 'run' "$GUESTS/dbg64.elf64"
expect_eq tbreak_finish_display "Temporary breakpoint 1 at 0x40006a <add3>: file dbg64.s, line 37.
Breakpoint 2 at 0x40006f <bump>: file dbg64.s, line 41.
Num  Type        Disp Enb Address             Physical            Hits  What
1    breakpoint  del  y   0x000000000040006a  0x000000000040006a  0     <add3>
2    breakpoint  keep y   0x000000000040006f  0x000000000040006f  0     <bump>
        stop only if \$rbx == 10
Temporary breakpoint 1, 0x40006a <add3>
dbg64.s:37	add3:   lea 3(%rdi), %rax
=> 0x40006a <add3>:	lea rax, [rdi+0x03]
Num  Type        Disp Enb Address             Physical            Hits  What
2    breakpoint  keep y   0x000000000040006f  0x000000000040006f  0     <bump>
        stop only if \$rbx == 10
Breakpoint 2, 0x40006f <bump>
dbg64.s:41	bump:   add %rbx, counter(%rip)
=> 0x40006f <bump>:	add [0x0000000000401000], rbx  # <counter>
\$1 = 0x401000
\$2 = 0
Run till exit from 0x40006f <bump>
dbg64.s:19	        call bump
=> 0x400019 <spin+20>:	call 0x000000000040006F <bump>
Value returned is \$3 = 10
1: \$rbx = 10
2: /x *(long *)counter = 0xa
Auto-display expressions now in effect:
Num Expression
1:  \$rbx
2:  /x *(long *)counter
Breakpoint 2, 0x40006f <bump>
dbg64.s:41	bump:   add %rbx, counter(%rip)
=> 0x40006f <bump>:	add [0x0000000000401000], rbx  # <counter>
1: \$rbx = 10
2: /x *(long *)counter = 0xa
Breakpoint 2 now unconditional.
dbg64.s:45	value:  mov \$1, %eax
=> 0x400077 <value>:	mov eax, 0x01
2: /x *(long *)counter = 0x14
dbg64.s:46	        ret
=> 0x40007c <value+5>:	ret
2: /x *(long *)counter = 0x14
dbg64.s:21	        call patch
=> 0x400023 <spin+30>:	call 0x000000000040007D <patch>
2: /x *(long *)counter = 0x14
0x400077 <value>:	0xb8	0x01
0x400079 <value+2>:	0x00
[guest dbg64.elf64 killed]
Starting dbg64.elf64 again from its initial state.
dbg: counter 0x14 value 0x2a
guest exited: status 1" "$(out)"
expect_eq tbreak_finish_display_status 0 "$RC"
sc '-ex' 'break bump' '-ex' 'commands' '-ex' 'silent' '-ex' 'p $rbx' '-ex' 'continue' '-ex' 'end' '-ex' 'info b' '-ex' 'watch counter' '-ex' 'run' '-ex' 'c' '-ex' 'info b' '-ex' 'run' '-ex' 'delete 1' '-ex' 'c' '-ex' 'c' "$GUESTS/dbg64.elf64"
expect_eq watch_commands "Breakpoint 1 at 0x40006f <bump>: file dbg64.s, line 41.
Type commands for breakpoint 1, one per line.
End with a line saying just \"end\".
Num  Type        Disp Enb Address             Physical            Hits  What
1    breakpoint  keep y   0x000000000040006f  0x000000000040006f  0     <bump>
        silent
        p \$rbx
        continue
Watchpoint 2: counter (8 bytes at 0x401000)
\$1 = 10

Watchpoint 2: counter

Old value = 0
New value = 10
dbg64.s:42	        ret
=> 0x400076 <bump+7>:	ret
\$2 = 10

Watchpoint 2: counter

Old value = 10
New value = 20
dbg64.s:42	        ret
=> 0x400076 <bump+7>:	ret
Num  Type        Disp Enb Address             Physical            Hits  What
1    breakpoint  keep y   0x000000000040006f  0x000000000040006f  2     <bump>
        silent
        p \$rbx
        continue
2    watchpoint  keep y   0x0000000000401000  0x0000000000401000  2     counter (8 bytes)
Starting dbg64.elf64 again from its initial state.
\$3 = 10

Watchpoint 2: counter

Old value = 0
New value = 10
dbg64.s:42	        ret
=> 0x400076 <bump+7>:	ret

Watchpoint 2: counter

Old value = 10
New value = 20
dbg64.s:42	        ret
=> 0x400076 <bump+7>:	ret
dbg: counter 0x14 value 0x2a
guest exited: status 1" "$(out)"
expect_eq watch_commands_status 0 "$RC"
sc '-ex' 'watch *(int *)(counter + 4)' '-ex' 'run' "$GUESTS/dbg64.elf64"
expect_eq watch_deref_untouched "Watchpoint 1: *(int *)(counter + 4) (4 bytes at 0x401004)
dbg: counter 0x14 value 0x2a
guest exited: status 1" "$(out)"
sc '-ex' 'set on-error continue' '-ex' 'watch 5' '-ex' 'watch $rax' '-ex' 'watch *0x7ffffff' '-ex' 'rwatch counter' '-ex' 'awatch counter' '-ex' 'watch *(long *)0x400ffc' '-ex' 'watch' "$GUESTS/dbg64.elf64"
expect_eq watch_errors "-ex 2: watch: cannot watch a constant: use watch *ADDRESS or watch *(TYPE *)ADDRESS
-ex 3: watch: cannot watch a register: scout watches guest stores to memory
-ex 4: watch: cannot access memory at address 0x7ffffff
-ex 5: rwatch: scout cannot watch reads: KVM has no read-protected pages, only guest stores reach the monitor (use watch)
-ex 6: awatch: scout cannot watch reads: KVM has no read-protected pages, only guest stores reach the monitor (use watch)
-ex 7: watch: 0x400ffc+8 crosses a page: a watched range must be inside one page
-ex 8: watch: usage: watch SYMBOL | *ADDRESS | *(TYPE *)ADDRESS" "$(err)"
expect_eq watch_errors_status 1 "$RC"
sc '-ex' 'set on-error continue' '-ex' 'break nosuch' '-ex' 'break dbg64.s:9999' '-ex' 'break nofile.s:3' '-ex' 'break add3 if' '-ex' 'break add3 if 1 +' '-ex' 'tbreak 0x40000000' '-ex' 'condition 9 1' '-ex' 'condition' '-ex' 'ignore 1' '-ex' 'commands 9' '-ex' 'enable 9' '-ex' 'disable x' '-ex' 'delete 9' '-ex' 'undisplay 4' '-ex' 'finish' '-ex' 'until' '-ex' 'advance' '-ex' 'kill' '-ex' 'run' '-ex' 'advance nosuch' '-ex' 'until 1 2' "$GUESTS/dbg64.elf64"
expect_eq break_errors "-ex 2: break: no symbol \"nosuch\" in the guest's symbols
-ex 3: break: no code at or after line 9999 of \"dbg64.s\"
-ex 4: break: no code at or after line 3 of \"nofile.s\"
-ex 5: break: condition expected after \"if\"
-ex 6: break: bad expression \"1 +\": term expected after '+'
-ex 7: tbreak: 0x40000000 is not mapped
-ex 8: condition: no breakpoint number 9
-ex 9: condition: usage: condition N [EXPRESSION] (none: unconditional)
-ex 10: ignore: usage: ignore N COUNT
-ex 11: commands: no breakpoint number 9
-ex 12: enable: no breakpoint number 9
-ex 13: disable: \"x\" is not a number
-ex 14: delete: no breakpoint number 9
-ex 15: undisplay: no display number 4
-ex 16: finish: the guest is not running (use run)
-ex 17: until: the guest is not running (use run)
-ex 18: advance: the guest is not running (use run)
-ex 19: kill: the guest is not being run
-ex 21: advance: the guest has ended (guest wrote 0x0 to the exit device: exit status 1); run starts it again
-ex 22: until: the guest has ended (guest wrote 0x0 to the exit device: exit status 1); run starts it again" "$(err)"
expect_eq break_errors_status 1 "$RC"
sc '-ex' 'break dbg64.s:18' '-ex' 'run' '-ex' 'nexti' '-ex' 'ni' '-ex' 'info line' '-ex' 'info line add3' '-ex' 'list add3' '-ex' 'list' '-ex' 'list 3' '-ex' 'info symbol 0x400071' '-ex' 'info symbol counter' '-ex' 'info symbol 0x3fc0000' '-ex' 'info functions ^(add3|bump)$' '-ex' 'info variables' "$GUESTS/dbg64.elf64"
expect_eq lines_and_symbols "Breakpoint 1 at 0x400014 <spin+15>: file dbg64.s, line 18.
Breakpoint 1, 0x400014 <spin+15>
dbg64.s:18	        call bump
=> 0x400014 <spin+15>:	call 0x000000000040006F <bump>
dbg64.s:19	        call bump
=> 0x400019 <spin+20>:	call 0x000000000040006F <bump>
dbg64.s:20	        call value
=> 0x40001e <spin+25>:	call 0x0000000000400077 <value>
Line 20 of \"dbg64.s\" starts at address 0x40001e <spin+25> and ends at 0x400023 <spin+30>.
Line 37 of \"dbg64.s\" starts at address 0x40006a <add3> and ends at 0x40006e <add3+4>.
32	        call puthex
33	        call putnl
34	        xor %eax, %eax
35	        jmp exit
36	        .type add3, @function
37	add3:   lea 3(%rdi), %rax
38	        ret
39	        .size add3, . - add3
40	        .type bump, @function
41	bump:   add %rbx, counter(%rip)
42	        ret
43	        .size bump, . - bump
44	        .type value, @function
45	value:  mov \$1, %eax
46	        ret
47	        .size value, . - value
48	        .type patch, @function
49	patch:  movb \$42, value+1(%rip)
50	        ret
51	        .size patch, . - patch
1	# dbg64: the debugger's test guest (tests/integration/debugger.sh,
2	# tests/tui/tui_debug.sh), assembled with \`as -g\`: symbols and line
3	# information.  In order it
4	#   - runs \`loop spin\` on itself twice (a self-branching instruction),
5	#   - calls add3(7) = 10 and bump twice: counter += 10 (a data variable in
6	#     .data: \`watch counter\`),
7	#   - calls value (1), patch (a store into value's immediate: an
8	#     invalidation of this page), value again (42),
9	#   - prints \"dbg: counter 0x14 value 0x2a\" and exits with status 0.
10	        .code64
bump + 2 (code at 0x40006f), dbg64.s:41
counter (data at 0x401000)
No symbol matches 0x3fc0000.
All functions matching regular expression \"^(add3|bump)\$\":
0x000000000040006a  add3
0x000000000040006f  bump
All defined variables:
0x0000000000401000  counter
0x0000000000401008  __bss_start
0x0000000000401008  _edata
0x0000000000401008  _end" "$(out)"
expect_eq lines_and_symbols_status 0 "$RC"
sc '-ex' 'set on-error continue' '-ex' 'list 9999' '-ex' 'info line nosuch' '-ex' 'info symbol' '-ex' 'symbol-file /nonexistent' '-ex' 'info functions (' '-ex' 'symbol-file' "$GUESTS/dbg64.elf64"
expect_eq lines_errors "-ex 2: list: line 9999 is out of range: \"dbg64.s\" has 58 lines
-ex 3: info line: no symbol \"nosuch\" in the guest's symbols
-ex 4: info symbol: usage: info symbol ADDRESS
-ex 5: symbol-file: /nonexistent: No such file or directory
-ex 6: info functions: bad regular expression \"(\": Unmatched ( or \\(
-ex 7: symbol-file: usage: symbol-file FILE (an ELF, or nm / System.map text)" "$(err)"
expect_eq lines_errors_status 1 "$RC"
sc '-ex' 'set on-error continue' '-ex' 'list' '-ex' 'info line' '-ex' 'break x.s:3' "$GUESTS/enf_lazy.elf64"
expect_eq no_line_info "-ex 2: list: no line information: the guest's symbols have none (assemble with as -g, compile with -g)
-ex 3: info line: no line information: the guest's symbols have none (assemble with as -g, compile with -g)
-ex 4: break: x.s:3: no line information (the guest's symbols have none: assemble with -g)" "$(err)"
expect_eq no_line_info_status 1 "$RC"

sc '-ex' 'info gdt' '-ex' 'info gdt 6 7' '-ex' 'info idt 0 3' '-ex' 'info idt 14' '-ex' 'info tss' '-ex' 'page 0x400000' '-ex' 'page $rsp' '-ex' 'page 0x80000000000' '-ex' 'info mem' "$GUESTS/dbg64.elf64"
expect_eq tables "Global Descriptor Table (base=0x7fc0000, limit=0x3f):
GDT[0] sel 0x0000: null
GDT[1] sel 0x0008: code 64-bit, base=0x0, limit=0xffffffff, dpl=0, present, Execute/Read, accessed
GDT[2] sel 0x0010: data 32-bit, base=0x0, limit=0xffffffff, dpl=0, present, Read/Write, accessed
GDT[3] sel 0x0018: code 32-bit, base=0x0, limit=0xffffffff, dpl=0, present, Execute/Read, accessed
GDT[4] sel 0x0020: data 32-bit, base=0x0, limit=0xffffffff, dpl=3, present, Read/Write, accessed
GDT[5] sel 0x0028: code 64-bit, base=0x0, limit=0xffffffff, dpl=3, present, Execute/Read, accessed
GDT[6] sel 0x0030: 64-bit TSS (busy), base=0x7fc1000, limit=0x2068, dpl=0, present
(1 null entries not shown)
Global Descriptor Table (base=0x7fc0000, limit=0x3f):
GDT[6] sel 0x0030: 64-bit TSS (busy), base=0x7fc1000, limit=0x2068, dpl=0, present
GDT[7] sel 0x0038: null
Interrupt Descriptor Table (base=0x7fc4000, limit=0xfff):
IDT[0x00]=64-bit interrupt gate, selector=0x0008, offset=0x7fc5000, dpl=0, present, ist=1 (#DE)
IDT[0x01]=64-bit interrupt gate, selector=0x0008, offset=0x7fc5010, dpl=0, present, ist=1 (#DB)
IDT[0x02]=64-bit interrupt gate, selector=0x0008, offset=0x7fc5020, dpl=0, present, ist=1 (NMI)
IDT[0x03]=64-bit interrupt gate, selector=0x0008, offset=0x7fc5030, dpl=3, present, ist=1 (#BP)
Interrupt Descriptor Table (base=0x7fc4000, limit=0xfff):
IDT[0x0e]=64-bit interrupt gate, selector=0x0008, offset=0x7fc50e0, dpl=0, present, ist=1 (#PF)
TR 0x0030: TSS at 0x7fc1000, limit 0x2068, busy
rsp0 0x0000000007fc8000  rsp1 0x0000000000000000  rsp2 0x0000000000000000
ist1 0x0000000007fc8000  ist2 0x0000000000000000  ist3 0x0000000000000000
ist4 0x0000000000000000  ist5 0x0000000000000000  ist6 0x0000000000000000
ist7 0x0000000000000000
iomap base 0x0068
linear 0x400000, paging 4-level
PML4E  at 0x000007fd0000: 0x0000000007fd1027  A U W P
PDPTE  at 0x000007fd1000: 0x0000000007fd2027  A U W P
PDE    at 0x000007fd2010: 0x00000000004000e7  PS D A U W P
linear page 0x400000 maps to physical 0x400000 (2M page, writable, user)
linear 0x7fc0000, paging 4-level
PML4E  at 0x000007fd0000: 0x0000000007fd1027  A U W P
PDPTE  at 0x000007fd1000: 0x0000000007fd2027  A U W P
PDE    at 0x000007fd21f8: 0x0000000007fd3027  A U W P
PTE    at 0x000007fd3e00: 0x0000000007fc0063  D A S W P
linear page 0x7fc0000 maps to physical 0x7fc0000 (4K page, writable, supervisor)
linear 0x80000000000, paging 4-level
PML4E  at 0x000007fd0080: 0x0000000000000000  S R not-present
not mapped
linear range                      size             prot -> physical
0000000000000000-0000000007fc0000 0000000007fc0000 urw  -> 000000000000
0000000007fc0000-0000000008000000 0000000000040000 -rw  -> 000007fc0000
00000000fe000000-0000000100000000 0000000002000000 -rw  -> 0000fe000000" "$(out)"
expect_eq tables_status 0 "$RC"
sc --no-bios '-ex' 'info idt 0 1' '-ex' 'info mem' '-ex' 'page 0x7c00' '-ex' 'info gdt 0 1' "$GUESTS/hello_boot.bootsect"
expect_eq tables_real_mode "Interrupt Vector Table (base=0x0, limit=0xffff):
IVT[0x00]=0000:0000
IVT[0x01]=0000:0000
paging is off: linear addresses are physical (the first 4 GiB)
linear 0x7c00, paging none
linear page 0x7000 maps to physical 0x7000 (4K page, writable, user)
Global Descriptor Table (base=0x0, limit=0xffff):
(real mode: the CPU does not use it)
GDT[0] sel 0x0000: null
GDT[1] sel 0x0008: null" "$(out)"
expect_eq tables_real_mode_status 0 "$RC"
sc '-ex' 'set on-error continue' '-ex' 'info gdt 999' '-ex' 'info gdt 2 1' '-ex' 'info ldt' '-ex' 'page' '-ex' 'info idt x' '-ex' 'info tss 1' "$GUESTS/dbg64.elf64"
expect_eq tables_errors "-ex 2: info gdt: entries 999..999 are not in the table (it has 8)
-ex 3: info gdt: entries 2..1 are not in the table (it has 8)
-ex 4: info ldt: no LDT is loaded (LDTR selector 0x0000)
-ex 5: page: usage: page ADDRESS (info mem: every mapping)
-ex 6: info idt: \"x\" is not a number
-ex 7: info tss: takes no arguments" "$(err)"
expect_eq tables_errors_status 1 "$RC"
sc '--symbols' "$GUESTS/hello_boot.bootsect.elf" '-ex' 'info symbol $pc' '-ex' 'x/3i $pc' '-ex' 'x/s msg' '-ex' 'break _start+3' '-ex' 'run' "$GUESTS/hello_boot.bootsect"
expect_eq bootsect_symbols "_start (code at 0x7c00)
=> 0x7c00 <_start>:	cli
   0x7c01 <_start+1>:	xor ax, ax
   0x7c03 <_start+3>:	mov ds, ax
0x7c1c <msg>:	\"hello from real mode\\n\"
Breakpoint 1 at 0x7c03 <_start+3>
Breakpoint 1, 0x7c03 <_start+3>
=> 0x7c03 <_start+3>:	mov ds, ax" "$(out)"
expect_eq bootsect_symbols_status 0 "$RC"
sc '--mode' 'real' '--load' '0x7c00' '-ex' 'set on-error continue' '-ex' 'p msg' -ex "symbol-file $GUESTS/hello_boot.bootsect.elf" '-ex' 'x/s msg' "$GUESTS/hello_boot.bootsect"
expect_eq symbol_file_cmd "Reading symbols from $GUESTS/hello_boot.bootsect.elf: 6 symbols, no line information.
0x7c1c <msg>:	\"hello from real mode\\n\"" "$(out)"
expect_eq symbol_file_cmd_status 1 "$RC"
sc '-ex' 'set on-error continue' '-ex' 'symbol-file /nonexistent' '-ex' 'symbol-file' "$GUESTS/hello_boot.bootsect"
expect_eq symbol_file_errors "-ex 2: symbol-file: /nonexistent: No such file or directory
-ex 3: symbol-file: usage: symbol-file FILE (an ELF, or nm / System.map text)" "$(err)"
expect_eq symbol_file_errors_status 1 "$RC"
sc '-ex' 'info pages' '-ex' 'set depth 0' '-ex' 'rescan' '-ex' 'info pages' '-ex' 'forget add3' '-ex' 'info pages' '-ex' 'set depth 16' '-ex' 'rescan 0x400000' '-ex' 'info pages' '-ex' 'run' "$GUESTS/dbg64.elf64"
expect_eq rescan_forget "1 attribute page
Page                Mode  Scanned  Virtualize  Traps
0x0000000000400000  64    81       15          15
traps: 15 planted, 256 handler entries guarded
rescan page 0x400000 at depth 0: 81 instructions scanned, 29 virtualize
1 attribute page
Page                Mode  Scanned  Virtualize  Traps
0x0000000000400000  64    81       28          28
traps: 28 planted, 256 handler entries guarded
page 0x400000: attributes and traps dropped (breakpoints kept)
1 attribute page
Page                Mode  Scanned  Virtualize  Traps
0x0000000000400000  64    23       12          12
traps: 12 planted, 256 handler entries guarded
rescan page 0x400000 at depth 16: 81 instructions scanned, 29 virtualize
1 attribute page
Page                Mode  Scanned  Virtualize  Traps
0x0000000000400000  64    81       15          15
traps: 15 planted, 256 handler entries guarded
dbg: counter 0x14 value 0x2a
guest exited: status 1" "$(out)"
expect_eq rescan_forget_status 0 "$RC"
sc '-ex' 'set on-error continue' '-ex' 'forget' '-ex' 'rescan 0x40000000' '-ex' 'rescan 1 2' "$GUESTS/dbg64.elf64"
expect_eq rescan_errors "-ex 2: forget: usage: forget ADDRESS (drops the attributes and traps of its page)
-ex 3: rescan: 0x40000000 is not mapped
-ex 4: rescan: usage: rescan [ADDRESS]" "$(err)"
expect_eq rescan_errors_status 1 "$RC"
sc '-ex' 'run' '-ex' 'info registers rip' "$GUESTS/dbg_int3.elf64"
expect_eq int3_run "guest #BP at rip=0x400006
rip            0x400006             0x400006 <_start+6>" "$(out)"
expect_eq int3_run_status 0 "$RC"
sc '-ex' "set logging file $T/log.txt" '-ex' 'set logging overwrite on' '-ex' 'set logging on' '-ex' 'p 1+1' '-ex' 'show logging' '-ex' 'set logging off' '-ex' 'p 3' "$GUESTS/dbg64.elf64"
expect_eq logging "Copying output to $T/log.txt.
\$1 = 2
logging: on, file $T/log.txt, overwrite on, redirect off
Done logging to $T/log.txt.
\$2 = 3" "$(out)"
expect_eq logging_status 0 "$RC"
sc '-ex' 'set on-error continue' '-ex' 'set logging sideways' '-ex' 'set logging file /nonexistent/dir/x' '-ex' 'set logging on' '-ex' 'set logging redirect maybe' "$GUESTS/dbg64.elf64"
expect_eq logging_errors "-ex 2: set: usage: set logging on|off | file FILE | overwrite on|off | redirect on|off
-ex 4: set: cannot open /nonexistent/dir/x: No such file or directory
-ex 5: set: usage: set logging on|off | file FILE | overwrite on|off | redirect on|off" "$(err)"
expect_eq logging_errors_status 1 "$RC"
sc '-ex' 'set on-error continue' '-ex' 'layout' '-ex' 'layout src' '-ex' 'layout' '-ex' 'layout sideways' '-ex' 'winheight out 6' '-ex' 'winheight nosuch 3' '-ex' 'winheight out 1' '-ex' 'focus log' '-ex' 'focus 0x40000000' '-ex' 'focus add3' "$GUESTS/dbg64.elf64"
expect_eq tui_commands_batch "layout map (layouts: map, asm, src, split)
layout src (layouts: map, asm, src, split)
PgUp/PgDn scroll the log pane" "$(out)"
expect_eq tui_commands_batch_status 1 "$RC"

nm "$GUESTS/hello_boot.bootsect.elf" >"$T/boot.map"
sc --symbols "$T/boot.map" -ex 'info symbol 0x7c10' -ex 'x/s msg' -ex 'break bad' -ex 'info functions ^b' "$GUESTS/hello_boot.bootsect"
expect_eq symbols_nm_text "_start + 16 (code at 0x7c00)
0x7c1c <msg>:	\"hello from real mode\\n\"
Breakpoint 1 at 0x7c32 <bad>
All functions matching regular expression \"^b\":
0x0000000000007c32  bad" "$(out)"
expect_eq symbols_nm_text_status 0 "$RC"
# stepping an INT3: it delivers #BP through the IDT (scout's stub reports it)
sc -ex si -ex si "$GUESTS/dbg_int3.elf64"
expect_eq int3_step "=> 0x400005 <_start+5>:	int3
=> 0x7fc5030:	push 0x03" "$(out)"

# the map after the guest's own self-modifying store: X the instruction hit,
# W the byte written, ':' what was scanned before and is not again
sc -ex 'break patch' -ex run -ex ni -ex map "$GUESTS/dbg64.elf64"
expect_eq smc_map_marks "page 0x400000 mode 64: 1 instructions scanned, 1 virtualize, 2 trap bytes
legend: . unscanned  n native  V virtualize  - body  T trap  B breakpoint  @ rip  W write  X hit  : dropped  L link in
invalidated: write 0x400078+1 hit the instruction at 0x400077 (81 attributes dropped)
000 :....:.:....:....:..:....:....:....:....:....:..:......:....:...
040 ...:.:....:......:....:..:....:....:.:....:...::......:XWXXX:B..
080 ....@......................:::...::.:.::.::::::::..:...:.::.::..
0c0 :..:..:..:..:..:.:.:.:.::.:.::::::::...:.:::::.::..............." "$(out | sed -n 7,13p)"

# info tlb: every mapping of scout's identity map (2M pages, then the
# reserved region's 4K pages, then the 32 MiB MMIO window below 4 GiB
# as 2M pages, supervisor-only: 63 + 512 + 16 lines with the 128 MiB default)
sc -ex 'info tlb' "$GUESTS/dbg64.elf64"
expect_eq tlb_first "0000000000000000: 000000000000 2M UW
0000000000200000: 000000200000 2M UW" "$(out | head -2)"
expect_eq tlb_last "00000000ffe00000: 0000ffe00000 2M SW" "$(out | tail -1)"
expect_eq tlb_lines 591 "$(out | wc -l)"

# traces: the image's digest and the options first; --poke and --depth
# variants line up with trace diff --ignore-config
"$SCOUT" --trace "$T/d16.trace" "$GUESTS/dbg64.elf64" >/dev/null
"$SCOUT" --depth 0 --trace "$T/d0.trace" "$GUESTS/dbg64.elf64" >/dev/null
"$SCOUT" --poke 0x400078=2a --trace "$T/p.trace" "$GUESTS/dbg64.elf64" >/dev/null
expect_eq trace_preamble "scout-trace 1
1 guest name=dbg64.elf64 format=elf size=$(stat -c %s "$GUESTS/dbg64.elf64") sha256=$(sha256sum "$GUESTS/dbg64.elf64" | cut -d' ' -f1)
2 option name=scan value=recursive
3 option name=depth value=16
4 option name=mem value=0x8000000
5 option name=cpl value=0
6 run-start mode=long64 scan=recursive depth=16 guest=dbg64.elf64" "$(head -7 "$T/d16.trace")"
"$SCOUT" trace diff "$T/d16.trace" "$T/d0.trace" >"$T/out" 2>&1; RC=$?
expect_eq trace_diff_options "1|first divergence at event 2 (A line 3, B line 3): field 2: A has value=recursive, B has value=lazy" "$RC|$(sed -n 3p "$T/out")"
"$SCOUT" trace diff --ignore-config "$T/d16.trace" "$T/d0.trace" >"$T/out" 2>&1; RC=$?
expect_eq trace_diff_ignore_config_depth "1|first divergence at event 27 (A line 33, B line 33): type: A has scan, B has trap-plant" "$RC|$(sed -n 3p "$T/out")"
expect_eq trace_poke_event "119 poke addr=0x400078 len=1 bytes=2a" "$(grep ' poke ' "$T/p.trace")"
"$SCOUT" trace diff --ignore-config "$T/d16.trace" "$T/p.trace" >"$T/out" 2>&1; RC=$?
expect_eq trace_diff_ignore_config_poke "1|first divergence at event 114 (A line 120, B line 121): type: A has vexit, B has page-free" "$RC|$(sed -n 3p "$T/out")"
"$SCOUT" trace diff --ignore-config "$T/d16.trace" "$T/d16.trace" >"$T/out" 2>&1; RC=$?
expect_eq trace_diff_ignore_config_same "0|same: 322 events (t= fields and the configuration ignored)" "$RC|$(out)"
"$SCOUT" trace diff --ignore-config "$T/d16.trace" >"$T/out" 2>&1; RC=$?
expect_eq trace_diff_ignore_config_usage "2|usage: scout trace diff [--ignore-config] A.trace B.trace" "$RC|$(out)"
"$SCOUT" --trace-symbols --trace "$T/sym.trace" "$GUESTS/dbg64.elf64" >/dev/null
expect_eq trace_symbols "119 vexit rip=0x40006e insn=ret reason=computed how=ret target=0x400011 sym=add3+4" "$(grep -m1 ' vexit ' "$T/sym.trace")"
sc -ex "trace on $T/cmd.trace symbols" -ex 'break bump' -ex run -ex 'trace off' "$GUESTS/dbg64.elf64"
expect_match trace_cmd_symbols " trap-plant addr=0x40006f orig=0x48 kind=break sym=bump" "$(cat "$T/cmd.trace")"
sc --trace /dev/full "$GUESTS/dbg64.elf64"
expect_eq trace_write_fails "2|scout: trace /dev/full: cannot create: is a character device, not a regular file" "$RC|$(err)"
sc -ex run --trace /dev/full "$GUESTS/dbg64.elf64"
expect_eq trace_write_fails_commands 2 "$RC"
sc --symbols /nonexistent "$GUESTS/hello_boot.bootsect"
expect_eq symbols_option_missing "2|scout: /nonexistent: No such file or directory" "$RC|$(err)"
printf 'zzz not a map\n' >"$T/bad.map"
sc --symbols "$T/bad.map" "$GUESTS/hello_boot.bootsect"
expect_eq symbols_option_bad "2|scout: $T/bad.map: line 1: expected \"ADDRESS [TYPE] NAME\" (as nm prints)" "$RC|$(err)"

# a guest INT3 is a guest exception (#BP, exit 4) like ud2's #UD, not a
# scout error; with its own IDT the guest's handler runs
sc "$GUESTS/dbg_int3.elf64"
expect_eq int3_exit "4|scout: guest #BP at rip=0x400006; state:" "$RC|$(err | head -1)"
sc --raw "$GUESTS/dbg_int3.elf64"
expect_eq int3_exit_raw "4|scout: guest #BP at rip=0x400006; state:" "$RC|$(err | head -1)"
sc "$GUESTS/dbg_int3idt.elf64"
expect_eq int3_guest_handler "7|bp" "$RC|$(out)"
finish
