#!/usr/bin/env bash
# The gdb stub (src/ui/gdbstub/): Debian's gdb in batch mode against
# scout --gdb on real guests (dbg64: symbols and lines; spin64: a guest
# that never ends; hello_boot: real mode), and a raw-protocol client
# (tests/integration/gdbstub_raw.py) for what gdb never sends.  Every
# stub listens on port 0 (a free loopback port, printed by scout): tests
# run in parallel.
source "$TOP/tests/lib.sh"
require_kvm gdbstub
command -v gdb >/dev/null || { skip gdbstub "gdb is not installed (make deps)"; exit 0; }
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
DBG="$GUESTS/dbg64.elf64"
SPIN="$GUESTS/spin64.flat64"
BOOT="$GUESTS/hello_boot.bootsect"

# stub ARGS...: scout --gdb 0 ARGS in the background; PORT, SPID; its
# output in $T/sout, $T/serr, its status in $T/src when it ends.
stub() {
    [ -n "${SPID:-}" ] && wait "$SPID" 2>/dev/null     # the last one's status file is written
    rm -f "$T/serr" "$T/src"; : >"$T/serr"
    ( timeout --foreground 30 "$SCOUT" --gdb 0 "$@" >"$T/sout" 2>"$T/serr"; echo $? >"$T/src" ) &
    SPID=$!
    PORT=
    for _ in $(seq 100); do
        PORT=$(sed -n 's/.*gdb stub listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$T/serr")
        [ -n "$PORT" ] && return 0
        [ -f "$T/src" ] && break
        sleep 0.05
    done
    echo "scout did not listen: $(cat "$T/serr")"
}
# g ARGS...: gdb in batch mode connected to the stub; its output in $OUT
g() { OUT=$(timeout --foreground 30 gdb -batch -nx -ex "target remote 127.0.0.1:$PORT" "$@" 2>&1); }
# waits for the stub to end: its status in SRC (not in $(...): a
# subshell cannot wait for it)
stub_wait() { wait "$SPID" 2>/dev/null; SRC=$(cat "$T/src" 2>/dev/null || echo none); }

# ── break at a symbol, registers, stepi, backtrace, trap bytes, monitor ──
stub -S "$DBG"
g -ex 'break add3' -ex c -ex 'info registers rip' -ex bt -ex 'x/1xb 0x40006e' -ex 'monitor attr 0x40006e' \
  -ex stepi -ex 'p/x $pc' -ex 'x/2i $pc' -ex 'monitor info registers rip rdi' -ex 'monitor nosuchcmd' \
  -ex 'p $rax' -ex kill "$DBG"
expect_match gdb_break_symbol $'Breakpoint 1, add3 \\(\\) at tests/guests/dbg64.s:37' "$OUT"
expect_match gdb_info_registers_rip 'rip +0x40006a +0x40006a <add3>' "$OUT"
expect_match gdb_backtrace '#0  add3 \(\) at tests/guests/dbg64.s:37.*#1  0x0*400011 in spin \(\)' "$OUT"
# the ret after add3's lea carries scout's trap byte; gdb reads the guest's own
expect_match gdb_trap_byte_hidden $'0x40006e <add3\\+4>:\t0xc3\n.*trap virtualize \\(guest byte 0xc3\\)' "$OUT"
expect_match gdb_stepi '\$1 = 0x40006e' "$OUT"
expect_match gdb_x_i '=> 0x40006e <add3\+4>:	ret' "$OUT"
expect_match gdb_monitor_registers 'rip +0x40006e +0x40006e <add3\+4> rdi +0x7 +7' "$(tr '\n' ' ' <<<"$OUT")"
expect_match gdb_monitor_error 'unknown command "nosuchcmd"' "$OUT"
expect_match gdb_rax_after_step '\$2 = 10' "$OUT"
stub_wait; expect_eq gdb_kill_status 0 "$SRC"
expect_eq gdb_kill_no_output "" "$(cat "$T/sout")"

# ── a watchpoint on a guest variable, set var as a self-modifying write ──
stub -S "$DBG"
g -ex 'watch *(long *)&counter' -ex c -ex c -ex delete -ex 'break value' -ex c \
  -ex 'set *(char *)(value + 1) = 5' -ex 'x/2xb value' -ex 'monitor map value' -ex 'monitor stats' \
  -ex 'p $_siginfo' -ex detach "$DBG"
expect_match gdb_watch_first 'Old value = 0.New value = 10' "$(tr '\n' '.' <<<"$OUT")"
expect_match gdb_watch_second 'Old value = 10.New value = 20' "$(tr '\n' '.' <<<"$OUT")"
expect_match gdb_set_var_memory $'0x400077 <value>:\t0xb8\t0x05' "$OUT"
expect_match gdb_set_var_invalidates 'invalidated: write 0x400078\+1 hit the instruction at 0x400077' "$OUT"
expect_match gdb_set_var_stats 'writes: invalidations=1 ' "$OUT"
expect_match gdb_detach 'Inferior 1 \(Remote target\) detached' "$OUT"
# detached: the guest runs on to its end (patch rewrites value's 5 to 42)
stub_wait; expect_eq gdb_detach_status 1 "$SRC"
expect_eq gdb_detach_output "dbg: counter 0x14 value 0x2a" "$(cat "$T/sout")"

# ── hbreak, finish, next ──
stub -S "$DBG"
g -ex 'hbreak add3' -ex c -ex finish -ex 'p $rax' -ex next -ex 'p/x $pc' -ex kill "$DBG"
expect_match gdb_hbreak 'Hardware assisted breakpoint 1 at 0x40006a.*Breakpoint 1, add3 \(\)' "$(tr '\n' ' ' <<<"$OUT")"
expect_match gdb_finish 'spin \(\) at tests/guests/dbg64.s:17.*\$1 = 10' "$(tr '\n' ' ' <<<"$OUT")"
expect_match gdb_next '\$2 = 0x400014' "$OUT"
stub_wait

# ── a guest exception is a signal, then the end; --timeout is SIGALRM ──
stub -S "$GUESTS/fault64.elf64"
g -ex c -ex 'p/x $pc' -ex c "$GUESTS/fault64.elf64"
expect_match gdb_exception_sigsegv 'Program received signal SIGSEGV, Segmentation fault.*\$1 = 0x400000.*Program terminated with signal SIGSEGV' "$(tr '\n' ' ' <<<"$OUT")"
stub_wait; expect_eq gdb_exception_status 4 "$SRC"
expect_match gdb_exception_message '#PF at rip=0x400000' "$(cat "$T/serr")"
stub -S --gdb-arch i386 --mode prot32 --load 0x200000 "$GUESTS/ud32.flat32"
g -ex c -ex c
expect_match gdb_exception_sigill 'Program received signal SIGILL, Illegal instruction.*Program terminated with signal SIGILL' "$(tr '\n' ' ' <<<"$OUT")"
stub_wait; expect_eq gdb_exception_sigill_status 4 "$SRC"
stub -S --timeout 1 --mode long64 "$SPIN"
g -ex c
expect_match gdb_timeout_sigalrm 'Program terminated with signal SIGALRM' "$OUT"
stub_wait; expect_eq gdb_timeout_status 124 "$SRC"

# ── --raw: no breakpoints or steps, but continue works ──
stub -S --raw "$DBG"
g -ex 'break add3' -ex c -ex delete -ex c "$DBG"
expect_match gdb_raw_break_refused 'Cannot insert breakpoint 1' "$OUT"
expect_match gdb_raw_continue 'exited with code 01' "$OUT"
stub_wait; expect_eq gdb_raw_status 1 "$SRC"

# ── --deprivilege: gdb sees the guest's own state (CPL 0, its CS);
#    `monitor info registers -real` the vCPU's (CPL 3, scout's user CS) ──
stub -S --deprivilege "$DBG"
g -ex 'break add3' -ex c -ex 'info registers cs' -ex 'monitor info registers -real' -ex kill "$DBG"
expect_match gdb_depriv_break $'Breakpoint 1, add3 \\(\\)' "$OUT"
expect_match gdb_depriv_guest_cs 'cs +0x8 +8' "$OUT"
expect_match gdb_depriv_real_cs 'mode   64-bit cpl=3.*cs  0x002b' "$(tr '\n' ' ' <<<"$OUT")"

# ── the guest's end reported as gdb's exit code ──
stub -S "$DBG"
g -ex c "$DBG"
expect_match gdb_exit_code 'Inferior 1 \(Remote target\) exited with code 01' "$OUT"
stub_wait; expect_eq gdb_exit_status 1 "$SRC"

# ── Ctrl-C interrupts a spinning guest; without -S it runs until gdb attaches ──
stub --mode long64 "$SPIN"
sleep 0.3
g -ex 'p/x $pc' -ex 'shell (sleep 0.5; kill -INT $PPID) &' -ex c -ex 'p/x $pc' -ex kill
expect_match gdb_attach_running '\$1 = 0x100000' "$OUT"
expect_match gdb_ctrl_c 'Program received signal SIGINT, Interrupt.*\$2 = 0x100000' "$(tr '\n' ' ' <<<"$OUT")"
stub_wait; expect_eq gdb_ctrl_c_kill_status 0 "$SRC"

# ── real mode: 64-bit register file, addresses are linear ──
stub -S --gdb-arch x86-64 "$BOOT"
g -ex stepi -ex stepi -ex 'p/x $pc' -ex 'p/x $cs' -ex 'break *0x7c10' -ex c -ex 'p/x $pc' -ex 'x/1xb 0x7c10' \
  -ex delete -ex c
expect_match gdb_real_stepi '\$1 = 0x7c03' "$OUT"
expect_match gdb_real_break 'Breakpoint 1, 0x0*7c10.*\$3 = 0x7c10' "$(tr '\n' ' ' <<<"$OUT")"
expect_match gdb_real_lodsb $'0x7c10:\t0xac' "$OUT"
expect_match gdb_real_end 'exited normally' "$OUT"
stub_wait
expect_eq gdb_real_output "hello from real mode" "$(cat "$T/sout")"

# ── real mode as i8086: 16-bit disassembly, i386's registers ──
stub -S --gdb-arch i8086 "$BOOT"
g -ex 'x/2i $pc' -ex stepi -ex 'p/x $eip' -ex 'break *0x7c10' -ex c -ex 'x/1i $pc' -ex 'set $eax = 0x1234' \
  -ex 'monitor info registers rax' -ex kill
expect_match gdb_i8086_disas $'0x7c01:\txor    %ax,%ax' "$OUT"
expect_match gdb_i8086_stepi '\$1 = 0x7c01' "$OUT"
expect_match gdb_i8086_break $'Breakpoint 1, 0x00007c10 in \\?\\? \\(\\)\n=> 0x7c10:\tlods   %ds:\\(%si\\),%al' "$OUT"
expect_match gdb_i8086_set_eax 'rax +0x1234 ' "$OUT"
stub_wait; expect_eq gdb_i8086_kill 0 "$SRC"
err=$(timeout --foreground 10 "$SCOUT" --gdb 0 --gdb-arch z80 "$BOOT" 2>&1); rc=$?
expect_eq gdb_option_bad_arch "2 scout: --gdb-arch z80: must be x86-64, i386 or i8086" "$rc $err"

# ── with no --gdb-arch, the mode the guest starts in picks it ──
stub -S "$BOOT"
g -ex 'x/2i $pc' -ex kill
expect_match gdb_default_arch_real_16bit $'0x7c01:\txor    %ax,%ax' "$OUT"
stub_wait
stub -S "$GUESTS/serial.elf32"
g -ex 'info registers eip' -ex kill "$GUESTS/serial.elf32"
expect_match gdb_default_arch_i386 'eip +0x100000 +0x100000 <_start>' "$OUT"
stub_wait

# ── a 32-bit ELF guest with its symbols: i386's register file ──
stub -S --gdb-arch i386 "$GUESTS/serial.elf32"
g -ex 'x/2i $pc' -ex stepi -ex 'info registers eip esp' -ex c "$GUESTS/serial.elf32"
expect_match gdb_i386_disas $'=> 0x100000 <_start>:\tmov    \\$0x101400,%esp\n   0x100005 <_start\\+5>:\txor    %edi,%edi' "$OUT"
expect_match gdb_i386_registers 'eip +0x100005 +0x100005 <_start\+5>.esp +0x101400' "$(tr '\n' '.' <<<"$OUT")"
expect_match gdb_i386_exit 'exited with code 01' "$OUT"
stub_wait

# ── the same RIPs stepped with gdb and with scout's own stepi ──
stub -S "$DBG"
printf '%s\n' 'set $i = 0' 'while $i < 40' 'printf "rip %#x\n", $pc' stepi 'set $i = $i + 1' end kill >"$T/loop.gdb"
g -x "$T/loop.gdb" "$DBG"
a=$(grep '^rip ' <<<"$OUT" | head -40)
# scout's stepi prints "=> ADDR <sym>: insn" after each step
for _ in $(seq 39); do echo si; done >"$T/steps"
b=$(printf 'rip 0x400000\n'; timeout --foreground 30 "$SCOUT" -x "$T/steps" "$DBG" 2>/dev/null |
    sed -n 's/^=> \(0x[0-9a-f]*\) .*/rip \1/p')
expect_eq gdb_stepi_same_rips "$b" "$a"
stub_wait

# ── raw protocol: malformed packets, binary X, no-ack mode, disconnects ──
stub -S "$DBG"
python3 "$TOP/tests/integration/gdbstub_raw.py" "$PORT"
stub_wait; expect_eq gdb_raw_disconnect_runs_on 1 "$SRC"

# ── the gdbserver command: one client, the prompt back after detach ──
( timeout --foreground 30 "$SCOUT" -ex 'break add3' -ex run -ex 'gdbserver 0' -ex 'info registers rip' -ex c \
    "$DBG" >"$T/sout" 2>"$T/serr"; echo $? >"$T/src" ) &
SPID=$!; PORT=
for _ in $(seq 100); do
    PORT=$(sed -n 's/^Listening for gdb on 127\.0\.0\.1:\([0-9]*\) .*/\1/p' "$T/sout")
    [ -n "$PORT" ] && break; sleep 0.05
done
g -ex 'p/x $pc' -ex stepi -ex 'monitor info breakpoints' -ex 'monitor gdbserver 0' -ex 'monitor break bump' \
  -ex 'break bump' -ex c -ex delete -ex 'monitor info breakpoints' -ex detach "$DBG"
expect_match gdbserver_stopped_at_break '\$1 = 0x40006a' "$OUT"
expect_match gdbserver_monitor_scout_breaks '1    breakpoint  keep y   0x000000000040006a' "$OUT"
expect_match gdbserver_one_stub 'gdbserver: a gdb stub is serving already' "$OUT"
stub_wait
expect_eq gdbserver_status 0 "$SRC"
# gdb's breakpoint on one of scout's: shared, and scout's stays after delete
expect_match gdbserver_shared_break 'Breakpoint 1, bump \(\).*2    breakpoint  keep y   0x000000000040006f' "$(tr '\n' ' ' <<<"$OUT")"
expect_match gdbserver_prompt_back 'gdbserver: the client left; the guest is stopped at rip=0x40006f.rip +0x40006f .*Breakpoint 2, 0x40006f <bump>' "$(tr '\n' '.' <<<"$(cat "$T/sout")")"

# Ctrl-C gives up waiting for a client (timeout relays SIGINT to scout)
timeout --foreground 30 "$SCOUT" -ex 'gdbserver 0' -ex 'info registers rip' "$DBG" >"$T/cout" 2>&1 &
TPID=$!
for _ in $(seq 100); do grep -q Listening "$T/cout" && break; sleep 0.05; done
kill -INT "$TPID"
wait "$TPID"
expect_match gdbserver_ctrl_c 'gdbserver: interrupted.rip +0x400000 ' "$(tr '\n' '.' <"$T/cout")"

# ── the README's examples (port 1234; skipped when something else has it) ──
# readme_stub NAME ARGS: scout -s -S ARGS in the background; 0 listening, 1 not
readme_stub() {
    local name=$1; shift
    [ -n "${SPID:-}" ] && wait "$SPID" 2>/dev/null
    rm -f "$T/src"; : >"$T/serr"
    ( timeout --foreground 30 "$SCOUT" -s -S "$@" >"$T/sout" 2>"$T/serr"; echo $? >"$T/src" ) &
    SPID=$!
    for _ in $(seq 100); do
        grep -q listening "$T/serr" && return 0
        [ -f "$T/src" ] && break
        sleep 0.05
    done
    wait "$SPID"
    grep -q 'Address already in use' "$T/serr" && { skip "$name" "port 1234 is in use"; return 1; }
    not_ok "$name" "scout did not listen: $(cat "$T/serr")"; return 1
}
if readme_stub readme_gdb_example "$DBG"; then
    OUT=$(timeout --foreground 30 gdb -batch -nx "$DBG" -ex 'target remote :1234' -ex 'break add3' -ex c -ex kill 2>&1)
    expect_match readme_gdb_example 'Breakpoint 1, add3 \(\) at tests/guests/dbg64.s:37' "$OUT"
    expect_eq readme_gdb_listening "scout: gdb stub listening on 127.0.0.1:1234; the guest waits for it" "$(head -1 "$T/serr")"
    stub_wait
fi
if readme_stub readme_i8086_example "$BOOT"; then
    OUT=$(timeout --foreground 30 gdb -batch -nx -ex 'target remote :1234' -ex 'break *0x7c10' -ex c -ex 'x/2i $pc' -ex kill 2>&1)
    expect_match readme_i8086_example $'=> 0x7c10:\tlods   %ds:\\(%si\\),%al\n   0x7c11:\ttest   %al,%al' "$OUT"
    stub_wait
fi

# ── a client that goes while the guest runs: as a detach, it runs on ──
stub -S "$GUESTS/loop64-1000000.elf64"
python3 -c 'import socket, sys
c = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
c.sendall(b"$c#63")
assert c.recv(1) == b"+"
c.close()' "$PORT"
stub_wait
expect_eq gdb_gone_while_running "1 sum=0x000000746a5a2920" "$SRC $(cat "$T/sout")"

# ── options ──
err=$(timeout --foreground 10 "$SCOUT" --gdb nonsense "$DBG" 2>&1); rc=$?
expect_eq gdb_option_bad_port "2 scout: --gdb nonsense: not a port: expected [HOST:]PORT with PORT 0..65535 (0: any free port)" "$rc $err"
err=$(timeout --foreground 10 "$SCOUT" --gdb 127.0.0.1:70000 "$DBG" 2>&1); rc=$?
expect_match gdb_option_big_port '^2 scout: --gdb 127.0.0.1:70000: not a port' "$rc $err"
err=$(timeout --foreground 10 "$SCOUT" --gdb 'no.such.host:1234' "$DBG" 2>&1); rc=$?
expect_eq gdb_option_bad_host "2 scout: --gdb cannot listen on no.such.host:1234: not a numeric address" "$rc $err"
err=$(timeout --foreground 10 "$SCOUT" -S "$DBG" 2>&1); rc=$?
expect_eq gdb_option_S_alone "2 scout: -S waits for gdb: give --gdb [HOST:]PORT or -s too" "$rc $err"
err=$(timeout --foreground 10 "$SCOUT" -s -ex info "$DBG" 2>&1); rc=$?
expect_match gdb_option_with_ex '^2 scout: --gdb cannot be combined with -x/-ex' "$rc $err"
stub -S "$DBG"
err=$(timeout --foreground 10 "$SCOUT" --gdb "$PORT" "$DBG" 2>&1); rc=$?
expect_eq gdb_option_port_busy "2 scout: --gdb cannot listen on $PORT: Address already in use" "$rc $err"
g -ex kill
stub_wait
finish
