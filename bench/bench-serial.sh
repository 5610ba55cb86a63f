#!/usr/bin/env bash
# Serial console throughput (run by hand, never by `meson test`): ncvirt's console view against
# `virsh console`, on a real test guest (tests/guest: TCG, direct kernel boot, a busybox shell
# on ttyS0), in paired runs. See bench/README.md.
#
# Builds ncvirt and bench/pty-run, builds (or reuses) the test guest and boots it once as
# nvbench-serial-PID on qemu:///system (removed at the end, also on Ctrl-C). In the guest, 10
# MiB of random base64 (76-column lines) is written to /tmp/d once. Each run then types
#     head -c SIZE /tmp/d;printf '\342\227\206\n'
# into the guest's serial shell and times, with pty-run, from writing that line (Enter
# included) until the end marker, the printf's U+25C6 (◆), has been written to the pty:
#   A  virsh -c qemu:///system console --force NAME       (in pty-run's 120x40 pty)
#   B  ncvirt -c qemu:///system: `/NAME` Enter, `c`; C-] then q at the end (same pty)
# One 1 MiB run of each first (warm-up and calibration): if SIZE (10 MiB) would take longer than
# BENCH_SERIAL_MAX_SECONDS at the speed virsh got, SIZE becomes the largest whole number of MiB
# that fits, and the output says so. Then BENCH_PAIRS pairs, alternating which goes first.
# Prints medians, min/max and MiB/s of both, their CPU time (with GNU time, if installed), and
# the ratio virsh time / ncvirt time ("ncvirt throughput relative to virsh console", PASS at
# >= 0.8). Exit 0 on PASS, 1 on FAIL or error.
#
# Environment: BENCH_PAIRS (default 3), BENCH_SERIAL_MIB (default 10), BENCH_SERIAL_MAX_SECONDS
# (default 180), BENCH_KEEP=DIR (copy the pty-run reports there), BENCH_DUMP=1 (with
# BENCH_KEEP: also the raw pty output of every run), NCVIRT_BUILDDIR (default build/),
# NCVIRT_GUEST_CACHE (default $NCVIRT_BUILDDIR/tests/guest-cache, the one the tests use). Needs root and a libvirt daemon
# (scripts/start-libvirtd starts one when none runs; a running one is never restarted).
set -uo pipefail

