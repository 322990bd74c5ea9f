/*
 * SHA-256 (FIPS 180-4) for the host library: what turns untrusted strings
 * (a board's unique_id) into safe, fixed-form names.
 */
#ifndef ROMFS_HOST_SHA256_H
#define ROMFS_HOST_SHA256_H

#include <stddef.h>
#include <stdint.h>

/* The digest of p[0..n) as 64 lowercase hex digits and a NUL. */
void romfs_sha256_hex(const uint8_t *p, size_t n, char out[65]);

#endif
