#!/usr/bin/env bash
# Plugins: the three shipped plugins against test guests, and the loader's
# refusals (wrong API version, missing symbol, missing file, not ELF, failing
# install) and a callback error (reported, unloaded, the guest run goes on).
source "$TOP/tests/lib.sh"
require_kvm plugins
P="$TOP/$BUILD/plugins"; TP="$TOP/$BUILD/tests/plugins"
G="$GUESTS/plug_cpuid.elf64"
TMPD=$(mktemp -d); trap 'rm -rf "$TMPD"' EXIT
OUT="$TMPD/out"; ERR="$TMPD/err"
run() { timeout 30 "$SCOUT" "$@" >"$OUT" 2>"$ERR"; RC=$?; }
NL=$'\n'
GUEST_OUT=$(timeout 30 "$SCOUT" "$G" 2>/dev/null)

# ── insn-stats: the exact table at the guest's end ──
run --plugin "$P/insn-stats.so" "$G"
expect_eq insn_stats_status 1 "$RC"
expect_eq insn_stats_guest_output "$GUEST_OUT" "$(cat "$OUT")"
expect_eq insn_stats_table "insn-stats: 64 virtualize exits
insn-stats:       51  out          sensitive
insn-stats:       11  ret          computed
insn-stats:        2  cpuid        sensitive" "$(cat "$ERR")"
run --stats --plugin "$P/insn-stats.so" "$G"
expect_match insn_stats_counter "scout: plugin insn-stats: vexits=64" "$(cat "$ERR")"
expect_match insn_stats_matches_enforce "scout: enforce: vexits=64 " "$(cat "$ERR")"

# ── cpuid-mask: takes over CPUID (vendor, leaf-1 bits) ──
run --plugin "$P/cpuid-mask.so,vendor=ScoutVirtual,ecx_clear=0x1,edx_clear=0x2000000" --stats "$G"
expect_eq cpuid_mask_output "vendor: ScoutVirtual${NL}leaf1: sse3=0x0 sse=0x0${NL}done" "$(cat "$OUT")"
expect_eq cpuid_mask_status 1 "$RC"
expect_match cpuid_mask_counter "scout: plugin cpuid-mask: handled=2" "$(cat "$ERR")"
expect_match cpuid_mask_vexits_counted "sensitive=53 " "$(cat "$ERR")"
run --stats --plugin "$P/cpuid-mask.so,vendor=ScoutVirtual" "$GUESTS/enf_sensitive.elf64"
expect_eq cpuid_mask_enf_sensitive "cpuid: 0x1" "$(head -n1 "$OUT")"
expect_match cpuid_mask_enf_sensitive_handled "scout: plugin cpuid-mask: handled=1" "$(cat "$ERR")"
# insn-stats loaded first still sees the exits cpuid-mask handled
run --plugin "$P/cpuid-mask.so,vendor=Short" --plugin "$P/insn-stats.so" "$G"
expect_eq cpuid_mask_padded "vendor: Short       " "$(head -n1 "$OUT")"
expect_match cpuid_mask_seen_by_insn_stats "       2  cpuid        sensitive" "$(cat "$ERR")"
run --plugin "$P/cpuid-mask.so,vendor=ThisIsTooLongForCPUID" "$G"
expect_eq cpuid_mask_bad_arg "scout: plugin cpuid-mask: install failed: vendor=ThisIsTooLongForCPUID: must be 1 to 12 characters" "$(cat "$ERR")"
expect_eq cpuid_mask_bad_arg_guest_runs "$GUEST_OUT" "$(cat "$OUT")"

