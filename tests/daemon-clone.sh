#!/usr/bin/env bash
# shellcheck disable=SC2317 # functions called through traps and nvt_wait_until
# shellcheck disable=SC2016 # $((...)) in lines typed into the guest expand there
# Snapshots and clones against the real daemon (qemu:///system), through the real binary in
# tmux: a test guest (tests/guest) with a qcow2 disk in a dir pool of its own boots; in ncvirt
# `t` opens its snapshots, `n` takes one with memory while it runs, `r` reverts to it (a file
# made in the guest's RAM after the snapshot is gone again), `d` deletes it, a disk-only one
# is explained (external files) and declined; then the guest is
# shut off and `C` clones it with its disk copied: the clone has its own volume and MAC and
# boots to the serial marker. Everything is removed in a trap; libvirtd is never restarted.
set -uo pipefail

: "${NCVIRT_SRCDIR:?NCVIRT_SRCDIR is not set (run through meson test)}"
: "${NCVIRT_TESTDIR:?NCVIRT_TESTDIR is not set (run through meson test)}"
: "${NCVIRT_BUILDDIR:?NCVIRT_BUILDDIR is not set (run through meson test)}"
uri=qemu:///system

# shellcheck source=tests/lib-daemon.sh
. "$NCVIRT_TESTDIR/lib-daemon.sh"
nvd_need_root "$uri"
nvd_need_command libvirtd "run scripts/bootstrap"
nvd_need_command virsh "run scripts/bootstrap"
nvd_start_daemon

export GUEST_URI=$uri
# shellcheck source=tests/guest/lib-guest.sh
. "$NCVIRT_TESTDIR/guest/lib-guest.sh"
# shellcheck source=tests/lib-tmux.sh
. "$NCVIRT_TESTDIR/lib-tmux.sh"
nvt_init

name="nvtest-snap-$$"
clone="$name-clone"
pool="nvtest-snap-pool-$$"
vol="$name.qcow2"
# The pool's directory must be reachable by QEMU (it runs as another user).
pool_dir=$(mktemp -d /var/tmp/nvtest-snap-XXXXXX)
chmod 0755 "$pool_dir"

cleanup_all() {
    guest_cleanup "$clone"
    guest_cleanup "$name"
    rm -f -- "/var/log/libvirt/qemu/$clone.log" "/var/log/libvirt/qemu/$name.log"
    local v
    for v in $(guest_virsh vol-list "$pool" 2>/dev/null | awk '{print $1}'); do
        guest_virsh vol-delete "$v" --pool "$pool" >/dev/null 2>&1
    done
    guest_virsh pool-destroy "$pool" >/dev/null 2>&1
    guest_virsh pool-undefine "$pool" >/dev/null 2>&1
    rm -rf -- "$pool_dir"
}
NVT_CLEANUP_HOOKS+=(cleanup_all)

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
die() {
    echo "not ok - $*"
    nvt_capture
    nvt_show_screen
    exit 1
}

cache=$(guest_build "$NCVIRT_BUILDDIR/guest-cache") || die "building the guest failed"

out=$(guest_virsh pool-define-as "$pool" dir --target "$pool_dir" 2>&1) || die "pool: $out"
out=$(guest_virsh pool-start "$pool" 2>&1) || die "pool-start: $out"
out=$(guest_virsh vol-create-as "$pool" "$vol" 64M --format qcow2 2>&1) || die "volume: $out"
path=$(guest_virsh vol-path "$vol" --pool "$pool") || die "no path for $vol"
nvt_ok "pool $pool with the qcow2 volume $vol"

# A disk for internal snapshots, and a NIC whose link is down: it has a MAC for the clone
# to change, and sends nothing.
extra="    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='$path'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <interface type='user'>
      <mac address='52:54:00:5a:5a:01'/>
      <model type='virtio'/>
      <link state='down'/>
    </interface>"
guest_xml "$name" "$cache" "$extra" >"$NVT_TMP/dom.xml"
out=$(guest_virsh define "$NVT_TMP/dom.xml" 2>&1) || die "virsh define: $out"
t=$(now)
out=$(guest_virsh start "$name" 2>&1) || die "virsh start: $out"
guest_wait_marker "$name" NCVIRT-GUEST-READY 90 || die "no NCVIRT-GUEST-READY within 90 s"
nvt_ok "$name booted in $(since "$t") s"

nvt_start 160 40 -- "$NCVIRT_BIN" -c "$uri"
nvt_wait_for "Domains (" 20
nvt_keys /
nvt_type "$name"
nvt_keys Enter
nvt_wait_re "running +$name" 20

# ---- snapshots ----
nvt_keys t
nvt_wait_for "snapshots of $name (running)" 10
nvt_wait_for "No snapshots yet" 10
nvt_keys n
nvt_wait_for "Name of the new snapshot of '$name'"
nvt_type snap1
nvt_keys Enter
nvt_wait_for "A description for 'snap1'"
nvt_type "before the mark"
nvt_keys Enter
nvt_wait_for "What should snapshot 'snap1' keep?"
nvt_wait_for "Memory and disks"
t=$(now)
nvt_keys Enter
nvt_wait_for "Took snapshot 'snap1' of '$name'." 180
nvt_wait_re "● snap1 " 10
nvt_assert_has "memory and disks"
nvt_ok "snapshot with memory taken in $(since "$t") s, shown as current"
info=$(guest_virsh snapshot-dumpxml "$name" snap1) || die "virsh has no snap1"
grep -q "<memory snapshot='internal'/>" <<<"$info" || die "snap1 has no memory: $info"
grep -q "<description>before the mark</description>" <<<"$info" || die "no description"

