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

# Every command, each request with one mutation that makes it invalid,
# aimed at the stable service's own maps and endpoints (so a wrong
# success would delete, move or replace them): all refused, and the
# configuration is exactly what it was.
test_netlink_invalid() {
	stable_topology
	before=$(saved_config host)
	for seed in $FUZZ_SEEDS; do
		in_ns host "$HERE/nlfuzz.py" --mode invalid --seed "$seed" --count "$(count 600)" \
			--dev eth0 --dev h-c1 --dev h-c2 --endpoint c1 --endpoint c2 --endpoint c3 \
			--addr "$SHARED" --addr "$SHARED6" \
			--map "$SHARED tcp 80 c1" --map "$SHARED6 tcp 80 c1" \
			--map "$SHARED tcp 20000 c1" --map "$SHARED icmp" ||
			fail "seed $seed: the kernel accepted an invalid request"
	done
	[[ $(saved_config host) == "$before" ]] ||
		fail "refused requests changed the configuration: $(diff <(echo "$before") /tmp/save.host)"
	still_serving
}

# Random mutations of additions, gets, dumps and uncommitted transactions
# on the live namespace: they may add maps and endpoints of their own
# (10/8, fd00::/8), but what was there stays and serves. A transaction a
# fuzzing socket left open is dropped with the socket.
test_netlink_safe() {
	stable_topology
	mnmapctl -n host save | grep -v '^flush' | sort > /tmp/before
	for seed in $FUZZ_SEEDS; do
		in_ns host "$HERE/nlfuzz.py" --mode safe --seed "$seed" --count "$(count 800)" \
			--dev h-c1 --dev h-c3 --endpoint c1 --endpoint c3
	done
	# No transaction outlives its socket: another writer gets in.
	mnmapctl -n host map add 203.0.113.99 udp 9 endpoint c3
	saved_config host > /dev/null
	mnmapctl -n host save | grep -v '^flush' | sort > /tmp/after
	missing=$(comm -23 /tmp/before /tmp/after)
	[[ -z $missing ]] || fail "the fuzz removed: $missing"
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
test_netlink_any() {
	stable_topology
	scratch_ns fz
	for seed in $FUZZ_SEEDS; do
		in_ns fz "$HERE/nlfuzz.py" --mode any --seed "$seed" --count "$(count 1500)" \
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
	still_serving
}

run_test "netlink: single invalid mutations of every command are refused" test_netlink_invalid
run_test "netlink: random additions and gets on a live namespace" test_netlink_safe
run_test "netlink: anything on a scratch namespace" test_netlink_any
finish
