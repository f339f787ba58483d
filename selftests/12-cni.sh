#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The CNI plugin (cni/mnmap) called as a runtime calls it: CNI_* in the
# environment, the configuration on stdin, the result or a CNI error on
# stdout. Two containers share one public address on different ports with
# port blocks that do not overlap, and real traffic from outside reaches
# each; CHECK on intact and tampered containers; refused requests and a
# failed ADD change nothing; DEL removes exactly what ADD made, twice, and
# nothing it did not make. 12-cni-store.sh covers "store".
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/topo-single-host.sh"
CNI="$MNMAP_TOP/cni/mnmap"
STATE=/tmp/cni-state

# conf [PORT [CONTAINERPORT [MAPS-JSON]]]: the network's configuration, with
# a runtime port mapping on the shared address when PORT is given.
conf() {
	local port=${1:-} cport=${2:-${1:-}} maps=${3:-[]}
	jq -n --arg state "$STATE" --arg port "$port" --arg cport "$cport" --argjson maps "$maps" '{
		cniVersion: "1.0.0", name: "pub", type: "mnmap", dataDir: $state,
		capabilities: {portMappings: true},
		blocks: {addr: "198.51.100.10", range: "40000-43071", size: 1024},
		maps: $maps
	} + (if $port == "" then {} else {runtimeConfig: {portMappings: [{
		hostIP: "198.51.100.10", hostPort: ($port | tonumber),
		containerPort: ($cport | tonumber), protocol: "tcp"}]}} end)'
}

# cni COMMAND CONTAINER [NETNS]: run the plugin in the host's namespace as a
# runtime does, the configuration on stdin ($CONF).
cni() {
	local netns=/run/netns/${3:-$2}
	in_ns host env -i PATH="$PATH" CNI_COMMAND="$1" CNI_CONTAINERID="$2" \
		CNI_NETNS="$netns" CNI_IFNAME=eth0 CNI_PATH=/usr/lib/cni "$CNI" <<< "$CONF"
}

setup() {
	rm -rf "$STATE"
	ns client router host c1 c2 c3
	uplink_host
}

