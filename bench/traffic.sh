#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Request/response latency and throughput, outside -> container, through
# each host hop of setups.sh, side by side in one run: UDP transactions
# (rr.py, one at a time), iperf3 UDP at 64, 512 and 1472-byte payloads
# (datagrams per second received), and iperf3 TCP. ROUNDS rounds, the
# order rotated each round; medians.
#
#   traffic.sh OUT_DIR [ROUNDS]
set -euo pipefail

out=${1:?usage: traffic.sh OUT_DIR [ROUNDS]}
rounds=${2:-3}
here=$(cd "$(dirname "$0")" && pwd)
methods=(nohop routing dnat ipvs ovs mnmap)
sizes=(64 512 1472)
work=$(mktemp -d)
x() { ip netns exec "$@"; }
source "$here/setups.sh"
teardown() {
	stop_ovs
	ip -all netns delete 2> /dev/null || true
}
trap 'teardown; rm -rf "$work"' EXIT

# One method's figures: "rr_median rr_p99 udp64 udp512 udp1472 tcp_mbit".
run_method() {
	local pps=() tcp
	x ctr "$here/rr.py" serve 7 &
	x ctr iperf3 -s -D -1 > /dev/null
	sleep 0.5
	read -r med p99 < <(x gen "$here/rr.py" ask $PUB 7 1000)
	for size in "${sizes[@]}"; do
		pkill -f "iperf3 -s" || true
		x ctr iperf3 -s -D -1 > /dev/null
		sleep 0.3
		pps+=("$(x gen iperf3 -c $PUB -u -b 0 -l "$size" -t 2 -J |
			jq '.end.sum | (.packets - .lost_packets) / .seconds | floor')")
	done
	pkill -f "iperf3 -s" || true
	x ctr iperf3 -s -D -1 > /dev/null
	sleep 0.3
	tcp=$(x gen iperf3 -c $PUB -t 2 -J | jq '.end.sum_received.bits_per_second / 1e6 | floor')
	pkill -f "rr.py serve" || true
	pkill -f "iperf3 -s" || true
	echo "$med $p99 ${pps[*]} $tcp"
}

: > "$work/samples"
for ((r = 0; r < rounds; r++)); do
	for ((i = 0; i < ${#methods[@]}; i++)); do
		m=${methods[$(((i + r) % ${#methods[@]}))]}
		"setup_$m" > /dev/null
		echo "$m $(run_method)" >> "$work/samples"
		teardown
	done
done
cp "$work/samples" "$out/traffic-samples.txt"

# median METHOD COLUMN
median() {
	awk -v m="$1" -v c="$2" '$1 == m { print $c }' "$work/samples" | sort -n |
		awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'
}

echo "## Latency and throughput, outside -> container"
echo
echo "Through the same host hops; median of $rounds rounds (order rotated). UDP"
echo "request/response: 1,000 one-byte transactions one at a time (Python"
echo "client and server, whose own cost is in every figure). iperf3 UDP at full"
echo "speed: datagrams per second received, ratio to routing in brackets. TCP:"
echo "iperf3's received Mbit/s (veth sends 64 KB segments, so TCP hardly tells"
echo "the methods apart). Under one vCPU, CPU per transaction is the round trip"
echo "itself, so it is not reported apart."
echo
echo "| method | RR median µs | RR p99 µs | UDP 64 B /s | UDP 512 B /s | UDP 1472 B /s | TCP Mbit/s |"
echo "|---|---:|---:|---:|---:|---:|---:|"
for m in "${methods[@]}"; do
	row="| $m | $(median "$m" 2) | $(median "$m" 3)"
	for c in 4 5 6; do
		row+=" | $(median "$m" $c) ($(awk -v a="$(median "$m" $c)" -v b="$(median routing $c)" 'BEGIN { printf "%.2f", a / b }'))"
	done
	echo "$row | $(median "$m" 7) |"
done
echo
