// SPDX-License-Identifier: GPL-2.0
/* Parsers for the command line's words. No I/O: unit-tested as they are. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"

int parse_uint(const char *s, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (!s || !isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v > max)
		return -1;
	*out = v;
	return 0;
}

int parse_addr(const char *s, struct addr *out)
{
	struct addr a = { 0 };

	if (inet_pton(AF_INET, s, &a.v4) == 1)
		a.family = AF_INET;
	else if (inet_pton(AF_INET6, s, &a.v6) == 1)
		a.family = AF_INET6;
	else
		return -1;
	*out = a;
	return 0;
}

int addr_len(const struct addr *a)
{
	return a->family == AF_INET ? 4 : 16;
}

const char *addr_str(int family, const void *bytes, char *buf, int len)
{
	if (!inet_ntop(family, bytes, buf, len))
		snprintf(buf, len, "?");
	return buf;
}

int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned int b[6];
	char tail;

	if (strlen(s) != 17 ||
	    sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3],
		   &b[4], &b[5], &tail) != 6)
		return -1;
	for (int i = 0; i < 6; i++) {
		if (!isxdigit((unsigned char)s[i * 3]) ||
		    !isxdigit((unsigned char)s[i * 3 + 1]))
			return -1;
		mac[i] = b[i];
	}
	return 0;
}

const char *mac_str(const uint8_t *mac, char *buf)
{
	sprintf(buf, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2],
		mac[3], mac[4], mac[5]);
	return buf;
}

/* PORT or FIRST-LAST, 1..65535, FIRST <= LAST. */
int parse_port_range(const char *s, uint16_t *first, uint16_t *last)
{
	const char *dash = strchr(s, '-');
	uint64_t a, b;
	char buf[8];

	if (!dash) {
		if (parse_uint(s, 65535, &a) || a == 0)
			return -1;
		*first = *last = a;
		return 0;
	}
	if ((size_t)(dash - s) >= sizeof(buf))
		return -1;
	memcpy(buf, s, dash - s);
	buf[dash - s] = '\0';
	if (parse_uint(buf, 65535, &a) || parse_uint(dash + 1, 65535, &b) ||
	    a == 0 || b < a)
		return -1;
	*first = a;
	*last = b;
	return 0;
}

/* Endpoint names: 1-64 characters of A-Za-z0-9_.:- */
int parse_name(const char *s)
{
	size_t len = strlen(s);

	if (len < 1 || len > 64)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (!isalnum((unsigned char)s[i]) && !strchr("_.:-", s[i]))
			return -1;
	}
	return 0;
}

bool matches(const char *arg, const char *keyword)
{
	return arg && !strcmp(arg, keyword);
}
