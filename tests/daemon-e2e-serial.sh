#!/usr/bin/env bash
# shellcheck disable=SC2317 # functions called through nvt_wait_until and the cleanup hooks
# shellcheck disable=SC2016 # the $((...)) in typed lines are expanded by the guest's shell
# End to end, against the real daemon (qemu:///system) and a real test guest (tests/guest:
# TCG, a busybox shell on the serial port): ncvirt in tmux opens the domain's serial console
# with `c`. Checks:
#   - the header names the domain and the leave key; Enter brings a shell prompt;
#   - a typed command runs and its output (computed in the guest) is drawn from libvterm;
#   - hostile bytes from the guest (OSC 2 title, OSC 52 clipboard write, DSR query) never
#     reach the real terminal: tmux's pane title and paste buffers stay untouched, although
#     the private tmux server honours both (shown with the same bytes printed in a plain
#     window of that server);
#   - Left arrow and Ctrl keys (C-a, C-c) reach the guest's line editor;
#   - C-] leaves to the domain list; reopened, the view follows the domain through
#     `virsh destroy` and `virsh start` and attaches again; q quits with status 0.
# Skips (77) only when the daemon cannot run here. The guest is removed even on failure.
set -uo pipefail

: "${NCVIRT_SRCDIR:?NCVIRT_SRCDIR is not set (run through meson test)}"
: "${NCVIRT_TESTDIR:?NCVIRT_TESTDIR is not set (run through meson test)}"
: "${NCVIRT_BUILDDIR:?NCVIRT_BUILDDIR is not set (run through meson test)}"
# shellcheck source=tests/lib-tmux.sh
. "$NCVIRT_TESTDIR/lib-tmux.sh"

# shellcheck source=tests/lib-daemon.sh
. "$NCVIRT_TESTDIR/lib-daemon.sh"

uri=qemu:///system
nvd_need_root "$uri"
nvd_need_command virsh "run scripts/bootstrap"
nvd_start_daemon
nvt_init

export GUEST_URI=$uri
# shellcheck source=tests/guest/lib-guest.sh
. "$NCVIRT_TESTDIR/guest/lib-guest.sh"

name="nvtest-serial-$$"
cleanup_guest() { guest_cleanup "$name"; }
# After a failure: what the guest received and printed on its serial port, before the guest and
# its log go.
show_serial_log() {
    ((NVT_FAILURES > 0)) && guest_log_tail "$name" 15
    return 0
}
NVT_CLEANUP_HOOKS+=(show_serial_log cleanup_guest)

t0=$(nvt_now_ms)
# A failure before ncvirt runs: the end of the serial log instead of a screen.
die() {
    echo "FAIL: $*"
    guest_log_tail "$name" 20
    exit 1
}
q() { nvt_re_quote "$1"; }

# ---- the guest ----
cache=$(guest_build "$NCVIRT_BUILDDIR/guest-cache") || die "building the guest failed"
guest_xml "$name" "$cache" >"$NVT_TMP/dom.xml"
# Other tests restart the shared daemon: a call that lost the connection is retried once the
# daemon answers again (up to 3 tries, 30 s each).
vsh_retry() {
    local i
    for _ in 1 2 3; do
        out=$(guest_virsh "$@" 2>&1) && return 0
        [[ $out == *"connect to the hypervisor"* || $out == *"Disconnected from"* ||
            $out == *"end of file"* ]] || return 1
        echo "# virsh $1: the daemon went away ($out), retrying"
        for i in $(seq 1 60); do
            guest_virsh version >/dev/null 2>&1 && break
            sleep 0.5
        done
    done
    return 1
}
vsh_retry define "$NVT_TMP/dom.xml" || die "virsh define: $out"
vsh_retry start "$name" || guest_virsh domstate "$name" 2>/dev/null | grep -q running ||
    die "virsh start: $out"
t=$(nvt_now_ms)
guest_wait_marker "$name" NCVIRT-GUEST-READY 120 || die "no NCVIRT-GUEST-READY within 120 s"
nvt_ok "$name booted: NCVIRT-GUEST-READY after $(nvt_secs "$t") s"

# ---- ncvirt, with a private HOME, in a tmux that would act on a leaked OSC 2 or OSC 52 ----
home="$NVT_TMP/home"
mkdir -p "$home" "$NVT_TMP/data" "$NVT_TMP/cache"
nvt_start 120 40 "HOME=$home" "XDG_DATA_HOME=$NVT_TMP/data" "XDG_CACHE_HOME=$NVT_TMP/cache" \
    -- "$NCVIRT_BIN" -c "$uri"
nvt_tmux set -s set-clipboard on \; set -g allow-rename on >/dev/null ||
    nvt_fail "cannot set set-clipboard and allow-rename in the private tmux server"
