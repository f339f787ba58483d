#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Data-plane benchmark, outside -> container, side by side in one run (as
# root where mnmap.ko loads: the test VM or a real host). The kernel's
# pktgen sends 64-byte UDP frames from a "gen" namespace through a "host"
# namespace to a "ctr" namespace, where an nft counter counts and drops
# them. The host hop is, in turn:
#
#   nohop    gen wired straight to ctr: the fixed cost of gen, veth, counter
#   routing  plain routing to a container that has its own IP (the floor)
#   dnat     a Linux bridge with nftables DNAT (Docker's way)
#   ipvs     IPVS in DR mode with the same mapping
#   ovs      Open vSwitch's kernel datapath, one mod_dl_dst flow
#   mnmap    mnmap
#
# Every method is measured ROUNDS times, in a rotated order each round;
# the report gives the median packets per second with min and max, the
# ratio to routing, and the cost of the host hop alone (time per packet
# minus that of nohop), as ratios to routing and to IPVS.
#
# Then mnmap alone: packets per second with 1, 1k, 100k and 1M maps
# installed, and the network launch time (from `mnmapctl map add` to the
# first packet delivered).
#
#   dataplane.sh OUT_DIR [ROUNDS] [COUNT] [TABLE SIZES...]
set -euo pipefail

