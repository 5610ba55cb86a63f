#!/usr/bin/env bash
# The details editor end to end on the real daemon (qemu:///system): ncvirt in tmux opens `E`
# on a small diskless shut-off domain defined for the test, changes vCPUs and memory, adds a
# NIC on an isolated network defined for the test (no traffic: nothing in the guest runs),
# applies, and `virsh dumpxml --inactive` must show it all. Then the domain runs and a CD is
# inserted into its drive through the editor; `virsh domblklist` must show it live. Everything
# is removed afterwards; libvirtd is never restarted. Skips (77) only when the daemon cannot run.
set -uo pipefail

: "${NCVIRT_SRCDIR:?NCVIRT_SRCDIR is not set (run through meson test)}"
: "${NCVIRT_TESTDIR:?NCVIRT_TESTDIR is not set (run through meson test)}"
uri=qemu:///system

# shellcheck source=tests/lib-daemon.sh
. "$NCVIRT_TESTDIR/lib-daemon.sh"
nvd_need_root "$uri"
nvd_need_command libvirtd "run scripts/bootstrap"
nvd_need_command virsh "run scripts/bootstrap"
nvd_need_command qemu-system-x86_64
nvd_start_daemon

# shellcheck source=tests/lib-tmux.sh
. "$NCVIRT_TESTDIR/lib-tmux.sh"
nvt_init
NVT_TIMEOUT=15

name="nvtest-$$-edit"
net="nvtest-$$-net"
bridge="nvt$$"
mac=$(printf '52:54:00:%02x:%02x:%02x' $(($$ >> 16 & 255)) $(($$ >> 8 & 255)) $(($$ & 255)))
media="$NVT_TMP/media/nvtest-$$.iso"

# shellcheck disable=SC2317 # run by the cleanup trap
cleanup_daemon() {
    virsh -q -c "$uri" destroy "$name" >/dev/null 2>&1
    virsh -q -c "$uri" undefine "$name" >/dev/null 2>&1
    virsh -q -c "$uri" net-destroy "$net" >/dev/null 2>&1
    virsh -q -c "$uri" net-undefine "$net" >/dev/null 2>&1
    return 0
}
NVT_CLEANUP_HOOKS+=(cleanup_daemon)

inactive() { virsh -q -c "$uri" dumpxml --inactive "$name"; }
# A check on the definition, with the definition shown when it fails.
xml_has() {
    local what=$1 re=$2 xml
    xml=$(inactive)
    if grep -Eq -- "$re" <<<"$xml"; then
        nvt_ok "$what"
    else
        echo "---- dumpxml --inactive ----"
        echo "$xml"
        nvt_fail "$what: no match for /$re/ in the definition"
    fi
}

# ---- the objects ----

cat >"$NVT_TMP/net.xml" <<EOF
<network>
  <name>$net</name>
  <bridge name='$bridge' stp='off'/>
</network>
EOF
virsh -q -c "$uri" net-define "$NVT_TMP/net.xml" >/dev/null || nvt_fail "cannot define $net"
virsh -q -c "$uri" net-start "$net" >/dev/null || nvt_fail "cannot start $net"

cat >"$NVT_TMP/dom.xml" <<EOF
<domain type='qemu'>
  <name>$name</name>
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type><boot dev='cdrom'/></os>
  <devices>
    <disk type='file' device='cdrom'><target dev='hdc' bus='ide'/><readonly/></disk>
  </devices>
</domain>
EOF
virsh -q -c "$uri" define "$NVT_TMP/dom.xml" >/dev/null || nvt_fail "cannot define $name"

# A small ISO when a tool to make one is here, a plain file otherwise (QEMU reads either). The
# directory must be open to the QEMU user.
mkdir -p "$NVT_TMP/media/content"
chmod 755 "$NVT_TMP" "$NVT_TMP/media"
echo "ncvirt test medium" >"$NVT_TMP/media/content/README"
if command -v genisoimage >/dev/null; then
    genisoimage -quiet -V NVTEST -o "$media" "$NVT_TMP/media/content" || nvt_fail "genisoimage"
elif command -v xorriso >/dev/null; then
    xorriso -as mkisofs -quiet -V NVTEST -o "$media" "$NVT_TMP/media/content" >/dev/null 2>&1 ||
        nvt_fail "xorriso"
else
    truncate -s 1M "$media"
fi
chmod 644 "$media"

# ---- ncvirt: open the editor on our domain only ----

