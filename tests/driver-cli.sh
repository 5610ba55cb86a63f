#!/usr/bin/env bash
# The non-interactive command line against libvirt's test driver: --version, --help, --list and
# --list --json on test:///default and on a generated 500-domain node file, a bad URI. virsh is
# the reference for every expected value. Never skips.
set -uo pipefail

: "${NCVIRT_BIN:?NCVIRT_BIN is not set (run through meson test)}"
: "${NCVIRT_TESTDIR:?NCVIRT_TESTDIR is not set (run through meson test)}"
workdir=${NCVIRT_BUILDDIR:-${TMPDIR:-/tmp}}
export LC_ALL=C.UTF-8
unset LIBVIRT_DEFAULT_URI

tmp=$(mktemp -d "${TMPDIR:-/tmp}/nvtest-cli-XXXXXX")
node="$workdir/cli-node-$$.xml"
trap 'rm -rf -- "$tmp" "$node" "$node.expect"' EXIT

failures=0
pass() { echo "ok - $*"; }
fail() {
    echo "not ok - $*"
    failures=$((failures + 1))
}
# check DESCRIPTION COMMAND...: passes when the command succeeds.
check() {
    local what=$1
    shift
    if "$@"; then pass "$what"; else fail "$what"; fi
}

# Runs ncvirt with stdout, stderr and status in $tmp/out, $tmp/err, $rc.
nv() {
    rc=0
    "$NCVIRT_BIN" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null || rc=$?
}

# JSON checks in one place: python3 json-check.py KIND JSON-FILE [ARGS...]
cat >"$tmp/json-check.py" <<'PY'
import json
import sys

kind, path = sys.argv[1], sys.argv[2]
with open(path, encoding="utf-8") as f:
    data = json.load(f)
assert isinstance(data, list), "not a JSON array"
for obj in data:
    for key in ("name", "uuid", "state", "state_code", "id", "vcpus", "memory_kib",
                "max_memory_kib", "title"):
        assert key in obj, "object without %r: %r" % (key, obj)
if kind == "domain":
    name, uuid, state, vcpus, mem, maxmem, title = sys.argv[3:10]
    found = [o for o in data if o["name"] == name]
    assert len(found) == 1, "%d objects named %r" % (len(found), name)
    o = found[0]
    want = {"uuid": uuid, "state": state, "vcpus": int(vcpus), "memory_kib": int(mem),
            "max_memory_kib": int(maxmem), "title": title}
    for key, value in want.items():
        assert o[key] == value, "%s: %r, expected %r" % (key, o[key], value)
elif kind == "names":
    with open(sys.argv[3], encoding="utf-8") as f:
        want = sorted(line.strip() for line in f if line.strip())
    got = sorted(o["name"] for o in data)
    assert got == want, "names differ: %d vs %d, first difference %r" % (
        len(got), len(want), next(((g, w) for g, w in zip(got, want) if g != w), None))
elif kind == "states":
    # "name<TAB>state" lines as virsh list --all prints them (states as words)
    with open(sys.argv[3], encoding="utf-8") as f:
        want = dict(line.rstrip("\n").split("\t") for line in f if line.strip())
    for o in data:
        assert o["state"] == want[o["name"]], "%s: %r, virsh says %r" % (
            o["name"], o["state"], want[o["name"]])
print("%d objects" % len(data))
PY
jcheck() {
    python3 "$tmp/json-check.py" "$@" >"$tmp/jcheck" 2>&1 || {
        cat "$tmp/jcheck"
        return 1
    }
}

# Fields of `virsh dominfo`, by label.
dominfo() { virsh -q -c "$1" dominfo "$2" | sed -n "s/^$3: *//p" | sed 's/ KiB$//'; }
domtitle() {
    virsh -q -c "$1" dumpxml "$2" | python3 -c 'import sys, xml.etree.ElementTree as E
print(E.parse(sys.stdin).getroot().findtext("title") or "")'
}

# --version, --help
nv --version
check "--version exits 0" test "$rc" -eq 0
check "--version prints a version" grep -Eq '[0-9]+\.[0-9]+' "$tmp/out"
nv --help
check "--help exits 0" test "$rc" -eq 0
check "--help mentions --list" grep -q -- '--list' "$tmp/out"
check "--help mentions -c" grep -q -- '-c' "$tmp/out"

