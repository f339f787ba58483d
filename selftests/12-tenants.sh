#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Tenants: overlapping private addresses that never meet. Two hosts
# joined by VXLAN (topo-multi-host.sh's underlay); tenants 1 and 2 each
# have a server at 10.9.0.10 / fd00:9::10 (tcp 80) and a client at
# 10.9.0.20 / fd00:9::20, on opposite hosts:
#
#   hosta: s1 (tenant 1, server)   k2 (tenant 2, client)   p1, p3 (public)
#   hostb: s2 (tenant 2, server)   k1 (tenant 1, client)
#
# The provider routes the public prefixes, and the private ones too, to
# hosta. p1 and p3 share 198.51.100.10 / 2001:db8:100::10 (by port); p1
# alone holds .12 / ::12, p3 alone .30 / ::30; s2, in tenant 2, also has
# a public address, .40 / ::40.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/topo-multi-host.sh"

PKT=$MNMAP_TOP/selftests/pkt.py

family() {
	FAM=$1
	if ((FAM == 4)); then
		SERVER=10.9.0.10 CLIENT_T=10.9.0.20 CLIENT=192.0.2.2 SHARED=198.51.100.10
		P1_ONLY=198.51.100.12 S2_PUBLIC=198.51.100.40 SHARED_T=198.51.100.50
		IP=ip4 L3=ip ICMPP=ICMP ECHO="icmp4(8, 0, b'ping', (4242 << 16) | 1)" TTL=ttl
		REPLY="icmp4(0, 0, b'ping', (4242 << 16) | 1)"
	else
		SERVER=fd00:9::10 CLIENT_T=fd00:9::20 CLIENT=2001:db8:c::2 SHARED=2001:db8:100::10
		P1_ONLY=2001:db8:100::12 S2_PUBLIC=2001:db8:100::40 SHARED_T=2001:db8:100::50
		IP=ip6 L3=ip6 ICMPP=ICMP6 ECHO="icmp6(128, 0, b'ping', (4242 << 16) | 1)" TTL=hlim
		REPLY="icmp6(129, 0, b'ping', (4242 << 16) | 1)"
	fi
}

# box NAME HOST MAC TENANT: a container on HOST; both hosts learn its endpoint.
box() {
	local name=$1 h=$2 mac=$3 tenant=$4 other
	other=$(other_host "$h")
	ns "$name"
	in_ns "$name" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
	ip -n "$h" link add "h-$name" type veth peer name eth0 netns "$name"
	ip -n "$h" link set "h-$name" up
	in_ns "$h" sysctl -qw "net.ipv4.conf.h-$name.rp_filter=0"
	ip -n "$name" link set eth0 address "$mac"
	mnmapctl -n "$h" endpoint add "$name" mac "$mac" dev "h-$name" tenant "$tenant"
	mnmapctl -n "$other" endpoint add "$name" mac "$mac" vtep "$(vtep "$h")" tenant "$tenant"
}

# both CMD...: a batch line for both hosts' tables.
both() {
	echo "$*" >> /tmp/tables
}

