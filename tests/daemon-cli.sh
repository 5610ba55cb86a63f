#!/usr/bin/env bash
# ncvirt --list / --list --json against the local daemon (qemu:///system), with a uniquely
# named domain defined for the test and removed afterwards. Skips (77) only when the daemon
# cannot run here; says why.
set -uo pipefail

: "${NCVIRT_BIN:?NCVIRT_BIN is not set (run through meson test)}"
: "${NCVIRT_SRCDIR:?NCVIRT_SRCDIR is not set (run through meson test)}"
: "${NCVIRT_TESTDIR:?NCVIRT_TESTDIR is not set (run through meson test)}"
export LC_ALL=C.UTF-8
unset LIBVIRT_DEFAULT_URI
uri=qemu:///system

# shellcheck source=tests/lib-daemon.sh
. "$NCVIRT_TESTDIR/lib-daemon.sh"
nvd_need_root "$uri"
nvd_need_command libvirtd "run scripts/bootstrap"
nvd_need_command virsh "run scripts/bootstrap"
nvd_start_daemon

name="nvtest-$$-cli"
title="ncvirt cli test $$"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/nvtest-cli-daemon-XXXXXX")
cleanup() {
    virsh -q -c "$uri" destroy "$name" >/dev/null 2>&1
    virsh -q -c "$uri" undefine "$name" >/dev/null 2>&1
    rm -rf -- "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

failures=0
pass() { echo "ok - $*"; }
fail() {
    echo "not ok - $*"
    failures=$((failures + 1))
}
check() {
    local what=$1
    shift
    if "$@"; then pass "$what"; else fail "$what"; fi
}
nv() {
    rc=0
    "$NCVIRT_BIN" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null || rc=$?
}

# One object of the --json output, compared field by field.
jdomain() {
    python3 - "$@" <<'PY'
import json
import sys

path, name, uuid, state, vcpus, mem, title = sys.argv[1:8]
data = json.load(open(path, encoding="utf-8"))
found = [o for o in data if o["name"] == name]
assert len(found) == 1, "%d objects named %r" % (len(found), name)
o = found[0]
want = {"uuid": uuid, "state": state, "vcpus": int(vcpus), "max_memory_kib": int(mem),
        "title": title}
for key, value in want.items():
    assert o[key] == value, "%s: %r, expected %r" % (key, o[key], value)
if state == "shut off":
    assert o["id"] == -1, "id %r for a shut off domain" % o["id"]
else:
    assert o["id"] > 0, "id %r for a running domain" % o["id"]
PY
}

cat >"$tmp/dom.xml" <<EOF
<domain type='qemu'>
  <name>$name</name>
  <title>$title</title>
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64'>hvm</type></os>
  <on_poweroff>destroy</on_poweroff>
  <devices>
    <serial type='pty'><target port='0'/></serial>
    <console type='pty'><target type='serial' port='0'/></console>
  </devices>
</domain>
EOF
if ! out=$(virsh -q -c "$uri" define "$tmp/dom.xml" 2>&1); then
    echo "not ok - virsh define: $out"
    exit 1
fi
uuid=$(virsh -q -c "$uri" domuuid "$name")

nv -c "$uri" --list
check "--list exits 0" test "$rc" -eq 0
check "--list has a header" \
    grep -Eq '^ *Name +State +vCPUs +Memory +Title *$' <(head -n 1 "$tmp/out")
check "--list shows $name shut off with its title" \
    grep -Eq "^ *$name +shut off +1 .*$title" "$tmp/out"
want_rows=$(virsh -q -c "$uri" list --all --name | grep -c .)
check "--list has one row per domain ($want_rows)" \
    test "$(wc -l <"$tmp/out")" -eq $((want_rows + 1))
nv --list
check "qemu:///system is the default URI" grep -Eq "^ *$name " "$tmp/out"

nv -c "$uri" --list --json
check "--json exits 0" test "$rc" -eq 0
check "--json is valid JSON" python3 -m json.tool "$tmp/out" /dev/null
check "--json: $name shut off, 1 vCPU, 64 MiB, title" \
    jdomain "$tmp/out" "$name" "$uuid" "shut off" 1 65536 "$title"

if out=$(virsh -q -c "$uri" start "$name" 2>&1); then
    nv -c "$uri" --list --json
    check "--json: $name running after virsh start" \
        jdomain "$tmp/out" "$name" "$uuid" running 1 65536 "$title"
    nv -r -c "$uri" --list
    check "-r --list shows $name running" grep -Eq "^ *$name +running " "$tmp/out"
    virsh -q -c "$uri" destroy "$name" >/dev/null 2>&1
else
    fail "virsh start $name: $out"
fi

echo "$failures failed"
[[ $failures -eq 0 ]]
