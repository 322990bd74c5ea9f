/* SHA-256 for the tests: file contents are compared by digest against
 * manifest.json and between our reader and MicroPython. The one copy is the
 * host library's (romfs/romfs_sha256.h); these are its names in the tests. */
#ifndef ROMFS_TESTS_SHA256_H
#define ROMFS_TESTS_SHA256_H

#include "romfs/romfs_sha256.h"

typedef romfs_sha256_t sha256_t;
#define sha256_init romfs_sha256_init
#define sha256_update romfs_sha256_update
#define sha256_hex romfs_sha256_hex
#define sha256_buf_hex romfs_sha256_buf_hex

#endif
