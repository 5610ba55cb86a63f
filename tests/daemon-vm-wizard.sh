#!/usr/bin/env bash
# shellcheck disable=SC2317 # functions called through the cleanup hooks
# The new-VM wizard end to end on the real daemon (qemu:///system): ncvirt in tmux, keys only.
# Direct kernel boot of the test guest's kernel and initramfs (tests/guest), generic OS, memory
# 0 refused beside its field and fixed to 256M, a new 64 MiB qcow2 volume in a dir pool made for
# the test, a bad name refused and fixed, no network, virtualisation qemu (TCG: nested KVM cannot
# boot Linux on the CI machines), no graphics, the serial console copied to a log. After Create:
# `virsh dumpxml` has every piece, the volume is in the pool, and the guest boots to
# NCVIRT-GUEST-READY. A second run cancelled half-way creates nothing. Everything is removed
# afterwards; libvirtd is never restarted. Skips (77) only when the daemon cannot run here.
set -uo pipefail

: "${NCVIRT_SRCDIR:?NCVIRT_SRCDIR is not set (run through meson test)}"
: "${NCVIRT_TESTDIR:?NCVIRT_TESTDIR is not set (run through meson test)}"
: "${NCVIRT_BUILDDIR:?NCVIRT_BUILDDIR is not set (run through meson test)}"
# shellcheck source=tests/lib-tmux.sh
. "$NCVIRT_TESTDIR/lib-tmux.sh"

uri=qemu:///system
# shellcheck source=tests/lib-daemon.sh
. "$NCVIRT_TESTDIR/lib-daemon.sh"
nvd_need_root "$uri"
nvd_need_command virsh "run scripts/bootstrap"
nvd_need_command qemu-system-x86_64
nvd_start_daemon
nvt_init
NVT_TIMEOUT=15

export GUEST_URI=$uri
# shellcheck source=tests/guest/lib-guest.sh
. "$NCVIRT_TESTDIR/guest/lib-guest.sh"

name="nvtest-$$-vm"
pool="nvtest-$$-pool"
pooldir="$NVT_TMP/pool"
log=$(guest_serial_log "$name")

cleanup_daemon() {
    guest_cleanup "$name"
    guest_cleanup "nvtest-$$-cancel"
    rm -f -- "/var/log/libvirt/qemu/$name.log"
    guest_virsh vol-delete --pool "$pool" "$name.qcow2" >/dev/null 2>&1
    guest_virsh pool-destroy "$pool" >/dev/null 2>&1
    guest_virsh pool-undefine "$pool" >/dev/null 2>&1
    return 0
}
NVT_CLEANUP_HOOKS+=(cleanup_daemon)

die() {
    echo "FAIL: $*"
    exit 1
}
q() { nvt_re_quote "$1"; }

# Types into the focused field, replacing its text.
set_field() {
    nvt_keys C-u
    nvt_type "$1"
}

# Steps the focused choice field with Space until its line matches the regex.
pick_re() {
    local re=$1 i
    for i in $(seq 1 20); do
        nvt_capture
        nvt_has_re "$re" && return 0
        nvt_keys Space
        sleep 0.05
    done
    nvt_fail "cannot pick /$re/"
}

# Tab until the line of the focused row matches the regex (a choice shows ‹ ›, a text field its
# hint).
tab_to() {
    local re=$1 i
    for i in $(seq 1 15); do
        nvt_capture
        nvt_has_re "$re" && return 0
        nvt_keys Tab
        sleep 0.05
    done
    nvt_fail "cannot reach /$re/ with Tab"
}

volumes() { guest_virsh vol-list --pool "$pool" 2>/dev/null | awk 'NF { print $1 }' | sort; }
# Ours only: other tests may define domains on the same daemon meanwhile.
domains() { guest_virsh list --all --name 2>/dev/null | grep -F "nvtest-$$-" | sort; }

# ---- the kernel, the initramfs and a pool ----
cache=$(guest_build "$NCVIRT_BUILDDIR/guest-cache") || die "building the guest failed"
mkdir -p "$pooldir"
chmod 755 "$NVT_TMP" "$pooldir"
out=$(guest_virsh pool-define-as "$pool" dir --target "$pooldir" 2>&1) || die "pool: $out"
out=$(guest_virsh pool-start "$pool" 2>&1) || die "pool-start: $out"

nvt_start 130 40 -- "$NCVIRT_BIN" -c "$uri"
nvt_wait_for "┌─ Domains (" 20

