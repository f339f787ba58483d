#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# mnmapctl --etcd against a real etcd on this machine (no kernel needed),
# as TAP: the keys the grammar writes, save and -b restoring it exactly,
# refusals that change nothing, and writers at once that lose nothing.
#
#   test_etcd.sh MNMAPCTL
ctl=${1:?usage: test_etcd.sh MNMAPCTL}
command -v etcd > /dev/null || { echo "1..0 # skip: no etcd (make deps)"; exit 0; }
n=0
failed=0
tmp=$(mktemp -d)
port=$((20000 + RANDOM % 20000))
url=http://127.0.0.1:$port
etcd --data-dir "$tmp/data" --listen-client-urls "$url" --advertise-client-urls "$url" \
	--listen-peer-urls "http://127.0.0.1:$((port + 1))" \
	--initial-advertise-peer-urls "http://127.0.0.1:$((port + 1))" \
	--initial-cluster "default=http://127.0.0.1:$((port + 1))" > "$tmp/etcd.log" 2>&1 &
etcd_pid=$!
trap 'kill $etcd_pid; wait $etcd_pid 2> /dev/null; rm -rf "$tmp"' EXIT
for _ in $(seq 100); do
	curl -sf -X POST "$url/v3/kv/range" -d '{"key": "eA=="}' > /dev/null && break
	sleep 0.1
done

ok() {
	n=$((n + 1))
	if "$@" > /dev/null 2>&1; then
		echo "ok $n - etcd: ${desc}"
	else
		echo "not ok $n - etcd: ${desc}"
		failed=1
	fi
}

c() {
	"$ctl" --etcd "$url" "$@"
}

# refused REGEX ARGS...: mnmapctl --etcd ARGS fails, saying REGEX.
refused() {
	local want=$1
	shift
	! c "$@" 2> "$tmp/err" && grep -Eq -- "$want" "$tmp/err"
}

# value KEY: the JSON under /mnmap/v1/KEY.
value() {
	curl -sf -X POST "$url/v3/kv/range" \
		-d "{\"key\": \"$(printf '%s' "/mnmap/v1/$1" | base64 -w0)\"}" |
		jq -r '.kvs[0].value // empty' | base64 -d
}

desc="endpoint add writes its key"
ok c endpoint add c1 mac 02:00:00:00:00:01 host h1 dev veth1
desc="the endpoint's value"
ok test "$(value endpoints/c1 | jq -c .)" = '{"mac":"02:00:00:00:00:01","host":"h1","dev":"veth1"}'
desc="an endpoint added twice is refused"
ok refused exists endpoint add c1 mac 02:00:00:00:00:01 host h1 dev veth1
desc="with --etcd an endpoint needs host and dev, not vtep"
ok refused "host NAME dev" endpoint add c2 mac 02:00:00:00:00:02 vtep 10.0.0.1
desc="endpoint add with tenant and state"
ok c endpoint add c2 mac 02:00:00:00:00:02 host h2 dev veth2 tenant 5 state down
desc="map add writes maps/TENANT/ADDR/PROTO/PORT, the address as inet_ntop writes it"
ok c map add 2001:DB8::1 tcp 80 endpoint c1 weight 3
desc="a second endpoint joins the map's list"
ok c map add 2001:db8::1 tcp 80 endpoint c2
desc="the map's value"
ok test "$(value maps/0/2001:db8::1/tcp/80 | jq -c .endpoints)" = '[{"name":"c1","weight":3},{"name":"c2","weight":1}]'
desc="a map to an endpoint the store lacks is refused"
ok refused "no endpoint 'nope'" map add 192.0.2.1 tcp 80 endpoint nope
desc="an endpoint in use is not deleted without -f"
ok refused "maps use endpoint 'c1'" endpoint del c1
desc="... and is still there"
ok test -n "$(value endpoints/c1)"
desc="an icmp map with a tenant and counters"
ok c map add 192.0.2.1 icmp endpoint c1 tenant 7 counters
desc="host set gateway writes config"
ok c host set gateway 10.0.0.2
desc="commands that read the kernel are refused with --etcd"
ok refused "with --etcd" endpoint show
c save > "$tmp/save1"
desc="save writes the store as a batch"
ok grep -qx "map add 192.0.2.1 icmp endpoint c1 tenant 7 counters" "$tmp/save1"
printf 'flush\nendpoint add x mac 02:00:00:00:00:09 host h1 dev v1\nmap add 1.2.3.4 tcp 6 endpoint nope\n' > "$tmp/bad"
desc="a batch with a bad line names it and writes nothing"
ok refused ":3: map add: no endpoint" -b "$tmp/bad"
desc="... and the store is as it was"
ok diff <(c save | tail -n +2) <(tail -n +2 "$tmp/save1")
printf 'flush\nendpoint add x mac 02:00:00:00:00:09 host h1 dev v1\nmap add 1.2.3.4 tcp 6 endpoint x\n' > "$tmp/good"
desc="a batch that starts with flush replaces endpoints and maps"
ok bash -c "$ctl --etcd $url -b $tmp/good && test \"\$($ctl --etcd $url save | grep -c '^endpoint\|^map')\" = 2"
desc="-b of a save restores it exactly"
ok bash -c "$ctl --etcd $url -b $tmp/save1 && $ctl --etcd $url save | tail -n +2 | diff - <(tail -n +2 $tmp/save1)"
# Writers at once on one map: each lands, or says conflict and writes nothing.
for i in 1 2 3 4; do c endpoint add w$i mac 02:00:00:00:01:0$i host h1 dev w$i; done
pids=()
for i in 1 2 3 4; do
	c map add 198.51.100.1 tcp 80 endpoint "w$i" 2> "$tmp/w$i" &
	pids+=($!)
done
wait "${pids[@]}"
landed=$(value maps/0/198.51.100.1/tcp/80 | jq '.endpoints | length')
told=$(cat "$tmp"/w? | grep -c conflict)
desc="4 writers at once on one map: every change lands or is told (landed $landed, told $told)"
ok test $((landed + told)) = 4

echo "1..$n"
exit $failed
