#!/usr/bin/env bash
# cppcheck and clang-tidy find nothing in src/ ui/ wizards/ main.c (scripts/check-lint, with the
# configuration in .clang-tidy and tests/lint/), and each catches a planted bug, so the check
# can fail. Skips when neither tool is installed.
set -uo pipefail
: "${NCVIRT_SRCDIR:?NCVIRT_SRCDIR is not set (run through meson test)}"
: "${NCVIRT_BUILDDIR:?NCVIRT_BUILDDIR is not set (run through meson test)}"

lint=$NCVIRT_SRCDIR/scripts/check-lint
fails=0
fail() {
    echo "FAIL: $*"
    fails=$((fails + 1))
}

out=$(bash "$lint" "$NCVIRT_SRCDIR" "$NCVIRT_BUILDDIR/.." 2>&1)
status=$?
if ((status == 77)); then
    echo "SKIP: neither cppcheck nor clang-tidy is installed (scripts/bootstrap installs them)"
    exit 77
fi
((status == 0)) || fail "findings in the tree:"$'\n'"$out"
[[ -n $out ]] && echo "$out"

# A copy of the configuration and one bad file, with a compilation database of its own.
tmp=$(mktemp -d /tmp/ncvirt-lint.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/src" "$tmp/ui" "$tmp/wizards" "$tmp/tests/lint" "$tmp/build"
cp "$NCVIRT_SRCDIR/.clang-tidy" "$tmp/"
cp "$NCVIRT_SRCDIR"/tests/lint/* "$tmp/tests/lint/"
touch "$tmp/src/empty.h" "$tmp/ui/empty.h" "$tmp/wizards/empty.h"
cat >"$tmp/src/bad.c" <<'C'
#include <stdlib.h>
int nv_bad(int n);
int nv_bad(int n)
{
    int a[4] = {0};
    int *p = NULL;
    if (n > 2)
        return a[4];
    return *p;
}
C
printf '[{"directory": "%s", "file": "%s", "arguments": ["cc", "-std=c11", "-c", "%s"]}]\n' \
    "$tmp" "$tmp/src/bad.c" "$tmp/src/bad.c" >"$tmp/build/compile_commands.json"
out=$(bash "$lint" "$tmp" "$tmp/build" src/bad.c 2>&1) && fail "check-lint passed a planted bug"
if command -v cppcheck >/dev/null; then
    [[ $out == *"src/bad.c:8: cppcheck error (arrayIndexOutOfBounds)"* ]] ||
        fail "cppcheck did not report the planted out-of-bounds read: $out"
fi
if command -v clang-tidy >/dev/null; then
    [[ $out == *"bad.c:9:12: warning: Dereference of null pointer"* ]] ||
        fail "clang-tidy did not report the planted null dereference: $out"
fi

((fails == 0)) || exit 1
echo "PASS"
