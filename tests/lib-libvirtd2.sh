# shellcheck shell=bash
# A second, private libvirtd for tests that kill, restart or otherwise disturb a daemon: the
# shared system daemon (qemu:///system, scripts/start-libvirtd) is never touched. Source it:
#
#   . "$NCVIRT_TESTDIR/lib-libvirtd2.sh"
#   nvl2_start [--tcp]          # skips (exit 77, saying why) when it cannot run here
#   nvl2_virsh list --all       # virsh on NVL2_URI
#   nvl2_kill9; nvl2_restart    # SIGKILL the daemon, start it again on the same state
#   nvl2_spawn; nvl2_wait_ready # the same restart in two halves, to act in between
#   nvl2_stop                   # destroys its domains, SIGTERM, removes the temp dir
#
# What it is: libvirtd run as root by `unshare --mount --uts` (no --fork: unshare and the
# script it runs exec into libvirtd, so the pid started is the daemon's own). In those
# namespaces it has a hostname of its own (NVL2_HOSTNAME) and bind mounts from its temp dir
# NVL2_DIR over /run/libvirt (= /var/run/libvirt), /var/lib/libvirt, /var/cache/libvirt,
# /var/log/libvirt and /etc/libvirt, which holds only its own libvirtd.conf and qemu.conf (not
# the shared daemon's domains, networks or pools). Its libvirtd.conf sets host_uuid (NVL2_UUID),
# so a migration between the two daemons sees two hosts, and unix_sock_dir to NVL2_DIR/sock:
# the socket is reached from outside the namespace at a path, NVL2_URI =
# qemu+unix:///system?socket=NVL2_DIR/sock/libvirt-sock. With --tcp it also listens on
# 127.0.0.1 only, on a port picked free (NVL2_TCP_URI = qemu+tcp://127.0.0.1:PORT/system, no
# authentication: loopback only, for the migration test).
#
# The state lives in NVL2_DIR, not in the namespace: nvl2_restart starts a new daemon in new
# namespaces over the same directories, and it finds its running guests (their status XML in
# /run/libvirt/qemu, their monitor sockets in /var/lib/libvirt/qemu) as a restarted system
# daemon does. QEMU processes keep the namespace they were started in.
#
# What was found on Debian 12 (libvirt 9.0):
# - Its packages run the monolithic libvirtd with the drivers as modules
#   (/usr/lib/x86_64-linux-gnu/libvirt/connection-driver/); the modular daemons (virtqemud and
#   friends) are not installed (`dpkg -S virtqemud` finds nothing), so this starts libvirtd. A
#   virtqemud would take the same config and mounts, with its socket named virtqemud-sock.
# - Without libvirt-daemon-system there is no /etc/libvirt/libvirtd.conf or qemu.conf: the
#   defaults apply, and the files written here set only what differs.
# - stdio_handler = "file": no virtlogd of its own is needed (the shared one's socket is
#   hidden by the mount over /run/libvirt); libvirtd opens the domain logs and the serial
#   <log> files as root and hands QEMU the descriptors. /var/log/libvirt/qemu must exist.
# - QEMU runs as libvirt-qemu (the default): the guest's kernel and initrd must be readable by
#   that user, through every parent directory; nvl2_qemu_can_read checks, and
#   tests/guest/build-guest.sh falls back to /var/cache/ncvirt-test-guest for a private
#   checkout. The capabilities cache is copied from the shared daemon's, so the first start
#   does not probe QEMU again (seconds on a loaded machine).
# - No /dev/kvm here: guests are TCG (domain type qemu), as tests/guest makes them.
# - Networks created in it are real bridges in the host's network namespace: give them unique
#   names. Cgroups are shared too (machine/<id>-<name>.libvirt-qemu): unique domain names.
# - getaddrinfo() warns that NVL2_HOSTNAME does not resolve; harmless.

NVL2_DIR=""
NVL2_PID=""
NVL2_URI=""
# shellcheck disable=SC2034 # for the tests that source this file
NVL2_TCP_URI=""
NVL2_TCP_PORT=""
NVL2_HOSTNAME=""
NVL2_UUID=""

nvl2_skip() {
    printf 'SKIP: %s\n' "$*"
    exit 77
}

nvl2_virsh() {
    timeout 30 virsh -q -c "$NVL2_URI" "$@"
}