# ── drcov: file parsed back ──
run --plugin "$P/drcov.so,out=$TMPD/cov.log" "$G"
expect_eq drcov_status 1 "$RC"
syms=$(nm "$G" | awk '$3 ~ /^(_start|after|work|puts|exit)$/ {print $3 "=" $1}' | tr '\n' ' ')
check=$(python3 - "$TMPD/cov.log" "$G" $syms <<'PY'
import struct, sys
path, guest, syms = sys.argv[1], sys.argv[2], dict(a.split('=') for a in sys.argv[3:])
data = open(path, 'rb').read()
lines = []
pos = 0
for _ in range(6):
    nl = data.index(b'\n', pos)
    lines.append(data[pos:nl].decode())
    pos = nl + 1
errs = []
if lines[0] != 'DRCOV VERSION: 2': errs.append('version line: ' + lines[0])
if lines[1] != 'DRCOV FLAVOR: scout': errs.append('flavor line: ' + lines[1])
if lines[2] != 'Module Table: version 2, count 1': errs.append('module table line: ' + lines[2])
if lines[3] != 'Columns: id, base, end, entry, path': errs.append('columns line: ' + lines[3])
mod = [f.strip() for f in lines[4].split(',', 4)]
if mod[0] != '0' or mod[4] != guest: errs.append('module line: ' + lines[4])
base, end, entry = int(mod[1], 16), int(mod[2], 16), int(mod[3], 16)
if entry != int(syms['_start'], 16) or not base <= entry < end: errs.append('base/end/entry: ' + lines[4])
if not lines[5].startswith('BB Table: ') or not lines[5].endswith(' bbs'): errs.append('bb line: ' + lines[5])
n = int(lines[5].split()[2])
body = data[pos:]
if len(body) != 8 * n: errs.append('bb table has %d bytes for %d bbs' % (len(body), n))
bbs = [struct.unpack_from('<IHH', body, 8 * i) for i in range(len(body) // 8)]
starts = set(s for s, size, m in bbs)
for s, size, m in bbs:
    if m != 0 or size == 0 or base + s + size > end: errs.append('bad bb %x+%d mod %d' % (s, size, m))
for name in ('_start', 'after', 'work', 'puts', 'exit'):
    if int(syms[name], 16) - base not in starts: errs.append('no block at ' + name)
if sorted(bbs) != bbs or len(set(bbs)) != len(bbs): errs.append('blocks not sorted/unique')
print('; '.join(errs) if errs else 'ok %d' % n)
PY
)
expect_match drcov_file_parsed "^ok [0-9]+$" "$check"
# default name: drcov.<guest>.<pid>.log in the current directory
(cd "$TMPD" && timeout 30 "$SCOUT" --plugin "$P/drcov.so" "$G" >/dev/null 2>&1)
expect_match drcov_default_name "^drcov\.plug_cpuid\.elf64\.[0-9]+\.log$" "$(cd "$TMPD" && ls drcov.*.log)"
# self-modifying code: the invalidated page's blocks are kept, counted as a flush
run --stats --plugin "$P/drcov.so,out=$TMPD/smc.log" "$GUESTS/enf_smc.elf64"
expect_match drcov_smc_flush "scout: plugin drcov: insns=[0-9]+ flushes=[1-9]" "$(cat "$ERR")"
expect_eq drcov_smc_header "DRCOV VERSION: 2" "$(head -n1 "$TMPD/smc.log")"

# ── loader refusals: one line each, the guest still runs ──
refuse() {  # name spec expected-line
    run --plugin "$2" "$G"
    expect_eq "$1" "$3" "$(cat "$ERR")"
    expect_eq "$1_guest_runs" "$GUEST_OUT/1" "$(cat "$OUT")/$RC"
}
refuse wrong_version "$TP/bad-version.so" "scout: plugin bad-version: built for plugin API version 99, this scout provides version 1"
refuse missing_symbol "$TP/no-install.so" "scout: plugin no-install: not a scout plugin: missing symbol scout_plugin_install"
refuse missing_file "$TMPD/nope.so" "scout: plugin nope: cannot load $TMPD/nope.so: No such file or directory"
echo "not a plugin" >"$TMPD/text.so"
refuse not_elf "$TMPD/text.so" "scout: plugin text: cannot load $TMPD/text.so: not a shared object (no ELF header)"
cp "$GUESTS/plug_cpuid.elf64" "$TMPD/exe.so"
run --plugin "$TMPD/exe.so" "$G"
expect_match not_shared_object "^scout: plugin exe: cannot load $TMPD/exe.so: .*" "$(cat "$ERR")"
refuse install_fails "$TP/failing.so,fail=install" "failing: exit after 0 calls
scout: plugin failing: install failed: failing on purpose in install"

# ── a callback error: reported, unloaded after the callback, the run goes on ──
run --stats --plugin "$TP/failing.so,fail=vexit" --plugin "$P/insn-stats.so" "$G"
expect_eq callback_error_guest_runs "$GUEST_OUT/1" "$(cat "$OUT")/$RC"
expect_match callback_error_reported "scout: plugin failing: vexit callback failed: failing on purpose at out rip=0x[0-9a-f]+; unloaded" "$(cat "$ERR")"
expect_eq callback_error_one_line 1 "$(grep -c 'plugin failing' "$ERR")"
expect_match callback_error_exit_cb "failing: exit after [0-9]+ calls" "$(cat "$ERR")"
expect_match callback_error_others_go_on "insn-stats: 64 virtualize exits" "$(cat "$ERR")"
run --plugin "$TP/failing.so,fail=classify" "$G"
expect_eq classify_error_guest_runs "$GUEST_OUT/1" "$(cat "$OUT")/$RC"
expect_match classify_error_reported "scout: plugin failing: classify callback failed: failing on purpose at gpa=0x[0-9a-f]+; unloaded" "$(cat "$ERR")"
run --plugin "$TP/failing.so,fail=run" "$G"
expect_eq run_error "scout: plugin failing: run callback failed: failing on purpose at run start; unloaded
failing: exit after 1 calls" "$(cat "$ERR")"
expect_eq run_error_guest_runs "$GUEST_OUT/1" "$(cat "$OUT")/$RC"
# the same plugin twice is refused, the first stays
run --plugin "$P/insn-stats.so" --plugin "$P/insn-stats.so" "$G"
expect_match duplicate_refused "^scout: plugin insn-stats: already loaded" "$(cat "$ERR")"
finish