# A file in the guest's RAM, made after the snapshot: reverting must make it vanish.
guest_serial_send "$name" 'touch /tmp/nvmark; echo NV-MARK-$((6*7))' || die "serial send"
guest_wait_marker "$name" NV-MARK-42 20 || die "the guest did not make the mark"
nvt_keys r
nvt_wait_for "Revert '$name' to snapshot 'snap1'?"
nvt_assert_has "is running now: that state is discarded"
t=$(now)
nvt_keys y
nvt_wait_for "Reverted '$name' to 'snap1'." 180
nvt_ok "reverted in $(since "$t") s"
state=$(guest_virsh domstate "$name")
[[ $state == running ]] || die "after the revert $name is '$state', not running"
guest_serial_send "$name" '[ -e /tmp/nvmark ] || echo NV-GONE-$((6*7))' ||
    die "serial send after the revert"
guest_wait_marker "$name" NV-GONE-42 20 || die "the mark made after the snapshot survived"
nvt_ok "the guest's memory went back to the snapshot"

nvt_keys d
nvt_wait_for "Delete snapshot 'snap1' of '$name'?"
nvt_keys y
nvt_wait_for "Deleted snapshot 'snap1'." 60
nvt_wait_for "No snapshots yet" 10
[[ -z $(guest_virsh snapshot-list "$name" --name 2>&1 | tr -d '[:space:]') ]] ||
    die "snapshots left: $(guest_virsh snapshot-list "$name")"
nvt_ok "snapshot deleted"

# Disks only, while running: libvirt refuses an internal one; ncvirt explains the external
# files it would need and takes nothing when the answer is no.
nvt_keys n
nvt_wait_for "Name of the new snapshot of '$name'"
nvt_type snap2
nvt_keys Enter
nvt_wait_for "A description for 'snap2'"
nvt_keys Enter
nvt_wait_for "What should snapshot 'snap2' keep?"
nvt_keys Down Enter
nvt_wait_for "Snapshot 'snap2': external files" 60
# The dialog wraps its lines: compare the words, without the frame and the bullets.
words=$(sed 's/[│•]//g' <<<"$NVT_SCREEN" | tr -s ' \n' '  ')
[[ $words == *"must include the memory state"* ]] || die "libvirt's reason is not shown"
[[ $words == *"would get a new overlay file next to it"* ]] || die "the overlay is not explained"
nvt_keys n
nvt_wait_for "No snapshot taken." 10
[[ -z $(guest_virsh snapshot-list "$name" --name 2>&1 | tr -d '[:space:]') ]] ||
    die "a disk-only snapshot was taken after all"
nvt_ok "disk-only while running: the external files are explained, nothing taken on no"
nvt_keys Escape
nvt_wait_for "[1 Domains]"

# ---- clone ----
out=$(guest_virsh destroy "$name" 2>&1) || die "virsh destroy: $out"
nvt_wait_re "shut off +$name" 20
nvt_keys C
nvt_wait_for "Clone '$name'" 20
nvt_wait_for "$name-clone▏"
nvt_keys Enter
nvt_wait_for "Clone '$name': disks" 10
nvt_assert_has "[x] vda $vol → $clone.qcow2"
t=$(now)
nvt_keys Enter
nvt_wait_for "Cloned '$name' to '$clone'." 180
nvt_ok "cloned in $(since "$t") s"

cxml=$(guest_virsh dumpxml --inactive "$clone") || die "no domain $clone"
sxml=$(guest_virsh dumpxml --inactive "$name")
cpath="$pool_dir/$clone.qcow2"
grep -q "<source file='$cpath'/>" <<<"$cxml" || die "the clone's disk is not $cpath: $cxml"
[[ -s $cpath ]] || die "$cpath does not exist"
guest_virsh vol-info "$clone.qcow2" --pool "$pool" >/dev/null || die "no volume $clone.qcow2"
fmt=$(qemu-img info --output=json -U "$cpath" 2>/dev/null |
    grep -o '"format": *"[a-z0-9]*"' | head -1)
[[ $fmt == *qcow2* ]] || die "the clone's volume is not qcow2 ($fmt)"
cmac=$(grep -o "<mac address='[^']*'" <<<"$cxml" | head -1 | cut -d"'" -f2)
smac=$(grep -o "<mac address='[^']*'" <<<"$sxml" | head -1 | cut -d"'" -f2)
[[ -n $cmac && $cmac != "$smac" ]] || die "the clone's MAC ($cmac) is the source's ($smac)"
cuuid=$(guest_virsh domuuid "$clone")
suuid=$(guest_virsh domuuid "$name")
[[ $cuuid != "$suuid" ]] || die "the clone has the source's UUID"
nvt_ok "the clone has its own volume ($clone.qcow2), MAC ($cmac) and UUID"

# The clone's definition keeps the source's serial log path (the test guest's XML names it):
# start from an empty log and wait for the marker there while the clone runs.
log=$(guest_serial_log "$name")
rm -f -- "$log"
t=$(now)
out=$(guest_virsh start "$clone" 2>&1) || die "virsh start $clone: $out"
deadline=$(($(date +%s) + 90))
until [[ -r $log ]] && grep -aqF NCVIRT-GUEST-READY "$log"; do
    (($(date +%s) < deadline)) || die "the clone did not reach NCVIRT-GUEST-READY in 90 s"
    [[ $(guest_virsh domstate "$clone") == running ]] || die "the clone stopped"
    sleep 0.5
done
nvt_ok "the clone booted to NCVIRT-GUEST-READY in $(since "$t") s"
guest_virsh destroy "$clone" >/dev/null 2>&1

nvt_keys q
nvt_wait_for "EXIT=0" 10
nvt_done
