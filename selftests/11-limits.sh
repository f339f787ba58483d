#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Memory and limits: a map holds at most MNMAP_MAP_ENDPOINTS_MAX endpoints,
# and a full one, every name at full length, goes through replies, events,
# dumps and save -> restore whole; per-map counters are opt-in; what one
# namespace holds is capped by module parameters that only the initial
# namespace's root can set, and charged to the memory cgroup of whoever
# made it (a root of a user namespace included).
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

PARAMS=/sys/module/mnmap/parameters
TMP=$(mktemp -d)
chmod 777 "$TMP"

# set_limit NAME VALUE: after loading the module (cases unload it at the end).
set_limit() {
	modprobe mnmap
	echo "$2" > "$PARAMS/$1"
}

test_limits() {
	ns h
	modprobe mnmap
	for p in max_maps max_index_nodes max_staged; do
		[[ $(cat "$PARAMS/$p") == 4194304 ]] || fail "$p default: $(cat "$PARAMS/$p")"
	done
	[[ $(cat "$PARAMS/max_endpoints") == 1048576 ]] || fail "max_endpoints default"
	set_limit max_endpoints 3
	set_limit max_maps 5
	set_limit max_index_nodes 40
	for i in 1 2 3; do
		m endpoint add "e$i" mac "02:00:00:00:00:0$i" vtep 192.0.2.9
	done
	expect_fail "namespace holds the most endpoints allowed \(mnmap max_endpoints\)" \
		m endpoint add e4 mac 02:00:00:00:00:04 vtep 192.0.2.9
	for p in 1 2 3; do
		m map add 198.51.100.1 tcp "$p" endpoint e1
	done
	m save > /tmp/before
	expect_fail "namespace holds the most maps allowed \(mnmap max_maps\)" \
		m -b - <<< "$(printf 'map add 198.51.100.1 tcp %d endpoint e1\n' 4 5 6)"
	diff <(m save) /tmp/before || fail "a refused batch changed the table"
	m map add 198.51.100.1 tcp 4 endpoint e1
	m map add 198.51.100.1 tcp 5 endpoint e1
	# Another endpoint of a map is no new map.
	m map add 198.51.100.1 tcp 5 endpoint e2
	expect_fail "most maps allowed" m map add 198.51.100.1 tcp 6 endpoint e1
	m map flush
	# Ranges: 17 blocks, then 16 more (one shared), then 16 more: past 40.
	m map add 198.51.100.1 tcp 1-1024 endpoint e1
	m map add 198.51.100.1 tcp 1025-2048 endpoint e2
	expect_fail "namespace holds the most port-range index nodes allowed \(mnmap max_index_nodes\)" \
		m map add 198.51.100.1 tcp 2049-3072 endpoint e3
	m map add 198.51.100.1 tcp 2049-2111 endpoint e3	# one block: 34
	# Lowering a limit keeps what is there and refuses more.
	echo 1 > "$PARAMS/max_maps"
	[[ $(m -j map show | jq length) == 3 ]] || fail "lowering a limit removed maps"
	expect_fail "most maps allowed" m map add 198.51.100.2 tcp 80 endpoint e1
	m map del 198.51.100.1 tcp 2049-2111
	echo 100 > "$PARAMS/max_maps"
	# A transaction over the live table stages at most max_staged changes.
	echo 4 > "$PARAMS/max_staged"
	m save > /tmp/before
	expect_fail "transaction holds the most staged changes allowed \(mnmap max_staged\)" \
		m -b - <<< "$(printf 'map add 198.51.100.3 tcp %d endpoint e1\n' 1 2 3 4 5)"
	expect_fail "most staged changes allowed" \
		m -b - <<< "$(printf 'map add 198.51.100.3 tcp 1 endpoint e1\nmap del 198.51.100.1 tcp 1-1024\n')"
	diff <(m save) /tmp/before || fail "a refused transaction changed the table"
	m -b - <<< "$(printf 'map add 198.51.100.3 tcp %d endpoint e1\n' 1 2 3 4)"
	# A restore builds a new table: bounded by the other limits only.
	{ grep -v "^map" /tmp/before; printf 'map add 198.51.100.4 tcp %d endpoint e1\n' 1 2 3 4 5 6; } |
		m -b -
	[[ $(m -j map show | jq length) == 6 ]] || fail "restore: $(m map show)"
}

# Only the initial namespace's root sets the limits: not the root of a user
# namespace that an unprivileged user made.
as_user() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }

