# SPDX-License-Identifier: GPL-2.0
#
# Open vSwitch for the benchmarks: ovsdb-server and ovs-vswitchd started
# inside a namespace, so that the kernel datapath and its ports live
# there, with their state in a directory of their own. Sourced.

# ovs_start NETNS DIR: start the daemons; `ovs_vsctl` then talks to them.
ovs_start() {
	local ns=$1 d=$2
	mkdir -p "$d"
	export OVS_RUNDIR=$d OVS_LOGDIR=$d OVS_DBDIR=$d OVS_SYSCONFDIR=$d
	OVS_DB=$d/db.sock
	ovsdb-tool create "$d/conf.db" /usr/share/openvswitch/vswitch.ovsschema
	ip netns exec "$ns" ovsdb-server "$d/conf.db" --remote=punix:"$OVS_DB" \
		--pidfile="$d/db.pid" --detach --no-chdir --log-file="$d/db.log" -vconsole:off 2> /dev/null
	ip netns exec "$ns" ovs-vswitchd unix:"$OVS_DB" --pidfile="$d/vs.pid" --detach \
		--no-chdir --log-file="$d/vs.log" -vconsole:off 2> /dev/null
	ovs_vsctl "$ns" --no-wait init
}

ovs_vsctl() {
	local ns=$1
	shift
	ip netns exec "$ns" ovs-vsctl --db=unix:"$OVS_DB" --timeout=30 "$@"
}

# ovs_stop DIR
ovs_stop() {
	for p in "$1"/*.pid; do
		[[ -e $p ]] && kill "$(cat "$p")" 2> /dev/null || true
	done
	rm -rf "$1"
}