out=${1:?usage: dataplane.sh OUT_DIR [ROUNDS] [COUNT]}
rounds=${2:-5}
count=${3:-100000}
sizes=("${@:4}")
[[ ${#sizes[@]} -gt 0 ]] || sizes=(1 1000 100000 1000000)
here=$(cd "$(dirname "$0")" && pwd)
methods=(nohop routing dnat ipvs ovs mnmap)

work=$(mktemp -d)
trap 'teardown; rm -rf "$work"' EXIT
modprobe pktgen

x() { ip netns exec "$@"; }

source "$here/setups.sh"

compare "$work/samples" "${methods[@]}"
cp "$work/samples" "$out/dataplane-samples.txt"

# Median, min, max per method; the host hop's cost per packet.
summary() {
	for m in "${methods[@]}"; do
		echo "$m $(awk -v m="$m" '$1 == m { print $2 }' "$work/samples" | spread)"
	done
}
summary > "$work/summary"

echo "## Data plane: 64-byte UDP, outside -> container (pktgen)"
echo
echo "Kernel $(uname -r), $(nproc) CPU(s); $rounds rounds of $count frames per method,"
echo "the order rotated each round. pps: frames counted in the container per second"
echo "of pktgen's run (median, min-max). Hop cost: time per frame minus that of"
echo "nohop, i.e. what the host hop alone costs."
echo
echo "| method | pps median | min | max | pps vs routing | hop cost µs | hop cost vs routing | hop cost vs IPVS |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|"
awk '{ med[$1] = $2; lo[$1] = $3; hi[$1] = $4; order[NR] = $1 } END {
	base = 1e6 / med["nohop"]
	hop_r = 1e6 / med["routing"] - base
	hop_i = 1e6 / med["ipvs"] - base
	for (i = 1; i <= NR; i++) {
		m = order[i]
		hop = 1e6 / med[m] - base
		if (m == "nohop")
			printf "| %s | %.0f | %.0f | %.0f | %.2f | - | - | - |\n", m, med[m], lo[m], hi[m], med[m] / med["routing"]
		else
			printf "| %s | %.0f | %.0f | %.0f | %.2f | %.2f | %.2f | %.2f |\n", m, med[m], lo[m], hi[m],
			       med[m] / med["routing"], hop, hop / hop_r, hop / hop_i
	}
}' "$work/summary"
echo
short_rounds
if command -v gnuplot > /dev/null; then
	gnuplot <<-EOT
	set terminal pngcairo size 800,450 noenhanced
	set output "$out/dataplane-pps.png"
	set title "64-byte UDP, outside -> container: packets/s (median, min-max)"
	set style fill solid 0.6
	set boxwidth 0.6
	set yrange [0:*]
	set grid ytics
	unset key
	plot "$work/summary" using 0:2:3:4:(0.6):xtic(1) with boxerrorbars lc rgb "#4472c4"
	EOT
	echo "![packets per second](dataplane-pps.png)"
	echo
fi

# table.N: mnmap's setup (saved: it starts with flush, so loading it
# replaces the table) and N - 1 more maps, each on its own address.
tables() {
	local n
	mnmapctl -n host save > "$work/base"
	for n in "${sizes[@]}"; do
		{ cat "$work/base"
		  awk -v n="$n" 'BEGIN {
			for (i = 0; i < n - 1; i++)
				printf "map add 198.%d.%d.%d udp 9 endpoint ctr\n", 18 + int(i / 65536),
				       int(i / 256) % 256, i % 256
		  }'; } > "$work/table.$n"
	done
}

echo "## mnmap with large tables"
echo
echo "The same mnmap measurement with N maps installed (N - 1 others, each on"
echo "its own address), $rounds runs each; each round loads every size in"
echo "turn, the order rotated, so that a change in the machine's load is not"
echo "taken for the table's cost."
echo
echo "| maps | pps median | min | max | vs 1 map |"
echo "|---:|---:|---:|---:|---:|"
: > "$work/scale"
setup_mnmap > /dev/null
tables
for ((r = 0; r < rounds; r++)); do
	for ((i = 0; i < ${#sizes[@]}; i++)); do
		n=${sizes[$(((i + r) % ${#sizes[@]}))]}
		mnmapctl -n host -b "$work/table.$n"	# all or nothing, or set -e stops
		echo "$n $(measure "mnmap-$n")" >> "$work/scale"
	done
done
teardown
cp "$work/scale" "$out/dataplane-scale-samples.txt"
for n in "${sizes[@]}"; do
	echo "$n $(awk -v n="$n" '$1 == n { print $2 }' "$work/scale" | spread)"
done | awk 'NR == 1 { one = $2 } { printf "| %d | %.0f | %.0f | %.0f | %.2f |\n", $1, $2, $3, $4, $2 / one }'
echo
short_rounds

# Launch: gen sends to port 10 every 0.2 ms; a receiver waits in ctr;
# the map is added; the first datagram's arrival ends the launch.
launches=${MNMAP_LAUNCHES:-20}
setup_mnmap > /dev/null
blast 0 200000 10 > /dev/null &
pktgen=$!
: > "$work/launch"
# launch_once HOW: one map add (HOW: add through mnmapctl, netlink from
# an open socket); appends "T0 T_DONE T_FIRST T_WOKE HOW" to the samples:
# T_FIRST when the first datagram entered the container, T_WOKE when its
# receiver woke up.
launch_once() {
	local recv
	rm -f "$work/ready"
	x ctr "$here/launch.py" first 10 "$work/ready" > "$work/first" &
	recv=$!
	while [[ ! -e $work/ready ]]; do
		kill -0 $recv 2> /dev/null || { echo "launch: the receiver died" >&2; exit 1; }
		sleep 0.05
	done
	if [[ $1 == add ]]; then
		read -r t0 tdone < <(x host "$here/launch.py" add map add $PUB udp 10 endpoint ctr)
	else
		read -r t0 tdone < <(x host "$here/launch.py" netlink $PUB 10 ctr)
	fi
	wait $recv
	echo "$t0 $tdone $(cat "$work/first") $1" >> "$work/launch"
	mnmapctl -n host map del $PUB udp 10 endpoint ctr
	sleep 0.3
}
for ((i = 0; i < launches; i++)); do
	launch_once add
	launch_once netlink
done
x gen sh -c 'echo stop > /proc/net/pktgen/pgctrl'
wait $pktgen || true
teardown
cp "$work/launch" "$out/launch-samples.txt"
echo "## Network launch time"
echo
echo "From adding a map to the first packet entering the container (its"
echo "kernel receive stamp; when the receiving process woke up is given apart),"
echo "while a sender streams to the port every 0.2 ms; $launches launches each"
echo "way: through mnmapctl, and as one netlink request from an already open"
echo "socket (what an orchestrator's agent does)."
echo "For comparison, the empirical study's table VI:"
echo "0.5 s in host mode, 11 s with Docker's overlay network."
echo
# pct HOW EXPR LABEL: median, p99 and max of EXPR over HOW's samples.
pct() {
	awk -v how="$1" "\$5 == how { printf \"%.3f\\n\", ($2) * 1000 }" "$work/launch" | sort -n |
		awk -v label="$3" '{ v[NR] = $1 } END {
			printf "| %s | %.2f ms | %.2f ms | %.2f ms |\n", label, v[int((NR + 1) / 2)],
			       v[int(0.99 * (NR - 1)) + 1], v[NR] }'
}
echo "| launch | median | p99 | max |"
echo "|---|---:|---:|---:|"
pct add '$3 - $1' "\`mnmapctl map add\` started -> first packet"
pct add '$2 - $1' "the mnmapctl command alone (process start to exit)"
pct netlink '$3 - $1' "netlink MAP_NEW sent -> first packet"
pct netlink '$4 - $1' "netlink MAP_NEW sent -> its receiver woke up"
pct netlink '$2 - $1' "netlink MAP_NEW sent -> its ACK"
echo
