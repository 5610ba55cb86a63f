#!/usr/bin/env bash
# shellcheck disable=SC2317 # functions called through nvt_wait_until and the cleanup hooks
# End to end on libvirt's test driver: the Storage pane's wizards and actions through the real
# binary in tmux. The pool wizard refuses a taken name and a relative path, shows the XML, and
# creates the pool; a cancelled wizard creates nothing; stop (confirmed), start and autostart;
# the volume wizard refuses a bad size and creates a volume; Enter moves into the volumes,
# where a delete names what uses the volume; an upload the test driver cannot do leaves the
# volume the wizard made for it deleted; the pool and its data go with D.
set -uo pipefail

: "${NCVIRT_TESTDIR:?NCVIRT_TESTDIR is not set (run through meson test)}"
# shellcheck source=tests/lib-tmux.sh
. "$NCVIRT_TESTDIR/lib-tmux.sh"
nvt_init

q() { nvt_re_quote "$1"; }
pool_row() { echo "$1 +$(q "$2") +dir"; }

nvt_start 120 34 -- "$NCVIRT_BIN" -c test:///default
nvt_wait_for "Domains (" 15
nvt_keys 2
nvt_wait_for "┌─ Storage (1) ─"

# ---- the pool wizard: a validation error, then a pool ----
nvt_keys n
nvt_wait_for "New storage pool — step 1 of 4: Type and name"
nvt_wait_for "Type ‹ dir: a directory on the host ›"
nvt_keys Down
nvt_type "default-pool"
nvt_wait_for "pool 'default-pool' exists already"
nvt_keys C-n
nvt_wait_for "fix the marked field first"
nvt_assert_has "step 1 of 4"
nvt_keys C-u
nvt_type "e2e-pool"
nvt_wait_gone "exists already"
nvt_keys C-n
nvt_wait_for "step 2 of 4: Source and target"
nvt_wait_for "Target path /var/lib/libvirt/images/e2e-pool"
nvt_keys C-u
nvt_type "relative/dir"
nvt_wait_for "must be absolute"
nvt_keys C-n
nvt_assert_has "step 2 of 4"
nvt_keys C-u
nvt_type "/e2e/pool"
nvt_keys C-n
nvt_wait_for "step 3 of 4: Options"
nvt_wait_for "creates the target directory"
nvt_keys C-n
nvt_wait_for "step 4 of 4: Summary"
nvt_wait_all 3 "A new storage pool 'e2e-pool' of type dir." '<pool type="dir">' \
    "<name>e2e-pool</name>" "<path>/e2e/pool</path>" "Start with the host: yes"
nvt_ok "pool wizard: taken name and relative path refused, summary with the XML"
nvt_keys C-n
nvt_wait_for "created pool 'e2e-pool'"
nvt_wait_for "┌─ Storage (2) ─"
nvt_wait_re "running +e2e-pool +dir .* yes"
nvt_ok "the pool is defined, built, started and autostarted"

# ---- a cancelled wizard creates nothing ----
nvt_keys n
nvt_wait_for "New storage pool — step 1 of 4"
nvt_keys Down
nvt_type "never"
nvt_keys Escape
nvt_wait_for "Leave the wizard? Nothing has been created."
nvt_keys y
nvt_wait_for "┌─ Storage (2) ─"
nvt_assert_lacks "never"
nvt_ok "a cancelled wizard leaves nothing"

# ---- pool actions: build, stop (confirmed), start, autostart, refresh ----
nvt_keys Home j
nvt_wait_re "┌─ e2e-pool ─"
nvt_keys b
nvt_wait_for "pool 'e2e-pool' is running: stop it (S) before building it"
nvt_keys S
nvt_wait_for "Stop pool 'e2e-pool'?"
nvt_keys y
nvt_wait_for "stopped pool 'e2e-pool'"
nvt_wait_re "$(pool_row inactive e2e-pool)"
nvt_keys b
nvt_wait_for "built pool 'e2e-pool'"
nvt_keys s
nvt_wait_for "started pool 'e2e-pool'"
nvt_wait_re "$(pool_row running e2e-pool)"
nvt_keys a
nvt_wait_for "pool 'e2e-pool' no longer starts with the host"
nvt_wait_re "running +e2e-pool +dir .* no "
nvt_keys R
nvt_wait_for "refreshed pool 'e2e-pool'"
nvt_ok "b only on a stopped pool; S (confirmed) stops, s starts, a: autostart off, R refreshes"