nvt_wait_for "┌─ Domains (" 15
nvt_keys /
nvt_wait_for "filter: "
nvt_type "$name"
nvt_keys Enter
nvt_wait_re "┌─ Domains \\(1 of [0-9]+\\) /$(q "$name") ─"
nvt_wait_re "running +$(q "$name")( |$)" 10
nvt_wait_gone "filter: "
nvt_ok "$name listed, running"
title_before=$(nvt_tmux display-message -p -t "$NVT_SESSION" '#{pane_title}')

# The busybox prompt: PS1='\h:\w# ', the hostname is the domain name, the home dir is /root.
prompt_re="$(q "$name"):[^ ]*#( |$)"
# wait_prompt: presses Enter until a prompt shows (the shell may still be starting, or output
# may have scrolled the last prompt away).
wait_prompt() {
    local i
    for i in 1 2 3 4 5 6 7 8 9 10; do
        nvt_keys Enter
        NVT_SOFT=1 nvt_wait_re "$prompt_re" 3 >/dev/null && return 0
        NVT_FAILURES=$((NVT_FAILURES - 1))
    done
    nvt_fail "no shell prompt /$prompt_re/ after 10 Enters"
}
# run_cmd LINE WANT [TIMEOUT]: types LINE + Enter and waits for WANT (a fixed string that the
# typed line itself does not contain) on the screen.
run_cmd() {
    local line=$1 want=$2 timeout=${3:-20}
    nvt_type "$line"
    nvt_keys Enter
    nvt_wait_for "$want" "$timeout"
}

# ---- the console view ----
console_header() {
    local top
    top=$(nvt_line 0)
    [[ $top == *"$name"* && $top == *"C-]"* ]]
}
t=$(nvt_now_ms)
nvt_keys c
nvt_wait_until "no console header naming $name and the leave key C-] on the top line" 15 \
    console_header
nvt_ok "c: header '$(nvt_line 0 | sed 's/  */ /g')' after ${NVT_WAITED_MS} ms"
wait_prompt
nvt_ok "Enter: shell prompt after $(nvt_secs "$t") s"

t=$(nvt_now_ms)
run_cmd 'echo $((6*7))RESULT' 42RESULT
nvt_ok "typed command ran, 42RESULT on the screen after ${NVT_WAITED_MS} ms"

# ---- hostile bytes from the guest ----
run_cmd "printf '\\033]2;NVPWNED\\007'; echo NV\"\"T\$((1+1))" NVT2
run_cmd "printf '\\033]52;c;TlZQV05FRA==\\007'; echo NV\"\"C\$((1+2))" NVC3
# DSR 6 asks the terminal where the cursor is. libvterm answers the guest with the cursor's
# place on the guest's screen; were the query passed to tmux, tmux's answer (one row lower: the
# header) would come back through ncvirt's keyboard input as a second one. The guest collects
# every byte that arrives within 3 s of the last (stty min 0 time 30) and prints the digits.
# Each typed line stays under 80 columns with the prompt: the guest's line editor wraps there.
nvt_type 'd(){ dd bs=1 count=24 2>/dev/null|tr -dc "0-9;";}'
nvt_keys Enter
run_cmd 'stty -icanon -echo min 0 time 30;echo NV""S$((5))' NVS5
nvt_type "printf '\\033[6n';r=\$(d);stty sane;echo NV\"\"D=\$r="
nvt_keys Enter
nvt_wait_re '^NVD=[0-9;]*=$' 20
dsr_cmd_row=$(grep -n -F 'r=$(d);stty sane' <<<"$NVT_SCREEN" | tail -n 1 | cut -d: -f1)
dsr_reply=$(grep -E '^NVD=[0-9;]*=$' <<<"$NVT_SCREEN" | tail -n 1)
dsr_reply=${dsr_reply#NVD=}
dsr_reply=${dsr_reply%=}
# grep -n counts from 1: the command is on screen row dsr_cmd_row - 1, guest row dsr_cmd_row - 2
# (0-based); the cursor then sits on the next guest row, dsr_cmd_row in 1-based terms.
if [[ $dsr_reply == "$dsr_cmd_row;1" ]]; then
    nvt_ok "DSR: the guest got one cursor report, $dsr_reply, from libvterm"
elif [[ -z $dsr_reply ]]; then
    nvt_ok "DSR: the guest got no cursor report (libvterm does not answer; nothing leaked)"
else
    nvt_fail "DSR: the guest got '$dsr_reply', want '$dsr_cmd_row;1' from libvterm" \
        "(a second report or one from the outer terminal means the query leaked)"
fi
run_cmd 'echo NV""AFTER$((2*5))' NVAFTER10
title=$(nvt_tmux display-message -p -t "$NVT_SESSION" '#{pane_title}')
[[ $title != *NVPWNED* ]] || nvt_fail "the guest's OSC 2 reached tmux: pane title '$title'"
[[ $title == "$title_before" ]] ||
    nvt_fail "the pane title changed from '$title_before' to '$title'"
buffers=$(nvt_tmux list-buffers 2>&1)
[[ -z $buffers ]] || nvt_fail "the guest's OSC 52 reached tmux: buffers: $buffers"
nvt_tmux show-buffer 2>/dev/null | grep -q NVPWNED && nvt_fail "NVPWNED in tmux's paste buffer"
nvt_ok "OSC 2 and OSC 52 from the guest: pane title still '$title', no paste buffer"

# The same bytes printed straight into a plain session of the same tmux server change the title
# and fill a paste buffer: the checks above can fail.
nvt_tmux new-session -d -s nvraw -x 80 -y 24 \
    "printf '\\033]2;NVPWNED\\007\\033]52;c;TlZQV05FRA==\\007'; exec sleep 100000" ||
    nvt_fail "cannot open a plain tmux session"
raw_leaked() {
    [[ $(nvt_tmux display-message -p -t nvraw: '#{pane_title}') == NVPWNED ]] &&
        nvt_tmux show-buffer 2>/dev/null | grep -q NVPWNED
}
nvt_wait_until "the raw OSC 2 / OSC 52 did not change tmux's title or buffer: the check is void" \
    5 raw_leaked
nvt_tmux kill-session -t nvraw
nvt_tmux delete-buffer 2>/dev/null
nvt_ok "control: the same bytes printed raw in a plain tmux session set the title and a buffer"

# ---- arrows and Ctrl keys ----
# Left twice puts the 5 before "))": NV$((1000+25)) prints NV1025 (unedited it would be NV10025).
nvt_type 'echo NV$((1000+2))'
nvt_keys Left Left
nvt_type 5
nvt_keys Enter
nvt_wait_re '(^|[^0-9])NV1025([^0-9]|$)' 20
nvt_ok "Left arrow edits the line: NV1025 after ${NVT_WAITED_MS} ms"
# C-a goes to the start of the line: "cho NV""CA" becomes "echo NV""CA".
nvt_type 'cho NV""CA$((3*3))'
nvt_keys C-a
nvt_type e
nvt_keys Enter
nvt_wait_for NVCA9 20
nvt_ok "C-a moves to the line start: NVCA9 after ${NVT_WAITED_MS} ms"
# C-c drops the line; the next one runs alone.
nvt_type 'echo NV""CC$((4*4))'
nvt_keys C-c
run_cmd 'echo NV""POSTCC$((5*5))' NVPOSTCC25
nvt_assert_lacks NVCC16 "C-c did not cancel the line: NVCC16 was printed"
nvt_ok "C-c cancels the line"

# ---- leave ----
nvt_keys C-]
nvt_wait_re "┌─ Domains \\(1 of [0-9]+\\) /$(q "$name") ─" 5
nvt_ok "C-]: the domain list is back after ${NVT_WAITED_MS} ms"

