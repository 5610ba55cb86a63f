#!/usr/bin/env bash
# shellcheck disable=SC2317 # functions called through nvt_wait_until and the cleanup hooks
# shellcheck disable=SC2016 # the $((...)) in typed lines are expanded by the guest's shell
# End to end over qemu+ssh, against the real daemon and a real test guest (tests/guest), through
# an sshd of the test's own on 127.0.0.1 (tests/lib-ssh.sh) with the key given only in the URI
# (`keyfile=`; the sshd accepts no other key, and ~/.ssh/known_hosts is never read or written:
# `command=` is an ssh that trusts the run's own known_hosts). ncvirt in tmux:
#   - lists the guest, pauses and resumes it (p), as virsh confirms;
#   - c: the serial console shows the guest's shell, runs a typed command, C-] leaves;
#   - v: the VNC view shows the guest's display through the URI's ssh tunnel (its size on the
#     top line, no "connecting" left), keys reach the tty1 shell, C-] q leaves;
#   - a tunnel that hangs: "connecting through ssh to 127.0.0.1…" shows, C-] q leaves at once;
#     left alone, the view fails within 10 s with what ssh said;
#   - a wrong key file, then a stopped sshd: the view fails within 10 s with ssh's reason
#     ("Permission denied", "Connection refused");
#   - q quits with status 0;
#   - the same serial console and VNC view over qemu+libssh and qemu+libssh2 (libvirt's own
#     ssh clients; the URI's keyfile, known_hosts and sshauth), where libvirt supports them.
# Skips (77) only when the daemon or sshd cannot run here. The guest is removed even on failure.
set -uo pipefail

: "${NCVIRT_SRCDIR:?NCVIRT_SRCDIR is not set (run through meson test)}"
: "${NCVIRT_TESTDIR:?NCVIRT_TESTDIR is not set (run through meson test)}"
: "${NCVIRT_BUILDDIR:?NCVIRT_BUILDDIR is not set (run through meson test)}"
# shellcheck source=tests/lib-tmux.sh
. "$NCVIRT_TESTDIR/lib-tmux.sh"
# shellcheck source=tests/lib-daemon.sh
. "$NCVIRT_TESTDIR/lib-daemon.sh"
# shellcheck source=tests/lib-ssh.sh
. "$NCVIRT_TESTDIR/lib-ssh.sh"

nvd_need_root qemu:///system
nvd_need_command virsh "run scripts/bootstrap"
nvd_need_command ssh "run scripts/bootstrap"
nvd_start_daemon
nvt_init
NVT_CLEANUP_HOOKS+=(nvs_stop)
mkdir -p "$NVT_TMP/ssh"
nvs_start "$NVT_TMP/ssh"
uri="qemu+ssh://root@127.0.0.1:$NVS_PORT/system?keyfile=$NVS_KEY&command=$NVS_SSH"

export GUEST_URI=qemu:///system
# shellcheck source=tests/guest/lib-guest.sh
. "$NCVIRT_TESTDIR/guest/lib-guest.sh"

name="nvtest-remote-$$"
cleanup_guest() { guest_cleanup "$name"; }
show_serial_log() {
    ((NVT_FAILURES > 0)) && guest_log_tail "$name" 15
    return 0
}
NVT_CLEANUP_HOOKS+=(show_serial_log cleanup_guest)

t0=$(nvt_now_ms)
die() {
    echo "FAIL: $*"
    guest_log_tail "$name" 20
    exit 1
}
q() { nvt_re_quote "$1"; }
row_re() { echo "$1 +$(q "$name")( |$)"; }
status_line() { nvt_line $((NVT_ROWS - 1)); }

# ---- the guest ----
cache=$(guest_build "$NCVIRT_BUILDDIR/guest-cache") || die "building the guest failed"
guest_xml "$name" "$cache" >"$NVT_TMP/dom.xml"
# Other tests restart the shared daemon: a call that lost the connection is retried.
vsh_retry() {
    for _ in 1 2 3; do
        out=$(guest_virsh "$@" 2>&1) && return 0
        [[ $out == *"connect to the hypervisor"* || $out == *"Disconnected from"* ||
            $out == *"end of file"* ]] || return 1
        echo "# virsh $1: the daemon went away ($out), retrying"
        for _ in $(seq 1 60); do
            guest_virsh version >/dev/null 2>&1 && break
            sleep 0.5
        done
    done
    return 1
}
vsh_retry define "$NVT_TMP/dom.xml" || die "virsh define: $out"
vsh_retry start "$name" || guest_virsh domstate "$name" 2>/dev/null | grep -q running ||
    die "virsh start: $out"
