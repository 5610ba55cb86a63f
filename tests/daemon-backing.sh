#!/usr/bin/env bash
# Backing chains on the real daemon (qemu:///system), issue 10 defect 2: qemu-img makes
# base.qcow2 <- mid.qcow2 <- top.qcow2 in a dir pool of a fresh temp directory; one shut-off
# domain has the base as its disk, another the top overlay. libvirt leaves the chain out of a
# shut-off domain's XML, so only the volumes say the second domain is built on the base: the
# storage driver test's "backing" case checks that the base's users name it and that deleting
# the first domain leaves the base unticked, naming the overlay's domain. Everything made here
# has "harden" in its name and is removed in a trap; libvirtd is never restarted or killed.
set -uo pipefail

: "${NCVIRT_SRCDIR:?NCVIRT_SRCDIR is not set (run through meson test)}"
: "${NCVIRT_TESTDIR:?NCVIRT_TESTDIR is not set (run through meson test)}"
: "${NCVIRT_BUILDDIR:?NCVIRT_BUILDDIR is not set (run through meson test)}"
uri=qemu:///system

# shellcheck source=tests/lib-daemon.sh
. "$NCVIRT_TESTDIR/lib-daemon.sh"
nvd_need_root "$uri"
nvd_need_command virsh "run scripts/bootstrap"
nvd_need_command qemu-img "run scripts/bootstrap"
nvd_start_daemon

driver="$NCVIRT_BUILDDIR/test-driver-storage"
[[ -x $driver ]] || nvd_skip "$driver is not built"

prefix="nvharden-$$"
pool="$prefix-pool"
owner="$prefix-owner"
linked="$prefix-linked"
dir=$(mktemp -d /var/tmp/nvharden-backing-XXXXXX)
chmod 0755 "$dir"
vsh() { timeout 120 virsh -q -c "$uri" "$@"; }

cleanup() {
    local d
    for d in "$owner" "$linked"; do
        vsh destroy "$d" >/dev/null 2>&1
        vsh undefine "$d" --nvram >/dev/null 2>&1 || vsh undefine "$d" >/dev/null 2>&1
    done
    vsh pool-destroy "$pool" >/dev/null 2>&1
    vsh pool-undefine "$pool" >/dev/null 2>&1
    rm -rf -- "$dir"
}
trap cleanup EXIT

fail() {
    printf 'FAIL: %s\n' "$*"
    exit 1
}

(cd "$dir" &&
    qemu-img create -q -f qcow2 base.qcow2 16M &&
    qemu-img create -q -f qcow2 -b base.qcow2 -F qcow2 mid.qcow2 &&
    qemu-img create -q -f qcow2 -b mid.qcow2 -F qcow2 top.qcow2) || fail "qemu-img failed"
vsh pool-create-as "$pool" dir --target "$dir" >/dev/null || fail "cannot create pool $pool"

domain_xml() { # name target image
    cat <<XML
<domain type='qemu'>
  <name>$1</name>
  <memory unit='MiB'>64</memory>
  <os><type>hvm</type></os>
  <devices>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='$dir/$3'/>
      <target dev='$2' bus='virtio'/>
    </disk>
  </devices>
</domain>
XML
}
domain_xml "$owner" vda base.qcow2 >"$dir/owner.xml"
domain_xml "$linked" vdb top.qcow2 >"$dir/linked.xml"
vsh define "$dir/owner.xml" >/dev/null || fail "cannot define $owner"
vsh define "$dir/linked.xml" >/dev/null || fail "cannot define $linked"
vsh dumpxml --inactive "$linked" | grep -q backingStore &&
    echo "# note: this libvirt shows the chain in a shut-off domain's XML too"
owner_uuid=$(vsh domuuid "$owner") || fail "no UUID for $owner"

NCVIRT_BACKING_URI=$uri NCVIRT_BACKING_POOL=$pool NCVIRT_BACKING_DIR=$dir \
    NCVIRT_BACKING_OWNER=$owner NCVIRT_BACKING_LINKED=$linked \
    NCVIRT_BACKING_OWNER_UUID=$owner_uuid CK_RUN_CASE=backing "$driver" ||
    fail "the storage driver test's backing case failed"
echo "ok: the base names $linked as built on it; deleting $owner keeps it unticked"
