#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The CNI plugin with "store" (Documentation/cni.md): the endpoint and the
# maps go to etcd, and every host's mnmapd learns them. Two hosts of
# 12-etcd.sh's topology, whose helpers this uses; the provider sends the
# public addresses to hb, which is also the gateway; the plugin runs on ha:
#
#   client --- router ---+--- ha  203.0.114.2 --- c1  198.51.100.10 (the plugin's)
#   192.0.2.2            +--- hb  203.0.115.2
#                        +--- etcd 203.0.116.2:2379
#
# ADD on ha: hb has c1 at ha's VTEP, and a client's connection reaches c1
# through hb; CHECK compares the store too; DEL clears c1 from the store
# and both tables; an endpoint c1 of someone else's in the store refuses
# ADD, and DEL leaves it; with etcd away ADD fails and changes nothing.
source "$(dirname "$0")/12-etcd.sh"
CNI="$MNMAP_TOP/cni/mnmap"
STATE=$RUN/cni
HOSTS=(ha hb)

conf() {
	jq -n --arg state "$STATE" --arg etcd "$ETCD" '{
		cniVersion: "1.0.0", name: "pub", type: "mnmap", dataDir: $state,
		capabilities: {portMappings: true},
		store: {etcd: $etcd, host: "ha", timeout: 30},
		blocks: {addr: "198.51.100.10", range: "40000-41023", size: 1024},
		runtimeConfig: {portMappings: [{hostIP: "198.51.100.10", hostPort: 80,
						containerPort: 80, protocol: "tcp"}]}
	}'
}

# cni COMMAND CONTAINER: the plugin on ha, as a runtime calls it.
cni() {
	in_ns ha env -i PATH="$PATH" CNI_COMMAND="$1" CNI_CONTAINERID="$2" \
		CNI_NETNS="/run/netns/$2" CNI_IFNAME=eth0 "$CNI" <<< "$CONF"
}

# What ADD may change: the tables, ha's devices, c1's, the plugin's state.
world() {
	table ha
	table hb
	ip -n ha -o link show | sed 's/^[0-9]*: //; s/ state .*//'
	ip -n c1 -o link show | sed 's/^[0-9]*: //; s/ state .*//'
	ip -n c1 -o addr show
	find "$STATE" -type f 2> /dev/null | sort | xargs -r grep -H . || true
}

# has_c1 HOST: HOST's table names c1.
has_c1() {
	table "$1" | grep -E "(endpoint|add) c1( |$)" > /dev/null
}

# settled HOST [!] LINE: until HOST's table has the line LINE (with !: no
# line naming c1), within CONVERGE_S. Status keys move the store's
# revision too: mnmapd's own would not reach it.
settled() {
	local h=$1 deadline=$((SECONDS + CONVERGE_S))
	shift
	while :; do
		if [[ $1 == ! ]]; then
			has_c1 "$h" || return 0
		else
			table "$h" | grep -xF "$1" > /dev/null && return 0
		fi
		((SECONDS < deadline)) || { fail "$h: not '$*' after ${CONVERGE_S}s: $(table "$h")"; return 1; }
		sleep 0.2
	done
}

