# shellcheck shell=bash
# An sshd of the test's own on 127.0.0.1, with keys made for the run, for the remote tests
# (qemu+ssh://, test+ssh://, the VNC tunnel). Needs root (sshd's privilege separation) and
# openssh-server (scripts/bootstrap installs it). Source it after lib-daemon.sh, then:
#
#   nvs_start "$tmpdir"            # sshd on 127.0.0.1:$NVS_PORT, pid $NVS_PID
#   uri="qemu+ssh://root@127.0.0.1:$NVS_PORT/system?keyfile=$NVS_KEY&command=$NVS_SSH"
#   nvs_add_user "$tmpdir" nvt$$ secret   # a user who logs in with a password only
#   nvs_stop                       # also done by nvs_cleanup; call it from your EXIT trap
#
# Nothing is written outside the directory given: the host key, the user key, the
# authorized_keys and known_hosts files live there. $NVS_SSH is an ssh wrapper that checks the
# host key against $NVS_KNOWN_HOSTS only (pass it as the URI's `command=`), so a test never
# reads or writes ~/.ssh/known_hosts; a test that wants ssh to ask about an unknown host key
# uses $NVS_SSH_UNKNOWN, which checks against an empty file of its own.

NVS_PID=
NVS_USERS=()

# A TCP port on 127.0.0.1 nobody listens on now.
nvs_free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# nvs_start DIR: starts sshd; sets NVS_PORT, NVS_PID, NVS_KEY (root's private key),
# NVS_KNOWN_HOSTS, NVS_SSH, NVS_SSH_UNKNOWN. Skips (exit 77) when sshd cannot run here.
nvs_start() {
    local dir=$1
    command -v /usr/sbin/sshd >/dev/null || nvd_skip "sshd is not installed (run scripts/bootstrap)"
    [[ $(id -u) -eq 0 ]] || nvd_skip "sshd of the test needs root"
    mkdir -p /run/sshd
    chmod 0700 "$dir"
    ssh-keygen -q -t ed25519 -N '' -f "$dir/host_key" -C nvs-host
    ssh-keygen -q -t ed25519 -N '' -f "$dir/user_key" -C nvs-user
    cp "$dir/user_key.pub" "$dir/authorized_keys"
    NVS_PORT=$(nvs_free_port)
    cat >"$dir/sshd_config" <<EOF
ListenAddress 127.0.0.1
Port $NVS_PORT
HostKey $dir/host_key
PidFile none
AuthorizedKeysFile $dir/authorized_keys
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
AllowTcpForwarding yes
X11Forwarding no
PrintMotd no
LogLevel VERBOSE
Subsystem sftp internal-sftp
EOF
    /usr/sbin/sshd -t -f "$dir/sshd_config" || nvd_skip "sshd rejects the test's configuration"
    /usr/sbin/sshd -D -e -f "$dir/sshd_config" 2>"$dir/sshd.log" &
    NVS_PID=$!
    NVS_KEY=$dir/user_key
    NVS_KNOWN_HOSTS=$dir/known_hosts
    printf '[127.0.0.1]:%s %s\n' "$NVS_PORT" "$(cut -d' ' -f1,2 "$dir/host_key.pub")" \
        >"$NVS_KNOWN_HOSTS"
    : >"$dir/known_hosts.empty"
    nvs_wrapper "$dir/ssh" "$NVS_KNOWN_HOSTS" yes
    nvs_wrapper "$dir/ssh-unknown" "$dir/known_hosts.empty" ask
    NVS_SSH=$dir/ssh
    NVS_SSH_UNKNOWN=$dir/ssh-unknown
    local i
    for ((i = 0; i < 100; i++)); do
        if ssh -q -o BatchMode=yes -o UserKnownHostsFile="$NVS_KNOWN_HOSTS" \
            -o GlobalKnownHostsFile=/dev/null -i "$NVS_KEY" -p "$NVS_PORT" root@127.0.0.1 true \
            2>/dev/null; then
            return 0
        fi
        kill -0 "$NVS_PID" 2>/dev/null || break
        sleep 0.1
    done
    cat "$dir/sshd.log" >&2
    nvd_skip "the test's sshd did not accept its own key on 127.0.0.1:$NVS_PORT"
}

# nvs_wrapper FILE KNOWN_HOSTS STRICT: an ssh that trusts only KNOWN_HOSTS (and writes there).
nvs_wrapper() {
    cat >"$1" <<EOF
#!/bin/sh
exec ssh -o UserKnownHostsFile=$2 -o GlobalKnownHostsFile=/dev/null \\
    -o StrictHostKeyChecking=$3 "\$@"
EOF
    chmod 0755 "$1"
}

# nvs_add_user DIR NAME PASSWORD: a local user who may log in with PASSWORD only. Not in any
# group: it reaches the system daemon read-only (`-r`, libvirt-sock-ro). Removed by nvs_stop.
nvs_add_user() {
    local dir=$1 name=$2 password=$3
    useradd -M -d /nonexistent -s /bin/sh "$name" || nvd_skip "cannot add user $name"
    NVS_USERS+=("$name")
    printf '%s:%s\n' "$name" "$password" | chpasswd
    cat >>"$dir/sshd_config" <<EOF
Match User $name
    PasswordAuthentication yes
    KbdInteractiveAuthentication yes
EOF
    nvs_restart "$dir"
}

# nvs_restart DIR: the same sshd again (after a configuration change, or after a test stopped it).
nvs_restart() {
    nvs_kill
    /usr/sbin/sshd -D -e -f "$1/sshd_config" 2>>"$1/sshd.log" &
    NVS_PID=$!
    local i
    for ((i = 0; i < 100; i++)); do
        (: </dev/tcp/127.0.0.1/"$NVS_PORT") 2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}

# Stops the sshd this test started (by its pid): existing sessions stay, like a stopped service.
nvs_kill() {
    if [[ -n $NVS_PID ]]; then
        kill "$NVS_PID" 2>/dev/null
        wait "$NVS_PID" 2>/dev/null
        NVS_PID=
    fi
}

nvs_stop() {
    nvs_kill
    local u
    for u in "${NVS_USERS[@]}"; do
        userdel "$u" 2>/dev/null
    done
    NVS_USERS=()
}
