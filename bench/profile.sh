#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Where the time goes: perf (software cpu-clock events, which work in a
# guest) samples the whole machine while pktgen sends COUNT 64-byte frames
# through each hop, outside -> container (routing, IPVS-DR, OVS, mnmap)
# and container -> container (bridge, mnmap). The report gives, per hop,
# the CPU time per frame under the functions that tell the paths apart
# (inclusive), and each hop's top functions by their own samples.
# Skipped, with a line saying so, where perf cannot sample.
#
#   profile.sh OUT_DIR [COUNT]
set -euo pipefail

out=${1:?usage: profile.sh OUT_DIR [COUNT]}
count=${2:-200000}
hz=4000
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
x() { ip netns exec "$@"; }
source "$here/setups.sh"
trap 'teardown; rm -rf "$work"' EXIT
modprobe pktgen

echo "## Where the time goes (perf)"
echo
if ! perf record -q -e cpu-clock -a -o "$work/probe" -- true > /dev/null 2>&1; then
	echo "perf cannot sample here: skipped."
	echo
	exit 0
fi

# The functions whose inclusive share tells the hops apart.
# Not their callers: frames reached through tail calls lose those.
marks=(ip_forward br_handle_frame ip_vs_in_hook ovs_vport_receive mnmap_ipv4_steer
	pskb_expand_head skb_clone veth_xmit)

# profile NAME: sample the whole machine while pktgen sends through the
# hop set up last; writes $work/NAME.incl and $work/NAME.self.
profile() {
	blast 1000 > /dev/null
	export -f x blast
	export DST SRC DST_MAC PUB
	perf record -q -e cpu-clock -F $hz -a -g -o "$work/$1.data" -- \
		bash -c 'blast "$0" > /dev/null' "$count" > /dev/null 2>&1
	# Sampling at $hz, a sample stands for 1/$hz s of a CPU's time.
	total=$(perf report -i "$work/$1.data" --stdio --no-children -n --sort cpu -g none 2> /dev/null |
		awk '$1 ~ /%$/ { n += $2 } END { print n }')
	perf report -i "$work/$1.data" --stdio --children --sort sym -g none 2> /dev/null |
		awk -v total="$total" -v hz=$hz -v count="$count" '$1 ~ /%$/ && $3 == "[k]" {
			sub("%", "", $1); printf "%s %.2f\n", $4, $1 / 100 * total / hz * 1e6 / count
			if ($4 == "native_safe_halt") idle = $1 }
			END { printf "busy %.2f\n", (100 - idle) / 100 * total / hz * 1e6 / count }' \
		> "$work/$1.incl"
	perf report -i "$work/$1.data" --stdio --no-children --sort sym -g none 2> /dev/null |
		awk '$1 ~ /%$/ && ++n <= 12' > "$work/$1.self"
}

hops=()
for m in routing ipvs ovs mnmap; do
	"setup_$m" > /dev/null
	profile "$m"
	teardown
	hops+=("$m")
done
source "$here/c2c-setups.sh"
for m in bridge mnmap; do
	"setup_$m" > /dev/null
	profile "c2c-$m"
	teardown
	hops+=("c2c-$m")
done

echo "pktgen sends $count 64-byte frames through each hop (c2c-: container ->"
echo "container on the same host) while perf samples every CPU at $hz Hz. CPU"
echo "time per frame, in µs: all but idle (pktgen's own work included), then"
echo "under each function, callees included (a lower bound for a function whose"
echo "callees it reaches by tail calls)."
echo "pktgen shares its frames (it holds a reference), so ip_rcv clones each"
echo "one and a hop that writes a header must first copy it (pskb_expand_head);"
echo "frames from a socket or a NIC are not shared and skip that copy."
echo
echo "| function |$(printf ' %s |' "${hops[@]}")"
echo "|---|$(printf -- '---:|%.0s' "${hops[@]}")"
for f in busy "${marks[@]}"; do
	row="| $f"
	for h in "${hops[@]}"; do
		row+=" | $(awk -v f="$f" '$1 == f { v = $2 } END { printf "%s", v == "" ? "-" : v }' "$work/$h.incl")"
	done
	echo "$row |"
done
echo
for h in "${hops[@]}"; do
	echo "<details><summary>$h: top functions by own samples</summary>"
	echo
	echo '```'
	cat "$work/$h.self"
	echo '```'
	echo "</details>"
	echo
done
