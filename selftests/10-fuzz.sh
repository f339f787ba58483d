#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Hardening by fuzzing, on the topology of topo-single-host.sh: generic
# netlink requests with mutated attributes (nlfuzz.py), malformed frames
# from the uplink and from a container (pktfuzz.py), mapping churn under
# traffic, and a namespace deleted while a flood runs through it. Each
# case then checks that the module still answers, that a TCP service
# mapped before the fuzz still serves a real connection, that the
# counters add up, and (lib.sh) that the kernel logged no splat.
# The fuzzers are deterministic: FUZZ_SEEDS (default 1 2 3) picks the
# seeds, FUZZ_COUNT scales how many messages or frames each seed sends.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/topo-single-host.sh"

FUZZ_SEEDS=${FUZZ_SEEDS:-1 2 3}
FUZZ_COUNT=${FUZZ_COUNT:-1}
HERE=$(cd "$(dirname "$0")" && pwd)
SHARED=198.51.100.10 SHARED6=2001:db8:100::10

# count N: N scaled by FUZZ_COUNT.
count() {
	echo $(($1 * FUZZ_COUNT))
}

# still_serving: what every case asserts afterwards. The module answers,
# c1's port 80 (mapped before the fuzz) serves a real connection from the
# client in both families, and the counters are numbers that add up: no
# endpoint delivered more than the namespace did.
still_serving() {
	mnmapctl -n host host show > /dev/null || fail "host show does not answer"
	[[ $(in_ns client timeout 20 ncat --recv-only "$SHARED" 80) == c1 ]] ||
		fail "the stable service on $SHARED tcp 80 does not answer"
	[[ $(in_ns client timeout 20 ncat --recv-only "$SHARED6" 80) == c1 ]] ||
		fail "the stable service on $SHARED6 tcp 80 does not answer"
	local json total
	json=$(mnmapctl -n host -j stats show)
	total=$(jq .namespace.stats.packets <<< "$json")
	((total > 0)) || fail "the namespace counted $total packets"
	jq -e --argjson t "$total" '[.endpoints[].stats.packets] | all(. >= 0 and . <= $t)' \
		<<< "$json" > /dev/null || fail "endpoint counters beyond the namespace's: $json"
	jq -e '[.namespace.stats[]] | all(type == "number" and . >= 0)' <<< "$json" > /dev/null ||
		fail "namespace counters: $(jq -c .namespace <<< "$json")"
}

# A topology with c1 serving tcp 80, checked once before any fuzz.
stable_topology() {
	topology
	serve c1 80
	wait_port c1 80
	still_serving
}

# saved_config NS: the namespace's configuration as `save` prints it,
# which must parse back as a batch.
saved_config() {
	mnmapctl -n "$1" save > "/tmp/save.$1"
	in_ns "$1" mnmapctl -c -b "/tmp/save.$1" || fail "$1's save does not parse back: $(cat "/tmp/save.$1")"
	cat "/tmp/save.$1"
}

# Three passes. On the live namespace, first every command, each request
# with one mutation that makes it invalid, aimed at the stable service's
# own maps and endpoints (so a wrong success would delete, move or replace
# them): all refused, and the configuration is exactly what it was. Then
# random mutations of additions, gets, dumps and uncommitted transactions:
# they may add maps and endpoints of their own (10/8, fd00::/8), but what
# was there stays and serves. A transaction that a fuzzing socket left
# open goes with the socket. Then anything, on a scratch namespace.
test_netlink() {
	stable_topology
	before=$(saved_config host)
	for seed in $FUZZ_SEEDS; do
		in_ns host "$HERE/nlfuzz.py" --mode invalid --seed "$seed" --count "$(count 300)" \
			--dev eth0 --dev h-c1 --dev h-c2 --endpoint c1 --endpoint c2 --endpoint c3 \
			--addr "$SHARED" --addr "$SHARED6" \
			--map "$SHARED tcp 80 c1" --map "$SHARED6 tcp 80 c1" \
			--map "$SHARED tcp 20000 c1" --map "$SHARED icmp" ||
			fail "seed $seed: the kernel accepted an invalid request"
	done
	[[ $(saved_config host) == "$before" ]] ||
		fail "refused requests changed the configuration: $(diff <(echo "$before") /tmp/save.host)"
	still_serving
	grep -v '^flush' <<< "$before" | sort > /tmp/before
	for seed in $FUZZ_SEEDS; do
		in_ns host "$HERE/nlfuzz.py" --mode safe --seed "$seed" --count "$(count 400)" \
			--dev h-c1 --dev h-c3 --endpoint c1 --endpoint c3
	done
	# No transaction outlives its socket: another writer gets in.
	mnmapctl -n host map add 203.0.113.99 udp 9 endpoint c3
	saved_config host | grep -v '^flush' | sort > /tmp/after
	missing=$(comm -23 /tmp/before /tmp/after)
	[[ -z $missing ]] || fail "the fuzz removed: $missing"
	still_serving
	netlink_scratch
	still_serving
}

