#!/usr/bin/env bash
# shellcheck disable=SC2317 # functions called through nvt_wait_until and the cleanup hooks
# Storage against the real daemon (qemu:///system). First the storage-driver test's "daemon"
# case (what the test driver cannot do: upload and read back, cancel half way, resize, wipe).
# Then ncvirt in tmux: a dir pool under a fresh temp directory made with the wizard and
# started; a volume made by the wizard from an ISO-like local file, the upload's progress bar
# on screen, the volume's content equal to the file (virsh vol-download and cmp); a second
# upload cancelled with C-c leaves no volume; then the volume and the pool (with its data) are
# deleted. Everything is removed in a trap; libvirtd is never restarted or killed.
set -uo pipefail

: "${NCVIRT_SRCDIR:?NCVIRT_SRCDIR is not set (run through meson test)}"
: "${NCVIRT_TESTDIR:?NCVIRT_TESTDIR is not set (run through meson test)}"
: "${NCVIRT_BUILDDIR:?NCVIRT_BUILDDIR is not set (run through meson test)}"
uri=qemu:///system

# shellcheck source=tests/lib-daemon.sh
. "$NCVIRT_TESTDIR/lib-daemon.sh"
nvd_need_root "$uri"
nvd_need_command virsh "run scripts/bootstrap"
nvd_start_daemon
# shellcheck source=tests/lib-tmux.sh
. "$NCVIRT_TESTDIR/lib-tmux.sh"
nvt_init

prefix="nvts$$"  # short: the list shows 18 columns of a name
pool="$prefix-tui"
base=$(mktemp -d /var/tmp/nvtest-stor-XXXXXX)
chmod 0755 "$base"
vsh() { timeout 120 virsh -q -c "$uri" "$@"; }

# Every pool this test (or the C test it runs) made, with its volumes and directory.
cleanup_storage() {
    local p v
    for p in $(vsh pool-list --all --name 2>/dev/null | grep "^$prefix"); do
        for v in $(vsh vol-list "$p" 2>/dev/null | awk '{print $1}'); do
            vsh vol-delete "$v" --pool "$p" >/dev/null 2>&1
        done
        vsh pool-destroy "$p" >/dev/null 2>&1
        vsh pool-undefine "$p" >/dev/null 2>&1
    done
    rm -rf -- "$base"
    rm -rf -- "${TMPDIR:-/tmp}/$prefix"-* 2>/dev/null
    return 0
}
NVT_CLEANUP_HOOKS+=(cleanup_storage)

# ---- the C checks on the real storage driver ----
driver="$NCVIRT_BUILDDIR/test-storage-driver"
if [[ -x $driver ]]; then
    if ! NCVIRT_STORAGE_URI=$uri NCVIRT_STORAGE_PREFIX=$prefix CK_RUN_CASE=daemon "$driver"; then
        nvt_fail "test-storage-driver's daemon case failed"
    fi
    nvt_ok "upload and read back, cancel half way, grow, shrink (refused, then allowed), wipe"
else
    echo "# $driver is not built: its daemon case is skipped"
fi

q() { nvt_re_quote "$1"; }

# An ISO-like file: a few MB of data with the ISO 9660 magic at 32769, then zeros up to 256 MiB
# (sparse: cheap to make, and long enough to upload that the progress bar shows).
iso="$base/disc.iso"
head -c 6M /dev/urandom >"$iso"
printf 'CD001' | dd of="$iso" bs=1 seek=32769 conv=notrunc status=none
truncate -s 256M "$iso"
big="$base/big.img"
truncate -s 4G "$big"

nvt_start 140 40 -- "$NCVIRT_BIN" -c "$uri"
nvt_wait_for "Domains (" 20
nvt_keys 2
nvt_wait_for "┌─ Storage ("

# ---- the pool, with the wizard ----
nvt_keys n
nvt_wait_for "Type ‹ dir: a directory on the host ›" 10
nvt_keys Down
nvt_type "$pool"
nvt_keys C-n
nvt_wait_for "step 2 of 4: Source and target"
nvt_keys C-u
nvt_type "$base/pool"
nvt_keys C-n
nvt_wait_for "step 3 of 4: Options"
nvt_keys Down Down Space
nvt_wait_re "Start with the host +‹ no ›"
nvt_keys C-n
nvt_wait_for "<path>$base/pool</path>"
nvt_keys C-n
nvt_wait_for "created pool '$pool'" 30
nvt_keys /
nvt_type "$pool"
nvt_keys Enter
nvt_wait_re "running +$(q "$pool") +dir"
[[ -d $base/pool ]] || nvt_fail "the pool's directory was not built"
[[ $(vsh pool-info "$pool" | awk '/^State:/ {print $2}') == running ]] ||
    nvt_fail "virsh does not see $pool running"
nvt_ok "the wizard defined, built and started $pool in $base/pool"

