# shellcheck shell=bash
# Test guests on the real daemon (qemu:///system): TCG (domain type qemu), direct kernel boot
# of Debian's kernel with a busybox initramfs (tests/guest/build-guest.sh, tests/guest/init).
# A guest reaches a serial shell in about 20 s. Source it from a test script:
#
#   . "$NCVIRT_TESTDIR/guest/lib-guest.sh"
#   cache=$(guest_build "$NCVIRT_BUILDDIR/guest-cache") || exit 1
#   name=nvtest-foo-$$
#   trap 'guest_cleanup "$name"' EXIT
#   guest_xml "$name" "$cache" >"$tmp/dom.xml"
#   guest_virsh define "$tmp/dom.xml" && guest_virsh start "$name"
#   guest_wait_marker "$name" NCVIRT-GUEST-READY 90
#   guest_serial_send "$name" 'echo NV""-OK'      # types a line into the serial shell
#   guest_wait_marker "$name" NV-OK 20
#   guest_virsh shutdown "$name"; guest_wait_state "$name" "shut off" 60
#
# The guest: 256 MiB, 1 vCPU, no NIC, no disk; an interactive root shell on the serial port
# (ttyS0, also the <console>) and on the VGA console (tty1, shown by VNC on 127.0.0.1), both
# respawned; ACPI power button -> poweroff, so `virsh shutdown` works and, with
# <on_poweroff>destroy</on_poweroff>, the domain ends shut off. The kernel command line sets
# the guest's hostname to the domain name (prompt `NAME:/root# `).
#
# What the guest prints on its serial port goes to guest_serial_log NAME
# (/var/log/libvirt/qemu/NAME-serial.log), which QEMU truncates each time it starts (also on a
# restore from managed save), but not on `virsh reboot` (the same QEMU process resets: count
# the markers, or wait for a fresh one). The log also has the shell's echo of whatever was typed, so a
# marker a test types must not match its own echo: split it (`echo NV""-OK` prints NV-OK) or
# compute it (`echo NV-$((40+2))`).
# Internal snapshots need a qcow2 disk: pass one as extra devices XML to guest_xml.

