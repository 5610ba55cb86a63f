#!/usr/bin/env bash
# End to end, against libvirt's test driver: the connection manager in the Hosts pane. A
# connection to a test-driver node file is added through the guided form (the URI shown as the
# fields change), saved and connected; the config file holds it, mode 0600, no password. After
# a restart without -c, autoconnect opens it again under its saved name; it is edited (renamed,
# through the whole-URI field), connected, disconnected and removed with a confirmation.
# XDG_CONFIG_HOME is the test's temp dir (lib-tmux.sh). No traffic leaves the machine.
set -uo pipefail

: "${NCVIRT_TESTDIR:?NCVIRT_TESTDIR is not set (run through meson test)}"
# shellcheck source=tests/lib-tmux.sh
. "$NCVIRT_TESTDIR/lib-tmux.sh"
nvt_init

node="$NVT_TMP/x.xml"
cat >"$node" <<'XML'
<node>
  <domain type="test"><name>cm-only-x</name><memory>65536</memory><vcpu>1</vcpu>
    <os><type>hvm</type></os></domain>
</node>
XML
config="$NVT_TMP/config/ncvirt/config"
uri="test://$node"

retype() {
    nvt_keys C-u
    nvt_type "$1"
}

# Presses Space on the focused choice until its value shows.
pick() {
    local i
    for ((i = 0; i < 8; i++)); do
        nvt_capture
        nvt_has_re "$1" && return 0
        nvt_keys Space
        sleep 0.2
    done
    nvt_wait_re "$1" 1
}

hosts_pane() {
    nvt_keys 4
    nvt_wait_for "Hosts ("
}

# ---- add through the guided form ----

nvt_start 120 40 -- "$NCVIRT_BIN" -c test:///default
nvt_wait_for "Domains ("
hosts_pane
nvt_keys a
nvt_wait_for "step 1 of 3: Host"
nvt_assert_has "URI: (the ssh transport needs a host)"
nvt_ok "the form opens on an ssh connection; the URI line says what is missing"
# Describe it: field by field; Hypervisor: qemu -> ... -> test driver.
nvt_keys Tab
pick "Hypervisor +(‹ )?test driver"
nvt_keys Tab
retype "$node"
# Transport: ssh -> ... -> local.
nvt_keys Tab
pick "Transport +(‹ )?local"
nvt_wait_for "URI: $uri"
nvt_assert_lacks "Host name or"
nvt_ok "the URI follows the fields: $uri"
nvt_keys C-n
nvt_wait_for "step 2 of 3: Name and options"
nvt_assert_has "test x.xml"
retype cmx
nvt_keys C-n
nvt_wait_for "A new connection 'cmx'"
nvt_assert_has "URI: $uri"
nvt_assert_has "Connect at start: yes"
nvt_keys C-n
nvt_wait_for "saved connection 'cmx'"
nvt_wait_re "cmx +connected"
nvt_ok "the connection is saved and connects; its row shows"
nvt_keys 1
nvt_wait_re "cmx +▶ running +cm-only-x"
nvt_assert_re "default +▶ running +test "
nvt_ok "its domains appear in the Domains pane beside the first host's, with its name"
hosts_pane

[[ -f $config ]] || nvt_fail "no config file at $config"
grep -qxF "[connection cmx]" "$config" || nvt_fail "no [connection cmx] in $(cat "$config")"
grep -qxF "uri=$uri" "$config" || nvt_fail "no uri=$uri in $(cat "$config")"
grep -qxF "autoconnect=true" "$config" || nvt_fail "no autoconnect=true in $(cat "$config")"
[[ $(stat -c %a "$config") == 600 ]] || nvt_fail "config mode $(stat -c %a "$config")"
[[ $(stat -c %a "${config%/config}") == 700 ]] || nvt_fail "config dir mode is not 700"
grep -qi "password" "$config" && nvt_fail "a password in the config file"
nvt_ok "the config file has it, mode 0600 in a 0700 directory, no password"

