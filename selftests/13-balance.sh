#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Load balancing that never breaks an established flow: a service of
# several containers behind one address and port, real TCP connections
# held open across every change of its endpoints, weights and states
# (topo-single-host.sh's uplink; containers s1..s4 share 198.51.100.50
# and 2001:db8:100::50, tcp 80, each with its own port block).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/topo-single-host.sh"

LB=$MNMAP_TOP/selftests/lb.py
VIP=198.51.100.50 VIP6=2001:db8:100::50

service_topology() {
	local i n
	# The servers and the client go with the case, however it ends.
	trap 'kill $(jobs -p) 2> /dev/null || true' EXIT
	ns client router host s1 s2 s3 s4
	for n in client router host s1 s2 s3 s4; do
		in_ns "$n" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
	done
	uplink_host
	for i in 1 2 3 4; do
		container "s$i" "$VIP" "$VIP6" "02:00:00:00:05:0$i" "2${i}000" "2${i}999"
		mnmapctl -n host container setup "s$i" endpoint "s$i"
		in_ns "s$i" "$LB" serve "s$i" 80 &
	done
	for i in 1 2 3 4; do
		wait_port "s$i" 80 || fail "s$i does not listen"
	done
}

# client ADDR: the client's connections to ADDR tcp 80, driven through $C.
client() {
	coproc C { in_ns client "$LB" client "$1" 80; }
}

# say COMMAND: send it to the client; $REPLY is its answer.
say() {
	echo "$*" >&"${C[1]}"
	read -r -t 300 -u "${C[0]}" REPLY || fail "the client did not answer '$*'"
}

