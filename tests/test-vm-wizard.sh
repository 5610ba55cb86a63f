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
}

nvt_start 120 36 -- "$NCVIRT_BIN" -c test:///default
nvt_wait_for "Domains (1)"

# ---- a cancel at once ----
nvt_keys n
nvt_wait_for "step 1 of 6: Install method"
cancel_wizard
nvt_assert_has "Domains (1)"
nvt_ok "cancel on the first step"

# ---- a full run, with validation errors on the way ----
nvt_keys n
nvt_wait_for "step 1 of 6: Install method"
nvt_assert_re "Install from +‹ Local media \\(ISO image\\) ›"
pick "No media (empty disk)"
nvt_wait_for "The VM boots from its disk"
nvt_keys C-n
nvt_wait_for "step 2 of 6: Operating system"
nvt_wait_for "generic            Generic OS (virtio)"
nvt_type "debian11"
nvt_wait_for "Next picks debian11"
nvt_keys C-n
nvt_wait_for "step 3 of 6: Memory and CPUs"
nvt_assert_has "Host: 16 CPUs"
nvt_assert_has "Debian 11: at least"

set_field 0
nvt_wait_re "Memory +0 +must be between 16M and"
nvt_ok "memory 0 is refused beside the field"
nvt_keys C-n
nvt_wait_for "fix the marked field first"
nvt_assert_has "step 3 of 6"
set_field 64M
nvt_keys Tab
set_field 17
nvt_wait_re "vCPUs +17 +more than the host's 16 CPUs"
nvt_ok "17 vCPUs on a 16-CPU host are refused"
set_field 1
nvt_keys C-n
nvt_wait_for "step 4 of 6: Storage"
nvt_assert_re "Pool +default-pool \\([0-9.]+ GiB free\\)"
nvt_keys Tab Tab
set_field 999T
nvt_wait_re "Size +999T +must be between"
set_field 200G
nvt_wait_re "Size +200G +more than the .* available in pool 'default-pool'"
nvt_ok "a disk larger than the pool is refused"
set_field 64M
nvt_keys C-n
nvt_wait_for "step 5 of 6: Name and options"
nvt_assert_re "Name +debian11"

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
nvt_assert_has "Virtual machine $name (test, i686): 1 vCPUs, 64.0 MiB memory, Debian 11"
nvt_assert_has "new qcow2 volume $name.qcow2 of 64.0 MiB in pool default-pool"
nvt_assert_has "Domain XML:"
nvt_assert_has "<name>$name</name>"
nvt_ok "the summary says what will be made and shows the XML"

nvt_keys C-n
nvt_wait_for "Open its serial console?"
nvt_keys n
nvt_wait_for "Created and started '$name'."
nvt_wait_for "Domains (2)"
nvt_assert_re "running +$name"
nvt_ok "the VM is created and running"
nvt_keys 2
nvt_wait_for "$name.qcow2"
nvt_ok "its volume is in the pool"
nvt_keys 1
nvt_wait_for "Domains (2)"

# ---- a cancel half-way, after typing ----
nvt_keys n
nvt_wait_for "step 1 of 6"
nvt_keys C-n
nvt_wait_for "fix the marked field first"
nvt_type "/tmp/none.iso"
nvt_keys C-n
nvt_wait_for "step 2 of 6"
nvt_keys C-n
nvt_wait_for "step 3 of 6"
cancel_wizard
nvt_assert_has "Domains (2)"
nvt_keys 2
nvt_wait_for "$name.qcow2"
nvt_assert_lacks "debian11.qcow2"
nvt_assert_lacks "generic"
nvt_ok "cancel half-way creates nothing"
nvt_keys 1
nvt_keys q
nvt_wait_for "EXIT=0"
nvt_done
