#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Namespaces and privileges: each namespace sees its own table only;
# changes need CAP_NET_ADMIN; a namespace or the module can go with a full
# table; writers and dumpers can run at once.
source "$(dirname "$0")/lib.sh"

fill() {
	local n=$1 count=$2
	{
		echo "endpoint add e$n mac 02:00:00:00:00:0$n vtep 192.0.2.$n"
		for ((i = 1; i <= count; i++)); do
			echo "map add 198.51.100.$n tcp $i endpoint e$n"
		done
		echo "map add 198.51.100.$n udp 1024-65535 endpoint e$n"
	} > /tmp/fill$n
	mnmapctl -n "h$n" -b /tmp/fill$n
}

test_isolation() {
	ns h1 h2
	fill 1 100
	fill 2 50
	[[ $(mnmapctl -n h1 -j map show | jq length) == 101 ]] || fail "h1"
	[[ $(mnmapctl -n h2 -j map show | jq length) == 51 ]] || fail "h2"
	[[ -z $(mnmapctl -n h2 map show endpoint e1) ]] || fail "h2 sees e1"
	expect_fail "no such endpoint" mnmapctl -n h2 map add 198.51.100.9 tcp 1 endpoint e1
	mnmapctl -n h1 map flush
	[[ $(mnmapctl -n h2 -j map show | jq length) == 51 ]] || fail "flush crossed namespaces"
}

test_permissions() {
	ns h1
	fill 1 3
	nobody() { ip netns exec h1 setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }
	expect_fail "Operation not permitted" nobody mnmapctl endpoint add x mac 02:00:00:00:00:09 vtep 192.0.2.9
	expect_fail "Operation not permitted" nobody mnmapctl map add 198.51.100.1 tcp 99 endpoint e1
	expect_fail "Operation not permitted" nobody mnmapctl map del 198.51.100.1 tcp 1
	expect_fail "Operation not permitted" nobody mnmapctl map flush
	expect_fail "Operation not permitted" nobody mnmapctl flush
	expect_fail "Operation not permitted" nobody mnmapctl endpoint del e1
	[[ $(nobody mnmapctl -j map show | jq length) == 4 ]] || fail "reading needs no privilege"
}

# In a user namespace that owns the network namespace, its root may write.
test_user_namespace_admin() {
	unshare --user --map-root-user --net bash -c '
		mnmapctl endpoint add u mac 02:00:00:00:00:09 vtep 192.0.2.9 &&
		mnmapctl map add 198.51.100.1 tcp 80 endpoint u &&
		[[ $(mnmapctl map show) == "198.51.100.1 tcp 80 endpoint u weight 1" ]]'
}

test_netns_delete_with_full_table() {
	ns h1 h2 h3
	fill 1 3000
	fill 2 1000
	fill 3 10
	mnmapctl -n h3 map flush
	ip netns delete h1
	ip netns delete h2
	[[ $(mnmapctl -n h3 -j endpoint show | jq length) == 1 ]] || fail "h3 lost its endpoint"
}

test_rmmod_with_full_table() {
	ns h1 h2
	fill 1 2000
	fill 2 2000
	rmmod mnmap
	[[ ! -d /sys/module/mnmap ]] || fail "still loaded"
}

test_concurrent_writers_and_dumpers() {
	ns h1
	fill 1 500
	writer() {
		for ((r = 0; r < 15; r++)); do
			mnmapctl -n h1 map add 203.0.113.$1 tcp 1-100 endpoint e1
			mnmapctl -n h1 map add 203.0.113.$1 udp 7 endpoint e1
			mnmapctl -n h1 map del 203.0.113.$1 tcp 1-100
			mnmapctl -n h1 map del 203.0.113.$1 udp 7
		done
	}
	dumper() {
		for ((r = 0; r < 15; r++)); do
			n=$(mnmapctl -n h1 -j map show | jq length)
			((n >= 501 && n <= 505)) || { echo "dump saw $n maps"; return 1; }
		done
	}
	writer 1 & w1=$!
	writer 2 & w2=$!
	dumper & d1=$!
	dumper & d2=$!
	for pid in $w1 $w2 $d1 $d2; do
		wait $pid || fail "a writer or dumper failed"
	done
	[[ $(mnmapctl -n h1 -j map show | jq length) == 501 ]] || fail "final table"
}

run_test "namespaces see only their own tables" test_isolation
run_test "changes need CAP_NET_ADMIN; reads do not" test_permissions
run_test "root of a user namespace administers its network namespace" test_user_namespace_admin
run_test "deleting namespaces with full tables" test_netns_delete_with_full_table
run_test "rmmod with full tables" test_rmmod_with_full_table
run_test "writers and dumpers at once" test_concurrent_writers_and_dumpers
finish
