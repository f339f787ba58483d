#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# mnmapctl container setup/teardown: what it configures inside a
# container's namespace, that it is idempotent and follows the endpoint's
# maps, that teardown restores the namespace, and that bad input changes
# nothing.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/topo-single-host.sh"
# Under pipefail, "cmd | grep -q" fails when grep quits before cmd wrote
# everything; grep > /dev/null reads it all.

# state NS: everything setup may touch, as text, without what the kernel
# adds by itself when a link comes up (link-local addresses and routes).
state() {
	ip -n "$1" -4 rule show
	ip -n "$1" -6 rule show
	ip -n "$1" -o addr show | grep -v "scope link" || true
	ip -n "$1" -4 route show | grep -v "proto kernel" || true
	ip -n "$1" -6 route show | grep -v "proto kernel" || true
	in_ns "$1" sysctl -n net.ipv4.ip_local_port_range
}

# A bare container: a veth to the host, nothing configured inside.
bare() {
	ns host c1
	ip -n host link add h-c1 type veth peer name eth0 netns c1
	ip -n host link set h-c1 up
	ip -n c1 link set eth0 address 02:00:00:00:00:01
	mnmapctl -n host endpoint add c1 mac 02:00:00:00:00:01 dev h-c1
	mnmapctl -n host map add 198.51.100.10 tcp 80 endpoint c1
	mnmapctl -n host map add 198.51.100.10 tcp 20000-29999 endpoint c1
	mnmapctl -n host map add 198.51.100.10 udp 20000-29999 endpoint c1
	mnmapctl -n host map add 198.51.100.10 tcp 5000-5099 endpoint c1
	mnmapctl -n host map add 2001:db8::10 tcp 80 endpoint c1
}

test_setup_configures() {
	bare
	mnmapctl -n host container setup c1 endpoint c1
	ip -n c1 -j link show eth0 | jq -e '.[0].flags | index("UP")' > /dev/null || fail "eth0 is down"
	ip -n c1 -4 addr show dev eth0 | grep "inet 198.51.100.10/32" > /dev/null || fail "no IPv4 address"
	ip -n c1 -6 addr show dev eth0 | grep "inet6 2001:db8::10/128" > /dev/null || fail "no IPv6 address"
	[[ $(ip -n c1 -4 route show default) == "default via 169.254.1.1 dev eth0 proto 233 "* ]] ||
		fail "IPv4 default route: $(ip -n c1 -4 route show default)"
	ip -n c1 -6 route show default | grep "default via fe80::1 dev eth0 proto 233" > /dev/null ||
		fail "IPv6 default route: $(ip -n c1 -6 route show default)"
	rules=$(ip -n c1 -4 rule show)
	for want in "^1000:.*iif eth0 lookup local proto 233" \
		"^1001:.*to 198.51.100.10 ipproto tcp dport 80 lookup local proto 233" \
		"^1001:.*to 198.51.100.10 ipproto tcp dport 20000-29999 lookup local proto 233" \
		"^1001:.*to 198.51.100.10 ipproto udp dport 20000-29999 lookup local proto 233" \
		"^1002:.*to 198.51.100.10 lookup main proto 233" \
		"^1003:.*lookup local proto 233"; do
		grep -Eq "$want" <<< "$rules" || fail "no rule '$want' in: $rules"
	done
	! grep -q "^0:" <<< "$rules" || fail "the local rule is still at 0: $rules"
	ip -n c1 -6 rule show | grep "^1001:.*to 2001:db8::10 ipproto tcp dport 80 lookup local" > /dev/null ||
		fail "IPv6 rules: $(ip -n c1 -6 rule show)"
	# The block UDP owns too wins over a TCP-only range.
	[[ $(in_ns c1 sysctl -n net.ipv4.ip_local_port_range) == $'20000\t29999' ]] ||
		fail "port range $(in_ns c1 sysctl -n net.ipv4.ip_local_port_range)"
}

test_setup_is_idempotent_and_follows_maps() {
	bare
	mnmapctl -n host container setup c1 endpoint c1
	first=$(state c1)
	mnmapctl -n host container setup c1 endpoint c1
	[[ $(state c1) == "$first" ]] || fail "a second setup changed: $(diff <(echo "$first") <(state c1))"
	# The endpoint's maps change: setup follows.
	mnmapctl -n host map del 2001:db8::10 tcp 80 endpoint c1
	mnmapctl -n host map del 198.51.100.10 tcp 80 endpoint c1
	mnmapctl -n host map add 198.51.100.11 udp 53 endpoint c1
	mnmapctl -n host container setup c1 endpoint c1
	! ip -n c1 addr show | grep 2001:db8::10 > /dev/null || fail "the IPv6 address stayed"
	ip -n c1 addr show | grep "198.51.100.11/32" > /dev/null || fail "no new address"
	! ip -n c1 rule show | grep "dport 80 " > /dev/null || fail "the rule for port 80 stayed"
	ip -n c1 rule show | grep "to 198.51.100.11 ipproto udp dport 53 lookup local" > /dev/null ||
		fail "no rule for the new map: $(ip -n c1 rule show)"
}

