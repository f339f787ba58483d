#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The multi-host data path, with real clients, on the topology of
# topo-multi-host.sh: the public addresses reach hosta; containers on
# hostb are reached through VXLAN (the kernel's vxlan driver in external
# mode), from outside and from containers on hosta, sharing an address
# or not; bulk transfers; what happens without a VXLAN device, when it
# goes away, and when two hosts each think the other holds a container.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/topo-multi-host.sh"

# family 4|6: the addresses the cases use.
family() {
	FAM=$1
	if ((FAM == 4)); then
		SHARED=198.51.100.10 B2=198.51.100.30 CLIENT=192.0.2.2
	else
		SHARED=2001:db8:100::10 B2=2001:db8:100::30 CLIENT=2001:db8:c::2
	fi
}
family 4

servers() {
	serve a1 80
	serve b1 81
	serve b2 80
	wait_port a1 80 && wait_port b1 81 && wait_port b2 80
}

# stat HOST JQ-FILTER: a counter of HOST's mnmap.
stat() {
	mnmapctl -n "$1" -j stats show | jq "$2"
}

ep_packets() {
	stat "$1" ".endpoints[] | select(.name == \"$2\") | .stats.packets"
}

test_outside_to_remote() {
	multi_host_topology
	servers
	local tunnelled before
	before=$(ep_packets hosta b1)
	[[ $(who client "$SHARED" 80) == a1 ]] || fail "client -> $SHARED 80 (a1, local to hosta)"
	[[ $(who client "$SHARED" 81) == b1 ]] || fail "client -> $SHARED 81 (b1, on hostb)"
	[[ $(who client "$B2" 80) == b2 ]] || fail "client -> $B2 80 (b2, on hostb)"
	tunnelled=$(($(ep_packets hosta b1) - before))
	((tunnelled > 0)) || fail "hosta sent nothing to b1 through the tunnel"
	# hostb delivered what came out of the tunnel, and sent nothing back.
	(($(ep_packets hostb b1) >= tunnelled)) || fail "hostb delivered fewer packets to b1 than hosta sent"
	(($(stat hostb .namespace.stats.drop_remote) == 0)) || fail "hostb dropped as remote"
	# Concurrent sessions to the two containers that share the address.
	local i pids=()
	for i in $(seq 6); do
		if ((i % 2)); then
			[[ $(who client "$SHARED" 80) == a1 ]] > "/tmp/ok$i" &
		else
			[[ $(who client "$SHARED" 81) == b1 ]] > "/tmp/ok$i" &
		fi
		pids+=($!)
	done
	for i in "${pids[@]}"; do
		wait "$i" || fail "a concurrent session reached the wrong container"
	done
}

test_container_to_remote_container() {
	multi_host_topology
	servers
	[[ $(who a1 "$B2" 80) == b2 ]] || fail "a1 -> b2 on another host"
	[[ $(who b2 "$SHARED" 80) == a1 ]] || fail "b2 -> a1 on another host"
	[[ $(who b2 "$SHARED" 81) == b1 ]] || fail "b2 -> b1 on its own host"
}

test_same_ip_across_hosts() {
	multi_host_topology
	servers
	# a1 holds the shared address itself, yet its port 81 is b1's, elsewhere.
	[[ $(who a1 "$SHARED" 81) == b1 ]] || fail "a1 -> b1 on the same address, another host"
	[[ $(who b1 "$SHARED" 80) == a1 ]] || fail "b1 -> a1 on the same address, another host"
}

# Full-size TCP segments both ways through the tunnel, checked end to end.
test_bulk_through_tunnel() {
	multi_host_topology
	head -c 8M /dev/urandom > /tmp/bulk
	in_ns b2 ncat -l -p 80 --send-only < /tmp/bulk &
	wait_port b2 80
	in_ns a1 ncat -w 5 --recv-only "$B2" 80 > /tmp/bulk.a1
	cmp /tmp/bulk /tmp/bulk.a1 || fail "b2 -> a1: the 8 MB arrived changed or cut"
	in_ns b2 ncat -l -p 80 --recv-only > /tmp/bulk.b2 &
	wait_port b2 80
	in_ns client ncat -w 5 --send-only "$B2" 80 < /tmp/bulk
	wait
	cmp /tmp/bulk /tmp/bulk.b2 || fail "client -> b2: the 8 MB arrived changed or cut"
}

