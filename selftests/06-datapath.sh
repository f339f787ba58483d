#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The single-host data path (IPv4), with real clients, on the topology of
# topo-single-host.sh: outside -> containers sharing an IP, containers ->
# outside, container -> container, ping, drops.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/topo-single-host.sh"

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
	# Counters: each container's endpoint and map saw its sessions.
	json=$(mnmapctl -n host -j stats show)
	for c in c1 c2; do
		n=$(jq ".endpoints[] | select(.name == \"$c\") | .stats.packets" <<< "$json")
		((n >= 8)) || fail "$c counted $n packets: $json"
	done
	n=$(jq '.maps[] | select(.addr == "198.51.100.10" and .port == 80 and .port_last == 80) | .stats.packets' <<< "$json")
	((n >= 8)) || fail "map 80 counted $n packets"
	((n <= $(jq .namespace.stats.packets <<< "$json"))) || fail "namespace total"
	[[ $(mnmapctl -n host stats show endpoint c3) =~ ^"endpoint c3 packets "[1-9][0-9]*" bytes "[1-9][0-9]*" drops: unmapped 0 spoofed 0 no-device 0 remote 0"$ ]] ||
		fail "$(mnmapctl -n host stats show endpoint c3)"
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
	json=$(mnmapctl -n host -j stats show)
	(($(jq .namespace.stats.drop_unmapped <<< "$json") >= 1)) || fail "unmapped drop not counted: $json"
	(($(jq .namespace.stats.drop_spoofed <<< "$json") >= 1)) || fail "spoofed drop not counted: $json"
}

run_test "outside -> two containers sharing an IP, concurrent sessions" test_outside_to_shared_ip
run_test "containers sharing an IP -> outside, each gets its replies" test_container_to_outside
run_test "container -> container on the same host" test_container_to_container
run_test "ping to the shared IP reaches its icmp endpoint" test_ping_shared_ip
run_test "unmapped ports and spoofed sources are dropped" test_drops
finish
