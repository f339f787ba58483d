#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# mnmapd's benchmark (issue 17): an etcd and three hosts with mnmapd in
# namespaces behind a router. Convergence: one etcd write -> the change in
# all three hosts' kernel tables (the time each mnmapd logs the revision
# applied, after its transaction committed), median and p99 of N writes.
# Full sync: M maps in the store, one host's mnmapd started, until its one
# replace transaction is in. Beside them, etcd's own rate of puts one after
# another on this machine. Prints a markdown section.
#
#   etcd.sh [N] [M]     default 50 100000
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
n=${1:-50}
m=${2:-100000}
work=$(mktemp -d)
url=http://203.0.116.2:2379
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2> /dev/null || true; done
	for x in router etcd ha hb hc; do ip netns delete "eb-$x" 2> /dev/null || true; done
	ip link delete eb-op0 2> /dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

for x in router etcd ha hb hc; do
	ip netns add "eb-$x"
	ip -n "eb-$x" link set lo up
done
ip netns exec eb-router sysctl -qw net.ipv4.ip_forward=1
declare -A net=([etcd]=203.0.116 [ha]=203.0.113 [hb]=203.0.114 [hc]=203.0.115)
for x in etcd ha hb hc; do
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

# Transactions of 250 puts fill the store for the full sync.
ip netns exec eb-etcd etcd --data-dir "$work/etcd" --listen-client-urls "$url" \
	--advertise-client-urls "$url" --listen-peer-urls http://127.0.0.1:2380 \
	--max-txn-ops 1000 --quota-backend-bytes 4294967296 > "$work/etcd.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do
	curl -sf -X POST "$url/v3/kv/range" -d '{"key": "eA=="}' > /dev/null && break
	sleep 0.2
done

agent() {
	ip netns exec "eb-$1" mnmapd --etcd "$url" --host "$1" --vtep "$2" > "$work/$1.log" 2>&1 &
	pids+=($!)
}

# Every endpoint lives on a fourth host: each host holds it as a vtep.
mnmapctl --etcd "$url" endpoint add e mac 02:00:00:00:00:01 host hx dev eth0
curl -sf -X POST "$url/v3/kv/put" -d "{\"key\": \"$(printf /mnmap/v1/hosts/hx | base64 -w0)\",
	\"value\": \"$(printf '{"vtep": "203.0.119.2"}' | base64 -w0)\"}" > /dev/null
agent ha 203.0.113.2
agent hb 203.0.114.2
agent hc 203.0.115.2
sleep 5
"$here/etcd.py" "$url" converge "$n" "$work/ha.log" "$work/hb.log" "$work/hc.log" > "$work/conv"
"$here/etcd.py" "$url" rate 200 > "$work/rate"
v() { awk -v k="$1" '$1 == k { print $2 }' "$2"; }
echo "## mnmapd: convergence from etcd"
echo
echo "Three hosts with mnmapd and an etcd-server $(etcd --version | awk 'NR == 1 { print $3 }')"
echo "in namespaces behind a router. One write of a map key -> the change"
echo "committed in all three hosts' kernel tables ($(v converged "$work/conv") of $n writes):"
echo
echo "| | median | p99 |"
echo "|---|---|---|"
echo "| one etcd write -> all three tables | $(v median_ms "$work/conv") ms | $(v p99_ms "$work/conv") ms |"
echo

# Full sync: hc's agent stopped, the store filled, the agent started.
kill "${pids[-1]}"
wait "${pids[-1]}" 2> /dev/null || true
t0=$(date +%s.%N)
"$here/etcd.py" "$url" fill "$m"
t1=$(date +%s.%N)
: > "$work/hc.log"
t2=$(date +%s.%N)
agent hc 203.0.115.2
for _ in $(seq 1200); do
	grep -q "applied as a replace" "$work/hc.log" && break
	sleep 0.1
done
t3=$(date +%s.%N)
maps=$(ip netns exec eb-hc mnmapctl save | grep -c '^map add' || true)

echo "etcd's own rate here: $(v puts_per_s "$work/rate") puts/s one after another through"
echo "its gateway (each write above is one of them)."
echo
echo "Full sync: $m maps written to the store in $(echo "$t1 - $t0" | bc) s; one host's"
echo "mnmapd started -> its replace transaction in: $(printf '%.1f' "$(echo "$t3 - $t2" | bc)") s"
echo "($maps maps in its table). The first packet after a write (the issue's second"
echo "figure) is not measured yet."
echo
