#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The CNI plugin called by a real runtime: Debian's podman with its CNI
# backend (network_backend "cni"), a network whose one plugin is mnmap
# with the portMappings capability, and an image imported from a busybox
# root filesystem. `podman run -p ADDR:80:80` gets its public address
# through the plugin and a client outside reaches it; `podman rm -f`
# leaves nothing behind. Podman runs in the host's namespace of
# topo-single-host.sh (nsenter: it keeps the guest's mounts); its storage
# is a tmpfs. Skipped where podman is not installed.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/topo-single-host.sh"
PM=/tmp/podman
ADDR=198.51.100.10

pm() {
	nsenter --net=/run/netns/host env CONTAINERS_CONF="$PM/containers.conf" \
		podman --storage-driver vfs "$@"
}

# What podman and the plugin may leave: the table, the host's devices,
# network namespaces, the plugin's files.
leftovers() {
	mnmapctl -n host save | grep -v '^#' || true
	ip -n host -o link show | sed 's/^[0-9]*: //; s/ state .*//'
	ls /run/netns
	find "$PM/cni" -type f ! -name lock 2> /dev/null || true
}

# mark WHAT: elapsed seconds in the case's log (shown when it fails).
mark() {
	echo "# ${SECONDS}s: $*" >&2
}

podman_down() {
	pm rm -a -f -t 0 > /dev/null 2>&1 || true
	umount /var/lib/containers 2> /dev/null || true
	rm -rf "$PM"
}

test_podman() {
	command -v podman > /dev/null || skip "no podman (scripts/deps installs it)"
	trap podman_down EXIT
	ns client router host
	uplink_host
	# podman holds each published host address and port with a socket of
	# its own: the public address is not the host's.
	in_ns host sysctl -qw net.ipv4.ip_nonlocal_bind=1
	mkdir -p "$PM/net.d" "$PM/rootfs/bin" "$PM/rootfs/www" /var/lib/containers
	mount -t tmpfs tmpfs /var/lib/containers
	cat > "$PM/containers.conf" <<-EOF
	[engine]
	cgroup_manager = "cgroupfs"
	events_logger = "file"
	runtime = "crun"
	[network]
	network_backend = "cni"
	network_config_dir = "$PM/net.d"
	cni_plugin_dirs = ["$MNMAP_TOP/cni", "/usr/lib/cni"]
	EOF
	jq -n --arg data "$PM/cni" --arg addr "$ADDR" '{
		cniVersion: "1.0.0", name: "mnmap", plugins: [{
			type: "mnmap", capabilities: {portMappings: true}, dataDir: $data,
			blocks: {addr: $addr, range: "40000-41023", size: 1024}}]}' > "$PM/net.d/mnmap.conflist"
	cp /bin/busybox "$PM/rootfs/bin/"
	for a in sh httpd; do ln -s busybox "$PM/rootfs/bin/$a"; done
	echo "through mnmap" > "$PM/rootfs/www/index.html"
	tar -C "$PM/rootfs" -cf "$PM/rootfs.tar" .
	pm import "$PM/rootfs.tar" localhost/mnmap-busybox > /dev/null
	local before id out
	before=$(leftovers)
	mark ready
	id=$(pm run -d --network mnmap -p "$ADDR:80:80" localhost/mnmap-busybox httpd -f -p 80 -h /www)
	mark run
	mnmapctl -n host map show endpoint "$id" | grep "^$ADDR tcp 80 " > /dev/null ||
		fail "no map for the container: $(mnmapctl -n host map show)"
	for _ in $(seq 50); do
		out=$(in_ns client curl -s --max-time 2 "http://$ADDR/") && break
		sleep 0.2
	done
	[[ $out == "through mnmap" ]] || fail "the client got '$out'"
	pm rm -f -t 0 "$id" > /dev/null
	mark removed
	out=$(leftovers)
	[[ $out == "$before" ]] || fail "podman rm -f left: $(diff <(echo "$before") <(echo "$out"))"
}

run_test "podman run -p $ADDR:80:80 through the plugin; a client reaches it; podman rm -f leaves nothing" test_podman
finish
