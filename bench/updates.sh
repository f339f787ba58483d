#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Mapping updates per second, side by side in one run: N mappings of a
# public (address, udp, port) to one container loaded in one go by each
# tool, into an empty table, at growing N; then 1,000 more loaded in one
# go onto that table of N (what an orchestrator does all day):
#
#   mnmapctl -b     N `map add` lines (one transaction)
#   ipvsadm -R      N virtual services in DR mode, one real server each
#   nft -f          one DNAT map of N elements, and its rule
#   ovs-ofctl       N mod_dl_dst flows (add-flows)
#   noop            a launch that loads nothing (ip netns exec upd true)
#
# The report gives mappings per second and mnmap's ratio to the fastest
# alternative, for both. Every tool is started the same way, so the no-op
# launch is the floor of every time: the ratio it would get is the most
# that any tool, however fast, could show in this harness. Median of
# ROUNDS runs.
#
#   updates.sh OUT_DIR [ROUNDS] [SIZES...]
set -euo pipefail

out=${1:?usage: updates.sh OUT_DIR [ROUNDS] [SIZES...]}
rounds=${2:-3}
sizes=("${@:3}")
[[ ${#sizes[@]} -gt 0 ]] || sizes=(1000 10000 100000)
here=$(cd "$(dirname "$0")" && pwd)
tools=(mnmap ipvs nft ovs noop)
work=$(mktemp -d)
source "$here/setups.sh"	# ovs_start and friends, spread
trap 'ovs_stop "$work/ovs"; ip netns delete upd 2> /dev/null; rm -rf "$work"' EXIT

x() { ip netns exec upd "$@"; }
now() { date +%s.%N; }

more=1000

# N public addresses from the FIRST-th on, in 198.18.0.0/15.
addrs() {
	awk -v n="$1" -v first="${2:-0}" 'BEGIN { for (i = first; i < first + n; i++)
		printf "198.%d.%d.%d\n", 18 + int(i / 65536), int(i / 256) % 256, i % 256 }'
}

# Each tool's input for N mappings, and for the $more after them: written
# once per size, to FILE.N and FILE.N+.
inputs() {
	local n=$1
	{ echo "endpoint add ctr mac 02:00:00:00:00:01 dev h-ctr"
	  addrs "$n" | awk '{ printf "map add %s udp 9 endpoint ctr\n", $1 }'; } > "$work/mnmap.$n"
	addrs $more "$n" | awk '{ printf "map add %s udp 9 endpoint ctr\n", $1 }' > "$work/mnmap.$n+"
	for f in "" +; do
		if [[ $f ]]; then addrs $more "$n"; else addrs "$n"; fi |
			awk '{ printf "-A -u %s:9 -s rr\n-a -u %s:9 -r 10.0.0.2:9 -g -w 1\n", $1, $1 }' \
			> "$work/ipvs.$n$f"
		if [[ $f ]]; then addrs $more "$n"; else addrs "$n"; fi |
			awk '{ printf "udp,nw_dst=%s,tp_dst=9,actions=mod_dl_dst:02:00:00:00:00:01,output:2\n", $1 }' \
			> "$work/ovs.$n$f"
	done
	{ echo "table ip nat {"
	  echo "  map pub { type ipv4_addr . inet_service : ipv4_addr; elements = {"
	  addrs "$n" | awk '{ printf "    %s . 9 : 172.17.0.2,\n", $1 }'
	  echo "  } }"
	  echo "  chain prerouting { type nat hook prerouting priority -100;"
	  echo "    dnat to ip daddr . udp dport map @pub"
	  echo "  }"
	  echo "}"; } > "$work/nft.$n"
	{ echo "add element ip nat pub {"
	  addrs $more "$n" | awk '{ printf "    %s . 9 : 172.17.0.2,\n", $1 }'
	  echo "}"; } > "$work/nft.$n+"
}

# A fresh namespace with a container-side device; OVS gets its bridge.
fresh() {
	ip netns delete upd 2> /dev/null || true
	ovs_stop "$work/ovs"
	ip netns add upd
	x ip link add h-ctr type veth peer name ctr0
	x ip link set h-ctr up
	x ip addr add 10.0.0.1/24 dev h-ctr
	if [[ $1 == ovs ]]; then
		ovs_start upd "$work/ovs"
		ovs_vsctl upd add-br br0 -- add-port br0 h-ctr
		x ovs-ofctl del-flows br0
	fi
}

# load TOOL N[+]: N mappings, or the $more after them.
load() {
	case $1 in
	mnmap) x mnmapctl -b "$work/mnmap.$2" ;;
	ipvs) x ipvsadm -R < "$work/ipvs.$2" ;;
	nft) x nft -f "$work/nft.$2" ;;
	ovs) x ovs-ofctl add-flows br0 "$work/ovs.$2" ;;
	noop) x true ;;
	esac
}