# True while the daemon answers on its socket.
nvl2_answers() {
    timeout 5 virsh -q -c "$NVL2_URI" version >/dev/null 2>&1
}

# nvl2_qemu_can_read PATH: true when QEMU's user can read PATH (every parent searchable).
nvl2_qemu_can_read() {
    runuser -u libvirt-qemu -- test -r "${1:?nvl2_qemu_can_read PATH}" 2>/dev/null
}

_nvl2_free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

_nvl2_write_config() {
    local d=$NVL2_DIR
    {
        echo "unix_sock_dir = \"$d/sock\""
        echo 'unix_sock_rw_perms = "0700"'
        echo 'unix_sock_ro_perms = "0700"'
        echo "host_uuid = \"$NVL2_UUID\""
        echo "log_outputs = \"3:file:$d/libvirtd.log\""
        if [[ -n $NVL2_TCP_PORT ]]; then
            echo 'listen_tls = 0'
            echo 'listen_tcp = 1'
            echo 'listen_addr = "127.0.0.1"'
            echo "tcp_port = \"$NVL2_TCP_PORT\""
            echo 'auth_tcp = "none"'
        fi
    } >"$d/etc/libvirtd.conf"
    echo 'stdio_handler = "file"' >"$d/etc/qemu.conf"
    # The client config only: the shared daemon's objects stay out.
    [[ -r /etc/libvirt/libvirt.conf ]] && cp /etc/libvirt/libvirt.conf "$d/etc/"
    cat >"$d/ns.sh" <<EOF
set -e
mount --make-rprivate /
hostname '$NVL2_HOSTNAME'
mount --bind '$d/run' /run/libvirt
mount --bind '$d/lib' /var/lib/libvirt
mount --bind '$d/cache' /var/cache/libvirt
mount --bind '$d/log' /var/log/libvirt
mount --bind '$d/etc' /etc/libvirt
exec libvirtd -f '$d/etc/libvirtd.conf' -p '$d/libvirtd.pid' ${NVL2_TCP_PORT:+--listen}
EOF
}

# Starts the daemon over NVL2_DIR without waiting for it (nvl2_wait_ready waits). Disowned: its
# end is not reported by the shell; bash still reaps it.
nvl2_spawn() {
    rm -f "$NVL2_DIR/libvirtd.pid"
    unshare --mount --uts bash "$NVL2_DIR/ns.sh" </dev/null >>"$NVL2_DIR/daemon.out" 2>&1 &
    NVL2_PID=$!
    disown "$NVL2_PID"
}

# Waits (up to 60 s) until the daemon answers; 1 with its last log lines if it does not.
nvl2_wait_ready() {
    local _
    for _ in $(seq 1 240); do
        nvl2_answers && return 0
        kill -0 "$NVL2_PID" 2>/dev/null || break
        sleep 0.25
    done
    echo "lib-libvirtd2: the private libvirtd did not answer on $NVL2_URI" >&2
    tail -n 5 "$NVL2_DIR/daemon.out" "$NVL2_DIR/libvirtd.log" >&2 2>/dev/null
    return 1
}

_nvl2_launch() {
    nvl2_spawn
    nvl2_wait_ready
}

# nvl2_start [--tcp]: makes the temp dir and config, starts the daemon. Skips with the reason
# when it cannot run here; exits 1 when it should have run and did not.
nvl2_start() {
    [[ $(id -u) -eq 0 ]] || nvl2_skip "not root: a private libvirtd needs root"
    local cmd
    for cmd in libvirtd virsh unshare runuser python3; do
        command -v "$cmd" >/dev/null || nvl2_skip "$cmd is not installed (run scripts/bootstrap)"
    done
    getent passwd libvirt-qemu >/dev/null ||
        nvl2_skip "no libvirt-qemu user (run scripts/start-libvirtd once)"
    unshare --mount --uts true 2>/dev/null ||
        nvl2_skip "cannot make mount and UTS namespaces here (unshare --mount --uts failed)"
    NVL2_DIR=$(mktemp -d "${TMPDIR:-/tmp}/nvl2.XXXXXX")
    # The daemon's dirs as libvirt expects them; QEMU reaches its own below them through the
    # mounts, not through NVL2_DIR's parents.
    mkdir -p "$NVL2_DIR"/{run,lib,cache,log/qemu,etc,sock} /run/libvirt /var/lib/libvirt \
        /var/cache/libvirt /var/log/libvirt
    chmod 0755 "$NVL2_DIR"/{run,lib,cache,log,etc}
    [[ -d /var/cache/libvirt/qemu ]] && cp -a /var/cache/libvirt/qemu "$NVL2_DIR/cache/"
    NVL2_UUID=$(cat /proc/sys/kernel/random/uuid)
    NVL2_HOSTNAME="nvl2-${NVL2_UUID:0:8}"
    NVL2_URI="qemu+unix:///system?socket=$NVL2_DIR/sock/libvirt-sock"
    if [[ ${1:-} == --tcp ]]; then
        NVL2_TCP_PORT=$(_nvl2_free_port) || nvl2_skip "cannot pick a free port on 127.0.0.1"
        # shellcheck disable=SC2034 # for the tests that source this file
        NVL2_TCP_URI="qemu+tcp://127.0.0.1:$NVL2_TCP_PORT/system"
    fi
    _nvl2_write_config
    _nvl2_launch || exit 1
}

