#!/usr/bin/env bash
# shellcheck disable=SC2317 # functions called through nvt_wait_until and the cleanup hooks
# End to end: authentication in the TUI, against an sshd of the test's own on 127.0.0.1
# (lib-ssh.sh) and the shared system daemon READ-ONLY (-r, libvirt-sock-ro). ncvirt in tmux:
# - qemu+ssh:// as a password-only user: ssh fails in BatchMode, the dialog asks to hand the
#   terminal over, y, the password is typed at ssh's own prompt, ncvirt comes back and lists.
#   The password holds q, p, r and m: had any of them reached ncvirt, it would have quit or
#   acted. n at the dialog cancels ("authentication cancelled"), and nothing asks again alone.
# - an unknown host key: handed to ssh, answered yes, connects.
# - qemu+libssh://: the password is asked in ncvirt's own masked dialog (libvirt's callback);
#   Escape cancels.
# Skips (77) when sshd or the daemon cannot run here.
set -uo pipefail

: "${NCVIRT_SRCDIR:?NCVIRT_SRCDIR is not set (run through meson test)}"
: "${NCVIRT_TESTDIR:?NCVIRT_TESTDIR is not set (run through meson test)}"
# shellcheck source=tests/lib-tmux.sh
. "$NCVIRT_TESTDIR/lib-tmux.sh"
# shellcheck source=tests/lib-daemon.sh
. "$NCVIRT_TESTDIR/lib-daemon.sh"
# shellcheck source=tests/lib-ssh.sh
. "$NCVIRT_TESTDIR/lib-ssh.sh"

nvd_need_root qemu:///system
nvd_need_command virsh "run scripts/bootstrap"
nvd_start_daemon
nvt_init
NVT_CLEANUP_HOOKS+=(nvs_stop)

sshdir=$NVT_TMP/ssh
mkdir -p "$sshdir"
nvs_start "$sshdir"
user=nvauth$$
password="qprm-Secret-$$"
nvs_add_user "$sshdir" "$user" "$password"

# The password user is in no group: it reaches the daemon's read-only socket through a proxy
# run as root here (the daemon asks polkit, over a D-Bus this machine may not have, about any
# other user), by the ssh transport's netcat mode.
sockdir=$(mktemp -d "${TMPDIR:-/tmp}/nvauth-sock.XXXXXX")
chmod 0755 "$sockdir"
proxy_pid=
stop_proxy() {
    [[ -n $proxy_pid ]] && kill "$proxy_pid" 2>/dev/null && wait "$proxy_pid" 2>/dev/null
    rm -rf -- "$sockdir"
    return 0
}
NVT_CLEANUP_HOOKS+=(stop_proxy)
python3 "$NCVIRT_TESTDIR/unix-proxy.py" "$sockdir/ro.sock" /run/libvirt/libvirt-sock-ro \
    >"$sockdir/log" 2>&1 &
proxy_pid=$!
for _ in $(seq 1 100); do
    grep -q ready "$sockdir/log" && break
    sleep 0.1
done
grep -q ready "$sockdir/log" || nvt_fail "the socket proxy did not start: $(cat "$sockdir/log")"
via="proxy=netcat&socket=$sockdir/ro.sock"

# Connected: the header shows the counts and neither "connecting…" nor "DISCONNECTED".
connected() {
    nvt_has_re '^ ncvirt .* [0-9]+ domains?, [0-9]+ running' && nvt_lacks "DISCON" &&
        nvt_lacks "connecting"
}
wait_connected() { nvt_wait_until "not connected" 20 connected; }
still_running() { nvt_lacks "EXIT="; }

# ---- ssh, password: the terminal handed over ----
uri="qemu+ssh://$user@127.0.0.1:$NVS_PORT/system?command=$NVS_SSH&$via"
nvt_start 220 30 -- "$NCVIRT_BIN" -r -c "$uri"
nvt_wait_for "ssh needs the terminal" 20
nvt_assert_has "Permission denied"
nvt_ok "ssh in BatchMode refused: the dialog asks to hand the terminal over"
nvt_keys y
nvt_wait_re "$user@127\\.0\\.0\\.1's password: *\$" 15
nvt_assert_has "ncvirt: ssh asks you about"
nvt_ok "y: curses suspended, ssh's own prompt on the terminal"
nvt_type "$password"
nvt_keys Enter
wait_connected
nvt_ok "the password typed at ssh's prompt: ncvirt back and connected after ${NVT_WAITED_MS} ms"
sleep 1
nvt_capture
still_running || nvt_fail "ncvirt quit: a key of the password reached it"
nvt_assert_lacks "ssh asks you about"
nvt_assert_re "┌─ Domains \\("
nvt_assert_lacks "cannot"
nvt_ok "no key of the password reached ncvirt (still running, on the Domains pane, no action)"

