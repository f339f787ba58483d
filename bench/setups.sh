# SPDX-License-Identifier: GPL-2.0
#
# The host hops the benchmarks compare, outside -> container, each built
# from scratch in namespaces gen (the outside: 203.0.113.9), host (the hop)
# and ctr (the container, public address $PUB, MAC $CTR_MAC). Every setup
# carries UDP 7 and 9 and TCP and UDP 5201 to the container and has a
# return path; DST_MAC is the MAC that gen's raw frames (pktgen) go to.
# Also the pktgen helpers: blast sends, counted reads ctr's counter,
# measure gives packets per second. Sourced; needs $work, $count and x().

PUB=198.51.100.10
CTR_MAC=02:00:00:00:00:01

source "$here/ovs.sh"
# Every OVS a setup started: one per host namespace that runs it.
stop_ovs() {
	local d
	for d in "$work"/ovs*; do
		[[ ! -d $d ]] || ovs_stop "$d"
	done
}

# spread: of the numbers on stdin, one a line, print "median min max".
spread() {
	sort -n | awk '{ v[NR] = $1 } END {
		print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2), v[1], v[NR] }'
}

# Whatever a setup made: its namespaces and OVS daemons.
teardown() {
	stop_ovs
	ip -all netns delete 2> /dev/null || true
}

# ctr_counter: count UDP frames to port 9 in ctr, and drop them, first thing.
ctr_counter() {
	x ctr nft -f - <<-'EOT'
	table inet bench {
		chain in {
			type filter hook prerouting priority -300;
			udp dport 9 counter drop
		}
	}
	EOT
}

# The three namespaces, ctr with its counter; gen's eth0 leads to $1
# (host or ctr).
base() {
	local n
	ip -all netns delete 2>/dev/null || true
	for n in gen host ctr; do
		ip netns add $n
		ip -n $n link set lo up
	done
	if [[ $1 == ctr ]]; then
		ip -n gen link add eth0 type veth peer name eth0 netns ctr
	else
		ip -n gen link add eth0 type veth peer name eth0 netns host
		ip -n host link add h-ctr type veth peer name eth0 netns ctr
		ip -n host link set eth0 up
		ip -n host link set h-ctr up
	fi
	ip -n gen addr add 203.0.113.9/24 dev eth0
	ip -n gen link set eth0 up
	ip -n ctr link set eth0 address $CTR_MAC up
	# Return paths, for request/response and iperf3.
	if [[ $1 == ctr ]]; then
		ip -n gen route add $PUB/32 dev eth0
		ip -n ctr route add 203.0.113.0/24 dev eth0
	else
		ip -n gen route add $PUB/32 via 203.0.113.2
	fi
	ctr_counter
}

# The MAC that gen addresses its frames to.
mac_of() { ip -n "$1" -j link show "$2" | jq -r '.[0].address'; }

setup_nohop() {
	base ctr
	ip -n ctr addr add $PUB/32 dev eth0
	DST_MAC=$CTR_MAC
}

setup_routing() {
	base host
	ip -n ctr addr add $PUB/32 dev eth0
	ip -n host addr add 203.0.113.2/24 dev eth0
	ip -n host route add $PUB/32 dev h-ctr
	ip -n host neigh add $PUB lladdr $CTR_MAC dev h-ctr nud permanent
	ip -n host addr add 10.0.0.1/24 dev h-ctr
	ip -n ctr addr add 10.0.0.2/24 dev eth0
	ip -n ctr route add default via 10.0.0.1 src $PUB
	x host sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0
	DST_MAC=$(mac_of host eth0)
}

setup_dnat() {
	base host
	ip -n ctr addr add 172.17.0.2/16 dev eth0
	ip -n host addr add 203.0.113.2/24 dev eth0
	ip -n host link add br0 type bridge
	ip -n host link set h-ctr master br0
	ip -n host addr add 172.17.0.1/16 dev br0
	ip -n host link set br0 up
	ip -n host neigh add 172.17.0.2 lladdr $CTR_MAC dev br0 nud permanent
	bridge -n host fdb replace $CTR_MAC dev h-ctr master static
	ip -n ctr route add default via 172.17.0.1
	x host sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0
	x host nft -f - <<-EOT
	table ip nat {
		chain prerouting {
			type nat hook prerouting priority -100;
			ip daddr $PUB dnat to 172.17.0.2
		}
	}
	EOT
	DST_MAC=$(mac_of host eth0)
}

setup_ipvs() {
	base host
	ip -n ctr addr add 10.0.0.2/24 dev eth0
	ip -n ctr addr add $PUB/32 dev eth0
	ip -n host addr add 203.0.113.2/24 dev eth0
	ip -n host addr add 10.0.0.1/24 dev h-ctr
	ip -n host addr add $PUB/32 dev lo
	ip -n host neigh add 10.0.0.2 lladdr $CTR_MAC dev h-ctr nud permanent
	ip -n ctr route add default via 10.0.0.1 src $PUB
	# The container answers from $PUB, which is the director's own.
	x host sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0 \
		net.ipv4.conf.h-ctr.accept_local=1
	for svc in "-u $PUB:9" "-u $PUB:7" "-u $PUB:5201" "-t $PUB:5201"; do
		x host ipvsadm -A $svc -s rr
		x host ipvsadm -a $svc -r 10.0.0.2 -g
	done
	DST_MAC=$(mac_of host eth0)
}

