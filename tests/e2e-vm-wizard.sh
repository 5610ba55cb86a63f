#!/usr/bin/env bash
# The new-VM wizard end to end on libvirt's test driver (test:///default): ncvirt in tmux,
# driven from the keyboard only. A run with validation errors (memory 0, a bad name, a name
# that is taken: each shown beside its field and fixed) creates a VM with a new volume; the
# Domains and Storage panes show both. Two runs cancelled (at once, and half-way after typing)
# leave the lists as they were. The test driver lives inside ncvirt, so nothing outlives it.
set -uo pipefail

: "${NCVIRT_TESTDIR:?NCVIRT_TESTDIR is not set (run through meson test)}"
# shellcheck source=tests/lib-tmux.sh
. "$NCVIRT_TESTDIR/lib-tmux.sh"
nvt_init
NVT_TIMEOUT=10

name=nvt-e2e-vm

# Types into the focused field, replacing its text.
set_field() {
    nvt_keys C-u
    nvt_type "$1"
}

# Steps a choice field with Space until it shows TEXT.
pick() {
    local text=$1 i
    for i in $(seq 1 12); do
        nvt_capture
        nvt_has "‹ $text ›" && return 0
        nvt_keys Space
        sleep 0.05
    done
    nvt_fail "cannot pick '$text'"
}

cancel_wizard() {
    nvt_keys Escape
    nvt_wait_for "Leave the wizard? Nothing has been created."
    nvt_keys y
    nvt_wait_gone "New virtual machine"
    nvt_wait_for "┌─ Domains ("
}

nvt_start 120 36 -- "$NCVIRT_BIN" -c test:///default
nvt_wait_for "Domains (1)"

# ---- a cancel at once ----
nvt_keys n
nvt_wait_for "step 1 of 6: Install method"
cancel_wizard
nvt_wait_for "Domains (1)"
nvt_ok "cancel on the first step"

# ---- a full run, with validation errors on the way ----
nvt_keys n
nvt_wait_for "step 1 of 6: Install method"
nvt_wait_re "Install from +‹ Local media \\(ISO image\\) ›"
pick "No media (empty disk)"
nvt_wait_for "The VM boots from its disk"
nvt_keys C-n
nvt_wait_for "step 2 of 6: Operating system"
nvt_wait_for "generic            Generic OS (virtio)"
nvt_type "debian11"
nvt_wait_for "Next picks debian11"
nvt_keys C-n
nvt_wait_for "step 3 of 6: Memory and CPUs"
nvt_wait_for "Host: 16 CPUs"
nvt_wait_for "Debian 11: at least"

set_field 0
nvt_wait_re "Memory +0 +must be between 16M and"
nvt_ok "memory 0 is refused beside the field"
nvt_keys C-n
nvt_wait_for "fix the marked field first"
nvt_wait_for "step 3 of 6"
set_field 64M
nvt_keys Tab
set_field 17
nvt_wait_re "vCPUs +17 +more than the host's 16 CPUs"
nvt_ok "17 vCPUs on a 16-CPU host are refused"
set_field 1
nvt_keys C-n
nvt_wait_for "step 4 of 6: Storage"
nvt_wait_re "Pool +default-pool"
nvt_wait_for "Pool default-pool: 100.0 GiB free of 100.0 GiB"
nvt_keys Tab Tab
set_field 999T
nvt_wait_re "Size +999T +must be between"
set_field 200G
nvt_wait_re "Size +200G +more than the .* available in pool 'default-pool'"
nvt_ok "a disk larger than the pool is refused"
set_field 64M
nvt_keys C-n
nvt_wait_for "step 5 of 6: Name and options"
nvt_wait_re "Name +debian11"

set_field "bad name"
nvt_wait_re "use only letters, digits and _ \\. \\+ -"
set_field test
nvt_wait_for "a domain named 'test' exists"
nvt_ok "a bad name and a taken name are refused beside the field"
set_field "$name"
nvt_keys Tab
pick "No network"
nvt_keys C-n
nvt_wait_for "step 6 of 6: Summary"
nvt_wait_for "Virtual machine $name (test, i686): 1 vCPUs, 64.0 MiB memory, Debian 11"
nvt_wait_for "new qcow2 volume $name.qcow2 of 64.0 MiB in pool default-pool"
nvt_wait_for "Domain XML:"
nvt_wait_for "<name>$name</name>"
nvt_ok "the summary says what will be made and shows the XML"

