/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/* Do not edit: generated from Documentation/netlink/mnmap.yaml by scripts/genl-uapi. */

/*
 * mnmap maps a public (IP, protocol, port) M-to-N to containers, without NAT.
 *
 * Every request acts on the network namespace of the socket that sends it.
 * Requests that change state need CAP_NET_ADMIN over that namespace.
 * Attributes are validated strictly: an unknown, duplicated-where-single or
 * malformed attribute rejects the whole request, with an extended ACK that
 * names the attribute, and a rejected request changes nothing.
 *
 * Addresses travel in network byte order: an IPv4 address as a 4-byte
 * attribute, an IPv6 address as a 16-byte one. Interfaces travel as
 * ifindexes of the requesting namespace.
 */

#ifndef _UAPI_LINUX_MNMAP_H
#define _UAPI_LINUX_MNMAP_H

#define MNMAP_FAMILY_NAME	"mnmap"
#define MNMAP_GENL_VERSION	1
/* Longest endpoint name; names use A-Za-z0-9 and "_.:-". */
#define MNMAP_NAME_MAX_LEN	64
#define MNMAP_VNI_MAX	16777215
#define MNMAP_WEIGHT_MAX	65535
/*
 * Most endpoints one map holds, so that the map, every endpoint named
 * at full length, fits in one message (about 22 KB; nested attributes
 * stop at 64 KB). Replies, events and dump messages are sized to it.
 */
#define MNMAP_MAP_ENDPOINTS_MAX	256
#define MNMAP_MCGRP_EVENTS	"events"

/* Whether an endpoint takes new flows. */
enum mnmap_endpoint_state {
	/* It takes new flows by its weight in each map (the default). */
	MNMAP_ENDPOINT_STATE_UP = 0,
	/*
	 * Out of every map for new flows at once; its established flows
	 * stay with it (the flow table). A map whose endpoints are all
	 * down or drained takes no new flow; a map of one endpoint
	 * always delivers to it.
	 */
	MNMAP_ENDPOINT_STATE_DOWN,
};

/* Top-level attributes of every mnmap message. */
enum mnmap_a {
	/* This host's role and plumbing. */
	MNMAP_A_HOST = 1,
	/* An endpoint; ENDPOINT_NEW takes several to add a batch. */
	MNMAP_A_ENDPOINT,
	/* A mapping; MAP_NEW takes several to add a batch. */
	MNMAP_A_MAP,
	/*
	 * ENDPOINT_DEL: also remove the endpoint from the maps that use it
	 * (maps left without endpoints are deleted). Without it, deleting
	 * an endpoint in use is refused with EBUSY.
	 */
	MNMAP_A_FORCE,
	/*
	 * In TXN_BEGIN, build a new table from empty instead of changing the current one.
	 */
	MNMAP_A_REPLACE,
	/* Number of objects a batch request added or a flush removed (replies). */
	MNMAP_A_COUNT,
	/* A flow of the flow table (FLOW_GET replies). */
	MNMAP_A_FLOW,

	__MNMAP_A_MAX,
	MNMAP_A_MAX = (__MNMAP_A_MAX - 1)
};

/*
 * This host's plumbing. In HOST_SET, a present attribute replaces the
 * current value; 0 (or an all-zero address) clears it.
 */
enum mnmap_a_host {
	/* Version of the mnmap module (replies only). */
	MNMAP_A_HOST_VERSION = 1,
	/* ifindex of the device facing the provider network. */
	MNMAP_A_HOST_UPLINK,
	/* ifindex of the VXLAN device (external mode) toward other hosts. */
	MNMAP_A_HOST_VXLAN,
	/* This host's VTEP address. */
	MNMAP_A_HOST_VTEP_IPV4,
	/* This host's VTEP address. */
	MNMAP_A_HOST_VTEP_IPV6,
	/* The VTEP of the gateway host that carries traffic to the outside. */
	MNMAP_A_HOST_GATEWAY_IPV4,
	/* The VTEP of the gateway host that carries traffic to the outside. */
	MNMAP_A_HOST_GATEWAY_IPV6,
	/* Counters (replies only). */
	MNMAP_A_HOST_STATS,
	/*
	 * Present while the data path's hooks are registered in this
	 * namespace, that is while it has maps to serve (replies only).
	 */
	MNMAP_A_HOST_DATAPATH,
	/* The flow table's size and counters (replies only). */
	MNMAP_A_HOST_FLOWS,

