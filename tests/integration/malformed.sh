#!/usr/bin/env bash
# The malformed-input corpus (tests/malformed/, cases in cases.txt): for
# every case the exit status, exactly one line on stderr holding the
# expected text, no control characters in it, and no hang (10 s).  The
# special files (FIFOs, a directory, links to a plugin) are made here.
source "$TOP/tests/lib.sh"
require_kvm malformed
M=$TOP/tests/malformed G=$GUESTS TP=$TOP/$BUILD/tests/plugins P=$TOP/$BUILD/plugins
T=$(mktemp -d -p "$TOP/$BUILD")          # beside the plugins: hard links work
trap 'rm -rf "$T"' EXIT
mkfifo "$T/fifo" "$T/fifo.so"
mkdir "$T/dir"
printf 'not an ELF file\n' >"$T/text.so"
: >"$T/empty.so"
ln -s "$TP/hang.so" "$T/alias.so"
ln "$TP/hang.so" "$T/copy.so"
cd "$TOP" || exit 1

expand() {      # the corpus variables in a TEXT
    local s=$1
    s=${s//\$TP/$TP}; s=${s//\$M/$M}; s=${s//\$G/$G}; s=${s//\$T/$T}; s=${s//\$P/$P}
    printf '%s' "$s"
}
trim() { local s=$1; s=${s#"${s%%[![:space:]]*}"}; printf '%s' "${s%"${s##*[![:space:]]}"}"; }

run_case() {    # name status text args feed
    local name=$1 status=$2 text args=$4 feed=$5 err rc
    text=$(expand "$3")
    eval "set -- $args"
    if [ -n "$feed" ]; then
        err=$(timeout 10 "$SCOUT" "$@" 2>&1 >/dev/null < <(bash -c "$feed" 2>/dev/null)); rc=$?
    else
        err=$(timeout 10 "$SCOUT" "$@" 2>&1 >/dev/null </dev/null); rc=$?
    fi
    if [ "$rc" != "$status" ]; then not_ok "$name" "exit status $rc, expected $status; stderr [$err]"; return; fi
    if [ -z "$err" ] || [ "$(printf '%s\n' "$err" | wc -l)" -ne 1 ]; then not_ok "$name" "not one line: [$err]"; return; fi
    if [[ "$err" != *"$text"* ]]; then not_ok "$name" "[$err] lacks [$text]"; return; fi
    if LC_ALL=C grep -aqP '[\x00-\x08\x0a-\x1f\x7f]|\xc2[\x80-\x9f]' <<<"$err"; then
        not_ok "$name" "control characters in [$err]"; return
    fi
    ok "$name"
}

# Four cases at a time (most of a case is waiting: for KVM, a watchdog, a
# timeout), each case's lines in its own file, printed in order.
n=0
while IFS= read -r line; do
    [[ -z "$line" || "$line" == \#* ]] && continue
    IFS='|' read -r name status text args feed <<<"$line"
    while [ "$(jobs -rp | wc -l)" -ge 4 ]; do wait -n; done
    run_case "$(trim "$name")" "$(trim "$status")" "$(trim "$text")" "$(trim "$args")" "$(trim "$feed")" \
        >"$T/result.$n" &
    n=$((n + 1))
done <"$M/cases.txt"
wait
for ((i = 0; i < n; i++)); do cat "$T/result.$i"; done
grep -q '^not ok' "$T"/result.* && T_FAILED=1
[ "$n" -ge 150 ] || not_ok malformed_corpus "only $n cases read"
finish
