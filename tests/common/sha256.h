/* SHA-256 (FIPS 180-4) for the tests: file contents are compared by digest
 * against manifest.json and between our reader and MicroPython. One copy,
 * shared by the unit tests and the conformance walker. */
#ifndef ROMFS_TESTS_SHA256_H
#define ROMFS_TESTS_SHA256_H

#include <stddef.h>
#include <stdint.h>

typedef struct sha256 {
    uint32_t h[8];
    uint8_t buf[64];
    size_t used;
    uint64_t total;
} sha256_t;

void sha256_init(sha256_t *s);
void sha256_update(sha256_t *s, const uint8_t *p, size_t n);
/* Finish and write the digest as 64 lowercase hex digits and a NUL. */
void sha256_hex(sha256_t *s, char out[65]);
/* The digest of one buffer. */
void sha256_buf_hex(const uint8_t *p, size_t n, char out[65]);

#endif