# --list on test:///default
uri=test:///default
nv -c "$uri" --list
check "--list exits 0" test "$rc" -eq 0
check "--list writes nothing on stderr" test ! -s "$tmp/err"
check "--list has a header (Name State vCPUs Memory Title)" \
    grep -Eq '^ *Name +State +vCPUs +Memory +Title *$' <(head -n 1 "$tmp/out")
check "--list has the 'test' row, running" grep -Eq '^ *test +running ' "$tmp/out"
check "--list has 2 lines (header + test)" test "$(wc -l <"$tmp/out")" -eq 2

nv -r -c "$uri" --list
check "-r --list works" grep -Eq '^ *test +running ' "$tmp/out"
rc=0
LIBVIRT_DEFAULT_URI=$uri "$NCVIRT_BIN" --list >"$tmp/out" 2>"$tmp/err" </dev/null || rc=$?
check "LIBVIRT_DEFAULT_URI is the default URI" grep -Eq '^ *test +running ' "$tmp/out"

# --list --json on test:///default, values from virsh
nv -c "$uri" --list --json
check "--list --json exits 0" test "$rc" -eq 0
check "--list --json is valid JSON" python3 -m json.tool "$tmp/out" /dev/null
want_uuid=$(virsh -q -c "$uri" domuuid test)
want_vcpus=$(dominfo "$uri" test 'CPU(s)')
want_mem=$(dominfo "$uri" test 'Used memory')
want_max=$(dominfo "$uri" test 'Max memory')
want_state=$(dominfo "$uri" test 'State')
want_title=$(domtitle "$uri" test)
check "--json 'test' object matches virsh dominfo" jcheck domain "$tmp/out" test \
    "$want_uuid" "$want_state" "$want_vcpus" "$want_mem" "$want_max" "$want_title"

# A generated 500-domain host
if python3 "$NCVIRT_TESTDIR/gen-node.py" --domains 500 --out "$node" 2>"$tmp/gen-err"; then
    pass "gen-node.py writes a 500-domain node file"
else
    fail "gen-node.py: $(cat "$tmp/gen-err")"
fi
big="test://$node"
virsh -q -c "$big" list --all --name | grep . >"$tmp/virsh-names"
check "virsh sees 500 domains" test "$(wc -l <"$tmp/virsh-names")" -eq 500
virsh -q -c "$big" list --all |
    awk '{ name = $2; $1 = $2 = ""; sub(/^ +/, ""); print name "\t" $0 }' >"$tmp/virsh-states"

nv -c "$big" --list
check "500: --list exits 0" test "$rc" -eq 0
check "500: --list has 501 lines (header + 500 rows)" test "$(wc -l <"$tmp/out")" -eq 501
check "500: --list shows dom-0001 paused" grep -Eq '^ *dom-0001 +paused ' "$tmp/out"
check "500: --list shows the CJK name" grep -q '虚拟机-0005' "$tmp/out"
# Titles may hold bidi overrides and C1 controls: the table must show none of them raw.
check "500: --list holds no raw U+202E / U+009B / ESC" \
    python3 -c 'import sys
t = open(sys.argv[1], encoding="utf-8").read()
sys.exit(any(c in t for c in "\u202e\u009b\x1b"))' "$tmp/out"
nv -c "$big" --list --json
check "500: --json exits 0" test "$rc" -eq 0
check "500: --json is valid JSON" python3 -m json.tool "$tmp/out" /dev/null
check "500: --json names match virsh list --all --name" jcheck names "$tmp/out" "$tmp/virsh-names"
check "500: --json states match virsh list --all" jcheck states "$tmp/out" "$tmp/virsh-states"
check "500: --json has 500 objects" grep -q '^500 objects$' "$tmp/jcheck"

