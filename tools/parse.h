/* SPDX-License-Identifier: GPL-2.0 */
#ifndef MNMAPCTL_PARSE_H
#define MNMAPCTL_PARSE_H

#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>

/* An IPv4 or IPv6 address as the kernel takes it: network byte order. */
struct addr {
	int family;	/* AF_INET or AF_INET6 */
	union {
		struct in_addr v4;
		struct in6_addr v6;
		uint8_t bytes[16];
	};
};

/* Pure parsers: 0 on success, -1 on bad input (nothing written then). */
int parse_uint(const char *s, uint64_t max, uint64_t *out);
int parse_addr(const char *s, struct addr *out);
int parse_mac(const char *s, uint8_t mac[6]);
int parse_port_range(const char *s, uint16_t *first, uint16_t *last);
int parse_name(const char *s);

int addr_len(const struct addr *a);
const char *addr_str(int family, const void *bytes, char *buf, int len);
const char *mac_str(const uint8_t *mac, char *buf);

/* argv helpers for the iproute2-style grammar. */
bool matches(const char *arg, const char *keyword);

#endif
