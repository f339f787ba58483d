// SPDX-License-Identifier: GPL-2.0
/*
 * The store's keys and values, translated into mnmapctl's grammar: mnmapd
 * feeds the lines to the same batch code as `mnmapctl -b`, so the store
 * and the command line mean the same thing. Every string a value brings
 * is checked here before it joins a line, so that a value can never add
 * words of its own to the grammar.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <linux/mnmap.h>
#include <net/if.h>

#include "parse.h"
#include "store.h"

static int fail(char *err, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return -1;
}

/*
 * Split @buf in place at each '/' into at most @max non-empty parts (runs of
 * '/' count as one); their count, or @max + 1 when more follow. A plain loop:
 * strtok_r's SSE4.2 strspn/strcspn are slow under QEMU's TCG (cf. batch.c).
 */
static int split_key(char *buf, char **parts, int max)
{
	int n = 0;

	for (char *p = buf; *p;) {
		if (*p == '/') {
			*p++ = '\0';
			continue;
		}
		if (n == max)
			return max + 1;
		parts[n++] = p;
		while (*p && *p != '/')
			p++;
	}
	return n;
}

/* maps/TENANT/ADDR/PROTO/PORT */
static enum key_kind map_key(const char *rest, struct key_info *ki, char *err, size_t len)
{
	char buf[128], *parts[4];
	uint64_t tenant;
	uint16_t first, last;
	struct addr a;
	int n;

	if (snprintf(buf, sizeof(buf), "%s", rest) >= (int)sizeof(buf))
		return fail(err, len, "map key too long"), KEY_BAD;
	n = split_key(buf, parts, 4);
	if (n != 4)
		return fail(err, len, "a map key is maps/TENANT/ADDR/PROTO/PORT"), KEY_BAD;
	if (parse_uint(parts[0], MNMAP_VNI_MAX, &tenant))
		return fail(err, len, "tenant '%s' is not 0 to %u", parts[0], MNMAP_VNI_MAX), KEY_BAD;
	if (parse_addr(parts[1], &a))
		return fail(err, len, "invalid address '%s'", parts[1]), KEY_BAD;
	if (!strcmp(parts[2], "icmp")) {
		if (strcmp(parts[3], "-"))
			return fail(err, len, "an icmp map's port is '-'"), KEY_BAD;
		snprintf(ki->map_id, sizeof(ki->map_id), "%s icmp", parts[1]);
		ki->weightless = true;
	} else if (!strcmp(parts[2], "tcp") || !strcmp(parts[2], "udp")) {
		if (parse_port_range(parts[3], &first, &last))
			return fail(err, len, "invalid port '%s'", parts[3]), KEY_BAD;
		ki->weightless = first != last;
		snprintf(ki->map_id, sizeof(ki->map_id), "%s %s %s", parts[1], parts[2], parts[3]);
	} else {
		return fail(err, len, "unknown protocol '%s' (tcp, udp or icmp)", parts[2]), KEY_BAD;
	}
	if (tenant) {
		size_t l = strlen(ki->map_id);

		snprintf(ki->map_id + l, sizeof(ki->map_id) - l, " tenant %u", (unsigned int)tenant);
	}
	return KEY_MAP;
}

static enum key_kind named_key(const char *name, enum key_kind kind, struct key_info *ki,
			       char *err, size_t len)
{
	if (parse_name(name))
		return fail(err, len, "invalid name '%s' (1-64 of A-Za-z0-9_.:-)", name), KEY_BAD;
	snprintf(ki->name, sizeof(ki->name), "%s", name);
	return kind;
}

enum key_kind store_key_parse(const char *key, struct key_info *ki, char *err, size_t len)
{
	static const struct { const char *dir; enum key_kind kind; } dirs[] = {
		{ "hosts/", KEY_HOST }, { "endpoints/", KEY_ENDPOINT },
		{ "status/", KEY_STATUS },
	};
	const char *rest;

	memset(ki, 0, sizeof(*ki));
	if (strncmp(key, STORE_PREFIX, strlen(STORE_PREFIX)))
		return fail(err, len, "not under " STORE_PREFIX), KEY_BAD;
	rest = key + strlen(STORE_PREFIX);
	if (!strcmp(rest, "config"))
		return ki->kind = KEY_CONFIG;
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (!strncmp(rest, dirs[i].dir, strlen(dirs[i].dir)))
			return ki->kind = named_key(rest + strlen(dirs[i].dir), dirs[i].kind,
						    ki, err, len);
	if (!strncmp(rest, "maps/", 5))
		return ki->kind = map_key(rest + 5, ki, err, len);
	return fail(err, len, "unknown key"), KEY_BAD;
}

/* The value's object, or NULL with @err. */
static json_object *value_object(const char *json, char *err, size_t len)
{
	json_object *o = json_tokener_parse(json);

	if (!o || !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		fail(err, len, "not a JSON object");
		return NULL;
	}
	return o;
}

