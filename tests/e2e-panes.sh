#!/usr/bin/env bash
# shellcheck disable=SC2317 # functions called through nvt_wait_until and the cleanup hooks
# End to end, against libvirt's test driver: ncvirt in tmux on a generated node file with 600
# domains. Moves, details focus, filtering, the four panes, help, resizing (stacked, side by
# side, too small), the sanitiser, CJK column alignment, quitting, and a user keys file with bad
# lines. Expected names and counts come from the generator's .expect sidecar.
set -uo pipefail

: "${NCVIRT_TESTDIR:?NCVIRT_TESTDIR is not set (run through meson test)}"
: "${NCVIRT_BUILDDIR:?NCVIRT_BUILDDIR is not set (run through meson test)}"
# shellcheck source=tests/lib-tmux.sh
. "$NCVIRT_TESTDIR/lib-tmux.sh"
nvt_init

node="$NCVIRT_BUILDDIR/e2e-node-$$.xml"
remove_node() { rm -f -- "$node" "$node.expect"; }
NVT_CLEANUP_HOOKS+=(remove_node)
python3 "$NCVIRT_TESTDIR/gen-node.py" --domains 600 --out "$node" ||
    { echo "FAIL: gen-node.py failed"; exit 1; }

# The expectations, as shell assignments.
python3 - "$node.expect" >"$NVT_TMP/expect.sh" <<'PY' || { echo "FAIL: cannot read $node.expect"; exit 1; }
import codecs
import shlex
import sys

def unesc(f):
    out, i = [], 0
    while i < len(f):
        if f[i] == "\\" and i + 1 < len(f):
            out.append({"t": "\t", "n": "\n", "r": "\r", "\\": "\\"}.get(f[i + 1], f[i + 1]))
            i += 2
        else:
            out.append(f[i])
            i += 1
    return "".join(out)

doms, pools, vols, nets = [], [], {}, []
for line in codecs.open(sys.argv[1], encoding="utf-8"):
    if line.startswith("#"):
        continue
    f = [unesc(x) for x in line.rstrip("\n").split("\t")]
    if f[0] == "domain":
        doms.append({"name": f[1], "state": int(f[3]), "title": f[8]})
    elif f[0] == "pool":
        pools.append(f[1])
    elif f[0] == "volume":
        vols.setdefault(f[1], []).append(f[2])
    elif f[0] == "network":
        nets.append((f[1], f[3]))

def fold(s):
    return s.casefold()

def matches(needle):
    n = fold(needle)
    return [d["name"] for d in doms if n in fold(d["name"]) or n in fold(d["title"])]

def out(var, value):
    if isinstance(value, list):
        print("%s=(%s)" % (var, " ".join(shlex.quote(str(v)) for v in value)))
    else:
        print("%s=%s" % (var, shlex.quote(str(value))))

names = [d["name"] for d in doms]  # the sidecar lists domains sorted by the bytes of the name
out("NDOM", len(doms))
# The header counts domains with an id, i.e. every state but "no state" (0) and shut off (5),
# the paused (3) apart from the running (issue 10: it once counted paused ones as running).
out("NRUN", sum(1 for d in doms if d["state"] not in (0, 5, 3)))
out("NPAUSED", sum(1 for d in doms if d["state"] == 3))
out("NAMES", names)

