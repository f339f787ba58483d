#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Endpoints and maps through mnmapctl: every command, text and JSON, and
# bad input refused with a clear message that leaves the table unchanged,
# both through mnmapctl and through hand-made netlink requests (nlraw.py)
# that only the kernel's validation stands in front of.
source "$(dirname "$0")/lib.sh"
NLRAW="$MNMAP_TOP/selftests/nlraw.py"

setup() {
	ns h
	ip -n h link add c1 type veth peer name c1p
	ip -n h link add c2 type veth peer name c2p
	m() { mnmapctl -n h "$@"; }
	m endpoint add web1 mac 02:00:00:00:00:01 dev c1
	m endpoint add web2 mac 02:00:00:00:00:02 dev c2
	m endpoint add far mac 02:00:00:00:00:03 vtep 192.0.2.3 vni 42
}

m() { mnmapctl -n h "$@"; }
raw() { ip netns exec h "$NLRAW" "$@"; }

test_endpoints() {
	setup
	[[ $(m endpoint show) == *"web1 mac 02:00:00:00:00:01 dev c1"* ]] || fail "$(m endpoint show)"
	# vni is the tenant's older name.
	[[ $(m endpoint show far) == "far mac 02:00:00:00:00:03 vtep 192.0.2.3 tenant 42" ]] ||
		fail "$(m endpoint show far)"
	json=$(m -j endpoint show)
	[[ $(jq length <<< "$json") == 3 ]] || fail "$json"
	[[ $(jq -r '.[] | select(.name == "far") | .tenant' <<< "$json") == 42 ]] || fail "$json"
	# A move: one update of the endpoint.
	m endpoint set web1 vtep 2001:db8::9
	[[ $(m endpoint show web1) == "web1 mac 02:00:00:00:00:01 vtep 2001:db8::9" ]] ||
		fail "$(m endpoint show web1)"
	m endpoint set web1 mac 02:00:00:00:00:11 dev c1
	[[ $(m endpoint show web1) == "web1 mac 02:00:00:00:00:11 dev c1" ]] ||
		fail "$(m endpoint show web1)"
	m endpoint del far
	[[ $(m -j endpoint show | jq length) == 2 ]] || fail "far not deleted"
	expect_fail "no such endpoint" m endpoint show far
}

test_maps() {
	setup
	m map add 198.51.100.1 tcp 80 endpoint web1 counters
	m map add 198.51.100.1 tcp 80 endpoint web2 weight 3
	m map add 198.51.100.1 tcp 10000-10999 endpoint web1
	m endpoint add web7 mac 02:00:00:00:00:07 dev c2 tenant 7
	m map add 198.51.100.1 udp 53 endpoint web7 tenant 7
	m map add 198.51.100.1 icmp endpoint web2
	m map add 2001:db8::1 tcp 443 endpoint far
	out=$(m map show 198.51.100.1 tcp 80)
	[[ $out == "198.51.100.1 tcp 80 endpoint web1 weight 1 endpoint web2 weight 3 counters" ]] || fail "$out"
	# A port inside a range finds the range.
	out=$(m map show 198.51.100.1 tcp 10500)
	[[ $out == "198.51.100.1 tcp 10000-10999 endpoint web1 weight 1" ]] || fail "$out"
	[[ $(m map show endpoint web2 | wc -l) == 2 ]] || fail "$(m map show endpoint web2)"
	json=$(m -j map show)
	[[ $(jq length <<< "$json") == 5 ]] || fail "$json"
	[[ $(jq -r '.[] | select(.proto == "udp") | .tenant' <<< "$json") == 7 ]] || fail "$json"
	[[ $(jq -r '.[] | select(.port == 10000) | .port_last' <<< "$json") == 10999 ]] || fail "$json"
	[[ $(jq -r '.[] | select(.addr == "2001:db8::1") | .endpoints[0].name' <<< "$json") == far ]] ||
		fail "$json"
	[[ $(m -j endpoint show web2 | jq '.[0].users') == 2 ]] || fail "users count"
	# Counters start at zero and follow a map through its versions.
	[[ $(m -j stats show map 198.51.100.1 tcp 80 | jq '.maps[0].stats.packets') == 0 ]] ||
		fail "$(m -j stats show map 198.51.100.1 tcp 80)"
	[[ $(m -j stats show | jq '.endpoints | length') == 4 ]] || fail "$(m -j stats show)"
	# Remove one endpoint of a map, then the map.
	m map del 198.51.100.1 tcp 80 endpoint web1
	[[ $(m map show 198.51.100.1 tcp 80) == "198.51.100.1 tcp 80 endpoint web2 weight 3 counters" ]] ||
		fail "$(m map show 198.51.100.1 tcp 80)"
	m map del 198.51.100.1 tcp 80
	[[ -z $(m map show 198.51.100.1 tcp 80) ]] || fail "map not deleted"
	m map del 198.51.100.1 tcp 10000-10999
	[[ -z $(m map show 198.51.100.1 tcp 10500) ]] || fail "range not deleted"
	m map flush
	[[ $(m -j map show) == "[]" ]] || fail "flush left maps"
}