# Time load TOOL N[+] and check that COUNT mappings are then there, so
# nobody is timed for half the work; prints mappings per second.
timed_load() {
	local t0 t1 got
	t0=$(now)
	load "$1" "$2" > /dev/null
	t1=$(now)
	got=$(loaded "$1" "$3")
	[[ $got == "$3" ]] || { echo "updates: $1 loaded $got of $3" >&2; exit 1; }
	awk -v n="$(($3 - ${4:-0}))" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f\n", n / (b - a) }'
}

# Check that every mapping is there, so nobody is timed for half the work.
loaded() {
	case $1 in
	noop) echo "$2" ;;
	mnmap) x mnmapctl -j map show | jq length ;;
	ipvs) x ipvsadm -Ln | grep -c '^UDP' ;;
	nft) x nft -j list map ip nat pub | jq '[.nftables[].map.elem // empty] | .[0] | length' ;;
	ovs) x ovs-ofctl dump-flows br0 --no-stats | grep -c nw_dst ;;
	esac
}

: > "$work/samples"
for n in "${sizes[@]}"; do
	inputs "$n"
	for ((r = 0; r < rounds; r++)); do
		for ((i = 0; i < ${#tools[@]}; i++)); do
			t=${tools[$(((i + r) % ${#tools[@]}))]}
			fresh "$t" > /dev/null
			into_empty=$(timed_load "$t" "$n" "$n")
			onto_n=$(timed_load "$t" "$n+" $((n + more)) "$n")
			echo "$t $n $into_empty $onto_n" >> "$work/samples"
		done
	done
done
cp "$work/samples" "$out/updates-samples.txt"

# table COLUMN [MAPPINGS]: one row per N, the median of each tool's
# samples; MAPPINGS loaded per run (default N).
table() {
	echo "| mappings N | mnmapctl -b | ipvsadm -R | nft -f (one DNAT map) | ovs-ofctl add-flows | mnmap / fastest other | no-op launch | no-op / fastest other | launch taken off: mnmap / fastest other |"
	echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
	for n in "${sizes[@]}"; do
		for t in "${tools[@]}"; do
			awk -v t="$t" -v n="$n" -v c="$1" '$1 == t && $2 == n { print $c }' "$work/samples" |
				spread | cut -d' ' -f1
		done | paste -sd' ' | awk -v n="$n" -v k="${2:-$n}" '{
			best = $2; if ($3 > best) best = $3; if ($4 > best) best = $4
			noop = k / $5; mine = k / $1 - noop; theirs = k / best - noop
			own = "-"
			if (mine > 0)
				own = sprintf("%.1fx", theirs / mine)
			printf "| %d | %.0f/s | %.0f/s | %.0f/s | %.0f/s | %.1fx | %.0f ms | %.1fx | %s |\n",
			       n, $1, $2, $3, $4, $1 / best, 1000 * noop, $5 / best, own }'
	done
	echo
}

echo "## Mapping updates per second"
echo
echo "N mappings loaded in one go into an empty table by each tool (median of"
echo "$rounds runs, order rotated); mnmap's ratio to the fastest alternative."
echo "Every tool is started alike (ip netns exec): the no-op launch, which"
echo "loads nothing, is the floor of every time, and its ratio the most that"
echo "any tool could show here. The last column compares the times with"
echo "the no-op's taken off: the tools' own work."
echo
table 3
echo "Then $more more mappings loaded in one go onto that table of N (nft:"
echo "\`add element\` to the map; mnmap: a batch that changes the live table)."
echo
table 4 $more
