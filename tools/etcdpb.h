/* SPDX-License-Identifier: GPL-2.0 */
#ifndef MNMAP_ETCDPB_H
#define MNMAP_ETCDPB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * etcd's Range in its own protobuf (etcdserverpb.RangeRequest and
 * RangeResponse), for the one call where the JSON gateway costs most: a
 * full read. Pure: unit-tested in tests/test_store.c.
 */

/* A RangeRequest of [@key, @end) at @rev (0: newest), @limit keys (0: all). */
size_t pb_range_request(uint8_t *buf, size_t cap, const char *key, const char *end,
			int64_t rev, int64_t limit);

/* What a RangeResponse says besides its kvs. */
struct pb_range {
	int64_t revision;	/* the header's */
	bool more;
	size_t count;		/* kvs seen */
};

/*
 * Decode a RangeResponse, calling @fn with each kv's key and value (NUL-
 * terminated copies, valid during the call); @fn's nonzero return stops
 * it. 0, -1 when the message is malformed (a key or value holding a NUL,
 * or no header's revision, included), or what @fn returned.
 */
int pb_range_response(const uint8_t *msg, size_t len, struct pb_range *out,
		      int (*fn)(void *arg, const char *key, const char *value), void *arg);

#endif
