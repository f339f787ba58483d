# SPDX-License-Identifier: GPL-2.0
#
# The single-host topology that the data path tests and the demo share,
# dual stack:
#
#   client --- router --- host (mnmap) ---+--- c1  198.51.100.10  2001:db8:100::10
#   192.0.2.2   .1 | .1   203.0.113.2     +--- c2  198.51.100.10  2001:db8:100::10
#   2001:db8:c::2  ::1 | ::1  2001:db8:1::2  +--- c3  198.51.100.20  2001:db8:100::20
#
# c1 and c2 share one address per family: c1 serves tcp 80 and owns ports
# 20000-29999 for its own connections, c2 serves tcp 81 and owns
# 30000-39999. `mnmapctl container setup` gives each container its
# addresses on its own interface, routes through 169.254.1.1 and fe80::1
# (which mnmap answers for), policy rules and its port block. The router
# treats 198.51.100.0/24 and 2001:db8:100::/64 as on-link, so it asks ARP
# and NDP for the shared addresses: mnmap answers on the uplink. No NAT
# anywhere. Needs lib.sh.

topology() {
	ns client router host c1 c2 c3
	for n in client router host c1 c2 c3; do
		# Addresses usable at once: no duplicate address detection.
		in_ns "$n" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
	done
	uplink_host
	container c1 198.51.100.10 2001:db8:100::10 02:00:00:00:00:01 20000 29999
	container c2 198.51.100.10 2001:db8:100::10 02:00:00:00:00:02 30000 39999
	container c3 198.51.100.20 2001:db8:100::20 02:00:00:00:00:03 40000 49999
	for a in 198.51.100.10 2001:db8:100::10; do
		mnmapctl -n host map add "$a" tcp 80 endpoint c1 counters
		mnmapctl -n host map add "$a" tcp 81 endpoint c2
		mnmapctl -n host map add "$a" icmp endpoint c1
	done
	mnmapctl -n host map add 198.51.100.20 tcp 80 endpoint c3
	mnmapctl -n host map add 2001:db8:100::20 tcp 80 endpoint c3
	for c in c1 c2 c3; do
		mnmapctl -n host container setup "$c" endpoint "$c"
	done
}

# uplink_host: the client, the router, and the host's uplink eth0 on
# 203.0.113.0/24 and 2001:db8:1::/64, forwarding, mnmap's uplink; the
# router sends 198.51.100.0/24 and 2001:db8:100::/64 to the host.
uplink_host() {
	client_and_router
	ip -n router link add r-host type veth peer name eth0 netns host
	ip -n router addr add 203.0.113.1/24 dev r-host
	ip -n router addr add 2001:db8:1::1/64 dev r-host nodad
	ip -n router link set r-host up
	ip -n router route add 198.51.100.0/24 dev r-host
	ip -n router route add 2001:db8:100::/64 dev r-host
	ip -n host addr add 203.0.113.2/24 dev eth0
	ip -n host addr add 2001:db8:1::2/64 dev eth0 nodad
	ip -n host link set eth0 up
	ip -n host route add default via 203.0.113.1
	ip -n host route add default via 2001:db8:1::1
	in_ns host sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
	in_ns host sysctl -qw net.ipv4.conf.all.rp_filter=0
	mnmapctl -n host host set uplink eth0
}

# container NAME ADDR ADDR6 MAC FIRST LAST: a container joined to the host
# by a veth, its port block mapped to it in both families.
container() {
	local name=$1 addr=$2 addr6=$3 mac=$4 first=$5 last=$6
	ip -n host link add "h-$name" type veth peer name eth0 netns "$name"
	ip -n host link set "h-$name" up
	in_ns host sysctl -qw "net.ipv4.conf.h-$name.rp_filter=0"
	ip -n "$name" link set eth0 address "$mac"
	mnmapctl -n host endpoint add "$name" mac "$mac" dev "h-$name"
	for a in "$addr" "$addr6"; do
		mnmapctl -n host map add "$a" tcp "$first-$last" endpoint "$name"
		mnmapctl -n host map add "$a" udp "$first-$last" endpoint "$name"
	done
}
