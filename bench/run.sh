#!/usr/bin/env bash
# ncvirt's benchmarks (run by hand, never by `meson test`): builds ncvirt and bench/pty-run,
# writes test-driver node files into a temporary directory (deleted afterwards), measures
#   1. launch to first painted list, then quit, on 1000 domains, against `virsh list --all`
#      (paired runs, alternating which goes first);
#   2. with 5000 domains: repaint time of keys in the list and in the filter; peak RSS;
#   3. an idle ncvirt on 1000 domains: CPU time and wake-ups;
# and prints a table with PASS/FAIL against each target. See bench/README.md.
#
# Environment: BENCH_PAIRS (default 20), BENCH_ROUNDS (runs of the key benchmark, default 3),
# BENCH_IDLE_SECONDS (default 10), BENCH_KEEP=DIR (copy the raw pty-run outputs there),
# NCVIRT_BUILDDIR (default build/).
set -euo pipefail

src=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${NCVIRT_BUILDDIR:-$src/build}
pairs=${BENCH_PAIRS:-20}
rounds=${BENCH_ROUNDS:-3}
idle_secs=${BENCH_IDLE_SECONDS:-10}
cols=120
rows=40

die() {
    echo "bench: $*" >&2
    exit 1
}
note() {
    echo "bench: $*" >&2
}

for n in "$pairs" "$rounds" "$idle_secs"; do
    [[ $n =~ ^[1-9][0-9]*$ ]] ||
        die "BENCH_PAIRS, BENCH_ROUNDS and BENCH_IDLE_SECONDS must be positive integers"
done
command -v virsh >/dev/null || die "virsh not found (it is the reference of the launch benchmark)"
command -v python3 >/dev/null || die "python3 not found (tests/gen-node.py writes the node files)"

# ---- build ----
if [[ ! -f $build/build.ninja ]]; then
    meson setup "$build" "$src" >/dev/null || die "meson setup $build failed"
fi
ninja -C "$build" ncvirt bench/pty-run >/dev/null ||
    die "build failed: run 'ninja -C $build ncvirt bench/pty-run' to see why"
