#!/usr/bin/env bash
# shellcheck disable=SC2317 # functions called indirectly
# Fault injection on libvirt's test driver: every step of every multi-step operation is made to
# fail in turn, through the real binary in tmux with the shim tests/fault-inject.c preloaded
# (NCVIRT_FAULT=FUNCTION:N fails the Nth call of FUNCTION with a libvirt error whose text holds
# "NCVIRT_FAULT FUNCTION#N"). For each operation and step, a fresh ncvirt on a test-driver node
# (one shut-off domain nvf-src with a volume in pool nvf-pool) runs the operation; the test
# checks that
#   - the fault fired (the shim's log has it: a step the operation never reaches fails the test),
#   - the user was told: libvirt's text, or ncvirt's summary of it, is on the screen,
#   - nothing half made is left: the Domains, Storage (with the pool's volumes) and Networks
#     panes of the same session show exactly what was there before, plus whatever the operation
#     finished whole (a batch clone keeps the clones that were made, each with its volume).
# A second kind of case fails a step and the undoing of it too (FUNCTION:N,UNDO:M): the message
# must say first what failed, then name what it left, and exactly that must be left.
# Each case prints "outcome: OPERATION STEP: STATUS LINE" for the report. The test driver lives
# inside ncvirt, so nothing outlives a case.
set -uo pipefail

: "${NCVIRT_TESTDIR:?NCVIRT_TESTDIR is not set (run through meson test)}"
# shellcheck source=tests/lib-tmux.sh
. "$NCVIRT_TESTDIR/lib-tmux.sh"
nvt_init
NVT_TIMEOUT=10
NVT_SOFT=1
[[ -r ${NCVIRT_FAULT_SO:-} ]] || nvt_skip "the fault shim (NCVIRT_FAULT_SO) is not built"

node="$NVT_TMP/node.xml"
cat >"$node" <<'EOF'
<node>
  <domain type='test' xmlns:test='http://libvirt.org/schemas/domain/test/1.0'>
    <name>nvf-src</name>
    <uuid>6695eb01-f6a4-8304-79aa-97f2502e193f</uuid>
    <memory>65536</memory>
    <vcpu>1</vcpu>
    <os><type>hvm</type></os>
    <devices>
      <disk type='file' device='disk'>
        <driver name='qemu' type='raw'/>
        <source file='/nvf-pool/nvf-src.img'/>
        <target dev='vda' bus='virtio'/>
      </disk>
      <interface type='network'>
        <mac address='52:54:00:aa:bb:01'/>
        <source network='default'/>
      </interface>
    </devices>
    <test:runstate>5</test:runstate>
  </domain>
  <network>
    <name>default</name>
    <bridge name='virbr0'/>
    <forward/>
    <ip address='192.168.122.1' netmask='255.255.255.0'/>
  </network>
  <pool type='dir'>
    <name>nvf-pool</name>
    <target><path>/nvf-pool</path></target>
    <volume type='file'>
      <name>nvf-src.img</name>
      <capacity>1048576</capacity>
      <allocation>1048576</allocation>
      <target><format type='raw'/></target>
    </volume>
  </pool>
</node>
EOF
log="$NVT_TMP/faults.log"
iso="$NVT_TMP/disc.iso"
printf 'CD001 ncvirt faults %.0s' {1..2000} >"$iso"
CASES=0
OUTCOMES=()
TOLD_SCREEN=""   # the screen and status line when the fault was told (for left_told)
TOLD_STATUS=""

# ---- one case: a fresh ncvirt with one fault armed ----

fault_start() {
    : >"$log"
    nvt_start 200 45 "NCVIRT_FAULT=$1" "NCVIRT_FAULT_LOG=$log" "LD_PRELOAD=$NCVIRT_FAULT_SO" -- \
        "$NCVIRT_BIN" -c "test://$node"
    nvt_wait_for "Domains (1)" 15
}

# Types into the focused field, replacing its text.
set_field() {
    nvt_keys C-u
    nvt_type "$1"
}

# Steps a choice field with Space until it shows TEXT.
pick() {
    local text=$1 i
    for i in $(seq 1 12); do
        nvt_capture
        nvt_has "‹ $text ›" && return 0
        nvt_keys Space
        sleep 0.05
    done
    nvt_fail "cannot pick '$text'"
}