	__MNMAP_A_HOST_MAX,
	MNMAP_A_HOST_MAX = (__MNMAP_A_HOST_MAX - 1)
};

/* A container as the network sees it. */
enum mnmap_a_endpoint {
	/* The orchestrator's container id, 1 to name-max-len characters. */
	MNMAP_A_ENDPOINT_NAME = 1,
	/* The container's MAC address. */
	MNMAP_A_ENDPOINT_MAC,
	/*
	 * The host-side device of a container on this host. 0: none, what an
	 * endpoint is left with when its device is unregistered (it keeps its
	 * name, MAC and maps; its packets count as no-device until it is set
	 * again). A device made later with the same index inherits nothing.
	 */
	MNMAP_A_ENDPOINT_IFINDEX,
	/* The VTEP of the host VM that holds a remote container. */
	MNMAP_A_ENDPOINT_VTEP_IPV4,
	/* The VTEP of the host VM that holds a remote container. */
	MNMAP_A_ENDPOINT_VTEP_IPV6,
	/*
	 * The endpoint's tenant under its older name: accepted in requests
	 * (it must agree with tenant when both are given), and in replies
	 * for an endpoint at a vtep.  See tenant.
	 */
	MNMAP_A_ENDPOINT_VNI,
	/* Number of maps that use this endpoint (replies). */
	MNMAP_A_ENDPOINT_USERS,
	/* Counters (replies only). */
	MNMAP_A_ENDPOINT_STATS,
	/*
	 * The tenant the container belongs to, named by its VNI (default 0,
	 * the tenant of public addresses).  Its lookups see its tenant's
	 * addresses, then the public ones; its tenant's packets between
	 * hosts carry this VNI, its public ones VNI 0.  Set when it is
	 * added; a set may change it only while no map uses it.
	 */
	MNMAP_A_ENDPOINT_TENANT,
	/* Whether it takes new flows (default up; replies always carry it). */
	MNMAP_A_ENDPOINT_STATE,

	__MNMAP_A_ENDPOINT_MAX,
	MNMAP_A_ENDPOINT_MAX = (__MNMAP_A_ENDPOINT_MAX - 1)
};

/*
 * (tenant, address, protocol, port or port range) -> endpoints. A single
 * port may have several endpoints, each with a weight; a port range
 * belongs to one endpoint (the block its own connections use). An exact
 * port takes precedence over a range that contains it; ranges may not
 * overlap. icmp maps carry no port.
 */
enum mnmap_a_map {
	/* The tenant (VNI) the address belongs to; public addresses use 0. */
	MNMAP_A_MAP_TENANT = 1,
	MNMAP_A_MAP_ADDR_IPV4,
	MNMAP_A_MAP_ADDR_IPV6,
	/*
	 * IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP (IPv4) or IPPROTO_ICMPV6 (IPv6).
	 */
	MNMAP_A_MAP_PROTO,
	/* First port, in host byte order (tcp and udp only). */
	MNMAP_A_MAP_PORT_FIRST,
	/* Last port of a range; equal to port-first (or absent) for one port. */
	MNMAP_A_MAP_PORT_LAST,
	/*
	 * In requests, the endpoint to add or remove. MAP_DEL without it
	 * removes the whole map.
	 */
	MNMAP_A_MAP_ENDPOINT,
	/*
	 * Share of new flows for this endpoint, 0 to weight-max (default
	 * 1). 0 drains it: its established flows stay, it gets no new one.
	 * In MAP_SET, the endpoint's new weight.
	 */
	MNMAP_A_MAP_WEIGHT,
	/* In replies, each endpoint of the map with its weight. */
	MNMAP_A_MAP_BACKEND,
	/* Counters (replies only), for a map that has them. */
	MNMAP_A_MAP_STATS,
	/*
	 * In MAP_NEW, the map counts its packets and bytes (per CPU, 16
	 * bytes per CPU); chosen when the map is made: adding to a map
	 * without counters refuses it. In replies, the map has counters.
	 * The namespace and every endpoint always count.
	 */
	MNMAP_A_MAP_COUNTERS,
	/*
	 * The slots of the map's Maglev table, a byte each (replies only):
	 * 0 for a map of one endpoint, which has none, or whose endpoints
	 * all have weight 0.
	 */
	MNMAP_A_MAP_SLOTS,