# scratch_ns NAME: a namespace of its own for destructive fuzzing, with
# devices, endpoints and maps for the fuzzer to hit.
scratch_ns() {
	ns "$1"
	ip -n "$1" link add up0 type dummy
	ip -n "$1" link add ca type veth peer name cb
	for d in up0 ca cb; do
		ip -n "$1" link set "$d" up
	done
	{
		echo "host set uplink up0"
		echo "endpoint add e1 mac 02:00:00:00:01:01 dev ca"
		echo "endpoint add e2 mac 02:00:00:00:01:02 vtep 192.0.2.7 vni 5"
		echo "map add 198.51.100.1 tcp 80 endpoint e1"
		echo "map add 198.51.100.1 tcp 80 endpoint e2 weight 3"
		echo "map add 2001:db8:100::1 udp 1000-1999 endpoint e1"
		echo "map add 198.51.100.1 icmp endpoint e2"
	} | mnmapctl -n "$1" -b -
}

# Everything, on a scratch namespace (it deletes, flushes, moves and
# replaces at will) while the host namespace serves: afterwards the
# scratch namespace's configuration saves, parses, restores and saves
# the same, and the host's service never noticed.
netlink_scratch() {
	scratch_ns fz
	for seed in $FUZZ_SEEDS; do
		in_ns fz "$HERE/nlfuzz.py" --mode any --seed "$seed" --count "$(count 700)" \
			--dev up0 --dev ca --dev cb --endpoint e1 --endpoint e2 \
			--addr 198.51.100.1 --addr 2001:db8:100::1
		mnmapctl -n fz host show > /dev/null || fail "seed $seed: fz's host show"
		saved=$(saved_config fz)
		mnmapctl -n fz -b /tmp/save.fz || fail "seed $seed: fz's save does not restore"
		[[ $(saved_config fz) == "$saved" ]] || fail "seed $seed: restore changed fz"
		# Put the targets back for the next seed.
		mnmapctl -n fz flush
		ip netns del fz
		scratch_ns fz
	done
	ip netns del fz
}

# drops REASON: the namespace's drop counter REASON (unmapped, spoofed...).
drops() {
	mnmapctl -n host -j stats show | jq ".namespace.stats.drop_$1"
}

# pktfuzz NS IFACE ARGS...: every generator of pktfuzz.py, for each seed.
pktfuzz() {
	local n=$1 dev=$2 seed
	shift 2
	for seed in $FUZZ_SEEDS; do
		in_ns "$n" "$HERE/pktfuzz.py" --iface "$dev" --seed "$seed" --count "$(count 30)" "$@" ||
			fail "seed $seed: pktfuzz from $n failed"
	done
}

