#!/usr/bin/env bash
# --deprivilege: a 64-bit CPL 0 guest runs at real CPL 3 and must behave as
# under --raw, or be refused cleanly (status 2, one "refused to" line,
# stdout a prefix of raw's).  The CPL 0 bench guests, the demo, the
# sensitive-instruction guest (line by line), the 64-bit CPL 0 adversarial
# guests; scout's reserved region; the modes it leaves at their own
# privilege.
source "$TOP/tests/lib.sh"
require_kvm depriv
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT

# same_or_refused NAME IMG [ARGS...]: returns 0 if the run matched raw
same_or_refused() {
    local name=$1 img=$2; shift 2
    [ -n "$img" ] && set -- "$@" "$img"     # none: the built-in demo
    timeout 60 "$SCOUT" --batch --raw "$@" >"$T/raw.out" 2>"$T/raw.err"; local rc=$?
    timeout 60 "$SCOUT" --batch --stats --deprivilege "$@" >"$T/dp.out" 2>"$T/dp.err"; local dc=$?
    expect_eq "$name: native I/O" 0 "$(stats_value "$T/dp.err" native_io)"
    if [ "$rc" = "$dc" ] && cmp -s "$T/raw.out" "$T/dp.out"; then ok "$name: same as raw ($rc)"; return 0; fi
    if [ "$dc" = 2 ] && [ "$(grep -c '^scout: refused to' "$T/dp.err")" = 1 ] &&
       [ "$(head -c "$(wc -c <"$T/dp.out")" "$T/raw.out" | cmp -s - "$T/dp.out" && echo y)" = y ]; then
        ok "$name: refused ($(grep -o 'deprivileged: [^(;]*' "$T/dp.err" | head -n1))"
        expect_eq "$name: the refusal counted" 1 "$(stats_value "$T/dp.err" refused)"
        return 1
    fi
    local why
    why=$(grep -m1 -v '^scout: \(stats\|enforce\|guard\|writes\|prescan\|depriv\|links\|smc\):' "$T/dp.err")
    [ -n "$why" ] || why="output: raw '$(head -c 200 "$T/raw.out" | tr '\n' '|')', deprivileged '$(head -c 200 "$T/dp.out" | tr '\n' '|')'"
    not_ok "$name" "raw $rc, deprivileged $dc: $why"
    return 1
}
must_match() { same_or_refused "$@" || not_ok "$1: refused" "must run the same as raw"; }

# the CPL 0 bench guests and the demo: all of them must run, not be refused
for g in bench_loop-50 bench_calls-50 bench_interp-50 bench_smc-20 bench_smc-800; do
    must_match "$g" "$GUESTS/$g.elf64"
    expect_eq "$g: virtualized because of deprivileging" 1 "$([ "$(stats_value "$T/dp.err" deprivilege)" -gt 0 ] && echo 1)"
done
must_match "demo" ""
# kernels of the kvm-unit-tests kind (Multiboot, long mode entered with
# tables of their own, supervisor-only pages): on the shadow page tables,
# their interrupts and exceptions reflected into their own IDT
for g in bench_loop_mb-1000 fw_acpi testdev irq_lapic irq_pit; do     # (irq_pit last: its stats below)
    extra=(); [ "$g" = testdev ] && extra=(--device pc-testdev)
    must_match "$g" "$GUESTS/$g.mb64" "${extra[@]}"
    expect_eq "$g: on the shadow page tables" 1 "$([ "$(stats_value "$T/dp.err" fills)" -gt 0 ] && echo 1)"
done
expect_eq "irq_pit: interrupts reflected into its IDT" 1 "$([ "$(stats_value "$T/dp.err" irqs)" -gt 0 ] && echo 1)"
for d in 0 16; do
    must_match "depriv_observe depth $d" "$GUESTS/depriv_observe.elf64" --depth "$d"
done
# same_lines NAME IMG: every line `key=value`, named: the one that would
# tell is the one that fails (the deprivileged run's --stats in $T/dp.err)
same_lines() {
    local name=$1 img=$2
    timeout --foreground 60 "$SCOUT" --batch --raw "$img" >"$T/raw.out" 2>/dev/null
    timeout --foreground 60 "$SCOUT" --batch --stats --deprivilege "$img" >"$T/dp.out" 2>"$T/dp.err"
    expect_eq "$name: lines" "$(wc -l <"$T/raw.out")" "$(wc -l <"$T/dp.out")"
    while IFS== read -r key val; do
        expect_eq "$name: $key" "$val" "$(grep "^$key=" "$T/dp.out" | cut -d= -f2-)"
    done <"$T/raw.out"
}
same_lines depriv_observe "$GUESTS/depriv_observe.elf64"
# a kernel with its own GDT, IDT, TSS and page tables (a Multiboot kernel
# that enters long mode itself, as kvm-unit-tests do): the same, line by
# line, and it really ran deprivileged on the shadow page tables
same_lines depriv_own "$GUESTS/depriv_own.mb64"
expect_match "depriv_own: ran to its end" "^mb_cmdline=" "$(tail -n1 "$T/dp.out")"
for k in windows fills reflected irqs; do
    expect_match "depriv_own: depriv: $k > 0" "^[1-9]" "$(stats_value "$T/dp.err" "$k")"