GUEST_URI=${GUEST_URI:-qemu:///system}
GUEST_LIBDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# guest_virsh ARGS...: virsh -q on GUEST_URI, killed after 30 s: a stuck daemon must not
# outlast the test's own timeouts.
guest_virsh() {
    timeout 30 virsh -q -c "$GUEST_URI" "$@"
}

# guest_build CACHE: builds (or reuses) the kernel and initramfs in CACHE; prints CACHE's
# absolute path. Progress goes to stderr. Returns 1 on failure.
guest_build() {
    bash "$GUEST_LIBDIR/build-guest.sh" "${1:?guest_build CACHE}"
}

guest_serial_log() {
    echo "/var/log/libvirt/qemu/${1:?guest_serial_log NAME}-serial.log"
}

_guest_xml_escape() {
    local s=$1
    s=${s//&/&amp;}
    s=${s//</&lt;}
    s=${s//>/&gt;}
    s=${s//\'/&apos;}
    printf '%s' "$s"
}

# guest_xml NAME CACHE [EXTRA_DEVICES_XML]: prints the domain XML.
guest_xml() {
    local name=${1:?guest_xml NAME CACHE [EXTRA]} cache=${2:?guest_xml NAME CACHE [EXTRA]}
    local extra=${3:-}
    cache=$(cd "$cache" && pwd) || return 1
    local n k i l
    n=$(_guest_xml_escape "$name")
    k=$(_guest_xml_escape "$cache/vmlinuz")
    i=$(_guest_xml_escape "$cache/initramfs.gz")
    l=$(_guest_xml_escape "$(guest_serial_log "$name")")
    cat <<EOF
<domain type='qemu'>
  <name>$n</name>
  <memory unit='MiB'>256</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64'>hvm</type>
    <kernel>$k</kernel>
    <initrd>$i</initrd>
    <cmdline>console=ttyS0 console=tty0 quiet ncvirt.hostname=$n</cmdline>
  </os>
  <features><acpi/></features>
  <clock offset='utc'/>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <serial type='pty'>
      <log file='$l' append='off'/>
      <target port='0'/>
    </serial>
    <console type='pty'><target type='serial' port='0'/></console>
    <graphics type='vnc' autoport='yes' listen='127.0.0.1'>
      <listen type='address' address='127.0.0.1'/>
    </graphics>
    <video><model type='vga'/></video>
    <memballoon model='none'/>
$extra
  </devices>
</domain>
EOF
}

# guest_wait_marker NAME MARKER TIMEOUT: polls the serial log until it has MARKER (a fixed
# string) or TIMEOUT seconds pass; gives up early when the domain is no longer running.
# Returns 1 with the end of the log on stderr on failure.
guest_wait_marker() {
    local name=${1:?} marker=${2:?} timeout=${3:-90}
    local log deadline now state=""
    log=$(guest_serial_log "$name")
    deadline=$(($(date +%s) + timeout))
    local tick=0
    while :; do
        if [[ -r $log ]] && grep -aqF -- "$marker" "$log"; then
            return 0
        fi
        now=$(date +%s)
        if ((now >= deadline)); then
            echo "guest_wait_marker: no '$marker' from $name after ${timeout} s" >&2
            break
        fi
        # Every ~5 s: a guest that is not running will print nothing more.
        if ((++tick % 10 == 0)); then
            state=$(guest_virsh domstate "$name" 2>&1)
            if [[ $state != running* ]]; then
                echo "guest_wait_marker: $name is '$state', waiting for '$marker'" >&2
                break
            fi
        fi
        sleep 0.5
    done
    echo "--- last lines of $log:" >&2
    tail -n 15 "$log" 2>/dev/null | sed 's/^/    /' >&2
    return 1
}

# guest_wait_state NAME STATE TIMEOUT: waits until `virsh domstate` says STATE (e.g. "shut off").
guest_wait_state() {
    local name=${1:?} want=${2:?} timeout=${3:-60} state deadline
    deadline=$(($(date +%s) + timeout))
    while :; do
        state=$(guest_virsh domstate "$name" 2>&1)
        [[ $state == "$want" ]] && return 0
        if (($(date +%s) >= deadline)); then
            echo "guest_wait_state: $name is '$state' after ${timeout} s, not '$want'" >&2
            return 1
        fi
        sleep 0.5
    done
}

# guest_serial_send NAME LINE [TIMEOUT]: types LINE and Enter into the guest's serial shell
# through `virsh console --force` (run in a pty by python3), waits until the guest has echoed
# the line back (so the shell has it), then detaches. Does not wait for the command's output:
# use guest_wait_marker. Returns 1 (with virsh's output on stderr) if the echo never came.
# Keep LINE under ~50 characters: the shell wraps longer echoes at 80 columns. --force takes
# the console from any other session (e.g. ncvirt's), which then sees it closed.
guest_serial_send() {
    local name=${1:?} line=${2?} timeout=${3:-20}
    python3 - "$GUEST_URI" "$name" "$line" "$timeout" <<'PY'
import os, pty, select, signal, sys, termios, time

uri, name, line, timeout = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
pid, fd = pty.fork()
if pid == 0:
    os.execvp("virsh", ["virsh", "-c", uri, "console", "--force", name])

buf = b""
deadline = time.monotonic() + timeout

def read_until(pred):
    global buf
    while not pred():
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        r, _, _ = select.select([fd], [], [], min(left, 0.5))
        if r:
            try:
                data = os.read(fd, 4096)
            except OSError:
                return pred()
            if not data:
                return pred()
            buf += data
    return True

def raw():
    # virsh prints its banner, then switches the terminal to raw mode with TCSAFLUSH: input
    # written before that is echoed locally and then discarded.
    try:
        return not termios.tcgetattr(fd)[3] & termios.ICANON
    except termios.error:
        return False

def wait_raw():
    while not raw():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True

ok = False
if read_until(lambda: b"Escape character" in buf) and wait_raw():
    start = len(buf)
    want = line.encode()
    # The guest echoes each character; a long line may wrap with \r or escape sequences, so
    # only its last 20 characters are looked for.
    tail = want[-20:] if want else b""

    def echoed():
        seg = buf[start:]
        i = seg.find(tail)
        return i >= 0 and b"\n" in seg[i + len(tail):]

    try:
        os.write(fd, want + b"\r")
        ok = read_until(echoed)
    except OSError:
        ok = False
# ^] detaches; virsh only sees it as the escape when it arrives alone in one read.
time.sleep(0.1)
try:
    os.write(fd, b"\x1d")
except OSError:
    pass
end = time.monotonic() + 5
while time.monotonic() < end:
    if os.waitpid(pid, os.WNOHANG)[0]:
        break
    r, _, _ = select.select([fd], [], [], 0.1)
    if r:
        try:
            os.read(fd, 4096)
        except OSError:
            time.sleep(0.1)
else:
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
if not ok:
    sys.stderr.write("guest_serial_send: %s did not echo %r; console said:\n%s\n"
                     % (name, line, buf.decode(errors="replace")[-2000:]))
    sys.exit(1)
PY
}

# guest_cleanup NAME: destroys and undefines the domain (with its NVRAM, managed save image and
# snapshot metadata) and removes its serial log and libvirt's log of its QEMU process. Ignores
# errors; always returns 0.
guest_cleanup() {
    local name=${1:?} i
    # A daemon that another test is restarting would leave the guest behind: wait for it
    # (up to 30 s).
    for i in $(seq 1 60); do
        guest_virsh version >/dev/null 2>&1 && break
        sleep 0.5
    done
    guest_virsh destroy "$name" >/dev/null 2>&1
    guest_virsh undefine "$name" --nvram --managed-save --snapshots-metadata \
        >/dev/null 2>&1 ||
        guest_virsh undefine "$name" >/dev/null 2>&1
    rm -f -- "$(guest_serial_log "$name")" "/var/log/libvirt/qemu/$name.log"
    return 0
}

# guest_log_tail NAME LINES: the last LINES lines of the guest's serial log (what it printed
# and the echo of what was typed), control characters made visible; nothing when it is empty.
# For a failing test's report, before guest_cleanup removes the log.
guest_log_tail() {
    local log
    log=$(guest_serial_log "${1:?}")
    [[ -s $log ]] || return 0
    echo "--- $log (last $2 lines):"
    tail -n "$2" "$log" | cat -v | sed 's/^/    /'
}