# ---- reopen; the domain stops and starts again ----
nvt_keys c
nvt_wait_until "no console header naming $name and the leave key C-] on the top line" 15 \
    console_header
wait_prompt
run_cmd 'echo NV""AGAIN$((7*7))' NVAGAIN49
nvt_ok "c again: attached, NVAGAIN49"
attached() { nvt_line 0 | grep -Eq ' attached( |$)'; }
stopped() { nvt_line 0 | grep -Eiq 'stopped|not running|shut ?off'; }
out=$(guest_virsh destroy "$name" 2>&1) || nvt_fail "virsh destroy: $out"
if NVT_SOFT=1 nvt_wait_until "after virsh destroy, the header does not say the domain stopped" \
    15 stopped; then
    nvt_ok "virsh destroy: header '$(nvt_line 0)' after ${NVT_WAITED_MS} ms"
fi
guest_wait_state "$name" "shut off" 30 || nvt_fail "$name is not shut off 30 s after virsh destroy"
out=$(guest_virsh start "$name" 2>&1) || nvt_fail "virsh start: $out"
t=$(nvt_now_ms)
if NVT_SOFT=1 nvt_wait_until "after virsh start, the console view did not attach again" 30 attached
then
    nvt_ok "virsh start: the header says attached again after ${NVT_WAITED_MS} ms"
    guest_wait_marker "$name" NCVIRT-GUEST-READY 120 || nvt_fail "no NCVIRT-GUEST-READY after start"
    wait_prompt
    run_cmd 'echo NV""BACK$((8*8))' NVBACK64
    nvt_ok "keys reach the restarted guest: NVBACK64 $(nvt_secs "$t") s after virsh start"
else
    # Tell a view that does not retry from a console that cannot be opened.
    nvt_keys C-f
    if NVT_SOFT=1 nvt_wait_until "C-f did not attach either" 10 attached; then
        echo "# C-f attached the console after ${NVT_WAITED_MS} ms: the view did not retry by itself"
    fi
fi

nvt_keys C-]
nvt_wait_re "┌─ Domains \\(1 of [0-9]+\\) /$(q "$name") ─" 5
nvt_keys q
nvt_wait_for EXIT=0 5
nvt_ok "C-], q: ncvirt exits with status 0"
echo "total $(nvt_secs "$t0") s"
nvt_done