done
expect_eq "depriv_own: native I/O" 0 "$(stats_value "$T/dp.err" native_io)"
# LAR at CPL 0: this host's KVM cannot; the same message both ways
must_match "depriv_lar" "$GUESTS/depriv_lar.elf64"
expect_eq "depriv_lar: same error line" "$(head -n1 "$T/raw.err")" "$(head -n1 "$T/dp.err")"

# scout's reserved region: CPL 0 raw reads it, deprivileged it is refused
timeout 60 "$SCOUT" --batch --raw "$GUESTS/depriv_reserved.elf64" >"$T/raw.out" 2>&1
expect_match "reserved region raw" "GDT\\[1\\]=0x00af9b000000ffff" "$(cat "$T/raw.out")"
timeout 60 "$SCOUT" --batch --deprivilege "$GUESTS/depriv_reserved.elf64" >"$T/dp.out" 2>"$T/dp.err"; rc=$?
expect_eq "reserved region deprivileged: status" 2 "$rc"
expect_match "reserved region deprivileged: refused" "refused to go on at 0x[0-9a-f]+ deprivileged: the guest touched scout's reserved region" "$(head -n1 "$T/dp.err")"
expect_eq "reserved region deprivileged: nothing read" "scout's GDT[1]=" "$(cat "$T/dp.out")"

# the 64-bit CPL 0 adversarial guests: the same, or refused cleanly
A="$TOP/$BUILD/adversarial"
while read -r name status refused args; do
    case "$name" in ''|'#'*|*@*) continue ;; esac
    [ "$args" = "-" ] || continue
    [ -e "$A/$name.elf64" ] || continue
    [ "$name" = a64_shadow_accessed ] && continue      # (below: a documented limit)
    same_or_refused "adversarial $name" "$A/$name.elf64"
    # the guests that attack the shadow page tables ran on them
    case "$name" in a64_shadow_*)
        expect_match "adversarial $name: shadow fills" "^[1-9]" "$(stats_value "$T/dp.err" fills)" ;;
    esac
    case "$name" in
    a64_shadow_wp0) expect_match "$name: the stores run at CPL 0" "^[1-9]" "$(stats_value "$T/dp.err" cpl0)" ;;
    # (80 pages twice: one pass's worth of fills if the pool held them all)
    a64_shadow_exhaust) expect_match "$name: the pool ran out (the second pass filled again)" \
                                     "^(1[2-9][0-9]|[2-9][0-9][0-9]|[0-9]{4,})$" "$(stats_value "$T/dp.err" fills)" ;;
    esac
done <"$TOP/tests/adversarial/guests.list"
must_match "adversarial a64_depriv_tell" "$A/a64_depriv_tell.elf64"
# A and D bits in a page table the shadow mirrors are set when scout
# protects it, as in every walk scout keeps read-only (README): early,
# never late -- each value deprivileged has every bit raw's has
G="$A/a64_shadow_accessed.elf64"
timeout 60 "$SCOUT" --batch --raw "$G" >"$T/raw.out" 2>/dev/null
timeout 60 "$SCOUT" --batch --stats --deprivilege "$G" >"$T/dp.out" 2>"$T/dp.err"
read -r -a rv <<<"$(grep -o '0x[0-9a-f]*' "$T/raw.out" | tr '\n' ' ')"
read -r -a dv <<<"$(grep -o '0x[0-9a-f]*' "$T/dp.out" | tr '\n' ' ')"
expect_eq "a64_shadow_accessed: three values each" "3 3" "${#rv[@]} ${#dv[@]}"
for i in 0 1 2; do
    expect_eq "a64_shadow_accessed: value $i never late" "$((rv[i]))" "$(( ${dv[i]:-0} & rv[i] ))"