# Malformed frames, first from the provider's side, sent by the router on
# its link to the host's uplink: to the shared and the other address,
# mapped and unmapped ports. None may come back out of the host to a
# managed address (its stack would route back what mnmap should have
# dropped); other addresses of their prefixes, which mutated frames hit,
# are not mnmap's and go back out. The unmapped ones are counted. Then from inside a
# container: c1 sends to the host's side of its veth, from its own ports
# and from c2's (spoofed, counted), to the outside, to c3 and to c2's port
# of the shared address.
test_packets() {
	stable_topology
	mac=$(mac_of host eth0)
	# First, that the frames pktfuzz builds are right: a valid datagram
	# it sends reaches c1.
	udp_listen c1 25000 /tmp/udp
	sleep 0.5
	in_ns router "$HERE/pktfuzz.py" --iface r-host --dst-mac "$mac" --only valid_udp --count 3 \
		--src 192.0.2.2 --src6 2001:db8:c::2 --dst "$SHARED" --dst6 "$SHARED6" \
		--ports 25000 --sports 7000 > /dev/null
	sleep 0.5
	[[ $(wc -l < /tmp/udp) == 3 ]] || fail "pktfuzz's valid datagrams: $(wc -l < /tmp/udp) of 3 reached c1"
	unmapped=$(drops unmapped)
	pktfuzz router r-host --dst-mac "$mac" \
		--src 192.0.2.2 --src6 2001:db8:c::2 \
		--dst "$SHARED" --dst 198.51.100.20 --dst6 "$SHARED6" --dst6 2001:db8:100::20 \
		--ports 80,81,25000,35000,9,443 --sports 7000,40000,33000 \
		--arp-sender 203.0.113.222 --nd-sender 2001:db8:1::222 \
		--leak "$SHARED/32" --leak 198.51.100.20/32 --leak "$SHARED6/128" --leak 2001:db8:100::20/128
	(($(drops unmapped) > unmapped)) || fail "no unmapped drop was counted"
	still_serving
	mac=$(mac_of host h-c1)
	spoofed=$(drops spoofed)
	pktfuzz c1 eth0 --dst-mac "$mac" \
		--src "$SHARED" --src6 "$SHARED6" \
		--dst 192.0.2.2 --dst 198.51.100.20 --dst "$SHARED" \
		--dst6 2001:db8:c::2 --dst6 2001:db8:100::20 --dst6 "$SHARED6" \
		--ports 7000,80,81 --sports 25000,25001,35000,80 \
		--arp-sender 198.51.100.222 --nd-sender 2001:db8:100::222
	(($(drops spoofed) > spoofed)) || fail "no spoofed drop was counted"
	still_serving
}

# maps_batch FILE VERB FIRST LAST: a batch that adds (or deletes) maps of
# addresses and ports nobody connects to, one per port: other addresses
# for c3, and other ports of the shared address itself.
maps_batch() {
	local file=$1 verb=$2 i
	for ((i = $3; i <= $4; i++)); do
		if [[ $verb == add ]]; then
			echo "map add 10.9.$((i / 250)).$((i % 250 + 1)) tcp $((i % 60000 + 1)) endpoint c3"
			echo "map add $SHARED udp $((i % 10000 + 1000)) endpoint c3"
		else
			echo "map del 10.9.$((i / 250)).$((i % 250 + 1)) tcp $((i % 60000 + 1))"
			echo "map del $SHARED udp $((i % 10000 + 1000))"
		fi
	done > "$file"
}

# connect_loop ADDR SECONDS: short TCP connections one after the other
# for SECONDS; prints "OK FAILED".
connect_loop() {
	in_ns client /usr/bin/python3 - "$@" <<-'EOF'
	import socket, sys, time
	addr, until = sys.argv[1], time.time() + float(sys.argv[2])
	ok = failed = 0
	while time.time() < until:
	    try:
	        with socket.create_connection((addr, 80), timeout=10) as s:
	            s.settimeout(10)
	            got = b""
	            while not got.endswith(b"\n"):
	                more = s.recv(100)
	                if not more:
	                    break
	                got += more
	            if got == b"c1\n":
	                ok += 1
	            else:
	                failed += 1
	                print("got %r" % got, file=sys.stderr)
	    except OSError as e:
	        failed += 1
	        print(e, file=sys.stderr)
	print(ok, failed)
	EOF
}

