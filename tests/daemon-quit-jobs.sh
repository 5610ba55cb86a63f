#!/usr/bin/env bash
# shellcheck disable=SC2317 # functions called through nvt_wait_until and the cleanup hooks
# Quitting during a job on the real daemon (issue 10, defect 6): ncvirt uploads a large file
# into a new volume of a dir pool made here; SIGTERM arrives while the upload runs. ncvirt
# cancels the upload, deletes the volume it made for it, says so on exit, and only then exits:
# no half-written volume is left. Everything made here has "harden" in its name and is removed
# in a trap; libvirtd is never restarted or killed.
set -uo pipefail

: "${NCVIRT_SRCDIR:?NCVIRT_SRCDIR is not set (run through meson test)}"
: "${NCVIRT_TESTDIR:?NCVIRT_TESTDIR is not set (run through meson test)}"
uri=qemu:///system

# shellcheck source=tests/lib-daemon.sh
. "$NCVIRT_TESTDIR/lib-daemon.sh"
nvd_need_root "$uri"
nvd_need_command virsh "run scripts/bootstrap"
nvd_start_daemon
# shellcheck source=tests/lib-tmux.sh
. "$NCVIRT_TESTDIR/lib-tmux.sh"
nvt_init

pool="nvharden-quit-$$"
dir=$(mktemp -d /var/tmp/nvharden-quit-XXXXXX)
chmod 0755 "$dir"
vsh() { timeout 120 virsh -q -c "$uri" "$@"; }
cleanup_pool() {
    local v
    for v in $(vsh vol-list "$pool" 2>/dev/null | awk '{print $1}'); do
        vsh vol-delete "$v" --pool "$pool" >/dev/null 2>&1
    done
    vsh pool-destroy "$pool" >/dev/null 2>&1
    vsh pool-undefine "$pool" >/dev/null 2>&1
    rm -rf -- "$dir"
    return 0
}
NVT_CLEANUP_HOOKS+=(cleanup_pool)
vsh pool-create-as "$pool" dir --target "$dir" >/dev/null || nvt_fail "cannot create pool $pool"

# Large enough that the upload runs for a few seconds; sparse, so cheap to make.
big="$NVT_TMP/harden-big.iso"
truncate -s 3G "$big"

ncvirt_pid() {
    local shell
    shell=$(nvt_tmux list-panes -F '#{pane_pid}' | head -1)
    pgrep -P "$shell" | head -1
}

nvt_start 140 40 -- "$NCVIRT_BIN" -c "$uri"
nvt_wait_for "Domains (" 15
nvt_keys 2
nvt_wait_for "┌─ Storage (" 10
nvt_keys /
nvt_wait_for "filter: "
nvt_type "$pool"
nvt_keys Enter
nvt_wait_re "┌─ $pool ─" 10
nvt_keys N
nvt_wait_for "step 1 of 4: Contents"
nvt_keys Space
nvt_wait_for "a copy of a local file (upload)"
nvt_keys C-n
nvt_wait_for "step 2 of 4: Source"
nvt_type "$big"
nvt_keys C-n
nvt_wait_for "step 3 of 4: Volume"
nvt_wait_for "Name       harden-big.iso"
nvt_keys C-n
nvt_wait_for "Then $big"
nvt_keys C-n
nvt_wait_for "harden-big.iso" 10
nvt_wait_until "the upload did not start" 20 \
    eval 'vsh vol-list "$pool" 2>/dev/null | grep -q harden-big.iso'
pid=$(ncvirt_pid)
[[ -n $pid ]] || nvt_fail "no ncvirt process"
kill -TERM "$pid"
nvt_wait_for "EXIT=" 60
joined=$(tr -d '\n' <<<"$NVT_SCREEN")
left=$(vsh vol-list "$pool" --details 2>/dev/null)
[[ $left != *harden-big.iso* ]] || nvt_fail "SIGTERM left the half-written volume: $left"
[[ $joined == *"upload into 'harden-big.iso' cancelled, the new volume was deleted"* ]] ||
    nvt_fail "no word at exit of the upload's end: $NVT_SCREEN"
nvt_ok "SIGTERM during an upload: cancelled, the new volume deleted, then ncvirt exited"
nvt_done