# ---- step by step ----
nvt_keys n
nvt_wait_for "step 1 of 6: Install method"
pick_re "Install from +‹ Direct kernel boot ›"
nvt_keys Tab
set_field "$cache/vmlinuz"
nvt_keys Tab
set_field "$cache/initramfs.gz"
nvt_keys Tab
set_field "console=ttyS0"
nvt_wait_re "Kernel command line +console=ttyS0"
nvt_keys C-n
nvt_wait_for "step 2 of 6: Operating system"
nvt_wait_for "Chosen: Generic OS (virtio) (generic)"
nvt_keys C-n
nvt_wait_for "step 3 of 6: Memory and CPUs"
nvt_wait_re "Host: [0-9]+ CPUs"
set_field 0
nvt_wait_re "Memory +0 +must be between 16M and"
nvt_keys C-n
nvt_wait_for "fix the marked field first"
nvt_wait_for "step 3 of 6"
nvt_ok "memory 0 is refused beside the field, the step stays"
set_field 256M
nvt_keys Tab
set_field 1
nvt_keys C-n
nvt_wait_for "step 4 of 6: Storage"
nvt_wait_re "Disk +‹ New volume in a pool ›"
nvt_keys Tab
pick_re "Pool +‹ $(q "$pool") ›"
nvt_wait_re "Pool $(q "$pool"): [0-9.]+ [KMGT]?i?B free of"
nvt_keys Tab
set_field 64M
nvt_keys Tab
nvt_wait_re "Format +‹ qcow2"
nvt_keys C-n
nvt_wait_for "step 5 of 6: Name and options"
set_field "$name!"
nvt_wait_for "use only letters, digits and _ . + -"
nvt_ok "a bad name is refused beside the field"
set_field "$name"
nvt_keys Tab
pick_re "Network +‹ No network ›"
tab_to "Virtualisation +‹"
pick_re "Virtualisation +‹ qemu \\(emulated, slower\\) ›"
tab_to "CPU model +‹"
nvt_wait_re "CPU model +‹ hypervisor default ›"
tab_to "Graphics +‹"
pick_re "Graphics +‹ none ›"
tab_to "Serial log file .*a copy of the console"
set_field "$log"
nvt_keys C-n
nvt_wait_for "step 6 of 6: Summary"
nvt_wait_for "Virtual machine $name (qemu, x86_64): 1 vCPUs, 256.0 MiB memory"
nvt_wait_for "new qcow2 volume $name.qcow2 of 64.0 MiB in pool $pool"
nvt_wait_for "<cmdline>console=ttyS0</cmdline>"
nvt_ok "the summary shows the VM and its XML"

# ---- create ----
nvt_keys C-n
nvt_wait_for "Open its serial console?" 60
nvt_keys n
nvt_wait_for "Created and started '$name'."
nvt_ok "created and started"

xml=$(guest_virsh dumpxml --inactive "$name") || nvt_fail "$name is not defined"
check_xml() {
    local what=$1 re=$2
    if grep -Eq -- "$re" <<<"$xml"; then
        nvt_ok "$what"
    else
        echo "$xml"
        nvt_fail "$what: no /$re/ in the definition"
    fi
}
check_xml "domain type qemu" "<domain type='qemu'"
check_xml "256 MiB" "<memory unit='KiB'>262144</memory>"
check_xml "the kernel" "<kernel>$(q "$cache/vmlinuz")</kernel>"
check_xml "the initrd" "<initrd>$(q "$cache/initramfs.gz")</initrd>"
check_xml "the command line" "<cmdline>console=ttyS0</cmdline>"
check_xml "the new volume as its disk" "<source pool='$(q "$pool")' volume='$(q "$name").qcow2'/>"
check_xml "a serial console with its log" "<log file='$(q "$log")'"
if grep -q "<graphics" <<<"$xml"; then nvt_fail "graphics were not asked for"; fi
if grep -q "<interface" <<<"$xml"; then nvt_fail "a NIC was not asked for"; fi
vol=$(guest_virsh vol-dumpxml --pool "$pool" "$name.qcow2") || nvt_fail "no volume $name.qcow2"
grep -q "<format type='qcow2'/>" <<<"$vol" || nvt_fail "the volume is not qcow2"
grep -q "<capacity unit='bytes'>67108864</capacity>" <<<"$vol" || nvt_fail "not 64 MiB"
nvt_ok "the volume is a 64 MiB qcow2 in $pool"

guest_wait_marker "$name" NCVIRT-GUEST-READY 150 || nvt_fail "the guest did not boot"
nvt_ok "the guest booted to NCVIRT-GUEST-READY"

# ---- a second run, cancelled half-way ----
vols_before=$(volumes)
doms_before=$(domains)
nvt_keys n
nvt_wait_for "step 1 of 6"
pick_re "Install from +‹ No media \\(empty disk\\) ›"
nvt_keys C-n
nvt_wait_for "step 2 of 6"
nvt_keys C-n
nvt_wait_for "step 3 of 6"
nvt_keys C-n
nvt_wait_for "step 4 of 6"
nvt_keys C-n
nvt_wait_for "step 5 of 6"
set_field "nvtest-$$-cancel"
nvt_keys Escape
nvt_wait_for "Leave the wizard? Nothing has been created."
nvt_keys y
nvt_wait_gone "New virtual machine"
[[ $(volumes) == "$vols_before" ]] || nvt_fail "the pool's volumes changed: $(volumes)"
[[ $(domains) == "$doms_before" ]] || nvt_fail "the domains changed: $(domains)"
nvt_ok "the cancelled run created nothing"

nvt_keys q
nvt_wait_for "EXIT=0"
nvt_done
