#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Outside -> a container on another host, 64-byte UDP from pktgen, side
# by side in one run (hosts-setups.sh says what each method is). Median,
# min and max packets per second of ROUNDS rounds, order rotated, and the
# cost of the two hosts' hops: time per frame minus that of nohop (gen
# wired straight to the container).
#
#   hosts.sh OUT_DIR [ROUNDS] [COUNT]
set -euo pipefail

out=${1:?usage: hosts.sh OUT_DIR [ROUNDS] [COUNT]}
rounds=${2:-5}
count=${3:-100000}
here=$(cd "$(dirname "$0")" && pwd)
methods=(nohop routed l3-vxlan ovs mnmap)
work=$(mktemp -d)
x() { ip netns exec "$@"; }
source "$here/setups.sh"
source "$here/hosts-setups.sh"
trap 'teardown; rm -rf "$work"' EXIT
modprobe pktgen

compare "$work/samples" "${methods[@]}"
teardown
cp "$work/samples" "$out/hosts-samples.txt"

echo "## Two hosts: outside -> a container on another host (pktgen)"
echo
echo "64-byte UDP to an address that hosta owns, for a container on hostb;"
echo "$rounds rounds of $count frames per method, order rotated; median and"
echo "min-max. Path cost: time per frame minus that of nohop, i.e. what both"
echo "hosts' hops cost together. routed has no tunnel (the floor); l3-vxlan"
echo "routes through a VXLAN device (flannel's vxlan backend); ovs sets the"
echo "tunnel and MAC by flow on each host."
echo
echo "| method | pps median | min | max | pps vs l3-vxlan | path cost µs | cost vs routed | cost vs l3-vxlan | cost vs OVS |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
for m in "${methods[@]}"; do
	echo "$m $(awk -v m="$m" '$1 == m { print $2 }' "$work/samples" | spread)"
done | awk '{ med[$1] = $2; lo[$1] = $3; hi[$1] = $4; order[NR] = $1 } END {
	base = 1e6 / med["nohop"]
	c_r = 1e6 / med["routed"] - base
	c_v = 1e6 / med["l3-vxlan"] - base
	c_o = 1e6 / med["ovs"] - base
	for (i = 1; i <= NR; i++) {
		m = order[i]
		c = 1e6 / med[m] - base
		if (m == "nohop")
			printf "| %s | %.0f | %.0f | %.0f | %.2f | - | - | - | - |\n", m, med[m], lo[m], hi[m], med[m] / med["l3-vxlan"]
		else
			printf "| %s | %.0f | %.0f | %.0f | %.2f | %.2f | %.2f | %.2f | %.2f |\n", m, med[m], lo[m], hi[m],
			       med[m] / med["l3-vxlan"], c, c / c_r, c / c_v, c / c_o
	}
}'
echo
short_rounds
