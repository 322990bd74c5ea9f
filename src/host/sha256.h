/* SPDX-License-Identifier: MIT */
/*
 * SHA-256, inside the host library (not public API): the deploy session's
 * and the compile cache's keys, so that no name from outside reaches a
 * path. The tests use it too (tests/common/sha256.h).
 */
#ifndef ROMFS_HOST_SHA256_H
#define ROMFS_HOST_SHA256_H

#include <stddef.h>
#include <stdint.h>

typedef struct romfs_sha256 {
    uint32_t h[8];
    uint8_t buf[64];
    size_t used;
    uint64_t total;
} romfs_sha256_t;

void romfs_sha256_init(romfs_sha256_t *s);
void romfs_sha256_update(romfs_sha256_t *s, const uint8_t *p, size_t n);
/* Finish s and write its digest as 64 lowercase hex digits and a NUL. */
void romfs_sha256_final(romfs_sha256_t *s, char out[65]);
/* The digest of p[0..n) in one call. */
void romfs_sha256_hex(const uint8_t *p, size_t n, char out[65]);

#endif