	__MNMAP_A_MAP_MAX,
	MNMAP_A_MAP_MAX = (__MNMAP_A_MAP_MAX - 1)
};

/* One endpoint of a map. */
enum mnmap_a_backend {
	MNMAP_A_BACKEND_ENDPOINT = 1,
	MNMAP_A_BACKEND_WEIGHT,

	__MNMAP_A_BACKEND_MAX,
	MNMAP_A_BACKEND_MAX = (__MNMAP_A_BACKEND_MAX - 1)
};

/*
 * Counters (replies only): what the data path delivered and dropped,
 * summed over CPUs, since the object was created. The namespace and
 * endpoints count drops by reason; a map counts only packets and bytes
 * (there may be millions, each counted per CPU).
 */
enum mnmap_a_stats {
	MNMAP_A_STATS_PAD = 1,
	/* Packets delivered. */
	MNMAP_A_STATS_PACKETS,
	/* Bytes delivered. */
	MNMAP_A_STATS_BYTES,
	/* Dropped, to a managed address but no map. */
	MNMAP_A_STATS_DROP_UNMAPPED,
	/* Dropped, from a container that does not own the source. */
	MNMAP_A_STATS_DROP_SPOOFED,
	/* Dropped, the endpoint's device is gone. */
	MNMAP_A_STATS_DROP_NO_DEVICE,
	/*
	 * Dropped, the endpoint is on another host (no VXLAN device, or out of the tunnel).
	 */
	MNMAP_A_STATS_DROP_REMOTE,
	/*
	 * Dropped, from a tenant's private address to anything but its own
	 * tenant's addresses: nothing else could answer it (there is no NAT).
	 */
	MNMAP_A_STATS_DROP_PRIVATE,
	/*
	 * Dropped, out of the tunnel with a VNI that does not own the destination.
	 */
	MNMAP_A_STATS_DROP_TENANT,

	__MNMAP_A_STATS_MAX,
	MNMAP_A_STATS_MAX = (__MNMAP_A_STATS_MAX - 1)
};

/*
 * The flow table (replies only): the flows to maps of several
 * endpoints, each remembering the endpoint it went to, so that a
 * change of the map's endpoints or weights never moves it.
 */
enum mnmap_a_flow_stats {
	MNMAP_A_FLOW_STATS_PAD = 1,
	/* Flows remembered now. */
	MNMAP_A_FLOW_STATS_COUNT,
	/* Most flows it remembers (module parameter flow_max). */
	MNMAP_A_FLOW_STATS_LIMIT,
	/* Packets that found their flow. */
	MNMAP_A_FLOW_STATS_HITS,
	/* Flows remembered. */
	MNMAP_A_FLOW_STATS_INSERTS,
	/* Flows forgotten to make room while the table was full. */
	MNMAP_A_FLOW_STATS_EVICTIONS,
	/*
	 * New flows not remembered: over the new-flow rate (module
	 * parameter flow_rate), or no memory. They go by the map's
	 * consistent hash.
	 */
	MNMAP_A_FLOW_STATS_BYPASSES,
	/* Flows forgotten after their idle timeout. */
	MNMAP_A_FLOW_STATS_EXPIRED,

	__MNMAP_A_FLOW_STATS_MAX,
	MNMAP_A_FLOW_STATS_MAX = (__MNMAP_A_FLOW_STATS_MAX - 1)
};

/*
 * One flow of the flow table (FLOW_GET replies): from (source address,
 * port) to a map's (tenant, address, protocol, port), and the
 * endpoint it goes to.
 */
enum mnmap_a_flow {
	MNMAP_A_FLOW_TENANT = 1,
	MNMAP_A_FLOW_PROTO,
	MNMAP_A_FLOW_SRC_IPV4,
	MNMAP_A_FLOW_SRC_IPV6,
	MNMAP_A_FLOW_SRC_PORT,
	MNMAP_A_FLOW_DST_IPV4,
	MNMAP_A_FLOW_DST_IPV6,
	MNMAP_A_FLOW_DST_PORT,
	/*
	 * The endpoint's name; absent when it left the map (the flow picks again).
	 */
	MNMAP_A_FLOW_ENDPOINT,
	/* Milliseconds since its last packet. */
	MNMAP_A_FLOW_IDLE,

