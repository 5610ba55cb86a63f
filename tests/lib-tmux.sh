# shellcheck shell=bash
# Shared helpers for the end-to-end tests: the real ncvirt binary in a private tmux server,
# driven with send-keys and read with capture-pane. Source it from a test script:
#
#   . "$NCVIRT_TESTDIR/lib-tmux.sh"
#   nvt_init                                  # private server name, temp dir, cleanup trap
#   nvt_start 100 30 -- "$NCVIRT_BIN" -c test:///default
#   nvt_wait_for "Domains ("                  # polls capture-pane every 0.1 s
#   nvt_keys j; nvt_wait_re '┌─ dom-0002 ─'
#   nvt_keys q; nvt_wait_for EXIT=0 2
#
# The command runs as `CMD; echo EXIT=$?` in the pane, so its exit status shows on the screen.
# Each test gets its own server (tmux -L nvtest-$$), a fixed window size, LANG=C.UTF-8 and
# TERM=xterm-256color; XDG_CONFIG_HOME and XDG_STATE_HOME point into the test's temp dir so the
# user's own keys file is not read and ncvirt's stderr log lands where a failure report shows it.
# Waits never sleep for long: they poll until the text shows or the timeout passes, then fail
# with the captured screen. Failing helpers exit the test with status 1.

export LC_ALL=C.UTF-8           # for the test script itself; the pane gets LANG=C.UTF-8
NVT_TIMEOUT=${NVT_TIMEOUT:-5}   # default wait, seconds (fractions allowed)
NVT_SOCK="nvtest-$$"
NVT_SESSION=nvt
NVT_TMP=""
NVT_SCREEN=""                   # the last captured screen
NVT_COLS=0
NVT_ROWS=0
NVT_CLEANUP_HOOKS=()            # functions the cleanup trap runs first, in order
NVT_CLEANING=0
NVT_SOFT=0                      # 1: nvt_fail records the failure and returns 1 instead of exiting
NVT_FAILURES=0
# shellcheck disable=SC2034 # for the tests: how long the last successful wait took
NVT_WAITED_MS=0

nvt_log() {
    printf '%s\n' "$*"
}

nvt_ok() {
    printf 'ok - %s\n' "$*"
}

# The tmux command for this test's private server (no user configuration).
nvt_tmux() {
    tmux -L "$NVT_SOCK" -f /dev/null "$@"
}

nvt_skip() {
    printf 'SKIP: %s\n' "$*"
    exit 77
}

# Checks what the tests need from outside the project, skips otherwise, and sets up the
# temp dir and the cleanup trap.
nvt_init() {
    : "${NCVIRT_BIN:?NCVIRT_BIN is not set (run through meson test)}"
    command -v tmux >/dev/null || nvt_skip "tmux is not installed"
    command -v python3 >/dev/null || nvt_skip "python3 is not installed"
    command -v perl >/dev/null || nvt_skip "perl is not installed"
    [[ -x $NCVIRT_BIN ]] || { echo "FAIL: $NCVIRT_BIN is not an executable"; exit 1; }
    NVT_TMP=$(mktemp -d "${TMPDIR:-/tmp}/nvt.XXXXXX")
    mkdir -p "$NVT_TMP/config" "$NVT_TMP/state"
    trap nvt_cleanup EXIT
    trap 'exit 1' INT TERM HUP
}

nvt_cleanup() {
    local rc=$?
    ((NVT_CLEANING)) && return
    ((rc == 0 && NVT_FAILURES > 0)) && rc=1
    NVT_CLEANING=1
    local hook
    for hook in "${NVT_CLEANUP_HOOKS[@]}"; do
        "$hook" || true
    done
    nvt_tmux kill-server >/dev/null 2>&1 || true
    # tmux leaves the socket behind.
    rm -f -- "${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/$NVT_SOCK"
    [[ -n $NVT_TMP && -d $NVT_TMP ]] && rm -rf -- "$NVT_TMP"
    exit "$rc"
}