# Later fragments carry no ports: they follow their first through the
# tunnel, and out of it, so a datagram larger than the MTU arrives whole.
test_fragments_through_tunnel() {
	multi_host_topology
	udp_listen b1 30001 /tmp/b1.udp
	udp_listen b2 40001 /tmp/b2.udp
	udp_listen a1 20001 /tmp/a1.udp
	sleep 1
	for size in 4000 9000; do
		udp_send client "$SHARED" 30001 $size
		udp_send a1 "$B2" 40001 $size
		udp_send b2 "$SHARED" 20001 $size
	done
	sleep 1
	[[ $(cat /tmp/b1.udp) == $'4000\n9000' ]] || fail "b1 got '$(cat /tmp/b1.udp)' from outside"
	[[ $(cat /tmp/b2.udp) == $'4000\n9000' ]] || fail "b2 got '$(cat /tmp/b2.udp)' from a1"
	[[ $(cat /tmp/a1.udp) == $'4000\n9000' ]] || fail "a1 got '$(cat /tmp/a1.udp)' from b2"
	for h in hosta hostb; do
		(($(stat $h .namespace.stats.drop_unmapped) == 0)) || fail "$h dropped fragments"
	done
}

# The router's ICMP errors about b1's packets reach hosta, which owns the
# address: they go by the header they carry, through the tunnel, to b1.
test_path_mtu_across_hosts() {
	multi_host_topology
	ip -n router link set r-client mtu 1280
	head -c 2000000 /dev/urandom > /tmp/big
	in_ns b1 ncat -l -p 81 --send-only < /tmp/big &
	wait_port b1 81
	in_ns client timeout 60 ncat --recv-only "$SHARED" 81 > /tmp/got ||
		fail "the download from b1 did not complete"
	cmp -s /tmp/big /tmp/got || fail "got $(stat -c %s /tmp/got) bytes, not the file"
	in_ns b1 ip route get "$CLIENT" | grep "mtu 1280" > /dev/null ||
		fail "b1 did not learn the path MTU: $(in_ns b1 ip route get "$CLIENT")"
}

# One (address, port) served by a container on each host: flows spread
# over both, each whole on one.
test_balanced_across_hosts() {
	local lb=${SHARED%10}40 h i got on_a1=0 on_b2=0
	multi_host_topology
	for h in hosta hostb; do
		mnmapctl -n $h map add "$lb" tcp 80 endpoint a1
		mnmapctl -n $h map add "$lb" tcp 80 endpoint b2
	done
	mnmapctl -n hosta container setup a1 endpoint a1
	mnmapctl -n hostb container setup b2 endpoint b2
	servers
	for i in $(seq 16); do
		got=$(who client "$lb" 80)
		case $got in
		a1) on_a1=$((on_a1 + 1)) ;;
		b2) on_b2=$((on_b2 + 1)) ;;
		*) fail "connection $i to $lb was answered by '$got'" ;;
		esac
	done
	((on_a1 > 0 && on_b2 > 0)) || fail "flows did not spread: a1 $on_a1, b2 $on_b2"
}

