#!/usr/bin/env bash
# shellcheck disable=SC2317 # functions called through nvt_wait_until and the cleanup hooks
# End to end, two hosts in one list: ncvirt in tmux with `-c` twice on two test-driver files
# (hv-east: alpha and shared, hv-west: beta and shared). The Host column names the right host
# on each row; the filter matches host names; the scope key shows one host, the other, then
# all; a pause on hv-west's row changes only that row; marks on the two "shared" stay apart;
# the Hosts pane lists both; with -r every host refuses a change at once, with its reason.
set -uo pipefail

: "${NCVIRT_TESTDIR:?NCVIRT_TESTDIR is not set (run through meson test)}"
# shellcheck source=tests/lib-tmux.sh
. "$NCVIRT_TESTDIR/lib-tmux.sh"
nvt_init

node() { # node FILE UUID-DIGIT OTHER-DOMAIN
    cat >"$1" <<XML
<node>
  <domain type="test"><name>shared</name><uuid>$2$2$2$2$2$2$2$2-$2$2$2$2-$2$2$2$2-$2$2$2$2-$2$2$2$2$2$2$2$2$2$2$2$2</uuid>
    <memory>65536</memory><vcpu>1</vcpu><os><type>hvm</type></os></domain>
  <domain type="test"><name>$3</name><memory>65536</memory><vcpu>2</vcpu>
    <os><type>hvm</type></os></domain>
</node>
XML
}
east="$NVT_TMP/hv-east.xml"
west="$NVT_TMP/hv-west.xml"
node "$east" 1 alpha
node "$west" 2 beta

# A row of the Domains list: mark, host, glyph, state, name (the list box's left edge first).
row() { # row MARK HOST STATE NAME
    echo "^│$1 $2 +. $3 +$4 "
}

nvt_start 130 30 -- "$NCVIRT_BIN" -c "test://$east" -c "test://$west"
nvt_wait_for "2 hosts" 10
nvt_wait_for "Domains (4)" 10
nvt_wait_re "all hosts \(4/4 running\)"
nvt_assert_re "$(row ' ' hv-east running alpha)"
nvt_assert_re "$(row ' ' hv-east running shared)"
nvt_assert_re "$(row ' ' hv-west running beta)"
nvt_assert_re "$(row ' ' hv-west running shared)"
nvt_assert_re "│ +Host +State"
nvt_lacks_re "hv-east +. running +beta" || nvt_fail "beta shown on hv-east"
nvt_lacks_re "hv-west +. running +alpha" || nvt_fail "alpha shown on hv-west"
nvt_ok "the Host column names each row's own host"

# The filter matches host names.
nvt_keys /
nvt_type west
nvt_keys Enter
nvt_wait_for "Domains (2 of 4) /west"
nvt_assert_re "$(row ' ' hv-west running beta)"
nvt_lacks_re "hv-east +. running" || nvt_fail "the filter 'west' shows hv-east rows"
nvt_keys Escape
nvt_wait_for "Domains (4)"
nvt_ok "the filter matches the host name"

# The scope key: hv-east only, hv-west only, all again.
nvt_keys H
nvt_wait_re "2 hosts ▾  hv-east \(2/2 running\)"
nvt_wait_for "Domains (2)"
nvt_assert_re "$(row ' ' hv-east running alpha)"
nvt_lacks_re "hv-west +. running" || nvt_fail "hv-west rows shown in hv-east's scope"
nvt_keys H
nvt_wait_re "2 hosts ▾  hv-west \(2/2 running\)"
nvt_assert_re "$(row ' ' hv-west running beta)"
nvt_lacks_re "hv-east +. running" || nvt_fail "hv-east rows shown in hv-west's scope"
nvt_keys H
nvt_wait_re "all hosts \(4/4 running\)"
nvt_wait_for "Domains (4)"
nvt_ok "H shows one host, the other, then all"

# Sorting: the Host column first, then reversed (hv-west's rows on top), then back.
nvt_keys o
nvt_wait_re "│ +Host▲ +State"
nvt_keys O
nvt_wait_re "│ +Host▼ +State"
second=$(nvt_line 4)
[[ $second == *"hv-west"* ]] || nvt_fail "reversed by host, the first row is not hv-west's: $second"
nvt_keys O
nvt_wait_re "│ +Host▲ +State"
nvt_ok "the Host column sorts"

# Pause hv-west's shared (the last row): only that row changes.
nvt_keys End p
nvt_wait_re "$(row ' ' hv-west paused shared)" 10
nvt_assert_re "$(row ' ' hv-east running shared)"
nvt_wait_re "hv-west 1/2"
nvt_ok "a pause on hv-west's row pauses hv-west's shared only"

# Mark hv-east's shared (second row): hv-west's shared stays unmarked; pause acts on the mark.
nvt_keys Home Down Space
nvt_wait_for "1 marked"
nvt_assert_re "$(row '\*' hv-east running shared)"
nvt_assert_re "$(row ' ' hv-west paused shared)"
nvt_keys p
nvt_wait_re "$(row '\*' hv-east paused shared)" 10
nvt_assert_re "$(row ' ' hv-west paused shared)"
nvt_assert_re "$(row ' ' hv-west running beta)"
nvt_ok "marks on the two 'shared' stay apart"

# A wizard asks which host first; Escape cancels it. The help lists the scope key.
nvt_keys n
nvt_wait_for "Which host?"
nvt_assert_re "hv-east +test:///"
nvt_assert_re "hv-west +test:///"
nvt_keys Escape
nvt_wait_gone "Which host?"
nvt_keys "?"
nvt_wait_for "Help"
nvt_keys NPage NPage NPage NPage
nvt_wait_re "H +host-scope +Show one host"
nvt_keys Escape
nvt_wait_gone "host-scope"
nvt_ok "the new-VM wizard asks which host; the help lists H host-scope"

# The Hosts pane: one row per connection.
nvt_keys 4
nvt_wait_re "│hv-east +connected +rw +1/2 +test:///"
nvt_assert_re "│hv-west +connected +rw +1/2 +test:///"
nvt_ok "the Hosts pane lists both hosts"
nvt_keys q
nvt_wait_for "EXIT=0" 3

# Read-only: marked in the header and the Hosts pane, and a change is refused at once.
nvt_start 130 30 -- "$NCVIRT_BIN" -r -c "test://$east" -c "test://$west"
nvt_wait_for "Domains (4)" 10
nvt_wait_re "hv-east 2/2 ro · hv-west 2/2 ro"
nvt_keys End p
nvt_wait_for "hv-west is read-only (-r)"
nvt_assert_re "$(row ' ' hv-west running shared)"
nvt_keys Home S
nvt_wait_for "hv-east is read-only (-r)"
# The wizard's host menu starts on the selected row's host (hv-west), which refuses.
nvt_keys End n
nvt_wait_for "Which host?"
nvt_keys Enter
nvt_wait_for "hv-west is read-only (-r)"
nvt_assert_lacks "New virtual machine"
nvt_keys 4
nvt_wait_re "│hv-east +connected +ro "
nvt_ok "read-only hosts are marked and refuse a change with the reason"
nvt_keys q
nvt_wait_for "EXIT=0" 3

nvt_done
