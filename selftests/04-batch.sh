#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Batches, save/restore and transactions: a batch is all or nothing and
# names its failing line; save -> flush -> restore round-trips exactly; a
# restore replaces the table in one step, so traffic (and dumps) never see
# half of it; another socket's open transaction blocks writers and dies
# with its socket.
source "$(dirname "$0")/lib.sh"
NLRAW="$MNMAP_TOP/selftests/nlraw.py"

m() { mnmapctl -n h "$@"; }

setup() {
	ns h
	ip -n h link add c1 type veth peer name c1p
	ip -n h link add up0 type dummy
}

# A batch of N maps on distinct ports of ADDR for endpoint EP.
gen_maps() {
	local addr=$1 n=$2 ep=$3
	for ((i = 1; i <= n; i++)); do
		echo "map add $addr tcp $i endpoint $ep"
	done
}

test_round_trip() {
	setup
	cat > /tmp/b1 <<-EOT
	host set uplink up0 vtep 192.0.2.1
	endpoint add a mac 02:00:00:00:00:01 dev c1
	endpoint add b mac 02:00:00:00:00:02 vtep 192.0.2.2 vni 7
	map add 198.51.100.1 tcp 80 endpoint a weight 2
	map add 198.51.100.1 tcp 80 endpoint b weight 5
	map add 198.51.100.1 tcp 20000-20999 endpoint a
	map add 198.51.100.1 icmp endpoint b
	map add 2001:db8::5 udp 53 endpoint b tenant 7
	EOT
	gen_maps 198.51.100.2 500 a >> /tmp/b1
	m -b /tmp/b1
	m save > /tmp/saved
	[[ $(grep -c "^map add" /tmp/saved) == 505 ]] || fail "save: $(head /tmp/saved)"
	m flush
	[[ $(m -j map show) == "[]" && $(m -j endpoint show) == "[]" ]] || fail "flush"
	m host set uplink none vtep none
	m -b /tmp/saved
	diff <(m save) /tmp/saved || fail "restore differs from save"
	# Restoring over a different table replaces it exactly.
	m map add 198.51.100.9 tcp 9 endpoint a
	m -b /tmp/saved
	diff <(m save) /tmp/saved || fail "restore over a changed table differs"
}

test_failing_batch_changes_nothing() {
	setup
	m endpoint add a mac 02:00:00:00:00:01 dev c1
	m map add 198.51.100.1 tcp 80 endpoint a
	before=$(m save)
	# Fails in the kernel on line 1003: nothing of lines 1-1002 stays.
	{ gen_maps 198.51.100.3 1000 a; echo "endpoint add z mac 02:00:00:00:00:09 dev c1"
	  echo "map add 198.51.100.1 tcp 80 endpoint z"; echo "map add 198.51.100.4 tcp 1 endpoint nobody"; } > /tmp/b2
	expect_fail "/tmp/b2:1003: mnmap: no such endpoint" m -b /tmp/b2
	[[ $(m save) == "$before" ]] || fail "a failed batch changed the table"
	# A syntax error: found before anything is sent.
	printf 'endpoint add y mac 02:00:00:00:00:08 dev c1\nmap add 198.51.100.1 tcp 99999 endpoint y\n' > /tmp/b3
	expect_fail "/tmp/b3:2: map add: invalid port '99999'" m -b /tmp/b3
	[[ $(m save) == "$before" ]] || fail "a batch with a bad line changed the table"
	# flush only at the start.
	printf 'endpoint add y mac 02:00:00:00:00:08 dev c1\nflush\n' > /tmp/b4
	expect_fail "/tmp/b4:2: flush must come before" m -b /tmp/b4
	printf 'map add 198.51.100.1 tcp 81 endpoint a\n' | m -b -
	[[ $(m map show 198.51.100.1 tcp 81) ]] || fail "batch from stdin"
}

# has LINE: whether the saved table has that line.
has() { grep -qxF -- "$1" /tmp/now; }