leave_wizard() {
    nvt_keys Escape
    nvt_wait_for "Leave the wizard?" || return 1
    nvt_keys y
    nvt_wait_gone "Leave the wizard?"
}

# ---- what is left: the panes of the same session ----

# domains_are N NAME...: the Domains pane lists N domains, among them each NAME.
domains_are() {
    local n=$1 name
    shift
    nvt_keys 1
    nvt_wait_for "┌─ Domains ($n) ─" || return 1
    for name in "$@"; do
        nvt_wait_re "shut off +$(nvt_re_quote "$name") " || return 1
    done
}

# volumes_are N NAME...: pool nvf-pool holds N volumes, among them each NAME.
volumes_are() {
    local n=$1 name got
    shift
    nvt_keys 2
    nvt_wait_for "┌─ Storage (" || return 1
    nvt_keys Home Enter
    nvt_wait_for "Volumes (↑↓ pick, Esc back)" || return 1
    sleep 0.3
    nvt_capture
    got=$(grep -cE '^.*│ *[▶ ] [^ ]+ +(raw|qcow2|iso) +capacity ' <<<"$NVT_SCREEN")
    if [[ $got != "$n" ]]; then
        nvt_fail "pool nvf-pool holds $got volumes, not $n"
        return 1
    fi
    for name in "$@"; do
        nvt_has "$name" || { nvt_fail "no volume $name in pool nvf-pool"; return 1; }
    done
    nvt_keys Escape
}

pools_are() {
    nvt_keys 2
    nvt_wait_for "┌─ Storage ($1) ─"
}

networks_are() {
    nvt_keys 3
    nvt_wait_for "┌─ Networks ($1) ─"
}

# The nothing-else check: what the node had, and only that.
as_before() {
    domains_are 1 nvf-src && volumes_are 1 nvf-src.img && pools_are 1 && networks_are 1
}

# told FUNC N: the injected error (or ncvirt's words for it) reached the screen; records the
# status line as the case's outcome.
told() {
    local func=$1 n=$2 op=$3
    if ! grep -qx "$func $n" "$log"; then
        nvt_fail "$op: the fault $func:$n never fired (log: $(tr '\n' ' ' <"$log"))"
        return 1
    fi
    nvt_wait_for "NCVIRT_FAULT $func#$n" || return 1
    local status
    status=$(nvt_line $((NVT_ROWS - 1)))
    TOLD_SCREEN=$NVT_SCREEN
    TOLD_STATUS=$status
    OUTCOMES+=("outcome: $op $func:$n: ${status:0:190}")
    echo "${OUTCOMES[-1]}"
}

