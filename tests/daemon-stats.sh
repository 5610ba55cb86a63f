#!/usr/bin/env bash
# shellcheck disable=SC2317 # functions called through nvt_wait_until and the cleanup hooks
# Live stats end to end, against the real daemon (qemu:///system): a small diskless TCG guest
# (64 MiB, no boot device: SeaBIOS keeps the vCPU busy looking for one) runs next to a shut-off
# twin; ncvirt in tmux shows a non-zero CPU% for the running one within 8 s of starting, the
# twin's live columns stay empty; `o` moves the sort to the CPU% column (header "CPU%▲", the
# twin above), `O` reverses it ("CPU%▼", the running one above) and the selection stays on the
# same domain throughout; the details of the running domain show a CPU sparkline. Both domains
# are removed even on failure; the daemon is never restarted. Skips (77) only when the daemon
# cannot run here.
set -uo pipefail

: "${NCVIRT_SRCDIR:?NCVIRT_SRCDIR is not set (run through meson test)}"
: "${NCVIRT_TESTDIR:?NCVIRT_TESTDIR is not set (run through meson test)}"
# shellcheck source=tests/lib-tmux.sh
. "$NCVIRT_TESTDIR/lib-tmux.sh"

uri=qemu:///system
# shellcheck source=tests/lib-daemon.sh
. "$NCVIRT_TESTDIR/lib-daemon.sh"
nvd_need_root "$uri"
nvd_need_command virsh "run scripts/bootstrap"
nvd_start_daemon
nvt_init

# Short names: the Name column is 22 wide, and a cut name would not match.
prefix="nvst-$$"
run="$prefix-run"
off="$prefix-off"
vsh() { virsh -q -c "$uri" "$@"; }
cleanup_domains() {
    local n
    for n in "$run" "$off"; do
        vsh destroy "$n" >/dev/null 2>&1
        vsh undefine "$n" >/dev/null 2>&1
    done
    return 0
}
NVT_CLEANUP_HOOKS+=(cleanup_domains)

domain_xml() {
    cat <<EOF
<domain type='qemu'>
  <name>$1</name>
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64'>hvm</type></os>
  <on_reboot>destroy</on_reboot>
  <devices><memballoon model='none'/></devices>
</domain>
EOF
}
for n in "$run" "$off"; do
    domain_xml "$n" >"$NVT_TMP/$n.xml"
    out=$(vsh define "$NVT_TMP/$n.xml" 2>&1) || { echo "FAIL: virsh define $n: $out"; exit 1; }
done
out=$(vsh start "$run" 2>&1) || { echo "FAIL: virsh start $run: $out"; exit 1; }
nvt_ok "$run defined and started, $off defined"

q() { nvt_re_quote "$1"; }
# The CPU% cell of a domain's row (the column after the name), or nothing.
cpu_of() {
    nvt_capture
    grep -E -- "(running|shut off) +$(q "$1") " <<<"$NVT_SCREEN" |
        sed -E "s/.*(running|shut off) +$(q "$1") +([0-9.]+%)?.*/\\2/"
}
nonzero_cpu() {
    nvt_has_re "running +$(q "$run") +[0-9.]+% " &&
        nvt_lacks_re "running +$(q "$run") +0(\\.0)?% "
}
# Screen line of a domain's row.
row_of() {
    grep -nE -- "(running|shut off) +$(q "$1") " <<<"$NVT_SCREEN" | head -n 1 | cut -d: -f1
}
run_above_off() { (($(row_of "$run") < $(row_of "$off"))); }
off_above_run() { (($(row_of "$off") < $(row_of "$run"))); }
selected_is() { nvt_wait_re "┌─ $(q "$1") ─" "${2:-$NVT_TIMEOUT}"; }

t0=$(nvt_now_ms)
nvt_start 220 50 -- "$NCVIRT_BIN" -c "$uri"
nvt_wait_for "┌─ Domains (" 15
nvt_keys /
nvt_wait_for "filter: "
nvt_type "$prefix"
nvt_keys Enter
nvt_wait_re "┌─ Domains \\(2 of [0-9]+\\) /$(q "$prefix") ─"
nvt_wait_gone "filter: "
nvt_wait_re "running +$(q "$run") "
nvt_wait_re "shut off +$(q "$off") "
selected_is "$off"

# ---- a non-zero CPU% for the running guest ----
left=$((8000 - ($(nvt_now_ms) - t0)))
((left < 1000)) && left=1000
nvt_wait_until "no non-zero CPU% for $run" "$(awk -v ms="$left" 'BEGIN { print ms / 1000 }')" \
    nonzero_cpu
nvt_ok "$run shows CPU $(cpu_of "$run") after $(($(nvt_now_ms) - t0)) ms (limit 8000 ms)"
[[ -z $(cpu_of "$off") ]] || nvt_fail "$off (shut off) shows CPU '$(cpu_of "$off")'"
nvt_assert_re "running +$(q "$run") +[0-9.]+% +1 +64\\.0 MiB +[0-9.]+ [KMG]iB +0/0 +0/0( |$)" \
    "the running row lacks memory in use or the disk/net rates (0/0: no disks, no NICs)"
nvt_ok "$off has empty live columns; $run shows memory in use and 0/0 disk and net rates"

# ---- sorting on CPU% ----
presses=0
while ! nvt_has "CPU%▲"; do
    ((presses < 12)) || nvt_fail "12 presses of o never sorted on CPU%"
    nvt_keys o
    presses=$((presses + 1))
    sleep 0.2
    nvt_capture
done
nvt_ok "o x$presses: the header marks CPU%▲"
nvt_wait_until "ascending CPU%: $off (no number) is not above $run" 5 off_above_run
selected_is "$off"
nvt_keys O
nvt_wait_for "CPU%▼"
nvt_wait_until "descending CPU%: $run is not above $off" 5 run_above_off
selected_is "$off"
nvt_ok "O: CPU%▼ puts $run above $off; the selection stays on $off"

# ---- the details of the running domain: a CPU sparkline ----
nvt_keys g
selected_is "$run"
nvt_wait_re "CPU usage +[▁▂▃▄▅▆▇█]+ [0-9.]+%" 8
nvt_wait_re "Memory in use +[▁▂▃▄▅▆▇█]+ [0-9.]+ [KMG]iB"
nvt_ok "the details of $run show CPU and memory sparklines"

# The order holds across refreshes (a tick re-sorts): still descending, selection kept.
sleep 2.5
nvt_capture
run_above_off || nvt_fail "after a refresh $run is no longer above $off"
selected_is "$run"

nvt_keys q
nvt_wait_for EXIT=0 5
nvt_ok "q: ncvirt exits with status 0"
nvt_done
