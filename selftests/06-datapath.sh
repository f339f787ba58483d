#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The single-host data path, with real clients, on the topology of
# topo-single-host.sh: outside -> containers sharing an IP, containers ->
# outside, container -> container, ping, ICMP errors and path MTU, drops,
# moves under traffic. Most cases run once per address family.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/topo-single-host.sh"

# family 4|6: the addresses the cases use.
family() {
	FAM=$1
	if ((FAM == 4)); then
		SHARED=198.51.100.10 OTHER=198.51.100.20 CLIENT=192.0.2.2 ECHOS=IcmpInEchos
	else
		SHARED=2001:db8:100::10 OTHER=2001:db8:100::20 CLIENT=2001:db8:c::2 ECHOS=Icmp6InEchos
	fi
}
family 4

no_nat() {
	for n in host router; do
		! in_ns "$n" nft list ruleset 2>/dev/null | grep -i nat > /dev/null || fail "NAT rule in $n"
	done
	[[ ! -e /proc/net/nf_conntrack ]] || ! grep -Eq "dst=(198.51.100|2001:db8:100)" /proc/net/nf_conntrack ||
		fail "conntrack saw mnmap traffic"
}

test_outside_to_shared_ip() {
	topology
	serve c1 80; serve c2 81; serve c3 80
	wait_port c1 80; wait_port c2 81; wait_port c3 80
	# Concurrent sessions to the two containers behind one address.
	for i in 1 2 3 4; do
		in_ns client ncat --recv-only "$SHARED" 80 > "/tmp/s80.$i" &
		in_ns client ncat --recv-only "$SHARED" 81 > "/tmp/s81.$i" &
	done
	wait $(jobs -p | tail -n 8)
	for i in 1 2 3 4; do
		[[ $(cat /tmp/s80.$i) == c1 ]] || fail "port 80 answered by '$(cat /tmp/s80.$i)'"
		[[ $(cat /tmp/s81.$i) == c2 ]] || fail "port 81 answered by '$(cat /tmp/s81.$i)'"
	done
	[[ $(in_ns client ncat --recv-only "$OTHER" 80) == c3 ]] || fail "c3"
	# Counters: each container's endpoint and map saw its sessions.
	json=$(mnmapctl -n host -j stats show)
	for c in c1 c2; do
		n=$(jq ".endpoints[] | select(.name == \"$c\") | .stats.packets" <<< "$json")
		((n >= 8)) || fail "$c counted $n packets: $json"
	done
	n=$(jq --arg a "$SHARED" '.maps[] | select(.addr == $a and .port == 80 and .port_last == 80) | .stats.packets' <<< "$json")
	((n >= 8)) || fail "map 80 counted $n packets"
	((n <= $(jq .namespace.stats.packets <<< "$json"))) || fail "namespace total"
	# A batch stages its changes, then publishes them: maps and endpoints
	# count on where they left off.
	ep_before=$(jq '.endpoints[] | select(.name == "c1") | .stats.packets' <<< "$json")
	echo "map add $SHARED udp 4000 endpoint c1" | mnmapctl -n host -b -
	json=$(mnmapctl -n host -j stats show)
	after=$(jq --arg a "$SHARED" '.maps[] | select(.addr == $a and .port == 80 and .port_last == 80) | .stats.packets' <<< "$json")
	((after >= n)) || fail "a batch reset map 80's count from $n to $after"
	after=$(jq '.endpoints[] | select(.name == "c1") | .stats.packets' <<< "$json")
	((after >= ep_before)) || fail "a batch reset c1's count from $ep_before to $after"
	# A map deleted and added again counts from zero, though its counter
	# slot, freed after a grace period, is the one reused.
	mnmapctl -n host map del "$SHARED" tcp 80
	sleep 0.3
	mnmapctl -n host map add "$SHARED" tcp 80 endpoint c1 counters
	n=$(mnmapctl -n host -j stats show map "$SHARED" tcp 80 | jq '.maps[0].stats.packets')
	[[ $n == 0 ]] || fail "a map added again starts at $n packets"
	[[ $(mnmapctl -n host stats show endpoint c3) =~ ^"endpoint c3 packets "[1-9][0-9]*" bytes "[1-9][0-9]*" drops: unmapped 0 spoofed 0 no-device 0 remote 0 private 0 tenant 0"$ ]] ||
		fail "$(mnmapctl -n host stats show endpoint c3)"
	# The router learnt the host's uplink MAC for the shared address, once.
	mac=$(ip -n host -j link show eth0 | jq -r '.[0].address')
	[[ $(ip -n router -j neigh show "$SHARED" | jq -r '.[0].lladdr') == "$mac" ]] ||
		fail "router's neighbour for the shared address: $(ip -n router neigh)"
	no_nat
}