test_teardown_restores() {
	bare
	before=$(state c1)
	mnmapctl -n host container setup c1 endpoint c1
	mnmapctl -n host container teardown c1
	# Setup brought the link up (and left it up); everything else is as it was.
	[[ $(state c1) == "$before" ]] || fail "teardown left: $(diff <(echo "$before") <(state c1))"
	mnmapctl -n host container teardown c1
	[[ $(state c1) == "$before" ]] || fail "a second teardown changed something"
	# An address the administrator added stays.
	ip -n c1 addr add 10.1.1.1/24 dev eth0
	mnmapctl -n host container setup c1 endpoint c1
	mnmapctl -n host container teardown c1
	ip -n c1 addr show dev eth0 | grep 10.1.1.1/24 > /dev/null || fail "teardown removed a foreign address"
}

test_bad_input_changes_nothing() {
	bare
	ns c2
	before=$(state c1)
	expect_fail "no such endpoint" mnmapctl -n host container setup c1 endpoint nobody
	expect_fail "cannot enter network namespace 'nowhere'" mnmapctl -n host container setup nowhere endpoint c1
	expect_fail "invalid endpoint name" mnmapctl -n host container setup c1 endpoint 'a b'
	expect_fail "usage: container setup NETNS endpoint NAME" mnmapctl -n host container setup c1
	expect_fail "usage: container setup NETNS endpoint NAME" mnmapctl -n host container setup c1 ep c1
	expect_fail "usage: container teardown NETNS" mnmapctl -n host container teardown
	expect_fail "unknown command 'start'" mnmapctl -n host container start c1
	# Nothing in c2 has the endpoint's MAC.
	expect_fail "no interface with the endpoint's MAC 02:00:00:00:00:01" \
		mnmapctl -n host container setup c2 endpoint c1
	mnmapctl -n host endpoint add lonely mac 02:00:00:00:00:07 dev h-c1
	expect_fail "endpoint 'lonely' has no maps" mnmapctl -n host container setup c1 endpoint lonely
	[[ $(state c1) == "$before" ]] || fail "a refused setup changed c1"
	[[ -z $(ip -n c2 rule show | grep 233) ]] || fail "a refused setup changed c2"
}

# A batch adds the maps and sets the container up from them; a batch that
# fails leaves the container as it was.
test_setup_in_a_batch() {
	bare
	mnmapctl -n host flush
	cat > /tmp/cb <<-EOT
	endpoint add c1 mac 02:00:00:00:00:01 dev h-c1
	container setup c1 endpoint c1
	map add 198.51.100.30 tcp 80 endpoint c1
	host set uplink h-c1
	EOT
	before=$(state c1)
	{ cat /tmp/cb; echo "map add 198.51.100.31 tcp 80 endpoint nobody"; } > /tmp/cb-bad
	expect_fail "/tmp/cb-bad:5: mnmap: no such endpoint" mnmapctl -n host -b /tmp/cb-bad
	[[ $(state c1) == "$before" ]] || fail "a failed batch set the container up"
	mnmapctl -n host -b /tmp/cb
	ip -n c1 addr show dev eth0 | grep "198.51.100.30/32" > /dev/null || fail "no address"
	# What came after the container line ran in the host's namespace.
	[[ $(mnmapctl -n host -j host show | jq -r .uplink) == h-c1 ]] ||
		fail "host set after the container line: $(mnmapctl -n host host show)"
}

# The namespace can be given as a path, as orchestrators know it by PID.
test_setup_by_path() {
	bare
	mnmapctl -n host container setup /run/netns/c1 endpoint c1
	ip -n c1 addr show dev eth0 | grep "198.51.100.10/32" > /dev/null || fail "no address"
}

run_test "setup configures addresses, routes, rules and the port block" test_setup_configures
run_test "setup is idempotent and follows the endpoint's maps" test_setup_is_idempotent_and_follows_maps
run_test "teardown restores the namespace" test_teardown_restores
run_test "bad input is refused and changes nothing" test_bad_input_changes_nothing
run_test "the namespace may be a path" test_setup_by_path
run_test "in a batch, setup runs after the maps it reads are committed" test_setup_in_a_batch
finish
