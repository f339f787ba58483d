/* SPDX-License-Identifier: GPL-2.0 */
#ifndef MNMAP_ETCD_H
#define MNMAP_ETCD_H

#include <stdbool.h>
#include <stdint.h>
#include <json-c/json.h>

/*
 * A client of etcd v3's JSON gateway (/v3/, served by etcd 3.4 and later)
 * over HTTP with libcurl. One request at a time per handle (each thread its
 * own handles); a watch is a stream.
 */
struct etcd;

struct etcd *etcd_new(const char *url);
/* How long a unary call may take (default 60 s: a large range under TCG). */
void etcd_set_timeout(struct etcd *e, long ms);
void etcd_free(struct etcd *e);
/* Why the last call failed. */
const char *etcd_error(const struct etcd *e);

/*
 * POST @body (not consumed) to /v3/@path; *@out the reply. 0, or -1 when
 * etcd is unreachable or answered an error (etcd_error says which).
 */
int etcd_call(struct etcd *e, const char *path, json_object *body, json_object **out);

/*
 * A unary gRPC call to @method ("etcdserverpb.KV/Range"), @req its
 * protobuf; the reply's message in *@msg, within *@body (to free). 0 or -1.
 */
int etcd_grpc(struct etcd *e, const char *method, const void *req, size_t len,
	      char **body, const uint8_t **msg, size_t *msg_len);

/* Ranges: the keys under @prefix (a whole prefix) at @rev (0: newest). */
int etcd_range_prefix(struct etcd *e, const char *prefix, int64_t rev, bool keys_only,
		      json_object **out);
/*
 * One page of the range [@from, @end) at @rev, at most @limit keys; "more"
 * in the reply says whether pages follow.
 */
int etcd_range_page(struct etcd *e, const char *from, const char *end, int64_t rev,
		    int64_t limit, json_object **out);
int etcd_put(struct etcd *e, const char *key, const char *value, int64_t lease);
int64_t etcd_lease_grant(struct etcd *e, int ttl);
int etcd_lease_keepalive(struct etcd *e, int64_t lease);
/* Add the request fields of the range [@key, @end) to @req. */
void etcd_range_fields(json_object *req, const char *key, const char *end);
/* Add the request fields of a range over a whole @prefix to @req. */
void etcd_prefix_fields(json_object *req, const char *prefix);

/*
 * Watch the range [@key, @end) from @rev: @on_msg sees each message's "result" and
 * @on_tick runs about every second; either stops the watch by returning
 * nonzero, which etcd_watch returns. A stream that ends or breaks: -1.
 */
int etcd_watch(struct etcd *e, const char *key, const char *end, int64_t rev,
	       int (*on_msg)(void *arg, json_object *result),
	       int (*on_tick)(void *arg), void *arg);

/* Fields of replies: etcd writes its 64-bit integers as strings. */
int64_t json_i64(json_object *o, const char *field);
/* A kv's key and value, decoded (NUL-terminated, malloc'd): 0, or -1 (one holds a NUL). */
int kv_decode(json_object *kv, char **key, char **value);

#endif