test_container_to_outside() {
	topology
	in_ns client ncat -lk -p 7000 -c 'echo "$NCAT_REMOTE_ADDR:$NCAT_REMOTE_PORT"' &
	wait_port client 7000
	# Both containers that share the address open connections at once.
	for i in 1 2 3; do
		in_ns c1 ncat --recv-only "$CLIENT" 7000 > "/tmp/o1.$i" &
		in_ns c2 ncat --recv-only "$CLIENT" 7000 > "/tmp/o2.$i" &
	done
	wait $(jobs -p | tail -n 6)
	for i in 1 2 3; do
		seen=$(cat "/tmp/o1.$i")
		a=${seen%:*} p=${seen##*:}
		[[ $a == "$SHARED" ]] && ((p >= 20000 && p <= 29999)) || fail "c1 seen as '$seen'"
		seen=$(cat "/tmp/o2.$i")
		a=${seen%:*} p=${seen##*:}
		[[ $a == "$SHARED" ]] && ((p >= 30000 && p <= 39999)) || fail "c2 seen as '$seen'"
	done
	no_nat
}

test_container_to_container() {
	topology
	serve c3 80; serve c2 81
	wait_port c3 80; wait_port c2 81
	# Another address on the same host, and the same address on another
	# port: c1 holds the shared address itself, yet its port 81 is c2's.
	[[ $(in_ns c1 ncat --recv-only "$OTHER" 80) == c3 ]] || fail "c1 -> c3"
	[[ $(in_ns c1 ncat --recv-only "$SHARED" 81) == c2 ]] || fail "c1 -> c2 on the shared address"
	[[ $(in_ns c3 ncat --recv-only "$SHARED" 81) == c2 ]] || fail "c3 -> c2"
}

# echos_in NS: the echo requests NS's stack has received.
echos_in() {
	in_ns "$1" nstat -saz "$ECHOS" | awk -v c="$ECHOS" '$1 == c { print $2 }'
}

test_ping_shared_ip() {
	topology
	in_ns client ping -c 2 -W 2 "$SHARED" > /dev/null || fail "echo to the shared address"
	(($(echos_in c1) == 2)) || fail "c1, the icmp map's endpoint, saw $(echos_in c1) echo requests"
	(($(echos_in c2) == 0)) || fail "c2 saw echo requests"
	# Without an icmp map, mnmap answers for the address itself.
	mnmapctl -n host map del "$SHARED" icmp endpoint c1
	in_ns client ping -c 2 -W 2 "$SHARED" > /dev/null || fail "no answer without an icmp map"
	in_ns c2 ping -c 1 -W 2 "$OTHER" > /dev/null || fail "no answer to a container"
	(($(echos_in c1) == 2 && $(echos_in c2) == 0 && $(echos_in c3) == 0)) ||
		fail "a container answered for mnmap"
}

# received PING_OUTPUT: how many replies ping reported.
received() {
	sed -n 's/.* \([0-9]*\) received.*/\1/p' "$1"
}

# Echo replies carry no port: each goes back to the container that sent
# the request, although another holds the address's icmp map.
test_ping_from_shared_ip() {
	topology
	in_ns c1 ping -c 3 -i 0.3 -W 2 "$CLIENT" > /tmp/p1 &
	in_ns c2 ping -c 3 -i 0.3 -W 2 "$CLIENT" > /tmp/p2 &
	wait $(jobs -p | tail -n 2) || true	# judged by the replies each got
	[[ $(received /tmp/p1) == 3 ]] || fail "c1 (the icmp map's) pinging out: $(cat /tmp/p1)"
	[[ $(received /tmp/p2) == 3 ]] || fail "c2 pinging out: $(cat /tmp/p2)"
	# Container to container: c3 answers for its address, and its replies
	# find c2 on the shared address.
	mnmapctl -n host map add "$OTHER" icmp endpoint c3
	in_ns c2 ping -c 2 -i 0.3 -W 2 "$OTHER" > /tmp/p3 || true
	[[ $(received /tmp/p3) == 2 ]] || fail "c2 pinging c3: $(cat /tmp/p3)"
	(($(echos_in c3) == 2)) || fail "c3 saw $(echos_in c3) echo requests, not 2"
}

# A TCP download through a hop with a smaller MTU works only when the
# router's "fragmentation needed" reaches the sending container, by the
# header it carries.
test_path_mtu() {
	topology
	ip -n router link set r-client mtu 1280
	head -c 2000000 /dev/urandom > /tmp/big
	in_ns c1 ncat -l -p 80 --send-only < /tmp/big &
	wait_port c1 80
	in_ns client timeout 60 ncat --recv-only "$SHARED" 80 > /tmp/got ||
		fail "the download did not complete"
	cmp -s /tmp/big /tmp/got || fail "got $(stat -c %s /tmp/got) bytes, not the file"
	in_ns c1 ip route get "$CLIENT" | grep "mtu 1280" > /dev/null ||
		fail "c1 did not learn the path MTU: $(in_ns c1 ip route get "$CLIENT")"
	no_nat
}

# udp_refused NS PORT: a UDP datagram from PORT to a closed port of the
# client comes back as "connection refused" (an ICMP port unreachable).
udp_refused() {
	in_ns "$1" /usr/bin/python3 - "$2" "$CLIENT" <<-'EOF'
	import socket, sys
	s = socket.socket(socket.AF_INET6 if ":" in sys.argv[2] else socket.AF_INET, socket.SOCK_DGRAM)
	s.bind(("", int(sys.argv[1])))
	s.connect((sys.argv[2], 7999))
	s.settimeout(3)
	s.send(b"x")
	try:
	    s.recv(10)
	except ConnectionRefusedError:
	    sys.exit(0)
	except socket.timeout:
	    print("no ICMP error came back", file=sys.stderr)
	sys.exit(1)
	EOF
}

test_icmp_errors() {
	topology
	# Both containers sharing the address get their own port unreachable.
	udp_refused c1 25000 || fail "c1 did not get its port unreachable"
	udp_refused c2 35000 || fail "c2 did not get its port unreachable"
	# An error about a port nobody owns goes nowhere, and is counted.
	before=$(mnmapctl -n host -j stats show | jq .namespace.stats.drop_unmapped)
	in_ns client /usr/bin/python3 - "$CLIENT" "$SHARED" <<-'EOF'
	import socket, struct, sys

	def csum(b):
	    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
	    s = (s >> 16) + (s & 0xffff)
	    return ~(s + (s >> 16)) & 0xffff

	me, them = sys.argv[1], sys.argv[2]
	udp = struct.pack("!HHHH", 5555, 7999, 8, 0)
	if ":" in me:
	    # The kernel fills in an ICMPv6 checksum (pseudo-header included).
	    inner = struct.pack("!IHBB16s16s", 6 << 28, 8, 17, 64,
	                        socket.inet_pton(socket.AF_INET6, them),
	                        socket.inet_pton(socket.AF_INET6, me)) + udp
	    msg = struct.pack("!BBHI", 1, 4, 0, 0) + inner
	    s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
	else:
	    inner = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 28, 0, 0, 64, 17, 0,
	                        socket.inet_aton(them), socket.inet_aton(me)) + udp
	    msg = struct.pack("!BBHI", 3, 3, 0, 0) + inner
	    msg = msg[:2] + struct.pack("!H", csum(msg)) + msg[4:]
	    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
	s.sendto(msg, (them, 0))
	EOF
	sleep 1
	after=$(mnmapctl -n host -j stats show | jq .namespace.stats.drop_unmapped)
	((after == before + 1)) || fail "unmapped drops went from $before to $after"
}

# Later fragments carry no ports: they follow their first fragment, so a
# datagram larger than the MTU reaches its container whole, and only it.
test_fragments() {
	topology
	udp_listen c1 25001 /tmp/c1.udp
	udp_listen c2 25001 /tmp/c2.udp
	udp_listen c3 45001 /tmp/c3.udp
	sleep 1
	for size in 4000 9000; do
		udp_send client "$SHARED" 25001 $size
		udp_send c1 "$OTHER" 45001 $size
	done
	sleep 1
	[[ $(cat /tmp/c1.udp) == $'4000\n9000' ]] || fail "c1 got '$(cat /tmp/c1.udp)' from outside"
	[[ ! -s /tmp/c2.udp ]] || fail "c2 got '$(cat /tmp/c2.udp)'"
	[[ $(cat /tmp/c3.udp) == $'4000\n9000' ]] || fail "c3 got '$(cat /tmp/c3.udp)' from c1"
	# Nothing of it was dropped.
	json=$(mnmapctl -n host -j stats show)
	(($(jq .namespace.stats.drop_unmapped <<< "$json") == 0)) || fail "drops: $json"
}

test_drops() {
	topology
	serve c1 80
	wait_port c1 80
	# An unmapped port of a managed address goes nowhere: not into the
	# host's stack, which would route it back out of the uplink.
	in_ns host timeout 6 tcpdump -ni eth0 -Q out -c 1 -w /tmp/leak.pcap 'tcp port 8080' 2>/dev/null &
	dump=$!
	sleep 2
	expect_fail "" in_ns client ncat --recv-only -w 2 "$SHARED" 8080
	wait $dump || true
	leaked=$(tcpdump -nr /tmp/leak.pcap 2>/dev/null)
	[[ -z $leaked ]] || fail "unmapped traffic left the host: $leaked"
	# A container may send from its own ports, and not from another's (c2's).
	in_ns client socat -u "UDP$((FAM == 6 ? 6 : 4))-RECV:7001" OPEN:/tmp/udp,creat,append &
	wait_udp=$!
	sleep 1
	echo own | in_ns c1 ncat -u -w 1 -p 25000 "$CLIENT" 7001 || true
	echo spoofed | in_ns c1 ncat -u -w 1 -p 35000 "$CLIENT" 7001 || true
	sleep 1
	kill $wait_udp || true
	grep -q own /tmp/udp || fail "the container's own port did not get through"
	! grep -q spoofed /tmp/udp || fail "a spoofed source port got through"
	json=$(mnmapctl -n host -j stats show)
	(($(jq .namespace.stats.drop_unmapped <<< "$json") >= 1)) || fail "unmapped drop not counted: $json"
	(($(jq .namespace.stats.drop_spoofed <<< "$json") >= 1)) || fail "spoofed drop not counted: $json"
}

# A flood of tiny first fragments from one source takes the place of its
# own memo entries, not of others': a datagram from another source whose
# later fragment comes after 1,500 of them still arrives whole (with one
# direct-mapped slot per key, as before, it is all but always evicted).
test_fragment_flood() {
	topology
	udp_listen c1 25000 /tmp/frag-got
	sleep 1
	in_ns router /usr/bin/python3 - "$MNMAP_TOP/selftests" "$(ip -n host -j link show eth0 | jq -r '.[0].address')" <<-'EOF'
	import socket, sys, time
	sys.path.insert(0, sys.argv[1])
	from pkt import UDP, ip4, udp, frame
	s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
	s.bind(("r-host", 0))
	me = open("/sys/class/net/r-host/address").read().strip()
	send = lambda p: s.send(frame(sys.argv[2], me, p))
	MF = 0x2000
	# 2,000 bytes of UDP in two fragments, the second after the flood.
	dgram = udp(5000, 25000, b"d" * 1992).bytes("192.0.2.77", "198.51.100.10")
	start = time.time()
	send(ip4("192.0.2.77", "198.51.100.10", UDP, dgram[:1480], ident=4242, frag=MF))
	for i in range(1500):
	    first = udp(7000, 25001, b"f" * 8).bytes("192.0.2.2", "198.51.100.10")
	    send(ip4("192.0.2.2", "198.51.100.10", UDP, first, ident=i, frag=MF))
	send(ip4("192.0.2.77", "198.51.100.10", UDP, dgram[1480:], ident=4242, frag=1480 // 8))
	print("sent in %.2fs" % (time.time() - start))
	EOF
	sleep 1
	grep -qx 1992 /tmp/frag-got || fail "the datagram from 192.0.2.77 was cut by the flood: got $(cat /tmp/frag-got)"
}

# A map moves back and forth between c1 and c2, each move one atomic
# batch, while a UDP stream flows: nothing sent while one owned the port
# reaches the other, and no datagram meets a table without the map.
test_move_under_traffic() {
	topology
	mnmapctl -n host map add 198.51.100.10 udp 9000 endpoint c1
	in_ns c1 "$MNMAP_TOP/selftests/map_move.py" recv /tmp/got.c1 &
	in_ns c2 "$MNMAP_TOP/selftests/map_move.py" recv /tmp/got.c2 &
	sleep 1
	before=$(mnmapctl -n host -j stats show | jq .namespace.stats.drop_unmapped)
	in_ns client "$MNMAP_TOP/selftests/map_move.py" send 198.51.100.10 9000 8 > /tmp/sent &
	sender=$!
	in_ns host "$MNMAP_TOP/selftests/map_move.py" move 198.51.100.10 9000 c1 c2 6 > /tmp/moves
	wait $sender
	sleep 1
	sent=$(cat /tmp/sent)
	got=$(($(wc -l < /tmp/got.c1) + $(wc -l < /tmp/got.c2)))
	echo "sent $sent, received $got ($(wc -l < /tmp/got.c1) by c1, $(wc -l < /tmp/got.c2) by c2)"
	"$MNMAP_TOP/selftests/map_move.py" check /tmp/moves c1:/tmp/got.c1 c2:/tmp/got.c2
	(($(wc -l < /tmp/got.c1) > 0 && $(wc -l < /tmp/got.c2) > 0)) || fail "one container got nothing"
	after=$(mnmapctl -n host -j stats show | jq .namespace.stats.drop_unmapped)
	((after == before)) || fail "$((after - before)) datagrams met a table without the map"
	((got * 100 >= sent * 95)) || fail "lost $((sent - got)) of $sent datagrams"
}

# answer ADDR PORT: the container that answers a TCP session, or "-".
answer() {
	local got
	got=$(in_ns client ncat -w 1 --recv-only "$1" "$2" 2> /dev/null) || true
	echo "${got:--}"
}

# expect_answers ADDR:PORT=WHO...: each session is answered by WHO ("-": none).
expect_answers() {
	local spec got
	for spec in "$@"; do
		got=$(answer "${spec%:*}" "$(cut -d= -f1 <<< "${spec##*:}")")
		[[ $got == "${spec##*=}" ]] || fail "${spec%=*} answered by $got, not ${spec##*=}"
	done
}

# Batches onto the live table (each changes only what it names, at its
# commit): maps added, deleted, given to another container, an endpoint
# deleted with its maps, an endpoint moved; a failing batch changes nothing.
test_batch_onto_live_table() {
	topology
	for p in 80 83 84 85; do serve c1 $p; serve c2 $p; done
	serve c2 81
	serve c3 80
	wait_port c1 85 && wait_port c2 85 && wait_port c2 81 && wait_port c3 80 || fail "servers"
	expect_answers "$SHARED:80=c1" "$SHARED:81=c2" "$OTHER:80=c3"
	cat > /tmp/b1 <<-EOF
		map del $SHARED tcp 80 endpoint c1
		map add $SHARED tcp 80 endpoint c2
		map add $SHARED tcp 83 endpoint c1
		map del $SHARED tcp 81
		endpoint del c3
	EOF
	mnmapctl -n host -f -b /tmp/b1
	expect_answers "$SHARED:80=c2" "$SHARED:81=-" "$SHARED:83=c1" "$OTHER:80=-"
	[[ ! $(mnmapctl -n host endpoint show c3 2> /dev/null) ]] || fail "c3 still there"
	# c1 and c2 swap places (one endpoint per place: c2 leaves first); their
	# maps, old and new, follow them.
	printf 'endpoint set c2 dev none\nendpoint set c1 mac 02:00:00:00:00:02 dev h-c2\nendpoint set c2 mac 02:00:00:00:00:01 dev h-c1\nmap add %s tcp 84 endpoint c1\n' \
		"$SHARED" | mnmapctl -n host -b -
	expect_answers "$SHARED:83=c2" "$SHARED:84=c2" "$SHARED:80=c1"
	before=$(mnmapctl -n host save)
	printf 'map add %s tcp 85 endpoint c2\nmap del %s tcp 80\nmap add %s tcp 86 endpoint nobody\n' \
		"$SHARED" "$SHARED" "$SHARED" > /tmp/b2
	expect_fail "/tmp/b2:3: mnmap: no such endpoint" mnmapctl -n host -b /tmp/b2
	[[ $(mnmapctl -n host save) == "$before" ]] || fail "a failed batch changed the table"
	expect_answers "$SHARED:85=-" "$SHARED:80=c1"
}

# hooks_on: whether mnmap says its hooks are registered in "host"; where
# the kernel can list hooks (nfnetlink_hook), it must agree.
hooks_on() {
	local said listed
	said=$(mnmapctl -n host -j host show | jq .datapath)
	if modprobe -q nfnetlink_hook 2> /dev/null; then
		listed=$( (for f in ip ip6 arp; do in_ns host nft list hooks $f; done) | grep -c mnmap || true)
		# A disagreement ends the case, whatever the caller expects.
		[[ $said == true && $listed == 3 || $said == false && $listed == 0 ]] ||
			{ fail "mnmapctl says datapath $said, nft lists $listed hooks"; exit 1; }
	fi
	[[ $said == true ]]
}

# Hooks are there only while the namespace has a map to serve.
test_hooks_follow_the_table() {
	ns host
	ip -n host link add d0 type dummy
	! hooks_on || fail "hooks before any table"
	mnmapctl -n host endpoint add e mac 02:00:00:00:00:09 dev d0
	! hooks_on || fail "hooks for an endpoint without maps"
	mnmapctl -n host map add 198.51.100.1 tcp 80 endpoint e
	hooks_on || fail "no hooks with a map"
	[[ $(mnmapctl -n host host show) == *"datapath on"* ]] || fail "host show: $(mnmapctl -n host host show)"
	mnmapctl -n host map del 198.51.100.1 tcp 80 endpoint e
	! hooks_on || fail "hooks left once the last map went"
	expect_fail "no such endpoint" mnmapctl -n host map add 198.51.100.1 tcp 80 endpoint nobody
	! hooks_on || fail "a failed change left hooks"
	printf 'map add 198.51.100.1 udp 53 endpoint e\n' > /tmp/batch
	mnmapctl -n host -b /tmp/batch
	hooks_on || fail "no hooks after a batch"
	mnmapctl -n host flush
	! hooks_on || fail "hooks left after a flush"
}

for f in 4 6; do
	family $f
	run_test "IPv$f: outside -> two containers sharing an IP, concurrent sessions" test_outside_to_shared_ip
	run_test "IPv$f: containers sharing an IP -> outside, each gets its replies" test_container_to_outside
	run_test "IPv$f: container -> container on the same host" test_container_to_container
	run_test "IPv$f: ping to the shared IP reaches its icmp endpoint" test_ping_shared_ip
	run_test "IPv$f: containers sharing an IP ping out, each gets its replies" test_ping_from_shared_ip
	run_test "IPv$f: a transfer through an MTU 1280 hop completes by path MTU discovery" test_path_mtu
	run_test "IPv$f: ICMP errors reach the container that owns the embedded source" test_icmp_errors
	run_test "IPv$f: a fragmented datagram reaches its container whole" test_fragments
	run_test "IPv$f: unmapped ports and spoofed sources are dropped" test_drops
done
family 4
run_test "IPv4: a flood of first fragments from one source evicts only its own memo entries" test_fragment_flood
run_test "moving a map under traffic never delivers to a container that does not own it" test_move_under_traffic
run_test "batches onto the live table change what they name, at their commit" test_batch_onto_live_table
run_test "hooks are registered only while there is a map to serve" test_hooks_follow_the_table
finish
