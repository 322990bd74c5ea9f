/* SPDX-License-Identifier: MIT */
/*
 * The mpy-cross output cache (internal to src/host/mpy.c): one file per
 * compiled source, named by a hex key the caller computes (never from a
 * name from outside). An entry is
 *     "RFSMPY1\n", 8-byte little-endian length, 64 hex digits of the
 *     content's SHA-256, the content
 * so a truncated or altered entry is detected on read. Writes go to a
 * temporary file renamed into place; the modification time marks the last
 * use, and trimming removes the least recently used entries past the bound.
 */
#ifndef ROMFS_MPY_CACHE_H
#define ROMFS_MPY_CACHE_H

#include <stddef.h>
#include <stdint.h>

typedef struct mpy_cache {
    char *dir;      /* NULL: disabled */
    uint64_t max;   /* bytes */
    int stored;     /* entries written this session */
} mpy_cache_t;

/* Open (creating, mode 0700) dir (NULL: no cache). max 0: the default
 * bound. 0, or a negative errno (the
 * cache stays disabled; msg says why). */
int mpy_cache_open(mpy_cache_t *c, const char *dir, uint64_t max, char *msg, size_t cap);

/* 1 and a malloc'd copy of the entry's content when key is cached and
 * sound (content passes check(content, len, arg)); 0 when absent; -1 when
 * it was damaged (it is removed). */
int mpy_cache_get(mpy_cache_t *c, const char *key, uint8_t **data, size_t *len,
                  int (*check)(const uint8_t *, size_t, void *), void *arg);

/* Store content under key (errors only cost a later recompile). */
void mpy_cache_put(mpy_cache_t *c, const char *key, const uint8_t *data, size_t len);

/* Evict least recently used entries until the cache holds at most max bytes. */
void mpy_cache_trim(mpy_cache_t *c);

void mpy_cache_close(mpy_cache_t *c);


#endif