# A batch that does not start with flush changes the live table: it sees
# what is there and leaves what it does not name. One batch may delete an
# endpoint with its maps and make it again, or flush the maps.
test_batch_onto_live_table() {
	setup
	m endpoint add a mac 02:00:00:00:00:01 dev c1
	m endpoint add b mac 02:00:00:00:00:02 vtep 192.0.2.2
	m map add 198.51.100.1 tcp 80 endpoint a
	m map add 198.51.100.1 tcp 80 endpoint b
	m map add 198.51.100.1 tcp 20000-20999 endpoint a
	gen_maps 198.51.100.2 300 b | m -b -
	cat > /tmp/b5 <<-EOT
	map del 198.51.100.1 tcp 80 endpoint a
	map del 198.51.100.1 tcp 20000-20999
	map add 198.51.100.1 tcp 20000-20499 endpoint b
	endpoint set a vtep 192.0.2.9
	endpoint add c mac 02:00:00:00:00:03 vtep 192.0.2.3
	map add 198.51.100.1 tcp 80 endpoint c
	EOT
	m -b /tmp/b5
	m save > /tmp/now
	has "endpoint add a mac 02:00:00:00:00:01 vtep 192.0.2.9" || fail "a not moved: $(grep endpoint /tmp/now)"
	has "map add 198.51.100.1 tcp 80 endpoint b weight 1" && has "map add 198.51.100.1 tcp 80 endpoint c weight 1" &&
		has "map add 198.51.100.1 tcp 20000-20499 endpoint b" || fail "maps: $(grep -v 198.51.100.2 /tmp/now)"
	[[ $(grep -c "endpoint a\( weight 1\)\?$" /tmp/now) == 0 && $(grep -c "^map add 198.51.100.2 " /tmp/now) == 300 ]] ||
		fail "$(grep -c "endpoint a\( weight 1\)\?$" /tmp/now) maps of a, $(grep -c "^map add 198.51.100.2 " /tmp/now) of 300"
	printf 'endpoint del b\nendpoint add b mac 02:00:00:00:00:04 vtep 192.0.2.4\nmap add 198.51.100.3 udp 53 endpoint b\n' |
		m -f -b -
	m save > /tmp/now
	has "endpoint add b mac 02:00:00:00:00:04 vtep 192.0.2.4" && has "map add 198.51.100.3 udp 53 endpoint b weight 1" &&
		has "map add 198.51.100.1 tcp 80 endpoint c weight 1" || fail "after b made again: $(cat /tmp/now)"
	[[ $(grep -c "^map add" /tmp/now) == 2 ]] || fail "b's old maps left: $(grep "^map add" /tmp/now | head)"
	printf 'map flush\nmap add 198.51.100.4 tcp 1 endpoint a\n' | m -b -
	[[ $(m -j map show | jq -c 'map([.addr, .port])') == '[["198.51.100.4",1]]' &&
		$(m -j endpoint show | jq length) == 3 ]] || fail "flush in a batch: $(m save)"
}

test_check_only() {
	setup
	m endpoint add a mac 02:00:00:00:00:01 dev c1
	before=$(m save)
	{ echo "endpoint add b mac 02:00:00:00:00:02 dev c1"; gen_maps 198.51.100.5 300 b
	  echo "host set uplink up0"; echo "container setup nowhere endpoint b"; } > /tmp/c1
	m -c -b /tmp/c1
	[[ $(m save) == "$before" ]] || fail "-c applied something"
	printf 'map add 198.51.100.1 tcp 80 endpoint a\nmap add 198.51.100.1 tcp 80 endpint a\n' > /tmp/c2
	expect_fail "/tmp/c2:2: " m -c -b /tmp/c2
	expect_fail "use it with -b FILE alone" m -c map show
	# monitor never ends: no batch may hold one.
	printf 'map add 198.51.100.1 tcp 80 endpoint a\nmonitor\n' > /tmp/c3
	expect_fail "/tmp/c3:2: monitor cannot run in a batch" m -b /tmp/c3
	[[ $(m save) == "$before" ]] || fail "a batch with monitor changed the table"
}

# The table is swapped whole: a dumper sees N maps or M, never a mix.
test_restore_is_atomic() {
	setup
	m endpoint add a mac 02:00:00:00:00:01 dev c1
	{ echo flush; echo "endpoint add a mac 02:00:00:00:00:01 dev c1"; gen_maps 198.51.100.1 3000 a; } > /tmp/big1
	{ echo flush; echo "endpoint add a mac 02:00:00:00:00:01 dev c1"; gen_maps 198.51.100.2 2000 a; } > /tmp/big2
	m -b /tmp/big1
	( for i in 1 2 3; do m -b /tmp/big2; m -b /tmp/big1; done ) &
	writer=$!
	while kill -0 $writer 2>/dev/null; do
		n=$(m -j map show | jq length)
		[[ $n == 3000 || $n == 2000 ]] || fail "a dump saw $n maps: half a table"
	done
	wait $writer
}

# hold_txn SECONDS [commit]: a socket of its own opens a transaction in h
# and holds it (nlraw.py --hold-txn); its pid in $holder, its output in
# /tmp/hold. Returns once the transaction is open.
hold_txn() {
	ip netns exec h "$NLRAW" --hold-txn "$@" > /tmp/hold &
	holder=$!
	for _ in $(seq 100); do
		[[ -s /tmp/hold ]] && break
		sleep 0.1
	done
	grep -q ok /tmp/hold || fail "could not open a transaction: $(cat /tmp/hold)"
}