test_delete_endpoint_in_use() {
	setup
	m map add 198.51.100.1 tcp 80 endpoint web1
	m map add 198.51.100.1 tcp 80 endpoint web2
	m map add 198.51.100.1 tcp 2000-2999 endpoint web1
	expect_fail "endpoint is used by maps: delete them first, or force" m endpoint del web1
	[[ $(m map show | wc -l) == 2 ]] || fail "refused delete changed maps"
	# -f removes it from its maps; maps left without endpoints go.
	m -f endpoint del web1
	[[ $(m map show) == "198.51.100.1 tcp 80 endpoint web2 weight 1" ]] || fail "$(m map show)"
}

# Each bad request is refused with MESSAGE and the saved state is unchanged.
refused() {
	local want=$1
	shift
	expect_fail "$want" "$@"
	[[ $(m save) == "$before" ]] || fail "'$*' changed the table"
}

test_bad_input_mnmapctl() {
	setup
	m map add 198.51.100.1 tcp 1000-1999 endpoint web1
	before=$(m save)
	refused "invalid MAC '02:00:00:00:00'" m endpoint add x mac 02:00:00:00:00 dev c1
	refused "invalid port '0'" m map add 198.51.100.1 tcp 0 endpoint web1
	refused "invalid port '65536'" m map add 198.51.100.1 tcp 65536 endpoint web1
	refused "invalid port '2000-1000'" m map add 198.51.100.1 tcp 2000-1000 endpoint web1
	refused "no such endpoint" m map add 198.51.100.1 tcp 80 endpoint nobody
	refused "device 'nope0' does not exist" m endpoint add x mac 02:00:00:00:00:09 dev nope0
	refused "port range overlaps another range" m map add 198.51.100.1 tcp 1500-2500 endpoint web2
	refused "invalid name" m endpoint add "$(printf 'x%.0s' {1..65})" mac 02:00:00:00:00:09 dev c1
	refused "missing mac" m endpoint add x dev c1
	refused "missing endpoint" m map add 198.51.100.1 tcp 80
	refused "unknown keyword 'colour'" m map add 198.51.100.1 tcp 80 endpoint web1 colour red
	refused "unknown command 'frob'" m map frob
	refused "vtep and gateway must be of the same address family" \
		m host set vtep 192.0.2.1 gateway 2001:db8::1
	refused "endpoint already exists" m endpoint add web1 mac 02:00:00:00:00:09 dev c1
	refused "weight must be 0 to 65535" m map add 198.51.100.1 tcp 80 endpoint web1 weight 65536
	refused "vni must be 0 to 16777215" m endpoint add x mac 02:00:00:00:00:09 vtep 192.0.2.9 vni 16777216
	refused "give dev or vtep, not both" m endpoint add x mac 02:00:00:00:00:09 dev c1 vtep 192.0.2.9
}

