#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# mnmapctl host set/show: values, JSON, errors, per-namespace isolation and
# permissions.
source "$(dirname "$0")/lib.sh"

setup() {
	ns h1 h2
	ip -n h1 link add up0 type dummy
	ip -n h1 link add vx0 type vxlan external dstport 4789
}

test_set_show() {
	setup
	mnmapctl -n h1 host set uplink up0 vxlan vx0 vtep 192.0.2.1 gateway 192.0.2.254
	out=$(mnmapctl -n h1 host show)
	[[ $out == "uplink up0 vxlan vx0 vtep 192.0.2.1 gateway 192.0.2.254 version "* ]] ||
		fail "unexpected: $out"
	mnmapctl -n h1 host set vtep 2001:db8::1 gateway none
	out=$(mnmapctl -n h1 host show)
	[[ $out == "uplink up0 vxlan vx0 vtep 2001:db8::1 version "* ]] || fail "unexpected: $out"
}

test_json() {
	setup
	mnmapctl -n h1 host set uplink up0 vtep 192.0.2.1
	json=$(mnmapctl -n h1 -j host show)
	[[ $(jq -r .uplink <<< "$json") == up0 ]] || fail "json: $json"
	[[ $(jq -r .vtep <<< "$json") == 192.0.2.1 ]] || fail "json: $json"
	[[ $(jq -r .vxlan <<< "$json") == null ]] || fail "json: $json"
	mnmapctl -n h1 -j -p host show | jq -e . > /dev/null
}

test_errors_change_nothing() {
	setup
	mnmapctl -n h1 host set uplink up0 vtep 192.0.2.1
	before=$(mnmapctl -n h1 host show)
	expect_fail "device 'nope0' does not exist" mnmapctl -n h1 host set uplink nope0
	expect_fail "invalid address '300.1.1.1'" mnmapctl -n h1 host set vtep 300.1.1.1
	expect_fail "unknown keyword 'bogus'" mnmapctl -n h1 host set bogus 1
	expect_fail "vtep needs an address" mnmapctl -n h1 host set vtep
	expect_fail "nothing to set" mnmapctl -n h1 host set
	expect_fail "unknown command 'frob'" mnmapctl -n h1 host frob
	# Valid first pair, bad second: the whole request is refused.
	expect_fail "does not exist" mnmapctl -n h1 host set vtep 192.0.2.9 uplink nope0
	[[ $(mnmapctl -n h1 host show) == "$before" ]] || fail "a rejected request changed state"
}

test_netns_isolation() {
	setup
	mnmapctl -n h1 host set uplink up0 vtep 192.0.2.1
	out=$(mnmapctl -n h2 host show)
	[[ $out == "version "* ]] || fail "h2 sees h1's state: $out"
}

test_needs_cap_net_admin() {
	setup
	expect_fail "Operation not permitted" \
		ip netns exec h1 setpriv --reuid=nobody --regid=nogroup --clear-groups \
		mnmapctl host set vtep 192.0.2.7
	# Reading needs no privilege.
	ip netns exec h1 setpriv --reuid=nobody --regid=nogroup --clear-groups \
		mnmapctl host show > /dev/null
}

test_notification() {
	setup
	modprobe mnmap
	ip netns exec h1 mnmapctl monitor > /tmp/monitor.out 2>&1 &
	pid=$!
	sleep 1
	mnmapctl -n h1 host set vtep 192.0.2.3
	mnmapctl -n h2 host set vtep 192.0.2.4
	sleep 1
	kill $pid
	grep -q "host vtep 192.0.2.3" /tmp/monitor.out || fail "no event: $(cat /tmp/monitor.out)"
	! grep -q 192.0.2.4 /tmp/monitor.out || fail "event from another namespace"
}

run_test "set and show" test_set_show
run_test "JSON output" test_json
run_test "bad input is refused and changes nothing" test_errors_change_nothing
run_test "namespaces are isolated" test_netns_isolation
run_test "changes need CAP_NET_ADMIN" test_needs_cap_net_admin
run_test "changes are announced on the events group" test_notification
finish
