#!/usr/bin/env bash
# Builds the ncvirt test guest into a cache directory: Debian's 6.1 kernel (`vmlinuz`) and a
# busybox-static initramfs (`initramfs.gz`, /init is tests/guest/init).
#
#   bash tests/guest/build-guest.sh [CACHE]     # default /var/cache/ncvirt-test-guest
#
# Idempotent: a stamp file records a hash of this script and tests/guest/init, so a second run
# returns at once; a changed init rebuilds only the initramfs (the unpacked kernel is kept under
# CACHE/kernel/). Runs under an flock on CACHE/.lock, so concurrent callers wait for one build.
# Needs root only to install missing packages (busybox-static, cpio, gzip) and to download the
# kernel with apt-get. Everything it writes is 0644 (dirs 0755) so QEMU, running as
# libvirt-qemu, can read it with or without libvirt's dynamic ownership.
# Prints the cache directory on stdout; progress and errors go to stderr. Exit 0 or 1.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache=${1:-/var/cache/ncvirt-test-guest}

die() {
    echo "build-guest: $*" >&2
    exit 1
}
say() {
    echo "build-guest: $*" >&2
}

[[ -r $here/init ]] || die "$here/init is missing"
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)

# QEMU opens the kernel and initrd itself, as libvirt-qemu: every ancestor must be searchable.
# A checkout in a private directory (/root, a CI folder of mode 0700) cannot hold the guest, so
# it goes to the shared default cache instead (keyed by the stamp below, locked while built).
searchable() {
    local d=$1 perms
    while [[ $d != / ]]; do
        d=$(dirname "$d")
        perms=$(stat -c %A "$d")
        [[ ${perms:9:1} == [xt] ]] || return 1
    done
}
if ! searchable "$cache"; then
    say "$cache is not reachable by QEMU (a parent is private); using /var/cache/ncvirt-test-guest"
    cache=/var/cache/ncvirt-test-guest
    mkdir -p "$cache"
fi
chmod 0755 "$cache"

want=$(cat "$here/init" "$here/build-guest.sh" | sha256sum | cut -d' ' -f1)
built() {
    [[ -s $cache/vmlinuz && -s $cache/initramfs.gz && -s $cache/stamp ]] &&
        [[ $(<"$cache/stamp") == "$want" ]]
}
if built; then
    echo "$cache"
    exit 0
fi

exec 9>"$cache/.lock"
flock 9
if built; then
    echo "$cache"
    exit 0
fi
start=$SECONDS

apt_updated=0
apt_update() {
    if [[ $apt_updated -eq 0 ]]; then
        say "apt-get update"
        apt-get update -qq >&2 || die "apt-get update failed"
        apt_updated=1
    fi
}

# Packages: busybox-static (the guest userland; the dynamic busybox would not run in the
# initramfs), cpio and gzip (the archive).
missing=()
for pkg in busybox-static cpio gzip; do
    dpkg-query -W -f '${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' ||
        missing+=("$pkg")
