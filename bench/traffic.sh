#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Request/response latency and throughput by packet size, outside ->
# container, through each host hop of setups.sh, side by side in one run:
# UDP transactions one at a time (rr.py: round trip, and the whole
# machine's CPU time per transaction), iperf3 UDP at payloads from 64 to
# 1472 bytes (datagrams per second received) and iperf3 TCP at segment
# sizes (MSS) from 88 to 1448 bytes, with segmentation offloads off at the
# sender so that segments cross the hop at that size. ROUNDS rounds, the
# order rotated each round; medians; a PNG of throughput by packet size.
#
#   traffic.sh OUT_DIR [ROUNDS]
set -euo pipefail

out=${1:?usage: traffic.sh OUT_DIR [ROUNDS]}
rounds=${2:-3}
here=$(cd "$(dirname "$0")" && pwd)
methods=(nohop routing dnat ipvs ovs mnmap)
udp_sizes=(64 256 512 1024 1472)
tcp_mss=(88 256 512 1024 1448)
work=$(mktemp -d)
x() { ip netns exec "$@"; }
source "$here/setups.sh"
trap 'teardown; rm -rf "$work"' EXIT

# iperf3 JQ PARAMS...: one 2-second run from gen to ctr; prints the JQ
# expression of its JSON, a number, or says what went wrong and fails.
iperf() {
	local expr=$1 v
	shift
	pkill -f "iperf3 -s" || true
	x ctr iperf3 -s -D -1 > /dev/null
	sleep 0.3
	# Its warnings (1472-byte datagrams beside a 1448-byte MSS) go to a file.
	v=$(x gen iperf3 -c $PUB -t 2 -J "$@" 2> "$work/iperf.err" | jq "$expr" || true)
	[[ $v =~ ^[0-9]+$ ]] || { echo "iperf3 $*: '$v' $(cat "$work/iperf.err")" >&2; return 1; }
	echo "$v"
}

# One method's figures: "rr_median rr_p99 cpu_per_rr", the UDP datagrams
# per second of each payload size, the TCP Mbit/s of each MSS.
run_method() {
	local rr pps=() tcp=() size mss
	# Not on our stdout: the command substitution we run in would wait for it.
	x ctr "$here/rr.py" serve 7 > /dev/null 2>&1 &
	local server=$!
	sleep 0.5
	rr=$(x gen "$here/rr.py" ask $PUB 7 1000)
	pkill -f "rr.py serve" || true
	wait $server 2> /dev/null || true	# quietly: no "Terminated"
	for size in "${udp_sizes[@]}"; do
		pps+=("$(iperf '.end.sum | (.packets - .lost_packets) / .seconds | floor' \
			-u -b 0 -l "$size")")
	done
	x gen ethtool -K eth0 tso off gso off > /dev/null
	for mss in "${tcp_mss[@]}"; do
		tcp+=("$(iperf '.end.sum_received.bits_per_second / 1e6 | floor' -M "$mss")")
	done
	pkill -f "iperf3 -s" || true
	echo "$rr ${pps[*]} ${tcp[*]}"
}

