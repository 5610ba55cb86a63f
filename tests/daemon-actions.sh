#!/usr/bin/env bash
# shellcheck disable=SC2317 # functions called through nvt_wait_until and the cleanup hooks
# End to end, against the real daemon (qemu:///system) and the real test guest (tests/guest):
# ncvirt in tmux drives the domain actions and virsh checks what they did.
#   s starts the guest (serial marker NCVIRT-GUEST-READY); S + "ACPI power button" shuts it
#   off; p pauses and resumes; m (managed save) shows a job in the status line and leaves the
#   domain shut off with a managed save, which s restores; two small diskless domains marked
#   with Space start together, and F names both in its confirmation before forcing them off;
#   D on a domain with two qcow2 volumes in a dir pool (one also used by another domain) ticks
#   only the unshared one and deletes exactly that; an $EDITOR that breaks the XML gets
#   libvirt's error, and discarding leaves `virsh dumpxml --inactive` byte for byte as before.
# Everything it defines is removed even on failure. Skips (77) only when the daemon cannot run.
set -uo pipefail

: "${NCVIRT_SRCDIR:?NCVIRT_SRCDIR is not set (run through meson test)}"
: "${NCVIRT_TESTDIR:?NCVIRT_TESTDIR is not set (run through meson test)}"
: "${NCVIRT_BUILDDIR:?NCVIRT_BUILDDIR is not set (run through meson test)}"
# shellcheck source=tests/lib-tmux.sh
. "$NCVIRT_TESTDIR/lib-tmux.sh"

uri=qemu:///system
# shellcheck source=tests/lib-daemon.sh
. "$NCVIRT_TESTDIR/lib-daemon.sh"
nvd_need_root "$uri"
nvd_need_command virsh "run scripts/bootstrap"
nvd_start_daemon
nvt_init

export GUEST_URI=$uri
# shellcheck source=tests/guest/lib-guest.sh
. "$NCVIRT_TESTDIR/guest/lib-guest.sh"

# Distinct prefixes, so a filter picks exactly the domains of one step.
guest="nvtest-actg-$$"
small_a="nvtest-actx-$$-a"
small_b="nvtest-actx-$$-b"
victim="nvtest-actd-$$-del"
sharer="nvtest-actd-$$-sharer"
pool="nvtest-act-$$"
pool_dir="$NVT_TMP/pool"

cleanup_all() {
    local d
    for d in "$guest" "$small_a" "$small_b" "$victim" "$sharer"; do
        guest_cleanup "$d"
    done
    if guest_virsh pool-info "$pool" >/dev/null 2>&1; then
        local v
        for v in $(guest_virsh vol-list "$pool" 2>/dev/null | awk '{print $1}'); do
            guest_virsh vol-delete --pool "$pool" "$v" >/dev/null 2>&1
        done
        guest_virsh pool-destroy "$pool" >/dev/null 2>&1
        guest_virsh pool-undefine "$pool" >/dev/null 2>&1
    fi
    return 0
}
NVT_CLEANUP_HOOKS+=(cleanup_all)

die() {
    echo "FAIL: $*"
    guest_log_tail "$guest" 20
    exit 1
}
q() { nvt_re_quote "$1"; }
domstate() { guest_virsh domstate "$1" 2>&1; }
# The row of a domain in the list: "<state> <name>" with the name ending the column.
row_re() { echo "$1 +$(q "$2")( |$)"; }
status_line() { nvt_line $((NVT_ROWS - 1)); }
# Waits for virsh to agree (the screen follows events, virsh is the truth).
wait_state() {
    guest_wait_state "$1" "$2" "${3:-30}" || nvt_fail "virsh: $1 is not '$2'"
}

# ---- the objects ----
cache=$(guest_build "$NCVIRT_BUILDDIR/guest-cache") || die "building the guest failed"
guest_xml "$guest" "$cache" >"$NVT_TMP/guest.xml"
out=$(guest_virsh define "$NVT_TMP/guest.xml" 2>&1) || die "virsh define: $out"

# A domain with no disk, no NIC and nothing to boot: QEMU starts it and waits in the firmware.
small_xml() {
    cat <<EOF
<domain type='qemu'>
  <name>$1</name>
  <memory unit='MiB'>32</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64'>hvm</type></os>
  <on_poweroff>destroy</on_poweroff>
  <devices>
    <memballoon model='none'/>
$2
  </devices>
</domain>
EOF
}
for d in "$small_a" "$small_b"; do
    small_xml "$d" "" >"$NVT_TMP/$d.xml"
    out=$(guest_virsh define "$NVT_TMP/$d.xml" 2>&1) || die "virsh define $d: $out"
done