# A provider that drops public sources from any host but hosta: hostb's
# containers go out through hosta, the gateway, and their replies (ping
# among them) come back through the tunnel.
test_gateway() {
	multi_host_topology
	in_ns router nft -f - <<-'EOF'
	table inet provider {
		chain forward {
			type filter hook forward priority 0;
			iifname "r-b" ip saddr 198.51.100.0/24 counter drop
			iifname "r-b" ip6 saddr 2001:db8:100::/64 counter drop
		}
	}
	EOF
	in_ns client ncat -lk -p 7000 -c 'echo out' &
	wait_port client 7000
	[[ -z $(who b2 "$CLIENT" 7000) ]] || fail "the provider let b2's source out of hostb"
	# Every host names the gateway; only the gateway itself routes what
	# the tunnel brings (09-isolation shows the others drop it).
	mnmapctl -n hosta host set gateway "$(vtep hosta)"
	mnmapctl -n hostb host set gateway "$(vtep hosta)"
	[[ $(who b2 "$CLIENT" 7000) == out ]] || fail "b2 -> outside through the gateway"
	[[ $(who b1 "$CLIENT" 7000) == out ]] || fail "b1 -> outside through the gateway"
	[[ $(who a1 "$CLIENT" 7000) == out ]] || fail "a1 -> outside from the gateway itself"
	in_ns b2 ping -c 2 -W 3 "$CLIENT" > /dev/null || fail "b2's pings through the gateway"
	# b1 shares a1's address, whose icmp map is a1's: the replies find b1.
	in_ns b1 ping -c 2 -W 3 "$CLIENT" > /dev/null || fail "b1's pings through the gateway"
	# The gateway takes from hostb only what hostb's containers own.
	mnmapctl -n hosta endpoint set b2 vtep 203.0.114.99
	[[ -z $(who b2 "$CLIENT" 7000) ]] || fail "the gateway routed b2's packets from a host b2 is not on"
	(($(stat hosta .namespace.stats.drop_spoofed) > 0)) || fail "no spoofed drop counted on the gateway"
}

# What the tunnel decapsulates once its outer UDP checksum was checked in
# software is CHECKSUM_COMPLETE: it carries the sum of the inner packet.
# Were that sum left as it is when mnmap writes the frame's Ethernet
# header, the container would check datagrams against a sum off by the
# header's own: a good one is a "hw csum failure", and one whose checksum
# is wrong by just that much is taken as good. It must be dropped.
test_checksum_after_tunnel() {
	multi_host_topology
	local pkt=$MNMAP_TOP/selftests/pkt.py eth datagram
	# hosta sums its outer UDP headers in software: hostb checks them so.
	in_ns hosta ethtool -K eth0 tx off > /dev/null
	in_ns b2 /usr/bin/python3 -c '
import socket
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.bind(("::", 45000))
while True:
    print(s.recv(100).decode(), flush=True)' > /tmp/b2-got &
	sleep 1
	# The Ethernet header hostb's mnmap writes for b2, as words to sum.
	eth="frame('02:00:00:00:00:b2', '$(ip -n hostb -j link show h-b2 | jq -r '.[0].address')', ($((FAM == 4 ? 0x0800 : 0x86dd)), b''))"
	datagram="ip$FAM('$CLIENT', '$B2', UDP, udp(7000, 45000, b'%s'))"
	# shellcheck disable=SC2059
	in_ns hosta "$pkt" --vxlan "$(vtep hostb)" 0 02:00:00:00:00:b2 "$(printf "$datagram" good)"
	# shellcheck disable=SC2059
	in_ns hosta "$pkt" --vxlan "$(vtep hostb)" 0 02:00:00:00:00:b2 \
		"skew_udp($(printf "$datagram" bad), wordsum($eth))"
	sleep 1
	grep -qx good /tmp/b2-got || fail "the good datagram did not reach b2"
	! grep -qx bad /tmp/b2-got || fail "b2 took a datagram with a wrong checksum"
}

