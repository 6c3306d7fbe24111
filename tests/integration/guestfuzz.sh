#!/usr/bin/env bash
# The guest-code fuzzer's fixed seeds (tests/fuzz/guestfuzz.py): 60 random
# programs, each run raw and enforced (depth 0, 1 or 16, CPL 0 or 3) must
# end the same way; in the sanitizer build scout checks its invariants at
# every exit too.  Seeds that found bugs stay in REGRESS.  The first 30
# run again with the technique switches on (--links on --smc insn), and 30
# CPL 0 programs deprivileged (--deprivilege).
source "$TOP/tests/lib.sh"
require_kvm guestfuzz
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
# 1796071582045, 41147: INT3 run in place (written by the guest) with no
#   #BP gate, or followed by bytes that raise #UD: the triple fault's state
#   kept the RF scout had set to resume the INT3 (raw: clear)
# 1796071924039, 1796071924305: RF in a triple fault's state after a #PF
#   (raw: set by KVM); they guard the INT3 fix against clearing too much
# 1796071584432: INSB (written by the guest) into unmapped memory with no
#   #PF handler: the shutdown retry re-hit its own trap and retried for ever
REGRESS="1796071582045:1796071582046 41147:41148 1796071924039:1796071924040 1796071924305:1796071924306
         1796071584432:1796071584433"
# (sw: the same seeds' first 30 with the technique switches on; dp: 30
# CPL 0 programs run --deprivilege, their undefined flags defined)
for range in 0:60 $REGRESS sw0:30 dp0:30; do
    sw="" dp=""
    case $range in
    sw*) range=${range#sw}; sw="--links on --smc insn" ;;
    dp*) range=${range#dp}; dp="--deprivilege" ;;
    esac
    out=$(python3 "$TOP/tests/fuzz/guestfuzz.py" --scout "$SCOUT" --seeds "$range" --out "$T" --scout-args "$sw" $dp 2>&1); rc=$?
    sw="$sw$dp"
    range="$range${sw:+ $sw}"
    expect_eq "guestfuzz seeds $range" 0 "$rc"
    [ "$rc" = 0 ] || { echo "$out" | sed 's/^/    | /'; for f in "$T"/*.txt; do [ -f "$f" ] && sed 's/^/    | /' "$f" | head -n 30; done; }
    expect_match "guestfuzz seeds $range summary" "^guestfuzz: [0-9]+ programs, .* 0 mismatches" "$(echo "$out" | tail -n1)"
done
finish
