#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The single-host data path (IPv4), with real clients:
#
#   client --- router --- host (mnmap) ---+--- c1  198.51.100.10/32
#   192.0.2.2  .1 | .1    203.0.113.2     +--- c2  198.51.100.10/32
#            203.0.113.0/24  (uplink)     +--- c3  198.51.100.20/32
#
# c1 and c2 share 198.51.100.10: c1 serves tcp 80 and owns ports
# 20000-29999 for its own connections, c2 serves tcp 81 and owns
# 30000-39999. Each container holds its public address on its own
# interface and routes through 169.254.1.1, which mnmap answers for. The
# router treats 198.51.100.0/24 as on-link, so it ARPs for the shared
# address: mnmap answers on the uplink. No NAT anywhere.
source "$(dirname "$0")/lib.sh"

topology() {
	ns client router host c1 c2 c3
	ip -n client link add eth0 type veth peer name r-client netns router
	ip -n router link add r-host type veth peer name eth0 netns host
	ip -n client addr add 192.0.2.2/24 dev eth0
	ip -n client link set eth0 up
	ip -n client route add default via 192.0.2.1
	ip -n router addr add 192.0.2.1/24 dev r-client
	ip -n router addr add 203.0.113.1/24 dev r-host
	ip -n router link set r-client up
	ip -n router link set r-host up
	ip -n router route add 198.51.100.0/24 dev r-host
	in_ns router sysctl -qw net.ipv4.ip_forward=1
	ip -n host addr add 203.0.113.2/24 dev eth0
	ip -n host link set eth0 up
	ip -n host route add default via 203.0.113.1
	in_ns host sysctl -qw net.ipv4.ip_forward=1
	in_ns host sysctl -qw net.ipv4.conf.all.rp_filter=0
	mnmapctl -n host host set uplink eth0
	container c1 198.51.100.10 02:00:00:00:00:01 20000 29999
	container c2 198.51.100.10 02:00:00:00:00:02 30000 39999
	container c3 198.51.100.20 02:00:00:00:00:03 40000 49999
	mnmapctl -n host map add 198.51.100.10 tcp 80 endpoint c1
	mnmapctl -n host map add 198.51.100.10 tcp 81 endpoint c2
	mnmapctl -n host map add 198.51.100.20 tcp 80 endpoint c3
	mnmapctl -n host map add 198.51.100.10 icmp endpoint c1
}

# container NAME ADDR MAC FIRST LAST: a container joined to the host by a
# veth, its address on its own interface, its port block mapped to it.
container() {
	local name=$1 addr=$2 mac=$3 first=$4 last=$5
	ip -n host link add "h-$name" type veth peer name eth0 netns "$name"
	ip -n host link set "h-$name" up
	in_ns host sysctl -qw "net.ipv4.conf.h-$name.rp_filter=0"
	ip -n "$name" link set eth0 address "$mac" up
	ip -n "$name" addr add "$addr/32" dev eth0
	ip -n "$name" route add 169.254.1.1 dev eth0 scope link
	ip -n "$name" route add default via 169.254.1.1 dev eth0
	in_ns "$name" sysctl -qw net.ipv4.ip_local_port_range="$first $last"
	mnmapctl -n host endpoint add "$name" mac "$mac" dev "h-$name"
	mnmapctl -n host map add "$addr" tcp "$first-$last" endpoint "$name"
	mnmapctl -n host map add "$addr" udp "$first-$last" endpoint "$name"
}

# serve NS PORT: a TCP server that answers every connection with NS's name.
serve() {
	in_ns "$1" ncat -lk -p "$2" -c "echo $1" &
}

wait_port() {
	for _ in $(seq 50); do
		in_ns "$1" ss -ltn | grep -q ":$2 " && return 0
		sleep 0.1
	done
	return 1
}

no_nat() {
	for n in host router; do
		! in_ns "$n" nft list ruleset 2>/dev/null | grep -qi nat || fail "NAT rule in $n"
	done
	[[ ! -e /proc/net/nf_conntrack ]] || ! grep -q "dst=198.51.100" /proc/net/nf_conntrack ||
		fail "conntrack saw mnmap traffic"
}

