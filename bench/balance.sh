#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Load balancing, side by side in one run (as root where mnmap.ko loads):
# 64-byte UDP frames (pktgen) from gen through host to ctr, for a map of
# 1, 4 and 64 endpoints (all of them MACs on ctr's device, so that one
# counter in ctr, at ingress, counts every frame delivered). Two kinds of
# traffic: one flow (after its first frame, every frame a flow-table hit;
# a map of one endpoint has no flow table to hit), and every frame a new
# flow (random source address and port; the new-flow rate unlimited, so
# that each frame is an insertion, and an eviction once the table is
# full). Then the memory per flow (slab objects per flow remembered), and
# the time to rebuild a map's table (map set on a 64-endpoint map, against
# the same on a map of one endpoint, which builds none).
#
#   balance.sh OUT_DIR [ROUNDS] [COUNT]
set -euo pipefail

out=${1:?usage: balance.sh OUT_DIR [ROUNDS] [COUNT]}
rounds=${2:-3}
count=${3:-200000}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
work=$(mktemp -d)
trap 'ip -all netns delete 2> /dev/null || true; rm -rf "$work"' EXIT
modprobe pktgen
modprobe mnmap
x() { ip netns exec "$@"; }
PUB=198.51.100.10
param() { echo "$2" > "/sys/module/mnmap/parameters/$1"; }

# setup N: the three namespaces; a map of udp 9 with N endpoints.
setup() {
	local n=$1 i
	ip -all netns delete 2> /dev/null || true
	for i in gen host ctr; do
		ip netns add $i
		ip -n $i link set lo up
	done
	ip -n gen link add eth0 type veth peer name eth0 netns host
	ip -n host link add h-ctr type veth peer name eth0 netns ctr
	ip -n gen addr add 203.0.113.9/24 dev eth0
	for i in gen host ctr; do
		ip -n $i link set eth0 up
	done
	ip -n host link set h-ctr up
	ip -n host addr add 203.0.113.2/24 dev eth0
	x host sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0
	x ctr nft -f - <<-'EOT'
	table netdev bench {
		chain in {
			type filter hook ingress device eth0 priority -500;
			udp dport 9 counter drop
		}
	}
	EOT
	mnmapctl -n host host set uplink eth0
	for ((i = 0; i < n; i++)); do
		printf 'endpoint add e%d mac 02:00:00:00:10:%02x dev h-ctr\n' $i $i
		echo "map add $PUB udp 9 endpoint e$i"
	done > "$work/table"
	mnmapctl -n host -b "$work/table"
	DST_MAC=$(ip -n host -j link show eth0 | jq -r '.[0].address')
}

counted() {
	x ctr nft list chain netdev bench in | grep -o 'packets [0-9]*' | cut -d' ' -f2
}

# blast N FLOWS: N frames to udp 9, one flow or (new) each a new one;
# prints pktgen's elapsed usec.
blast() {
	local n=$1 pg=/proc/net/pktgen flags=
	[[ $2 == new ]] && flags="'flag IPSRC_RND' 'flag UDPSRC_RND' 'src_min 10.0.0.1' 'src_max 10.255.255.254' 'udp_src_min 1' 'udp_src_max 65535'"
	[[ $2 == one ]] && flags="'src_min 203.0.113.9' 'src_max 203.0.113.9' 'udp_src_min 1234' 'udp_src_max 1234'"
	x gen sh -c "
		echo rem_device_all > $pg/kpktgend_0
		echo add_device eth0 > $pg/kpktgend_0
		for c in 'count $n' 'clone_skb 0' 'pkt_size 60' 'delay 0' 'dst $PUB' \
			'dst_mac $DST_MAC' 'udp_dst_min 9' 'udp_dst_max 9' $flags; do
			echo \"\$c\" > $pg/eth0
		done
		echo start > $pg/pgctrl
		sed -n 's/^Result: OK: \([0-9]*\)(.*/\1/p' $pg/eth0"
}