# world [CONTAINER...]: everything the plugin may touch on the host and in
# those containers (default: c1 c2 c3 c4), as text.
world() {
	local c
	mnmapctl -n host save
	ip -n host -o link show | sed 's/^[0-9]*: //; s/ state .*//'
	[[ $# -gt 0 ]] || set -- c1 c2 c3 c4
	for c in "$@"; do
		ip -n "$c" -o link show | sed 's/^[0-9]*: //; s/ state .*//'
		# An address's duplicate address detection may end meanwhile.
		ip -n "$c" -o addr show | sed 's/ tentative//'
		ip -n "$c" rule show
	done
	find "$STATE" -type f 2>/dev/null | sort | xargs -r grep -H . || true
}

add_two() {
	CONF=$(conf 80) cni ADD c1 > /tmp/r1 || fail "ADD c1: $(cat /tmp/r1)"
	CONF=$(conf 81 81 '[{"addr": "198.51.100.10", "proto": "icmp"}]') cni ADD c2 > /tmp/r2 ||
		fail "ADD c2: $(cat /tmp/r2)"
}

test_version() {
	out=$(CNI_COMMAND=VERSION "$CNI" <<< '{"cniVersion": "1.0.0"}')
	[[ $(jq -c .supportedVersions <<< "$out") == '["1.0.0"]' ]] || fail "$out"
}

test_two_containers() {
	setup
	add_two
	jq -e '.cniVersion == "1.0.0" and .ips[0].address == "198.51.100.10/32" and
	       .interfaces[1].name == "eth0" and .interfaces[1].sandbox == "/run/netns/c1"' /tmp/r1 > /dev/null ||
		fail "result: $(cat /tmp/r1)"
	mac1=$(jq -r '.interfaces[1].mac' /tmp/r1)
	mac2=$(jq -r '.interfaces[1].mac' /tmp/r2)
	[[ $mac1 != "$mac2" ]] || fail "one MAC for both: $mac1"
	[[ $(ip -n c1 -j link show eth0 | jq -r '.[0].address') == "$mac1" ]] || fail "c1's MAC"
	# One address, two ports, two blocks that do not overlap.
	maps=$(mnmapctl -n host map show | sed 's/ weight.*//')
	for want in "198.51.100.10 tcp 80 endpoint c1" "198.51.100.10 tcp 81 endpoint c2" \
		"198.51.100.10 icmp endpoint c2" \
		"198.51.100.10 tcp 40000-41023 endpoint c1" "198.51.100.10 udp 40000-41023 endpoint c1" \
		"198.51.100.10 tcp 41024-42047 endpoint c2" "198.51.100.10 udp 41024-42047 endpoint c2"; do
		grep -qxF "$want" <<< "$maps" || fail "no '$want' in: $maps"
	done
	[[ $(in_ns c1 sysctl -n net.ipv4.ip_local_port_range) == $'40000\t41023' ]] ||
		fail "c1's port range: $(in_ns c1 sysctl -n net.ipv4.ip_local_port_range)"
	# Traffic from outside reaches each on its port; ping goes to c2.
	serve c1 80
	serve c2 81
	wait_port c1 80 && wait_port c2 81
	[[ $(in_ns client ncat -w 5 --recv-only 198.51.100.10 80) == c1 ]] || fail "port 80 is not c1"
	[[ $(in_ns client ncat -w 5 --recv-only 198.51.100.10 81) == c2 ]] || fail "port 81 is not c2"
	in_ns client ping -c 1 -W 5 198.51.100.10 > /dev/null || fail "no echo reply"
	[[ $(mnmapctl -n host -j stats show endpoint c2 | jq '.endpoints[0].stats.packets') -gt 0 ]] ||
		fail "the echo did not go to c2: $(mnmapctl -n host -j stats show)"
	# c1's own connections leave from its block and come back.
	in_ns client ncat -l -p 7000 -c 'echo $NCAT_REMOTE_PORT' &
	wait_port client 7000
	port=$(in_ns c1 ncat -w 5 --recv-only 192.0.2.2 7000)
	((port >= 40000 && port <= 41023)) || fail "c1 connected from port '$port'"
	# CHECK: intact, then tampered with.
	CONF=$(conf 80) cni CHECK c1 > /tmp/out || fail "CHECK of an intact container: $(cat /tmp/out)"
	[[ ! -s /tmp/out ]] || fail "CHECK printed: $(cat /tmp/out)"
	mnmapctl -n host map del 198.51.100.10 tcp 80 endpoint c1
	ip -n c1 addr del 198.51.100.10/32 dev eth0
	! CONF=$(conf 80) cni CHECK c1 > /tmp/out || fail "CHECK passed on a tampered container"
	jq -e '.code == 102' /tmp/out > /dev/null || fail "$(cat /tmp/out)"
	msg=$(jq -r .msg /tmp/out)
	[[ $msg == *"map 198.51.100.10 tcp 80 is missing"* ]] || fail "$msg"
	[[ $msg == *"address 198.51.100.10 is missing on eth0"* ]] || fail "$msg"
	! CONF=$(conf 80) cni CHECK c3 > /tmp/out || fail "CHECK of a container never added passed"
}

# expect_cni CODE MSG-REGEX COMMAND CONTAINER: a CNI error, and nothing
# changed since $before was taken.
expect_cni() {
	local code=$1 msg=$2 out
	shift 2
	if cni "$@" > /tmp/out; then
		fail "$1 $2 succeeded: $(cat /tmp/out)"
	fi
	jq -e --argjson c "$code" '.code == $c and .cniVersion != null' /tmp/out > /dev/null ||
		fail "not CNI error $code: $(cat /tmp/out)"
	[[ $(jq -r .msg /tmp/out) =~ $msg ]] || fail "message: $(cat /tmp/out)"
	out=$(world)
	[[ $out == "$before" ]] || fail "$1 $2 changed something: $(diff <(echo "$before") <(echo "$out"))"
}

test_refused() {
	setup
	add_two
	ns c4
	before=$(world)
	CONF=$(conf 8080 80) expect_cni 7 "hostPort 8080 != containerPort 80" ADD c3
	CONF=$(conf 80) expect_cni 100 "already added" ADD c1
	CONF='{"cniVersion": "0.3.1", "name": "pub"}' expect_cni 1 "not supported" ADD c3
	CONF='not json' expect_cni 6 "not a JSON object" ADD c3
	CONF=$(conf 80 80 '[{"addr": "198.51.100.10", "proto": "sctp", "port": 9}]') \
		expect_cni 7 "sctp.*not tcp, udp or icmp" ADD c3
	CONF=$(conf 80 80 '[{"addr": "no-such-address", "port": 9}]') expect_cni 103 "failed" ADD c3
	CONF=$(jq '.store = {}' <<< "$(conf 80)") expect_cni 7 "store.etcd" ADD c3
	CONF=$(jq '.store = {etcd: "http://192.0.2.9:2379"}' <<< "$(conf 80)") expect_cni 7 "store.host" ADD c3
	CONF=$(conf 82) expect_cni 4 "does not exist" ADD c3 gone
	# A failed ADD undoes what it made: here the kernel refuses the batch
	# (the static range overlaps c1's block) after the veth and the block.
	CONF=$(conf 82 82 '[{"addr": "198.51.100.10", "port": "40100-40200"}]') \
		expect_cni 103 "mnmapctl -b" ADD c3
	# The pool has three blocks: a fourth container has none.
	CONF=$(conf 82) cni ADD c3 > /tmp/out || fail "ADD c3: $(cat /tmp/out)"
	before=$(world)
	CONF=$(conf 83) expect_cni 101 "no free block" ADD c4
}

test_del() {
	setup
	before=$(world c1)
	add_two
	c2_maps=$(mnmapctl -n host map show endpoint c2)
	CONF=$(conf 80) cni DEL c1 > /tmp/out || fail "DEL: $(cat /tmp/out)"
	[[ ! -s /tmp/out ]] || fail "DEL printed: $(cat /tmp/out)"
	expect_fail "no such endpoint" mnmapctl -n host endpoint show c1
	[[ -z $(mnmapctl -n host map show endpoint c1) ]] || fail "c1's maps are left"
	[[ $(mnmapctl -n host map show endpoint c2) == "$c2_maps" ]] || fail "c2's maps changed"
	! ip -n c1 link show eth0 2> /dev/null || fail "c1's eth0 is left"
	[[ -z $(ip -n c1 rule show | grep "proto 233") ]] || fail "c1's rules are left"
	[[ ! -e $STATE/pub/blocks/198.51.100.10-40000-41023 ]] || fail "c1's block is still taken"
	# Again: nothing left to remove, and no error; then without a namespace
	# (the runtime deleted it first).
	CONF=$(conf 80) cni DEL c1 > /tmp/out || fail "second DEL: $(cat /tmp/out)"
	ip netns del c2
	CONF=$(conf 81)
	in_ns host env -i PATH="$PATH" CNI_COMMAND=DEL CNI_CONTAINERID=c2 \
		CNI_IFNAME=eth0 "$CNI" <<< "$CONF" || fail "DEL without CNI_NETNS"
	out=$(world c1)
	[[ $out == "$before" ]] || fail "DEL left: $(diff <(echo "$before") <(echo "$out"))"
	# The freed block is given again.
	CONF=$(conf 80) cni ADD c1 > /tmp/out || fail "ADD after DEL: $(cat /tmp/out)"
	mnmapctl -n host map show endpoint c1 | grep "tcp 40000-41023" > /dev/null || fail "$(mnmapctl -n host map show)"
}

# An endpoint, a veth and an interface named as the plugin would name
# them, made by hand: ADD is refused, and the runtime's DEL that follows
# removes nothing, having no state of the plugin's.
test_del_not_added() {
	setup
	ns c4
	local hostif
	hostif=mn$(printf c3 | sha256sum | cut -c1-11)
	ip -n host link add "$hostif" type veth peer name eth0 netns c3
	ip -n host link set "$hostif" up
	mnmapctl -n host endpoint add c3 mac 02:00:00:00:00:33 dev "$hostif"
	mnmapctl -n host map add 198.51.100.20 tcp 80 endpoint c3
	before=$(world)
	CONF=$(conf 82) expect_cni 100 "endpoint c3 already exists" ADD c3
	CONF=$(conf 82) cni DEL c3 > /tmp/out || fail "DEL: $(cat /tmp/out)"
	out=$(world)
	[[ $out == "$before" ]] || fail "DEL removed what ADD did not make: $(diff <(echo "$before") <(echo "$out"))"
}

run_test "VERSION" test_version
run_test "ADD: two containers share an address on different ports, blocks apart, traffic reaches each; CHECK" \
	test_two_containers
run_test "refused requests and a failed ADD change nothing" test_refused
run_test "DEL removes exactly what ADD made, and again is no error" test_del
run_test "DEL after a refused ADD leaves the endpoint and devices someone else made" test_del_not_added
finish