# The filter stays on, so the domain stays the selected row.
filter_ours() {
    nvt_keys /
    nvt_type "$name"
    nvt_keys Enter
    nvt_wait_for "Domains (1 of"
}

open_editor() {
    nvt_keys E
    nvt_wait_for "Edit $name"
    nvt_wait_re "vCPUs +[0-9]"
}

# Types into the focused field, replacing its text.
set_field() {
    nvt_keys C-u
    nvt_type "$1"
}

nvt_start 120 36 -- "$NCVIRT_BIN" -c "$uri"
nvt_wait_for "Domains ("
filter_ours
open_editor
nvt_assert_has "shut off"

# Rows: vCPUs, maximum vCPUs, memory, maximum memory, boot order, boot menu, autostart, the
# drive hdc, Add a disk, Add a NIC.
set_field 2
nvt_keys Tab
set_field 2
nvt_keys Tab
set_field 96M
nvt_keys Tab
set_field 128M
nvt_wait_re "Maximum memory +128M"
nvt_keys C-s
nvt_wait_for "memory: takes effect after the next boot"
nvt_wait_gone "applying"
nvt_assert_re "vCPUs +2 +takes effect after the next boot" "no result beside vCPUs"
nvt_ok "vCPUs and memory applied, reported as taking effect at the next boot"
xml_has "two vCPUs in the definition" "<vcpu[^>]*>2</vcpu>"
xml_has "maximum memory 128 MiB" "<memory unit='KiB'>131072</memory>"
xml_has "memory 96 MiB" "<currentMemory unit='KiB'>98304</currentMemory>"

# The NIC: from "Maximum memory", six rows down to "Add a NIC".
nvt_keys Tab Tab Tab Tab Tab Tab
nvt_wait_re "\\[ Add a NIC… \\]"
nvt_keys Enter
nvt_wait_for "Add a network interface"
nvt_keys Tab
for _ in $(seq 1 30); do
    nvt_capture
    nvt_has_re "Network +‹ $net ›" && break
    nvt_keys Right
    sleep 0.1
done
nvt_assert_re "Network +‹ $net ›" "cannot pick $net in the network list"
nvt_keys Tab Right
nvt_wait_re "Model +‹ e1000 ›"
nvt_keys Tab
set_field "$mac"
nvt_keys C-s
nvt_wait_for "new NIC $mac: takes effect after the next boot"
nvt_ok "NIC added, reported as taking effect at the next boot"
nvt_wait_for "$mac  network $net"
xml_has "the NIC's MAC in the definition" "<mac address='$mac'/>"
xml_has "the NIC on the isolated network" "<source network='$net'/>"
xml_has "the NIC's model" "<model type='e1000'/>"

# ---- the running domain: a CD goes in live ----

nvt_keys Escape
nvt_wait_for "Domains (1 of"
virsh -q -c "$uri" start "$name" >/dev/null || nvt_fail "cannot start $name"
nvt_wait_re "running"
open_editor
nvt_wait_for "running: some changes wait for the next boot"
nvt_keys Tab Tab Tab Tab Tab Tab Tab
nvt_keys Enter
nvt_wait_for "Insert media…"
nvt_keys Enter
nvt_wait_for "Insert media hdc"
nvt_keys Tab
nvt_type "$media"
nvt_keys C-s
nvt_wait_for "media in hdc: applied now"
nvt_ok "media change reported as applied now"
blk=$(virsh -q -c "$uri" domblklist "$name")
if grep -Eq "^ *hdc +$(nvt_re_quote "$media")\$" <<<"$blk"; then
    nvt_ok "domblklist shows the medium in hdc live"
else
    echo "$blk"
    nvt_fail "domblklist does not show $media in hdc"
fi
xml_has "the medium in the definition too" "<source file='$(nvt_re_quote "$media")'/>"

# Eject it again, live.
nvt_wait_re "hdc +CD/DVD +ide +$(nvt_re_quote "$media")"
nvt_keys Enter
nvt_wait_for "Eject the media"
nvt_keys Down Enter
nvt_wait_for "eject hdc: applied now"
blk=$(virsh -q -c "$uri" domblklist "$name")
if grep -Eq "^ *hdc +-\$" <<<"$blk"; then
    nvt_ok "domblklist shows hdc empty after the eject"
else
    echo "$blk"
    nvt_fail "hdc is not empty after the eject"
fi

nvt_keys Escape
nvt_wait_for "Domains (1 of"
nvt_keys q
nvt_wait_for "EXIT=0"
nvt_done
