#!/usr/bin/env bash
# shellcheck disable=SC2317 # functions called through nvt_wait_until and the cleanup hooks
# End to end, against the real daemon (qemu:///system): ncvirt in tmux follows domain events
# without a key pressed (start, destroy, undefine of a diskless TCG domain defined here), shows
# DISCONNECTED when libvirtd dies while still answering keys, and reconnects once libvirtd is
# back. Skips (77) only when the daemon cannot run here. Leaves libvirtd running.
set -uo pipefail

: "${NCVIRT_SRCDIR:?NCVIRT_SRCDIR is not set (run through meson test)}"
: "${NCVIRT_TESTDIR:?NCVIRT_TESTDIR is not set (run through meson test)}"
# shellcheck source=tests/lib-tmux.sh
. "$NCVIRT_TESTDIR/lib-tmux.sh"

uri=qemu:///system
start_libvirtd="$NCVIRT_SRCDIR/scripts/start-libvirtd"
command -v virsh >/dev/null || nvt_skip "virsh is not installed (run scripts/bootstrap)"
if ! why=$(bash "$start_libvirtd" 2>&1); then
    nvt_skip "the local libvirt daemon cannot run here: $why"
fi
nvt_init

name="nvtest-e2e-$$"
killed_libvirtd=0
vsh() { timeout 120 virsh -q -c "$uri" "$@"; }
cleanup_daemon() {
    if ((killed_libvirtd)) || ! timeout 5 virsh -q -c "$uri" version >/dev/null 2>&1; then
        bash "$start_libvirtd" || echo "WARNING: could not restart libvirtd"
    fi
    if vsh dominfo "$name" >/dev/null 2>&1; then
        vsh destroy "$name" >/dev/null 2>&1
        vsh undefine "$name" >/dev/null 2>&1
    fi
    return 0
}
NVT_CLEANUP_HOOKS+=(cleanup_daemon)

cat >"$NVT_TMP/domain.xml" <<EOF
<domain type='qemu'>
  <name>$name</name>
  <title>ncvirt e2e reconnect test $$</title>
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  <os><type>hvm</type></os>
</domain>
EOF
out=$(vsh define "$NVT_TMP/domain.xml" 2>&1) || { echo "FAIL: virsh define (status $?): $out"; exit 1; }

q() { nvt_re_quote "$1"; }
row_re() {
    echo "(running|paused|shut off|idle|crashed|suspended|in shutdown|no state) +$(q "$name")( |$)"
}
state_re() {
    echo "$1 +$(q "$name")( |$)"
}

nvt_start 100 30 -- "$NCVIRT_BIN" -c "$uri"
nvt_wait_for "┌─ Domains (" 15
# Other domains may exist on this host: narrow the list to ours.
nvt_keys /
nvt_wait_for "filter: "
nvt_type "$name"
nvt_keys Enter
nvt_wait_re "┌─ Domains \\(1 of [0-9]+\\) /$(q "$name") ─"
nvt_wait_re "$(state_re "shut off")"
nvt_wait_gone "filter: "
nvt_ok "$name listed, shut off"

# ---- events, no key pressed ----
out=$(vsh start "$name" 2>&1) || nvt_fail "virsh start: $out"
nvt_wait_re "$(state_re running)" 2
nvt_ok "virsh start: the row shows running after ${NVT_WAITED_MS} ms"
out=$(vsh destroy "$name" 2>&1) || nvt_fail "virsh destroy: $out"
nvt_wait_re "$(state_re "shut off")" 2
nvt_ok "virsh destroy: the row shows shut off after ${NVT_WAITED_MS} ms"

# ---- libvirtd goes away ----
# Others may restart the shared daemon too: start from a live one and a connected ncvirt.
pid=""
live_pid() {
    pid=$(cat /run/libvirtd.pid 2>/dev/null) && [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null
}
for _ in $(seq 1 150); do
    live_pid && break
    sleep 0.1
done
live_pid || nvt_fail "no live libvirtd in /run/libvirtd.pid ('$pid')"
nvt_wait_gone_re "^ ncvirt .*DISCONNECTED" 15
killed_libvirtd=1
kill "$pid" || nvt_fail "cannot kill libvirtd ($pid)"
nvt_wait_re "^ ncvirt .*DISCONNECTED" 10
nvt_ok "libvirtd killed: DISCONNECTED in the header after ${NVT_WAITED_MS} ms"
nvt_keys 2
nvt_wait_for "┌─ Storage ("
nvt_keys 1
nvt_wait_re "┌─ Domains \\([0-9]+ of [0-9]+\\) /$(q "$name") ─"
nvt_assert_re "^ ncvirt .*DISCONNECTED"
nvt_ok "while disconnected, keys 2 and 1 switch panes"

# The old daemon must be gone before a new one can take the socket and pid file.
for _ in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
done
kill -0 "$pid" 2>/dev/null && nvt_fail "libvirtd ($pid) still running 10 s after SIGTERM"
out=$(bash "$start_libvirtd" 2>&1) || nvt_fail "start-libvirtd: $out"
killed_libvirtd=0
# The list keeps the last rows while disconnected: the status message tells the reconnection,
# and the undefine below shows the new connection's events arrive. Timed from the moment the
# daemon answers again.
reconnected() {
    nvt_lacks_re "^ ncvirt .*DISCONNECTED" && nvt_has "reconnected to $uri" &&
        nvt_has_re "$(state_re "shut off")"
}
nvt_wait_until "no reconnection: DISCONNECTED still shown, no 'reconnected to $uri', or $name not listed" \
    15 reconnected
nvt_ok "libvirtd back: reconnected and $name listed after ${NVT_WAITED_MS} ms"

# ---- undefine ----
out=$(vsh undefine "$name" 2>&1) || nvt_fail "virsh undefine: $out"
nvt_wait_gone_re "$(row_re)" 2
nvt_wait_re "┌─ Domains \\(0 of [0-9]+\\) /$(q "$name") ─" 2
nvt_ok "virsh undefine: the row disappears after ${NVT_WAITED_MS} ms"

nvt_keys q
nvt_wait_for "EXIT=0" 2
nvt_ok "q quits with status 0"
nvt_done