# The session dies: the reconnect asks again (a password is never kept).
descendants() {
    local p
    for p in $(ps -o pid= --ppid "$1"); do
        echo "$p"
        descendants "$p"
    done
}
mapfile -t sessions < <(descendants "$NVS_PID")
((${#sessions[@]} > 0)) || nvt_fail "no ssh session under sshd ($NVS_PID)"
kill -KILL "${sessions[@]}"
nvt_wait_for "ssh needs the terminal" 20
nvt_keys y
# The terminal's main screen still shows the first handover's prompt: wait for a second one.
prompts() { (($(grep -c "$user@127\\.0\\.0\\.1's password: *\$" <<<"$NVT_SCREEN") >= 2)); }
nvt_wait_until "no second password prompt from ssh" 15 prompts
nvt_type "$password"
nvt_keys Enter
wait_connected
still_running || nvt_fail "ncvirt quit: a key of the password reached it"
nvt_ok "session killed: the reconnect asked again, reconnected after ${NVT_WAITED_MS} ms"
nvt_keys q
nvt_wait_for "EXIT=0" 5

# ---- ssh, password: n cancels, and nothing asks again by itself ----
nvt_start 220 30 -- "$NCVIRT_BIN" -r -c "$uri"
nvt_wait_for "ssh needs the terminal" 20
nvt_keys n
nvt_wait_for "authentication cancelled" 5
nvt_assert_re "DISCONNECTED"
sleep 5
nvt_capture
nvt_assert_lacks "ssh needs the terminal" "the question came back by itself after a cancel"
nvt_ok "n: authentication cancelled, not asked again by itself"
# A refresh is the retry.
nvt_keys R
nvt_wait_for "ssh needs the terminal" 20
nvt_keys Escape
nvt_wait_for "authentication cancelled" 5
nvt_ok "R asks again; Escape cancels too"
nvt_keys q
nvt_wait_for "EXIT=0" 5

# ---- ssh, unknown host key: handed over, answered yes ----
uri="qemu+ssh://root@127.0.0.1:$NVS_PORT/system?keyfile=$NVS_KEY&command=$NVS_SSH_UNKNOWN"
nvt_start 220 30 -- "$NCVIRT_BIN" -r -c "$uri"
nvt_wait_for "ssh needs the terminal" 20
nvt_assert_has "Host key verification failed"
nvt_keys y
nvt_wait_for "Are you sure you want to continue connecting" 15
nvt_type yes
nvt_keys Enter
wait_connected
still_running || nvt_fail "ncvirt quit after the host key question"
nvt_ok "unknown host key: ssh asked on the terminal, yes, connected after ${NVT_WAITED_MS} ms"
nvt_keys q
nvt_wait_for "EXIT=0" 5

# ---- libssh: the password in ncvirt's own dialog ----
uri="qemu+libssh://$user@127.0.0.1:$NVS_PORT/system?known_hosts=$NVS_KNOWN_HOSTS&sshauth=password&$via"
nvt_start 220 30 -- "$NCVIRT_BIN" -r -c "$uri"
nvt_wait_for "Log in to" 20
nvt_assert_has "password"
nvt_type "$password"
nvt_wait_re "> \\*{${#password}}"
nvt_assert_lacks "$password" "the password is shown in clear"
nvt_keys Enter
wait_connected
still_running || nvt_fail "ncvirt quit"
nvt_ok "libssh: password asked in a masked dialog, connected after ${NVT_WAITED_MS} ms"
nvt_keys q
nvt_wait_for "EXIT=0" 5

nvt_start 220 30 -- "$NCVIRT_BIN" -r -c "$uri"
nvt_wait_for "Log in to" 20
nvt_keys Escape
nvt_wait_for "authentication cancelled" 10
nvt_ok "libssh: Escape cancels the open"
nvt_keys q
nvt_wait_for "EXIT=0" 5

if grep -rqF -- "$password" "$NVT_TMP/state" "$NVT_TMP/config" 2>/dev/null; then
    nvt_fail "the password is written in ncvirt's state or config files"
fi
nvt_ok "the password is in none of ncvirt's files"
nvt_done
