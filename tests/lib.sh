# tests/lib.sh — sourced by integration and TUI tests.
# ok/not_ok print the protocol lines tests/run-tests.sh counts.
set -u
: "${SCOUT:?run through make test}" "${TOP:?}" "${BUILD:?}"
GUESTS="$TOP/$BUILD/guests"
T_FAILED=0
ok()     { echo "ok $1"; }
not_ok() { echo "not ok $1: $2"; T_FAILED=1; }
skip()   { echo "skip $1: $2"; }
finish() { exit "$T_FAILED"; }

# expect_eq NAME EXPECTED ACTUAL
expect_eq() {
    if [ "$2" == "$3" ]; then ok "$1"; else
        not_ok "$1" "expected [$2] got [$3]"; fi
}
# expect_match NAME REGEX TEXT
expect_match() {
    if [[ "$3" =~ $2 ]]; then ok "$1"; else
        not_ok "$1" "[$3] does not match /$2/"; fi
}

# stats_value FILE KEY: the first KEY=N of scout's --stats lines in FILE
# (after a blank or a section's colon), or nothing.
stats_value() { grep -o "[ :]$2=[0-9]*" "$1" | head -n1 | cut -d= -f2; }

# KVM tests skip with a reason when /dev/kvm is unusable, unless
# SCOUT_REQUIRE_KVM=1 (set by .ci/run), which turns that into a failure.
require_kvm() {
    if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then return 0; fi
    if [ "${SCOUT_REQUIRE_KVM:-0}" = 1 ]; then
        not_ok "${1:-kvm}" "/dev/kvm is not usable and SCOUT_REQUIRE_KVM=1"; finish
    fi
    skip "${1:-kvm}" "/dev/kvm is not usable"; exit 0
}