# Tenants: an endpoint's tenant is its VNI; a tenant's maps take only its
# own endpoints; it stays while maps use it; one endpoint per device and MAC.
test_tenants() {
	setup
	m endpoint add t1 mac 02:00:00:00:01:01 dev c1 tenant 1
	m endpoint add t2 mac 02:00:00:00:01:02 vtep 192.0.2.5 tenant 2
	[[ $(m endpoint show t1) == "t1 mac 02:00:00:00:01:01 dev c1 tenant 1" ]] || fail "$(m endpoint show t1)"
	[[ $(m -j endpoint show t2 | jq -c '.[0] | [.tenant, .vtep]') == '[2,"192.0.2.5"]' ]] ||
		fail "$(m -j endpoint show t2)"
	[[ $(m -j endpoint show web1 | jq '.[0].tenant') == 0 ]] || fail "web1 not public"
	m map add 10.1.0.5 tcp 80 endpoint t1 tenant 1
	m map add 10.1.0.5 tcp 80 endpoint t2 tenant 2
	m map add 203.0.113.7 tcp 80 endpoint t1
	[[ $(m map show tenant 1) == "10.1.0.5 tcp 80 endpoint t1 weight 1 tenant 1" ]] ||
		fail "tenant 1: $(m map show tenant 1)"
	[[ $(m -j map show tenant 0 | jq -c 'map(.addr)') == '["203.0.113.7"]' ]] || fail "$(m -j map show tenant 0)"
	m save > /tmp/saved
	grep -qx "endpoint add t1 mac 02:00:00:00:01:01 dev c1 tenant 1" /tmp/saved &&
		grep -qx "map add 10.1.0.5 tcp 80 endpoint t2 weight 1 tenant 2" /tmp/saved || fail "$(cat /tmp/saved)"
	m flush
	m -b /tmp/saved
	[[ $(m save) == "$(cat /tmp/saved)" ]] || fail "restore differs: $(m save)"
	before=$(m save)
	refused "the endpoint is in another tenant" m map add 10.1.0.6 tcp 80 endpoint t2 tenant 1
	refused "the endpoint is in another tenant" m map add 10.1.0.5 tcp 80 endpoint web1 tenant 1
	refused "an endpoint keeps its tenant while maps use it" m endpoint set t1 tenant 3
	refused "tenant must be 0 to 16777215" m endpoint add x mac 02:00:00:00:00:09 dev c1 tenant 16777216
	refused "an endpoint's vni is its tenant" m endpoint add x mac 02:00:00:00:00:09 vtep 192.0.2.9 vni 1 tenant 2
	refused "another endpoint lives behind this device with this MAC" \
		m endpoint add x mac 02:00:00:00:01:01 dev c1 tenant 1
	refused "another endpoint lives behind this device with this MAC" m endpoint set web2 mac 02:00:00:00:00:01 dev c1
	# In a transaction too: the batch fails whole.
	refused "another endpoint lives behind this device with this MAC" \
		m -b - <<< "endpoint add y mac 02:00:00:00:00:99 dev c2
endpoint add x mac 02:00:00:00:00:01 dev c1"
	# A place freed in a batch is taken once, not twice.
	m endpoint add d mac 02:00:00:00:01:0d dev c2
	before=$(m save)
	refused "another endpoint lives behind this device with this MAC" \
		m -b - <<< "endpoint del d
endpoint add x mac 02:00:00:00:01:0d dev c2
endpoint add y mac 02:00:00:00:01:0d dev c2"
	m -b - <<< "endpoint del d
endpoint add x mac 02:00:00:00:01:0d dev c2"
	[[ $(m endpoint show x) == "x mac 02:00:00:00:01:0d dev c2" && -z $(m endpoint show d 2> /dev/null) ]] ||
		fail "x did not take d's place: $(m endpoint show)"
	m endpoint del x
	# Without maps, the tenant may change; a freed place may be taken.
	m endpoint add z mac 02:00:00:00:01:09 dev c2 tenant 5
	m endpoint set z tenant 6
	[[ $(m endpoint show z) == *" tenant 6" ]] || fail "$(m endpoint show z)"
	m endpoint del z
	m endpoint add z2 mac 02:00:00:00:01:09 dev c2
}