tenant_topology() {
	ns client router hosta hostb
	client_and_router
	underlay_host hosta r-a 203.0.113 2001:db8:1
	underlay_host hostb r-b 203.0.114 2001:db8:2
	local p
	ip -n router route add 198.51.100.0/24 dev r-a
	ip -n router route add 2001:db8:100::/64 dev r-a
	# The private prefixes too, as if the provider routed them in.
	ip -n router route add 10.9.0.0/24 via 203.0.113.2
	ip -n router route add fd00:9::/64 via 2001:db8:1::2
	box s1 hosta 02:00:00:00:01:10 1
	box k1 hostb 02:00:00:00:01:20 1
	box s2 hostb 02:00:00:00:02:10 2
	box k2 hosta 02:00:00:00:02:20 2
	box p1 hosta 02:00:00:00:00:a1 0
	box p3 hosta 02:00:00:00:00:a3 0
	: > /tmp/tables
	for t in 1 2; do
		for a in 10.9.0.10 fd00:9::10; do
			both map add "$a" tcp 80 endpoint "s$t" tenant "$t"
		done
		for a in 10.9.0.20 fd00:9::20; do
			both map add "$a" tcp 40000-49999 endpoint "k$t" tenant "$t"
			both map add "$a" udp 40000-49999 endpoint "k$t" tenant "$t"
		done
	done
	for a in 198.51.100.10 2001:db8:100::10 198.51.100.12 2001:db8:100::12; do
		both map add "$a" tcp 20000-29999 endpoint p1
		both map add "$a" icmp endpoint p1
	done
	for a in 198.51.100.10 2001:db8:100::10 198.51.100.30 2001:db8:100::30; do
		both map add "$a" tcp 30000-39999 endpoint p3
	done
	for a in 198.51.100.40 2001:db8:100::40; do
		both map add "$a" tcp 80 endpoint s2
	done
	mnmapctl -n hosta -b /tmp/tables
	mnmapctl -n hostb -b /tmp/tables
	for c in s1 k2 p1 p3; do
		mnmapctl -n hosta container setup "$c" endpoint "$c"
	done
	for c in s2 k1; do
		mnmapctl -n hostb container setup "$c" endpoint "$c"
	done
	serve s1 80
	serve s2 80
	wait_port s1 80 && wait_port s2 80
}

# packets HOST ENDPOINT: what HOST's mnmap delivered to ENDPOINT.
packets() {
	mnmapctl -n "$1" -j stats show endpoint "$2" | jq '.endpoints[0].stats.packets'
}

# vnis FILE: the VNIs a tcpdump of the underlay saw, sorted, one per line.
vnis() {
	grep -ao 'vni [0-9]*' "$1" | sort -u | awk '{print $2}' | paste -sd, -
}

# underlay_dump FILE: the router's view of the tunnel to hosta, until stopped.
underlay_dump() {
	in_ns router tcpdump -l -nn -i r-a udp port 4789 > "$1" 2> /dev/null &
	DUMP=$!
	sleep 1.5
}

# Each client reaches only its own tenant's server, every time, across
# hosts; the other tenant's containers see nothing; the wire carries the
# tenant's VNI.
test_overlap() {
	tenant_topology
	local fam i got s2_before k2_before s1_before k1_before
	for fam in 4 6; do
		family $fam
		underlay_dump /tmp/dump1
		s2_before=$(packets hostb s2) k2_before=$(packets hosta k2)
		for i in 1 2 3; do
			got=$(who k1 "$SERVER" 80)
			[[ $got == s1 ]] || fail "IPv$fam: k1 (tenant 1) reached '$got', not s1"
		done
		kill "$DUMP"; wait "$DUMP" || true
		(($(packets hostb s2) == s2_before && $(packets hosta k2) == k2_before)) ||
			fail "IPv$fam: tenant 2 saw tenant 1's traffic"
		[[ $(vnis /tmp/dump1) == 1 ]] || fail "IPv$fam: tenant 1 over VNIs '$(vnis /tmp/dump1)'"
		underlay_dump /tmp/dump2
		s1_before=$(packets hosta s1) k1_before=$(packets hostb k1)
		for i in 1 2 3; do
			got=$(who k2 "$SERVER" 80)
			[[ $got == s2 ]] || fail "IPv$fam: k2 (tenant 2) reached '$got', not s2"
		done
		kill "$DUMP"; wait "$DUMP" || true
		(($(packets hosta s1) == s1_before && $(packets hostb k1) == k1_before)) ||
			fail "IPv$fam: tenant 1 saw tenant 2's traffic"
		[[ $(vnis /tmp/dump2) == 2 ]] || fail "IPv$fam: tenant 2 over VNIs '$(vnis /tmp/dump2)'"
		# A tenant's container may have a public address too: from outside,
		# through hosta, to s2 on hostb, with VNI 0 (public traffic).
		underlay_dump /tmp/dump3
		got=$(who client "$S2_PUBLIC" 80)
		kill "$DUMP"; wait "$DUMP" || true
		[[ $got == s2 ]] || fail "IPv$fam: the outside reached '$got' at s2's public address"
		[[ $(vnis /tmp/dump3) == 0 ]] || fail "IPv$fam: public traffic over VNIs '$(vnis /tmp/dump3)'"
	done
	shared_public
}