# True when PID is still the libvirtd this file started (not a reused pid).
_nvl2_is_ours() {
    [[ -n ${1:-} ]] && kill -0 "$1" 2>/dev/null &&
        [[ $(readlink "/proc/$1/exe" 2>/dev/null) == */libvirtd ]]
}

# Waits up to 10 s for PID to end (a zombie counts as ended: bash reaps it).
_nvl2_wait_gone() {
    local pid=$1 state _
    for _ in $(seq 1 100); do
        state=$(awk '{ print $3 }' "/proc/$pid/stat" 2>/dev/null)
        [[ -z $state || $state == Z ]] && return 0
        sleep 0.1
    done
    return 1
}

# SIGKILL to the daemon (its guests run on).
nvl2_kill9() {
    _nvl2_is_ours "$NVL2_PID" || return 0
    kill -9 "$NVL2_PID"
    _nvl2_wait_gone "$NVL2_PID"
}

# A new daemon over the same state; the previous one is killed first if it still runs.
nvl2_restart() {
    nvl2_kill9
    _nvl2_launch
}

# The QEMU processes it started: their pid files under its /run/libvirt/qemu.
_nvl2_qemu_pids() {
    local f pid
    for f in "$NVL2_DIR"/run/qemu/*.pid; do
        [[ -s $f ]] || continue
        pid=$(<"$f")
        [[ $pid =~ ^[0-9]+$ ]] && [[ $(readlink "/proc/$pid/exe" 2>/dev/null) == *qemu* ]] &&
            echo "$pid"
    done
}

# Destroys and undefines its domains, stops the daemon (SIGTERM, then SIGKILL), ends any QEMU
# left behind, and removes the temp dir. Safe to call twice, and from a trap.
nvl2_stop() {
    [[ -n $NVL2_DIR && -d $NVL2_DIR ]] || return 0
    local name pid
    if _nvl2_is_ours "$NVL2_PID" || _nvl2_launch 2>/dev/null; then
        while read -r name; do
            [[ -n $name ]] || continue
            nvl2_virsh destroy "$name" >/dev/null 2>&1
            nvl2_virsh undefine "$name" --nvram >/dev/null 2>&1 ||
                nvl2_virsh undefine "$name" >/dev/null 2>&1
        done < <(nvl2_virsh list --all --name 2>/dev/null)
        while read -r name; do
            [[ -n $name ]] || continue
            nvl2_virsh net-destroy "$name" >/dev/null 2>&1
            nvl2_virsh net-undefine "$name" >/dev/null 2>&1
        done < <(nvl2_virsh net-list --all --name 2>/dev/null)
        kill -TERM "$NVL2_PID" 2>/dev/null
        _nvl2_wait_gone "$NVL2_PID" || nvl2_kill9
    fi
    for pid in $(_nvl2_qemu_pids); do
        kill -9 "$pid" 2>/dev/null
    done
    rm -rf -- "$NVL2_DIR"
    NVL2_DIR=""
    return 0
}

# nvl2_serial_log NAME: where NAME's serial <log> (tests/guest's
# /var/log/libvirt/qemu/NAME-serial.log inside the namespace) is seen from outside.
nvl2_serial_log() {
    echo "$NVL2_DIR/log/qemu/${1:?nvl2_serial_log NAME}-serial.log"
}
