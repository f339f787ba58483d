#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Control-plane benchmark (runs as root where mnmap.ko can load: the test
# VM, or a real host): map adds per second through `mnmapctl -b` at
# growing table sizes, kernel memory per map, and the time of
# `mnmapctl -j map show` over the largest table. Prints a markdown report.
#
#   control-plane.sh [SIZES...]     default 1000 100000 1000000
set -euo pipefail

sizes=("$@")
[[ ${#sizes[@]} -gt 0 ]] || sizes=(1000 100000 1000000)
work=$(mktemp -d)
trap 'ip netns delete mnbench 2>/dev/null; rm -rf "$work"' EXIT
ip netns add mnbench
m() { mnmapctl -n mnbench "$@"; }

# N maps of distinct (address, port) in 198.18.0.0/15, for one endpoint;
# with counters when a third argument says "counters".
gen() {
	awk -v n="$1" -v first="${2:-0}" -v opt="${3:+ $3}" 'BEGIN {
		print "endpoint add e mac 02:00:00:00:00:01 vtep 192.0.2.1"
		for (i = first; i < first + n; i++) {
			a = i % 131072
			printf "map add 198.%d.%d.%d tcp %d endpoint e%s\n", 18 + int(a / 65536),
			       int(a / 256) % 256, a % 256, 1 + int(i / 131072), opt
		}
	}'
}

now() { date +%s.%N; }
kb() { awk -v k="$1" '$1 == k":" { print $2 }' /proc/meminfo; }
# Kernel memory the table can use: slab, vmalloc (large bucket arrays) and
# per-CPU memory (counters).
kmem() { echo $(($(kb Slab) + $(kb VmallocUsed) + $(kb Percpu))); }

# Kernel memory per map, in bytes, that restoring batch FILE of N maps into
# an empty table takes.
mem_per_map() {
	local before after
	m flush
	sync
	echo 3 > /proc/sys/vm/drop_caches
	sleep 1
	before=$(kmem)
	m -b "$1"
	sleep 2		# let kfree_rcu() settle before measuring
	after=$(kmem)
	echo $(((after - before) * 1024 / $2))
}

echo "## Control plane: map adds through mnmapctl -b"
echo
echo "Kernel $(uname -r), $(nproc) CPU(s). Each row restores a batch of N maps"
echo "(one transaction, replacing the table) into an empty namespace, then adds"
echo "1,000 more maps to the full table in a second batch. Kernel memory"
echo "(slab, vmalloc and per-CPU) per map, for maps without counters (the"
echo "default) and, in a restore after them, with \`counters\`."
echo
echo "| maps N | restore N: seconds | adds/s | +1,000 on top: seconds | adds/s | kernel memory per map | with counters |"
echo "|---:|---:|---:|---:|---:|---:|---:|"
for n in "${sizes[@]}"; do
	m flush
	{ echo flush; gen "$n"; } > "$work/batch"
	gen 1000 "$n" | tail -n +2 > "$work/more"
	sync
	echo 3 > /proc/sys/vm/drop_caches
	sleep 1
	before=$(kmem)
	t0=$(now)
	m -b "$work/batch"
	t1=$(now)
	sleep 2		# let kfree_rcu() settle before measuring
	after=$(kmem)
	t2=$(now)
	m -b "$work/more"
	t3=$(now)
	[[ $(m -j map show | jq length) == $((n + 1000)) ]] || { echo "wrong count" >&2; exit 1; }
	{ echo flush; gen "$n" 0 counters; } > "$work/batch"
	with=$(mem_per_map "$work/batch" "$n")
	awk -v n="$n" -v a="$t0" -v b="$t1" -v c="$t2" -v d="$t3" -v k=$((after - before)) \
	    -v w="$with" 'BEGIN {
		printf "| %d | %.2f | %.0f | %.3f | %.0f | %.0f bytes | %d bytes |\n", n, b - a,
		       n / (b - a), d - c, 1000 / (d - c), k * 1024 / n, w }'
	last=$n
done
echo
t0=$(now)
m -j map show > "$work/dump"
t1=$(now)
awk -v n="$last" -v a="$t0" -v b="$t1" 'BEGIN {
	printf "`mnmapctl -j map show` of %d maps: %.2f s (%.0f maps/s).\n", n, b - a, n / (b - a) }'
