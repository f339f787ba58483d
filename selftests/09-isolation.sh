#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Isolation: a container never sends as another, whatever it puts in a
# frame. Hand-made frames (pkt.py) from a container, and from a host into
# the tunnel, that real clients never send: ICMP errors with a forged
# outer source, a second endpoint's ports on a shared device, IPv6 to
# link scope from a forged source, transport headers cut short; a host
# that is not the gateway routing what the tunnel brings. The router
# counts what it forwards, by source: what must not leave never reaches it.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/topo-single-host.sh"
source "$(dirname "$0")/topo-multi-host.sh"

PKT=$MNMAP_TOP/selftests/pkt.py

family() {
	FAM=$1
	if ((FAM == 4)); then
		SHARED=198.51.100.10 OTHER=198.51.100.20 B2=198.51.100.30 CLIENT=192.0.2.2 FORGED=192.0.2.66
		UNMANAGED=203.0.114.50 IP=ip4 L3=ip ICMP=ICMP L4ICMP=icmp
		FRAG_NEEDED="icmp4(3, 4, inner(%s), 1280)" CUT_ERROR="icmp4(3, 4, b'\\x45' + bytes(7), 1280)"
	else
		SHARED=2001:db8:100::10 OTHER=2001:db8:100::20 B2=2001:db8:100::30 CLIENT=2001:db8:c::2
		FORGED=2001:db8:c::66
		UNMANAGED=2001:db8:2::50 IP=ip6 L3=ip6 ICMP=ICMP6 L4ICMP=ipv6-icmp
		FRAG_NEEDED="icmp6(2, 0, inner(%s), 1280)" CUT_ERROR="icmp6(2, 0, b'\\x60' + bytes(7), 1280)"
	fi
}
family 4

# from_c1 EXPR [SRC-MAC]: c1 sends the frame EXPR builds (pkt.py) to its host.
from_c1() {
	local expr=$1
	[[ -z ${2:-} ]] || expr="(\"$2\", $1)"
	in_ns c1 "$PKT" eth0 "$(mac_of host h-c1)" "$expr"
	sleep 0.3
}

# An ICMP error from a container is about its own flow: its outer source
# must be the address the embedded header went to, else it would carry a
# forged source to any unmanaged destination.
test_icmp_error_outer_source() {
	topology
	local about before
	watch forged $L3 saddr $FORGED
	watch own $L3 saddr $SHARED meta l4proto $L4ICMP
	# A packet the client sent to c1's tcp 80, as the error embeds it.
	about="$IP(\"$CLIENT\", \"$SHARED\", TCP, tcp(7000, 80))"
	before=$(ns_stat host drop_spoofed)
	# shellcheck disable=SC2059
	from_c1 "$IP(\"$FORGED\", \"$CLIENT\", $ICMP, $(printf "$FRAG_NEEDED" "$about"))"
	(($(seen forged) == 0)) || fail "an ICMP error with a forged outer source left the host"
	(($(ns_stat host drop_spoofed) == before + 1)) || fail "the forged error was not counted as spoofed"
	# shellcheck disable=SC2059
	from_c1 "$IP(\"$SHARED\", \"$CLIENT\", $ICMP, $(printf "$FRAG_NEEDED" "$about"))"
	(($(seen own) == 1)) || fail "c1's own ICMP error about its flow did not leave the host"
	# An error that carries no usable header is nobody's, even from a
	# managed address (c3's).
	watch c3 $L3 saddr $OTHER
	from_c1 "$IP(\"$OTHER\", \"$CLIENT\", $ICMP, $CUT_ERROR)"
	(($(seen c3) == 0)) || fail "an ICMP error without a usable header left from c3's address"
	(($(ns_stat host drop_spoofed) == before + 2)) || fail "it was not counted as spoofed"
}

# Endpoints that share a device are told apart by the frame's source MAC:
# a second endpoint's ports are not the first's to send from.
test_shared_device_by_mac() {
	topology
	mnmapctl -n host endpoint add other mac 02:00:00:00:00:99 dev h-c1
	mnmapctl -n host map add "$SHARED" udp 6000 endpoint other
	watch from6000 $L3 saddr $SHARED udp sport 6000
	from_c1 "$IP(\"$SHARED\", \"$CLIENT\", UDP, udp(6000, 7001, b'x'))"
	(($(seen from6000) == 0)) || fail "c1 sent from the port of another endpoint on its device"
	from_c1 "$IP(\"$SHARED\", \"$CLIENT\", UDP, udp(6000, 7001, b'x'))" 02:00:00:00:00:99
	(($(seen from6000) == 1)) || fail "the frame from the other endpoint's MAC did not get through"
	# c1's own ports, from its own MAC, still do.
	watch from25000 $L3 saddr $SHARED udp sport 25000
	from_c1 "$IP(\"$SHARED\", \"$CLIENT\", UDP, udp(25000, 7001, b'x'))"
	(($(seen from25000) == 1)) || fail "c1's own port did not get through"
}