# kept_where BEFORE: every kept connection answers as it did (BEFORE, a
# probe's words), except those whose endpoint is in $LEFT; $REPLY: now.
kept_where() {
	local -a was now
	local i
	read -ra was <<< "$1"
	say probe
	read -ra now <<< "$REPLY"
	((${#now[@]} == ${#was[@]})) || fail "probed ${#now[@]} connections, not ${#was[@]}"
	for i in "${!was[@]}"; do
		[[ " ${LEFT:-} " == *" ${was[i]} "* ]] && continue
		[[ ${now[i]} == "${was[i]}" ]] ||
			fail "connection $i was ${was[i]}'s, now '${now[i]}' (broken or moved)"
	done
}

# count NAME: what the last "new" gave NAME.
count() {
	local w
	for w in $REPLY; do
		[[ $w == "$1="* ]] && { echo "${w#*=}"; return; }
	done
	echo 0
}

# shares N BASE NAME=EXPECTED...: N new connections from ports BASE..;
# each NAME gets EXPECTED within 15% (0: none at all); nothing fails.
shares() {
	local n=$1 base=$2 want name expect got
	shift 2
	say new "$n" "$base"
	echo "new $n: $REPLY"
	(($(count -) == 0)) || fail "$(count -) of $n new connections failed"
	for want in "$@"; do
		name=${want%=*} expect=${want#*=} got=$(count "$name")
		if ((expect == 0)); then
			((got == 0)) || fail "$name took $got new connections, expected none"
		else
			((got * 100 >= expect * 85 && got * 100 <= expect * 115)) ||
				fail "$name took $got of $n new connections, expected $expect +-15%"
		fi
	done
}

# 60 connections to 3 endpoints; then add a 4th, change a weight, drain
# one, set one down (and up), remove one, restore the table from a save.
# After each: no connection to an endpoint still in the map breaks or
# moves, and 400 new connections follow the weights.
test_never_breaks() {
	local before s i
	local -a now was
	service_topology
	for s in s1 s2 s3; do
		mnmapctl -n host map add "$VIP" tcp 80 endpoint "$s"
	done
	client "$VIP"
	say open 60 41000
	say probe
	before=$REPLY
	echo "60 kept: $(tr ' ' '\n' <<< "$before" | sort | uniq -c | xargs)"
	[[ $before != *-* ]] || fail "some of the 60 connections failed: $before"
	for s in s1 s2 s3; do
		[[ " $before " == *" $s "* ]] || fail "no connection went to $s"
	done
	mnmapctl -n host map add "$VIP" tcp 80 endpoint s4
	kept_where "$before"
	shares 400 43000 s1=100 s2=100 s3=100 s4=100
	mnmapctl -n host map set "$VIP" tcp 80 endpoint s1 weight 2
	kept_where "$before"
	shares 400 44000 s1=160 s2=80 s3=80 s4=80
	# Drained, in a batch (a transaction): its connections stay, no new one.
	echo "map set $VIP tcp 80 endpoint s2 weight 0" > /tmp/drain
	mnmapctl -n host -b /tmp/drain
	kept_where "$before"
	shares 400 45000 s1=200 s2=0 s3=100 s4=100
	# Down: the same, for every map it is in; up: back by its weight.
	mnmapctl -n host endpoint set s3 state down
	[[ $(mnmapctl -n host -j endpoint show s3 | jq -r '.[0].state') == down ]] ||
		fail "endpoint show does not say s3 is down"
	kept_where "$before"
	shares 400 46000 s1=267 s2=0 s3=0 s4=133
	mnmapctl -n host endpoint set s3 state up
	kept_where "$before"
	shares 400 47000 s1=200 s2=0 s3=100 s4=100
	# Removed: only its own connections go (they pick again, and reset).
	mnmapctl -n host map del "$VIP" tcp 80 endpoint s3
	LEFT=s3 kept_where "$before"
	read -ra now <<< "$REPLY"
	read -ra was <<< "$before"
	for i in "${!was[@]}"; do
		[[ ${was[i]} != s3 || ${now[i]} == - ]] ||
			fail "connection $i of s3, which left the map, answered as ${now[i]}"
	done
	shares 400 48000 s1=267 s2=0 s3=0 s4=133
	# A table replaced whole (a saved one restored) keeps every flow.
	mnmapctl -n host save > /tmp/saved
	mnmapctl -n host -b /tmp/saved
	LEFT=s3 kept_where "$before"
	echo quit >&"${C[1]}"
}

# IPv6 too, briefly: kept across an added endpoint; flow show names them.
test_ipv6() {
	local before
	service_topology
	mnmapctl -n host map add "$VIP6" tcp 80 endpoint s1
	mnmapctl -n host map add "$VIP6" tcp 80 endpoint s2
	client "$VIP6"
	say open 12 41000
	say probe
	before=$REPLY
	[[ $before != *-* ]] || fail "some of the connections failed: $before"
	mnmapctl -n host map add "$VIP6" tcp 80 endpoint s3
	mnmapctl -n host map add "$VIP6" tcp 80 endpoint s4
	kept_where "$before"
	(($(mnmapctl -n host -j flow show "$VIP6" tcp 80 | jq length) == 12)) ||
		fail "flow show lists $(mnmapctl -n host -j flow show "$VIP6" tcp 80 | jq length) flows, not 12"
	mnmapctl -n host -j flow show "$VIP6" tcp 80 |
		jq -e 'all(.[]; .addr == "2001:db8:100::50" and .src == "2001:db8:c::2" and
			   (.endpoint | test("^s[12]$")))' > /dev/null ||
		fail "flow show: $(mnmapctl -n host flow show)"
	echo quit >&"${C[1]}"
}

# owners N BASE: who answers each of N new connections from ports BASE..,
# one word each (the client's "new" counts; this lists, in order).
owners() {
	local i out=()
	for ((i = 0; i < $1; i++)); do
		say new 1 $(($2 + i))
		out+=("${REPLY%=*}")
	done
	echo "${out[*]}"
}

# The table depends on the endpoints, not the order they came in: the
# same flows (fixed source ports) go to the same containers when the map
# is made again in another order. A map of one endpoint pays nothing: no
# table, no flow remembered.
test_order_and_single() {
	local first second s
	service_topology
	for s in s1 s2 s3 s4; do
		mnmapctl -n host map add "$VIP" tcp 80 endpoint "$s"
	done
	(($(mnmapctl -n host -j map show "$VIP" tcp 80 | jq '.[0].slots') == 15797)) ||
		fail "a map of 4 has $(mnmapctl -n host -j map show "$VIP" tcp 80 | jq '.[0].slots') slots"
	client "$VIP"
	first=$(owners 24 52000)
	mnmapctl -n host map del "$VIP" tcp 80
	mnmapctl -n host flow flush
	for s in s3 s1 s4 s2; do
		mnmapctl -n host map add "$VIP" tcp 80 endpoint "$s"
	done
	second=$(owners 24 52000)
	echo "in order s1..s4: $first"
	echo "in order s3 s1 s4 s2: $second"
	[[ $first == "$second" && $first != *-* ]] || fail "the same flows went elsewhere"
	[[ $(tr ' ' '\n' <<< "$first" | sort -u | wc -l) -ge 3 ]] || fail "24 flows went to fewer than 3 of 4"
	# One endpoint: no table, and its flows are not remembered.
	mnmapctl -n host map add "$VIP" tcp 8080 endpoint s1
	(($(mnmapctl -n host -j map show "$VIP" tcp 8080 | jq '.[0].slots') == 0)) ||
		fail "a map of one endpoint has a table"
	mnmapctl -n host flow flush
	in_ns s1 "$LB" serve s1 8080 &
	wait_port s1 8080
	coproc C2 { in_ns client "$LB" client "$VIP" 8080; }
	echo "new 20 53000" >&"${C2[1]}"
	read -r -t 300 -u "${C2[0]}" REPLY || fail "no answer on 8080"
	[[ $REPLY == s1=20 ]] || fail "20 connections to the single map: $REPLY"
	(($(flows count) == 0 && $(flows inserts) == 48)) ||
		fail "a single-endpoint map's flows were remembered: $(mnmapctl -n host -j stats show | jq -c .flows)"
	echo quit >&"${C2[1]}"
	echo quit >&"${C[1]}"
}

# sysfs PARAM VALUE: set a module parameter of mnmap.
param() {
	echo "$2" > "/sys/module/mnmap/parameters/$1"
}

flows() {
	mnmapctl -n host -j stats show | jq ".flows.$1"
}

# delivered: the packets mnmap delivered to s1 and s2.
delivered() {
	echo $(($(mnmapctl -n host -j stats show endpoint s1 | jq '.endpoints[0].stats.packets') +
		$(mnmapctl -n host -j stats show endpoint s2 | jq '.endpoints[0].stats.packets')))
}

# udp_from NS ADDR FIRST N: one datagram from each of N source ports.
udp_from() {
	in_ns "$1" /usr/bin/python3 - "$2" "$3" "$4" <<'PY'
import socket, sys
addr, first, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for port in range(first, first + n):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("", port))
    s.sendto(b"x", (addr, 5000))
    s.close()
PY
}

# Past its bound the table evicts the oldest and keeps working; idle
# flows expire; over the new-flow rate, flows are not remembered but
# still delivered; flush forgets them all.
test_flow_table() {
	local before
	service_topology
	mnmapctl -n host map add "$VIP" udp 5000 endpoint s1
	mnmapctl -n host map add "$VIP" udp 5000 endpoint s2
	param flow_max 50
	# Long enough that none expires while the counts are read on a slow
	# machine; the worker reads the timeout when it looks, so lowering
	# it afterwards expires the flows already there.
	param flow_timeout_udp 300
	before=$(delivered)
	udp_from client "$VIP" 50000 80
	sleep 0.5
	(($(flows count) == 50 && $(flows evictions) == 30 && $(flows inserts) == 80)) ||
		fail "80 flows in a table of 50: $(mnmapctl -n host -j stats show | jq -c .flows)"
	(($(delivered) == before + 80)) || fail "$(($(delivered) - before)) of 80 datagrams delivered"
	(($(mnmapctl -n host -j flow show | jq length) == 50)) || fail "flow show does not list 50 flows"
	# Idle flows expire (the worker looks once a second).
	param flow_timeout_udp 1
	sleep 4
	(($(flows count) == 0 && $(flows expired) == 50)) ||
		fail "idle flows did not expire: $(mnmapctl -n host -j stats show | jq -c .flows)"
	# Over the rate: not remembered, delivered all the same.
	param flow_rate 5
	sleep 1.2
	udp_from client "$VIP" 51000 40
	sleep 0.5
	(($(flows bypasses) >= 30 && $(flows count) <= 10)) ||
		fail "40 new flows at once past a rate of 5: $(mnmapctl -n host -j stats show | jq -c .flows)"
	(($(delivered) == before + 120)) || fail "$(($(delivered) - before)) of 120 datagrams delivered"
	[[ $(mnmapctl -n host flow flush) == "" ]]
	(($(flows count) == 0)) || fail "flush left $(flows count) flows"
}

# The grammar: bad words and requests are refused and change nothing.
test_refused() {
	service_topology
	mnmapctl -n host map add "$VIP" tcp 80 endpoint s1
	mnmapctl -n host map add "$VIP" tcp 80 endpoint s2 weight 3
	expect_fail "weight must be 0 to 65535" mnmapctl -n host map set "$VIP" tcp 80 endpoint s1 weight 65536
	expect_fail "missing weight" mnmapctl -n host map set "$VIP" tcp 80 endpoint s1
	expect_fail "not in this map" mnmapctl -n host map set "$VIP" tcp 80 endpoint s3 weight 1
	expect_fail "no such map" mnmapctl -n host map set "$VIP" tcp 81 endpoint s1 weight 1
	expect_fail "a port range" mnmapctl -n host map set "$VIP" tcp 21000-21999 endpoint s1 weight 1
	expect_fail "state is up or down" mnmapctl -n host endpoint set s1 state sideways
	expect_fail "a map is ADDR PROTO" mnmapctl -n host flow show "$VIP" tcp 80 endpoint s1
	expect_fail "unexpected" mnmapctl -n host flow flush now
	[[ $(mnmapctl -n host map show "$VIP" tcp 80) == "$VIP tcp 80 endpoint s1 weight 1 endpoint s2 weight 3" ]] ||
		fail "a refused change changed the map: $(mnmapctl -n host map show "$VIP" tcp 80)"
	# Weights, states and drains survive save and restore.
	mnmapctl -n host map set "$VIP" tcp 80 endpoint s1 weight 0
	mnmapctl -n host endpoint set s2 state down
	mnmapctl -n host save > /tmp/saved
	grep -q "endpoint s1 weight 0" /tmp/saved || fail "save lost the drain: $(cat /tmp/saved)"
	grep -q "^endpoint add s2 .* state down" /tmp/saved || fail "save lost the state: $(cat /tmp/saved)"
	mnmapctl -n host flush
	mnmapctl -n host -b /tmp/saved
	mnmapctl -n host save | diff /tmp/saved - || fail "restore is not what was saved"
}

run_test "60 connections across an added endpoint, a weight, a drain, a down and a removal: none broken" test_never_breaks
run_test "IPv6: connections kept across added endpoints; flow show" test_ipv6
run_test "the same endpoints in another order send the same flows alike; one endpoint pays nothing" test_order_and_single
run_test "the flow table: bound, eviction, idle expiry, new-flow rate, flush" test_flow_table
run_test "bad weights, states and flow words are refused; save and restore keep them" test_refused
finish