mkdir -p "$pool_dir"
out=$(guest_virsh pool-define-as "$pool" dir --target "$pool_dir" 2>&1) || die "pool-define: $out"
out=$(guest_virsh pool-start "$pool" 2>&1) || die "pool-start: $out"
for v in own.qcow2 shared.qcow2; do
    out=$(guest_virsh vol-create-as "$pool" "$v" 16M --format qcow2 2>&1) ||
        die "vol-create-as $v: $out"
done
disk() {
    echo "<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>" \
        "<source file='$pool_dir/$1'/><target dev='$2' bus='virtio'/></disk>"
}
small_xml "$victim" "$(disk own.qcow2 vda) $(disk shared.qcow2 vdb)" >"$NVT_TMP/victim.xml"
small_xml "$sharer" "$(disk shared.qcow2 vda)" >"$NVT_TMP/sharer.xml"
for d in victim sharer; do
    out=$(guest_virsh define "$NVT_TMP/$d.xml" 2>&1) || die "virsh define $d: $out"
done
nvt_ok "defined $guest, $small_a, $small_b, $victim, $sharer and pool $pool"

# The editor for the XML step: a bogus element inside <devices>, which the schema refuses.
cat >"$NVT_TMP/break-xml" <<'EOF'
#!/bin/sh
exec sed -i 's#</devices>#<bogus/></devices>#' "$1"
EOF
chmod +x "$NVT_TMP/break-xml"

# ---- ncvirt ----
mkdir -p "$NVT_TMP/tmp"
nvt_start 160 40 "VISUAL=" "EDITOR=$NVT_TMP/break-xml" "TMPDIR=$NVT_TMP/tmp" -- \
    "$NCVIRT_BIN" -c "$uri"
nvt_wait_for "┌─ Domains (" 15

# Shows only the domains whose names contain $1.
filter() {
    nvt_keys Escape /
    nvt_wait_for "filter: "
    nvt_type "$1"
    nvt_keys Enter
    nvt_wait_gone "filter: "
}

filter "$guest"
nvt_wait_re "$(row_re "shut off" "$guest")" 10
nvt_ok "$guest listed, shut off"

# ---- start, ACPI shutdown ----
t=$(nvt_now_ms)
nvt_keys s
nvt_wait_re "$(row_re running "$guest")" 30
nvt_wait_for "started '$guest'" 5
guest_wait_marker "$guest" NCVIRT-GUEST-READY 120 || die "no NCVIRT-GUEST-READY within 120 s of s"
nvt_ok "s: running, NCVIRT-GUEST-READY after $(nvt_secs "$t") s"

nvt_keys S
nvt_wait_all 5 "Shut down" "ACPI power button" "guest agent"
nvt_keys Enter
nvt_wait_for "shutting down '$guest'" 5
t=$(nvt_now_ms)
nvt_wait_re "$(row_re "shut off" "$guest")" 60
wait_state "$guest" "shut off" 5
nvt_ok "S + ACPI power button: shut off after $(nvt_secs "$t") s"

# ---- pause, resume ----
nvt_keys s
nvt_wait_re "$(row_re running "$guest")" 30
nvt_keys p
nvt_wait_re "$(row_re paused "$guest")" 10
wait_state "$guest" paused 5
nvt_wait_for "paused '$guest'" 5
nvt_keys p
nvt_wait_re "$(row_re running "$guest")" 10
wait_state "$guest" running 5
nvt_ok "p pauses, p resumes"

# ---- managed save as a job, start restores ----
guest_wait_marker "$guest" NCVIRT-GUEST-READY 120 || die "the guest did not boot again"
t=$(nvt_now_ms)
nvt_keys m
# The job shows in the status line (a bar, or a spinner while libvirt gives no numbers).
nvt_wait_until "no managed-save job in the status line" 10 \
    eval '[[ $(status_line) == *"managed save $guest"* ]]'
nvt_ok "m: the status line shows the job: $(status_line)"
# While it runs, libvirt's job stats turn the spinner into a bar ("[███░░]  45% ...").
bar=""
seen_bar() {
    local line
    line=$(status_line)
    [[ -z $bar && $line == *"%"*"managed save $guest"* ]] && bar=$line
    nvt_has "saved '$guest'"
}
nvt_wait_until "no 'saved '$guest'' on the screen" 120 seen_bar
if [[ -n $bar ]]; then
    nvt_ok "the job showed its progress: $bar"
else
    nvt_log "# no progress fraction seen (the save was quicker than a poll, or no job stats)"
fi
nvt_wait_re "$(row_re "shut off" "$guest")" 10
nvt_ok "managed save done after $(nvt_secs "$t") s"
info=$(guest_virsh dominfo "$guest" 2>&1)
grep -Eq '^Managed save: +yes' <<<"$info" || nvt_fail "virsh dominfo: no managed save: $info"
wait_state "$guest" "shut off" 5