test_outside_to_shared_ip() {
	topology
	serve c1 80; serve c2 81; serve c3 80
	wait_port c1 80; wait_port c2 81; wait_port c3 80
	# Concurrent sessions to the two containers behind one address.
	for i in 1 2 3 4; do
		in_ns client ncat --recv-only 198.51.100.10 80 > "/tmp/s80.$i" &
		in_ns client ncat --recv-only 198.51.100.10 81 > "/tmp/s81.$i" &
	done
	wait $(jobs -p | tail -n 8)
	for i in 1 2 3 4; do
		[[ $(cat /tmp/s80.$i) == c1 ]] || fail "port 80 answered by '$(cat /tmp/s80.$i)'"
		[[ $(cat /tmp/s81.$i) == c2 ]] || fail "port 81 answered by '$(cat /tmp/s81.$i)'"
	done
	[[ $(in_ns client ncat --recv-only 198.51.100.20 80) == c3 ]] || fail "c3"
	# The router learnt the host's uplink MAC for the shared address, once.
	mac=$(ip -n host -j link show eth0 | jq -r '.[0].address')
	[[ $(ip -n router -j neigh show 198.51.100.10 | jq -r '.[0].lladdr') == "$mac" ]] ||
		fail "router's neighbour for the shared address: $(ip -n router neigh)"
	no_nat
}

test_container_to_outside() {
	topology
	in_ns client ncat -lk -p 7000 -c 'echo "$NCAT_REMOTE_ADDR:$NCAT_REMOTE_PORT"' &
	wait_port client 7000
	# Both containers that share the address open connections at once.
	for i in 1 2 3; do
		in_ns c1 ncat --recv-only 192.0.2.2 7000 > "/tmp/o1.$i" &
		in_ns c2 ncat --recv-only 192.0.2.2 7000 > "/tmp/o2.$i" &
	done
	wait $(jobs -p | tail -n 6)
	for i in 1 2 3; do
		read -r a p < <(tr : ' ' < "/tmp/o1.$i")
		[[ $a == 198.51.100.10 ]] && ((p >= 20000 && p <= 29999)) || fail "c1 seen as '$(cat /tmp/o1.$i)'"
		read -r a p < <(tr : ' ' < "/tmp/o2.$i")
		[[ $a == 198.51.100.10 ]] && ((p >= 30000 && p <= 39999)) || fail "c2 seen as '$(cat /tmp/o2.$i)'"
	done
	no_nat
}

test_container_to_container() {
	topology
	serve c3 80; serve c2 81
	wait_port c3 80; wait_port c2 81
	# Another address on the same host, and the same address on another port.
	[[ $(in_ns c1 ncat --recv-only 198.51.100.20 80) == c3 ]] || fail "c1 -> c3"
}

test_ping_shared_ip() {
	topology
	in_ns client ping -c 2 -W 2 198.51.100.10 > /dev/null || fail "echo to the shared address"
}

test_drops() {
	topology
	serve c1 80
	wait_port c1 80
	# An unmapped port of a managed address goes nowhere: not into the
	# host's stack, which would route it back out of the uplink.
	in_ns host timeout 6 tcpdump -ni eth0 -Q out -c 1 -w /tmp/leak.pcap 'tcp port 8080' 2>/dev/null &
	dump=$!
	sleep 2
	expect_fail "" in_ns client ncat --recv-only -w 2 198.51.100.10 8080
	wait $dump || true
	leaked=$(tcpdump -nr /tmp/leak.pcap 2>/dev/null)
	[[ -z $leaked ]] || fail "unmapped traffic left the host: $leaked"
	# A container may send from its own ports, and not from another's (c2's).
	in_ns client socat -u UDP-RECV:7001 OPEN:/tmp/udp,creat,append &
	wait_udp=$!
	sleep 1
	echo own | in_ns c1 ncat -u -w 1 -p 25000 192.0.2.2 7001 || true
	echo spoofed | in_ns c1 ncat -u -w 1 -p 35000 192.0.2.2 7001 || true
	sleep 1
	kill $wait_udp || true
	grep -q own /tmp/udp || fail "the container's own port did not get through"
	! grep -q spoofed /tmp/udp || fail "a spoofed source port got through"
}

run_test "outside -> two containers sharing an IP, concurrent sessions" test_outside_to_shared_ip
run_test "containers sharing an IP -> outside, each gets its replies" test_container_to_outside
run_test "container -> container on the same host" test_container_to_container
run_test "ping to the shared IP reaches its icmp endpoint" test_ping_shared_ip
run_test "unmapped ports and spoofed sources are dropped" test_drops
finish