# IPv6 to link scope (the host's link-local address, all-nodes multicast)
# from a container: only from what it owns; it never reaches the host's
# stack from a forged global source.
test_ipv6_link_scope_source() {
	topology
	local ll before
	ll=$(ip -n host -6 -j addr show dev h-c1 scope link | jq -r '.[0].addr_info[0].local')
	in_ns host /usr/bin/python3 -c '
import socket
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.bind(("::", 9999))
while True:
    d, a = s.recvfrom(100)
    print(a[0], d.decode(), flush=True)' > /tmp/host-got &
	sleep 1
	before=$(ns_stat host drop_spoofed)
	from_c1 "ip6(\"2001:db8:c::66\", \"$ll\", UDP, udp(25000, 9999, b'forged-ll'))"
	from_c1 "ip6(\"2001:db8:c::66\", \"ff02::1\", UDP, udp(25000, 9999, b'forged-mc'))"
	from_c1 "ip6(\"2001:db8:100::10\", \"$ll\", UDP, udp(25000, 9999, b'own'))"
	sleep 0.5
	! grep -q forged /tmp/host-got || fail "the host's stack took a forged source: $(cat /tmp/host-got)"
	(($(ns_stat host drop_spoofed) == before + 2)) || fail "forged link-scope packets not counted as spoofed"
	grep -q own /tmp/host-got || fail "c1's own source to the host's link-local address was dropped"
}

# A transport header cut short has no ports to own: from a container it is
# dropped, not checked by address alone. So is an IPv6 header chain that
# never reaches its transport header.
test_incomplete_l4() {
	topology
	local before
	watch cut $L3 saddr $SHARED
	before=$(ns_stat host drop_spoofed)
	from_c1 "$IP(\"$SHARED\", \"$CLIENT\", TCP, tcp(25000, 7001, cut=3))"
	from_c1 "$IP(\"$SHARED\", \"$CLIENT\", UDP, b'\\x61\\xa8\\x1b')"
	from_c1 "$IP(\"$SHARED\", \"$CLIENT\", $ICMP, b'\\x03')"
	if ((FAM == 6)); then
		# Destination options that say 16 bytes and carry 8, before UDP
		# and before ICMPv6.
		from_c1 "ip6(\"$SHARED\", \"$CLIENT\", 60, b'', exthdrs=bytes([17, 1]) + bytes(6))"
		from_c1 "ip6(\"$SHARED\", \"$CLIENT\", 60, b'', exthdrs=bytes([58, 1]) + bytes(6))"
	fi
	(($(seen cut) == 0)) || fail "a packet with an incomplete transport header left the host"
	(($(ns_stat host drop_spoofed) == before + (FAM == 6 ? 5 : 3))) ||
		fail "incomplete transport headers not counted as spoofed"
}

# into_hosta EXPR: hostb sends the frame EXPR builds into the tunnel to
# hosta (its outer source is hostb's VTEP), to hosta's VXLAN device.
into_hosta() {
	in_ns hostb "$PKT" --vxlan "$(vtep hosta)" 0 "$(mac_of hosta vx0)" "$1"
	sleep 0.3
}

# Only the gateway routes out what containers on other hosts send through
# the tunnel; any other host drops it. What is not mnmap's (no managed
# source) the stack judges.
test_only_gateway_routes_tunnel() {
	multi_host_topology
	local before
	watch b2 $L3 saddr $B2
	before=$(ns_stat hosta drop_remote)
	into_hosta "$IP(\"$B2\", \"$CLIENT\", UDP, udp(45000, 7001, b'x'))"
	(($(seen b2) == 0)) || fail "hosta, not the gateway, routed b2's tunnelled packet out"
	(($(ns_stat hosta drop_remote) == before + 1)) || fail "the drop was not counted as remote"
	# Nor an ICMP error from b2 about a flow of an unmanaged address.
	local stray="$IP(\"$CLIENT\", \"$UNMANAGED\", UDP, udp(7000, 53))"
	# shellcheck disable=SC2059
	into_hosta "$IP(\"$B2\", \"$CLIENT\", $ICMP, $(printf "$FRAG_NEEDED" "$stray"))"
	(($(seen b2) == 0)) || fail "hosta, not the gateway, routed b2's ICMP error out"
	(($(ns_stat hosta drop_remote) == before + 2)) || fail "the error's drop was not counted as remote"
	mnmapctl -n hosta host set gateway "$(vtep hosta)"
	into_hosta "$IP(\"$B2\", \"$CLIENT\", UDP, udp(45000, 7001, b'x'))"
	(($(seen b2) == 1)) || fail "hosta, the gateway, did not route b2's packet out"
	# From a port b2 does not own: spoofed.
	before=$(ns_stat hosta drop_spoofed)
	into_hosta "$IP(\"$B2\", \"$CLIENT\", UDP, udp(25000, 7001, b'x'))"
	(($(seen b2) == 1)) || fail "the gateway routed a port that no container at hostb owns"
	(($(ns_stat hosta drop_spoofed) == before + 1)) || fail "not counted as spoofed"
	# An ICMP error about b2's flow, with a forged outer source.
	local about="$IP(\"$CLIENT\", \"$B2\", TCP, tcp(7000, 80))"
	watch forged $L3 saddr $FORGED
	# shellcheck disable=SC2059
	into_hosta "$IP(\"$FORGED\", \"$CLIENT\", $ICMP, $(printf "$FRAG_NEEDED" "$about"))"
	(($(seen forged) == 0)) || fail "the gateway routed an ICMP error with a forged outer source"
	(($(ns_stat hosta drop_spoofed) == before + 2)) || fail "the forged error was not counted as spoofed"
	# shellcheck disable=SC2059
	into_hosta "$IP(\"$B2\", \"$CLIENT\", $ICMP, $(printf "$FRAG_NEEDED" "$about"))"
	(($(seen b2) == 2)) || fail "the gateway did not route b2's own ICMP error"
	# An error from b2's address about an unmanaged address's flow is not
	# about b2's own: spoofed.
	# shellcheck disable=SC2059
	into_hosta "$IP(\"$B2\", \"$CLIENT\", $ICMP, $(printf "$FRAG_NEEDED" "$stray"))"
	(($(seen b2) == 2)) || fail "the gateway routed b2's error about an unmanaged flow"
	(($(ns_stat hosta drop_spoofed) == before + 3)) || fail "the error about an unmanaged flow was not counted"
	# Neither a managed source nor a managed destination: not mnmap's.
	before=$(ns_stat hosta drop_spoofed)
	into_hosta "$IP(\"$UNMANAGED\", \"$CLIENT\", UDP, udp(1, 7001, b'x'))"
	(($(ns_stat hosta drop_spoofed) == before)) || fail "mnmap dropped tunnel traffic that is not its own"
}