# A URI with a password is refused on the form's first step.
nvt_keys a
nvt_wait_for "step 1 of 3: Host"
pick "Describe it +(‹ )?a whole URI"
nvt_keys Tab
nvt_type "qemu+ssh://root:secret@h/system"
nvt_wait_for "may not hold a password"
nvt_keys C-n
nvt_wait_for "step 1 of 3: Host"
nvt_keys Escape
nvt_wait_for "Cancel"
nvt_keys y
nvt_wait_gone "step 1 of 3"
grep -q secret "$config" && nvt_fail "the password reached the config file"
nvt_ok "a URI with a password is refused"

nvt_keys q
nvt_wait_for EXIT=0

# ---- restart without -c: autoconnect; a bad group is reported with its line ----

bad_line=$(($(wc -l <"$config") + 2))
printf '[connection broken]\nuri=qemu+carrier://h/system\n' >>"$config"
nvt_start 120 40 -- "$NCVIRT_BIN"
nvt_wait_for "Domains ("
nvt_wait_for "config:$bad_line: connection 'broken' skipped: unknown transport 'carrier'"
nvt_ok "a bad connection group is reported at start with its line ($bad_line)"
nvt_wait_for "cm-only-x" 10
hosts_pane
nvt_wait_re "cmx +connected"
nvt_ok "autoconnect opens it again at start, under its saved name"

# ---- edit: the form comes back filled in ----

nvt_keys e
nvt_wait_for "step 1 of 3: Host"
nvt_assert_has "URI: $uri"
nvt_assert_re "Hypervisor +test driver"
nvt_assert_re "Transport +local"
nvt_ok "edit opens the form filled in"
nvt_keys C-n
nvt_wait_for "step 2 of 3"
nvt_assert_has "cmx"
retype cmy
nvt_keys C-n
nvt_wait_for "The connection 'cmy', changed"
nvt_keys C-n
nvt_wait_for "saved connection 'cmy'"
nvt_wait_re "cmy +connected"
grep -qxF "[connection cmy]" "$config" || nvt_fail "no [connection cmy] in $(cat "$config")"
grep -qF "[connection cmx]" "$config" && nvt_fail "[connection cmx] still in the config file"
grep -qxF "[connection broken]" "$config" || nvt_fail "the save dropped the bad group"
nvt_ok "edit renames it in the file and in the list; the bad group stays for the user"
nvt_keys q
nvt_wait_for EXIT=0

# ---- connect, disconnect, remove ----

nvt_start 120 40 -- "$NCVIRT_BIN" -c test:///default
nvt_wait_for "Domains ("
hosts_pane
nvt_wait_re "cmy +not connected"
nvt_ok "a saved connection not open shows as not connected"
nvt_keys j c
nvt_wait_re "cmy +connected"
nvt_ok "c connects it"
nvt_keys d
nvt_wait_for "disconnected from cmy"
nvt_wait_re "cmy +not connected"
nvt_ok "d disconnects it; it stays saved"
nvt_keys D
nvt_wait_for "Remove the saved connection 'cmy'"
nvt_keys n
nvt_wait_gone "Remove the saved connection"
grep -qxF "[connection cmy]" "$config" || nvt_fail "no answers removed it anyway"
nvt_keys D
nvt_wait_for "Remove the saved connection 'cmy'"
nvt_keys y
nvt_wait_for "removed connection 'cmy'"
nvt_wait_gone "cmy "
grep -qF "[connection cmy]" "$config" && nvt_fail "[connection cmy] still in the config file"
nvt_ok "D removes it after a confirmation (n keeps it)"
# The last host too may go: the panes are empty, keys still work.
nvt_keys d
nvt_wait_for "disconnected from default"
nvt_wait_for "Hosts (0)"
nvt_keys 1
nvt_wait_for "Domains (0)"
nvt_ok "the last open connection can be disconnected too"
nvt_keys q
nvt_wait_for EXIT=0
nvt_done
