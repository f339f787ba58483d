# SPDX-License-Identifier: GPL-2.0
#
# The single-host topology that the data path tests and the demo share:
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
# Needs lib.sh's ns and in_ns.

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
	for c in c1 c2 c3; do
		mnmapctl -n host container setup "$c" endpoint "$c"
	done
}

# container NAME ADDR MAC FIRST LAST: a container joined to the host by a
# veth, its port block mapped to it, set up by `mnmapctl container setup`
# (its address on its own interface, the gateway route, the policy rules,
# ip_local_port_range).
container() {
	local name=$1 addr=$2 mac=$3 first=$4 last=$5
	ip -n host link add "h-$name" type veth peer name eth0 netns "$name"
	ip -n host link set "h-$name" up
	in_ns host sysctl -qw "net.ipv4.conf.h-$name.rp_filter=0"
	ip -n "$name" link set eth0 address "$mac"
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

