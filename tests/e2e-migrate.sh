#!/usr/bin/env bash
# shellcheck disable=SC2317 # functions called through nvt_wait_until and the cleanup hooks
# End to end, the migration flow (M) in tmux against test-driver hosts, which cannot migrate:
# with one host M refuses at once with its reason; with two (hv-east has "mover" on network
# "lan", hv-west has no such network) M asks the host, the options, the storage and the limits,
# then the check lists its blockers next to the summary, and nothing starts: no job bar, the
# domain stays on hv-east only. P without a running migration says so.
set -uo pipefail

: "${NCVIRT_TESTDIR:?NCVIRT_TESTDIR is not set (run through meson test)}"
# shellcheck source=tests/lib-tmux.sh
. "$NCVIRT_TESTDIR/lib-tmux.sh"
nvt_init

east="$NVT_TMP/hv-east.xml"
west="$NVT_TMP/hv-west.xml"
cat >"$east" <<XML
<node>
  <network><name>lan</name><bridge name="nvmlan0"/></network>
  <domain type="test"><name>mover</name><memory>65536</memory><vcpu>1</vcpu>
    <os><type>hvm</type></os>
    <devices><interface type="network"><source network="lan"/></interface></devices>
  </domain>
</node>
XML
cat >"$west" <<XML
<node>
  <domain type="test"><name>beta</name><memory>65536</memory><vcpu>1</vcpu>
    <os><type>hvm</type></os></domain>
</node>
XML

# One host: nowhere to go.
nvt_start 130 32 -- "$NCVIRT_BIN" -c "test://$east"
nvt_wait_for "Domains (1)" 10
nvt_keys M
nvt_wait_for "Cannot migrate: no other host is open"
nvt_ok "one host: M refuses with its reason"
nvt_stop

nvt_start 130 40 -- "$NCVIRT_BIN" -c "test://$east" -c "test://$west"
nvt_wait_for "Domains (2)" 10
nvt_keys P
nvt_wait_for "No migration of this domain is running."
nvt_ok "P without a migration says so"

nvt_keys /
nvt_type mover
nvt_keys Enter
nvt_wait_for "Domains (1 of 2) /mover"
nvt_keys M
nvt_wait_for "Migrate to which host?"
nvt_assert_has "Move from hv-east to:"
nvt_assert_has "hv-west  test://$west"
nvt_assert_lacks "hv-east  test://"
nvt_ok "the host menu lists the other host only"
nvt_keys Enter
nvt_wait_for "Migrate 'mover' to hv-west"
nvt_assert_has "Keep it defined at the destination"
nvt_assert_has "Allow post-copy (P switches while it runs)"
nvt_keys Enter
nvt_wait_for "Migrate: storage"
nvt_keys Enter
nvt_wait_for "Migrate: limits"
nvt_type " bogus"
nvt_keys Enter
nvt_wait_for "cannot read 'bogus'"
nvt_ok "the limits line refuses what it cannot read"
for _ in $(seq 1 40); do nvt_keys BSpace; done
nvt_type "bandwidth=50 downtime=300 address=127.0.0.1"
nvt_keys Enter
nvt_wait_for "Cannot migrate"
nvt_assert_has "nothing was started"
nvt_assert_has "move 'mover' from hv-east to hv-west while it runs"
nvt_assert_has "at most 50 MiB/s"
nvt_assert_has "migration stream to 127.0.0.1"
nvt_assert_re "✗ network 'lan' does not exist on hv-west"
nvt_ok "the check shows its blockers with the summary"
nvt_keys Escape
nvt_wait_gone "Cannot migrate"
nvt_assert_lacks "migrate mover"
nvt_keys Escape
nvt_wait_for "Domains (2)"
nvt_assert_re "hv-east +. running +mover"
nvt_lacks_re "hv-west +. [a-z ]+ +mover" || nvt_fail "mover shows on hv-west"
nvt_ok "nothing started: no job, mover still on hv-east only"
nvt_done