ncvirt=$build/ncvirt
pty=$build/bench/pty-run

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ncvirt-bench.XXXXXX")
cleanup() {
    if [[ -n ${BENCH_KEEP:-} ]]; then
        if mkdir -p "$BENCH_KEEP"; then
            cp "$tmp"/*.out "$tmp"/*.err "$BENCH_KEEP"/ 2>/dev/null || true
        fi
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT
# No user key bindings or logs: every run sees the default keymap.
export XDG_CONFIG_HOME=$tmp/config XDG_STATE_HOME=$tmp/state

note "writing node files with 1000 and 5000 domains"
python3 "$src/tests/gen-node.py" --domains 1000 --out "$tmp/n1000.xml"
python3 "$src/tests/gen-node.py" --domains 5000 --out "$tmp/n5000.xml"

# Domain names in list order (the sidecar sorts them as ncvirt does, by bytes).
mapfile -t names1000 < <(awk -F'\t' '$1 == "domain" { print $2 }' "$tmp/n1000.xml.expect")
mapfile -t names5000 < <(awk -F'\t' '$1 == "domain" { print $2 }' "$tmp/n5000.xml.expect")
# At 120 columns the list sits left of the details; it shows rows-6 domains (header, tabs,
# box top, column titles, box bottom, status line). The last one marks a fully painted page.
page=$((rows - 6))
last1000=${names1000[page - 1]}
last5000=${names5000[page - 1]}

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
        printf "%.2f %.2f %.2f %d\n", m, v[1], v[NR], NR }'
}
# run OUT ARGS...: pty-run with ARGS, its report in $tmp/OUT.out; dies with the reason.
run() {
    local out=$tmp/$1.out
    shift
    if ! "$pty" "$@" >"$out" 2>"$out.err"; then
        cat "$out.err" >&2
        die "failed: pty-run $*"
    fi
    [[ $(val exit status "$out") == 0 ]] || die "exit status $(val exit status "$out"): $*"
}

# ---- 1. launch to first painted list, then quit, against virsh ----
note "1/3 launch: $pairs pairs of ncvirt and virsh on 1000 domains"
uri1000=test://$tmp/n1000.xml
run_virsh() { run "virsh-$1" --no-pty -- virsh -c "$uri1000" list --all; }
run_ncvirt() {
    run "launch-$1" --size "${cols}x$rows" --wait "$last1000" -- "$ncvirt" -c "$uri1000"
}
run_virsh warmup
run_ncvirt warmup
for ((i = 1; i <= pairs; i++)); do
    if ((i % 2)); then
        run_virsh "$i"
        run_ncvirt "$i"
    else
        run_ncvirt "$i"
        run_virsh "$i"
    fi
done
collect() { # collect PREFIX STEP KEY: one value per run
    local i
    for ((i = 1; i <= pairs; i++)); do val "$2" "$3" "$tmp/$1-$i.out"; done
}
read -r v_med v_min v_max _ < <(collect virsh exit total_ms | stats)
read -r n_med n_min n_max _ < <(collect launch exit total_ms | stats)
read -r p_med _ < <(collect launch launch paint_ms | stats)
ratio=$(awk -v a="$n_med" -v b="$v_med" 'BEGIN { printf "%.2f", a / b }')
launch_ok=$(awk -v r="$ratio" 'BEGIN { print (r <= 1.5) ? "PASS" : "FAIL" }')

# ---- 2. keys and peak RSS with 5000 domains ----
note "2/3 keys: $rounds runs of ncvirt on 5000 domains"
uri5000=test://$tmp/n5000.xml
n=${#names5000[@]}
# Each --press waits for the output to settle first, then times the key until its marker is
# written and the output goes quiet. List keys: the newly selected row is redrawn in full.
list_steps=()
for ((k = 1; k <= 10; k++)); do
    list_steps+=(--press j --expect "${names5000[k]}")
done
list_steps+=(--press k --expect "${names5000[9]}")
list_steps+=(--press '\e[6~' --expect "${names5000[9 + page - 1]}")
list_steps+=(--press '\e[6~' --expect "${names5000[9 + 2 * (page - 1)]}")
list_steps+=(--press G --expect "${names5000[n - 1]}")
list_steps+=(--press g --expect "${names5000[0]}")
# Filter keys: the list title becomes "Domains (k of 5000) /text"; with the filter emptied
# again it is "Domains (5000)". Erasing back to empty between characters keeps the new count
# from sharing a prefix with the old one (curses would only send the changed cells).
filter_steps=(--press / --expect "filter:")
for c in 7 1 d x 0; do
    filter_steps+=(--press "$c" --expect "of $n)" --press '\x7f' --expect "$n)")
done
filter_steps+=(--press 7 --expect "of $n)" --press 7 --expect "of $n)")
filter_steps+=(--press '\x7f' --expect "of $n)" --press '\x7f' --expect "$n)")
filter_steps+=(--press '\r' --expect "help")
for ((r = 1; r <= rounds; r++)); do
    run "keys-$r" --size "${cols}x$rows" --wait "$last5000" "${list_steps[@]}" \
        "${filter_steps[@]}" -- "$ncvirt" -c "$uri5000"
done
key_times() { # key_times list|filter|char: paint_ms of those presses in every run
    local r
    for ((r = 1; r <= rounds; r++)); do
        awk -v want="$1" '$1 == "press" {
            keys = ""; paint = ""
            for (i = 2; i <= NF; i++) { p = index($i, "=")
                if (substr($i, 1, p - 1) == "keys") keys = substr($i, p + 1)
                if (substr($i, 1, p - 1) == "paint_ms") paint = substr($i, p + 1) }
            kind = (keys ~ /^(j|k|G|g|\\e\[6~)$/) ? "list" : (keys ~ /^(\/|\\r)$/) ? "" : "filter"
            if (kind == want || (want == "char" && kind == "filter" && keys != "\\x7f"))
                print paint }' "$tmp/keys-$r.out"
    done
}
read -r kl_med _ kl_max kl_n < <(key_times list | stats)
read -r kf_med _ kf_max kf_n < <(key_times filter | stats)
read -r kc_med _ kc_max kc_n < <(key_times char | stats)
first_key=$(for ((r = 1; r <= rounds; r++)); do
    awk '$1 == "press" && $2 == "n=1" { sub("paint_ms=", "", $5); print $5 }' "$tmp/keys-$r.out"
done | stats)
keys_ok() { awk -v m="$1" 'BEGIN { print (m < 10) ? "PASS" : "FAIL" }'; }
list_ok=$(keys_ok "$kl_max")
filter_ok=$(keys_ok "$kf_max")
read -r rss_med _ rss_max _ < <(for ((r = 1; r <= rounds; r++)); do
    val exit maxrss_kb "$tmp/keys-$r.out"; done | stats)
run virsh-rss --no-pty -- virsh -c "$uri5000" list --all
rss_virsh=$(val exit maxrss_kb "$tmp/virsh-rss.out")

# With test:/// the test driver runs inside the client, so its copy of 5000 domain definitions
# counts in ncvirt's RSS (and virsh's). Through libvirtd (test+unix://) only ncvirt is counted.
rss_daemon=""
if timeout 5 virsh -c test+unix:///default version >/dev/null 2>&1; then
    note "2/3 peak RSS through libvirtd (test+unix://)"
    run rss-daemon --size "${cols}x$rows" --timeout 60000 --wait "$last5000" \
        --press j --expect "${names5000[1]}" --press / --expect "filter:" \
        --press 7 --expect "of $n)" --press '\x7f' --expect "$n)" --press '\r' --expect help \
        --press G --expect "${names5000[n - 1]}" -- "$ncvirt" -c "test+unix://$tmp/n5000.xml"
    rss_daemon=$(val exit maxrss_kb "$tmp/rss-daemon.out")
else
    note "libvirtd does not answer on test+unix:///default: no RSS without the in-process driver"
fi

# ---- 3. idle ----
note "3/3 idle: ncvirt on 1000 domains for $idle_secs s"
run idle --size "${cols}x$rows" --timeout $(((idle_secs + 60) * 1000)) --settle 1000 \
    --wait "$last1000" --idle "$idle_secs" -- "$ncvirt" -c "$uri1000"
idle_cpu=$(val idle cpu_ms "$tmp/idle.out")
idle_vcs=$(val idle voluntary_cs "$tmp/idle.out")
idle_ics=$(val idle involuntary_cs "$tmp/idle.out")
idle_polls="n/a"
if command -v strace >/dev/null; then
    # poll/ppoll calls that ncvirt's threads start inside the idle window.
    run idle-strace --size "${cols}x$rows" --timeout $(((idle_secs + 60) * 1000)) \
        --settle 1000 --wait "$last1000" --idle "$idle_secs" -- \
        strace -f -qq -ttt -o "$tmp/strace.log" -e trace=poll,ppoll "$ncvirt" -c "$uri1000"
    t0=$(val idle start_epoch "$tmp/idle-strace.out")
    t1=$(val idle end_epoch "$tmp/idle-strace.out")
    idle_polls=$(awk -v a="$t0" -v b="$t1" '$2 >= a && $2 <= b && !/resumed>/ { n++ }
        END { print n + 0 }' "$tmp/strace.log")
fi
# Since the live stats (every 2 s) an idle ncvirt wakes for each refresh and for nothing else.
# One refresh is a few loop iterations on two threads (the timer, the worker's call, its result
# posted back, the repaint), so a handful of wake-ups and polls per tick; a busy loop would
# show hundreds.
idle_ok=$(awk -v c="$idle_cpu" -v v="$idle_vcs" -v p="$idle_polls" -v s="$idle_secs" \
    'BEGIN { t = s / 2; print (c <= 10 * t && v <= 6 * t + 2 && (p == "n/a" || p <= 6 * t + 2)) \
             ? "PASS" : "FAIL" }')

# ---- report ----
mib() { awk -v k="$1" 'BEGIN { printf "%.1f MiB", k / 1024 }'; }
if [[ -n $rss_daemon ]]; then
    rss_ok=$(awk -v k="$rss_daemon" 'BEGIN { print (k < 30 * 1024) ? "PASS" : "FAIL" }')
    rss_text="$(mib "$rss_daemon") (through libvirtd)"
else
    rss_ok=SKIP
    rss_text="libvirtd not answering"
fi
read -r fk_med _ fk_max _ <<<"$first_key"
row() { printf '%-32s %-44s %-10s %s\n' "$@"; }
more() { printf '    %s\n' "$@"; }
echo
echo "ncvirt benchmarks: ${cols}x$rows pty, $(nproc) CPUs, $(date -u '+%Y-%m-%d %H:%M UTC')"
row "target" "measured" "limit" "result"
row "1 launch, paint, quit: 1000" "ncvirt $n_med ms / virsh $v_med ms = ${ratio}x" "<= 1.5x" \
    "$launch_ok"
more "medians of $pairs pairs; min/max ncvirt $n_min/$n_max ms, virsh $v_min/$v_max ms" \
    "ncvirt's first paint (fork to last row of the page): median $p_med ms"
row "2 list key repaint: 5000" "median $kl_med ms, max $kl_max ms (n=$kl_n)" "< 10 ms" \
    "$list_ok"
row "2 filter key repaint: 5000" "median $kf_med ms, max $kf_max ms (n=$kf_n)" "< 10 ms" \
    "$filter_ok"
more "characters only (Backspace to an empty filter skips the matching):" \
    "median $kc_med ms, max $kc_max ms (n=$kc_n)" \
    "first key of each run (a full-screen repaint, counted with the list keys):" \
    "median $fk_med ms, max $fk_max ms"
row "2 peak RSS: 5000" "$rss_text" "< 30 MiB" "$rss_ok"
more "with the in-process driver test:/// (its copy of the domains counts too):" \
    "ncvirt median $(mib "$rss_med"), max $(mib "$rss_max"); virsh list $(mib "$rss_virsh")"
row "3 idle ${idle_secs} s: 1000" "CPU $idle_cpu ms, $idle_vcs wake-ups, $idle_polls polls" \
    "see below" "$idle_ok"
more "limit per 2 s stats refresh: CPU <= 10 ms, <= 6 wake-ups and <= 6 polls (nothing between)" \
    "wake-ups: voluntary context switches, all threads ($idle_ics involuntary)" \
    "polls: poll/ppoll calls started in the window (a second run, under strace)"
[[ "$launch_ok $list_ok $filter_ok $rss_ok $idle_ok" != *FAIL* ]]
