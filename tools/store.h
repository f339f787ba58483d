/* SPDX-License-Identifier: GPL-2.0 */
#ifndef MNMAP_STORE_H
#define MNMAP_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The store's key layout (Documentation/etcd.md, a contract) and its
 * translation into mnmapctl's grammar. Pure: unit-tested as it is.
 */
/*
 * Its kinds sort config < endpoints/ < hosts/ < maps/ < status/, and mnmapd
 * reads and watches only up to status/ (FOLLOW_END in mnmapd.c): a new kind
 * of key must sort before status/, or mnmapd must follow it separately.
 */
#define STORE_PREFIX "/mnmap/v1/"
#define STORE_NAME_MAX 64

enum key_kind { KEY_BAD, KEY_CONFIG, KEY_HOST, KEY_ENDPOINT, KEY_MAP, KEY_STATUS };

struct key_info {
	enum key_kind kind;
	char name[STORE_NAME_MAX + 1];	/* host, endpoint or status: its NAME */
	/* A map: "ADDR PROTO [PORT] [tenant T]", its identity in the grammar. */
	char map_id[128];
	bool weightless;	/* a port range or icmp: the grammar takes no weight */
};

/* Parse a key of the layout; KEY_BAD with @err when it is none of them. */
enum key_kind store_key_parse(const char *key, struct key_info *ki, char *err, size_t len);

/* What the translation of an endpoint or map looks up in the rest. */
struct xlate_ctx {
	const char *host;	/* the host this runs on */
	/* The VTEP of host @name, or NULL if the store has none. */
	const char *(*vtep_of)(void *arg, const char *name);
	/* Whether endpoint @name is applied (known and valid). */
	bool (*endpoint_ok)(void *arg, const char *name);
	void *arg;
};

/* An endpoint translated: its add line, its set line (a move), a note. */
struct xlate_endpoint {
	char add[256], set[256];
	uint32_t tenant;
	char warning[128];	/* applied, with something not supported here */
};

/* 0, or -1 with @err: the value cannot be applied here. */
int xlate_endpoint(const struct xlate_ctx *x, const char *name, const char *json,
		   struct xlate_endpoint *out, char *err, size_t len);
/*
 * A map's add lines, one per endpoint, '\n'-terminated, in *@lines
 * (malloc'd); the endpoint names in *@names (NUL-separated, malloc'd).
 */
int xlate_map(const struct xlate_ctx *x, const struct key_info *ki, const char *json,
	      char **lines, char **names, char *err, size_t len);
/* hosts/NAME's vtep; config's gateway: 0, or -1 with @err. */
int xlate_host(const char *json, char *vtep, size_t vlen, char *err, size_t len);
int xlate_config(const char *json, char *gateway, size_t glen, char *err, size_t len);

#endif