# A name typed in full that matches that domain only; one character less widens the list.
for d in doms[len(doms) // 2:] + doms:
    if d["name"].isascii() and matches(d["name"]) == [d["name"]] and \
            len(matches(d["name"][:-1])) > 1:
        out("UNIQ", d["name"])
        out("WIDE", d["name"][:-1])
        out("WIDE_COUNT", len(matches(d["name"][:-1])))
        break
else:
    sys.exit("no domain name matches only itself")

# A title (not a name) that several domains match.
for d in doms:
    t = d["title"]
    if t and t.isascii() and t.isprintable() and len(t) <= 30 and fold(t) not in fold(d["name"]):
        m = matches(t)
        out("TNEEDLE", t)
        out("TCOUNT", len(m))
        out("TMATCHES", m)
        break
else:
    sys.exit("no usable title")

cjk = [d for d in doms if not d["name"].isascii()]
out("CJK_NAME", cjk[0]["name"])
out("CJK_TITLE", cjk[0]["title"])
out("CJK_TCOUNT", len(matches(cjk[0]["title"])))
bidi = [d for d in doms if "\u202e" in d["title"]]
out("BIDI_NAME", bidi[0]["name"])

pools.sort(key=lambda p: p.encode())
out("POOLS", pools)
for i, p in enumerate(pools):
    out("POOL_VOLS_%d" % i, vols.get(p, []))
out("NET_NAMES", [n for n, _ in nets])
out("NET_MODES", sorted({m for _, m in nets}))
PY
# shellcheck source=/dev/null
. "$NVT_TMP/expect.sh"
printf '%s\n' "${NAMES[@]}" >"$NVT_TMP/names"

uri="test://$node"
q() { nvt_re_quote "$1"; }
last=$((NDOM - 1))

# The details box is titled with the selected object's name.
selected_is() {
    nvt_wait_re "┌─ $(q "$1") ─" "${2:-$NVT_TIMEOUT}"
}
# A domain row: state, then the name.
row_re() {
    echo "(running|paused|shut off|idle|crashed|suspended|in shutdown) +$(q "$1")( |$)"
}
# The list box of a pane (its title).
pane_is() {
    nvt_wait_re "┌─ $1 \\(" "${2:-$NVT_TIMEOUT}"
}

# Every row of the domain list starts the column after the name at the same screen column
# (display width: East Asian wide and fullwidth characters take two), every row has the same
# width, and the CJK row is among them.
aligned() {
    printf '%s\n' "$NVT_SCREEN" >"$NVT_TMP/screen"
    python3 - "$NVT_TMP/names" "$CJK_NAME" "$NVT_TMP/screen" 2>"$NVT_TMP/align.err" <<'PY'
import re
import sys
import unicodedata

names = set(open(sys.argv[1], encoding="utf-8").read().split("\n")) - {""}
cjk = sys.argv[2]
screen = open(sys.argv[3], encoding="utf-8").read()

def width(s):
    return sum(0 if unicodedata.combining(c) else
               2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)

# A list row: border, mark column ("*" or blank), state glyph, state, name.
row = re.compile(r"│[* ] \S (?:running|paused|shut off|idle|crashed|suspended|in shutdown|no state)"
                 r" +(\S+) +")
starts, ends, seen = set(), set(), []
for line in screen.split("\n"):
    m = row.search(line)
    if not m or m.group(1) not in names:
        continue
    seen.append(m.group(1))
    starts.add(width(line[:m.end()]))
    ends.add(width(line[:line.index("│", m.end())]))  # the list box's right border
if cjk not in seen or len(seen) < 3 or len(starts) != 1 or len(ends) != 1:
    print("rows %s: the column after the name starts at %s, right borders at %s"
          % (seen, sorted(starts), sorted(ends)), file=sys.stderr)
    sys.exit(1)
PY
}
# The domain list box shows matching rows only, and blank lines only when every match is shown.
list_filled() {
    printf '%s\n' "$NVT_SCREEN" >"$NVT_TMP/screen"
    python3 - "$NVT_TMP/screen" "$1" "$2" 2>"$NVT_TMP/fill.err" <<'PY'
import re
import sys

screen = open(sys.argv[1], encoding="utf-8").read().split("\n")
matches = set(open(sys.argv[2], encoding="utf-8").read().split("\n")) - {""}
total = int(sys.argv[3])
row = re.compile(r"^│[* ] \S (?:running|paused|shut off|idle|crashed|suspended|in shutdown|no state)"
                 r" +(\S+) ")
top = next(i for i, l in enumerate(screen) if l.startswith("┌─ Domains ("))
shown, blank = [], 0
for line in screen[top + 2:]:
    if line.startswith("└"):
        break
    m = row.match(line)
    if m:
        shown.append(m.group(1))
    elif re.match(r"^│ *│", line):
        blank += 1
wrong = [n for n in shown if n not in matches]
if wrong or not shown or (blank and len(shown) < total):
    print("%d of %d matches shown (%s), %d blank lines, not matching: %s"
          % (len(shown), total, " ".join(shown), blank, wrong), file=sys.stderr)
    sys.exit(1)
PY
}
check_alignment() {
    nvt_keys End
    selected_is "${NAMES[last]}"
    nvt_wait_re "$(row_re "$CJK_NAME")"
    if ! aligned; then
        nvt_fail "CJK row misaligned: $(cat "$NVT_TMP/align.err")"
    fi
    nvt_ok "CJK names keep the columns aligned at ${NVT_COLS}x${NVT_ROWS}"
    nvt_keys Home
    selected_is "${NAMES[0]}"
}

nvt_start 100 30 -- "$NCVIRT_BIN" -c "$uri"

# ---- the header and the first rows ----
nvt_wait_for "$NDOM domains, $NRUN running" 15
nvt_ok "header: $NDOM domains, $NRUN running"
nvt_wait_re "$(row_re "${NAMES[0]}")"
selected_is "${NAMES[0]}"
nvt_wait_for "┌─ Domains ($NDOM) ─"
nvt_ok "first domain ${NAMES[0]} listed and selected"

# ---- moving ----
nvt_keys j && selected_is "${NAMES[1]}"
nvt_keys j && selected_is "${NAMES[2]}"
nvt_keys k && selected_is "${NAMES[1]}"
nvt_keys Down && selected_is "${NAMES[2]}"
nvt_keys Up && selected_is "${NAMES[1]}"
nvt_keys End && selected_is "${NAMES[last]}"
nvt_keys Home && selected_is "${NAMES[0]}"
nvt_keys G && selected_is "${NAMES[last]}"
nvt_keys g && selected_is "${NAMES[0]}"
nvt_ok "j/k/Down/Up/End/Home/G/g move the selection"

# ---- Enter focuses the details (j scrolls them), Escape goes back to the list ----
name_line="│ Name {2,}$(q "${NAMES[0]}")( |$)"
nvt_wait_re "$name_line"
nvt_wait_for "Virt type"           # details loaded: longer than the box, so they scroll
nvt_keys Enter j
nvt_wait_gone_re "$name_line"
selected_is "${NAMES[0]}"
nvt_keys k
nvt_wait_re "$name_line"
nvt_keys Escape j
selected_is "${NAMES[1]}"
nvt_keys k
selected_is "${NAMES[0]}"
nvt_ok "Enter focuses the details, Escape returns to the list"

# ---- filtering ----
nvt_keys /
nvt_wait_re "filter: .*Esc clear"
nvt_type "$UNIQ"
nvt_wait_for "┌─ Domains (1 of $NDOM) /$UNIQ ─"
nvt_wait_re "$(row_re "$UNIQ")"
selected_is "$UNIQ"
nvt_ok "typing '$UNIQ' narrows the list to 1 of $NDOM"
nvt_keys BSpace
nvt_wait_for "┌─ Domains ($WIDE_COUNT of $NDOM) /$WIDE ─"
nvt_ok "Backspace widens to $WIDE_COUNT of $NDOM"
nvt_keys Escape
nvt_wait_for "┌─ Domains ($NDOM) ─"
nvt_wait_gone "filter: "
nvt_ok "Escape clears the filter"

nvt_keys /
nvt_wait_for "filter: "
nvt_type "$TNEEDLE"
nvt_wait_for "┌─ Domains ($TCOUNT of $NDOM) /$TNEEDLE ─"
printf '%s\n' "${TMATCHES[@]}" >"$NVT_TMP/tmatches"
NVT_SOFT=1
if nvt_wait_until "the filtered list does not fill its box with matching rows" \
    2 list_filled "$NVT_TMP/tmatches" "$TCOUNT"; then
    nvt_ok "title filter: the list box is filled with matching rows"
else
    echo "  ($(cat "$NVT_TMP/fill.err"))"
fi
NVT_SOFT=0
selected_in() {
    local n
    for n in "$@"; do
        [[ $NVT_SCREEN == *"┌─ $n ─"* ]] && return 0
    done
    return 1
}
nvt_wait_until "the selected domain is not one of the matches" "$NVT_TIMEOUT" selected_in "${TMATCHES[@]}"
nvt_keys Enter
nvt_wait_gone "filter: "
nvt_assert_has "┌─ Domains ($TCOUNT of $NDOM) /$TNEEDLE ─" "Enter did not keep the filter"
nvt_keys Escape
nvt_wait_for "┌─ Domains ($NDOM) ─"
nvt_ok "title filter '$TNEEDLE': $TCOUNT of $NDOM, Enter keeps it, Escape in the list clears it"

nvt_keys /
nvt_wait_for "filter: "
nvt_type "$CJK_TITLE"
nvt_wait_for "┌─ Domains ($CJK_TCOUNT of $NDOM) /$CJK_TITLE ─"
selected_is "$CJK_NAME"
nvt_keys Escape
nvt_wait_for "┌─ Domains ($NDOM) ─"
nvt_ok "typed CJK title filter finds $CJK_NAME"

# ---- the sanitiser: no raw bidi/C1 characters reach the terminal ----
nvt_keys /
nvt_wait_for "filter: "
nvt_type "$BIDI_NAME"
nvt_keys Enter
nvt_wait_for "┌─ Domains (1 of $NDOM) /$BIDI_NAME ─"
selected_is "$BIDI_NAME"
nvt_wait_re "│ Title {2,}.*<U\+202E>"
for ch in $'\u202e' $'\u2066' $'\u2069' $'\u009b'; do
    nvt_assert_lacks "$ch" "a raw $(printf 'U+%04X' "'$ch") reached the screen"
done
nvt_assert_has "<U+202E>"
nvt_keys Escape
nvt_wait_for "┌─ Domains ($NDOM) ─"
nvt_ok "the U+202E title shows as <U+202E>, no raw control characters on the screen"

# ---- CJK alignment, stacked ----
check_alignment

# ---- panes ----
nvt_keys 2 && pane_is "Storage"
nvt_wait_for "┌─ Storage (${#POOLS[@]}) ─"
nvt_wait_all "$NVT_TIMEOUT" "${POOLS[@]}"
nvt_keys 3 && pane_is "Networks"
nvt_wait_all "$NVT_TIMEOUT" "${NET_NAMES[@]}"
for mode in "${NET_MODES[@]}"; do
    nvt_wait_re "$(q "$mode") "
done
nvt_keys 4 && pane_is "Hosts"
nvt_wait_re "│ Hypervisor "
nvt_wait_re "│ KVM "
nvt_keys 1 && pane_is "Domains"
nvt_ok "keys 1-4: Storage lists ${POOLS[*]}; Networks shows ${NET_MODES[*]}; Host shows Hypervisor and KVM"
nvt_keys Tab && pane_is "Storage"
nvt_keys Tab && pane_is "Networks"
nvt_keys Tab && pane_is "Hosts"
nvt_keys Tab && pane_is "Domains"
nvt_keys BTab && pane_is "Hosts"
nvt_keys BTab && pane_is "Networks"
nvt_keys BTab && pane_is "Storage"
nvt_keys BTab && pane_is "Domains"
selected_is "${NAMES[0]}"
nvt_ok "Tab and BTab cycle through the panes"

# ---- help ----
nvt_keys "?"
nvt_wait_for "Help — Esc closes"
nvt_wait_for "Keys in context"
nvt_wait_re " quit( |$)"
nvt_keys Escape
nvt_wait_gone "Help — Esc closes"
nvt_wait_for "┌─ Domains ($NDOM) ─"
nvt_ok "? shows the help with 'Keys in context' and quit; Escape closes it"

# ---- side by side at 140x40 ----
nvt_resize 140 40
nvt_wait_re "┌─ Domains \\($NDOM\\) ─+┐┌─ $(q "${NAMES[0]}") ─"
nvt_ok "140x40: list and details side by side"
# Wide enough for the whole header: the paused are counted apart from the running.
((NPAUSED > 0)) || nvt_fail "the generated node has no paused domain to count"
nvt_wait_for "$NDOM domains, $NRUN running, $NPAUSED paused" 5
nvt_ok "header: $NDOM domains, $NRUN running, $NPAUSED paused"
check_alignment
# Storage: each pool's volumes in the details (tall enough for all of them here).
nvt_keys 2 && pane_is "Storage"
for i in "${!POOLS[@]}"; do
    if ((i == 0)); then nvt_keys Home; else nvt_keys j; fi
    selected_is "${POOLS[i]}"
    nvt_wait_for "Volumes"
    declare -n vols="POOL_VOLS_$i"
    for v in "${vols[@]}"; do
        nvt_wait_re "│ $(q "$v") "
    done
    nvt_ok "pool ${POOLS[i]}: volumes ${vols[*]}"
    unset -n vols
done
nvt_keys 1 && pane_is "Domains"
selected_is "${NAMES[0]}"

# ---- stacked again at 100x30 ----
nvt_resize 100 30
nvt_wait_re "^┌─ $(q "${NAMES[0]}") ─"
nvt_assert_re "^┌─ Domains \\($NDOM\\) ─+┐$" "the list box is not alone on its line at 100x30"
nvt_ok "100x30: list above details"
sleep 0.3
nvt_capture
reference=$NVT_SCREEN

# ---- too small ----
nvt_resize 50 12
nvt_wait_for "Terminal too small"
nvt_assert_lacks "┌─ Domains" "the panes are still drawn at 50x12"
# The whole message, wrapped or not: the user must learn both sizes.
too_small_msg() {
    local flat
    flat=$(tr -s ' \n' '  ' <<<"$NVT_SCREEN")
    [[ $flat == *"Terminal too small: ncvirt needs at least 60x15 (now 50x12)."* ]]
}
NVT_SOFT=1
if nvt_wait_until "the too-small message does not say 'ncvirt needs at least 60x15 (now 50x12).' in full" \
    2 too_small_msg; then
    nvt_ok "50x12: the full 'Terminal too small' message"
fi
NVT_SOFT=0

# ---- back to 100x30: the same screen as before, nothing left of the message ----
nvt_resize 100 30
same_as_reference() { [[ $NVT_SCREEN == "$reference" ]]; }
if ! nvt_wait_until "100x30 again: the screen differs from before the resize" 3 same_as_reference; then
    diff <(echo "$reference") <(echo "$NVT_SCREEN")
fi
nvt_assert_lacks "Terminal too small"
nvt_ok "back at 100x30: the normal screen, no leftovers"

# ---- an action on marked rows reaches only those the filter shows (issue 10) ----
filter_to() {
    nvt_keys /
    nvt_wait_for "filter: "
    nvt_type "$1"
    nvt_keys Enter
    nvt_wait_for "┌─ Domains (1 of $NDOM) /$1"
    nvt_wait_gone "filter: "
}
filter_to "$UNIQ"
nvt_keys Space
nvt_wait_for ", 1 marked" 5
nvt_keys Escape
nvt_wait_for "┌─ Domains ($NDOM), 1 marked"
nvt_keys Home Space Space
nvt_wait_for "┌─ Domains ($NDOM), 3 marked" 5
filter_to "$UNIQ"
nvt_keys F
nvt_wait_for "Force off '$UNIQ' at once?"
nvt_assert_lacks "Force off 3 domains" "force off reached the marked domains the filter hides"
nvt_wait_for "2 marked domains hidden by the filter were left out"
nvt_ok "F on 3 marked domains, 2 hidden by the filter: asks for '$UNIQ' only and says 2 were left out"
nvt_keys Escape
nvt_wait_for "cancelled"
# An action without a question says it again with its result, which replaces the status line.
nvt_keys a
nvt_wait_re "'$(q "$UNIQ")'.*; 2 marked domains hidden by the filter were left out"
nvt_ok "a (autostart) on the same marks: its result names '$UNIQ' and says 2 were left out"
nvt_keys "*"
nvt_wait_gone_re "┌─ Domains .*marked"
nvt_keys Escape
nvt_wait_for "┌─ Domains ($NDOM) ─"
nvt_keys Home
selected_is "${NAMES[0]}"

# ---- quit ----
nvt_keys q
nvt_wait_for "EXIT=0" 2
nvt_ok "q quits with status 0 within 2 s"

# ---- a user keys file with bad lines ----
cfg="$NVT_TMP/kcfg"
mkdir -p "$cfg/ncvirt"
printf '%s\n' "bind global x quit" "bind nowhere z quit" "frobnicate" >"$cfg/ncvirt/keys"
nvt_start 100 30 "XDG_CONFIG_HOME=$cfg" -- "$NCVIRT_BIN" -c "$uri"
status_names_file() {
    local status
    status=$(nvt_line $((NVT_ROWS - 1)))
    [[ $status == *"$cfg/ncvirt/keys:"[0-9]* ]]
}
# The message is shown at start for a few seconds: look before the (slower) list is loaded.
nvt_wait_until "the status line does not name $cfg/ncvirt/keys:LINE" "$NVT_TIMEOUT" status_names_file
nvt_ok "bad lines in the keys file: status line '$(nvt_line $((NVT_ROWS - 1)) | sed 's/ *$//')'"
nvt_wait_for "$NDOM domains" 15
nvt_keys x
nvt_wait_for "EXIT=0" 2
nvt_ok "the user binding x quits"

# Nothing GLib or libvirt complains about on the way out lands in the log (a source removed
# twice logged "GLib-CRITICAL: Source ID 1 was not found" at every exit).
log="$NVT_TMP/state/ncvirt/stderr.log"
if [[ -s $log ]] && grep -Eq 'CRITICAL|WARNING' "$log"; then
    nvt_fail "the stderr log has warnings after a plain run: $(grep -E 'CRITICAL|WARNING' "$log" | head -3)"
fi
nvt_ok "no GLib warning in the stderr log"

nvt_done