test_bad_input_kernel() {
	setup
	m map add 198.51.100.1 tcp 1000-1999 endpoint web1
	before=$(m save)
	local ep='s("ENDPOINT_NAME", "x")' map='ip("MAP_ADDR_IPV4", "198.51.100.1"), u8("MAP_PROTO", 6)'
	refused "MAC must be a unicast" raw "req('ENDPOINT_NEW', nest('ENDPOINT', $ep, raw('ENDPOINT_MAC', '010000000001'), u32('ENDPOINT_IFINDEX', 1)))"
	refused "attribute size out of range" raw "req('ENDPOINT_NEW', nest('ENDPOINT', $ep, raw('ENDPOINT_MAC', '0200000001'), u32('ENDPOINT_IFINDEX', 1)))"
	refused "no such device" raw "req('ENDPOINT_NEW', nest('ENDPOINT', $ep, raw('ENDPOINT_MAC', '020000000001'), u32('ENDPOINT_IFINDEX', 999)))"
	refused "endpoint MAC missing" raw "req('ENDPOINT_NEW', nest('ENDPOINT', $ep, u32('ENDPOINT_IFINDEX', 1)))"
	refused "endpoint name missing" raw "req('ENDPOINT_NEW', nest('ENDPOINT', raw('ENDPOINT_MAC', '020000000001')))"
	refused "endpoint name may only hold" raw "req('ENDPOINT_NEW', nest('ENDPOINT', s('ENDPOINT_NAME', 'a/b'), raw('ENDPOINT_MAC', '020000000001'), u32('ENDPOINT_IFINDEX', 1)))"
	refused "failed policy validation" raw "req('ENDPOINT_NEW', nest('ENDPOINT', s('ENDPOINT_NAME', 'x' * 65), raw('ENDPOINT_MAC', '020000000001'), u32('ENDPOINT_IFINDEX', 1)))"
	refused "users is read-only" raw "req('ENDPOINT_NEW', nest('ENDPOINT', $ep, u32('ENDPOINT_USERS', 1)))"
	refused "ERANGE" raw "req('MAP_NEW', nest('MAP', $map, u16('MAP_PORT_FIRST', 0), s('MAP_ENDPOINT', 'web1')))"
	refused "port range is inverted" raw "req('MAP_NEW', nest('MAP', $map, u16('MAP_PORT_FIRST', 20), u16('MAP_PORT_LAST', 10), s('MAP_ENDPOINT', 'web1')))"
	refused "port range overlaps another range" raw "req('MAP_NEW', nest('MAP', $map, u16('MAP_PORT_FIRST', 1999), u16('MAP_PORT_LAST', 2100), s('MAP_ENDPOINT', 'web2')))"
	refused "no such endpoint" raw "req('MAP_NEW', nest('MAP', $map, u16('MAP_PORT_FIRST', 80), s('MAP_ENDPOINT', 'nobody')))"
	refused "icmp goes with IPv4 addresses, icmpv6 with IPv6" raw "req('MAP_NEW', nest('MAP', ip('MAP_ADDR_IPV6', '2001:db8::1'), u8('MAP_PROTO', 1), s('MAP_ENDPOINT', 'web1')))"
	refused "icmp maps have no port" raw "req('MAP_NEW', nest('MAP', ip('MAP_ADDR_IPV4', '198.51.100.1'), u8('MAP_PROTO', 1), u16('MAP_PORT_FIRST', 7), s('MAP_ENDPOINT', 'web1')))"
	refused "protocol must be tcp, udp, icmp or icmpv6" raw "req('MAP_NEW', nest('MAP', ip('MAP_ADDR_IPV4', '198.51.100.1'), u8('MAP_PROTO', 132), u16('MAP_PORT_FIRST', 7), s('MAP_ENDPOINT', 'web1')))"
	refused "tcp and udp maps need a port" raw "req('MAP_NEW', nest('MAP', $map, s('MAP_ENDPOINT', 'web1')))"
	refused "map protocol missing" raw "req('MAP_NEW', nest('MAP', ip('MAP_ADDR_IPV4', '198.51.100.1'), s('MAP_ENDPOINT', 'web1')))"
	refused "give an IPv4 or an IPv6 address, not both" raw "req('MAP_NEW', nest('MAP', $map, ip('MAP_ADDR_IPV6', '2001:db8::1'), u16('MAP_PORT_FIRST', 80), s('MAP_ENDPOINT', 'web1')))"
	refused "ERANGE" raw "req('MAP_NEW', nest('MAP', $map, u16('MAP_PORT_FIRST', 80), s('MAP_ENDPOINT', 'web1'), u32('MAP_WEIGHT', 65536)))"
	refused "ERANGE" raw "req('MAP_NEW', nest('MAP', $map, u16('MAP_PORT_FIRST', 80), s('MAP_ENDPOINT', 'web1'), u32('MAP_TENANT', 1 << 24)))"
	refused "stats are read-only" raw "req('MAP_NEW', nest('MAP', $map, u16('MAP_PORT_FIRST', 80), s('MAP_ENDPOINT', 'web1'), u32('MAP_STATS', 1)))"
	refused "backends are read-only" raw "req('MAP_NEW', nest('MAP', $map, u16('MAP_PORT_FIRST', 80), s('MAP_ENDPOINT', 'web1'), u32('MAP_BACKEND', 1)))"
	# Unknown attributes are refused, not ignored (strict validation).
	refused "EINVAL" raw "req('MAP_NEW', nest('MAP', $map, u16('MAP_PORT_FIRST', 80), s('MAP_ENDPOINT', 'web1'), u32(99, 1)))"
	refused "EINVAL" raw "req('MAP_FLUSH', u32('FORCE', 1))"
	refused "missing|EINVAL" raw "req('MAP_NEW')"
	# A batch whose second map fails adds nothing.
	refused "no such endpoint" raw "req('MAP_NEW', nest('MAP', $map, u16('MAP_PORT_FIRST', 80), s('MAP_ENDPOINT', 'web1')), nest('MAP', $map, u16('MAP_PORT_FIRST', 81), s('MAP_ENDPOINT', 'nobody')))"
	refused "endpoint already exists" raw "req('ENDPOINT_NEW', nest('ENDPOINT', s('ENDPOINT_NAME', 'new1'), raw('ENDPOINT_MAC', '020000000001'), u32('ENDPOINT_IFINDEX', 1)), nest('ENDPOINT', s('ENDPOINT_NAME', 'web2'), raw('ENDPOINT_MAC', '020000000001'), u32('ENDPOINT_IFINDEX', 1)))"
	# And a good batch request adds all.
	raw "req('MAP_NEW', nest('MAP', $map, u16('MAP_PORT_FIRST', 80), s('MAP_ENDPOINT', 'web1')), nest('MAP', $map, u16('MAP_PORT_FIRST', 81), s('MAP_ENDPOINT', 'web2')))"
	[[ $(m map show | wc -l) == 3 ]] || fail "batch did not add both"
}

