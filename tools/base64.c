// SPDX-License-Identifier: GPL-2.0
/* Base64 for etcd's gateway: pure, unit-tested in tests/test_store.c. */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"

static const char alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *b64_encode(const void *data, size_t len)
{
	const uint8_t *p = data;
	char *out = malloc((len + 2) / 3 * 4 + 1), *o = out;

	if (!out)
		return NULL;
	for (size_t i = 0; i < len; i += 3) {
		uint32_t v = p[i] << 16;
		size_t left = len - i;

		if (left > 1)
			v |= p[i + 1] << 8;
		if (left > 2)
			v |= p[i + 2];
		*o++ = alphabet[v >> 18];
		*o++ = alphabet[(v >> 12) & 63];
		*o++ = left > 1 ? alphabet[(v >> 6) & 63] : '=';
		*o++ = left > 2 ? alphabet[v & 63] : '=';
	}
	*o = '\0';
	return out;
}

/*
 * Each byte's value, or -1: a table, not a search of the alphabet, as every
 * key and value of a 100k-key read goes through here.
 */
static int8_t values[256];
/* Filled once, whichever thread decodes first (mnmapd's reporter and main). */
static pthread_once_t values_once = PTHREAD_ONCE_INIT;

static void values_init(void)
{
	memset(values, -1, sizeof(values));
	for (int i = 0; i < 64; i++)
		values[(unsigned char)alphabet[i]] = i;
}

static int b64_value(char c)
{
	return values[(unsigned char)c];
}

int b64_decode(const char *s, char **out, size_t *len)
{
	size_t n = strlen(s), pad = 0, o = 0;
	char *buf;

	if (n % 4)
		return -1;
	pthread_once(&values_once, values_init);
	if (n && s[n - 1] == '=')
		pad++;
	if (n > 1 && s[n - 2] == '=')
		pad++;
	buf = malloc(n / 4 * 3 + 1);
	if (!buf)
		return -1;
	for (size_t i = 0; i < n; i += 4) {
		uint32_t v = 0;
		int quads = i + 4 == n ? 4 - pad : 4;

		for (int j = 0; j < 4; j++) {
			int d = j < quads ? b64_value(s[i + j]) : 0;

			if (d < 0) {
				free(buf);
				return -1;
			}
			v = v << 6 | d;
		}
		buf[o++] = v >> 16;
		if (quads > 2)
			buf[o++] = v >> 8;
		if (quads > 3)
			buf[o++] = v;
	}
	buf[o] = '\0';
	*out = buf;
	if (len)
		*len = o;
	return 0;
}