# Thousands of unrelated changes (batches of additions and deletions, an
# endpoint coming and going, whole restores of the saved table) while
# short connections to the stable map open and close: none fails.
test_churn_under_traffic() {
	stable_topology
	maps_batch /tmp/add add 1 "$(count 500)"
	maps_batch /tmp/del del 1 "$(count 500)"
	mnmapctl -n host save > /tmp/restore
	{ connect_loop "$SHARED" 25 > /tmp/conn4; } 2> /tmp/conn4.err &
	conn4=$!
	{ connect_loop "$SHARED6" 25 > /tmp/conn6; } 2> /tmp/conn6.err &
	conn6=$!
	changes=0
	while kill -0 "$conn4" 2> /dev/null; do
		mnmapctl -n host -b /tmp/add
		mnmapctl -n host endpoint add churn mac 02:00:00:00:09:09 vtep 192.0.2.99
		mnmapctl -n host map add 10.8.0.1 udp 53 endpoint churn
		mnmapctl -n host -f endpoint del churn
		mnmapctl -n host -b /tmp/del
		mnmapctl -n host -b /tmp/restore
		changes=$((changes + 4 * $(count 500) + 4))
	done
	wait "$conn4" "$conn6"
	echo "$changes changes; connections (ok failed): $(cat /tmp/conn4) $(cat /tmp/conn6)"
	read -r ok4 failed4 < /tmp/conn4
	read -r ok6 failed6 < /tmp/conn6
	((failed4 == 0 && failed6 == 0)) ||
		fail "failed connections: $failed4 IPv4 $failed6 IPv6: $(head -5 /tmp/conn4.err /tmp/conn6.err)"
	((ok4 >= 10 && ok6 >= 10)) || fail "too few connections ($ok4, $ok6) to judge"
	((changes >= 2000)) || fail "only $changes changes"
	[[ $(mnmapctl -n host save) == "$(cat /tmp/restore)" ]] || fail "the table is not what it was"
	still_serving
}

# flood NS ADDR PORT SPORT: UDP datagrams as fast as python sends them,
# until killed.
flood() {
	in_ns "$1" /usr/bin/python3 -c '
import socket, sys
a = sys.argv[1]
s = socket.socket(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("", int(sys.argv[3])))
while True:
    try:
        s.sendto(b"x" * 200, (a, int(sys.argv[2])))
    except OSError:
        pass' "$2" "$3" "$4" &
}

# The host namespace is deleted while floods run through it both ways
# (and ping floods to the shared address), after one container went
# mid-flood too; then the other namespaces go and mnmap unloads.
test_netns_delete_under_flood() {
	topology
	flood client "$SHARED" 25000 7001
	flood client "$SHARED6" 25000 7002
	flood c1 192.0.2.2 7000 25000
	flood c2 2001:db8:c::2 7000 35000
	in_ns client ping -q -f 198.51.100.20 > /dev/null 2>&1 &
	in_ns client ping -q -f "$SHARED6" > /dev/null 2>&1 &
	# The senders take a while to start on a slow (debug, TCG) kernel.
	for _ in $(seq 60); do
		n=$(mnmapctl -n host -j stats show | jq .namespace.stats.packets)
		((n > 100)) && break
		sleep 0.5
	done
	((n > 100)) || fail "the floods did not go through the host: $n packets"
	# c2's device goes under its endpoint while c2 floods.
	ip netns del c2
	sleep 1
	mnmapctl -n host host show > /dev/null
	ip netns del host
	sleep 2
	# The module still answers elsewhere, then everything goes.
	ns other
	mnmapctl -n other host show > /dev/null
	kill $(jobs -p)
	wait || true
	ip -all netns delete
	rmmod mnmap
	[[ ! -d /sys/module/mnmap ]] || fail "mnmap still loaded"
}

# Bugs the fuzzers found (fixed), kept as cases.

# nlraw NS EXPR: one hand-made request (nlraw.py) from namespace NS.
nlraw() {
	in_ns "$1" "$HERE/nlraw.py" "$2"
}