test_without_vxlan_device() {
	multi_host_topology
	servers
	local before shown
	ip -n hosta link add d0 type dummy
	shown=$(mnmapctl -n hosta host show)
	expect_fail "not a VXLAN device in external" mnmapctl -n hosta host set vxlan d0
	ip -n hosta link add vxl type vxlan id 7 dstport 4789 local 203.0.113.2
	expect_fail "not a VXLAN device in external" mnmapctl -n hosta host set vxlan vxl
	[[ $(mnmapctl -n hosta host show) == "$shown" ]] || fail "a refused host set changed it"
	[[ $(who client "$SHARED" 81) == b1 ]] || fail "the tunnel broke after a refused host set"

	# No VXLAN device: remote endpoints' packets are dropped, and counted.
	mnmapctl -n hosta host set vxlan none
	before=$(stat hosta .namespace.stats.drop_remote)
	[[ -z $(who client "$SHARED" 81) ]] || fail "b1 reached without a VXLAN device"
	(($(stat hosta .namespace.stats.drop_remote) > before)) || fail "drops not counted as remote"
	[[ $(who client "$SHARED" 80) == a1 ]] || fail "local a1 lost with the VXLAN device"
	mnmapctl -n hosta host set vxlan vx0
	[[ $(who client "$SHARED" 81) == b1 ]] || fail "b1 not reached once vx0 is back"

	# The receiving host's device goes away, and comes back.
	ip -n hostb link del vx0
	[[ -z $(who client "$SHARED" 81) ]] || fail "b1 reached with hostb's VXLAN device gone"
	ip -n hostb link add vx0 type vxlan external dstport 4789
	ip -n hostb link set vx0 up
	mnmapctl -n hostb host set vxlan vx0
	[[ $(who client "$SHARED" 81) == b1 ]] || fail "b1 not reached through hostb's new vx0"
}

# Two hosts that each think the other holds b1 must not pass its packets
# back and forth: what comes out of the tunnel is only delivered here.
test_no_loop_between_hosts() {
	multi_host_topology
	servers
	mnmapctl -n hostb endpoint set b1 vtep "$(vtep hosta)"
	[[ -z $(who client "$SHARED" 81) ]] || fail "b1 reached though hostb sends it away"
	(($(stat hostb .namespace.stats.drop_remote) > 0)) || fail "hostb did not drop what it would send back"
	(($(stat hosta .namespace.stats.drop_remote) == 0)) || fail "hostb sent packets back to hosta"
}

# The module goes while namespaces still hook their VXLAN devices.
test_unload_with_hooks() {
	multi_host_topology
	serve b1 81
	wait_port b1 81
	[[ $(who client "$SHARED" 81) == b1 ]] || fail "b1 not reached before the unload"
	rmmod mnmap
	[[ -z $(who client "$SHARED" 81) ]] || fail "b1 still reached through the tunnel without mnmap"
}

for f in 4 6; do
	family $f
	run_test "IPv$f: outside -> containers on another host, through VXLAN" test_outside_to_remote
	run_test "IPv$f: container -> container on another host" test_container_to_remote_container
	run_test "IPv$f: containers on two hosts sharing one IP reach each other" test_same_ip_across_hosts
	run_test "IPv$f: 8 MB both ways through the tunnel arrive intact" test_bulk_through_tunnel
	run_test "IPv$f: fragmented datagrams cross the tunnel whole" test_fragments_through_tunnel
	run_test "IPv$f: path MTU discovery for a container on another host" test_path_mtu_across_hosts
	run_test "IPv$f: one port served by containers on two hosts, flows spread" test_balanced_across_hosts
	run_test "IPv$f: containers on another host go out through the gateway, ping included" test_gateway
	run_test "IPv$f: what the tunnel brings keeps a checksum the container can trust" test_checksum_after_tunnel
done
family 4
UNDERLAY=6
run_test "IPv4 over an IPv6 underlay: outside -> containers on another host" test_outside_to_remote
family 6
run_test "IPv6 over an IPv6 underlay: containers on two hosts sharing one IP" test_same_ip_across_hosts
UNDERLAY=4
family 4
run_test "without a VXLAN device remote packets are dropped and counted; devices come and go" test_without_vxlan_device
run_test "a packet out of the tunnel is never sent back into it" test_no_loop_between_hosts
run_test "mnmap unloads while namespaces hook their VXLAN devices" test_unload_with_hooks
finish