# A public map whose endpoints are in both tenants (s1 and s2 at .50 /
# ::50, port 80): a tenant's private client gets only its own tenant's
# endpoint (no other could answer it), whatever its flow's hash.
shared_public() {
	local a h fam i got
	for a in 198.51.100.50 2001:db8:100::50; do
		for h in hosta hostb; do
			mnmapctl -n "$h" map add "$a" tcp 80 endpoint s1
			mnmapctl -n "$h" map add "$a" tcp 80 endpoint s2
		done
	done
	mnmapctl -n hosta container setup s1 endpoint s1
	mnmapctl -n hostb container setup s2 endpoint s2
	for fam in 4 6; do
		family $fam
		for i in 1 2 3 4 5 6; do
			got=$(who k1 "$SHARED_T" 80)
			[[ $got == s1 ]] || fail "IPv$fam: k1 (tenant 1) got '$got' at a public map of s1 and s2"
			got=$(who k2 "$SHARED_T" 80)
			[[ $got == s2 ]] || fail "IPv$fam: k2 (tenant 2) got '$got' at a public map of s1 and s2"
		done
	done
}

# syn_for_s1 VNI: hostb puts a SYN for s1's address and MAC into the tunnel
# to hosta, with VNI.
syn_for_s1() {
	in_ns hostb "$PKT" --vxlan "$(vtep hosta)" "$1" 02:00:00:00:01:10 \
		"$IP(\"$CLIENT_T\", \"$SERVER\", TCP, tcp(40001, 80))"
	sleep 0.3
}

# The outside never reaches a tenant's address, even routed to the host;
# a private source never leaves (no NAT could answer it); a frame put in
# the tunnel with the other tenant's VNI is not delivered; echo only from
# an address a map gives the sender (echo_owner: one topology for both,
# to keep make check short).
test_walls() {
	tenant_topology
	local fam before drops
	watch leak ip saddr 10.9.0.0/24
	watch leak6 ip6 saddr fd00:9::/64
	for fam in 4 6; do
		family $fam
		before=$(packets hosta s1)
		[[ -z $(who client "$SERVER" 80) ]] || fail "IPv$fam: the outside reached tenant 1's server"
		# Nor a public container on s1's own host, nor that host.
		[[ -z $(who p1 "$SERVER" 80) ]] || fail "IPv$fam: p1 (public) reached tenant 1's server"
		[[ -z $(who hosta "$SERVER" 80) ]] || fail "IPv$fam: hosta reached tenant 1's server"
		(($(packets hosta s1) == before)) || fail "IPv$fam: the outside's packets reached s1"
		# k2 may not send as s2, its own tenant's server elsewhere.
		drops=$(ns_stat hosta drop_spoofed)
		in_ns k2 "$PKT" eth0 "$(mac_of hosta h-k2)" "$IP(\"$SERVER\", \"$CLIENT_T\", TCP, tcp(80, 40001, 0x12))"
		sleep 0.3
		(($(ns_stat hosta drop_spoofed) == drops + 1)) || fail "IPv$fam: k2 sent as s2"
		drops=$(ns_stat hosta drop_private)
		in_ns k2 ncat -w 1 "$CLIENT" 7000 < /dev/null 2> /dev/null || true
		(($(ns_stat hosta drop_private) > drops)) || fail "IPv$fam: k2's private source not counted"
		# Into the tunnel to hosta, as hostb's VTEP, for s1: with tenant 2's
		# VNI it is for s2's same address (on hostb: never sent back, counted
		# remote); with a VNI no tenant owns, counted tenant.
		drops=$(ns_stat hosta drop_remote)
		syn_for_s1 2
		(($(packets hosta s1) == before)) || fail "IPv$fam: a frame with VNI 2 reached tenant 1's s1"
		(($(ns_stat hosta drop_remote) == drops + 1)) || fail "IPv$fam: VNI 2's frame not counted remote"
		drops=$(ns_stat hosta drop_tenant)
		syn_for_s1 3
		(($(packets hosta s1) == before)) || fail "IPv$fam: a frame with VNI 3 reached tenant 1's s1"
		(($(ns_stat hosta drop_tenant) == drops + 1)) || fail "IPv$fam: VNI 3's frame not counted tenant"
		# The same frame with tenant 1's VNI is s1's: the wall is the VNI.
		syn_for_s1 1
		# (And k1, which sent no SYN, answers its reply with a reset.)
		(($(packets hosta s1) > before)) || fail "IPv$fam: tenant 1's own frame not delivered"
	done
	metadata_wall
	(($(seen leak) == 0 && $(seen leak6) == 0)) || fail "a private source reached the router"
	echo_owner
	memo_walls
}

