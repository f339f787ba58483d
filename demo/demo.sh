#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The narrated demo of what mnmap does today; `make demo` runs it in the
# test VM. Every step is real: the commands print what they print.
set -euo pipefail

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }

say "Two simulated host VMs, each its own network namespace"
run ip netns add host1
run ip netns add host2
run ip -n host1 link add eth0 type dummy
run ip -n host1 link add vx0 type vxlan external dstport 4789

say "mnmapctl loads mnmap.ko on first use, by its generic netlink alias"
run mnmapctl -n host1 host show
lsmod | grep -w mnmap

say "Each host records its uplink, VXLAN device and VTEP"
run mnmapctl -n host1 host set uplink eth0 vxlan vx0 vtep 192.0.2.1 gateway 192.0.2.254
run mnmapctl -n host1 host show
run mnmapctl -n host1 -j -p host show

say "Namespaces are isolated: host2 sees none of host1's state"
run mnmapctl -n host2 host show

say "Bad input gets the kernel's or the tool's reason, and changes nothing"
run mnmapctl -n host1 host set uplink nosuch0 || true
run mnmapctl -n host1 host set vtep 192.0.2.300 || true

say "Every change is announced on the events group (mnmapctl monitor)"
ip netns exec host1 mnmapctl monitor > /tmp/events &
monitor=$!
sleep 0.5
run mnmapctl -n host1 host set vtep 2001:db8::1
sleep 0.5
kill "$monitor"
cat /tmp/events

say "Deleting the namespaces and unloading the module frees everything"
run ip netns delete host1
run ip netns delete host2
run rmmod mnmap
echo
echo "Demo complete."