/* A string field; NULL when absent. -1 when present but not a string. */
static int str_field(json_object *o, const char *field, const char **out, char *err, size_t len)
{
	json_object *v;

	*out = NULL;
	if (!json_object_object_get_ex(o, field, &v) || json_object_is_type(v, json_type_null))
		return 0;
	if (!json_object_is_type(v, json_type_string))
		return fail(err, len, "'%s' must be a string", field);
	*out = json_object_get_string(v);
	return 0;
}

/* An integer field, @def when absent, within 0..@max. */
static int uint_field(json_object *o, const char *field, uint64_t max, uint64_t def,
		      uint64_t *out, char *err, size_t len)
{
	json_object *v;
	int64_t n;

	*out = def;
	if (!json_object_object_get_ex(o, field, &v) || json_object_is_type(v, json_type_null))
		return 0;
	if (!json_object_is_type(v, json_type_int))
		return fail(err, len, "'%s' must be an integer", field);
	n = json_object_get_int64(v);
	if (n < 0 || (uint64_t)n > max)
		return fail(err, len, "'%s' must be 0 to %llu", field, (unsigned long long)max);
	*out = n;
	return 0;
}

/* A device name that stays one word of the grammar. */
static bool ifname_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= IF_NAMESIZE || !strcmp(s, "none"))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isgraph((unsigned char)s[i]) || s[i] == '#' || s[i] == '/')
			return false;
	return true;
}

/* Where the endpoint is, seen from this host: " dev IF" or " vtep ADDR". */
static int endpoint_place(const struct xlate_ctx *x, json_object *o, char *place, size_t plen,
			  char *err, size_t len)
{
	const char *host, *dev, *vtep;

	if (str_field(o, "host", &host, err, len) || str_field(o, "dev", &dev, err, len))
		return -1;
	if (!host || parse_name(host))
		return fail(err, len, "'host' must name a host (1-64 of A-Za-z0-9_.:-)");
	if (!strcmp(host, x->host)) {
		if (!dev || !ifname_ok(dev))
			return fail(err, len, "'dev' must name a device on %s", host);
		snprintf(place, plen, " dev %s", dev);
		return 0;
	}
	vtep = x->vtep_of(x->arg, host);
	if (!vtep)
		return fail(err, len, "host '%s' has no hosts/%s key with a vtep", host, host);
	snprintf(place, plen, " vtep %s", vtep);
	return 0;
}

/* "state": up (or absent) or down; *@down says which. */
static int endpoint_state(json_object *o, bool *down, char *err, size_t len)
{
	const char *state;

	if (str_field(o, "state", &state, err, len))
		return -1;
	*down = state && !strcmp(state, "down");
	if (state && !*down && strcmp(state, "up"))
		return fail(err, len, "'state' must be up or down");
	return 0;
}

int xlate_endpoint(const struct xlate_ctx *x, const char *name, const char *json,
		   struct xlate_endpoint *out, char *err, size_t len)
{
	json_object *o = value_object(json, err, len);
	char place[96] = "", tenant[32] = "";
	uint8_t mac[6];
	const char *m;
	uint64_t t, vni;
	bool down;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (!o)
		return -1;
	if (str_field(o, "mac", &m, err, len) ||
	    uint_field(o, "tenant", MNMAP_VNI_MAX, 0, &t, err, len) ||
	    uint_field(o, "vni", MNMAP_VNI_MAX, t, &vni, err, len) ||
	    endpoint_state(o, &down, err, len))
		goto out;
	/* An endpoint's VNI is its tenant (the module's older name for it). */
	if (vni != t) {
		fail(err, len, "'vni' is the tenant's older name: it must equal 'tenant'");
		goto out;
	}
	if (!m || parse_mac(m, mac)) {
		fail(err, len, "'mac' must be a MAC address");
		goto out;
	}
	if (endpoint_place(x, o, place, sizeof(place), err, len))
		goto out;
	if (t)
		snprintf(tenant, sizeof(tenant), " tenant %u", (unsigned int)t);
	out->tenant = t;
	/* A set says the state either way: it may be what changed. */
	snprintf(out->add, sizeof(out->add), "endpoint add %s mac %s%s%s%s\n", name, m, place,
		 tenant, down ? " state down" : "");
	snprintf(out->set, sizeof(out->set), "endpoint set %s mac %s%s state %s\n", name, m,
		 place, down ? "down" : "up");
	rc = 0;
out:
	json_object_put(o);
	return rc;
}

/*
 * A string being built. Not open_memstream: glibc's zeroes a buffer of
 * BUFSIZ for each stream, and a full read makes two streams per map (1.6 GB
 * of zeroed pages for 100k maps, most of a replace's time under TCG).
 */