# A device that goes takes its roles with it: its endpoint keeps its name,
# MAC and maps but counts its packets as no-device, and a device made later
# with the same index (even given the same MAC inside) inherits nothing,
# nor does one that takes the uplink's index.
test_device_gone_forgotten() {
	topology
	local idx up
	idx=$(ip -n host -j link show h-c3 | jq '.[0].ifindex')
	ip -n host link del h-c3
	[[ $(mnmapctl -n host endpoint show c3) == *" dev none"* ]] ||
		fail "c3 kept its device: $(mnmapctl -n host endpoint show c3)"
	ns c4
	ip -n host link add h-c4 index "$idx" type veth peer name eth0 netns c4
	ip -n host link set h-c4 up
	ip -n c4 link set eth0 address 02:00:00:00:00:03 up
	in_ns c4 nft -f - <<< 'table netdev seen { chain in { type filter hook ingress device eth0 priority 0; tcp dport 80 counter; }; }'
	in_ns client ncat -w 2 --recv-only 198.51.100.20 80 > /dev/null 2>&1 || true
	got=$(in_ns c4 nft -j list table netdev seen | jq '[.nftables[].rule?.expr[]?.counter?.packets | numbers] | add // 0')
	((got == 0)) || fail "a new device with c3's old index got $got packets for c3"
	(($(mnmapctl -n host -j stats show endpoint c3 | jq '.endpoints[0].stats.drop_no_device') > 0)) ||
		fail "c3's packets were not counted as no-device"
	# Set again, explicitly: the endpoint lives there now.
	mnmapctl -n host endpoint set c3 dev h-c4
	in_ns client ncat -w 2 --recv-only 198.51.100.20 80 > /dev/null 2>&1 || true
	got=$(in_ns c4 nft -j list table netdev seen | jq '[.nftables[].rule?.expr[]?.counter?.packets | numbers] | add // 0')
	((got > 0)) || fail "c3 set to h-c4 got nothing"
	# save shows what restore can take back.
	mnmapctl -n host endpoint set c3 dev none
	mnmapctl -n host save > /tmp/saved
	grep -qx "endpoint add c3 mac 02:00:00:00:00:03 dev none" /tmp/saved || fail "save: $(grep c3 /tmp/saved)"
	mnmapctl -n host -b /tmp/saved
	# The uplink's index, taken by a new device, is not the uplink.
	up=$(ip -n host -j link show eth0 | jq '.[0].ifindex')
	ip -n host link del eth0
	ip -n host link add eth9 index "$up" type dummy
	[[ $(mnmapctl -n host host show) != *"uplink "* ]] ||
		fail "the uplink was not forgotten: $(mnmapctl -n host host show)"
}

for f in 4 6; do
	family $f
	run_test "IPv$f: an ICMP error from a container must come from its own address" test_icmp_error_outer_source
	run_test "IPv$f: endpoints that share a device are told apart by their MAC" test_shared_device_by_mac
	run_test "IPv$f: a transport header cut short is dropped, not checked by address" test_incomplete_l4
	run_test "IPv$f: only the gateway routes what the tunnel brings; it checks ICMP errors' sources" test_only_gateway_routes_tunnel
done
run_test "IPv6: link-scope destinations only from what the container owns" test_ipv6_link_scope_source
run_test "a device that goes takes its roles: a new one with its index inherits nothing" test_device_gone_forgotten
finish
