#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Memory and limits: a map holds at most MNMAP_MAP_ENDPOINTS_MAX endpoints,
# and a full one, every name at full length, goes through replies, events,
# dumps and save -> restore whole; per-map counters are opt-in.
source "$(dirname "$0")/lib.sh"

m() { mnmapctl -n h "$@"; }
CAP=${CAP:-$(awk '$2 == "MNMAP_MAP_ENDPOINTS_MAX" { print $3 }' \
	"$MNMAP_TOP/include/uapi/linux/mnmap.h")}

# The name of endpoint I, at the full 64 characters.
long_name() { printf 'e%063d' "$1"; }

# A batch of N endpoints with long names.
gen_endpoints() {
	for ((i = 1; i <= $1; i++)); do
		printf 'endpoint add %s mac 02:00:00:00:%02x:%02x vtep 192.0.2.9\n' \
			"$(long_name "$i")" $((i / 256)) $((i % 256))
	done
}

test_full_map() {
	ns h
	[[ $CAP == 256 ]] || fail "cap: '$CAP'"
	gen_endpoints $((CAP + 1)) > /tmp/eps
	m -b /tmp/eps
	# One endpoint short of full, as a batch; the last one by itself,
	# so that the reply and the event carry the full map.
	for ((i = 1; i < CAP; i++)); do
		echo "map add 198.51.100.1 tcp 80 endpoint $(long_name "$i")"
	done > /tmp/maps
	m -b /tmp/maps
	m monitor > /tmp/events &
	mon=$!
	sleep 0.5
	m map add 198.51.100.1 tcp 80 endpoint "$(long_name "$CAP")"
	out=$(m -j map show 198.51.100.1 tcp 80)
	[[ $(jq '.[0].endpoints | length' <<< "$out") == "$CAP" ]] || fail "show: ${out:0:200}"
	sleep 0.5
	kill "$mon"
	wait "$mon" || true
	grep -q "$(long_name "$CAP")" /tmp/events || fail "event: $(head -c 300 /tmp/events)"
	# Past the cap: refused, and the map is as it was.
	expect_fail "a map holds at most $CAP endpoints" \
		m map add 198.51.100.1 tcp 80 endpoint "$(long_name $((CAP + 1)))"
	# The dump carries it, with the maps around it.
	m map add 198.51.100.2 tcp 80 endpoint "$(long_name 1)"
	m map add 198.51.100.3 udp 53 endpoint "$(long_name 2)"
	json=$(m -j map show)
	[[ $(jq length <<< "$json") == 3 ]] || fail "dump: $(jq length <<< "$json") maps"
	[[ $(jq '[.[] | .endpoints | length] | max' <<< "$json") == "$CAP" ]] || fail "dump"
}

test_full_map_save_restore() {
	ns h
	gen_endpoints "$CAP" > /tmp/b
	for ((i = 1; i <= CAP; i++)); do
		echo "map add 198.51.100.1 tcp 80 endpoint $(long_name "$i") weight $i"
		echo "map add 2001:db8::$(printf %x "$i") udp 53 endpoint $(long_name "$i")"
	done >> /tmp/b
	m -b /tmp/b
	m save > /tmp/saved
	[[ $(grep -c "^map add" /tmp/saved) == $((2 * CAP)) ]] ||
		fail "save has $(grep -c "^map add" /tmp/saved) maps"
	m flush
	m -b /tmp/saved
	diff <(m save) /tmp/saved || fail "restore differs from save"
}

test_counters() {
	ns h
	ip -n h link add c1 type veth peer name c1p
	m endpoint add a mac 02:00:00:00:00:01 dev c1
	m endpoint add b mac 02:00:00:00:00:02 vtep 192.0.2.2
	m map add 198.51.100.1 tcp 80 endpoint a
	m map add 198.51.100.1 tcp 81 endpoint a counters
	m map add 198.51.100.1 tcp 81 endpoint b
	m map add 198.51.100.1 tcp 20000-20999 endpoint a counters
	# Without: nothing to show, and stats say so, text and JSON.
	[[ $(m stats show map 198.51.100.1 tcp 80) == "map 198.51.100.1 tcp 80 counters off" ]] ||
		fail "$(m stats show map 198.51.100.1 tcp 80)"
	json=$(m -j stats show map 198.51.100.1 tcp 80)
	[[ $(jq '.maps[0].counters' <<< "$json") == false &&
	   $(jq '.maps[0].stats' <<< "$json") == null ]] || fail "$json"
	[[ $(m map show 198.51.100.1 tcp 80) == "198.51.100.1 tcp 80 endpoint a weight 1" ]] ||
		fail "$(m map show 198.51.100.1 tcp 80)"
	# With: kept by a new version of the map (an endpoint added).
	[[ $(m stats show map 198.51.100.1 tcp 81) == "map 198.51.100.1 tcp 81 packets 0 bytes 0" ]] ||
		fail "$(m stats show map 198.51.100.1 tcp 81)"
	json=$(m -j map show 198.51.100.1 tcp 81)
	[[ $(jq '.[0].counters' <<< "$json") == true &&
	   $(jq '.[0].stats.packets' <<< "$json") == 0 ]] || fail "$json"
	[[ $(m map show 198.51.100.1 tcp 81) == *"endpoint b weight 1 counters" ]] ||
		fail "$(m map show 198.51.100.1 tcp 81)"
	# Chosen when the map is made; bad uses refused, changing nothing.
	m save > /tmp/before
	expect_fail "this map has no counters: they are chosen when the map is made" \
		m map add 198.51.100.1 tcp 80 endpoint b counters
	expect_fail "counters only go with add" m map del 198.51.100.1 tcp 81 counters
	expect_fail "cannot filter by counters" m map show 198.51.100.1 tcp 81 counters
	diff <(m save) /tmp/before || fail "a refused change changed the table"
	# save writes them, and -b restores them.
	grep -qxF "map add 198.51.100.1 tcp 81 endpoint b weight 1 counters" /tmp/before ||
		fail "save: $(cat /tmp/before)"
	grep -qxF "map add 198.51.100.1 tcp 20000-20999 endpoint a counters" /tmp/before ||
		fail "save: $(cat /tmp/before)"
	grep -qxF "map add 198.51.100.1 tcp 80 endpoint a weight 1" /tmp/before ||
		fail "save: $(cat /tmp/before)"
	m flush
	m -b /tmp/before
	diff <(m save) /tmp/before || fail "restore differs from save"
	[[ $(m -j stats show map 198.51.100.1 tcp 20000 | jq '.maps[0].counters') == true ]] ||
		fail "range lost its counters"
}

run_test "per-map counters are opt-in, kept by save and restore" test_counters
run_test "a map holds $CAP endpoints, named at full length, and no more" test_full_map
run_test "save -> restore of a full map is exact" test_full_map_save_restore
finish
