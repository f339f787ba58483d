#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Memory and limits: a map holds at most MNMAP_MAP_ENDPOINTS_MAX endpoints,
# and a full one, every name at full length, goes through replies, events,
# dumps and save -> restore whole.
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

run_test "a map holds $CAP endpoints, named at full length, and no more" test_full_map
run_test "save -> restore of a full map is exact" test_full_map_save_restore
finish
