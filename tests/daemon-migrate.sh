#!/usr/bin/env bash
# Live and offline migration through the core (src/domain-migrate.c, driven by
# tests/migrate-tool.c) between two real daemons on this machine: a private libvirtd
# (tests/lib-libvirtd2.sh: own mount and UTS namespaces, own host UUID, TCP on 127.0.0.1) and
# the shared system daemon (qemu:///system). The migration stream and the destination's
# listen address are 127.0.0.1 only. Steps:
#   - the check refuses a domain whose network is missing at the destination; nothing starts;
#   - a live migration cancelled mid-way leaves the guest running at the source;
#   - live to the system daemon (undefine at the source): it runs there, its serial console
#     answers, the source no longer has it, both hosts' lists (events) agree;
#   - live back to the private daemon, switched to post-copy on the way (where QEMU can: it
#     needs userfaultfd; refused, the guest must run on at the source);
#   - through the TUI (ncvirt in tmux, M): live to the system daemon, the lists follow;
#   - offline (definition only) back to the private daemon, then removed.
# Every domain and network made is removed from both daemons, also on failure.
set -uo pipefail

: "${NCVIRT_SRCDIR:?NCVIRT_SRCDIR is not set (run through meson test)}"
: "${NCVIRT_TESTDIR:?NCVIRT_TESTDIR is not set (run through meson test)}"
: "${NCVIRT_BUILDDIR:?NCVIRT_BUILDDIR is not set (run through meson test)}"
export LC_ALL=C.UTF-8
unset LIBVIRT_DEFAULT_URI
sys_uri=qemu:///system
tool=$NCVIRT_BUILDDIR/migrate-tool

# shellcheck source=tests/lib-daemon.sh
. "$NCVIRT_TESTDIR/lib-daemon.sh"
nvd_need_root "$sys_uri"
nvd_need_command libvirtd "run scripts/bootstrap"
nvd_need_command virsh "run scripts/bootstrap"
[[ -x $tool ]] || nvd_skip "$tool is not built"
nvd_start_daemon

# shellcheck source=tests/lib-libvirtd2.sh
. "$NCVIRT_TESTDIR/lib-libvirtd2.sh"
# shellcheck source=tests/guest/lib-guest.sh
. "$NCVIRT_TESTDIR/guest/lib-guest.sh"

