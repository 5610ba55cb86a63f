#!/usr/bin/env bash
# shellcheck disable=SC2317 # functions called through nvt_wait_until and the cleanup hooks
# Virtual networks end to end on the real daemon (qemu:///system): ncvirt in tmux creates a NAT
# network and an isolated one with the wizard (unique names and bridges, subnets in 10.x);
# `virsh net-dumpxml` and `net-info` must show what was asked and both active; the leases
# dialog opens; a third network whose start fails (its bridge name is taken by a host bridge
# the test makes) must be undefined again; then both are stopped and deleted with the pane's
# keys. Networks are only defined, started, stopped and deleted: no traffic is sent, no guest
# joins them. Everything is removed in the cleanup trap; libvirtd is never restarted. Skips (77)
# only when the daemon cannot run.
set -uo pipefail

: "${NCVIRT_SRCDIR:?NCVIRT_SRCDIR is not set (run through meson test)}"
: "${NCVIRT_TESTDIR:?NCVIRT_TESTDIR is not set (run through meson test)}"
uri=qemu:///system

# shellcheck source=tests/lib-daemon.sh
. "$NCVIRT_TESTDIR/lib-daemon.sh"
nvd_need_root "$uri"
nvd_need_command libvirtd "run scripts/bootstrap"
nvd_need_command virsh "run scripts/bootstrap"
nvd_need_command dnsmasq "scripts/bootstrap installs dnsmasq-base"
nvd_start_daemon

# shellcheck source=tests/lib-tmux.sh
. "$NCVIRT_TESTDIR/lib-tmux.sh"
nvt_init
NVT_TIMEOUT=15

net_a="nvt$$a"
net_b="nvt$$b"
net_c="nvt$$c"
br_a="nvtbr$$a"
br_b="nvtbr$$b"
br_c="nvtbr$$c"
# Subnets unlikely to be in use here; libvirt refuses one a host route already covers.
x=$(($$ % 250))
subnet_a="10.213.$x"
subnet_b="10.214.$x"
subnet_c="10.215.$x"
made_bridge=0

cleanup_daemon() {
    local n
    for n in "$net_a" "$net_b" "$net_c"; do
        virsh -q -c "$uri" net-destroy "$n" >/dev/null 2>&1
        virsh -q -c "$uri" net-undefine "$n" >/dev/null 2>&1
    done
    ((made_bridge)) && ip link del "$br_c" >/dev/null 2>&1
    return 0
}
NVT_CLEANUP_HOOKS+=(cleanup_daemon)

dumpxml() { virsh -q -c "$uri" net-dumpxml "$1" 2>&1; }
info_of() { virsh -q -c "$uri" net-info "$1" 2>&1; }

# A check on a network's XML, with the XML shown when it fails.
xml_has() {
    local net=$1 what=$2 re=$3 xml
    xml=$(dumpxml "$net")
    if grep -Eq -- "$re" <<<"$xml"; then
        nvt_ok "$what"
    else
        echo "---- net-dumpxml $net ----"
        echo "$xml"
        nvt_fail "$what: no match for /$re/"
    fi
}

xml_lacks() {
    local net=$1 what=$2 re=$3 xml
    xml=$(dumpxml "$net")
    if ! grep -Eq -- "$re" <<<"$xml"; then
        nvt_ok "$what"
    else
        echo "---- net-dumpxml $net ----"
        echo "$xml"
        nvt_fail "$what: /$re/ matches"
    fi
}

info_has() {
    local net=$1 what=$2 re=$3 info
    info=$(info_of "$net")
    grep -Eq -- "$re" <<<"$info" || { echo "$info"; nvt_fail "$what: no /$re/ in net-info"; }
    nvt_ok "$what"
}

retype() {
    nvt_keys C-u
    nvt_type "$1"
}

# Shows only the named network, so it is the selected row.
filter_to() {
    nvt_keys /
    nvt_type "$1"
    nvt_keys Enter
    nvt_wait_re "Networks \(1 of [0-9]+\)"
}

unfilter() {
    nvt_keys Escape
    nvt_wait_gone_re "Networks \(1 of"
}

nvt_start 120 45 -- "$NCVIRT_BIN" -c "$uri"
nvt_wait_for "Domains ("
nvt_keys 3
nvt_wait_re "Networks \([0-9]+\)"

# ---- a NAT network, autostarted ----

