# SPDX-License-Identifier: GPL-2.0
#
# Two host VMs behind one provider router, joined by VXLAN, dual stack:
#
#   client --- router ---+--- hosta (mnmap) --- a1  198.51.100.10  2001:db8:100::10
#   192.0.2.2         .1 |    203.0.113.2 / 2001:db8:1::2
#   2001:db8:c::2        +--- hostb (mnmap) ---+--- b1  198.51.100.10  2001:db8:100::10
#                             203.0.114.2 /    +--- b2  198.51.100.30  2001:db8:100::30
#                             2001:db8:2::2
#
# The provider routes the public prefixes to hosta only (on-link: it asks
# ARP and NDP, which hosta's mnmap answers). Every host holds the whole
# table: an endpoint is its container's device on the host that runs it,
# and that host's VTEP (an uplink address) on the other. a1 and b1 share
# one address per family: a1 serves tcp 80 and owns ports 20000-29999, b1
# serves tcp 81 and owns 30000-39999; b2 serves tcp 80 and owns
# 40000-49999. Replies leave each host by its own uplink, with the
# container's public source. The underlay links carry 9000-byte frames, so
# that 1500-byte packets fit in the tunnel. UNDERLAY=6 makes the VTEPs the
# hosts' IPv6 addresses. Needs lib.sh.

UNDERLAY=${UNDERLAY:-4}

# vtep HOST: the address of HOST's VTEP in the underlay family.
vtep() {
	case $1$UNDERLAY in
	hosta4) echo 203.0.113.2 ;;
	hostb4) echo 203.0.114.2 ;;
	hosta6) echo 2001:db8:1::2 ;;
	hostb6) echo 2001:db8:2::2 ;;
	esac
}

other_host() {
	[[ $1 == hosta ]] && echo hostb || echo hosta
}

multi_host_topology() {
	ns client router hosta hostb a1 b1 b2
	for n in client router hosta hostb a1 b1 b2; do
		in_ns "$n" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
	done
	client_and_router
	underlay_host hosta r-a 203.0.113 2001:db8:1
	underlay_host hostb r-b 203.0.114 2001:db8:2
	ip -n router route add 198.51.100.0/24 dev r-a
	ip -n router route add 2001:db8:100::/64 dev r-a
	place a1 hosta 198.51.100.10 2001:db8:100::10 02:00:00:00:00:a1 20000 29999
	place b1 hostb 198.51.100.10 2001:db8:100::10 02:00:00:00:00:b1 30000 39999
	place b2 hostb 198.51.100.30 2001:db8:100::30 02:00:00:00:00:b2 40000 49999
	for h in hosta hostb; do
		for a in 198.51.100.10 2001:db8:100::10; do
			mnmapctl -n "$h" map add "$a" tcp 80 endpoint a1
			mnmapctl -n "$h" map add "$a" tcp 81 endpoint b1
			mnmapctl -n "$h" map add "$a" icmp endpoint a1
		done
		mnmapctl -n "$h" map add 198.51.100.30 tcp 80 endpoint b2
		mnmapctl -n "$h" map add 2001:db8:100::30 tcp 80 endpoint b2
	done
	mnmapctl -n hosta container setup a1 endpoint a1
	mnmapctl -n hostb container setup b1 endpoint b1
	mnmapctl -n hostb container setup b2 endpoint b2
}

# underlay_host HOST ROUTER-IFNAME PREFIX4 PREFIX6: HOST's uplink to the
# router (.1 the router, .2 the host), its VXLAN device and mnmap's host
# configuration.
underlay_host() {
	local h=$1 rif=$2 p4=$3 p6=$4
	ip -n router link add "$rif" mtu 9000 type veth peer name eth0 mtu 9000 netns "$h"
	ip -n router addr add "$p4.1/24" dev "$rif"
	ip -n router addr add "$p6::1/64" dev "$rif" nodad
	ip -n router link set "$rif" up
	ip -n "$h" addr add "$p4.2/24" dev eth0
	ip -n "$h" addr add "$p6::2/64" dev eth0 nodad
	ip -n "$h" link set eth0 up
	ip -n "$h" route add default via "$p4.1"
	ip -n "$h" route add default via "$p6::1"
	in_ns "$h" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
	in_ns "$h" sysctl -qw net.ipv4.conf.all.rp_filter=0
	ip -n "$h" link add vx0 type vxlan external dstport 4789
	ip -n "$h" link set vx0 up
	# A gateway routes what comes out of the tunnel from other hosts.
	in_ns "$h" sysctl -qw net.ipv4.conf.vx0.rp_filter=0
	mnmapctl -n "$h" host set uplink eth0 vxlan vx0 vtep "$(vtep "$h")"
}

# place NAME HOST ADDR ADDR6 MAC FIRST LAST: a container on HOST, joined by
# a veth; both hosts learn its endpoint and its port block.
place() {
	local name=$1 h=$2 addr=$3 addr6=$4 mac=$5 first=$6 last=$7 other
	other=$(other_host "$h")
	ip -n "$h" link add "h-$name" type veth peer name eth0 netns "$name"
	ip -n "$h" link set "h-$name" up
	in_ns "$h" sysctl -qw "net.ipv4.conf.h-$name.rp_filter=0"
	ip -n "$name" link set eth0 address "$mac"
	mnmapctl -n "$h" endpoint add "$name" mac "$mac" dev "h-$name"
	mnmapctl -n "$other" endpoint add "$name" mac "$mac" vtep "$(vtep "$h")"
	for x in "$h" "$other"; do
		for a in "$addr" "$addr6"; do
			mnmapctl -n "$x" map add "$a" tcp "$first-$last" endpoint "$name"
			mnmapctl -n "$x" map add "$a" udp "$first-$last" endpoint "$name"
		done
	done
}