done
expect_match "a64_shadow_accessed: on the shadow" "^[1-9]" "$(stats_value "$T/dp.err" fills)"
# refused before a byte of scout's own was written (RAM 128 MiB: the
# reserved region at 0x7fc0000): the shadow pool's root page still holds
# its table entry (the guest stored zeros over it), the TSS its RSP0 (the
# guest stored 0x5a5a into it)
for g in "a64_shadow_respool:0x7fe0000:^0x0000000000000000$" "a64_shadow_reslinear:0x7fc1000:5a5a"; do
    IFS=: read -r name addr bad <<<"$g"
    out=$(timeout --foreground 20 "$SCOUT" --deprivilege -ex 'set on-error continue' -ex run -ex "xp/1gx $addr" \
          "$A/$name.elf64" 2>&1)
    expect_match "$name: refused" "refused to go on deprivileged" "$out"
    val=$(echo "$out" | grep "^$addr:" | awk '{print $2}')
    if [ -n "$val" ] && ! [[ "$val" =~ $bad ]]; then ok "$name: nothing written ($addr: $val)"
    else not_ok "$name: nothing written" "$addr holds '$val'"; fi
done

# where the guest is not in 64-bit code at CPL 0 it runs at its own
# privilege, enforced, as without --deprivilege: the same as raw, and the
# window held open (counted), never closed
for g in "real mode:$GUESTS/hello_boot.bootsect" "multiboot (32-bit):$GUESTS/hello_mb.elf32" \
         "cpl 3:$GUESTS/hello64.elf64:--cpl 3"; do
    IFS=: read -r name img extra <<<"$g"
    # shellcheck disable=SC2086
    must_match "$name" "$img" $extra
    expect_eq "$name: held at its own privilege" 1 "$([ "$(stats_value "$T/dp.err" held)" -gt 0 ] && echo 1)"
    expect_eq "$name: never deprivileged" 0 "$(stats_value "$T/dp.err" windows)"
done
# switched at a stop: `set deprivilege on|off` rescans and the guest goes on
# the same as raw; `info registers` shows the guest's state, -real the vCPU's
H="$GUESTS/hello64.elf64"
timeout 20 "$SCOUT" --batch --raw "$H" >"$T/raw.out" 2>/dev/null
timeout 20 "$SCOUT" --batch -ex 'stepi 3' -ex 'set deprivilege on' -ex 'show deprivilege' -ex 'stepi 2' \
    -ex 'info registers' -ex 'info registers -real' -ex continue -ex stats "$H" >"$T/on.out" 2>&1; rc=$?
expect_match "set deprivilege on: the guest's exit" "guest exited: status 15" "$(cat "$T/on.out")"
expect_match "set deprivilege on: shown" "deprivilege = on" "$(cat "$T/on.out")"
expect_match "set deprivilege on: the guest's output" "$(head -n1 "$T/raw.out")" "$(cat "$T/on.out")"
expect_match "set deprivilege on: ran deprivileged" "depriv: on windows=[1-9]" "$(cat "$T/on.out")"
expect_match "set deprivilege on: the guest sees CPL 0" "mode   .*cpl=0" "$(sed -n '/^rip /,/^efer/p' "$T/on.out" | head -n2)"
expect_match "info registers -real: CPL 3" "mode   64-bit cpl=3" "$(sed -n '/real state/,$p' "$T/on.out")"
expect_match "info registers -real: scout's user code segment" "cs  0x002b" "$(sed -n '/real state/,$p' "$T/on.out")"
timeout 20 "$SCOUT" --batch --deprivilege -ex 'stepi 3' -ex 'set deprivilege off' -ex continue -ex stats "$H" \
    >"$T/off.out" 2>&1; rc=$?
expect_match "set deprivilege off: the guest's exit" "guest exited: status 15" "$(cat "$T/off.out")"
expect_eq "set deprivilege off: no depriv line after" 0 "$(grep -c '^depriv:' "$T/off.out")"
expect_match "set deprivilege off: pages rescanned" "invalidations=[1-9]" "$(cat "$T/off.out")"
timeout 20 "$SCOUT" --batch -ex 'info registers -real' "$H" >"$T/out" 2>&1; rc=$?
expect_match "info registers -real when not deprivileged" "-real: the guest is not deprivileged" "$(cat "$T/out")"
timeout 20 "$SCOUT" --batch --raw -ex 'set deprivilege on' "$H" >"$T/out" 2>&1; rc=$?
expect_eq "set deprivilege on under --raw: fails" 1 "$([ "$rc" -ne 0 ] && [ "$rc" -ne 15 ] && echo 1)"
expect_match "set deprivilege on under --raw: says why" "deprivilege: needs scanning \\(not --raw\\)" "$(cat "$T/out")"

timeout 20 "$SCOUT" --batch --deprivilege --raw "$GUESTS/hello64.elf64" >"$T/out" 2>"$T/err"; rc=$?
expect_eq "with --raw: status" 2 "$rc"
expect_eq "with --raw: one line" 1 "$(wc -l <"$T/err")"
expect_match "with --raw: says why" "^scout: --deprivilege needs scanning \\(not --raw\\)$" "$(cat "$T/err")"
finish
