#!/usr/bin/env bash
# House rules as checks (scripts/check-format, scripts/check-potfiles): the tree passes them,
# and each catches a deliberately broken copy of the tree, so the check can fail.
set -uo pipefail
: "${NCVIRT_SRCDIR:?NCVIRT_SRCDIR is not set (run through meson test)}"

fails=0
fail() {
    echo "FAIL: $*"
    fails=$((fails + 1))
}

tmp=$(mktemp -d /tmp/ncvirt-house.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

out=$(bash "$NCVIRT_SRCDIR/scripts/check-format" "$NCVIRT_SRCDIR" 2>&1) ||
    fail "the tree is not formatted with .clang-format:"$'\n'"$out"
out=$(bash "$NCVIRT_SRCDIR/scripts/check-potfiles" "$NCVIRT_SRCDIR" 2>&1) ||
    fail "po/POTFILES is wrong:"$'\n'"$out"

# A copy of what the checks read, then broken on purpose.
copy() {
    rm -rf "$tmp/tree"
    mkdir -p "$tmp/tree"
    cp -r "$NCVIRT_SRCDIR"/{.clang-format,main.c,src,ui,wizards,po} "$tmp/tree/"
    mkdir -p "$tmp/tree/tests" "$tmp/tree/bench"
}

copy
printf 'int nv_badly_formatted(int a){return a+1;}\n' >"$tmp/tree/src/bad-format.c"
out=$(bash "$NCVIRT_SRCDIR/scripts/check-format" "$tmp/tree" 2>&1) &&
    fail "check-format passed a badly formatted file"
[[ $out == *"not formatted: src/bad-format.c"* ]] || fail "check-format did not name the file: $out"

copy
printf '#include "i18n.h"\nconst char *nv_bad(void);\nconst char *nv_bad(void)\n{\n    return _("unlisted");\n}\n' \
    >"$tmp/tree/ui/bad-unlisted.c"
out=$(bash "$NCVIRT_SRCDIR/scripts/check-potfiles" "$tmp/tree" 2>&1) &&
    fail "check-potfiles passed a file with strings missing from po/POTFILES"
[[ $out == *"not in po/POTFILES: ui/bad-unlisted.c"* ]] || fail "check-potfiles: $out"

copy
printf '/* _("only a comment") */\n' >"$tmp/tree/ui/comment-only.c"
echo "src/gone.c" >>"$tmp/tree/po/POTFILES"
out=$(bash "$NCVIRT_SRCDIR/scripts/check-potfiles" "$tmp/tree" 2>&1) &&
    fail "check-potfiles passed a list naming a missing file"
[[ $out == *"missing file: src/gone.c"* ]] || fail "check-potfiles: $out"
[[ $out != *comment-only.c* ]] || fail "check-potfiles counted a string in a comment: $out"

if ((fails)); then
    echo "$fails check(s) failed"
    exit 1
fi
echo "house rules: ok"
