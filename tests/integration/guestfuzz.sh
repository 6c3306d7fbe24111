#!/usr/bin/env bash
# The guest-code fuzzer's fixed seeds (tests/fuzz/guestfuzz.py): 60 random
# programs, each run raw and enforced (depth 0, 1 or 16, CPL 0 or 3) must
# end the same way; in the sanitizer build scout checks its invariants at
# every exit too.  Seeds that found bugs stay in REGRESS.
source "$TOP/tests/lib.sh"
require_kvm guestfuzz
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
# 1796071582045: INT3 run in place at CPL 0 with no #BP gate: the triple
#   fault's state kept the RF scout had set (raw: clear)
# 1796071924039, 1796071924305: faults scout injects (#UD for undecodable
#   bytes) got no RF, where KVM sets it for the faults it delivers
# 1796071584432: INSB (written by the guest) into unmapped memory with no
#   #PF handler: the shutdown retry re-hit its own trap and retried for ever
REGRESS="1796071582045:1796071582046 1796071924039:1796071924040 1796071924305:1796071924306
         1796071584432:1796071584433"
for range in 0:60 $REGRESS; do
    out=$(python3 "$TOP/tests/fuzz/guestfuzz.py" --scout "$SCOUT" --seeds "$range" --out "$T" 2>&1); rc=$?
    expect_eq "guestfuzz seeds $range" 0 "$rc"
    [ "$rc" = 0 ] || { echo "$out" | sed 's/^/    | /'; for f in "$T"/*.txt; do [ -f "$f" ] && sed 's/^/    | /' "$f" | head -n 30; done; }
    expect_match "guestfuzz seeds $range summary" "^guestfuzz: [0-9]+ programs, .* 0 mismatches" "$(echo "$out" | tail -n1)"
done
finish
