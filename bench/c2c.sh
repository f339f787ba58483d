#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Same-host container -> container, 64-byte UDP from pktgen in one
# container (gen) to another (ctr), side by side in one run:
#
#   bridge   both on a Linux bridge, one subnet (Docker's default network)
#   routing  each on its own veth, the host routes between them
#   mnmap    each an endpoint with its public address; mnmap checks the
#            sender's source and hands the frame over by MAC
#
# Median, min and max packets per second of ROUNDS rounds, order rotated.
#
#   c2c.sh OUT_DIR [ROUNDS] [COUNT]
set -euo pipefail

out=${1:?usage: c2c.sh OUT_DIR [ROUNDS] [COUNT]}
rounds=${2:-5}
count=${3:-100000}
here=$(cd "$(dirname "$0")" && pwd)
methods=(bridge routing mnmap)
GEN_MAC=02:00:00:00:00:02
GEN_PUB=198.51.100.20
work=$(mktemp -d)
x() { ip netns exec "$@"; }
source "$here/setups.sh"
teardown() { ip -all netns delete 2> /dev/null || true; }
trap 'teardown; rm -rf "$work"' EXIT
modprobe pktgen

# gen and ctr, each joined to the host by a veth (h-gen, h-ctr).
base_c2c() {
	local n
	teardown
	for n in gen host ctr; do
		ip netns add $n
		ip -n $n link set lo up
	done
	for n in gen ctr; do
		ip -n host link add "h-$n" type veth peer name eth0 netns $n
		ip -n host link set "h-$n" up
	done
	ip -n gen link set eth0 address $GEN_MAC up
	ip -n ctr link set eth0 address $CTR_MAC up
	ctr_counter
}

setup_bridge() {
	base_c2c
	ip -n host link add br0 type bridge
	ip -n host link set h-gen master br0
	ip -n host link set h-ctr master br0
	ip -n host link set br0 up
	ip -n gen addr add 172.17.0.3/16 dev eth0
	ip -n ctr addr add 172.17.0.2/16 dev eth0
	bridge -n host fdb replace $CTR_MAC dev h-ctr master static
	SRC=172.17.0.3 DST=172.17.0.2 DST_MAC=$CTR_MAC
}

setup_routing() {
	base_c2c
	ip -n gen addr add $GEN_PUB/32 dev eth0
	ip -n ctr addr add $PUB/32 dev eth0
	ip -n host route add $PUB/32 dev h-ctr
	ip -n host neigh add $PUB lladdr $CTR_MAC dev h-ctr nud permanent
	x host sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0
	SRC=$GEN_PUB DST=$PUB DST_MAC=$(mac_of host h-gen)
}

setup_mnmap() {
	base_c2c
	ip -n gen addr add $GEN_PUB/32 dev eth0
	ip -n ctr addr add $PUB/32 dev eth0
	mnmapctl -n host endpoint add gen mac $GEN_MAC dev h-gen
	mnmapctl -n host endpoint add ctr mac $CTR_MAC dev h-ctr
	mnmapctl -n host map add $GEN_PUB udp 1234 endpoint gen
	mnmapctl -n host map add $PUB udp 9 endpoint ctr
	SRC=$GEN_PUB DST=$PUB DST_MAC=$(mac_of host h-gen)
}

compare "$work/samples" "${methods[@]}"
teardown
cp "$work/samples" "$out/c2c-samples.txt"

echo "## Same-host container -> container (pktgen)"
echo
echo "64-byte UDP from one container to another on the same host; $rounds rounds"
echo "of $count frames per method, order rotated; median and min-max."
echo
echo "| method | pps median | min | max | vs bridge |"
echo "|---|---:|---:|---:|---:|"
for m in "${methods[@]}"; do
	awk -v m="$m" '$1 == m { print $2 }' "$work/samples" | sort -n |
		awk -v m="$m" '{ v[NR] = $1 } END {
			print m, (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2), v[1], v[NR] }'
done | awk 'NR == 1 { b = $2 } { printf "| %s | %.0f | %.0f | %.0f | %.2f |\n", $1, $2, $3, $4, $2 / b }'
echo