# ovsdb-server and ovs-vswitchd run inside the host namespace, so the
# datapath and its ports live there.
setup_ovs() {
	base host
	ip -n ctr addr add $PUB/32 dev eth0
	ovs_start host "$work/ovs"
	ovs_vsctl host add-br br0 -- add-port br0 eth0 -- add-port br0 h-ctr
	x host ovs-ofctl del-flows br0
	DST_MAC=$(mac_of host eth0)
	x host ovs-ofctl add-flow br0 "ip,nw_dst=$PUB,actions=mod_dl_dst:$CTR_MAC,output:h-ctr"
	x host ovs-ofctl add-flow br0 "priority=0,actions=NORMAL"
	# No host stack on the path: gen and ctr resolve each other statically.
	ip -n gen route replace $PUB/32 dev eth0
	ip -n gen neigh add $PUB lladdr "$DST_MAC" dev eth0 nud permanent
	ip -n ctr route add 203.0.113.0/24 dev eth0
	ip -n ctr neigh add 203.0.113.9 lladdr "$(mac_of gen eth0)" dev eth0 nud permanent
}

setup_mnmap() {
	base host
	ip -n ctr addr add $PUB/32 dev eth0
	ip -n host addr add 203.0.113.2/24 dev eth0
	mnmapctl -n host host set uplink eth0
	mnmapctl -n host endpoint add ctr mac $CTR_MAC dev h-ctr
	for svc in "udp 9" "udp 7" "udp 5201" "tcp 5201"; do
		mnmapctl -n host map add $PUB $svc endpoint ctr
	done
	ip -n ctr route add 169.254.1.1 dev eth0 scope link
	ip -n ctr route add default via 169.254.1.1 src $PUB
	x host sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0
	DST_MAC=$(mac_of host eth0)
}


counted() {
	x ctr nft list chain inet bench in | grep -o 'packets [0-9]*' | cut -d' ' -f2
}

# pktgen: COUNT frames (0: until stopped) from gen to UDP port PORT
# (default 9), DELAY_NS apart (default 0); prints pktgen's elapsed usec.
blast() {
	local n=$1 delay=${2:-0} port=${3:-9} pg=/proc/net/pktgen
	x gen sh -c "
		echo rem_device_all > $pg/kpktgend_0
		echo add_device eth0 > $pg/kpktgend_0
		for c in 'count $n' 'clone_skb 0' 'pkt_size 60' 'delay $delay' 'dst ${DST:-$PUB}' \
			'src_min ${SRC:-203.0.113.9}' 'src_max ${SRC:-203.0.113.9}' \
			'dst_mac $DST_MAC' 'udp_src_min 1234' 'udp_src_max 1234' \
			'udp_dst_min $port' 'udp_dst_max $port'; do
			echo \"\$c\" > $pg/eth0
		done
		echo start > $pg/pgctrl
		sed -n 's/^Result: OK: \([0-9]*\)(.*/\1/p' $pg/eth0"
}

measure() {
	local usec got before
	before=$(counted)
	usec=$(blast "$count" | tail -n 1)
	sleep 0.2
	got=$(($(counted) - before))
	[[ -n $usec && $usec -gt 0 ]] || { echo "pktgen gave no result" >&2; return 1; }
	if ((got * 10 < count * 9)); then
		echo "warning: $1 delivered $got of $count frames" >&2
		echo "$1 $got" >> "$work/short"
	fi
	awk -v g="$got" -v u="$usec" 'BEGIN { printf "%.0f\n", g * 1e6 / u }'
}


# short_rounds: a sentence on the rounds that delivered under 90% of their
# frames (pktgen has no flow control: when the guest defers softirq work,
# the first hop's backlog overflows), for the report; nothing if none.
short_rounds() {
	[[ -s $work/short ]] || return 0
	echo "Rounds that delivered under 90% of their frames, in the figures above"
	echo "(pktgen does not wait: the first hop's backlog overflowed):"
	awk -v n="$count" '{ printf "%s%s %d of %d", (NR > 1 ? "; " : ""), $1, $2, n } END { print "." }' "$work/short"
	echo
	rm -f "$work/short"
}

# compare SAMPLES METHOD...: check that each method delivers at all, then
# measure each one $rounds times, the order rotated each round; writes
# "METHOD PPS" lines to SAMPLES. Each setup_METHOD starts from scratch.
compare() {
	local samples=$1 m got r i
	shift
	local methods=("$@")
	for m in "${methods[@]}"; do
		"setup_$m" > /dev/null
		blast 100 > /dev/null
		sleep 0.2
		got=$(counted)
		((got == 100)) || { echo "bench: $m delivered $got of 100 frames" >&2; return 1; }
		teardown
	done
	: > "$samples"
	for ((r = 0; r < rounds; r++)); do
		for ((i = 0; i < ${#methods[@]}; i++)); do
			m=${methods[$(((i + r) % ${#methods[@]}))]}
			"setup_$m" > /dev/null
			echo "$m $(measure "$m")" >> "$samples"
			teardown
		done
	done
}
