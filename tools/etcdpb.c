// SPDX-License-Identifier: GPL-2.0
/*
 * Just enough protobuf for etcd's Range (api/etcdserverpb/rpc.proto and
 * api/mvccpb/kv.proto): varints and length-delimited fields. Through the
 * JSON gateway, etcd spends most of a 100k-key read turning its answer
 * into JSON (and mnmapd parsing it and its base64 back); in protobuf the
 * same read is several times cheaper on both sides.
 */
#include <stdlib.h>
#include <string.h>

#include "etcdpb.h"

enum { WIRE_VARINT = 0, WIRE_64 = 1, WIRE_LEN = 2, WIRE_32 = 5 };
#define FIELD_MAX ((1u << 29) - 1)

/* RangeRequest's fields; RangeResponse's; ResponseHeader's; KeyValue's. */
enum { REQ_KEY = 1, REQ_RANGE_END = 2, REQ_LIMIT = 3, REQ_REVISION = 4 };
enum { RESP_HEADER = 1, RESP_KVS = 2, RESP_MORE = 3 };
enum { HEADER_REVISION = 3 };
enum { KV_KEY = 1, KV_VALUE = 5 };

static size_t put_varint(uint8_t *buf, size_t cap, size_t at, uint64_t v)
{
	do {
		if (at < cap)
			buf[at] = (v & 0x7f) | (v > 0x7f ? 0x80 : 0);
		at++;
		v >>= 7;
	} while (v);
	return at;
}

static size_t put_bytes(uint8_t *buf, size_t cap, size_t at, int field, const char *s)
{
	size_t n = strlen(s);

	at = put_varint(buf, cap, at, (uint64_t)field << 3 | WIRE_LEN);
	at = put_varint(buf, cap, at, n);
	if (at + n <= cap)
		memcpy(buf + at, s, n);
	return at + n;
}

static size_t put_int(uint8_t *buf, size_t cap, size_t at, int field, int64_t v)
{
	if (!v)
		return at;	/* the default: not on the wire */
	at = put_varint(buf, cap, at, (uint64_t)field << 3 | WIRE_VARINT);
	return put_varint(buf, cap, at, v);
}

/* The request's length; larger than @cap when @buf is too small. */
size_t pb_range_request(uint8_t *buf, size_t cap, const char *key, const char *end,
			int64_t rev, int64_t limit)
{
	size_t at = put_bytes(buf, cap, 0, REQ_KEY, key);

	at = put_bytes(buf, cap, at, REQ_RANGE_END, end);
	at = put_int(buf, cap, at, REQ_LIMIT, limit);
	return put_int(buf, cap, at, REQ_REVISION, rev);
}

/* A message being read: where, and up to where. */
struct reader {
	const uint8_t *p, *end;
};

static int get_varint(struct reader *r, uint64_t *v)
{
	*v = 0;
	for (int shift = 0; shift < 64; shift += 7) {
		if (r->p == r->end)
			return -1;
		/* The 10th byte holds bit 63 alone: more is not a 64-bit value. */
		if (shift == 63 && *r->p > 1)
			return -1;
		*v |= (uint64_t)(*r->p & 0x7f) << shift;
		if (!(*r->p++ & 0x80))
			return 0;
	}
	return -1;
}

/*
 * The next field: its number and wire type, and its value (a varint's in
 * *@v, a length-delimited one's bytes in *@sub). 1 at the end, -1 if bad.
 */
static int next_field(struct reader *r, int *field, uint64_t *v, struct reader *sub)
{
	uint64_t tag;
	size_t skip;

	sub->p = sub->end = NULL;	/* set only for a length-delimited field */
	if (r->p == r->end)
		return 1;
	/* Field numbers are 1 to 2^29 - 1: a larger one would alias ours. */
	if (get_varint(r, &tag) || tag >> 3 == 0 || tag >> 3 > FIELD_MAX)
		return -1;
	*field = tag >> 3;
	switch (tag & 7) {
	case WIRE_VARINT:
		return get_varint(r, v);
	case WIRE_LEN:
		if (get_varint(r, v) || *v > (uint64_t)(r->end - r->p))
			return -1;
		sub->p = r->p;
		sub->end = r->p + *v;
		r->p += *v;
		return 0;
	case WIRE_64:
		skip = 8;
		break;
	case WIRE_32:
		skip = 4;
		break;
	default:
		return -1;
	}
	if (skip > (size_t)(r->end - r->p))
		return -1;
	r->p += skip;
	*field = 0;	/* no field of ours is fixed-size */
	return 0;
}

/*
 * A NUL-terminated copy of @n bytes at @p in *@s (grown as needed); -1 for
 * bytes holding a NUL, which the copy would cut short (maps/...\0junk).
 */
static int copy_str(const uint8_t *p, size_t n, char **s, size_t *cap)
{
	if (n && memchr(p, '\0', n))
		return -1;
	if (n + 1 > *cap) {
		char *b = realloc(*s, n + 1);

		if (!b)
			return -1;
		*s = b;
		*cap = n + 1;
	}
	if (n)
		memcpy(*s, p, n);
	(*s)[n] = '\0';
	return 0;
}

/* Buffers for a kv's key and value, reused from one kv to the next. */
struct kv_bufs {
	char *key, *value;
	size_t kcap, vcap;
};

static int decode_kv(struct reader r, struct kv_bufs *b,
		     int (*fn)(void *arg, const char *key, const char *value), void *arg)
{
	struct reader sub;
	bool key = false;
	int field, rc;
	uint64_t v;

	/* An empty value is not on the wire. */
	if (copy_str(NULL, 0, &b->value, &b->vcap))
		return -1;
	while (!(rc = next_field(&r, &field, &v, &sub))) {
		if (field == KV_KEY && sub.p) {
			if (copy_str(sub.p, sub.end - sub.p, &b->key, &b->kcap))
				return -1;
			key = true;
		} else if (field == KV_VALUE && sub.p &&
			   copy_str(sub.p, sub.end - sub.p, &b->value, &b->vcap)) {
			return -1;
		}
	}
	return rc < 0 || !key ? -1 : fn(arg, b->key, b->value);
}

static int64_t header_revision(struct reader r)
{
	struct reader sub;
	int64_t rev = 0;
	uint64_t v;
	int field;

	while (!next_field(&r, &field, &v, &sub))
		if (field == HEADER_REVISION && !sub.p)
			rev = v;
	return rev;
}

int pb_range_response(const uint8_t *msg, size_t len, struct pb_range *out,
		      int (*fn)(void *arg, const char *key, const char *value), void *arg)
{
	struct reader r = { msg, msg + len }, sub;
	struct kv_bufs b = { 0 };
	int field, rc, err = 0;
	uint64_t v;

	memset(out, 0, sizeof(*out));
	while (!err && !(rc = next_field(&r, &field, &v, &sub))) {
		if (field == RESP_HEADER && sub.p)
			out->revision = header_revision(sub);
		else if (field == RESP_KVS && sub.p && !(err = decode_kv(sub, &b, fn, arg)))
			out->count++;
		else if (field == RESP_MORE && !sub.p)
			out->more = v;
	}
	free(b.key);
	free(b.value);
	/* etcd's revisions start at 1: none is a reply without its header. */
	return err ?: rc < 0 || out->revision <= 0 ? -1 : 0;
}
