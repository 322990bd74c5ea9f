/*
 * SHA-256 (FIPS 180-4), one copy for the project: the mpy-cross cache keys
 * its entries by it, the tests compare file contents by digest.
 */
#ifndef ROMFS_SHA256_H
#define ROMFS_SHA256_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct romfs_sha256 {
    uint32_t h[8];
    uint8_t buf[64];
    size_t used;
    uint64_t total;
} romfs_sha256_t;

void romfs_sha256_init(romfs_sha256_t *s);
void romfs_sha256_update(romfs_sha256_t *s, const uint8_t *p, size_t n);
/* Finish and write the digest as 64 lowercase hex digits and a NUL. */
void romfs_sha256_hex(romfs_sha256_t *s, char out[65]);
/* The digest of one buffer. */
void romfs_sha256_buf_hex(const uint8_t *p, size_t n, char out[65]);

#ifdef __cplusplus
}
#endif

#endif