# IPv4's link-local range is the host's to route (a cloud's metadata
# service): a private source may not go there either.
metadata_wall() {
	local drops
	ip -n hosta route add 169.254.169.254 via 203.0.113.1
	ip -n router route add 169.254.169.254 dev r-client
	drops=$(ns_stat hosta drop_private)
	in_ns k2 "$PKT" eth0 "$(mac_of hosta h-k2)" 'ip4("10.9.0.20", "169.254.169.254", UDP, udp(40001, 80, b"meta"))'
	sleep 0.3
	(($(ns_stat hosta drop_private) == drops + 1)) || fail "k2's private source to 169.254.169.254 not dropped"
}

# count_replies NS: NS counts the echo replies it receives.
count_replies() {
	in_ns "$1" nft -f - <<< 'table inet r { chain in { type filter hook input priority 0;
		icmp type echo-reply counter; icmpv6 type echo-reply counter; }; }'
}

replies() {
	in_ns "$1" nft -j list chain inet r in |
		jq '[.nftables[].rule? | .expr[]? | .counter?.packets | numbers] | add // 0'
}

# ICMP echo from a container: only from an address a map gives it (p3 may
# not ping as p1 from p1's own .12); from an address they share, p3 may
# ping, but with p1's identifier it does not take p1's replies.
echo_owner() {
	local fam before req
	count_replies p1
	count_replies p3
	for fam in 4 6; do
		family $fam
		watch "only$fam" $L3 saddr "$P1_ONLY" $L3 daddr "$CLIENT"
		before=$(ns_stat hosta drop_spoofed)
		req="$IP(\"$P1_ONLY\", \"$CLIENT\", $ICMPP, $ECHO)"
		in_ns p3 "$PKT" eth0 "$(mac_of hosta h-p3)" "$req"
		sleep 0.3
		(($(seen "only$fam") == 0)) || fail "IPv$fam: p3's echo from p1's address left the host"
		(($(ns_stat hosta drop_spoofed) > before)) || fail "IPv$fam: not counted as spoofed"
		in_ns p1 "$PKT" eth0 "$(mac_of hosta h-p1)" "$req"
		sleep 0.3
		(($(seen "only$fam") == 1)) || fail "IPv$fam: p1's own echo did not leave"
		# The shared address: p1 pings, then p3 with p1's identifier.
		before=$(replies p1)
		req="$IP(\"$SHARED\", \"$CLIENT\", $ICMPP, $ECHO)"
		in_ns p1 "$PKT" eth0 "$(mac_of hosta h-p1)" "$req"
		sleep 0.5
		in_ns p3 "$PKT" eth0 "$(mac_of hosta h-p3)" "$req"
		sleep 0.5
		(($(replies p3) == 0)) || fail "IPv$fam: p3 took p1's echo replies"
		(($(replies p1) >= before + 2)) || fail "IPv$fam: p1 got $(($(replies p1) - before)) of 2 replies"
		in_ns p1 ping -c 1 -W 3 "$CLIENT" > /dev/null || fail "IPv$fam: p1 cannot ping"
	done
}

# from_client NS: NS counts what reaches its eth0 from the tenants' client address.
from_client() {
	in_ns "$1" nft -f - <<< 'table netdev c { chain in { type filter hook ingress device eth0 priority 0;
		ip saddr 10.9.0.20 counter; ip6 saddr fd00:9::20 counter; }; }'
}