nvt_keys n
nvt_wait_for "step 1 of 5: Name and mode"
retype "$net_a"
nvt_keys C-n
nvt_wait_for "step 2 of 5: Connection"
# "Leaves by" (any host interface), then the bridge device.
nvt_keys Tab
nvt_type "$br_a"
nvt_keys C-n
nvt_wait_for "step 3 of 5: Addresses"
retype "$subnet_a.1/24"
nvt_keys C-n
nvt_wait_for "step 4 of 5: Static DHCP hosts"
nvt_keys C-n
nvt_wait_for "step 5 of 5: Summary"
nvt_wait_all 3 "<bridge name=\"$br_a\"/>" "<range start=\"$subnet_a.2\" end=\"$subnet_a.254\"/>"
nvt_keys C-n
nvt_wait_for "created network '$net_a': active, starts with the host" 30
xml_has "$net_a" "NAT network: forward mode nat" "<forward mode='nat'"
xml_has "$net_a" "NAT network: its bridge" "<bridge name='$br_a'"
xml_has "$net_a" "NAT network: its address" "<ip address='$subnet_a.1' prefix='24'"
xml_has "$net_a" "NAT network: the DHCP range followed the subnet" \
    "<range start='$subnet_a.2' end='$subnet_a.254'"
info_has "$net_a" "NAT network is active" "^Active: +yes"
info_has "$net_a" "NAT network starts with the host" "^Autostart: +yes"

# ---- an isolated network, no DHCP, no autostart ----

nvt_keys n
nvt_wait_for "step 1 of 5: Name and mode"
retype "$net_b"
# Mode: NAT → routed → open → isolated; then autostart off.
nvt_keys Tab Space Space Space
nvt_wait_for "isolated"
nvt_keys Tab Space
nvt_keys C-n
nvt_wait_for "step 2 of 5: Connection"
nvt_type "$br_b"
nvt_keys C-n
nvt_wait_for "step 3 of 5: Addresses"
retype "$subnet_b.1/24"
nvt_keys Tab Space
nvt_keys C-n
# DHCP off and no static hosts: the hosts step is skipped.
nvt_wait_for "step 5 of 5: Summary"
nvt_assert_lacks "<forward"
nvt_assert_lacks "<dhcp>"
nvt_keys C-n
nvt_wait_for "created network '$net_b': active" 30
xml_lacks "$net_b" "isolated network: no <forward>" "<forward"
xml_lacks "$net_b" "isolated network: no DHCP" "<dhcp>"
xml_has "$net_b" "isolated network: its bridge" "<bridge name='$br_b'"
xml_has "$net_b" "isolated network: its address" "<ip address='$subnet_b.1' prefix='24'"
info_has "$net_b" "isolated network is active" "^Active: +yes"
info_has "$net_b" "isolated network does not start with the host" "^Autostart: +no"

# ---- leases: none, since no guest is on the network ----

filter_to "$net_a"
nvt_keys L
nvt_wait_for "DHCP leases of '$net_a'"
nvt_assert_has "no leases"
nvt_keys Escape
nvt_wait_gone "DHCP leases of"
nvt_ok "the leases dialog opens (empty)"
unfilter

# ---- a start that fails leaves nothing behind ----

if command -v ip >/dev/null && ip link add "$br_c" type bridge 2>/dev/null; then
    made_bridge=1
    nvt_keys n
    nvt_wait_for "step 1 of 5: Name and mode"
    retype "$net_c"
    nvt_keys C-n
    nvt_wait_for "step 2 of 5"
    nvt_keys Tab
    nvt_type "$br_c"
    nvt_keys C-n
    nvt_wait_for "step 3 of 5"
    retype "$subnet_c.1/24"
    nvt_keys C-n
    nvt_wait_for "step 4 of 5"
    nvt_keys C-n
    nvt_wait_for "step 5 of 5: Summary"
    nvt_keys C-n
    nvt_wait_for "cannot start network '$net_c'" 30
    nvt_assert_has "step 5 of 5"
    if virsh -q -c "$uri" net-info "$net_c" >/dev/null 2>&1; then
        nvt_fail "the failed network $net_c is still defined"
    else
        nvt_ok "a start that fails (bridge taken) leaves no network behind"
    fi
    nvt_keys Escape
    nvt_wait_for "Nothing has been created"
    nvt_keys y
    nvt_wait_re "Networks \([0-9]+\)"
    ip link del "$br_c" && made_bridge=0
else
    nvt_log "note: cannot make a host bridge here; the failed-start check is left out"
fi

# ---- stop and delete both ----

filter_to "$net_a"
nvt_keys S
nvt_wait_for "Stop network '$net_a'?"
nvt_assert_has "No domain uses it."
nvt_keys y
nvt_wait_for "stopped network '$net_a'"
info_has "$net_a" "stop: the NAT network is inactive" "^Active: +no"
nvt_keys D
nvt_wait_for "Delete network '$net_a'?"
nvt_keys y
nvt_wait_for "deleted network '$net_a'"
unfilter

filter_to "$net_b"
nvt_keys D
nvt_wait_for "Delete network '$net_b'?"
nvt_assert_has "The network is stopped first."
nvt_keys y
nvt_wait_for "deleted network '$net_b'"
unfilter

for n in "$net_a" "$net_b"; do
    if virsh -q -c "$uri" net-info "$n" >/dev/null 2>&1; then
        nvt_fail "$n is still defined after delete"
    else
        nvt_ok "$n is gone"
    fi
done

nvt_keys q
nvt_wait_for EXIT=0
nvt_done