# Milliseconds since the epoch; nvt_ms converts seconds ("2", "0.5") to milliseconds.
nvt_now_ms() {
    local us=${EPOCHREALTIME//[!0-9]/}
    echo $((us / 1000))
}

# nvt_secs T0: seconds since T0 (from nvt_now_ms), one decimal.
nvt_secs() {
    awk -v ms="$(($(nvt_now_ms) - ${1:?}))" 'BEGIN { printf "%.1f", ms / 1000 }'
}

nvt_ms() {
    local s=$1 int frac=""
    int=${s%%.*}
    [[ $s == *.* ]] && frac=${s#*.}
    frac="${frac}000"
    echo $((10#${int:-0} * 1000 + 10#${frac:0:3}))
}

# nvt_start COLS ROWS [VAR=VALUE...] -- COMMAND [ARGS...]
# Starts COMMAND in a new session of the private server (a previous session is killed first).
nvt_start() {
    NVT_COLS=$1 NVT_ROWS=$2
    shift 2
    local -a envs=()
    while (($#)) && [[ $1 != -- ]]; do
        envs+=("$1")
        shift
    done
    [[ ${1:-} == -- ]] && shift
    (($#)) || { echo "nvt_start: no command"; exit 1; }
    nvt_tmux kill-server >/dev/null 2>&1 || true

    local run="$NVT_TMP/run.sh" e
    {
        echo "export LANG=C.UTF-8 TERM=xterm-256color"
        echo "export XDG_CONFIG_HOME=$(printf '%q' "$NVT_TMP/config")"
        echo "export XDG_STATE_HOME=$(printf '%q' "$NVT_TMP/state")"
        echo "unset LC_ALL LIBVIRT_DEFAULT_URI"
        for e in "${envs[@]}"; do
            echo "export $(printf '%q' "$e")"
        done
        printf '%q ' "$@"
        echo
        # shellcheck disable=SC2016 # expanded by the pane's shell
        echo 'echo "EXIT=$?"'
        echo 'exec sleep 100000'
    } >"$run"
    nvt_tmux start-server \; set -g default-terminal xterm-256color \; \
        set -g exit-empty off \; \
        new-session -d -s "$NVT_SESSION" -x "$NVT_COLS" -y "$NVT_ROWS" "bash $(printf '%q' "$run")" ||
        { echo "FAIL: cannot start tmux"; exit 1; }
}

nvt_stop() {
    nvt_tmux kill-server >/dev/null 2>&1 || true
}

# Sends tmux key names (Down, End, BTab, Enter, BSpace, C-l, "?"...), one send-keys per key.
# Home and End go out as xterm sends them in keypad mode (\EOH, \EOF, what the xterm-256color
# entry in the pane says); tmux's own Home/End are \E[1~ and \E[4~, which that entry does not
# list. Escape waits a moment afterwards: curses takes an Escape followed within ESCDELAY (25 ms
# in ncvirt) by another byte for Alt-<key>.
nvt_keys() {
    local k
    for k in "$@"; do
        case $k in
        Home) nvt_tmux send-keys -t "$NVT_SESSION" -l $'\eOH' ;;
        End) nvt_tmux send-keys -t "$NVT_SESSION" -l $'\eOF' ;;
        *) nvt_tmux send-keys -t "$NVT_SESSION" "$k" ;;
        esac || nvt_fail "cannot send key $k"
        [[ $k == Escape ]] && sleep 0.1
    done
    return 0
}

# Types literal text.
nvt_type() {
    nvt_tmux send-keys -t "$NVT_SESSION" -l -- "$1" || nvt_fail "cannot type $1"
}

nvt_resize() {
    NVT_COLS=$1 NVT_ROWS=$2
    nvt_tmux resize-window -t "$NVT_SESSION" -x "$1" -y "$2" || nvt_fail "cannot resize to $1x$2"
}

# Captures the screen into NVT_SCREEN (empty if the pane is gone). With TERM=xterm-256color
# curses draws boxes in the VT100 line-drawing charset ("lqk" for "┌─┐"); capture-pane -e marks
# those cells with SO/SI, so they are turned into the glyphs a terminal shows, and the SGR
# sequences that -e adds are dropped.
nvt_capture() {
    NVT_SCREEN=$(nvt_tmux capture-pane -p -e -t "$NVT_SESSION" 2>/dev/null |
        perl -0777 -CSD -Mutf8 -pe '
            s/\e\[[0-9;:]*m//g;
            s/\x0e([^\x0f]*)(?:\x0f|\z)/$1 =~ tr{lkmjqxtuvwn`afg~,+.-0hi}{┌┐└┘─│├┤┴┬┼◆▒°±·←→↓↑█░␋}r/ge;
            s/\x0f//g; s/ +$//mg') || NVT_SCREEN=""
}

nvt_show_screen() {
    local i=0 line
    echo "---- screen (${NVT_COLS}x${NVT_ROWS}) ----"
    while IFS= read -r line; do
        printf '%2d|%s\n' "$i" "$line"
        i=$((i + 1))
    done <<<"$NVT_SCREEN"
    echo "----"
    local log="$NVT_TMP/state/ncvirt/stderr.log"
    if [[ -s $log ]]; then
        echo "---- ncvirt stderr.log (last 20 lines) ----"
        tail -n 20 "$log"
        echo "----"
    fi
}

# Fails the test: the message, then the screen as last captured. Exits with status 1, or with
# NVT_SOFT=1 counts the failure and returns 1 so the test can go on (nvt_done exits 1 then).
nvt_fail() {
    echo "FAIL: $*"
    nvt_show_screen
    NVT_FAILURES=$((NVT_FAILURES + 1))
    ((NVT_SOFT)) && return 1
    exit 1
}

# Ends the test: 0 if nothing failed.
nvt_done() {
    if ((NVT_FAILURES > 0)); then
        echo "$NVT_FAILURES check(s) failed"
        exit 1
    fi
    echo "all checks passed"
    exit 0
}

# Screen predicates, on NVT_SCREEN.
nvt_has() { [[ $NVT_SCREEN == *"$1"* ]]; }
nvt_lacks() { [[ $NVT_SCREEN != *"$1"* ]]; }
nvt_has_re() { grep -Eq -- "$1" <<<"$NVT_SCREEN"; }
nvt_lacks_re() { ! grep -Eq -- "$1" <<<"$NVT_SCREEN"; }
nvt_has_all() {
    local t
    for t in "$@"; do nvt_has "$t" || return 1; done
}

# nvt_wait_until DESCRIPTION TIMEOUT COMMAND [ARGS...]
# Captures every 0.1 s until COMMAND (run on NVT_SCREEN) succeeds; fails after TIMEOUT seconds.
nvt_wait_until() {
    local desc=$1 timeout=$2
    shift 2
    local start deadline
    start=$(nvt_now_ms)
    # Slower builds (scripts/asan-suites) stretch every wait by this whole factor.
    deadline=$((start + $(nvt_ms "$timeout") * ${NCVIRT_TEST_SLOWDOWN:-1}))
    while :; do
        nvt_capture
        if "$@"; then
            # shellcheck disable=SC2034
            NVT_WAITED_MS=$(($(nvt_now_ms) - start))
            return 0
        fi
        if (($(nvt_now_ms) >= deadline)); then
            nvt_fail "$desc (waited ${timeout}s)"
            return 1
        fi
        sleep 0.1
    done
}

nvt_wait_for() { nvt_wait_until "no '$1' on the screen" "${2:-$NVT_TIMEOUT}" nvt_has "$1"; }
nvt_wait_gone() { nvt_wait_until "'$1' still on the screen" "${2:-$NVT_TIMEOUT}" nvt_lacks "$1"; }
nvt_wait_re() { nvt_wait_until "no match for /$1/ on the screen" "${2:-$NVT_TIMEOUT}" nvt_has_re "$1"; }
nvt_wait_gone_re() {
    nvt_wait_until "/$1/ still matches the screen" "${2:-$NVT_TIMEOUT}" nvt_lacks_re "$1"
}
nvt_wait_all() {
    local timeout=$1
    shift
    nvt_wait_until "not all of [$*] on the screen" "$timeout" nvt_has_all "$@"
}

# Immediate checks on the last capture.
# shellcheck disable=SC2016 # '$1' is inside double quotes
nvt_assert_has() { nvt_has "$1" || nvt_fail "${2:-no '$1' on the screen}"; }
# shellcheck disable=SC2016
nvt_assert_lacks() { nvt_lacks "$1" || nvt_fail "${2:-'$1' is on the screen}"; }
nvt_assert_re() { nvt_has_re "$1" || nvt_fail "${2:-no match for /$1/ on the screen}"; }

# Line N (0-based) of the last capture.
nvt_line() {
    sed -n "$(($1 + 1))p" <<<"$NVT_SCREEN"
}

# Regex-quotes a string for grep -E.
nvt_re_quote() {
    # shellcheck disable=SC2001
    sed 's#[][\.*^$?+(){}|]#\\&#g' <<<"$1"
}
