/* SPDX-License-Identifier: GPL-2.0 */
#ifndef MNMAP_BASE64_H
#define MNMAP_BASE64_H

#include <stddef.h>

/* etcd's JSON gateway carries keys and values in base64 (RFC 4648, padded). */
char *b64_encode(const void *data, size_t len);
/* A NUL-terminated copy of the decoded bytes in *@out; -1 on bad input. */
int b64_decode(const char *s, char **out, size_t *len);

#endif
