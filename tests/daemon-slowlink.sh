#!/usr/bin/env bash
# Constant round trips on a slow link (issue 11, item 4). Through tests/delay-proxy (loopback
# only, counting round trips: client bursts after the server spoke) in front of the system
# libvirtd's unix socket, test-driver hosts of 10 and 1000 domains are reached as
# test+tcp://127.0.0.1:PORT/FILE. The counts, not times, are compared:
#   - `ncvirt --list --json`: the same number of round trips for 10 and 1000 domains;
#   - the TUI until its first domain row is on the screen: the same within a small constant
#     (the first paint races the next jobs by a trip or two);
#   - every refresh after that (a burst of trips, apart from the next by a quiet gap) costs at
#     most 3 round trips.
# The node files are written at run time into a temp dir root's libvirtd can read.
set -u
. "$NCVIRT_TESTDIR/lib-daemon.sh"
. "$NCVIRT_TESTDIR/lib-tmux.sh"
nvd_need_root test+tcp
nvd_need_command tmux
nvd_need_command python3
nvd_start_daemon
sock=/var/run/libvirt/libvirt-sock
[[ -S $sock ]] || nvd_skip "no libvirtd socket at $sock"
proxy_bin=${NCVIRT_BUILDDIR:?}/delay-proxy
[[ -x $proxy_bin ]] || nvd_skip "tests/delay-proxy is not built"

nvt_init
tmp=$(mktemp -d /tmp/ncvirt-slowlink.XXXXXX)
chmod 0755 "$tmp"
proxy_pid=
stop_proxy() {
    [[ -n $proxy_pid ]] && kill "$proxy_pid" 2>/dev/null && wait "$proxy_pid" 2>/dev/null
    proxy_pid=
    rm -rf "$tmp"
}
NVT_CLEANUP_HOOKS+=(stop_proxy)

for n in 10 1000; do
    python3 "$NCVIRT_TESTDIR/gen-node.py" --domains "$n" --out "$tmp/n$n.xml" >/dev/null
    chmod 0644 "$tmp/n$n.xml"
done
"$proxy_bin" --to "unix:$sock" --port-file "$tmp/port" --log "$tmp/trips" 2>"$tmp/proxy.err" &
proxy_pid=$!
for _ in $(seq 50); do [[ -s $tmp/port ]] && break; sleep 0.1; done
port=$(cat "$tmp/port")
uri() { printf 'test+tcp://127.0.0.1:%s%s/n%s.xml' "$port" "$tmp" "$1"; }
trips() { wc -l <"$tmp/trips"; }
fails=0
bad() {
    printf 'not ok - %s\n' "$*"
    fails=$((fails + 1))
}

# --list --json: exact counts.
declare -A list_trips
for n in 10 1000; do
    before=$(trips)
    "$NCVIRT_BIN" -c "$(uri "$n")" --list --json >"$tmp/list$n.json" ||
        bad "--list --json with $n domains failed"
    list_trips[$n]=$(($(trips) - before))
    got=$(grep -c '"name"' "$tmp/list$n.json")
    [[ $got -eq $n ]] || bad "--list --json listed $got of $n domains"
done
if [[ ${list_trips[10]} -eq ${list_trips[1000]} ]]; then
    nvt_ok "--list --json: ${list_trips[10]} round trips for 10 domains and for 1000"
else
    bad "--list --json: ${list_trips[10]} round trips for 10 domains, ${list_trips[1000]} for 1000"
fi

# The TUI. With no delay every start-up job (open, events, the lists, the host, the selected
# domain's details) is done well within a second of the first row, and the first stats tick
# comes 2 s after the open: the trips until 1 s after the first row are the whole start-up.
# They must not depend on the number of domains (a call per domain would add 990; the jobs
# after the first paint race the cut by a trip or two: 5 are allowed). After that, bursts (trips less than 400 ms
# apart) are the refreshes: at most 3 each.
now_ms() { python3 -c 'import time; print(int(time.monotonic() * 1000))'; }
declare -A start_trips
for n in 10 1000; do
    : >"$tmp/trips"
    nvt_start 120 40 -- "$NCVIRT_BIN" -c "$(uri "$n")"
    nvt_wait_for dom-0001 30
    row_ms=$(now_ms)
    sleep 8
    nvt_keys q
    nvt_wait_for EXIT=0 5
    nvt_stop
    python3 - "$tmp/trips" "$row_ms" >"$tmp/bursts$n" <<'EOF'
import sys
times = [int(l.split()[0]) for l in open(sys.argv[1]) if l.strip()]
cut = int(sys.argv[2]) + 1000
start = [t for t in times if t <= cut]
bursts, last = [], None
for t in times[len(start):]:
    if last is None or t - last > 400:
        bursts.append(0)
    bursts[-1] += 1
    last = t
print(len(start), " ".join(map(str, bursts)))
EOF
    read -r start_trips[$n] bursts <"$tmp/bursts$n"
    read -ra b <<<"$bursts"
    nvt_log "# $n domains: ${start_trips[$n]} trips at start-up; then bursts of: ${b[*]}"
    # At least two stats ticks; the last burst may be cut short by `q`.
    if [[ ${#b[@]} -lt 3 ]]; then
        bad "$n domains: fewer than two refreshes seen (bursts: ${b[*]})"
        continue
    fi
    for ((i = 0; i < ${#b[@]} - 1; i++)); do
        [[ ${b[$i]} -le 3 ]] || bad "$n domains: a refresh cost ${b[$i]} round trips (> 3)"
    done
done
diff=$((start_trips[1000] - start_trips[10]))
if [[ ${diff#-} -le 5 ]]; then
    nvt_ok "TUI start-up: ${start_trips[10]} round trips with 10 domains," \
        "${start_trips[1000]} with 1000"
else
    bad "TUI start-up: ${start_trips[10]} round trips with 10 domains, ${start_trips[1000]} with 1000"
fi
[[ $fails -eq 0 ]] && nvt_ok "refreshes cost at most 3 round trips"
exit $((fails > 0))
