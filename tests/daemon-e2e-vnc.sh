#!/usr/bin/env bash
# shellcheck disable=SC2317 # functions called through nvt_wait_until and the cleanup hooks
# End to end, against the real daemon (qemu:///system) and a real test guest (tests/guest:
# TCG, a shell on the VGA console tty1, VNC on 127.0.0.1 only): ncvirt in tmux opens the
# domain's VNC display with `v`; the top line names "VNC", the domain and the framebuffer size;
# a command typed in the terminal reaches the tty1 shell as X keysyms and writes a computed
# marker to the serial port (read back from the serial log); C-] s saves a screenshot whose
# PNG header has the size the top line shows; C-] q leaves to the domain list and q quits with
# status 0. HOME and the XDG dirs are private, so the screenshot lands in the test's temp dir.
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

name="nvtest-vnc-$$"
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

# ---- ncvirt, with a private HOME ----
home="$NVT_TMP/home"
mkdir -p "$home" "$NVT_TMP/data" "$NVT_TMP/cache"
# Wide enough for the top line with the screenshot's full path after it.
nvt_start 220 50 "HOME=$home" "XDG_DATA_HOME=$NVT_TMP/data" "XDG_CACHE_HOME=$NVT_TMP/cache" \
    -- "$NCVIRT_BIN" -c "$uri"
q() { nvt_re_quote "$1"; }
nvt_wait_for "┌─ Domains (" 15
nvt_keys /
nvt_wait_for "filter: "
nvt_type "$name"
nvt_keys Enter
nvt_wait_re "┌─ Domains \\(1 of [0-9]+\\) /$(q "$name") ─"
nvt_wait_re "running +$(q "$name")( |$)" 10
nvt_wait_gone "filter: "
nvt_ok "$name listed, running"

# ---- the VNC view ----
nvt_keys v
header_re="^ VNC +$(q "$name") +([1-9][0-9]*)x([1-9][0-9]*) "
# The frame goes below the top line: block symbols on the top line mean it was painted over.
blocks='[▀▄█▌▐▖▗▘▙▚▛▜▝▞▟]'
header_shown() {
    nvt_has_re "$header_re" && ! nvt_line 0 | grep -q "$blocks"
}
nvt_wait_until "no top line /$header_re/ free of frame cells" 20 header_shown
fb=$(nvt_line 0 | grep -Eo -- "$header_re" | grep -Eo '[0-9]+x[0-9]+ $')
fb=${fb% }
fb_w=${fb%x*} fb_h=${fb#*x}
nvt_ok "v: top line shows VNC, $name and the framebuffer ${fb_w}x${fb_h} after ${NVT_WAITED_MS} ms"
[[ $(nvt_line 0) == *"C-] menu"* ]] || nvt_fail "the top line does not name the menu key C-]"
# A frame no wider than the screen below the top line (a cell is two pixels tall) fills its
# height: the frame's last row is the screen's last row.
if ((fb_w * (NVT_ROWS - 1) * 2 <= fb_h * NVT_COLS)); then
    bottom_drawn() { nvt_line $((NVT_ROWS - 1)) | grep -q "$blocks"; }
    nvt_wait_until "the frame does not reach the bottom row $((NVT_ROWS - 1))" 5 bottom_drawn
    nvt_ok "the frame fills rows 1..$((NVT_ROWS - 1)) below the top line"
fi

# Keys: typed in the terminal, sent as X keysyms to the VGA console's shell (tty1), which
# writes the computed marker to the serial port. The typed line itself only shows on tty1.
t=$(nvt_now_ms)
# shellcheck disable=SC2016 # expanded by the guest's shell
nvt_type 'echo NV""VNC$((6*7)) > /dev/ttyS0'
nvt_keys Enter
if ! guest_wait_marker "$name" NVVNC42 30; then
    nvt_capture
    nvt_fail "the command typed into the VNC view did not reach the tty1 shell (no NVVNC42 on ttyS0)"
fi
nvt_ok "keys reach the tty1 shell: NVVNC42 in the serial log after $(nvt_secs "$t") s"

# ---- screenshot ----
nvt_keys C-]
nvt_wait_for " q leave · k send key · s screenshot" 5
nvt_keys s
shot_re="screenshot ([0-9]+)x([0-9]+) saved to (/[^ ]+\\.png)"
nvt_wait_re "$shot_re" 10
shot=$(nvt_line 0 | grep -Eo -- "$shot_re")
shot_size=$(sed -E "s#^$shot_re\$#\\1x\\2#" <<<"$shot")
shot_path=$(sed -E "s#^$shot_re\$#\\3#" <<<"$shot")
nvt_ok "C-] s: '$shot'"
[[ $shot_path == "$home"/* ]] || nvt_fail "the screenshot is not in the private HOME ($home): $shot_path"
[[ $shot_size == "$fb_w"x"$fb_h" ]] ||
    nvt_fail "the status line says $shot_size, the top line ${fb_w}x${fb_h}"
[[ -f $shot_path ]] || nvt_fail "no file $shot_path"
png=$(python3 - "$shot_path" <<'PY'
import struct, sys
data = open(sys.argv[1], "rb").read(33)
if len(data) < 33 or data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
    print("not a PNG: %r" % data[:16])
    sys.exit(1)
w, h = struct.unpack(">II", data[16:24])
print("%dx%d" % (w, h))
PY
) || nvt_fail "$shot_path: $png"
[[ $png == "$fb_w"x"$fb_h" ]] ||
    nvt_fail "$shot_path: IHDR says $png, the top line ${fb_w}x${fb_h}"
nvt_ok "$shot_path is a PNG, IHDR ${png} = the framebuffer size"
rm -f -- "$shot_path"

# ---- leave, quit ----
nvt_keys C-]
nvt_wait_for " q leave · k send key" 5
nvt_keys q
nvt_wait_re "┌─ Domains \\(1 of [0-9]+\\) /$(q "$name") ─" 5
nvt_wait_gone_re "^ VNC " 5
nvt_ok "C-] q: the domain list is back after ${NVT_WAITED_MS} ms"
nvt_keys q
nvt_wait_for EXIT=0 5
nvt_ok "q: ncvirt exits with status 0"
echo "total $(nvt_secs "$t0") s"
nvt_done