nvt_keys C-n
nvt_wait_for "Open its serial console?"
nvt_keys n
nvt_wait_for "Created and started '$name'."
nvt_wait_for "Domains (2)"
nvt_wait_re "running +$name"
nvt_ok "the VM is created and running"
nvt_keys 2
nvt_wait_for "$name.qcow2"
nvt_ok "its volume is in the pool"
nvt_keys 1
nvt_wait_for "Domains (2)"

# ---- a cancel half-way, after the OS was detected from an ISO ----
# Just what libosinfo reads: a primary volume descriptor with Debian's volume id and an El
# Torito boot record.
iso="$NVT_TMP/debian-11.5.0-amd64-netinst.iso"
python3 - "$iso" <<'PY'
import sys
buf = bytearray(20 * 2048)
pvd = 16 * 2048
buf[pvd:pvd + 7] = b"\x01CD001\x01"
buf[pvd + 8:pvd + 40] = b"LINUX".ljust(32)
buf[pvd + 40:pvd + 72] = b"Debian 11.5.0 amd64 n".ljust(32)
buf[pvd + 80] = buf[pvd + 87] = 20
buf[pvd + 129] = buf[pvd + 130] = 8
boot = 17 * 2048
buf[boot:boot + 7] = b"\x00CD001\x01"
buf[boot + 7:boot + 30] = b"EL TORITO SPECIFICATION"
buf[18 * 2048:18 * 2048 + 7] = b"\xffCD001\x01"
open(sys.argv[1], "wb").write(buf)
PY
nvt_keys n
nvt_wait_for "step 1 of 6"
nvt_keys C-n
nvt_wait_for "fix the marked field first"
nvt_type "$iso"
nvt_keys C-n
nvt_wait_for "step 2 of 6"
if [[ -d /usr/share/osinfo/os ]]; then
    nvt_wait_for "Chosen: Debian 11 (debian11) — detected from the medium"
    nvt_ok "the OS is detected from the ISO"
fi
nvt_keys C-n
nvt_wait_for "step 3 of 6"
cancel_wizard
nvt_wait_for "Domains (2)"
nvt_keys 2
nvt_wait_for "$name.qcow2"
nvt_assert_lacks "debian11.qcow2"
nvt_assert_lacks "generic"
nvt_ok "cancel half-way creates nothing"
nvt_keys 1
nvt_wait_for "Domains (2)"

# ---- customize before install: defined, not started, the editor opens ----
nvt_keys n
nvt_wait_for "step 1 of 6"
pick "No media (empty disk)"
nvt_keys C-n
nvt_wait_for "step 2 of 6"
if [[ -d /usr/share/osinfo/os ]]; then
    # Enter on a line of the list picks it and moves on.
    nvt_type win10
    nvt_wait_re "^.*│ +win10 +Microsoft Windows 10"
    nvt_keys Down Enter
    nvt_wait_for "step 3 of 6"
    nvt_wait_for "Microsoft Windows 10: at least"
    nvt_ok "Enter on an OS of the list picks it"
else
    nvt_keys C-n
    nvt_wait_for "step 3 of 6"
fi
nvt_keys C-n
nvt_wait_for "step 4 of 6"
pick "No disk"
nvt_keys C-n
nvt_wait_for "step 5 of 6"
set_field nvt-custom
for _ in $(seq 1 12); do
    nvt_capture
    nvt_has_re "Customize first +‹" && break
    nvt_keys Tab
done
pick yes
nvt_keys C-n
nvt_wait_for "Then: defined only; the details editor opens"
nvt_keys C-n
nvt_wait_for "Edit nvt-custom"
nvt_ok "customize before install opens the details editor"
nvt_keys Escape
nvt_wait_re "shut off +nvt-custom"
nvt_ok "the customized VM is defined, not started"
nvt_keys q
nvt_wait_for "EXIT=0"
nvt_done
