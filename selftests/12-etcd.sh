#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# mnmapd: three hosts kept in step from etcd, every map and endpoint
# written only to the store (Documentation/etcd.md). etcd runs in its own
# namespace on the provider network:
#
#   client --- router ---+--- gw  203.0.113.2  (the gateway: the provider routes
#   192.0.2.2         .1 |                       198.51.100.0/24 to it)
#                        +--- ha  203.0.114.2 --- a1  198.51.100.10
#                        +--- hb  203.0.115.2 ---+--- b1  198.51.100.10
#                        |                       +--- b2  198.51.100.30
#                        +--- etcd 203.0.116.2:2379
#
# The provider drops public sources from ha and hb: their containers'
# replies go back through the gateway (config's "gateway"). a1 serves tcp
# 80 and owns 20000-29999, b1 serves 81 and owns 30000-39999, b2 serves 80
# and owns 40000-49999. IPv4 only: 08-vxlan covers the data path's
# families; this file covers the agent.
source "$(dirname "$0")/lib.sh"

ETCD=http://203.0.116.2:2379
P=/mnmap/v1
SHARED=198.51.100.10 B2=198.51.100.30 CLIENT=192.0.2.2
HOSTS=(gw ha hb)
RUN=/tmp/etcd-test
# Under TCG an agent applies a write in about a second; this is the limit
# before a case fails, not what it waits.
CONVERGE_S=30

declare -A UPLINK=([gw]=203.0.113 [ha]=203.0.114 [hb]=203.0.115 [etcd]=203.0.116)

# gateway PATH JSON: a call to etcd's JSON gateway, from the operator's
# link (curl starts much faster than etcdctl under TCG).
gateway() {
	curl -sf --max-time 10 -X POST "$ETCD/v3/$1" -d "$2"
}

b64() {
	printf '%s' "$1" | base64 -w0
}

# put KEY VALUE / del KEY: one write; prints the store's revision after it.
put() {
	gateway kv/put "{\"key\": \"$(b64 "$P/$1")\", \"value\": \"$(b64 "$2")\"}" |
		jq -r .header.revision
}

del() {
	gateway kv/deleterange "{\"key\": \"$(b64 "$P/$1")\"}" | jq -r .header.revision
}

status_of() {
	gateway kv/range "{\"key\": \"$(b64 "$P/status/$1")\"}" | jq -r '.kvs[0].value // empty' |
		base64 -d
}

# mark WHAT: elapsed seconds in the case's log (shown when it fails).
mark() {
	echo "# ${SECONDS}s: $*" >&2
	[[ $* != end || -z ${ETCD_TIMES:-} ]] || fail "ETCD_TIMES: fail to show the marks"
}

