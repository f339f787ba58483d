#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# mnmapctl -c -b: a batch checked without a kernel, as TAP. Runs the
# mnmapctl built beside it (under the sanitizers in make check).
#
#   test_check.sh MNMAPCTL
ctl=${1:?usage: test_check.sh MNMAPCTL}
n=0
failed=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# case NAME WANT_RC WANT_STDERR_REGEX BATCH_TEXT (an empty regex: no stderr)
case_() {
	local name=$1 want_rc=$2 want=$3 rc
	n=$((n + 1))
	printf '%b' "$4" > "$tmp/batch"
	"$ctl" -c -b "$tmp/batch" > "$tmp/out" 2> "$tmp/err"
	rc=$?
	if [[ $rc == "$want_rc" && ! -s $tmp/out ]] &&
		if [[ -z $want ]]; then [[ ! -s $tmp/err ]]; else grep -Eq -- "$want" "$tmp/err"; fi; then
		echo "ok $n - check: $name"
	else
		echo "not ok $n - check: $name"
		echo "# rc $rc, stderr: $(cat "$tmp/err"), stdout: $(cat "$tmp/out")"
		failed=1
	fi
}

case_ "a good batch passes, silently" 0 '' \
	'flush\n# a comment\n\n  map   add 198.51.100.1 udp 9 endpoint e  # trailing\n\t\nendpoint add e mac 02:00:00:00:00:01 vtep 192.0.2.1\nhost set vtep 192.0.2.9\ncontainer setup c1 endpoint e\ncontainer teardown c1\n'
case_ "an endpoint whose device went away (dev none) restores" 0 '' \
	'endpoint add gone mac 02:00:00:00:00:02 dev none\nendpoint set gone dev none\n'
case_ "dev none is a device: not with a vtep" 1 ':1: endpoint add: give dev or vtep, not both' \
	'endpoint add x mac 02:00:00:00:00:02 dev none vtep 192.0.2.1\n'
case_ "a bad line is named" 1 '^mnmapctl: .*/batch:3: map add: invalid address .1\.2\.3\.x.$' \
	'map add 1.2.3.4 udp 9 endpoint e\n\nmap add 1.2.3.x udp 9 endpoint e\n'
case_ "a misspelt keyword is named" 1 ':1: map add: unknown keyword .endpint.' \
	'map add 1.2.3.4 udp 9 endpint e\n'
case_ "flush after a table line" 1 ':2: flush must come before any endpoint or map line' \
	'map add 1.2.3.4 udp 9 endpoint e\nflush\n'
case_ "monitor in a batch" 1 ':2: monitor cannot run in a batch' \
	'map add 1.2.3.4 udp 9 endpoint e\nmonitor\n'
case_ "container setup's arguments are checked" 1 ':1: container setup: usage' \
	'container setup c1 endpoint\n'
case_ "too many words" 1 ':1: too many words' "map add$(printf ' x%.0s' {1..70})\n"
case_ "counters is a flag of map add, anywhere among its options" 0 '' \
	'map add 1.2.3.4 udp 9 endpoint e counters\nmap add 1.2.3.4 tcp 1-9 counters endpoint e tenant 3\n'
case_ "counters only go with add" 1 ':2: map del: counters only go with add' \
	'map add 1.2.3.4 udp 9 endpoint e counters\nmap del 1.2.3.4 udp 9 counters\n'
case_ "an unknown object" 1 ':1: unknown object .mapp.' 'mapp add 1.2.3.4 udp 9 endpoint e\n'

n=$((n + 1))
if "$ctl" -c map show > /dev/null 2> "$tmp/err" || ! grep -q "use it with -b FILE alone" "$tmp/err"; then
	echo "not ok $n - check: -c without a batch is refused"
	failed=1
else
	echo "ok $n - check: -c without a batch is refused"
fi
echo "1..$n"
exit $failed