# ---- the volume wizard: a bad size, then a volume ----
nvt_keys N
nvt_wait_for "New volume — step 1 of 4: Contents"
nvt_wait_for "A new volume in pool 'e2e-pool'."
nvt_keys C-n
nvt_wait_for "step 3 of 4: Volume"
nvt_type "vol1.qcow2"
nvt_keys Tab Tab
nvt_type "12Q"
nvt_wait_for "unknown unit 'Q'"
nvt_keys C-n
nvt_wait_for "fix the marked field first"
nvt_keys C-u
nvt_type "1G"
nvt_keys C-n
nvt_wait_for "step 4 of 4: Summary"
nvt_wait_all 3 "A new volume 'vol1.qcow2' of 1.0 GiB in pool 'e2e-pool'." \
    '<capacity unit="bytes">1073741824</capacity>' '<format type="qcow2"/>'
nvt_keys C-n
nvt_wait_for "created volume 'vol1.qcow2'"
nvt_wait_re "vol1\\.qcow2 +qcow2 +capacity 1\\.0 GiB"
nvt_ok "volume wizard: bad size refused, the volume created"

# ---- into the volumes: resize (unsupported here), delete with its users named ----
nvt_keys Enter
nvt_wait_for "Volumes (↑↓ pick, Esc back)"
nvt_wait_re "▶ vol1\\.qcow2"
nvt_wait_for "used by: no domain"
nvt_keys z
nvt_wait_for "Resize 'vol1.qcow2'"
nvt_wait_for "> 1G"
nvt_keys BSpace
nvt_type "2G"
nvt_keys Enter
nvt_wait_for "cannot resize volume 'vol1.qcow2'"
nvt_keys d
nvt_wait_for "Delete volume 'vol1.qcow2' of pool 'e2e-pool'? Its data is lost."
nvt_wait_for "No domain uses it."
nvt_keys n
nvt_wait_for "cancelled"
nvt_assert_re "▶ vol1\\.qcow2"
nvt_keys d
nvt_wait_for "Delete volume 'vol1.qcow2'"
nvt_keys y
nvt_wait_for "deleted volume 'vol1.qcow2'"
nvt_wait_for "no volumes"
nvt_ok "Enter picks volumes; z reports the driver's refusal; d asks, names the users, deletes"

# ---- an upload that fails removes the volume the wizard made for it ----
printf 'CD001 ncvirt e2e %.0s' {1..2000} >"$NVT_TMP/disc.iso"
nvt_keys Escape
nvt_wait_for "Volumes"
nvt_keys N
nvt_wait_for "step 1 of 4: Contents"
nvt_keys Space
nvt_wait_for "a copy of a local file (upload)"
nvt_keys C-n
nvt_wait_for "step 2 of 4: Source"
nvt_type "$NVT_TMP/missing.iso"
nvt_wait_for "cannot open"
nvt_keys C-u
nvt_type "$NVT_TMP/disc.iso"
nvt_keys C-n
nvt_wait_for "step 3 of 4: Volume"
nvt_wait_for "Name       disc.iso"
nvt_wait_for "Format     raw"
nvt_keys C-n
nvt_wait_for "Then $NVT_TMP/disc.iso"
nvt_keys C-n
# Too long for the status line: the whole answer in a dialog as well.
nvt_wait_for "upload into 'disc.iso' failed, the new volume was deleted" 10
nvt_wait_for "What libvirt answered, in full:"
nvt_assert_has "cannot upload into volume 'disc.iso'"
nvt_keys Escape
nvt_wait_gone "What libvirt answered"
nvt_wait_for "no volumes"
nvt_ok "a failed upload deletes the volume created for it"

# ---- delete the pool and its data ----
nvt_keys D
nvt_wait_for "Delete pool 'e2e-pool':"
nvt_wait_for "Remove the definition only (the data stays)"
nvt_keys Down Enter
nvt_wait_for "DELETE pool 'e2e-pool' AND ALL ITS DATA?"
nvt_wait_for "This cannot be undone."
nvt_wait_for "It runs: it is stopped first."
nvt_keys y
nvt_wait_for "deleted pool 'e2e-pool' and its data"
nvt_wait_for "┌─ Storage (1) ─"
nvt_ok "D with 'delete the data too' asks in capitals and removes the pool"

nvt_keys q
nvt_wait_for "EXIT=0" 5
nvt_done