froms() {
	in_ns "$1" nft -j list chain netdev c in |
		jq '[.nftables[].rule? | .expr[]? | .counter?.packets | numbers] | add // 0'
}

# What mnmap remembers of the outside (an echo's sender, a datagram's
# first fragment) is not for a tenant's container with the same address:
# p1 pings 10.9.0.20 out there, and the outside sends p1 the first
# fragment of a datagram from it; k2, whose private address that is, can
# take neither the echo's reply nor the datagram's later fragments to p1.
memo_walls() {
	local fam before drops first later got
	from_client p1
	for fam in 4 6; do
		family $fam
		in_ns p1 "$PKT" eth0 "$(mac_of hosta h-p1)" \
			"$IP(\"$P1_ONLY\", \"$CLIENT_T\", $ICMPP, ${ECHO/4242/4343}, $TTL=2)"
		sleep 0.3
		before=$(froms p1) drops=$(ns_stat hosta drop_private)
		in_ns k2 "$PKT" eth0 "$(mac_of hosta h-k2)" \
			"$IP(\"$CLIENT_T\", \"$P1_ONLY\", $ICMPP, ${REPLY/4242/4343})"
		sleep 0.3
		(($(froms p1) == before)) || fail "IPv$fam: k2 took the reply to p1's echo of the outside's $CLIENT_T"
		(($(ns_stat hosta drop_private) == drops + 1)) || fail "IPv$fam: k2's reply not counted private"
		first="tcp(40001, 20001).bytes(\"$CLIENT_T\", \"$P1_ONLY\") + b\"f\" * 20"
		if ((FAM == 4)); then
			first="ip4(\"$CLIENT_T\", \"$P1_ONLY\", TCP, $first, ident=777, frag=0x2000)"
			later="ip4(\"$CLIENT_T\", \"$P1_ONLY\", TCP, b\"l\" * 16, ident=777, frag=5)"
		else
			first="ip6(\"$CLIENT_T\", \"$P1_ONLY\", 44, $first, exthdrs=struct.pack(\"!BBHI\", TCP, 0, 1, 777))"
			later="ip6(\"$CLIENT_T\", \"$P1_ONLY\", 44, b\"l\" * 16, exthdrs=struct.pack(\"!BBHI\", TCP, 0, 40, 777))"
		fi
		# The outside's first fragment, k2's later one, the outside's own
		# later one: back to back (the memo keeps a first fragment's word
		# for 2 s), so p1 must get exactly the outside's two.
		before=$(froms p1)
		in_ns router python3 - "$MNMAP_TOP/selftests" "$(mac_of hosta eth0)" "$(mac_of hosta h-k2)" \
			"$(mac_of k2 eth0)" "$first" "$later" <<-'EOF'
		import ctypes, os, socket, sys
		sys.path.insert(0, sys.argv[1])
		from pkt import *
		uplink, k2_gw, k2_mac = sys.argv[2:5]
		first, later = eval(sys.argv[5]), eval(sys.argv[6])
		def sock(ifname):
		    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
		    s.bind((ifname, 0))
		    return s
		router, router_mac = sock("r-a"), open("/sys/class/net/r-a/address").read().strip()
		fd = os.open("/run/netns/k2", os.O_RDONLY)
		if ctypes.CDLL(None, use_errno=True).setns(fd, 0x40000000):
		    raise OSError(ctypes.get_errno(), "setns k2")
		k2 = sock("eth0")
		router.send(frame(uplink, router_mac, first))
		k2.send(frame(k2_gw, k2_mac, later))
		router.send(frame(uplink, router_mac, later))
		EOF
		sleep 0.3
		got=$(($(froms p1) - before))
		((got == 2)) || fail "IPv$fam: $got packets from $CLIENT_T reached p1, not the outside's first and later fragments"
	done
}

run_test "two tenants, one private address each side: each client reaches its own server, even at a public map of both" test_overlap
run_test "the outside, a private source, a wrong VNI, a neighbour's address, what the memo keeps: none crosses a wall" test_walls
finish