test_limits_belong_to_the_host() {
	modprobe mnmap
	rc=0
	as_user unshare --user --map-root-user --net bash -c '
		mnmapctl endpoint add u mac 02:00:00:00:00:09 vtep 192.0.2.9 || exit 2
		echo 1000000000 > /sys/module/mnmap/parameters/max_maps' 2> "$TMP/err" || rc=$?
	((rc == 1)) || fail "rc $rc: $(cat "$TMP/err")"
	grep -q "Permission denied" "$TMP/err" || fail "$(cat "$TMP/err")"
	[[ $(cat "$PARAMS/max_maps") == 4194304 ]] || fail "max_maps changed"
}

# A memory cgroup of 64 MB, made once per case.
CG=/sys/fs/cgroup/mnmap-test
make_cgroup() {
	mountpoint -q /sys/fs/cgroup || mount -t cgroup2 none /sys/fs/cgroup
	grep -qw memory /sys/fs/cgroup/cgroup.controllers || fail "no memory controller"
	echo +memory > /sys/fs/cgroup/cgroup.subtree_control
	rmdir "$CG" 2>/dev/null || true
	mkdir "$CG"
	echo 64M > "$CG/memory.max"
}

# In a user namespace and a 64 MB memory cgroup, a loop of ranges of every
# port (1,024 index nodes each) stops at the namespace's limit with its
# error; what the table took was charged to the cgroup; the host is fine.
test_user_namespace_memcg() {
	make_cgroup
	set_limit max_index_nodes 100000
	ns h
	m endpoint add host-e mac 02:00:00:00:00:01 vtep 192.0.2.1
	rm -rf "$TMP/cg"
	mkdir -m 777 "$TMP/cg"
	bash -c "echo \$\$ > $CG/cgroup.procs && exec setpriv --reuid=nobody --regid=nogroup \
		--clear-groups unshare --user --map-root-user --net bash -c '
		before=\$(cat $CG/memory.current)
		mnmapctl endpoint add e mac 02:00:00:00:00:09 vtep 192.0.2.9
		for ((i = 1; i <= 200; i++)); do
			mnmapctl map add 10.0.\$i.1 tcp 1-65535 endpoint e 2> $TMP/cg/err || break
		done
		after=\$(cat $CG/memory.current)
		echo \$((i - 1)) \$before \$after > $TMP/cg/result
		mnmapctl -j map show | jq length > $TMP/cg/count'"
	read -r added before after < "$TMP/cg/result"
	echo "added $added ranges; memory.current $before -> $after"
	grep -q "namespace holds the most port-range index nodes allowed" "$TMP/cg/err" ||
		fail "the loop of $added maps ended with '$(cat "$TMP/cg/err")'"
	# 100,000 nodes / 1,024 per range.
	[[ $added == 97 && $(cat "$TMP/cg/count") == 97 ]] ||
		fail "added $added, shows $(cat "$TMP/cg/count")"
	# At least the index nodes themselves: 97 * 1,024 of 72 bytes.
	((after - before >= 97 * 1024 * 72)) || fail "memory.current grew by $((after - before)) bytes"
	# Its namespace is gone with the process; the memory goes with it.
	grep -qw "oom_kill 0" "$CG/memory.events" || fail "OOM in the cgroup: $(cat "$CG/memory.events")"
	for _ in $(seq 50); do
		(($(cat "$CG/memory.current") < before + 4 * 1024 * 1024)) && break
		sleep 0.2
	done
	(($(cat "$CG/memory.current") < before + 4 * 1024 * 1024)) ||
		fail "namespace's memory not freed: $(cat "$CG/memory.current")"
	# The host is fine.
	m map add 198.51.100.1 tcp 1-65535 endpoint host-e
	[[ $(m -j map show | jq length) == 1 ]] || fail "host"
	rmdir "$CG"
}

run_test "per-namespace limits: endpoints, maps, index nodes, staged changes" test_limits
run_test "only the initial namespace's root sets the limits" test_limits_belong_to_the_host
run_test "a user namespace's root stops at its limit, charged to its memory cgroup" test_user_namespace_memcg
run_test "per-map counters are opt-in, kept by save and restore" test_counters
run_test "a map holds $CAP endpoints, named at full length, and no more" test_full_map
run_test "save -> restore of a full map is exact" test_full_map_save_restore
rm -rf "$TMP"
finish