struct sbuf {
	char *s;
	size_t len, cap;
	bool oom;
};

static void sb_add(struct sbuf *b, const char *data, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = (b->len + n + 1) * 2;
		char *s = realloc(b->s, cap < 128 ? 128 : cap);

		if (!s) {
			b->oom = true;
			return;
		}
		b->s = s;
		b->cap = cap < 128 ? 128 : cap;
	}
	memcpy(b->s + b->len, data, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void sb_str(struct sbuf *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

/* One of a map's endpoints: its line and its name. */
static int map_backend(const struct xlate_ctx *x, const struct key_info *ki, json_object *be,
		       bool counters, struct sbuf *lines, struct sbuf *names, char *err, size_t len)
{
	char weight_words[32] = "";
	const char *name;
	uint64_t weight;

	if (!json_object_is_type(be, json_type_object))
		return fail(err, len, "each of 'endpoints' must be an object");
	if (str_field(be, "name", &name, err, len) ||
	    uint_field(be, "weight", MNMAP_WEIGHT_MAX, 1, &weight, err, len))
		return -1;
	if (!name || parse_name(name))
		return fail(err, len, "an endpoint needs a 'name' (1-64 of A-Za-z0-9_.:-)");
	if (ki->weightless && weight != 1)
		return fail(err, len, "endpoint %s: a port range or icmp map takes no weight", name);
	if (!x->endpoint_ok(x->arg, name))
		return fail(err, len, "unknown endpoint '%s' (absent or not applied)", name);
	/* A range belongs to one endpoint: the grammar takes no weight there. */
	if (!ki->weightless && weight != 1)
		snprintf(weight_words, sizeof(weight_words), " weight %u", (unsigned int)weight);
	sb_str(lines, "map add ");
	sb_str(lines, ki->map_id);
	sb_str(lines, " endpoint ");
	sb_str(lines, name);
	sb_str(lines, weight_words);
	sb_str(lines, counters ? " counters\n" : "\n");
	sb_add(names, name, strlen(name) + 1);
	return 0;
}

static int map_backends(const struct xlate_ctx *x, const struct key_info *ki, json_object *o,
			struct sbuf *lines, struct sbuf *names, char *err, size_t len)
{
	json_object *eps, *counters;
	bool count = false;
	size_t n;

	if (json_object_object_get_ex(o, "counters", &counters)) {
		if (!json_object_is_type(counters, json_type_boolean))
			return fail(err, len, "'counters' must be true or false");
		count = json_object_get_boolean(counters);
	}
	if (!json_object_object_get_ex(o, "endpoints", &eps) ||
	    !json_object_is_type(eps, json_type_array) || !json_object_array_length(eps))
		return fail(err, len, "'endpoints' must be a list of at least one endpoint");
	n = json_object_array_length(eps);
	for (size_t i = 0; i < n; i++)
		if (map_backend(x, ki, json_object_array_get_idx(eps, i), count, lines, names,
				err, len))
			return -1;
	return 0;
}

int xlate_map(const struct xlate_ctx *x, const struct key_info *ki, const char *json,
	      char **lines, char **names, char *err, size_t len)
{
	json_object *o = value_object(json, err, len);
	struct sbuf l = { 0 }, n = { 0 };
	int rc;

	*lines = *names = NULL;
	if (!o)
		return -1;
	rc = map_backends(x, ki, o, &l, &n, err, len);
	sb_add(&n, "", 1);	/* the list's end: an empty name */
	if (!rc && (l.oom || n.oom))
		rc = fail(err, len, "out of memory");
	json_object_put(o);
	if (rc) {
		free(l.s);
		free(n.s);
		return rc;
	}
	*lines = l.s;
	*names = n.s;
	return 0;
}

/* A field that must be an address, copied out when present. */
static int addr_field(const char *json, const char *field, bool need, char *out, size_t olen,
		      char *err, size_t len)
{
	json_object *o = value_object(json, err, len);
	struct addr a;
	const char *s;
	int rc = -1;

	*out = '\0';
	if (!o)
		return -1;
	if (str_field(o, field, &s, err, len))
		goto out;
	if (!s && need) {
		fail(err, len, "'%s' is missing", field);
		goto out;
	}
	if (s && parse_addr(s, &a)) {
		fail(err, len, "'%s' must be an IPv4 or IPv6 address", field);
		goto out;
	}
	snprintf(out, olen, "%s", s ?: "");
	rc = 0;
out:
	json_object_put(o);
	return rc;
}

int xlate_host(const char *json, char *vtep, size_t vlen, char *err, size_t len)
{
	return addr_field(json, "vtep", true, vtep, vlen, err, len);
}

int xlate_config(const char *json, char *gateway, size_t glen, char *err, size_t len)
{
	return addr_field(json, "gateway", false, gateway, glen, err, len);
}
