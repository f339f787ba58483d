#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# mnmapd's benchmark (issue 17): an etcd and three hosts with mnmapd in
# namespaces behind a router, and a client outside. Convergence: one etcd
# write -> the change in all three hosts' kernel tables (the time each
# mnmapd logs the revision applied, right after its transaction committed),
# N writes. First packet: one etcd write of a new udp map -> the first echo
# the client gets through it from a container on ha (probed every ms), N
# writes. Full sync: the agents stopped, M maps written to the store, one
# host's mnmapd started, until its one replace transaction is in (timed
# from mnmapd's own log). Beside them, etcd's own rate of puts one after
# another on this machine. Prints a markdown section; on a failure the
# logs stay in $MNMAP_OUT/etcd-logs (or bench/results/etcd-logs).
#
#   etcd.sh [N] [M]     default 150 100000
#
#   client 192.0.2.2 --- router ---+--- ha 203.0.113.2 --- ec 198.51.100.50
#                                  +--- hb 203.0.114.2
#                                  +--- hc 203.0.115.2
#                                  +--- etcd 203.0.116.2:2379
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
n=${1:-150}
m=${2:-100000}
out=${MNMAP_OUT:-$here/results}
work=$(mktemp -d)
url=http://203.0.116.2:2379
ec=198.51.100.50
echo_port=41000
declare -A pid=()
cleanup() {
	local rc=$?
	for p in "${pid[@]}"; do kill "$p" 2> /dev/null || true; done
	if ((rc != 0)); then
		mkdir -p "$out/etcd-logs"
		cp "$work"/*.log "$out/etcd-logs/" 2> /dev/null || true
		echo "etcd.sh failed ($rc): its logs are in $out/etcd-logs" >&2
	fi
	for x in router etcd ha hb hc client ec; do ip netns delete "eb-$x" 2> /dev/null || true; done
	ip link delete eb-op0 2> /dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

for x in router etcd ha hb hc client ec; do
	ip netns add "eb-$x"
	ip -n "eb-$x" link set lo up
done
ip netns exec eb-router sysctl -qw net.ipv4.ip_forward=1
declare -A net=([etcd]=203.0.116 [ha]=203.0.113 [hb]=203.0.114 [hc]=203.0.115 [client]=192.0.2)
for x in etcd ha hb hc client; do
	ip -n eb-router link add "r-$x" type veth peer name eth0 netns "eb-$x"
	ip -n eb-router addr add "${net[$x]}.1/24" dev "r-$x"
	ip -n eb-router link set "r-$x" up
	ip -n "eb-$x" addr add "${net[$x]}.2/24" dev eth0
	ip -n "eb-$x" link set eth0 up
	ip -n "eb-$x" route add default via "${net[$x]}.1"
done
# This namespace writes the store, through the router.
ip link add eb-op0 type veth peer name r-op netns eb-router
ip addr add 203.0.120.2/24 dev eb-op0
ip link set eb-op0 up
ip route add 203.0.116.0/24 via 203.0.120.1
ip -n eb-router addr add 203.0.120.1/24 dev r-op
ip -n eb-router link set r-op up
# ha takes the public addresses in, with container ec; what mnmap does not
# take there goes nowhere (not back to the router, in a loop).
ip -n eb-router route add 198.51.100.0/24 via 203.0.113.2
ip netns exec eb-ha sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0
ip -n eb-ha route add blackhole 198.51.100.0/24
ip -n eb-ha link add vx0 type vxlan external dstport 4789
ip -n eb-ha link set vx0 up
ip -n eb-ha link add h-ec type veth peer name eth0 netns eb-ec
ip -n eb-ha link set h-ec up
ip netns exec eb-ha sysctl -qw net.ipv4.conf.h-ec.rp_filter=0
ip -n eb-ec link set eth0 address 02:00:00:00:00:ec

# etcd as Debian starts it: its default --max-txn-ops (128) included.
ip netns exec eb-etcd etcd --data-dir "$work/etcd" --listen-client-urls "$url" \
	--advertise-client-urls "$url" --listen-peer-urls http://127.0.0.1:2380 \
	--quota-backend-bytes 4294967296 > "$work/etcd.log" 2>&1 &
pid[etcd]=$!
for _ in $(seq 100); do
	curl -sf -X POST "$url/v3/kv/range" -d '{"key": "eA=="}' > /dev/null && break
	sleep 0.2
done

agent() {
	local h=$1
	shift
	ip netns exec "eb-$h" mnmapd --etcd "$url" --host "$h" "$@" > "$work/$h.log" 2>&1 &
	pid[$h]=$!
}

stop_agent() {
	kill "${pid[$1]}"
	wait "${pid[$1]}" 2> /dev/null || true
	unset "pid[$1]"
}

# applied HOST REV: HOST's log says REV or a later revision applied.
wait_applied() {
	for _ in $(seq 300); do
		grep -Eo 'revision [0-9]+ applied' "$work/$1.log" |
			awk -v r="$2" '$2 >= r { found = 1 } END { exit !found }' && return 0
		sleep 0.1
	done
	echo "etcd.sh: $1 did not apply revision $2" >&2
	return 1
}

# Every map of the convergence runs to an endpoint on a fourth host: each
# host holds it as a vtep. ec lives on ha, its port block its first map.
cat > "$work/keys.batch" <<-EOF
endpoint add e mac 02:00:00:00:00:01 host hx dev eth0
endpoint add ec mac 02:00:00:00:00:ec host ha dev h-ec
map add $ec udp 40000-40999 endpoint ec
EOF
mnmapctl --etcd "$url" -b "$work/keys.batch"
rev=$(curl -sf -X POST "$url/v3/kv/put" -d "{\"key\": \"$(printf /mnmap/v1/hosts/hx | base64 -w0)\",
	\"value\": \"$(printf '{"vtep": "203.0.119.2"}' | base64 -w0)\"}" | jq -r .header.revision)
agent ha --vtep 203.0.113.2 --uplink eth0 --vxlan vx0
agent hb --vtep 203.0.114.2
agent hc --vtep 203.0.115.2
for h in ha hb hc; do wait_applied "$h" "$rev"; done
mnmapctl -n eb-ha container setup eb-ec endpoint ec
# The echo: one socket per port the first-packet writes map.
ip netns exec eb-ec python3 -c '
import select, socket, sys
socks = []
for p in range(int(sys.argv[1]), int(sys.argv[1]) + int(sys.argv[2])):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", p))
    socks.append(s)
while True:
    for s in select.select(socks, [], [])[0]:
        data, src = s.recvfrom(64)
        s.sendto(data, src)' "$echo_port" "$n" &
pid[echo]=$!
sleep 2
"$here/etcd.py" "$url" converge "$n" 1000 "$work/ha.log" "$work/hb.log" "$work/hc.log" > "$work/conv"
ip netns exec eb-client "$here/etcd.py" "$url" packet "$n" "$ec" "$echo_port" > "$work/packet"
"$here/etcd.py" "$url" rate 200 > "$work/rate"
v() { awk -v k="$1" '$1 == k { print $2 }' "$2"; }
row() { echo "| $1 | $(v median_ms "$2") ms | $(v p99_ms "$2") ms | $(v max_ms "$2") ms | $(v misses "$2") of $(v samples "$2") |"; }
echo "## mnmapd: convergence from etcd"
echo
echo "Three hosts with mnmapd and an etcd-server $(etcd --version | awk 'NR == 1 { print $3 }')"
echo "in namespaces behind a router; one write at a time through etcd's gateway,"
echo "timed from before the put:"
echo
echo "| | median | p99 | max | missed |"
echo "|---|---|---|---|---|"
row "one etcd write of a map -> all three hosts' kernel tables" "$work/conv"
row "one etcd write of a new udp map -> the first echo through it" "$work/packet"
echo
echo "A host's table is timed by its mnmapd's log line (the first revision at or"
echo "after the write's, logged right after the kernel's transaction); the first"
echo "packet by a client outside probing the new map every millisecond until the"
echo "echo of a container on ha (one of the three) comes back. A miss: not within"
echo "60 s (tables) or 10 s (packet)."
echo

# Full sync: every agent stopped while the store fills, then hc started.
for h in ha hb hc; do stop_agent "$h"; done
t0=$(date +%s.%N)
"$here/etcd.py" "$url" fill "$m" > "$work/fill" 2> "$work/fill.log"
t1=$(date +%s.%N)
agent hc --vtep 203.0.115.2
for _ in $(seq 1800); do
	grep -q "applied as a replace" "$work/hc.log" && break
	kill -0 "${pid[hc]}" 2> /dev/null || { echo "etcd.sh: hc's mnmapd died" >&2; exit 1; }
	sleep 0.5
done
"$here/etcd.py" "$url" synced "$work/hc.log" > "$work/sync"
maps=$(ip netns exec eb-hc mnmapctl save | grep -c '^map add' || true)
# Convergence again, with the whole store in hc's table.
"$here/etcd.py" "$url" converge 50 $((1000 + n)) "$work/hc.log" > "$work/conv-full"

echo "etcd's own rate here: $(v puts_per_s "$work/rate") puts/s one after another over one"
echo "connection to its gateway (each write above is one of them)."
echo
echo "Full sync: the agents stopped, $m maps written to the store in"
echo "$(printf '%.0f' "$(echo "$t1 - $t0" | bc)") s (transactions of $(v txn_ops "$work/fill") puts, etcd's default limit, over one"
echo "connection; $(v retries "$work/fill") retried); hc's mnmapd started -> its replace transaction in:"
echo "$(v sync_s "$work/sync") s by its own log: the read $(v read_s "$work/sync") s, the replace transaction"
echo "$(v apply_s "$work/sync") s ($(v keys "$work/sync") keys read, $maps maps in its table)."
echo "Then, with them all in its table, one write -> hc's table: median"
echo "$(v median_ms "$work/conv-full") ms, p99 $(v p99_ms "$work/conv-full") ms, max $(v max_ms "$work/conv-full") ms, $(v misses "$work/conv-full") missed of $(v samples "$work/conv-full")."
echo
