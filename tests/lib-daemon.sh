# shellcheck shell=bash
# The preamble shared by the tests against the local libvirt daemon (qemu:///system): the rules
# under which they skip (exit 77, saying why) and starting the daemon. Source it, then e.g.:
#
#   . "$NCVIRT_TESTDIR/lib-daemon.sh"
#   uri=qemu:///system
#   nvd_need_root "$uri"
#   nvd_need_command virsh "run scripts/bootstrap"
#   nvd_start_daemon
#
# scripts/start-libvirtd starts the daemon only when none runs: a test never restarts it.

nvd_skip() {
    printf 'SKIP: %s\n' "$*"
    exit 77
}

# nvd_need_root URI: the daemon's system URI needs root.
nvd_need_root() {
    [[ $(id -u) -eq 0 ]] || nvd_skip "not root, cannot use $1"
}

# nvd_need_command CMD [HINT]: skips unless CMD is installed; HINT says how to get it.
nvd_need_command() {
    command -v "$1" >/dev/null || nvd_skip "$1 is not installed${2:+ ($2)}"
}

# Starts the local daemon unless it runs already; skips with the reason when it cannot run.
nvd_start_daemon() {
    local why
    why=$(bash "${NCVIRT_SRCDIR:?NCVIRT_SRCDIR is not set}/scripts/start-libvirtd" 2>&1) ||
        nvd_skip "the local libvirt daemon cannot run here: $why"
}