done
if [[ ${#missing[@]} -gt 0 ]]; then
    [[ $(id -u) -eq 0 ]] || die "missing packages ${missing[*]} and not root to install them"
    say "installing ${missing[*]}"
    if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        "${missing[@]}" >&2; then
        apt_update
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
            "${missing[@]}" >&2 || die "apt-get install ${missing[*]} failed"
    fi
fi
busybox=/bin/busybox
[[ -x $busybox ]] || die "$busybox is missing (package busybox-static)"

# The kernel: the newest linux-image-6.1.*-amd64 (the generic flavour, signed) apt knows about.
# Kept unpacked (vmlinuz and the few modules the guest loads) across initramfs rebuilds.
newest_kernel() {
    apt-cache search --names-only '^linux-image-6\.1\..*-amd64$' 2>/dev/null |
        awk '{print $1}' | grep -E '^linux-image-6\.1\.[0-9]+-[0-9]+-amd64$' | sort -V | tail -n 1
}
kdir=$cache/kernel
if [[ ! -s $kdir/package || ! -s $kdir/vmlinuz ]]; then
    pkg=$(newest_kernel)
    if [[ -z $pkg ]]; then
        apt_update
        pkg=$(newest_kernel)
    fi
    [[ -n $pkg ]] || die "apt-cache knows no linux-image-6.1.*-amd64 package"
    say "downloading $pkg"
    work=$(mktemp -d "$cache/kernel.tmp.XXXXXX")
    trap 'rm -rf -- "$work"' EXIT
    # apt's _apt sandbox user cannot write into a root-owned 0700 temp dir: give it the dir.
    chmod 0755 "$work"
    chown _apt "$work" 2>/dev/null || true
    if ! (cd "$work" && apt-get download -qq "$pkg" >&2); then
        apt_update
        (cd "$work" && apt-get download -qq "$pkg" >&2) || die "apt-get download $pkg failed"
    fi
    deb=$(ls "$work"/*.deb)
    dpkg -x "$deb" "$work/x"
    vmlinuz=$(ls "$work"/x/boot/vmlinuz-*)
    kver=${vmlinuz##*/vmlinuz-}
    mods=$work/x/lib/modules/$kver
    [[ -d $mods ]] || die "$pkg has no lib/modules/$kver"
    rm -rf -- "$kdir.new"
    mkdir -p "$kdir.new/modules"
    cp "$vmlinuz" "$kdir.new/vmlinuz"
    # Modules the guest needs that this kernel builds as modules, in load order.
    # button: ACPI power button; evdev: /dev/input/event* that acpid reads.
    n=0
    for m in button evdev; do
        if grep -Eq "/$m\.ko(\.[a-z]+)?$" "$mods/modules.builtin"; then
            continue
        fi
        ko=$(find "$mods/kernel" -name "$m.ko*" | head -n 1)
        [[ -n $ko ]] || die "$pkg has neither a built-in nor a module $m"
        case $ko in
            *.ko) cp "$ko" "$kdir.new/modules/$(printf '%02d' $n)-$m.ko" ;;
            *.ko.xz) xz -dc "$ko" >"$kdir.new/modules/$(printf '%02d' $n)-$m.ko" ;;
            *.ko.zst) zstd -qdc "$ko" >"$kdir.new/modules/$(printf '%02d' $n)-$m.ko" ;;
            *) die "cannot unpack $ko" ;;
        esac
        n=$((n + 1))
    done
    echo "$kver" >"$kdir.new/release"
    echo "$pkg" >"$kdir.new/package"
    rm -rf -- "$kdir" "$work"
    trap - EXIT
    mv "$kdir.new" "$kdir"
fi

# The initramfs: busybox with a symlink per applet, the modules, /init.
say "building initramfs ($(<"$kdir/package"))"
root=$(mktemp -d "$cache/root.tmp.XXXXXX")
trap 'rm -rf -- "$root"' EXIT
chmod 0755 "$root"
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,run,tmp,etc,root,var/log,lib/modules}
cp "$busybox" "$root/bin/busybox"
while read -r applet; do
    [[ $applet == bin/busybox || -e $root/$applet ]] && continue
    ln -s /bin/busybox "$root/$applet"
done < <("$busybox" --list-full)
cp "$kdir"/modules/*.ko "$root/lib/modules/" 2>/dev/null || true
install -m 0755 "$here/init" "$root/init"
(cd "$root" && find . -mindepth 1 -print0 | LC_ALL=C sort -z |
    cpio --null --create --format=newc --owner=0:0 --quiet) | gzip -9n >"$cache/initramfs.gz.new"
rm -rf -- "$root"
trap - EXIT

install -m 0644 "$kdir/vmlinuz" "$cache/vmlinuz.new"
chmod 0644 "$cache/initramfs.gz.new"
mv -f "$cache/vmlinuz.new" "$cache/vmlinuz"
mv -f "$cache/initramfs.gz.new" "$cache/initramfs.gz"
chmod -R a+rX "$kdir"
echo "$want" >"$cache/stamp"
chmod 0644 "$cache/stamp"
say "built $cache in $((SECONDS - start)) s"
echo "$cache"
