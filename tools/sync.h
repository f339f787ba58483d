/* SPDX-License-Identifier: GPL-2.0 */
#ifndef MNMAP_SYNC_H
#define MNMAP_SYNC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * mnmapd's model: the store's keys as last read, what each one means on
 * this host (its lines of mnmapctl's grammar) and what of it the kernel
 * holds. An apply sends the difference as one batch, which batch.c makes
 * one transaction. Pure but for the apply callback: unit-tested with a
 * fake one.
 */
struct sync;

/*
 * Apply @text (a batch); 0, or -1 with the failing line (1-based, 0 when
 * the batch failed as a whole) in *@line and the reason in @err.
 */
typedef int (*sync_apply_fn)(void *arg, const char *text, int *line, char *err, size_t len);

/* @plumbing: this host's own "uplink X vxlan Y" words of host set, or "". */
struct sync *sync_new(const char *host, const char *vtep, const char *plumbing);
void sync_free(struct sync *s);

/* Forget the store's keys (before a fresh read); the kernel keeps its table. */
void sync_reset(struct sync *s);
/* A key put (@value) or deleted (NULL). Keys outside the layout are noted. */
int sync_set(struct sync *s, const char *key, const char *value);
/*
 * Send what changed since the last apply, or with @replace the whole table
 * as one replace (after sync_reset and a fresh read). A key the kernel or
 * the grammar refuses is noted, left out, and the rest retried. 0, or -1
 * when nothing could be applied (@err says why).
 */
int sync_apply(struct sync *s, bool replace, sync_apply_fn fn, void *arg, char *err, size_t len);

/* The keys that are not applied as written, with why; returns their count. */
size_t sync_errors(struct sync *s, void (*fn)(void *arg, const char *key, const char *why,
					      bool applied), void *arg);
/* Keys refused by the kernel or for a missing device are tried again. */
bool sync_has_retry(struct sync *s);
void sync_retry(struct sync *s);
size_t sync_count(struct sync *s);

#endif