# An endpoint name of Latin-1 letters (here the bytes ff fe) passes the
# kernel's isalnum(), whose ctype table knows Latin-1, though the
# contract allows only A-Za-z0-9 and "_.:-"; `save` then writes a batch
# that mnmapctl refuses to restore.
test_bug_latin1_name() {
	ns h
	ip -n h link add d0 type dummy
	ifindex=$(ip -n h -j link show d0 | jq '.[0].ifindex')
	expect_fail "error: EINVAL: .*name" nlraw h "req(\"ENDPOINT_NEW\", nest(\"ENDPOINT\",
		raw(\"ENDPOINT_NAME\", \"fffe00\"), raw(\"ENDPOINT_MAC\", \"020000000009\"),
		u32(\"ENDPOINT_IFINDEX\", $ifindex)))"
	saved_config h > /dev/null
}

# The contract says "an unknown, duplicated-where-single or malformed
# attribute rejects the whole request". The kernel takes a duplicate and
# the last one wins: a MAP_DEL with two maps deletes one and says ok.
test_bug_duplicate_attributes() {
	ns h
	ip -n h link add d0 type dummy
	ifindex=$(ip -n h -j link show d0 | jq '.[0].ifindex')
	mnmapctl -n h endpoint add e1 mac 02:00:00:00:00:01 dev d0
	mnmapctl -n h endpoint add e2 mac 02:00:00:00:00:02 dev d0
	mnmapctl -n h map add 10.1.1.1 tcp 80 endpoint e1
	mnmapctl -n h map add 10.1.1.2 tcp 80 endpoint e1
	before=$(mnmapctl -n h save)
	m1='nest("MAP", ip("MAP_ADDR_IPV4", "10.1.1.1"), u8("MAP_PROTO", 6), u16("MAP_PORT_FIRST", 80))'
	m2='nest("MAP", ip("MAP_ADDR_IPV4", "10.1.1.2"), u8("MAP_PROTO", 6), u16("MAP_PORT_FIRST", 80))'
	expect_fail "error: E" nlraw h "req(\"MAP_DEL\", $m1, $m2)"
	expect_fail "error: E" nlraw h 'req("MAP_NEW", nest("MAP", ip("MAP_ADDR_IPV4", "10.1.1.3"),
		ip("MAP_ADDR_IPV4", "10.1.1.4"), u8("MAP_PROTO", 6), u16("MAP_PORT_FIRST", 80),
		s("MAP_ENDPOINT", "e1")))'
	expect_fail "error: E" nlraw h 'req("MAP_NEW", nest("MAP", ip("MAP_ADDR_IPV4", "10.1.1.1"),
		u8("MAP_PROTO", 6), u16("MAP_PORT_FIRST", 80), s("MAP_ENDPOINT", "e1"),
		s("MAP_ENDPOINT", "e2")))'
	expect_fail "error: E" nlraw h 'req("ENDPOINT_SET",
		nest("ENDPOINT", s("ENDPOINT_NAME", "e1"), raw("ENDPOINT_MAC", "020000000011")),
		nest("ENDPOINT", s("ENDPOINT_NAME", "e2"), raw("ENDPOINT_MAC", "020000000012")))'
	expect_fail "error: E" nlraw h "req(\"HOST_SET\", nest(\"HOST\", u32(\"HOST_UPLINK\", $ifindex)),
		nest(\"HOST\", u32(\"HOST_UPLINK\", $ifindex)))"
	[[ $(mnmapctl -n h save) == "$before" ]] ||
		fail "requests with duplicates changed the table: $(diff <(echo "$before") <(mnmapctl -n h save))"
}

run_test "netlink: invalid requests refused, random ones harmless, anything on a scratch namespace" test_netlink
run_test "packets: malformed frames from the uplink and from a container" test_packets
run_test "churn: thousands of changes while connections open and close" test_churn_under_traffic
run_test "a namespace deleted under a flood, then rmmod" test_netns_delete_under_flood
run_test "found by fuzzing: an endpoint name of Latin-1 letters is refused" test_bug_latin1_name
run_test "found by fuzzing: duplicated single attributes are refused" test_bug_duplicate_attributes
finish
