# SPDX-License-Identifier: GPL-2.0
#
# Same-host container -> container setups: gen and ctr are both containers
# on the host. Each setup_METHOD replaces the outside -> container one of
# the same name from setups.sh (sourced first). Sourced; needs x() and
# teardown().

GEN_MAC=02:00:00:00:00:02
GEN_PUB=198.51.100.20

# gen and ctr, each joined to the host by a veth (h-gen, h-ctr).
base_c2c() {
	local n
	teardown
	for n in gen host ctr; do
		ip netns add $n
		ip -n $n link set lo up
	done
	for n in gen ctr; do
		ip -n host link add "h-$n" type veth peer name eth0 netns $n
		ip -n host link set "h-$n" up
	done
	ip -n gen link set eth0 address $GEN_MAC up
	ip -n ctr link set eth0 address $CTR_MAC up
	ctr_counter
}

setup_bridge() {
	base_c2c
	ip -n host link add br0 type bridge
	ip -n host link set h-gen master br0
	ip -n host link set h-ctr master br0
	ip -n host link set br0 up
	ip -n gen addr add 172.17.0.3/16 dev eth0
	ip -n ctr addr add 172.17.0.2/16 dev eth0
	bridge -n host fdb replace $CTR_MAC dev h-ctr master static
	SRC=172.17.0.3 DST=172.17.0.2 DST_MAC=$CTR_MAC
}

setup_routing() {
	base_c2c
	ip -n gen addr add $GEN_PUB/32 dev eth0
	ip -n ctr addr add $PUB/32 dev eth0
	ip -n host route add $PUB/32 dev h-ctr
	ip -n host neigh add $PUB lladdr $CTR_MAC dev h-ctr nud permanent
	x host sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0
	SRC=$GEN_PUB DST=$PUB DST_MAC=$(mac_of host h-gen)
}

setup_mnmap() {
	base_c2c
	ip -n gen addr add $GEN_PUB/32 dev eth0
	ip -n ctr addr add $PUB/32 dev eth0
	mnmapctl -n host endpoint add gen mac $GEN_MAC dev h-gen
	mnmapctl -n host endpoint add ctr mac $CTR_MAC dev h-ctr
	mnmapctl -n host map add $GEN_PUB udp 1234 endpoint gen
	mnmapctl -n host map add $PUB udp 9 endpoint ctr
	SRC=$GEN_PUB DST=$PUB DST_MAC=$(mac_of host h-gen)
}