test_events() {
	setup
	ip netns exec h mnmapctl monitor > /tmp/events 2>&1 &
	pid=$!
	sleep 1
	m endpoint add ev1 mac 02:00:00:00:00:21 dev c1
	m map add 198.51.100.5 tcp 80 endpoint ev1
	m map del 198.51.100.5 tcp 80
	m endpoint del ev1
	m map add 198.51.100.5 tcp 81 endpoint web1
	m map flush
	sleep 1
	kill $pid
	want=("endpoint ev1 mac 02:00:00:00:00:21 dev c1"
	      "map 198.51.100.5 tcp 80 endpoint ev1 weight 1"
	      "map deleted 198.51.100.5 tcp 80 endpoint ev1 weight 1"
	      "endpoint deleted ev1 mac 02:00:00:00:00:21 dev c1"
	      "map 198.51.100.5 tcp 81 endpoint web1 weight 1"
	      "map flush 1 maps")
	for w in "${want[@]}"; do
		grep -qxF "$w" /tmp/events || fail "no event '$w' in: $(cat /tmp/events)"
	done
}

test_help() {
	for obj in endpoint map host stats; do
		mnmapctl "$obj" help 2>&1 | grep "Usage: mnmapctl $obj" > /dev/null || fail "$obj help"
	done
	mnmapctl help 2>&1 | grep "OBJECT :=" > /dev/null || fail "help"
	mnmapctl -V | grep "^mnmapctl " > /dev/null || fail "-V"
}

