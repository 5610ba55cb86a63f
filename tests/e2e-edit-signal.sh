#!/usr/bin/env bash
# shellcheck disable=SC2317 # functions called through nvt_wait_until and the cleanup hooks
# End to end, against libvirt's test driver (issue 10, defect 7): SIGTERM or SIGHUP while the
# XML editor has the terminal. ncvirt ends the editor, then exits saying what became of the
# edit: changed text is kept in a private directory (0700, the file 0600) whose path it names;
# an untouched file is removed with everything else the editor left. Nothing else is left in
# TMPDIR.
set -uo pipefail

: "${NCVIRT_TESTDIR:?NCVIRT_TESTDIR is not set (run through meson test)}"
# shellcheck source=tests/lib-tmux.sh
. "$NCVIRT_TESTDIR/lib-tmux.sh"
nvt_init

mkdir -p "$NVT_TMP/tmp"
# An editor that saves a change (or not), says it is there, and stays open until ended.
cat >"$NVT_TMP/slow-editor" <<EOF2
#!/bin/sh
if [ "\$EDIT_CHANGE" = 1 ]; then
    sed -i 's#</devices>#<!-- harden edit --></devices>#' "\$1"
fi
echo "\$1" >"$NVT_TMP/editing"
exec sleep 1000
EOF2
chmod +x "$NVT_TMP/slow-editor"

# The pid of ncvirt: the child of the pane's shell (never looked up by name).
ncvirt_pid() {
    local shell
    shell=$(nvt_tmux list-panes -F '#{pane_pid}' | head -1)
    pgrep -P "$shell" | head -1
}

# edit_then SIGNAL CHANGE: opens the editor on domain "test", sends SIGNAL to ncvirt.
edit_then() {
    rm -f -- "$NVT_TMP/editing"
    nvt_start 120 30 "VISUAL=" "EDITOR=$NVT_TMP/slow-editor" "EDIT_CHANGE=$2" \
        "TMPDIR=$NVT_TMP/tmp" -- "$NCVIRT_BIN" -c test:///default
    nvt_wait_for "┌─ Domains (" 15
    nvt_keys e
    nvt_wait_until "the editor did not start" 10 test -s "$NVT_TMP/editing"
    edited=$(cat "$NVT_TMP/editing")
    pid=$(ncvirt_pid)
    [[ -n $pid ]] || nvt_fail "no ncvirt process"
    kill "-$1" "$pid"
    nvt_wait_for "EXIT=" 15
    # The note is one long line: join the screen's lines to read it.
    joined=$(tr -d '\n' <<<"$NVT_SCREEN")
}

# ---- SIGTERM after a saved change: kept, private, named ----
edit_then TERM 1
[[ $joined == *"the edit of 'test' was not saved"* ]] ||
    nvt_fail "SIGTERM: no note about the edit: $NVT_SCREEN"
[[ $joined == *"kept in $edited"* ]] || nvt_fail "SIGTERM: the note does not name $edited"
[[ -f $edited ]] || nvt_fail "SIGTERM: the edited file $edited is gone"
grep -q "harden edit" "$edited" || nvt_fail "SIGTERM: the kept file lacks the edit"
[[ $(stat -c %a "$edited") == 600 ]] || nvt_fail "the kept file is not 0600"
[[ $(stat -c %a "$(dirname "$edited")") == 700 ]] || nvt_fail "its directory is not 0700"
nvt_ok "SIGTERM during the edit: ncvirt exited, the edit kept in $edited (0600 in a 0700 dir)"
rm -rf -- "$(dirname "$edited")"

# ---- SIGHUP with nothing changed: removed, said ----
edit_then HUP 0
[[ $joined == *"quit during the edit of 'test': its definition is unchanged"* ]] ||
    nvt_fail "SIGHUP: no note about the edit: $NVT_SCREEN"
[[ ! -e $edited ]] || nvt_fail "SIGHUP: the temp file $edited is left: $(ls -la "$(dirname "$edited")")"
left=$(ls -A "$NVT_TMP/tmp")
[[ -z $left ]] || nvt_fail "SIGHUP: left in TMPDIR: $left"
nvt_ok "SIGHUP during the edit: ncvirt exited, the untouched temp file removed"
nvt_done