# measure N FLOWS: frames delivered per second of pktgen's run.
measure() {
	local before usec got
	mnmapctl -n host flow flush > /dev/null
	before=$(counted)
	usec=$(blast "$count" "$2" | tail -n 1)
	sleep 0.2
	got=$(($(counted) - before))
	awk -v g="$got" -v u="$usec" 'BEGIN { printf "%.0f\n", g * 1e6 / u }'
}

spread() {
	sort -n | awk '{ v[NR] = $1 } END {
		print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2), v[1], v[NR] }'
}

param flow_rate 0
param flow_max 1048576
: > "$work/samples"
configs=("1 one" "4 one" "64 one" "1 new" "4 new" "64 new")
for ((r = 0; r < rounds; r++)); do
	for ((i = 0; i < ${#configs[@]}; i++)); do
		c=${configs[(i + r) % ${#configs[@]}]}
		read -r n kind <<< "$c"
		setup "$n"
		echo "$n $kind $(measure "$n" "$kind")" >> "$work/samples"
	done
done
cp "$work/samples" "$out/balance-samples.txt"

# Memory per flow: the slab objects that 20000 new flows take.
setup 4
slab() { awk '$1 == "kmalloc-128" { print $2 }' /proc/slabinfo; }
mnmapctl -n host flow flush > /dev/null
before=$(slab)
blast 20000 new > /dev/null
sleep 0.5
flows=$(mnmapctl -n host -j stats show | jq .flows.count)
after=$(slab)

# Rebuilding a table: 50 weight changes, 64 endpoints against one.
rebuild() {
	local n=$1 i start
	setup "$n"
	for ((i = 0; i < 50; i++)); do
		echo "map set $PUB udp 9 endpoint e0 weight $((i % 5 + 1))"
	done > "$work/sets"
	start=$(date +%s%N)
	mnmapctl -n host -b "$work/sets"
	echo $((($(date +%s%N) - start) / 50000))
}
t1=$(rebuild 1)
t64=$(rebuild 64)

echo "## Load balancing: 64-byte UDP, outside -> a map of 1, 4, 64 endpoints (pktgen)"
echo
echo "Kernel $(uname -r), $(nproc) CPU(s); $rounds rounds of $count frames per case,"
echo "the order rotated each round; pps median (min-max). one: one flow, every frame"
echo "after the first a flow-table hit (a map of one endpoint has no flow table);"
echo "new: every frame a new flow (random source), each an insertion (flow_rate 0),"
echo "evicting once the table is full."
echo
echo "| endpoints | one flow (hits) | ratio to 1 | every frame new | ratio to 1 |"
echo "|---|---|---|---|---|"
med() { awk -v n="$1" -v k="$2" '$1 == n && $2 == k { print $3 }' "$work/samples" | spread; }
read -r one1 _ _ <<< "$(med 1 one)"
read -r new1 _ _ <<< "$(med 1 new)"
for n in 1 4 64; do
	read -r a amin amax <<< "$(med "$n" one)"
	read -r b bmin bmax <<< "$(med "$n" new)"
	printf '| %s | %s (%s-%s) | %.2f | %s (%s-%s) | %.2f |\n' "$n" "$a" "$amin" "$amax" \
		"$(echo "$a / $one1" | bc -l)" "$b" "$bmin" "$bmax" "$(echo "$b / $new1" | bc -l)"
done
echo
echo "Memory per flow: $flows flows remembered took $((after - before)) more kmalloc-128"
echo "objects: $((flows > 0 ? (after - before) * 128 / flows : 0)) bytes a flow (a struct mnmap_flow in"
echo "a 128-byte object, plus the hash table's buckets)."
echo
echo "Rebuilding the table: a weight change (map set, in a batch of 50) took"
echo "$t64 us on a 64-endpoint map (a table of 61357 slots), $t1 us on a map"
echo "of one endpoint (no table): the build is about $((t64 - t1)) us."
echo