# Listings come in one order whatever the kernel's hash order: maps by
# tenant, address (numerically, IPv4 first), protocol, port; endpoints by
# name; the same table listed twice, or rebuilt in another order, lists
# the same.
test_stable_order() {
	ns h
	ip -n h link add c1 type veth peer name c1p
	local names=(zeta alpha mid beta omega) i=0
	for n in "${names[@]}"; do
		i=$((i + 1))
		m endpoint add "$n" mac "02:00:00:00:00:0$i" dev c1
	done
	m endpoint add tee mac 02:00:00:00:00:06 dev c1 tenant 2
	cat > /tmp/maps <<-EOF
		map add 2001:db8::1 tcp 80 endpoint zeta
		map add 198.51.100.10 tcp 80 endpoint alpha
		map add 198.51.100.9 udp 53 endpoint mid
		map add 198.51.100.9 tcp 8080 endpoint beta
		map add 198.51.100.1 tcp 80 endpoint tee tenant 2
		map add 198.51.100.9 icmp endpoint omega
		map add 198.51.100.9 tcp 40000-40999 endpoint zeta
		map add 198.51.100.9 tcp 443 endpoint beta
		map add 2001:db8::1 icmp endpoint omega
		map add 198.51.100.200 tcp 22 endpoint mid
	EOF
	m -b /tmp/maps
	[[ $(m endpoint show | cut -d' ' -f1 | xargs) == "alpha beta mid omega tee zeta" ]] ||
		fail "endpoints: $(m endpoint show)"
	[[ $(m -j endpoint show | jq -r '.[].name' | xargs) == "alpha beta mid omega tee zeta" ]] ||
		fail "endpoints (JSON): $(m -j endpoint show)"
	want="198.51.100.9 icmp
198.51.100.9 tcp 443
198.51.100.9 tcp 8080
198.51.100.9 tcp 40000-40999
198.51.100.9 udp 53
198.51.100.10 tcp 80
198.51.100.200 tcp 22
2001:db8::1 icmp
2001:db8::1 tcp 80
198.51.100.1 tcp 80"
	out=$(m map show | sed 's/ endpoint.*//')
	[[ $out == "$want" ]] || fail "maps: $out"
	out=$(m -j map show | jq -r '.[] | "\(.addr) \(.proto) \(.port // "")"' | xargs)
	[[ $out == "$(xargs <<< "${want/-40999/}")" ]] || fail "maps (JSON): $out"
	first=$(m map show)
	saved=$(m save)
	# The same table made in the reverse order lists the same.
	m map flush
	tac /tmp/maps | m -b -
	[[ $(m map show) == "$first" ]] || fail "rebuilt: $(m map show)"
	[[ $(m save) == "$saved" ]] || fail "save of the rebuilt table differs"
	[[ $(m -j stats show | jq -r '.endpoints[].name' | xargs) == "alpha beta mid omega tee zeta" ]] ||
		fail "stats: $(m -j stats show)"
}

run_test "endpoints: add, show, set (a move), del" test_endpoints
run_test "maps: ports, ranges, icmp, IPv6, tenants, load balancing, JSON" test_maps
run_test "listings in a stable order (maps, endpoints, save, stats)" test_stable_order
run_test "an endpoint in use is kept unless forced" test_delete_endpoint_in_use
run_test "tenants: endpoints, maps, the rules that bind them, save and restore" test_tenants
run_test "bad input through mnmapctl is refused and changes nothing" test_bad_input_mnmapctl
run_test "bad netlink requests are refused by the kernel and change nothing" test_bad_input_kernel
run_test "every change is announced" test_events
run_test "help at every level" test_help
finish
