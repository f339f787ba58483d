# SPDX-License-Identifier: GPL-2.0
#
# Outside -> a container on another host: gen sends to hosta, which owns
# the public address; the container (ctr) runs on hostb. The hosts share
# an underlay link (u0, 10.0.0.1 and .2, MTU 9000, static neighbours).
# Each setup_METHOD builds it from scratch; setups.sh is sourced first
# (nohop, counters, pktgen). Sourced; needs x() and teardown().
#
#   routed    hosta routes $PUB to hostb over the underlay, no tunnel: the
#             floor, possible only where the provider routes container
#             addresses, which is what overlays exist to avoid
#   l3-vxlan  routes through a VXLAN device with a fixed remote (flannel's
#             vxlan backend)
#   ovs       Open vSwitch on each host: set tun_dst and mod_dl_dst, out
#             through a flow-based VXLAN port; hostb outputs to ctr
#   mnmap     a map on each host: hosta's endpoint is hostb's VTEP,
#             hostb's its device

base_hosts() {
	local n
	teardown
	for n in gen hosta hostb ctr; do
		ip netns add $n
		ip -n $n link set lo up
	done
	ip -n gen link add eth0 type veth peer name eth0 netns hosta
	ip -n hosta link add u0 mtu 9000 type veth peer name u0 mtu 9000 netns hostb
	ip -n hostb link add h-ctr type veth peer name eth0 netns ctr
	ip -n gen addr add 203.0.113.9/24 dev eth0
	ip -n hosta addr add 10.0.0.1/24 dev u0
	ip -n hostb addr add 10.0.0.2/24 dev u0
	for n in "gen eth0" "hosta eth0" "hosta u0" "hostb u0" "hostb h-ctr"; do
		ip -n ${n% *} link set ${n#* } up
	done
	ip -n ctr link set eth0 address $CTR_MAC up
	ip -n ctr addr add $PUB/32 dev eth0
	ip -n hosta neigh add 10.0.0.2 lladdr "$(mac_of hostb u0)" dev u0 nud permanent
	ip -n hostb neigh add 10.0.0.1 lladdr "$(mac_of hosta u0)" dev u0 nud permanent
	for n in hosta hostb; do
		x $n sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0
	done
	ctr_counter
	DST_MAC=$(mac_of hosta eth0)
}

# hostb's last hop, for the routed setups: $PUB on h-ctr, statically.
route_to_ctr() {
	ip -n hostb route add $PUB/32 dev h-ctr
	ip -n hostb neigh add $PUB lladdr $CTR_MAC dev h-ctr nud permanent
}

setup_routed() {
	base_hosts
	ip -n hosta addr add 203.0.113.2/24 dev eth0
	ip -n hosta route add $PUB/32 via 10.0.0.2
	route_to_ctr
}

setup_l3-vxlan() {
	local h i
	base_hosts
	ip -n hosta addr add 203.0.113.2/24 dev eth0
	for h in hosta hostb; do
		i=$([[ $h == hosta ]] && echo 1 || echo 2)
		ip -n $h link add vx1 type vxlan id 1 local 10.0.0.$i remote 10.0.0.$((3 - i)) \
			dstport 4789 dev u0
		ip -n $h addr add 10.99.0.$i/24 dev vx1
		ip -n $h link set vx1 up
	done
	ip -n hosta neigh add 10.99.0.2 lladdr "$(mac_of hostb vx1)" dev vx1 nud permanent
	ip -n hosta route add $PUB/32 via 10.99.0.2
	route_to_ctr
}

# One ovsdb-server and ovs-vswitchd per host, each in its namespace.
setup_ovs() {
	local vxlan="type=vxlan options:remote_ip=flow options:key=0"
	base_hosts
	ovs_start hosta "$work/ovs-a"
	ovs_vsctl hosta add-br br0 -- add-port br0 eth0 -- add-port br0 vxp -- set interface vxp $vxlan
	x hosta ovs-ofctl del-flows br0
	x hosta ovs-ofctl add-flow br0 \
		"in_port=eth0,ip,nw_dst=$PUB,actions=set_field:10.0.0.2->tun_dst,mod_dl_dst:$CTR_MAC,output:vxp"
	ovs_start hostb "$work/ovs-b"
	ovs_vsctl hostb add-br br0 -- add-port br0 h-ctr -- add-port br0 vxp -- set interface vxp $vxlan
	x hostb ovs-ofctl del-flows br0
	x hostb ovs-ofctl add-flow br0 "in_port=vxp,actions=output:h-ctr"
}

setup_mnmap() {
	local h
	base_hosts
	ip -n hosta addr add 203.0.113.2/24 dev eth0
	for h in hosta hostb; do
		ip -n $h link add vx0 type vxlan external dstport 4789
		ip -n $h link set vx0 up
	done
	mnmapctl -n hosta host set uplink eth0 vxlan vx0 vtep 10.0.0.1
	mnmapctl -n hosta endpoint add ctr mac $CTR_MAC vtep 10.0.0.2
	mnmapctl -n hosta map add $PUB udp 9 endpoint ctr
	mnmapctl -n hostb host set vxlan vx0 vtep 10.0.0.2
	mnmapctl -n hostb endpoint add ctr mac $CTR_MAC dev h-ctr
	mnmapctl -n hostb map add $PUB udp 9 endpoint ctr
}