# The whole script is one compound command, read before it starts: a run takes many minutes,
# and bash would otherwise read an edited script from the old offsets.
{

src=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${NCVIRT_BUILDDIR:-$src/build}
pairs=${BENCH_PAIRS:-3}
want_mib=${BENCH_SERIAL_MIB:-10}
max_secs=${BENCH_SERIAL_MAX_SECONDS:-180}
uri=qemu:///system
cols=120
rows=40
export LC_ALL=C.UTF-8
unset LIBVIRT_DEFAULT_URI

die() {
    echo "bench-serial: $*" >&2
    exit 1
}
note() {
    echo "bench-serial: $*" >&2
}

for n in "$pairs" "$want_mib" "$max_secs"; do
    [[ $n =~ ^[1-9][0-9]*$ ]] ||
        die "BENCH_PAIRS, BENCH_SERIAL_MIB and BENCH_SERIAL_MAX_SECONDS must be positive integers"
done
((want_mib <= 64)) || die "BENCH_SERIAL_MIB: at most 64 (the guest has 256 MiB of RAM)"
[[ $(id -u) -eq 0 ]] || die "needs root (the test guest runs on $uri)"
command -v virsh >/dev/null || die "virsh not found (run scripts/bootstrap)"
why=$(bash "$src/scripts/start-libvirtd" 2>&1) || die "no libvirt daemon: $why"

# ---- build ----
if [[ ! -f $build/build.ninja ]]; then
    meson setup "$build" "$src" >/dev/null || die "meson setup $build failed"
fi
ninja -C "$build" ncvirt bench/pty-run >/dev/null ||
    die "build failed: run 'ninja -C $build ncvirt bench/pty-run' to see why"
ncvirt=$build/ncvirt
pty=$build/bench/pty-run

# ---- the guest ----
export GUEST_URI=$uri
# shellcheck source=tests/guest/lib-guest.sh
. "$src/tests/guest/lib-guest.sh"
name=nvbench-serial-$$
tmp=$(mktemp -d "${TMPDIR:-/tmp}/nvbench-serial.XXXXXX")
# shellcheck disable=SC2317 # runs from the EXIT trap
cleanup() {
    trap - EXIT INT TERM HUP
    guest_cleanup "$name"
    if [[ -n ${BENCH_KEEP:-} ]] && mkdir -p "$BENCH_KEEP"; then
        cp "$tmp"/*.out "$tmp"/*.err "$tmp"/*.ms "$tmp"/*.cpu "$tmp"/*.dump "$BENCH_KEEP"/ 2>/dev/null || true
    fi
    rm -rf -- "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
# No user key bindings or state: every ncvirt run sees the defaults.
export XDG_CONFIG_HOME=$tmp/config XDG_STATE_HOME=$tmp/state XDG_DATA_HOME=$tmp/data \
    XDG_CACHE_HOME=$tmp/cache

cache=$(guest_build "${NCVIRT_GUEST_CACHE:-$build/tests/guest-cache}") || die "building the guest failed"
guest_xml "$name" "$cache" >"$tmp/dom.xml"
out=$(guest_virsh define "$tmp/dom.xml" 2>&1) || die "virsh define: $out"
out=$(guest_virsh start "$name" 2>&1) || die "virsh start: $out"
note "booting $name (TCG)"
guest_wait_marker "$name" NCVIRT-GUEST-READY 120 || die "$name did not boot within 120 s"

# A short prompt keeps the typed lines well within 80 columns; the data comes from the guest's
# RAM (tmpfs), so no run waits for /dev/urandom or base64. DATA-<size> is computed by the
# guest, so the shell's echo of the typed line (also in the serial log) does not match it.
bytes_max=$((want_mib * 1048576))
note "writing $want_mib MiB of base64 to /tmp/d in the guest"
guest_serial_send "$name" 'PS1="N""V# "' || die "typing into the serial console failed"
guest_serial_send "$name" "base64 </dev/urandom|head -c $bytes_max >/tmp/d" ||
    die "typing into the serial console failed"
# shellcheck disable=SC2016 # expanded by the guest's shell
guest_serial_send "$name" 'echo DATA-$(wc -c </tmp/d)' || die "typing into the serial console failed"
guest_wait_marker "$name" "DATA-$bytes_max" 300 || die "the guest did not write /tmp/d"

# ---- runs ----
# val STEP KEY FILE: the values of KEY on the lines of FILE that start with STEP.
val() {
    awk -v s="$1" -v k="$2" '$1 == s {
        for (i = 2; i <= NF; i++) { p = index($i, "="); if (substr($i, 1, p - 1) == k)
            print substr($i, p + 1) } }' "$3"
}
# stats: numbers on stdin -> "median min max count".
stats() {
    sort -g | awk '{ v[NR] = $1 } END {
        if (NR == 0) { print "nan nan nan 0"; exit }
        m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
        printf "%.1f %.1f %.1f %d\n", m, v[1], v[NR], NR }'
}
# pty_run ID ARGS...: pty-run with ARGS (its report in $tmp/ID.out); writes the time in ms
# from the typed command to the end marker (the last press step's marker_ms) to $tmp/ID.ms;
# with GNU time, the client's user+system CPU seconds to $tmp/ID.cpu.
pty_run() {
    local id=$1
    shift
    local out=$tmp/$id.out dump=()
    [[ -n ${BENCH_KEEP:-} && -n ${BENCH_DUMP:-} ]] && dump=(--dump "$tmp/$id.dump")
    local args=() timed=()
    while (($#)) && [[ $1 != -- ]]; do
        args+=("$1")
        shift
    done
    shift
    [[ -n $gnu_time ]] && timed=("$gnu_time" -o "$tmp/$id.cpu" -f "%U %S")
    if ! "$pty" --size "${cols}x$rows" --timeout "$limit_ms" "${dump[@]}" "${args[@]}" -- \
        "${timed[@]}" "$@" >"$out" 2>"$out.err"; then
        cat "$out.err" >&2
        die "run $id failed"
    fi
    local ms
    ms=$(val press marker_ms "$out" | tail -n 1)
    [[ -n $ms ]] || die "run $id: no timing in $out"
    echo "$ms" >"$tmp/$id.ms"
}
# The line typed into the guest, Enter included, in pty-run's escapes (\\ for a backslash).
# The end marker is one character, U+25C6 (◆), made by the guest's printf from octal escapes,
# so the shell's echo of the line does not contain it. A text marker would not do for ncvirt:
# it draws frames, and when a frame boundary falls inside the marker, or the cell before it is
# unchanged, curses sends the marker in pieces or skips its first letters (a run then never
# ends). One character is always written whole (ncvirt's UTF-8 check holds a partial one).
marker=◆
command_keys() {
    printf '%s' "head -c $1 /tmp/d;printf '\\\\342\\\\227\\\\206\\\\n'\\r"
}
# GNU time around each client, for its CPU time (optional).
gnu_time=""
[[ -x /usr/bin/time ]] && /usr/bin/time -o /dev/null -f %U true 2>/dev/null && gnu_time=/usr/bin/time
# A: virsh prints its banner, then puts the terminal in raw mode; pty-run's press waits for the
# output to settle (300 ms) before typing. C-] alone detaches.
run_virsh() {
    pty_run "$1" --wait "Escape character" --press "$(command_keys "$2")" \
        --expect "$marker" --quit '\x1d' -- virsh -c "$uri" console --force "$name"
}
# B: the filter leaves one domain in the list; its title becomes "Domains (1 of N) /NAME" (the
# marker is ") /NAME": curses does not rewrite the unchanged "Domains (", and N is whatever
# the daemon holds). `c` opens the serial console (header "NAME · serial0 · attached · C-]
# leaves"). At the end C-] leaves the console and q quits.
run_ncvirt() {
    pty_run "$1" --wait "Domains (" --press / --expect "filter:" \
        --press "$name\\r" --expect ") /$name" --press c --expect "attached" \
        --press "$(command_keys "$2")" --expect "$marker" --quit '\x1dq' -- "$ncvirt" -c "$uri"
}
secs() { awk -v ms="$1" 'BEGIN { printf "%.1f s", ms / 1000 }'; }

# pty-run's limit for each step: generous for 1 MiB (8.7 KiB/s), then three times the
# estimate for a run plus a minute.
limit_ms=120000
note "calibration: 1 MiB through virsh console and ncvirt"
run_virsh cal-virsh 1048576
run_ncvirt cal-ncvirt 1048576
cal_v=$(<"$tmp/cal-virsh.ms")
cal_n=$(<"$tmp/cal-ncvirt.ms")
note "1 MiB: virsh $(secs "$cal_v"), ncvirt $(secs "$cal_n")"
# The largest whole number of MiB that virsh would print within max_secs (at least 1).
fit_mib=$(awk -v ms="$cal_v" -v max="$max_secs" 'BEGIN { m = int(max * 1000 / ms); print m < 1 ? 1 : m }')
mib=$want_mib
size_note=""
if ((fit_mib < want_mib)); then
    mib=$fit_mib
    size_note="$want_mib MiB would take about $(secs "$(awk -v ms="$cal_v" -v m="$want_mib" \
        'BEGIN { print ms * m }')") a run at the guest's UART speed (over ${max_secs} s): $mib MiB instead"
    note "$size_note"
fi
bytes=$((mib * 1048576))
limit_ms=$(awk -v ms="$cal_v" -v m="$mib" 'BEGIN { t = ms * m * 3 + 60000; printf "%d", (t > 1000000 ? 1000000 : t) }')

note "$pairs pairs of $mib MiB runs (each about $(secs "$(awk -v ms="$cal_v" -v m="$mib" \
    'BEGIN { print ms * m }')"))"
for ((i = 1; i <= pairs; i++)); do
    if ((i % 2)); then
        run_virsh "virsh-$i" "$bytes"
        run_ncvirt "ncvirt-$i" "$bytes"
    else
        run_ncvirt "ncvirt-$i" "$bytes"
        run_virsh "virsh-$i" "$bytes"
    fi
    note "pair $i: virsh $(secs "$(<"$tmp/virsh-$i.ms")"), ncvirt $(secs "$(<"$tmp/ncvirt-$i.ms")")"
done

read -r v_med v_min v_max _ < <(cat "$tmp"/virsh-*.ms | stats)
read -r n_med n_min n_max _ < <(cat "$tmp"/ncvirt-*.ms | stats)
rate() { awk -v ms="$1" -v m="$mib" 'BEGIN { printf "%.2f MiB/s", m / (ms / 1000) }'; }
ratio=$(awk -v a="$v_med" -v b="$n_med" 'BEGIN { printf "%.2f", a / b }')
result=$(awk -v r="$ratio" 'BEGIN { print (r >= 0.8) ? "PASS" : "FAIL" }')

echo "serial throughput: $mib MiB of base64 (76-column lines; the tty adds a CR to each) from the"
echo "guest's ttyS0 (TCG), typed command to end marker, medians of $pairs pairs:"
[[ -n $size_note ]] && echo "    note: $size_note"
printf '  virsh console  %10s  %s  (min %s, max %s)\n' "$(secs "$v_med")" "$(rate "$v_med")" \
    "$(secs "$v_min")" "$(secs "$v_max")"
printf '  ncvirt         %10s  %s  (min %s, max %s)\n' "$(secs "$n_med")" "$(rate "$n_med")" \
    "$(secs "$n_min")" "$(secs "$n_max")"
echo "ncvirt throughput relative to virsh console: ${ratio}x (target >= 0.8x)  $result"
echo "    1 MiB calibration: virsh $(secs "$cal_v"), ncvirt $(secs "$cal_n")"
if [[ -n $gnu_time ]]; then
    cpu() { # cpu PREFIX: median user+system seconds of the runs
        local f
        for f in "$tmp/$1"-[0-9]*.cpu; do awk '{ print $1 + $2 }' "$f"; done | stats |
            awk '{ printf "%.1f s", $1 }'
    }
    echo "    client CPU time per run (user+system, median): virsh $(cpu virsh), ncvirt $(cpu ncvirt)"
fi
echo "    both are bounded by the guest's emulated 16550 UART (QEMU passes it on a byte at a time);"
echo "    ncvirt draws only what is on screen and may skip frames; the marker must still appear."
[[ $result == PASS ]]
exit
}