t=$(nvt_now_ms)
guest_wait_marker "$name" NCVIRT-GUEST-READY 120 || die "no NCVIRT-GUEST-READY within 120 s"
nvt_ok "$name booted: NCVIRT-GUEST-READY after $(nvt_secs "$t") s"

# ---- ncvirt over qemu+ssh, the key only in the URI ----
home="$NVT_TMP/home"
mkdir -p "$home" "$NVT_TMP/data" "$NVT_TMP/cache"
nvt_start 230 40 "HOME=$home" "XDG_DATA_HOME=$NVT_TMP/data" "XDG_CACHE_HOME=$NVT_TMP/cache" \
    -- "$NCVIRT_BIN" -c "$uri"
nvt_wait_for "┌─ Domains (" 30
nvt_keys /
nvt_wait_for "filter: "
nvt_type "$name"
nvt_keys Enter
nvt_wait_re "┌─ Domains \\(1 of [0-9]+\\) /$(q "$name") ─" 15
nvt_wait_re "$(row_re running)" 15
nvt_wait_gone "filter: "
nvt_ok "over $uri: $name listed, running"

# ---- an action ----
nvt_keys p
nvt_wait_re "$(row_re paused)" 15
guest_wait_state "$name" paused 10 || nvt_fail "virsh: $name is not paused"
nvt_keys p
nvt_wait_re "$(row_re running)" 15
guest_wait_state "$name" running 10 || nvt_fail "virsh: $name is not running"
nvt_ok "p pauses, p resumes, over ssh"

# ---- the serial console ----
prompt_re="$(q "$name"):[^ ]*#( |$)"
wait_prompt() {
    for _ in 1 2 3 4 5 6 7 8 9 10; do
        nvt_keys Enter
        NVT_SOFT=1 nvt_wait_re "$prompt_re" 3 >/dev/null && return 0
        NVT_FAILURES=$((NVT_FAILURES - 1))
    done
    nvt_fail "no shell prompt /$prompt_re/ after 10 Enters"
}
console_header() {
    local top
    top=$(nvt_line 0)
    [[ $top == *"$name"* && $top == *"C-]"* && $top != *VNC* ]]
}
t=$(nvt_now_ms)
nvt_keys c
nvt_wait_until "no console header naming $name on the top line" 20 console_header
wait_prompt
nvt_type 'echo NV""SER$((6*7))'
nvt_keys Enter
nvt_wait_for NVSER42 20
nvt_ok "c: the serial console over ssh shows the guest's shell and runs a command ($(nvt_secs "$t") s)"
nvt_keys C-]
nvt_wait_re "┌─ Domains \\(1 of [0-9]+\\) /$(q "$name") ─" 10
nvt_ok "C-] leaves the serial console"

# ---- the VNC view through the URI's ssh ----
header_re="^ VNC +$(q "$name") +([1-9][0-9]*)x([1-9][0-9]*) "
t=$(nvt_now_ms)
nvt_keys v
nvt_wait_re "$header_re" 20
nvt_wait_gone "connecting" 10
nvt_ok "v: the VNC display over the ssh tunnel, '$(nvt_line 0 | sed 's/  */ /g')' after $(nvt_secs "$t") s"
t=$(nvt_now_ms)
nvt_type 'echo NV""RVNC$((6*7)) > /dev/ttyS0'
nvt_keys Enter
if ! guest_wait_marker "$name" NVRVNC42 30; then
    nvt_capture
    nvt_fail "the command typed into the VNC view did not reach the tty1 shell"
fi
nvt_ok "keys reach the guest through the tunnel ($(nvt_secs "$t") s)"
# leave_vnc: C-] q; sets left_ms, the time from q to the domain list.
leave_vnc() {
    nvt_keys C-]
    nvt_wait_for " q leave · k send key" 5
    local t1
    t1=$(nvt_now_ms)
    nvt_keys q
    nvt_wait_gone_re "^ VNC " 5
    nvt_wait_re "┌─ Domains \\(1 of [0-9]+\\) /$(q "$name") ─" 5
    left_ms=$(($(nvt_now_ms) - t1))
}
leave_vnc
connected_left_ms=$left_ms
nvt_ok "C-] q leaves the VNC view: the list is back ${left_ms} ms after q"

