#!/usr/bin/env bash
# shellcheck disable=SC2317 # functions called through nvt_wait_until and the cleanup hooks
# End to end: a remote host that dies under a running ncvirt. qemu+ssh:// with the key given in
# the URI, through an sshd of the test's own on 127.0.0.1 (lib-ssh.sh), to the shared system
# daemon READ-ONLY (-r). Then:
# 1. sshd is killed (its listener: sessions stay, as a stopped service leaves them) and the
#    session's processes are frozen (SIGSTOP): the host stops answering, nothing is closed.
#    The keepalive must show DISCONNECTED within 15 s, and keys are answered meanwhile
#    (measured: the time from a key to the repainted pane, tmux's own latency included).
# 2. sshd back: ncvirt reconnects by itself (backoff at most 8 s).
# 3. The session killed (EOF): DISCONNECTED at once, reconnected again.
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

sshdir=$NVT_TMP/ssh
mkdir -p "$sshdir"
frozen=()
# Frozen sessions are killed even when the test fails.
thaw() {
    local p
    for p in "${frozen[@]}"; do
        kill -KILL "$p" 2>/dev/null
    done
    frozen=()
    nvs_stop
}
NVT_CLEANUP_HOOKS+=(thaw)
nvs_start "$sshdir"

# Every process below PID (sshd's sessions: the monitor, the user's side, the remote command).
descendants() {
    local p
    for p in $(ps -o pid= --ppid "$1"); do
        echo "$p"
        descendants "$p"
    done
}

connected() {
    nvt_has_re '^ ncvirt .* [0-9]+ domains?, [0-9]+ running' && nvt_lacks "DISCON" &&
        nvt_lacks "connecting"
}

# key_ms KEY TEXT: sends KEY and prints the milliseconds until TEXT is on the screen (a plain
# capture, polled as fast as tmux answers); 99999 when it does not show within 5 s.
key_ms() {
    local t0 now
    t0=$(nvt_now_ms)
    nvt_tmux send-keys -t "$NVT_SESSION" "$1"
    while :; do
        if nvt_tmux capture-pane -p -t "$NVT_SESSION" | grep -qF -- "$2"; then
            echo $(($(nvt_now_ms) - t0))
            return
        fi
        now=$(nvt_now_ms)
        ((now - t0 > 5000)) && { echo 99999; return; }
    done
}

uri="qemu+ssh://root@127.0.0.1:$NVS_PORT/system?keyfile=$NVS_KEY&command=$NVS_SSH"
nvt_start 220 30 -- "$NCVIRT_BIN" -r -c "$uri"
nvt_wait_until "not connected" 20 connected
nvt_ok "connected over ssh with the key given in the URI"

# What a key costs here with a healthy host (tmux's and the capture's time included).
base=0
for _ in 1 2 3; do
    ms=$(key_ms 2 " Storage (")
    ((ms > base)) && base=$ms
    ms=$(key_ms 1 " Domains (")
    ((ms > base)) && base=$ms
done
nvt_ok "healthy host: the slowest of 6 keys repainted in ${base} ms"

# ---- 1. the host stops answering ----
mapfile -t frozen < <(descendants "$NVS_PID")
((${#frozen[@]} > 0)) || nvt_fail "no ssh session under sshd ($NVS_PID)"
nvs_kill
kill -STOP "${frozen[@]}"
t0=$(nvt_now_ms)
worst=0
keys=0
while :; do
    nvt_capture
    nvt_has "DISCON" && break
    (($(nvt_now_ms) - t0 > 15000)) && nvt_fail "still not DISCONNECTED 15 s after the host froze"
    ms=$(key_ms 2 " Storage (")
    ((ms > worst)) && worst=$ms
    ms=$(key_ms 1 " Domains (")
    ((ms > worst)) && worst=$ms
    keys=$((keys + 2))
    sleep 0.2
done
took=$(nvt_secs "$t0")
nvt_ok "host frozen: DISCONNECTED after ${took} s; $keys keys meanwhile, the slowest repainted in ${worst} ms"
# tmux's round trip dominates here (a loaded CI machine: hundreds of ms for a healthy host);
# the main loop's own lateness is measured to the millisecond in driver-dead-host.c.
((worst < base + 300)) || nvt_fail "a key took ${worst} ms while the host was dying (${base} ms healthy)"
nvt_assert_re "host stopped answering|connection"

# ---- 2. back ----
kill -KILL "${frozen[@]}" 2>/dev/null
frozen=()
nvs_restart "$sshdir" || nvt_fail "sshd did not come back"
t0=$(nvt_now_ms)
nvt_wait_until "not reconnected" 20 connected
nvt_ok "sshd back: reconnected by itself after $(nvt_secs "$t0") s"
ms=$(key_ms 2 " Storage (")
nvt_ok "a key after the reconnect: ${ms} ms"
nvt_keys 1

# ---- 3. the session killed: EOF ----
mapfile -t sessions < <(descendants "$NVS_PID")
((${#sessions[@]} > 0)) || nvt_fail "no ssh session under sshd ($NVS_PID)"
kill -KILL "${sessions[@]}"
nvt_wait_for "DISCON" 5
nvt_ok "session killed: DISCONNECTED after ${NVT_WAITED_MS} ms"
nvt_wait_until "not reconnected" 20 connected
nvt_ok "reconnected after ${NVT_WAITED_MS} ms more"

nvt_keys q
nvt_wait_for "EXIT=0" 5
nvt_ok "q quits with status 0"
nvt_done