# ---- a volume from the file, uploaded with a progress bar ----
nvt_keys N
nvt_wait_for "New volume — step 1 of 4: Contents"
nvt_keys Space C-n
nvt_wait_for "step 2 of 4: Source"
nvt_type "$iso"
nvt_keys C-n
nvt_wait_for "step 3 of 4: Volume"
nvt_wait_all 3 "Name       disc.iso" "Format     raw" "Capacity   256M"
nvt_keys C-n
nvt_wait_for "A new volume 'disc.iso' of 256.0 MiB in pool '$pool'."
nvt_keys C-n
nvt_wait_re "\] +[0-9]+% upload disc\.iso into disc\.iso · [0-9.]+ [KMG]?i?B of 256\.0 MiB" 30
nvt_ok "the upload shows its progress: $(grep -Eo '[0-9]+% upload disc\.iso.*' <<<"$NVT_SCREEN")"
nvt_wait_for "uploaded '$iso' (256.0 MiB) into 'disc.iso'" 120
vsh vol-download disc.iso "$base/down.iso" --pool "$pool" || nvt_fail "virsh vol-download failed"
cmp "$iso" "$base/down.iso" || nvt_fail "the volume's content differs from the file"
rm -f -- "$base/down.iso"
nvt_ok "the volume holds exactly the file (vol-download + cmp)"

# ---- an upload cancelled with C-c leaves no volume ----
nvt_keys N
nvt_wait_for "step 1 of 4: Contents"
nvt_keys Space C-n
nvt_wait_for "step 2 of 4: Source"
nvt_type "$big"
nvt_keys C-n
nvt_wait_for "Name       big.img"
nvt_keys C-n
nvt_wait_for "step 4 of 4: Summary"
nvt_keys C-n
nvt_wait_re "\] +[0-9]+% upload big\.img into big\.img" 30
nvt_keys C-c
nvt_wait_for "upload into 'big.img' cancelled, the new volume was deleted" 60
if vsh vol-info big.img --pool "$pool" >/dev/null 2>&1; then
    nvt_fail "big.img is still in $pool after the cancel"
fi
nvt_ok "C-c cancels the upload and the new volume is deleted"
nvt_keys Escape
nvt_wait_gone "What libvirt answered"

# ---- the volume actions: resize, shrink declined, upload with u, wipe ----
nvt_keys Enter
nvt_wait_re "▶ disc\.iso"
nvt_wait_for "used by: no domain" 10
nvt_keys z
nvt_wait_for "> 256M"
nvt_keys BSpace BSpace BSpace BSpace
nvt_type "512M"
nvt_keys Enter
nvt_wait_for "resized volume 'disc.iso'" 30
nvt_wait_re "disc\.iso +[a-z0-9]+ +capacity 512\.0 MiB"  # libvirt may call it iso
nvt_keys z
nvt_wait_for "> 512M"
nvt_keys BSpace BSpace BSpace BSpace
nvt_type "128M"
nvt_keys Enter
nvt_wait_for "Shrink 'disc.iso' from 512.0 MiB to 128.0 MiB?"
nvt_keys n
nvt_wait_for "cancelled"
nvt_keys u
nvt_wait_for "Local file to upload (at most 512.0 MiB):"
nvt_type "$iso"
nvt_keys Enter
nvt_wait_for "Replace the content of 'disc.iso' with the file?"
# The file was opened when its path was given: swapping the path for a link to another file
# before the answer changes nothing of what is sent (issue 10, defect 8).
mv "$iso" "$iso.checked"
ln -s "$big" "$iso"
nvt_keys y
nvt_wait_for "uploaded '$iso' (256.0 MiB) into 'disc.iso'" 120
rm -f "$iso"
mv "$iso.checked" "$iso"
vsh vol-download disc.iso "$base/down.iso" --pool "$pool" || nvt_fail "virsh vol-download failed"
cmp -n $((256 << 20)) "$iso" "$base/down.iso" || nvt_fail "u did not upload the file it checked"
nvt_keys w
nvt_wait_for "Wipe volume 'disc.iso'? Every byte becomes zero."
nvt_keys y
nvt_wait_for "wiped volume 'disc.iso'" 120
vsh vol-download disc.iso "$base/down.iso" --pool "$pool" || nvt_fail "virsh vol-download failed"
cmp -n $((512 << 20)) "$base/down.iso" /dev/zero || nvt_fail "the wiped volume is not all zeros"
rm -f -- "$base/down.iso"
nvt_ok "z grows (a shrink asks first), u uploads into the volume, w wipes it to zeros"

# ---- delete the volume, then the pool and its data ----
nvt_keys d
nvt_wait_for "Delete volume 'disc.iso' of pool '$pool'? Its data is lost."
nvt_wait_for "No domain uses it."
nvt_keys y
nvt_wait_for "deleted volume 'disc.iso'" 30
nvt_wait_for "no volumes" 10
nvt_keys Escape D
nvt_wait_for "Delete pool '$pool':"
nvt_keys Down Enter
nvt_wait_for "DELETE pool '$pool' AND ALL ITS DATA?"
nvt_keys y
nvt_wait_for "deleted pool '$pool' and its data" 30
if vsh pool-info "$pool" >/dev/null 2>&1; then
    nvt_fail "$pool is still defined"
fi
[[ -e $base/pool ]] && nvt_fail "the pool's directory $base/pool is still there"
nvt_ok "d deleted the volume; D deleted the pool, its directory and its definition"

nvt_keys q
nvt_wait_for "EXIT=0" 10
nvt_done