t=$(nvt_now_ms)
nvt_keys s
nvt_wait_for "started '$guest' (restored from its managed save)" 120
nvt_wait_re "$(row_re running "$guest")" 10
wait_state "$guest" running 5
info=$(guest_virsh dominfo "$guest" 2>&1)
grep -Eq '^Managed save: +no' <<<"$info" || nvt_fail "the managed save is still there: $info"
nvt_ok "s restores the managed save: running after $(nvt_secs "$t") s"

# ---- two marked domains ----
filter "nvtest-actx-$$"
nvt_wait_re "Domains \\(2 of [0-9]+\\)" 10
nvt_keys Home Space Space
nvt_wait_for ", 2 marked" 5
nvt_keys s
nvt_wait_for "started 2" 30
nvt_wait_re "$(row_re running "$small_a")" 10
nvt_wait_re "$(row_re running "$small_b")" 10
wait_state "$small_a" running 5
wait_state "$small_b" running 5
nvt_ok "Space Space s: both started, status 'started 2'"

nvt_keys F
nvt_wait_all 5 "Force off" "• $small_a" "• $small_b"
nvt_ok "F: the confirmation names both"
nvt_keys y
nvt_wait_for "forced off 2" 20
nvt_wait_re "$(row_re "shut off" "$small_a")" 10
nvt_wait_re "$(row_re "shut off" "$small_b")" 10
wait_state "$small_a" "shut off" 5
wait_state "$small_b" "shut off" 5
nvt_ok "y: both forced off, status 'forced off 2'"
nvt_keys "*" # clears the marks
nvt_wait_gone ", 2 marked" 5

# ---- delete with the storage checklist ----
vols_before=$(guest_virsh vol-list "$pool" | awk '{print $1}' | sort | xargs)
[[ $vols_before == "own.qcow2 shared.qcow2" ]] || nvt_fail "volumes before: $vols_before"
filter "$victim"
nvt_wait_re "$(row_re "shut off" "$victim")" 10
nvt_keys D
# Paths too long for the dialog keep only their file name.
own_re="\\[x\\] vda ($(q "$pool_dir")|…)/own\\.qcow2 \\(volume in pool $(q "$pool")\\)"
shared_re="\\[ \\] vdb ($(q "$pool_dir")|…)/shared\\.qcow2 \\(also used by $(q "$sharer")"
nvt_wait_re "$own_re" 15
nvt_assert_re "$shared_re" "the shared volume is not listed unticked with its other user"
nvt_ok "D: the checklist ticks own.qcow2 only; shared.qcow2 is unticked, used by $sharer"
nvt_keys Enter
nvt_wait_all 5 "Delete '$victim'?" "volume $pool/own.qcow2"
nvt_assert_lacks "volume $pool/shared.qcow2"
nvt_keys y
nvt_wait_for "deleted '$victim' and $pool/own.qcow2" 20
guest_virsh domstate "$victim" >/dev/null 2>&1 && nvt_fail "$victim is still defined"
vols_after=$(guest_virsh vol-list "$pool" | awk '{print $1}' | sort | xargs)
[[ $vols_after == "shared.qcow2" ]] || nvt_fail "volumes after: '$vols_after', not 'shared.qcow2'"
[[ $(domstate "$sharer") == "shut off" ]] || nvt_fail "$sharer is gone or changed"
nvt_ok "y: $victim undefined, exactly own.qcow2 deleted (volumes: $vols_after)"

# ---- an XML edit libvirt refuses, discarded ----
guest_virsh dumpxml --inactive "$guest" >"$NVT_TMP/before.xml" || nvt_fail "dumpxml"
filter "$guest"
nvt_wait_re "$(row_re running "$guest")" 10
nvt_keys e
nvt_wait_all 20 "'$guest' is unchanged" "libvirt refused the edit"
nvt_assert_re "cannot define '$(q "$guest")': .*(schema|bogus|devices)" \
    "libvirt's reason is not shown"
nvt_ok "e with a broken edit: libvirt's error is shown"
nvt_keys n
nvt_wait_for "discarded: the definition of '$guest' is unchanged" 5
guest_virsh dumpxml --inactive "$guest" >"$NVT_TMP/after.xml" || nvt_fail "dumpxml"
cmp -s "$NVT_TMP/before.xml" "$NVT_TMP/after.xml" ||
    nvt_fail "the inactive XML changed: $(diff "$NVT_TMP/before.xml" "$NVT_TMP/after.xml")"
ls "$NVT_TMP/tmp"/ncvirt-edit-* >/dev/null 2>&1 && nvt_fail "the temp file was left behind"
nvt_ok "n: dumpxml --inactive is byte-identical, the temp file is gone"

nvt_keys q
nvt_wait_for "EXIT=0" 10
nvt_ok "q: exit status 0"
nvt_done