# run_case OPERATION SPEC [CHECK ARGS...]: a fresh ncvirt with NCVIRT_FAULT=SPEC runs the
# operation (op_OPERATION, told the first fault of SPEC); then CHECK (as_before unless given)
# looks at what is left. NVF_ONLY=OPERATION runs the cases of one operation only (debugging).
run_case() {
    local op=$1 spec=$2
    shift 2
    (($#)) || set -- as_before
    [[ -n ${NVF_ONLY:-} && $op != "$NVF_ONLY" ]] && return
    CASES=$((CASES + 1))
    local failures=$NVT_FAILURES first=${spec%%,*}
    fault_start "$spec" && "op_$op" "${first%%:*}" "${first##*:}" && "$@"
    if ((NVT_FAILURES == failures)); then
        nvt_ok "$op, $spec fails: told; what is left checked"
    else
        OUTCOMES+=("outcome: $op $spec: TEST FAILED")
    fi
}

# left_told NAME: the undoing failed too: the message names what it left, after what failed.
left_told() {
    [[ $TOLD_SCREEN == *"$1"* ]] || nvt_fail "the message does not name $1, which was left"
    local status=$TOLD_STATUS
    [[ $status == "cannot define"* || $status == "cannot start"* || $status == "Made 0"* ||
        $status == "upload into"* || $status == *"…" ]] ||
        nvt_fail "the message does not begin with what failed: $status"
}

# ---- the operations ----

# The new-VM wizard: no media, an 8 MiB disk in nvf-pool, no network, started.
op_create() {
    nvt_keys n
    nvt_wait_for "step 1 of 6: Install method" || return
    pick "No media (empty disk)"
    nvt_keys C-n
    nvt_wait_for "step 2 of 6" || return
    nvt_keys C-n
    nvt_wait_for "step 3 of 6" || return
    nvt_keys C-n
    nvt_wait_for "step 4 of 6" || return
    nvt_wait_re "Pool +nvf-pool" || return
    nvt_keys Tab Tab
    set_field 8M
    nvt_keys C-n
    nvt_wait_for "step 5 of 6" || return
    set_field nvf-new
    nvt_keys Tab
    pick "No network"
    nvt_keys C-n
    nvt_wait_for "step 6 of 6: Summary" || return
    nvt_keys C-n
    told "$1" "$2" create || return
    leave_wizard
}

# C on nvf-src: NAMES in the clone prompt (replacing the suggested name), its disk copied.
clone_to() {
    nvt_keys Home C
    nvt_wait_for "> nvf-src-clone" || return 1
    local i
    for i in $(seq 1 20); do nvt_keys BSpace; done
    nvt_type "$1"
    nvt_keys Enter
    nvt_wait_for "Clone 'nvf-src': disks" || return 1
    nvt_keys Enter
}

op_clone() {
    clone_to nvf-c || return
    told "$1" "$2" clone
}

# Three clones at once; the second call of a step fails: the other two are made whole (each
# domain with its own volume), the failed one leaves nothing.
op_batch() {
    clone_to 'nvf-b{1..3}' || return
    nvt_wait_for "Made 2 of 3 clones of 'nvf-src'" 15 || return
    told "$1" "$2" batch-clone
}

# The other two clones are whole: each domain with its own volume.
check_batch() {
    domains_are 3 nvf-src || return
    nvt_capture
    local made
    made=$(grep -oE 'nvf-b[123] ' <<<"$NVT_SCREEN" | tr -d ' ' | sort | tr '\n' ' ')
    # shellcheck disable=SC2086 # two names
    set -- $made
    (($# == 2)) || { nvt_fail "batch clone: $# clones listed, not 2: $made"; return; }
    volumes_are 3 nvf-src.img "$1.img" "$2.img" && pools_are 1 && networks_are 1
}

# D on nvf-src with its volume ticked. A failed undefine keeps both; a failed volume delete
# (after the domain went) keeps the volume, and says so.
op_delete() {
    nvt_keys Home D
    nvt_wait_for "Delete 'nvf-src': storage" || return
    nvt_wait_for "[x] vda /nvf-pool/nvf-src.img" || return
    nvt_keys Enter
    nvt_wait_for "Delete 'nvf-src'?" || return
    nvt_keys y
    told "$1" "$2" delete
}

# The same on nvf-src started first: the delete forces it off before undefining it.
op_delete_running() {
    nvt_keys Home s
    nvt_wait_re "running +nvf-src " || return
    nvt_keys Home D
    nvt_wait_for "Delete 'nvf-src': storage" || return
    nvt_keys Enter
    nvt_wait_for "domain 'nvf-src' (running: forced off first)" || return
    nvt_keys y
    told "$1" "$2" delete-running
}

# The volume wizard's upload of a local file into a new volume (the test driver has no upload,
# so the upload itself fails too: the step before it is what is tested here).
op_upload() {
    nvt_keys 2
    nvt_wait_for "┌─ Storage (1) ─" || return
    nvt_keys Home N
    nvt_wait_for "step 1 of 4: Contents" || return
    nvt_keys Space
    nvt_wait_for "a copy of a local file (upload)" || return
    nvt_keys C-n
    nvt_wait_for "step 2 of 4: Source" || return
    nvt_type "$iso"
    nvt_keys C-n
    nvt_wait_for "step 3 of 4: Volume" || return
    nvt_keys C-n
    nvt_wait_for "step 4 of 4: Summary" || return
    nvt_keys C-n
    told "$1" "$2" upload || return
    nvt_capture
    nvt_has "What libvirt answered" && nvt_keys Escape
    nvt_capture
    nvt_has "step 4 of 4" && { leave_wizard || return; }
    return 0
}

# The pool wizard: a dir pool nvf-zpool under the test driver's (pretend) file system, built,
# started and autostarted.
op_pool() {
    nvt_keys 2
    nvt_wait_for "┌─ Storage (1) ─" || return
    nvt_keys n
    nvt_wait_for "New storage pool — step 1 of 4: Type and name" || return
    nvt_keys Down
    nvt_type nvf-zpool
    nvt_keys C-n
    nvt_wait_for "step 2 of 4: Source and target" || return
    set_field /nvf/zpool
    nvt_keys C-n
    nvt_wait_for "step 3 of 4: Options" || return
    nvt_keys C-n
    nvt_wait_for "step 4 of 4: Summary" || return
    nvt_wait_for "Start with the host: yes" || return
    nvt_keys C-n
    told "$1" "$2" pool || return
    nvt_capture
    nvt_has "What libvirt answered" && nvt_keys Escape
    nvt_capture
    nvt_has "step 4 of 4" && { leave_wizard || return; }
    return 0
}

# The network wizard: an isolated network with the suggested addresses, started and autostarted.
op_network() {
    nvt_keys 3
    nvt_wait_for "┌─ Networks (1) ─" || return
    nvt_keys n
    nvt_wait_for "step 1 of 5: Name and mode" || return
    set_field nvf-net
    local i
    for i in 1 2 3 4; do
        nvt_keys C-n
        nvt_wait_for "step $((i + 1)) of 5" || return
    done
    nvt_keys C-n
    told "$1" "$2" network || return
    nvt_capture
    nvt_has "What libvirt answered" && nvt_keys Escape
    nvt_capture
    nvt_has "step 5 of 5" && { leave_wizard || return; }
    return 0
}

# ---- every step of every operation ----

for step in virStorageVolCreateXML:1 virDomainDefineXML:1 virDomainCreate:1; do
    run_case create "$step"
done
for step in virStorageVolCreateXMLFrom:1 virStorageVolGetPath:1 virDomainDefineXML:1; do
    run_case clone "$step"
done
for step in virStorageVolCreateXMLFrom:2 virDomainDefineXML:2; do
    run_case batch "$step" check_batch
done
run_case delete virDomainUndefineFlags:1
# The domain went, its volume could not: kept whole, and named in the message.
run_case delete virStorageVolDelete:1 eval 'domains_are 0 && volumes_are 1 nvf-src.img'
# A running domain that cannot be forced off is kept, running, with its volume.
run_case delete_running virDomainDestroy:1 eval \
    'nvt_keys 1 && nvt_wait_re "running +nvf-src " && volumes_are 1 nvf-src.img && pools_are 1'
for step in virStorageVolCreateXML:1 virStreamNew:1 virStorageVolUpload:1; do
    run_case upload "$step"
done
for step in virStoragePoolDefineXML:1 virStoragePoolBuild:1 virStoragePoolCreate:1 \
    virStoragePoolSetAutostart:1; do
    run_case pool "$step"
done
for step in virNetworkDefineXML:1 virNetworkCreate:1 virNetworkSetAutostart:1; do
    run_case network "$step"
done

# ---- a step fails, and so does its undoing: what is left is named, and only that is left ----
run_case create virDomainDefineXML:1,virStorageVolDelete:1 eval \
    'left_told nvf-new.qcow2 && domains_are 1 nvf-src && volumes_are 2 nvf-new.qcow2'
run_case create virDomainCreate:1,virDomainUndefineFlags:1 eval \
    "left_told \"undefine 'nvf-new'\" && domains_are 2 nvf-new && volumes_are 1 nvf-src.img"
run_case clone virDomainDefineXML:1,virStorageVolDelete:1 eval \
    'left_told nvf-c.img && domains_are 1 nvf-src && volumes_are 2 nvf-c.img'
run_case upload virStorageVolUpload:1,virStorageVolDelete:1 eval \
    'left_told disc.iso && domains_are 1 && volumes_are 2 disc.iso'
run_case pool virStoragePoolCreate:1,virStoragePoolUndefine:1 eval \
    "left_told \"undefine 'nvf-zpool'\" && pools_are 2"
run_case network virNetworkCreate:1,virNetworkUndefine:1 eval \
    "left_told \"undefine network 'nvf-net'\" && networks_are 2"

echo "---- $CASES injected failures ----"
printf '%s\n' "${OUTCOMES[@]}"
nvt_done