name="nvtest-migrate-$$"
other="nvtest-migrate-net-$$"
net="nvtest-migrate-$$"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/nvtest-migrate-XXXXXX")
cleanup() {
    GUEST_URI=$sys_uri guest_cleanup "$name"
    GUEST_URI=$sys_uri guest_cleanup "$other"
    # guest_serial_log points at one daemon's log at a time: both by hand.
    rm -f -- "/var/log/libvirt/qemu/$name-serial.log" "/var/log/libvirt/qemu/$name.log"
    nvl2_stop # its domains and networks with it
    rm -rf -- "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

pass() { echo "ok - $*"; }
die() {
    echo "not ok - $*"
    [[ -n $NVL2_DIR ]] && tail -n 15 "$NVL2_DIR/libvirtd.log" 2>/dev/null | sed 's/^/    /'
    exit 1
}
# Where the guest's serial log is seen from here: the private daemon's is under its dir.
serial_log_on() {
    if [[ $1 == private ]]; then nvl2_serial_log "$name"; else echo "/var/log/libvirt/qemu/$name-serial.log"; fi
}
# run_tool ARGS...: the tool's output is shown and kept in $tmp/out; its status returned.
run_tool() {
    "$tool" "$@" >"$tmp/out" 2>&1
    local rc=$?
    sed 's/^/    /' "$tmp/out"
    return "$rc"
}
# domstate_on URI NAME: the state, or "absent".
domstate_on() {
    timeout 30 virsh -q -c "$1" domstate "$2" 2>/dev/null || echo absent
}

nvl2_start --tcp
src=$NVL2_TCP_URI
pass "private libvirtd at $NVL2_TCP_URI (host UUID $NVL2_UUID, host name $NVL2_HOSTNAME)"

cache=$(guest_build "$NCVIRT_BUILDDIR/guest-cache") || die "building the guest failed"
nvl2_qemu_can_read "$cache/vmlinuz" || nvd_skip "QEMU's user cannot read $cache/vmlinuz"

# ---- the check: a network the domain uses is missing at the destination ----
echo "<network><name>$net</name><bridge name='nvm$$'/></network>" >"$tmp/net.xml"
nvl2_virsh net-define "$tmp/net.xml" >/dev/null || die "cannot define network $net"
guest_xml "$other" "$cache" "<interface type='network'><source network='$net'/></interface>" \
    >"$tmp/other.xml"
nvl2_virsh define "$tmp/other.xml" >/dev/null || die "cannot define $other"
run_tool check "$src" "$sys_uri" "$other" --offline
rc=$?
((rc == 3)) || die "the check of $other did not report blockers (exit $rc)"
grep -q "blocker: network '$net' does not exist" "$tmp/out" || die "no blocker for network $net"
run_tool migrate "$src" "$sys_uri" "$other" --offline >/dev/null
rc=$?
((rc == 3)) || die "the migration of $other was not refused by its check (exit $rc)"
[[ $(domstate_on "$sys_uri" "$other") == absent ]] || die "$other appeared at the destination"
pass "the check refuses $other: network $net does not exist at the destination"

# ---- boot the guest on the private daemon ----
GUEST_URI=$NVL2_URI
guest_xml "$name" "$cache" >"$tmp/dom.xml"
nvl2_virsh define "$tmp/dom.xml" >/dev/null || die "cannot define $name"
nvl2_virsh start "$name" >/dev/null || die "cannot start $name"
guest_serial_log() { serial_log_on private; }
guest_wait_marker "$name" NCVIRT-GUEST-READY 120 || die "$name did not boot"
pass "$name runs on the private daemon"

run_tool check "$src" "$sys_uri" "$name" || die "the check refused $name"
pass "the check passes for $name"

# ---- cancelled mid-way: the source keeps it ----
run_tool migrate "$src" "$sys_uri" "$name" --address 127.0.0.1 --bandwidth 1 --cancel-at 0.02
rc=$?
((rc == 4)) || die "the cancelled migration ended with $rc, not 4 (cancelled)"
grep -q '^progress 0\.[0-9][0-9] .* of ' "$tmp/out" || die "no progress before the cancel"
[[ $(domstate_on "$NVL2_URI" "$name") == running ]] || die "$name is not running at the source"
[[ $(domstate_on "$sys_uri" "$name") == absent ]] || die "$name is left at the destination"
pass "cancelled: $name still runs at the source, nothing at the destination"

# ---- live to the system daemon ----
run_tool migrate "$src" "$sys_uri" "$name" --address 127.0.0.1 --undefine --downtime 500 ||
    die "the live migration failed"
grep '^done: ok' "$tmp/out" | sed 's/^/# /'
grep -q '^progress 1.00 .*done in .*downtime' "$tmp/out" || die "no finished job's statistics"
grep -o 'done in .*' "$tmp/out" | grep -v '^done in [0-9.]* s (' | sed 's/^/# job stats: /'
grep -q 'lists: source absent, destination running$' "$tmp/out" ||
    die "the lists do not show $name at the destination only"
[[ $(domstate_on "$sys_uri" "$name") == running ]] || die "$name does not run at the destination"
[[ $(domstate_on "$NVL2_URI" "$name") == absent ]] || die "$name is still at the source"
GUEST_URI=$sys_uri
guest_serial_log() { serial_log_on system; }
# shellcheck disable=SC2016 # expanded by the guest's shell
guest_serial_send "$name" 'echo NCVIRT-MOVED-$((6*7))' || die "the serial console is gone"
guest_wait_marker "$name" NCVIRT-MOVED-42 30 || die "the guest does not answer after the move"
pass "live to $sys_uri: it runs there, its serial console answers, the source has none"

# ---- live back, switched to post-copy half way ----
# QEMU refuses post-copy when it cannot open a userfaultfd: as libvirt-qemu that needs
# vm.unprivileged_userfaultfd=1 (or access to /dev/userfaultfd). The failed start is a failure
# path of its own: the guest must still run at the source.
back=(migrate "$sys_uri" "$src" "$name" --address 127.0.0.1 --undefine)
if run_tool "${back[@]}" --bandwidth 20 --postcopy-at 0.3; then
    grep -q '^postcopy: switched' "$tmp/out" || die "the switch to post-copy failed"
    how="switched to post-copy on the way"
elif grep -q 'Postcopy is not supported' "$tmp/out"; then
    [[ $(domstate_on "$sys_uri" "$name") == running ]] ||
        die "after the refused post-copy $name does not run at the source"
    uffd=$(cat /proc/sys/vm/unprivileged_userfaultfd 2>/dev/null)
    echo "# post-copy not possible here: QEMU says 'Postcopy is not supported'" \
        "(vm.unprivileged_userfaultfd=${uffd:-?}, QEMU runs as libvirt-qemu); the guest ran on"
    run_tool "${back[@]}" || die "the live migration back failed"
    how="without post-copy (not supported here)"
else
    die "the live migration back failed"
fi
[[ $(domstate_on "$NVL2_URI" "$name") == running ]] || die "$name does not run back at the source"
[[ $(domstate_on "$sys_uri" "$name") == absent ]] || die "$name is left on $sys_uri"
pass "live back to the private daemon, $how"

# ---- through the TUI: M on the domain, the host, the options, the limits, yes ----
tui() { tmux -S "$tmp/tmux.sock" "$@"; } # the socket goes with $tmp
tui_screen() { tui capture-pane -p -t m 2>/dev/null; }
# tui_wait TEXT SECONDS: until TEXT is on the screen.
tui_wait() {
    local _
    for _ in $(seq 1 $((${2:-20} * 4))); do
        [[ $(tui_screen) == *"$1"* ]] && return 0
        sleep 0.25
    done
    echo "--- no '$1' on the screen:"
    tui_screen | sed 's/^/    /'
    return 1
}
tui_keys() { tui send-keys -t m "$@"; }
trap 'tui kill-server 2>/dev/null; cleanup' EXIT
tui new-session -d -s m -x 150 -y 40 "$NCVIRT_BIN -c $src -c $sys_uri" ||
    die "cannot start ncvirt in tmux"
tui_wait "2 hosts" 20 || die "ncvirt did not open both hosts"
tui_keys / && tui_keys -l "$name" && tui_keys Enter
tui_wait "Domains (1 of " 20 || die "the filter did not find $name"
tui_keys M
tui_wait "Migrate to which host?" || die "M did not ask for the host"
tui_keys Enter
tui_wait "Undefine it at the source" || die "no options"
tui_keys Down Down Space Enter # tick "undefine at the source"
tui_wait "Migrate: storage" || die "no storage menu"
tui_keys Enter
tui_wait "Migrate: limits" || die "no limits line"
for _ in $(seq 1 40); do tui_keys BSpace; done
tui_keys -l "bandwidth=0 downtime=0 address=127.0.0.1" && tui_keys Enter
tui_wait "Start the migration?" 60 || die "no confirmation after the check"
[[ $(tui_screen) == *"remove its definition at the source"* ]] || die "the summary is wrong"
tui_keys y
tui_wait "Migrated '$name' to" 120 || die "the TUI's migration did not end"
tui_screen | grep -o "Migrated '$name' to .*" | sed 's/ *$//; s/^/# TUI: /'
tui_wait "127.0.0.1 0/1 · localhost 1/1" 20 || die "the header does not show it moved"
[[ $(domstate_on "$sys_uri" "$name") == running ]] || die "$name does not run at $sys_uri"
[[ $(domstate_on "$NVL2_URI" "$name") == absent ]] || die "$name is still at the source"
tui kill-server
pass "through the TUI: M, the check, yes; it runs at $sys_uri, the lists follow"

# ---- offline: the definition only ----
guest_virsh destroy "$name" >/dev/null || die "cannot stop $name"
run_tool migrate "$sys_uri" "$src" "$name" --offline || die "the offline migration failed"
[[ $(domstate_on "$NVL2_URI" "$name") == "shut off" ]] || die "$name is not defined at the private daemon"
[[ $(domstate_on "$sys_uri" "$name") == "shut off" ]] || die "$name left the source"
pass "offline: defined at the private daemon, kept at $sys_uri"