# A bad URI: status 1, one line on stderr naming the URI, nothing on stdout.
bad=test:///nonexistent/file.xml
nv -c "$bad" --list
check "bad URI exits 1 (got $rc)" test "$rc" -eq 1
check "bad URI: exactly one line on stderr ($(wc -l <"$tmp/err"))" test "$(wc -l <"$tmp/err")" -eq 1
check "bad URI: the line says cannot connect to '$bad'" \
    grep -q "^ncvirt: cannot connect to '$bad': ." "$tmp/err"
check "bad URI: nothing on stdout" test ! -s "$tmp/out"
# libvirt's error text (which quotes the URI) reaches the terminal sanitised: an escape
# sequence in it shows as caret notation, never as the raw byte.
evil=$'test:///nonexistent/\e]0;owned\a\e[2J.xml'
nv --list -c "$evil"
check "hostile URI: exit status 1 (got $rc)" test "$rc" -eq 1
check "hostile URI: no raw ESC or BEL byte on stderr" \
    bash -c '! LC_ALL=C grep -q $'"'"'[\x1b\x07]'"'"' "$1"' _ "$tmp/err"
check "hostile URI: the escape shows as ^[" grep -qF '^[]0;owned^G^[[2J' "$tmp/err"

# Two hosts (-c twice): every domain of each with its host, the same name on both kept apart.
cat >"$tmp/a.xml" <<'XML'
<node>
  <domain type="test"><name>shared</name><memory>65536</memory><vcpu>1</vcpu>
    <os><type>hvm</type></os></domain>
  <domain type="test"><name>only-a</name><memory>65536</memory><vcpu>2</vcpu>
    <os><type>hvm</type></os></domain>
</node>
XML
sed 's/only-a/only-b/; s/<vcpu>1</<vcpu>3</' "$tmp/a.xml" >"$tmp/b.xml"
nv --list -c "test://$tmp/a.xml" -c "test://$tmp/b.xml"
check "two hosts: --list exits 0 (got $rc)" test "$rc" -eq 0
check "two hosts: header starts with Host" grep -Eq '^Host +Name +State' "$tmp/out"
check "two hosts: 5 lines (header + 4 rows)" test "$(wc -l <"$tmp/out")" -eq 5
check "two hosts: only-a on a" grep -Eq '^a +only-a ' "$tmp/out"
check "two hosts: only-b on b" grep -Eq '^b +only-b ' "$tmp/out"
check "two hosts: shared on a with 1 vCPU" grep -Eq '^a +shared +running +1 ' "$tmp/out"
check "two hosts: shared on b with 3 vCPUs" grep -Eq '^b +shared +running +3 ' "$tmp/out"
check "two hosts: no only-b on a" bash -c '! grep -Eq "^a +only-b" "$1"' _ "$tmp/out"
nv --list --json -c "test://$tmp/a.xml" -c "test://$tmp/b.xml"
check "two hosts: --json exits 0" test "$rc" -eq 0
check "two hosts: --json objects carry their host" python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
got = sorted((o["host"], o["name"], o["vcpus"]) for o in d)
sys.exit(got != [("a", "only-a", 2), ("a", "shared", 1), ("b", "only-b", 2), ("b", "shared", 3)])
' "$tmp/out"
# One host as before: no Host column, no host field.
nv --list -c "test://$tmp/a.xml"
check "one host: no Host column" grep -Eq '^Name +State' "$tmp/out"
nv --list --json -c "test://$tmp/a.xml"
check "one host: no host field" bash -c '! grep -q "\"host\"" "$1"' _ "$tmp/out"
# Same file twice: labels made unique.
nv --list -c "test://$tmp/a.xml" -c "test://$tmp/a.xml"
check "same host twice: a and a (2)" grep -Eq '^a \(2\) +only-a ' "$tmp/out"
# One host down: the other still listed, the dead one named on stderr, status 1.
nv --list -c "test://$tmp/a.xml" -c "$bad"
check "one host down: exit status 1 (got $rc)" test "$rc" -eq 1
check "one host down: the other is listed" grep -Eq '^a +only-a ' "$tmp/out"
check "one host down: stderr names it" grep -q "^ncvirt: file: cannot connect" "$tmp/err"

if [[ $failures -gt 0 ]]; then
    echo "--- stderr of the last run:"
    cat "$tmp/err"
fi

echo "$failures failed"
[[ $failures -eq 0 ]]