test_other_transaction_blocks() {
	setup
	m endpoint add a mac 02:00:00:00:00:01 dev c1
	hold_txn 6
	expect_fail "another socket has a transaction open" m map add 198.51.100.1 tcp 80 endpoint a
	expect_fail "a transaction is already open" m flush
	wait $holder
	# Its socket closed: the transaction went with it.
	m map add 198.51.100.1 tcp 80 endpoint a
	[[ $(m map show) ]] || fail "map not added after the transaction ended"
}

# An owner that leaves its transaction idle past txn_idle_timeout (a
# module parameter, the initial namespace's) does not block the others:
# the next writer aborts it. The owner's next change is refused, not made
# live: its batch was to land whole or not at all.
test_idle_transaction_yields() {
	setup
	m endpoint add a mac 02:00:00:00:00:01 dev c1
	echo 4 > /sys/module/mnmap/parameters/txn_idle_timeout
	# Idle past the timeout, and long enough that the second writer comes
	# in between even on a slow (debug, TCG) kernel.
	hold_txn 15 "then(req('MAP_NEW', nest('MAP', ip('MAP_ADDR_IPV4', '198.51.100.1'),
		u8('MAP_PROTO', 6), u16('MAP_PORT_FIRST', 81), s('MAP_ENDPOINT', 'a'))), req('TXN_COMMIT'))"
	expect_fail "another socket has a transaction open" m map add 198.51.100.1 tcp 80 endpoint a
	sleep 5
	m map add 198.51.100.1 tcp 80 endpoint a
	wait $holder && fail "the idle owner's change went through: $(cat /tmp/hold)"
	grep -q "transaction aborted: idle longer than txn_idle_timeout" /tmp/hold || fail "the idle owner was told: $(cat /tmp/hold)"
	m -j map show | jq -e 'map(.port) | index(80) != null' > /dev/null || fail "map 80 not added: $(m map show)"
	m -j map show | jq -e 'map(.port) | index(81) == null' > /dev/null ||
		fail "the aborted owner's change went live: $(m map show)"
}

# What a request inside a transaction replies: the endpoint as the
# transaction leaves it, its maps counted with the staged changes.
test_replies_inside_transaction() {
	setup
	m endpoint add a mac 02:00:00:00:00:01 dev c1
	m map add 198.51.100.1 tcp 80 endpoint a
	local map="ip('MAP_ADDR_IPV4', '198.51.100.1'), u8('MAP_PROTO', 6)"
	local set="req('ENDPOINT_SET', nest('ENDPOINT', s('ENDPOINT_NAME', 'a'), raw('ENDPOINT_MAC', '020000000009')))"
	got=$(ip netns exec h "$NLRAW" "then(req('TXN_BEGIN'),
		req('MAP_NEW', nest('MAP', $map, u16('MAP_PORT_FIRST', 81), s('MAP_ENDPOINT', 'a'))),
		$set, shown('ENDPOINT', 'ENDPOINT_USERS'))")
	[[ $got == "ok: 2" ]] || fail "set after a staged map add: $got, not 'ok: 2'"
	got=$(ip netns exec h "$NLRAW" "then(req('TXN_BEGIN'),
		req('MAP_DEL', nest('MAP', $map, u16('MAP_PORT_FIRST', 80))),
		$set, shown('ENDPOINT', 'ENDPOINT_USERS'))")
	[[ $got == "ok: 0" ]] || fail "set after a staged map delete: $got, not 'ok: 0'"
	# Both transactions died with their sockets: nothing changed.
	[[ $(m -j endpoint show | jq -c '.[] | [.mac, .users]') == '["02:00:00:00:00:01",1]' ]] ||
		fail "an aborted transaction changed the endpoint: $(m -j endpoint show)"
}

run_test "save, flush, restore round-trips exactly" test_round_trip
run_test "a failing batch names its line and changes nothing" test_failing_batch_changes_nothing
run_test "a batch changes the live table: what it names, nothing else" test_batch_onto_live_table
run_test "-c checks a batch and applies nothing" test_check_only
run_test "a restore swaps the whole table at once" test_restore_is_atomic
run_test "an open transaction blocks other writers and dies with its socket" test_other_transaction_blocks
run_test "inside a transaction, replies show what its commit will leave" test_replies_inside_transaction
run_test "an idle transaction yields to other writers after txn_idle_timeout" test_idle_transaction_yields
finish