	__MNMAP_A_FLOW_MAX,
	MNMAP_A_FLOW_MAX = (__MNMAP_A_FLOW_MAX - 1)
};

enum mnmap_cmd {
	/* Get this host's configuration. */
	MNMAP_CMD_HOST_GET = 1,
	/* Change this host's configuration; replies with the result. */
	MNMAP_CMD_HOST_SET,
	/* Announces a changed host configuration. */
	MNMAP_CMD_HOST_NTF,
	/*
	 * Add endpoints. With one endpoint, replies with it; with several (a
	 * batch), all are added or none is, and the reply carries their count.
	 */
	MNMAP_CMD_ENDPOINT_NEW,
	/*
	 * Change an endpoint's MAC, location (a move), tenant or state;
	 * replies with it.
	 */
	MNMAP_CMD_ENDPOINT_SET,
	/* Delete an endpoint; refused while maps use it unless force is given. */
	MNMAP_CMD_ENDPOINT_DEL,
	/* Get one endpoint by name, or dump them all. */
	MNMAP_CMD_ENDPOINT_GET,
	/* Announces a new or changed endpoint. */
	MNMAP_CMD_ENDPOINT_NTF,
	/* Announces a deleted endpoint. */
	MNMAP_CMD_ENDPOINT_DEL_NTF,
	/*
	 * Add maps, or endpoints to existing maps. With one map, replies with
	 * the map as it now is; with several (a batch), all are added or none
	 * is, and the reply carries their count.
	 */
	MNMAP_CMD_MAP_NEW,
	/* Delete a map, or one endpoint of it. */
	MNMAP_CMD_MAP_DEL,
	/*
	 * Dump the maps; a map attribute in the request filters by the
	 * attributes it carries (address, protocol, a port the map covers,
	 * endpoint).
	 */
	MNMAP_CMD_MAP_GET,
	/* Delete every map of this namespace; replies with the count. */
	MNMAP_CMD_MAP_FLUSH,
	/* Announces a new or changed map. */
	MNMAP_CMD_MAP_NTF,
	/* Announces a deleted map. */
	MNMAP_CMD_MAP_DEL_NTF,
	/* Announces that every map was deleted, with their count. */
	MNMAP_CMD_MAP_FLUSH_NTF,
	/*
	 * Open a transaction on this namespace's table, owned by the sending
	 * socket. Until TXN_COMMIT, the socket's endpoint and map changes are
	 * staged where traffic never sees them, each checked as it comes;
	 * other sockets' changes are refused with EBUSY. With replace, they
	 * build a new table that the commit swaps in, in one step. Without,
	 * only the changes are staged, and the commit publishes them key by
	 * key, each key changing in one step. Abort, or closing the socket,
	 * drops what was staged.
	 */
	MNMAP_CMD_TXN_BEGIN,
	/* Publish what was staged; replies with the number of maps. */
	MNMAP_CMD_TXN_COMMIT,
	/* Drop what was staged. */
	MNMAP_CMD_TXN_ABORT,
	/* Announces that a transaction was committed (re-dump the table). */
	MNMAP_CMD_TXN_NTF,
	/*
	 * Change the weight of one endpoint of a map (map names the map, its
	 * endpoint and the weight); replies with the map as it now is.
	 * Established flows stay where they are.
	 */
	MNMAP_CMD_MAP_SET,
	/*
	 * Dump the flow table; a map attribute in the request filters by the
	 * map's tenant (default 0), address, protocol and port. Needs
	 * CAP_NET_ADMIN: it shows the clients' addresses.
	 */
	MNMAP_CMD_FLOW_GET,
	/*
	 * Forget every flow of this namespace; replies with the count. Each
	 * flow picks its endpoint again by the map's consistent hash.
	 */
	MNMAP_CMD_FLOW_FLUSH,

	__MNMAP_CMD_MAX,
	MNMAP_CMD_MAX = (__MNMAP_CMD_MAX - 1)
};

#endif /* _UAPI_LINUX_MNMAP_H */
