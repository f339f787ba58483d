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
work=$(mktemp -d)
x() { ip netns exec "$@"; }
source "$here/setups.sh"
source "$here/c2c-setups.sh"
trap 'teardown; rm -rf "$work"' EXIT
modprobe pktgen

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
	echo "$m $(awk -v m="$m" '$1 == m { print $2 }' "$work/samples" | spread)"
done | awk 'NR == 1 { b = $2 } { printf "| %s | %.0f | %.0f | %.0f | %.2f |\n", $1, $2, $3, $4, $2 / b }'
echo
short_rounds