# ---- a tunnel that hangs: cancel, then the timeout ----
cp "$NVS_SSH" "$NVT_TMP/ssh.saved"
printf '#!/bin/sh\necho "nv-slow-tunnel: still connecting" >&2\nexec sleep 60\n' >"$NVS_SSH"
nvt_keys v
nvt_wait_for "connecting through ssh to 127.0.0.1…" 5
sleep 1
nvt_assert_re "^ VNC .*connecting through ssh to 127\\.0\\.0\\.1…"
leave_vnc
nvt_ok "C-] q while connecting: the list is back ${left_ms} ms after q"
# No slower than leaving a connected view (the same screen work and polling), give or take 1 s:
# the tunnel is ended, not waited for.
((left_ms < connected_left_ms + 1000)) ||
    nvt_fail "leaving a view still connecting took ${left_ms} ms (a connected one ${connected_left_ms} ms)"
t=$(nvt_now_ms)
nvt_keys v
nvt_wait_re "no answer from the VNC server within [0-9]+ s" 12
waited=$(($(nvt_now_ms) - t))
nvt_assert_has "nv-slow-tunnel: still connecting" "the timeout does not say what ssh said"
nvt_ok "a hanging tunnel fails after ${waited} ms: '$(status_line | sed 's/  *$//')'"
((waited <= 10000)) || nvt_fail "the failure showed ${waited} ms after v, more than 10 s"
cp "$NVT_TMP/ssh.saved" "$NVS_SSH"

# ---- a wrong key file: ssh's reason within 10 s ----
cp "$NVS_KEY" "$NVT_TMP/key.saved"
ssh-keygen -q -t ed25519 -N '' -f "$NVT_TMP/other_key" -C nvs-other
cat "$NVT_TMP/other_key" >"$NVS_KEY"
t=$(nvt_now_ms)
nvt_keys v
nvt_wait_for "Permission denied" 10
nvt_assert_re "^The VNC display of '$(q "$name")' closed: .*ssh said: "
nvt_ok "a wrong key file: '$(status_line | sed 's/  *$//')' after $(nvt_secs "$t") s"
nvt_assert_lacks "connecting through"
cat "$NVT_TMP/key.saved" >"$NVS_KEY"

# ---- a stopped sshd: the connection stays, the tunnel cannot open ----
nvs_kill
t=$(nvt_now_ms)
nvt_keys v
nvt_wait_for "Connection refused" 10
nvt_ok "a stopped sshd: '$(status_line | sed 's/  *$//')' after $(nvt_secs "$t") s"
nvt_assert_lacks "connecting through"

nvt_keys q
nvt_wait_for EXIT=0 10
nvt_ok "q: ncvirt exits with status 0"

# ---- libvirt's own ssh clients: the serial console and the VNC tunnel the same ----
nvs_restart "$NVT_TMP/ssh" || nvt_fail "the test's sshd did not start again"
for transport in libssh libssh2; do
    luri="qemu+$transport://root@127.0.0.1:$NVS_PORT/system?keyfile=$NVS_KEY"
    luri+="&known_hosts=$NVS_KNOWN_HOSTS&sshauth=privkey"
    if ! why=$(timeout 30 virsh -c "$luri" uri 2>&1); then
        nvt_log "# qemu+$transport not checked: libvirt here cannot open it ($why)"
        continue
    fi
    nvt_start 230 40 "HOME=$home" "XDG_DATA_HOME=$NVT_TMP/data" \
        "XDG_CACHE_HOME=$NVT_TMP/cache" -- "$NCVIRT_BIN" -c "$luri"
    nvt_wait_for "┌─ Domains (" 30
    nvt_keys /
    nvt_wait_for "filter: "
    nvt_type "$name"
    nvt_keys Enter
    nvt_wait_re "┌─ Domains \\(1 of [0-9]+\\) /$(q "$name") ─" 15
    nvt_wait_re "$(row_re running)" 15
    nvt_wait_gone "filter: "
    nvt_keys c
    nvt_wait_until "no console header naming $name on the top line" 20 console_header
    wait_prompt
    nvt_type "echo NV\"\"$transport\$((6*7))"
    nvt_keys Enter
    nvt_wait_for "NV${transport}42" 20
    nvt_keys C-]
    nvt_wait_re "┌─ Domains \\(1 of [0-9]+\\) /$(q "$name") ─" 10
    nvt_ok "qemu+$transport: the serial console shows the guest's shell and runs a command"
    nvt_keys v
    nvt_wait_re "$header_re" 20
    nvt_wait_gone "connecting" 10
    leave_vnc
    nvt_ok "qemu+$transport: the VNC display through ssh with the URI's key and known_hosts"
    nvt_keys q
    nvt_wait_for EXIT=0 10
done
echo "total $(nvt_secs "$t0") s"
nvt_done
