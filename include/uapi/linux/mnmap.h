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
#define MNMAP_MCGRP_EVENTS	"events"

/* Top-level attributes of every mnmap message. */
enum mnmap_a {
	/* This host's role and plumbing. */
	MNMAP_A_HOST = 1,

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

	__MNMAP_A_HOST_MAX,
	MNMAP_A_HOST_MAX = (__MNMAP_A_HOST_MAX - 1)
};

enum mnmap_cmd {
	/* Get this host's configuration. */
	MNMAP_CMD_HOST_GET = 1,
	/* Change this host's configuration; replies with the result. */
	MNMAP_CMD_HOST_SET,
	/* Announces a changed host configuration. */
	MNMAP_CMD_HOST_NTF,

	__MNMAP_CMD_MAX,
	MNMAP_CMD_MAX = (__MNMAP_CMD_MAX - 1)
};

#endif /* _UAPI_LINUX_MNMAP_H */