# converged REV [HOST...]: each host's mnmapd reports revision REV or later,
# within CONVERGE_S seconds for them all.
converged() {
	local rev=$1 h r deadline=$((SECONDS + CONVERGE_S))
	shift
	(($# > 0)) || set -- "${HOSTS[@]}"
	for h in "$@"; do
		while :; do
			r=$(status_of "$h" | jq -r '.revision // 0' 2> /dev/null || echo 0)
			((${r:-0} >= rev)) && break
			((SECONDS < deadline)) || {
				fail "$h did not apply revision $rev (at ${r:-none}): $(tail -5 "$RUN/mnmapd-$h.log")"
				return 1
			}
			sleep 0.2
		done
	done
}

start_etcd() {
	mkdir -p "$RUN"
	# Not through in_ns: $! must be etcd itself (ip execs it), not a subshell.
	ip netns exec etcd etcd --name t --data-dir "$RUN/etcd-data" \
		--listen-client-urls "$ETCD" --advertise-client-urls "$ETCD" \
		--listen-peer-urls http://127.0.0.1:2380 \
		--initial-advertise-peer-urls http://127.0.0.1:2380 \
		--initial-cluster t=http://127.0.0.1:2380 > "$RUN/etcd.log" 2>&1 &
	echo $! > "$RUN/etcd.pid"
	for _ in $(seq 100); do
		gateway kv/range '{"key": "eA=="}' > /dev/null 2>&1 && return 0
		sleep 0.2
	done
	fail "etcd did not start: $(tail -5 "$RUN/etcd.log")"
}

# stop_pid FILE: end the process FILE names and wait until it is gone.
stop_pid() {
	local pid
	pid=$(cat "$1")
	kill "$pid" 2> /dev/null || return 0
	while kill -0 "$pid" 2> /dev/null; do sleep 0.1; done
}

stop_etcd() {
	stop_pid "$RUN/etcd.pid"
}

start_agent() {
	local h=$1
	# Pages of 4 keys: every fresh read of this small store takes several.
	ip netns exec "$h" env MNMAPD_SYNC_PAGE=4 mnmapd --etcd "$ETCD" --host "$h" --vtep "${UPLINK[$h]}.2" \
		--uplink eth0 --vxlan vx0 >> "$RUN/mnmapd-$h.log" 2>&1 &
	echo $! > "$RUN/mnmapd-$h.pid"
}

stop_agent() {
	stop_pid "$RUN/mnmapd-$1.pid"
}

# The agents and etcd go with the case's namespaces.
stop_all() {
	local f
	for f in "$RUN"/*.pid; do
		[[ -e $f ]] && stop_pid "$f"
	done
	rm -rf "$RUN"
	return 0
}

# uplink NS: NS's link to the router, .1 the router, .2 NS.
uplink() {
	local n=$1 p=${UPLINK[$1]}
	ip -n router link add "r-$n" mtu 9000 type veth peer name eth0 mtu 9000 netns "$n"
	ip -n router addr add "$p.1/24" dev "r-$n"
	ip -n router link set "r-$n" up
	ip -n "$n" addr add "$p.2/24" dev eth0
	ip -n "$n" link set eth0 up
	ip -n "$n" route add default via "$p.1"
}

# host NAME: a host with its uplink and VXLAN device; mnmapd configures mnmap.
host() {
	local h=$1
	uplink "$h"
	in_ns "$h" sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0
	ip -n "$h" link add vx0 type vxlan external dstport 4789
	ip -n "$h" link set vx0 up
	in_ns "$h" sysctl -qw net.ipv4.conf.vx0.rp_filter=0
}

# container NAME HOST ADDR MAC FIRST LAST: a container, and its lines of
# the fleet's batch.
container() {
	local name=$1 h=$2 addr=$3 mac=$4 first=$5 last=$6
	ns "$name"
	ip -n "$h" link add "h-$name" type veth peer name eth0 netns "$name"
	ip -n "$h" link set "h-$name" up
	in_ns "$h" sysctl -qw "net.ipv4.conf.h-$name.rp_filter=0"
	ip -n "$name" link set eth0 address "$mac"
	cat >> "$RUN/fleet.batch" <<-EOF
	endpoint add $name mac $mac host $h dev h-$name
	map add $addr tcp $first-$last endpoint $name
	map add $addr udp $first-$last endpoint $name
	EOF
}

# The operator: this namespace, on the provider network, writes the store.
operator() {
	ip link add op0 type veth peer name r-op netns router
	ip addr add 203.0.117.2/24 dev op0
	ip link set op0 up
	ip route add 203.0.116.0/24 via 203.0.117.1
	ip -n router addr add 203.0.117.1/24 dev r-op
	ip -n router link set r-op up
}

map_key() {
	put "maps/0/$1/tcp/$2" "{\"endpoints\": [{\"name\": \"$3\"}]}"
}

# provider [NS...]: the client, the router, etcd's namespace, the hosts
# (HOSTS) and the operator on the provider network; NS... empty.
provider() {
	mkdir -p "$RUN"
	ns client router "${HOSTS[@]}" etcd "$@"
	client_and_router
	uplink etcd
	for h in "${HOSTS[@]}"; do host "$h"; done
	operator
}

# The fleet: etcd, three hosts with their agents, the containers' keys,
# then each container configured by its host once the maps are there.
fleet() {
	provider
	ip -n router route add 198.51.100.0/24 dev r-gw
	in_ns router nft -f - <<-'EOF'
	table inet provider {
		chain forward {
			type filter hook forward priority 0;
			iifname { "r-ha", "r-hb" } ip saddr 198.51.100.0/24 counter drop
		}
	}
	EOF
	mark topology
	start_etcd
	mark etcd
	# The whole layout in one etcd transaction, with the grammar.
	echo "host set gateway 203.0.113.2" > "$RUN/fleet.batch"
	container a1 ha "$SHARED" 02:00:00:00:00:a1 20000 29999
	container b1 hb "$SHARED" 02:00:00:00:00:b1 30000 39999
	container b2 hb "$B2" 02:00:00:00:00:b2 40000 49999
	cat >> "$RUN/fleet.batch" <<-EOF
	map add $SHARED tcp 80 endpoint a1
	map add $SHARED tcp 81 endpoint b1
	map add $B2 tcp 80 endpoint b2
	EOF
	mnmapctl --etcd "$ETCD" -b "$RUN/fleet.batch"
	mark keys
	for h in "${HOSTS[@]}"; do start_agent "$h"; done
	# The agents register their hosts; endpoints elsewhere wait for them.
	converged "$(map_key "$SHARED" 8080 a1)"
	mark converged
	mnmapctl -n ha container setup a1 endpoint a1
	mnmapctl -n hb container setup b1 endpoint b1
	mnmapctl -n hb container setup b2 endpoint b2
	serve a1 80
	serve b1 81
	serve b2 80
	wait_port a1 80 && wait_port b1 81 && wait_port b2 80
	mark fleet
}

# table HOST: HOST's mnmap table as mnmapctl save writes it.
table() {
	mnmapctl -n "$1" save | grep -v '^#'
}

# A download of about 3 MB that takes a few seconds, from a1's port 8080.
slow_server() {
	in_ns a1 python3 -c '
import socket, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 8080))
s.listen()
c, _ = s.accept()
block = bytes(range(256)) * 128
for i in range(100):
    c.sendall(block)
    time.sleep(0.05)
c.close()' &
	wait_port a1 8080
}

test_fleet() {
	trap stop_all EXIT
	fleet
	# Registered from --vtep, and the layout translated on each host.
	[[ $(gateway kv/range "{\"key\": \"$(b64 "$P/hosts/hb")\"}" |
		jq -r '.kvs[0].value' | base64 -d | jq -r .vtep) == 203.0.115.2 ]] ||
		fail "hb's agent did not register its vtep"
	table gw | grep "endpoint add a1 mac 02:00:00:00:00:a1 vtep 203.0.114.2" > /dev/null ||
		fail "gw: a1 is not at ha's vtep: $(table gw)"
	table ha | grep "endpoint add a1 mac 02:00:00:00:00:a1 dev h-a1" > /dev/null ||
		fail "ha: a1 is not at its device: $(table ha)"
	mnmapctl -n hb host show | grep "gateway 203.0.113.2" > /dev/null || fail "hb: no gateway from config"
	# Outside -> containers on either host, through the gateway.
	[[ $(who client "$SHARED" 80) == a1 ]] || fail "client -> $SHARED 80 (a1 on ha)"
	[[ $(who client "$SHARED" 81) == b1 ]] || fail "client -> $SHARED 81 (b1 on hb)"
	[[ $(who client "$B2" 80) == b2 ]] || fail "client -> $B2 80 (b2 on hb)"
	# Container -> container across hosts, and egress from port blocks.
	[[ $(who a1 "$B2" 80) == b2 ]] || fail "a1 -> b2 on another host"
	[[ $(who b2 "$SHARED" 80) == a1 ]] || fail "b2 -> a1 on another host"
	in_ns client ncat -lk -p 7000 -c 'echo out' &
	wait_port client 7000
	[[ $(who b2 "$CLIENT" 7000) == out ]] || fail "b2 -> outside from its port block"
	[[ $(who a1 "$CLIENT" 7000) == out ]] || fail "a1 -> outside from its port block"

	mark traffic
	# a1 moves to hb during a download: its link goes to hb, one write
	# says so, and every host follows.
	map_key "$SHARED" 8080 a1 > /dev/null
	slow_server
	in_ns client ncat --recv-only "$SHARED" 8080 > "$RUN/got" &
	local dl=$! rev
	sleep 1
	ip -n ha link set h-a1 netns hb
	ip -n hb link set h-a1 up
	in_ns hb sysctl -qw net.ipv4.conf.h-a1.rp_filter=0
	rev=$(put endpoints/a1 '{"mac": "02:00:00:00:00:a1", "host": "hb", "dev": "h-a1"}')
	converged "$rev"
	mark moved
	wait "$dl" || fail "the download broke during the move"
	mark downloaded
	(($(stat -c %s "$RUN/got") == 100 * 32768)) ||
		fail "the download got $(stat -c %s "$RUN/got") bytes of $((100 * 32768))"
	table gw | grep "endpoint add a1 mac 02:00:00:00:00:a1 vtep 203.0.115.2" > /dev/null ||
		fail "gw: a1 did not follow to hb: $(table gw)"
	table ha | grep "endpoint add a1 mac 02:00:00:00:00:a1 vtep 203.0.115.2" > /dev/null ||
		fail "ha: a1 did not follow to hb: $(table ha)"
	table hb | grep "endpoint add a1 mac 02:00:00:00:00:a1 dev h-a1" > /dev/null ||
		fail "hb: a1 is not at its device: $(table hb)"
	[[ $(who client "$SHARED" 80) == a1 ]] || fail "client -> a1 after the move"
	[[ $(who b1 "$SHARED" 80) == a1 ]] || fail "b1 -> a1, now on its host"
	[[ $(who a1 "$CLIENT" 7000) == out ]] || fail "a1 -> outside from hb"
	mark end
}

test_restart_compacted() {
	trap stop_all EXIT
	fleet
	local rev before
	before=$(status_of hb | jq -r .revision)
	stop_agent hb
	# While hb's agent is away: a map deleted, one added, an endpoint changed.
	del "maps/0/$B2/tcp/80" > /dev/null
	map_key "$B2" 8081 b2 > /dev/null
	rev=$(put endpoints/a1 '{"mac": "02:00:00:00:00:aa", "host": "ha", "dev": "h-a1"}')
	gateway kv/compaction "{\"revision\": $rev}" > /dev/null
	# The kernel kept hb's table meanwhile.
	table hb | grep "map add $B2 tcp 80 endpoint b2" > /dev/null || fail "hb's table went with its agent: $(table hb)"
	start_agent hb
	converged "$rev" hb
	table hb | grep "map add $B2 tcp 80 " > /dev/null && fail "hb kept a map deleted while it was down"
	table hb | grep "map add $B2 tcp 8081 endpoint b2" > /dev/null || fail "hb missed a map added while it was down"
	table hb | grep "endpoint add a1 mac 02:00:00:00:00:aa" > /dev/null || fail "hb missed an endpoint's change"
	# The others followed the watch, deletion included.
	table gw | grep "map add $B2 tcp 80 " > /dev/null && fail "gw kept the deleted map"
	table ha | grep "map add $B2 tcp 8081 endpoint b2" > /dev/null || fail "ha missed the added map"
	((before < rev)) || fail "no revision passed"
	grep -q "replace" "$RUN/mnmapd-hb.log" || fail "hb's agent did not replace on start"
	mark restart

	# hb cut off from etcd, its agent running: a deletion and a compaction
	# meanwhile; back, its fresh read deletes too.
	ip -n hb link set eth0 down
	for _ in $(seq 100); do
		grep -Eq "etcd away|the watch ended" "$RUN/mnmapd-hb.log" && break
		sleep 0.2
	done
	grep -Eq "etcd away|the watch ended" "$RUN/mnmapd-hb.log" || fail "hb's agent did not notice the cut"
	rev=$(del "maps/0/$B2/tcp/8081")
	gateway kv/compaction "{\"revision\": $rev}" > /dev/null
	ip -n hb link set eth0 up
	ip -n hb route add default via "${UPLINK[hb]}.1"
	converged "$rev" hb
	table hb | grep "map add $B2 tcp 8081 " > /dev/null && fail "hb kept a map deleted while it was cut off"
	mark cut

	# Two writers at once on one map: both land, or one says conflict.
	local w1 w2 rc1=0 rc2=0
	mnmapctl --etcd "$ETCD" map add "$B2" tcp 7001 endpoint b2 2> "$RUN/w1" &
	w1=$!
	mnmapctl --etcd "$ETCD" map add "$B2" tcp 7001 endpoint a1 2> "$RUN/w2" &
	w2=$!
	wait "$w1" || rc1=$?
	wait "$w2" || rc2=$?
	((rc1 == 0)) || grep -q conflict "$RUN/w1" || fail "writer 1 failed unclearly: $(cat "$RUN/w1")"
	((rc2 == 0)) || grep -q conflict "$RUN/w2" || fail "writer 2 failed unclearly: $(cat "$RUN/w2")"
	rev=$(put endpoints/b2 '{"mac": "02:00:00:00:00:b2", "host": "hb", "dev": "h-b2"}')
	converged "$rev"
	if ((rc1 == 0)); then
		table ha | grep "map add $B2 tcp 7001 endpoint b2" > /dev/null || fail "writer 1's change was lost"
	fi
	if ((rc2 == 0)); then
		table ha | grep "map add $B2 tcp 7001 endpoint a1" > /dev/null || fail "writer 2's change was lost"
	fi
	mark restart
	malformed_etcd_away
	mark end
}

malformed_etcd_away() {
	local rev
	# Unappliable keys: reported by every host or by the one they fail on,
	# skipped; what comes after still applies.
	put endpoints/bad '{"mac": "02:00:00:00:00:bb", "host": ' > /dev/null
	put endpoints/ghost '{"mac": "02:00:00:00:00:cc", "host": "ha", "dev": "nothere"}' > /dev/null
	put endpoints/t5 '{"mac": "02:00:00:00:00:dd", "host": "hb", "dev": "h-b2", "tenant": 5}' > /dev/null
	# A tenant's map takes only its own endpoints: every module refuses this one.
	put maps/6/10.6.0.1/tcp/80 '{"endpoints": [{"name": "t5", "weight": 1}]}' > /dev/null
	rev=$(map_key "$B2" 9000 b2)
	converged "$rev"
	table gw | grep "map add $B2 tcp 9000 endpoint b2" > /dev/null || fail "a change after a malformed value was not applied"
	status_of gw | jq -e '.errors[] | select(.key == "/mnmap/v1/endpoints/bad")' > /dev/null ||
		fail "gw did not report the malformed value: $(status_of gw)"
	status_of ha | jq -e '.errors[] | select(.key == "/mnmap/v1/endpoints/ghost") |
		select(.error | test("nothere"))' > /dev/null ||
		fail "ha did not report the missing device: $(status_of ha)"
	table gw | grep "endpoint add ghost mac 02:00:00:00:00:cc vtep 203.0.114.2" > /dev/null ||
		fail "gw did not apply ghost, which is fine there"
	table hb | grep "endpoint add t5 mac 02:00:00:00:00:dd dev h-b2 tenant 5" > /dev/null ||
		fail "hb did not apply t5 in its tenant: $(table hb | grep t5)"
	status_of hb | jq -e '.errors[] | select(.key == "/mnmap/v1/maps/6/10.6.0.1/tcp/80")' > /dev/null ||
		fail "hb did not report the map the module refuses: $(status_of hb)"
	grep -q "endpoints/bad" "$RUN/mnmapd-ha.log" || fail "ha did not log the malformed value"
	mnmapd --etcd "$ETCD" --status > "$RUN/fleet"
	grep -Eq "^ha revision [0-9]+ errors 3 " "$RUN/fleet" ||
		fail "mnmapd --status: $(cat "$RUN/fleet"); ha: $(status_of ha)"
	grep -q "endpoints/ghost" "$RUN/fleet" || fail "mnmapd --status does not list ha's errors"

	# etcd away: traffic continues, tables kept; back: changes apply.
	stop_etcd
	sleep 4
	[[ $(who client "$SHARED" 81) == b1 ]] || fail "traffic stopped with etcd"
	table gw | grep "map add $B2 tcp 9000 endpoint b2" > /dev/null || fail "gw's table changed with etcd away"
	start_etcd
	rev=$(map_key "$B2" 9001 b2)
	converged "$rev"
	table ha | grep "map add $B2 tcp 9001 endpoint b2" > /dev/null || fail "ha did not apply a change after etcd came back"
	grep -Eq "etcd away|the watch ended" "$RUN/mnmapd-ha.log" ||
		fail "ha did not log etcd's absence: $(cat "$RUN/mnmapd-ha.log")"
}

# 12-cni-store.sh sources this file for its helpers only.
[[ ${BASH_SOURCE[0]} == "$0" ]] || return 0
run_test "three hosts from etcd: outside and container traffic, a move during a download" test_fleet
run_test "an agent restarted after changes and a compaction converges, deletions included; two writers; malformed keys reported and skipped; etcd away keeps the tables, back applies" test_restart_compacted
finish
