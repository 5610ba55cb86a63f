#!/usr/bin/env bash
# shellcheck disable=SC2317 # functions called through nvt_wait_until and the cleanup hooks
# End to end, against libvirt's test driver: the new-network wizard in tmux. A name that exists
# and a DHCP range outside the subnet are refused on their steps with the reason; a bad static
# host is refused, a good one added; the summary shows the XML; cancel creates nothing. Then a
# network is created through the wizard, its details show the static host and the DNS domain,
# and it is stopped, started and deleted with the pane's keys. No traffic is sent anywhere.
set -uo pipefail

: "${NCVIRT_TESTDIR:?NCVIRT_TESTDIR is not set (run through meson test)}"
# shellcheck source=tests/lib-tmux.sh
. "$NCVIRT_TESTDIR/lib-tmux.sh"
nvt_init

nvt_start 110 40 -- "$NCVIRT_BIN" -c test:///default
nvt_wait_for "Domains ("
nvt_keys 3
nvt_wait_for "Networks (2)"

# Clears the focused field and types into it.
retype() {
    nvt_keys C-u
    nvt_type "$1"
}

open_wizard() {
    nvt_keys n
    nvt_wait_for "step 1 of 5: Name and mode"
}

# ---- refusals, then cancel ----

open_wizard
retype default
nvt_keys C-n
nvt_wait_for "a network called 'default' exists"
nvt_assert_has "step 1 of 5"
nvt_ok "a name that exists is refused on step 1"

retype nvt-wiz
nvt_keys C-n
nvt_wait_for "step 2 of 5: Connection"
nvt_keys C-n
nvt_wait_for "step 3 of 5: Addresses"
nvt_assert_has "192.168.100.1/24"
nvt_assert_has "192.168.100.254"
nvt_ok "the subnet and its DHCP range are suggested"

# IPv4 subnet, DHCP, then the range start.
nvt_keys Tab Tab
retype 10.9.9.9
nvt_keys C-n
nvt_wait_for "the DHCP start 10.9.9.9 is outside the subnet 192.168.100.0/24"
nvt_assert_has "step 3 of 5"
nvt_ok "a DHCP range outside the subnet is refused on step 3"

retype 192.168.100.50
nvt_keys Tab
retype 192.168.100.40
nvt_keys C-n
nvt_wait_for "the DHCP range ends (192.168.100.40) before it starts (192.168.100.50)"
nvt_ok "a range that ends before it starts is refused"
retype 192.168.100.99
nvt_keys Tab Tab
retype lab.example
nvt_keys C-n
nvt_wait_for "step 4 of 5: Static DHCP hosts"

# The MAC field is focused first; a bad address is refused by the field itself.
nvt_type "52:54:00:00:00:1"
nvt_keys Tab
nvt_type 192.168.100.10
nvt_keys Tab Tab Enter
nvt_wait_for "a MAC address is six hex pairs"
# The field at fault has the focus.
retype 52:54:00:00:00:11
nvt_keys Tab
retype 192.168.200.10
nvt_keys Tab Tab Enter
nvt_wait_for "the address 192.168.200.10 is outside the subnet 192.168.100.0/24"
nvt_ok "a static host outside the subnet is refused"
retype 192.168.100.10
nvt_keys Tab
nvt_type web
nvt_keys Tab Enter
nvt_wait_for "52:54:00:00:00:11  192.168.100.10  web"
nvt_ok "a static host is added"

nvt_keys C-n
nvt_wait_for "step 5 of 5: Summary"
nvt_wait_all 3 '<range start="192.168.100.50" end="192.168.100.99"/>' \
    '<host mac="52:54:00:00:00:11" name="web" ip="192.168.100.10"/>' \
    '<domain name="lab.example"/>' '<forward mode="nat"/>'
nvt_ok "the summary shows the full XML"

nvt_keys Escape
nvt_wait_for "Nothing has been created"
nvt_keys y
nvt_wait_for "Networks (2)"
nvt_assert_lacks "nvt-wiz"
nvt_ok "cancel creates nothing"

# ---- create, look, stop, start, delete ----

open_wizard
retype nvt-made
nvt_keys C-n
nvt_wait_for "step 2 of 5"
nvt_keys C-n
nvt_wait_for "step 3 of 5"
nvt_keys Tab Tab Tab Tab Tab
retype made.example
nvt_keys C-n
nvt_wait_for "step 4 of 5"
nvt_type 52:54:00:00:00:22
nvt_keys Tab
nvt_type 192.168.100.22
nvt_keys Tab
nvt_type db
# Next with an entry typed but not added: it is added, not dropped.
nvt_keys C-n
nvt_wait_for "step 5 of 5"
nvt_assert_has '<host mac="52:54:00:00:00:22" name="db" ip="192.168.100.22"/>'
nvt_keys C-n
nvt_wait_for "created network 'nvt-made'"
nvt_wait_for "Networks (3)"
nvt_wait_all 5 "┌─ nvt-made ─" "DNS domain" "made.example" "52:54:00:00:00:22" "192.168.100.22  db"
nvt_ok "the new network is selected; its details show the DNS domain and the static host"

nvt_keys S
nvt_wait_for "Stop network 'nvt-made'?"
nvt_assert_has "No domain uses it."
nvt_keys y
nvt_wait_for "stopped network 'nvt-made'"
nvt_wait_re "inactive +nvt-made"
nvt_keys s
nvt_wait_for "started network 'nvt-made'"
nvt_wait_re "active +nvt-made"
nvt_ok "stop (confirmed) and start"

nvt_keys L
nvt_wait_for "cannot read the DHCP leases of network 'nvt-made'"
nvt_ok "leases: the test driver's refusal is shown"

nvt_keys D
nvt_wait_for "Delete network 'nvt-made'?"
nvt_assert_has "This cannot be undone."
nvt_keys n
nvt_wait_for "cancelled: network 'nvt-made' is unchanged"
nvt_keys D
nvt_wait_for "Delete network 'nvt-made'?"
nvt_keys y
nvt_wait_for "deleted network 'nvt-made'"
nvt_wait_for "Networks (2)"
nvt_ok "delete asks, and deletes"

# The stock network: the stock domain uses it, and the question says so loudly.
nvt_keys g D
nvt_wait_for "Delete network 'default'?"
nvt_assert_has "WARNING: 1 domain uses it"
nvt_assert_re "• test *│"
nvt_keys Escape
nvt_wait_for "cancelled: network 'default' is unchanged"
nvt_ok "delete names the domains that use the network"

nvt_keys q
nvt_wait_for EXIT=0
nvt_done