: > "$work/samples"
for ((r = 0; r < rounds; r++)); do
	for ((i = 0; i < ${#methods[@]}; i++)); do
		m=${methods[$(((i + r) % ${#methods[@]}))]}
		"setup_$m" > /dev/null
		line="$m $(run_method)"
		# A failed run (the subshell does not stop the script) ends here.
		awk -v n=$((4 + ${#udp_sizes[@]} + ${#tcp_mss[@]})) \
			'NF != n { exit 1 } { for (i = 2; i <= NF; i++) if ($i !~ /^[0-9.]+$/) exit 1 }' \
			<<< "$line" || { echo "traffic: $m gave '$line'" >&2; exit 1; }
		echo "$line" >> "$work/samples"
		teardown
	done
done
cp "$work/samples" "$out/traffic-samples.txt"

# median METHOD COLUMN
median() {
	awk -v m="$1" -v c="$2" '$1 == m { print $c }' "$work/samples" | spread | cut -d' ' -f1
}

# row METHOD FIRST_COLUMN COUNT: the medians, each with its ratio to routing.
row() {
	local c r=""
	for ((c = $2; c < $2 + $3; c++)); do
		r+=" | $(median "$1" $c) ($(awk -v a="$(median "$1" $c)" -v b="$(median routing $c)" \
			'BEGIN { printf "%.2f", a / b }'))"
	done
	echo "| $1$r |"
}

echo "## Latency, CPU per transaction and throughput by packet size, outside -> container"
echo
echo "Through the same host hops; median of $rounds rounds (order rotated),"
echo "ratio to routing in brackets."
echo
echo "UDP request/response: 1,000 one-byte transactions one at a time (Python"
echo "client and server, whose own cost is in every figure); CPU is the whole"
echo "machine's busy time (/proc/stat, every CPU) per transaction."
echo
echo "| method | RR median µs | RR p99 µs | CPU µs per transaction |"
echo "|---|---:|---:|---:|"
for m in "${methods[@]}"; do
	echo "| $m | $(median "$m" 2) | $(median "$m" 3) | $(median "$m" 4) ($(awk -v a="$(median "$m" 4)" \
		-v b="$(median routing 4)" 'BEGIN { printf "%.2f", a / b }')) |"
done
echo
# by_size TITLE HEADER FIRST_COLUMN SIZES...: each method's medians by
# size, from FIRST_COLUMN on; HEADER is the printf format of a size's title.
by_size() {
	local title=$1 header=$2 first=$3 m
	shift 3
	echo "$title"
	echo
	echo "| method |$(printf " $header |" "$@")"
	echo "|---|$(printf -- '---:|%.0s' "$@")"
	for m in "${methods[@]}"; do
		row "$m" "$first" $#
	done
	echo
}
by_size "iperf3 UDP at full speed: datagrams per second received, by payload size." \
	'%s B' 5 "${udp_sizes[@]}"
by_size "iperf3 TCP: Mbit/s received, by MSS, segmentation offloads off at the sender." \
	'MSS %s' $((5 + ${#udp_sizes[@]})) "${tcp_mss[@]}"

# The plot's data: per method a block of "frame_bytes udp_mbit tcp_mbit".
for m in "${methods[@]}"; do
	echo "\"$m\""
	for ((i = 0; i < ${#udp_sizes[@]}; i++)); do
		udp=$(median "$m" $((5 + i)))
		tcp=$(median "$m" $((5 + ${#udp_sizes[@]} + i)))
		# Frames: Ethernet 14 + IPv4 20 + UDP 8; TCP: 20 + 12 of timestamps,
		# which come out of the MSS.
		echo "$((udp_sizes[i] + 42)) $(awk -v p="$udp" -v s="${udp_sizes[i]}" \
			'BEGIN { print p * s * 8 / 1e6 }') $((tcp_mss[i] + 54)) $tcp"
	done
	printf '\n\n'
done > "$work/plot"
if command -v gnuplot > /dev/null; then
	gnuplot <<-EOT
	set terminal pngcairo size 1000,420 noenhanced
	set output "$out/throughput-by-size.png"
	set multiplot layout 1,2
	set grid
	set key top left
	set xlabel "frame bytes"
	set ylabel "Mbit/s"
	set title "UDP payload throughput (iperf3)"
	plot for [i=0:$((${#methods[@]} - 1))] "$work/plot" index i using 1:2 with linespoints title columnheader(1)
	set title "TCP throughput by MSS, offloads off (iperf3)"
	plot for [i=0:$((${#methods[@]} - 1))] "$work/plot" index i using 3:4 with linespoints title columnheader(1)
	unset multiplot
	EOT
	echo "![throughput by packet size](throughput-by-size.png)"
	echo
fi