test_store() {
	trap stop_all EXIT
	provider c1
	ip -n router route add 198.51.100.0/24 dev r-hb
	start_etcd
	mnmapctl --etcd "$ETCD" host set gateway 203.0.115.2
	for h in "${HOSTS[@]}"; do start_agent "$h"; done
	converged 1
	mark fleet
	CONF=$(conf)
	local mac hostif
	cni ADD c1 > "$RUN/r" || fail "ADD: $(cat "$RUN/r")"
	mark added
	mac=$(jq -r '.interfaces[1].mac' "$RUN/r")
	hostif=$(jq -r '.interfaces[0].name' "$RUN/r")
	mnmapctl --etcd "$ETCD" save | grep -x "endpoint add c1 mac $mac host ha dev $hostif" > /dev/null ||
		fail "the store has no c1: $(mnmapctl --etcd "$ETCD" save)"
	# ADD waited for ha's mnmapd; hb follows.
	table ha | grep -x "endpoint add c1 mac $mac dev $hostif" > /dev/null || fail "ha: $(table ha)"
	settled hb "endpoint add c1 mac $mac vtep 203.0.114.2"
	for m in "tcp 80" "tcp 40000-41023" "udp 40000-41023"; do
		table hb | grep "map add 198.51.100.10 $m endpoint c1" > /dev/null || fail "hb: no $m: $(table hb)"
	done
	serve c1 80
	wait_port c1 80
	[[ $(who client 198.51.100.10 80) == c1 ]] || fail "client -> c1 through hb"

	# CHECK: intact, then without a map in the store.
	cni CHECK c1 > "$RUN/out" || fail "CHECK of an intact container: $(cat "$RUN/out")"
	mnmapctl --etcd "$ETCD" map del 198.51.100.10 tcp 80 endpoint c1
	! cni CHECK c1 > "$RUN/out" || fail "CHECK passed without the store's map"
	[[ $(jq -r .msg "$RUN/out") == *"the store has no map 198.51.100.10 tcp 80"* ]] ||
		fail "CHECK said: $(cat "$RUN/out")"
	mnmapctl --etcd "$ETCD" map add 198.51.100.10 tcp 80 endpoint c1
	mark checked

	# DEL: out of the store, then out of both tables; again, no error.
	cni DEL c1 > "$RUN/out" || fail "DEL: $(cat "$RUN/out")"
	! mnmapctl --etcd "$ETCD" save | grep -E "(endpoint|add) c1( |$)" ||
		fail "the store still has c1"
	! has_c1 ha || fail "ha still has c1 after DEL"
	settled hb !
	! ip -n ha link show "$hostif" 2> /dev/null || fail "$hostif is left"
	cni DEL c1 > "$RUN/out" || fail "second DEL: $(cat "$RUN/out")"
	mark deleted

	# An endpoint c1 in the store, someone else's (of a host without a
	# VTEP: no table takes it): ADD is refused, the DEL after it leaves it.
	local before out
	mnmapctl --etcd "$ETCD" endpoint add c1 mac 02:00:00:00:00:99 host hz dev eth9
	before=$(world)
	! cni ADD c1 > "$RUN/out" || fail "ADD of an endpoint in the store succeeded"
	jq -e '.code == 100 and (.msg | test("already exists in the store"))' "$RUN/out" > /dev/null ||
		fail "not the CNI error: $(cat "$RUN/out")"
	cni DEL c1 > "$RUN/out" || fail "DEL: $(cat "$RUN/out")"
	mnmapctl --etcd "$ETCD" save | grep -x "endpoint add c1 mac 02:00:00:00:00:99 host hz dev eth9" > /dev/null ||
		fail "DEL removed someone else's endpoint from the store"
	out=$(world)
	[[ $out == "$before" ]] || fail "the refused ADD changed: $(diff <(echo "$before") <(echo "$out"))"
	mnmapctl --etcd "$ETCD" endpoint del c1

	# etcd away: ADD fails as CNI does, and nothing changes.
	stop_etcd
	before=$(world)
	! cni ADD c1 > "$RUN/out" || fail "ADD with etcd away succeeded"
	jq -e '.code == 103 and (.msg | test("cannot read the store"))' "$RUN/out" > /dev/null ||
		fail "not the CNI error: $(cat "$RUN/out")"
	out=$(world)
	[[ $out == "$before" ]] || fail "the failed ADD changed: $(diff <(echo "$before") <(echo "$out"))"
	mark end
}

run_test "store: ADD on ha, hb learns c1 and passes it traffic; CHECK against the store; DEL everywhere; someone else's c1 refused and kept; etcd away refused" \
	test_store
finish
