# SPDX-License-Identifier: GPL-2.0
#
# Helpers for mnmap's kernel selftests. Each test file sources this, calls
# run_test for each case and ends with finish. Output is TAP: one
# "ok N - FILE: CASE" or "not ok N - FILE: CASE" per case, with the failing
# case's output as "# " comments. A case fails when its function fails (it
# runs under set -e) or when the kernel logs a splat while it runs.

MNMAP_TOP=${MNMAP_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
TEST_FILE=$(basename "$0" .sh)
TEST_NUM=0
TEST_FAILED=0
SPLAT='BUG:|WARNING:|Oops|KASAN|UBSAN|kernel BUG|general protection|possible recursive locking|possible circular locking|suspicious RCU usage|missing module BTF|Call Trace:|refcount_t:|list_(add|del) corruption|hw csum failure'

# netns_procs: the processes that live in another network namespace than
# ours: what a case left running in its namespaces (servers, floods).
netns_procs() {
	local p
	# -ef: the same namespace (device and inode), without a process per test.
	for p in /proc/[0-9]*; do
		[[ -e $p/ns/net && ! $p/ns/net -ef /proc/$BASHPID/ns/net ]] && echo "${p#/proc/}"
	done
	return 0
}

# Remove every namespace and unload mnmap: each case starts from nothing.
# What a case left running in its namespaces goes first: it would keep
# them, their devices and timers alive, and the VM slow down file after file.
cleanup_all() {
	kill -9 $(netns_procs) 2> /dev/null || true
	ip -all netns delete 2>/dev/null || true
	if [[ -d /sys/module/mnmap ]]; then
		rmmod mnmap
	fi
}

fail() {
	echo "FAIL: $*" >&2
	return 1
}

# expect_fail MESSAGE-REGEX CMD...: CMD must fail and say MESSAGE on stderr.
expect_fail() {
	local want=$1 out
	shift
	if out=$("$@" 2>&1); then
		fail "'$*' succeeded, expected an error matching '$want'"
	fi
	if ! grep -Eq -- "$want" <<< "$out"; then
		fail "'$*' said '$out', expected '$want'"
	fi
}

# skip REASON: end the case here as skipped (TAP "# SKIP REASON"), for a
# case that does not apply to what is under test.
skip() {
	echo "$*" > "$TEST_SKIP"
	exit 0
}

# run_test NAME FUNCTION: one case. TEST_ONLY=REGEX runs only the cases
# whose name matches (for development; make check runs them all).
run_test() {
	local name=$1 fn=$2 log rc before start=$SECONDS
	[[ -z ${TEST_ONLY:-} || $name =~ $TEST_ONLY ]] || return 0
	TEST_NUM=$((TEST_NUM + 1))
	log=$(mktemp)
	TEST_SKIP=$(mktemp -u)
	before=$(dmesg | wc -l)
	(
		set -eE -o pipefail
		trap 'echo "failed at line $LINENO: $BASH_COMMAND" >&2' ERR
		"$fn"
	) > "$log" 2>&1
	rc=$?
	if ((rc == 0)) && ! cleanup_all >> "$log" 2>&1; then
		echo "cleanup failed (module would not unload?)" >> "$log"
		rc=1
	fi
	cleanup_all > /dev/null 2>&1
	if dmesg | tail -n +"$((before + 1))" | grep -Eq "$SPLAT"; then
		echo "kernel splat during this test:" >> "$log"
		dmesg | tail -n +"$((before + 1))" | grep -E -A12 "$SPLAT" | head -40 >> "$log"
		rc=1
	fi
	if ((rc == 0)) && [[ -s $TEST_SKIP ]]; then
		echo "ok $TEST_NUM - $TEST_FILE: $name # SKIP $(cat "$TEST_SKIP")"
	elif ((rc == 0)); then
		echo "ok $TEST_NUM - $TEST_FILE: $name"
	else
		echo "not ok $TEST_NUM - $TEST_FILE: $name"
		sed 's/^/# /' "$log"
		TEST_FAILED=$((TEST_FAILED + 1))
	fi
	echo "# $((SECONDS - start))s"
	rm -f "$log" "$TEST_SKIP"
}

finish() {
	echo "1..$TEST_NUM"
	((TEST_FAILED == 0)) && exit 0 || exit 1
}

# ns NAME...: create fresh network namespaces with loopback up.
ns() {
	for n in "$@"; do
		ip netns add "$n"
		ip -n "$n" link set lo up
	done
}

# Run in a namespace.
in_ns() {
	local n=$1
	shift
	ip netns exec "$n" "$@"
}

# The outside: a client (192.0.2.2, 2001:db8:c::2) behind the provider's
# router (.1, ::1), which forwards; the topologies add the hosts.
client_and_router() {
	ip -n client link add eth0 type veth peer name r-client netns router
	ip -n client addr add 192.0.2.2/24 dev eth0
	ip -n client addr add 2001:db8:c::2/64 dev eth0 nodad
	ip -n client link set eth0 up
	ip -n client route add default via 192.0.2.1
	ip -n client route add default via 2001:db8:c::1
	ip -n router addr add 192.0.2.1/24 dev r-client
	ip -n router addr add 2001:db8:c::1/64 dev r-client nodad
	ip -n router link set r-client up
	in_ns router sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
}

# serve NS PORT: a TCP server (both families) that answers every
# connection with NS's name.
serve() {
	in_ns "$1" ncat -lk -p "$2" -c "echo $1" &
}

# who NS ADDR PORT: the name of the container that answers NS there.
who() {
	in_ns "$1" ncat -w 3 --recv-only "$2" "$3" 2>/dev/null || true
}

wait_port() {
	for _ in $(seq 50); do
		in_ns "$1" ss -ltn | grep ":$2 " > /dev/null && return 0
		sleep 0.1
	done
	return 1
}

# udp_listen NS PORT FILE: write the size of each datagram to PORT into FILE.
udp_listen() {
	in_ns "$1" /usr/bin/python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.bind(("::", int(sys.argv[1])))
while True:
    print(len(s.recv(65536)), flush=True)' "$2" > "$3" &
}

# udp_send NS ADDR PORT SIZE: one datagram of SIZE bytes (fragmented by
# the sender when larger than the MTU).
udp_send() {
	in_ns "$1" /usr/bin/python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET, socket.SOCK_DGRAM)
s.sendto(b"x" * int(sys.argv[3]), (sys.argv[1], int(sys.argv[2])))' "$2" "$3" "$4"
}

cleanup_all

# watch NAME MATCH...: the router counts what it forwards that matches.
watch() {
	local name=$1
	shift
	in_ns router nft list table inet seen > /dev/null 2>&1 ||
		in_ns router nft -f - <<< 'table inet seen { chain counted { type filter hook forward priority -10; }; }'
	in_ns router nft add rule inet seen counted "$@" counter comment "\"$name\""
}

# seen NAME: how many packets the router forwarded that NAME's rule matched.
seen() {
	in_ns router nft -j list chain inet seen counted |
		jq --arg c "$1" '[.nftables[].rule? | select(.comment? == $c) | .expr[].counter?.packets | numbers] | add // 0'
}

# ns_stat NS COUNTER: a counter of NS's mnmap namespace (drop_spoofed...).
ns_stat() {
	mnmapctl -n "$1" -j stats show | jq ".namespace.stats.$2"
}

# mac_of NS IFNAME: the device's MAC.
mac_of() {
	ip -n "$1" -j link show "$2" | jq -r '.[0].address'
}
