#!/usr/bin/env bash
# The test-guest infrastructure against the real daemon (qemu:///system): builds the guest
# (tests/guest/build-guest.sh; the cache under the build dir makes a second run instant),
# defines a uniquely named domain from guest_xml, boots it (TCG, direct kernel boot), waits for
# NCVIRT-GUEST-READY on the serial log, runs a command through the serial console, then shuts
# it down over ACPI (`virsh shutdown`) and waits for "shut off". The domain is removed even on
# failure. Skips (77) only when the daemon cannot run here; says why.
set -uo pipefail

: "${NCVIRT_SRCDIR:?NCVIRT_SRCDIR is not set (run through meson test)}"
: "${NCVIRT_TESTDIR:?NCVIRT_TESTDIR is not set (run through meson test)}"
: "${NCVIRT_BUILDDIR:?NCVIRT_BUILDDIR is not set (run through meson test)}"
export LC_ALL=C.UTF-8
unset LIBVIRT_DEFAULT_URI
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

name="nvtest-boot-$$"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/nvtest-guest-boot-XXXXXX")
cleanup() {
    guest_cleanup "$name"
    rm -rf -- "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
pass() { echo "ok - $*"; }
# A failed step ends the test: every later step needs the earlier ones.
die() {
    echo "not ok - $*"
    guest_log_tail "$name" 30
    exit 1
}

t=$(now)
cache=$(guest_build "$NCVIRT_BUILDDIR/guest-cache") || die "building the guest failed"
pass "guest built in $(since "$t") s ($cache)"
for f in vmlinuz initramfs.gz; do
    [[ $(stat -c %a "$cache/$f") == 644 ]] || die "$cache/$f is not mode 0644"
done

guest_xml "$name" "$cache" >"$tmp/dom.xml"
out=$(guest_virsh define "$tmp/dom.xml" 2>&1) || die "virsh define: $out"
pass "defined $name"

# Network rule: no NIC at all; VNC only on loopback.
guest_virsh dumpxml "$name" >"$tmp/live.xml"
grep -q '<interface' "$tmp/live.xml" && die "the guest has a network interface"
grep -q "<graphics type='vnc'[^>]*listen='127.0.0.1'" "$tmp/live.xml" ||
    die "VNC does not listen on 127.0.0.1 only"
pass "no NIC, VNC on 127.0.0.1"

t=$(now)
out=$(guest_virsh start "$name" 2>&1) || die "virsh start: $out"
guest_wait_marker "$name" NCVIRT-GUEST-READY 90 || die "no NCVIRT-GUEST-READY within 90 s"
pass "NCVIRT-GUEST-READY on the serial port $(since "$t") s after start"

display=$(guest_virsh domdisplay --type vnc "$name" 2>&1)
[[ $display == vnc://127.0.0.1:* ]] || die "VNC display is '$display', not on 127.0.0.1"
pass "VNC display $display"

# The line echoes back into the log, so the marker is computed in the guest: the echo has
# $((6*7)) and H""OST, the output 42 and HOST.
t=$(now)
# shellcheck disable=SC2016 # expanded by the guest's shell
guest_serial_send "$name" 'echo NCVIRT-SERIAL-$((6*7)) H""OST=$(hostname)' ||
    die "typing into the serial console failed"
guest_wait_marker "$name" "NCVIRT-SERIAL-42 HOST=$name" 20 ||
    die "the serial shell did not run the command"
pass "serial shell ran a command ($(since "$t") s), hostname is the domain name"

t=$(now)
out=$(guest_virsh shutdown "$name" 2>&1) || die "virsh shutdown: $out"
guest_wait_state "$name" "shut off" 60 || die "not shut off within 60 s of an ACPI shutdown"
pass "ACPI shutdown: shut off after $(since "$t") s"
grep -aq 'power button, powering off' "$(guest_serial_log "$name")" ||
    die "the guest's power button handler did not run"
pass "the guest's acpid handled the power button"
