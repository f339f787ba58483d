#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The narrated demo of what mnmap does today; `make demo` runs it in the
# test VM. Every step is real: the commands print what they print.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
source "$top/selftests/lib.sh"
source "$top/selftests/topo-single-host.sh"
source "$top/selftests/topo-multi-host.sh"

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
run mnmapctl -n host1 host set vtep 192.0.2.7
sleep 0.5
kill "$monitor"
cat /tmp/events

say "Deleting the namespaces and unloading the module frees everything"
run ip netns delete host1
run ip netns delete host2

say "Scenario 1: the outside reaches two containers that share one public IP"
cat <<'EOT'
  client --- router --- host (mnmap) ---+--- c1  198.51.100.10 2001:db8:100::10  (serves tcp 80)
                                        +--- c2  198.51.100.10 2001:db8:100::10  (serves tcp 81)
                                        +--- c3  198.51.100.20 2001:db8:100::20
EOT
topology
run mnmapctl -n host map show
serve c1 80; serve c2 81
wait_port c1 80; wait_port c2 81
printf '$ ip netns exec client ncat --recv-only 198.51.100.10 80\n'
in_ns client ncat --recv-only 198.51.100.10 80
printf '$ ip netns exec client ncat --recv-only 198.51.100.10 81\n'
in_ns client ncat --recv-only 198.51.100.10 81
printf '$ ip netns exec client ncat --recv-only 2001:db8:100::10 81   (IPv6 alike)\n'
in_ns client ncat --recv-only 2001:db8:100::10 81
echo "Each container holds the public IP on its own interface: no NAT."
run ip -n c1 -br addr show dev eth0
run ip -n c2 -br addr show dev eth0
echo "The router learnt one MAC for the shared IP: the host's uplink."
run ip -n router neigh show 198.51.100.10
echo "'mnmapctl container setup c1 endpoint c1' configured c1: its address, the"
echo "gateway route, its port block, and policy rules so that it delivers to"
echo "itself only the ports it owns."
run ip -n c1 rule show
run ip -n c1 route show

say "Scenario 3: a container reaches a neighbour that shares its own IP"
printf '$ ip netns exec c1 ncat --recv-only 198.51.100.10 81   (c1 holds this IP too)\n'
in_ns c1 ncat --recv-only 198.51.100.10 81

say "Scenario 6: both containers connect out at once; replies find their way back"
in_ns client ncat -lk -p 7000 -c 'echo "you are $NCAT_REMOTE_ADDR port $NCAT_REMOTE_PORT"' &
wait_port client 7000
printf '$ ip netns exec c1 ncat --recv-only 192.0.2.2 7000   (c1 owns ports 20000-29999)\n'
in_ns c1 ncat --recv-only 192.0.2.2 7000
printf '$ ip netns exec c2 ncat --recv-only 192.0.2.2 7000   (c2 owns ports 30000-39999)\n'
in_ns c2 ncat --recv-only 192.0.2.2 7000
kill %% 2>/dev/null || true

say "Scenario 10: ping, and path MTU discovery through a 1280-byte hop"
run ip netns exec client ping -c 1 198.51.100.10
run ip -n router link set r-client mtu 1280
head -c 1000000 /dev/zero > /tmp/demo-big
in_ns c1 ncat -l -p 8080 --send-only < /tmp/demo-big &
wait_port c1 8080
mnmapctl -n host map add 198.51.100.10 tcp 8080 endpoint c1
printf '$ ip netns exec client ncat --recv-only 198.51.100.10 8080 | wc -c\n'
in_ns client ncat --recv-only 198.51.100.10 8080 | wc -c
echo "The router's 'fragmentation needed' reached c1 by the header it carries:"
run ip -n c1 route get 192.0.2.2

cleanup_all
say "Scenarios 1, 4 and 5 across hosts: containers on another host, through VXLAN"
cat <<'EOT'
  client --- router ---+--- hosta (mnmap) --- a1  198.51.100.10  (serves tcp 80)
                       +--- hostb (mnmap) ---+--- b1  198.51.100.10  (serves tcp 81)
                                             +--- b2  198.51.100.30  (serves tcp 80)
EOT
echo "The provider routes the public addresses to hosta only. Each host holds"
echo "the whole table: an endpoint is a device where its container runs, and"
echo "that host's VTEP elsewhere."
multi_host_topology
run mnmapctl -n hosta endpoint show
run mnmapctl -n hostb endpoint show
serve a1 80; serve b1 81; serve b2 80
wait_port a1 80; wait_port b1 81; wait_port b2 80
printf '$ ip netns exec client ncat --recv-only 198.51.100.10 81   (b1, on hostb)
'
in_ns client ncat --recv-only 198.51.100.10 81
printf '$ ip netns exec a1 ncat --recv-only 198.51.100.30 80   (a1 -> b2, another host)
'
in_ns a1 ncat --recv-only 198.51.100.30 80
printf '$ ip netns exec a1 ncat --recv-only 198.51.100.10 81   (a1 -> b1: its own IP, another host)
'
in_ns a1 ncat --recv-only 198.51.100.10 81
echo "hosta sent b1's packets through the tunnel; hostb delivered them:"
run mnmapctl -n hosta stats show endpoint b1
run mnmapctl -n hostb stats show endpoint b1

say "Cleaning up"
cleanup_all
echo
echo "Demo complete."
