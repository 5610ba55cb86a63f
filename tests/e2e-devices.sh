#!/usr/bin/env bash
# shellcheck disable=SC2317 # functions called through nvt_wait_until and the cleanup hooks
# End to end, against libvirt's test driver: a domain with one device of every kind
# (tests/xml/domain-devices.xml) shows each disk, interface and display with its real source in
# the details pane; its description keeps its lines; the delete checklist names what it keeps.
set -uo pipefail

: "${NCVIRT_TESTDIR:?NCVIRT_TESTDIR is not set (run through meson test)}"
# shellcheck source=tests/lib-tmux.sh
. "$NCVIRT_TESTDIR/lib-tmux.sh"
nvt_init

# The test driver loads the node file; libvirt 9.0 refuses the unknown disk type and the passt
# backend the reader's golden file also holds, so those are left out here.
node="$NVT_TMP/devices-node.xml"
python3 - "$NCVIRT_TESTDIR/xml/domain-devices.xml" "$node" <<'PY' || nvt_fail "cannot write $node"
import re
import sys

xml = open(sys.argv[1], encoding="utf-8").read()
xml = re.sub(r"<!--.*?-->", "", xml, flags=re.S)
xml = re.sub(r"<disk type='fancy'.*?</disk>", "", xml, flags=re.S)
xml = xml.replace("<backend type='passt'/>", "")
xml = xml.replace("<domain type='kvm'>", "<domain type='test'>")
xml = xml.replace("</devices>", "</devices><test:runstate>5</test:runstate>")
with open(sys.argv[2], "w", encoding="utf-8") as f:
    f.write("<node xmlns:test='http://libvirt.org/schemas/domain/test/1.0'>\n")
    f.write(xml)
    f.write("</node>\n")
PY

nvt_start 200 90 -- "$NCVIRT_BIN" -c "test://$node"
nvt_wait_for "every-kind"
nvt_wait_for "Network interfaces"

# Every kind with its source, as the details pane shows it.
nvt_wait_all \
    "/var/lib/libvirt/images/every.qcow2" \
    "/dev/vg0/every" \
    "default/every-data.raw" \
    "rbd rbd-pool/every @ mon1.example.org:6789, [2001:db8::1]:6789" \
    "iscsi iqn.2013-07.com.example:iscsi-pool/1 @ iscsi.example.org:3260" \
    "nbd @ unix:/run/nbd/every.sock" \
    "gluster volume/every.img @ gluster.example.org" \
    "https /isos/debian.iso @ mirror.example.org:443" \
    "nvme 0000:01:00.0 namespace 1" \
    "vhost-user /run/vhost-blk/every.sock" \
    "default/web" \
    "eth0 (vepa)" \
    "pci 0000:03:00.1" \
    "vhost-user /run/vhost/every-net.sock (client)" \
    "user-mode" \
    "ethernet tap-every" \
    "udp 127.0.0.1:5556 → 192.0.2.1:5555" \
    "mcast 230.0.0.1:5558" \
    "listen 192.0.2.2:5559" \
    "connect 192.0.2.2:5559" \
    "/dev/vhost-vdpa-0" \
    "not connected"
nvt_ok "every disk and interface kind shows its source"

# Only the drive without a medium shows as empty.
nvt_assert_re "sdc +cdrom +sata +\(empty\)" "the empty CD drive is not shown as empty"
[[ $(grep -c '(empty)' <<<"$NVT_SCREEN") -eq 1 ]] || nvt_fail "a disk with a source shows (empty)"

# The disk rows are a table: every source starts in the same column.
rows=$(grep -cE '│ (vd[a-h]|hd[a-z]|sd[a-c]) ' <<<"$NVT_SCREEN")
cols=$(grep -E '│ (vd[a-h]|hd[a-z]|sd[a-c]) ' <<<"$NVT_SCREEN" |
    grep -oE ' (disk|lun|cdrom) +[a-z]+ +' | awk '{ print length($0) }' | sort -u | wc -l)
[[ $rows -eq 12 ]] || nvt_fail "expected 12 disk rows, saw $rows"
[[ $cols -eq 1 ]] || nvt_fail "the disk rows' sources start in $cols different columns"
nvt_ok "disk rows are aligned"

# The description keeps its lines; no control pictures.
nvt_assert_has "first line"
nvt_assert_re "second line with a tab"
nvt_assert_lacks "^J" "the description shows ^J"
nvt_ok "a multi-line description shows as lines"

# Delete: the checklist names each kind it keeps, none as "(empty)".
nvt_keys D
nvt_wait_for "nvme 0000:01:00.0 namespace 1 (NVMe namespace: kept)"
nvt_wait_all \
    "vhost-user /run/vhost-blk/every.sock (vhost-user backend: kept)" \
    "(network disk: kept)"
nvt_ok "the delete checklist names network, NVMe and vhost-user disks"
nvt_keys Escape
nvt_wait_gone "NVMe namespace: kept"

nvt_done
